"""The moderation workflow's services (``legal.workflow``): every transition, its refusals and its traces.

Real database, no mocks: staff log drafts, moderators return, reject, approve
(now or under embargo), remove and restore; the public sees approved states
only; nothing a staff member enters is silently overwritten.
"""

import datetime
import itertools
import threading

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import close_old_connections, connection, connections
from django.urls import reverse
from django.utils import timezone

from alerts import sending
from alerts.models import Delivery, Subscription, TargetType
from legal import models, workflow
from legal.dates import DatePrecision
from legal.exports import data_fingerprint
from legal.models import ChangeRequest, Visibility
from legal.public_history import history_entries, public_history
from legal.search import search
from tests import factories as f

State = ChangeRequest.State
USERNAMES = ("test-staff", "test-other-staff", "test-moderator")
HOUR = datetime.timedelta(hours=1)

_numbers = itertools.count(1)


def new_ruling(authority, **fields):
    n = next(_numbers)
    defaults = {
        "slug": f"test-ruling-{n}",
        "title_en": f"Test Ruling {n}",
        "kind": models.Ruling.Kind.STATEMENT,
        "outcome": models.Ruling.Outcome.CONCERNS,
        "date": datetime.date(2024, 1, 2),
        "date_precision": DatePrecision.DAY,
        "authority": authority,
    }
    return models.Ruling(**{**defaults, **fields})


def new_actor(**fields):
    n = next(_numbers)
    defaults = {
        "slug": f"test-body-{n}",
        "name_en": f"Test Body {n}",
        "kind": models.Actor.Kind.ORGANISATION,
        "role": models.Actor.Role.GOVERNMENT,
    }
    return models.Actor(**{**defaults, **fields})


def new_citation(source=None):
    return models.Citation(source=source or f.make_source(), reliability="B", credibility="2")


def fresh(record):
    return type(record)._default_manager.get(pk=record.pk)


def is_public(record):
    return type(record).objects.published().filter(pk=record.pk).exists()


def log_ruling(user, authority, *, submit=True, citations=None, **fields):
    """A staff member logs a ruling with one source; returns its change request."""
    return workflow.create_draft(
        new_ruling(authority, **fields),
        user=user,
        citations=[new_citation()] if citations is None else citations,
        reason="Test ruling logged",
        submit=submit,
    )


def propose(record, user, *, base=None, links=None, submit=True, citations=(), **changes):
    """An edit proposal as a form would send it: the whole edited record, from the version it loaded."""
    edited = fresh(record)
    for name, value in changes.items():
        setattr(edited, name, value)
    return workflow.propose_edit(
        record,
        user=user,
        values=workflow.values_from_instance(edited),
        links=links,
        citations=citations,
        base_history_id=base if base is not None else workflow.latest_history_id(record),
        reason="Test edit",
        submit=submit,
    )


@pytest.fixture
def submitted(staff_user, authority):
    return log_ruling(staff_user, authority)


@pytest.fixture
def ruling(submitted, moderator_user):
    """A ruling logged by staff and published by a moderator."""
    workflow.approve_change(submitted, user=moderator_user)
    return fresh(submitted.record)


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Runs the on-commit hooks of the writes inside it, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


# Roles ----------------------------------------------------------------------------------


def test_roles_follow_the_groups(staff_user, moderator_user, editor, superuser):
    assert workflow.is_staff_member(staff_user) and not workflow.is_moderator(staff_user)
    assert workflow.is_staff_member(moderator_user) and workflow.is_moderator(moderator_user)
    assert not workflow.is_staff_member(editor) and not workflow.is_moderator(editor)
    assert not workflow.is_staff_member(AnonymousUser())
    assert workflow.is_moderator(superuser)


def test_an_inactive_moderator_has_no_role(moderator_user):
    moderator_user.is_active = False
    assert not workflow.is_moderator(moderator_user)
    assert not workflow.is_staff_member(moderator_user)


# Creating a draft -------------------------------------------------------------------------


def test_create_draft_saves_a_private_draft_row_and_a_create_request(staff_user, authority):
    change_request = log_ruling(staff_user, authority, submit=False)
    record = change_request.record
    assert change_request.kind == ChangeRequest.Kind.CREATE
    assert change_request.state == State.DRAFT
    assert change_request.author == staff_user
    assert record.visibility == Visibility.DRAFT
    assert not is_public(record)
    assert record.citations.count() == 1


def test_create_draft_records_the_author_in_the_private_history_only(staff_user, authority):
    record = log_ruling(staff_user, authority, submit=False).record
    assert {row.history_user for row in record.history.all()} == {staff_user}
    assert not public_history(record).exists()
    assert history_entries(record) == []


def test_create_draft_records_its_links_in_the_draft_history(staff_user, authority, attempt):
    change_request = workflow.create_draft(
        new_ruling(authority), user=staff_user, links={"attempts": [attempt]}, citations=[new_citation()]
    )
    record = change_request.record
    token = workflow.latest_history_id(record)
    assert workflow.historical_snapshot(record, token)["links"]["attempts"] == [attempt.pk]


def test_create_draft_refuses_an_existing_record(staff_user, authority):
    existing = f.make_attempt()
    with pytest.raises(ValidationError):
        workflow.create_draft(existing, user=staff_user)
    assert is_public(existing)


def test_create_draft_refuses_a_user_without_a_role(editor, authority):
    with pytest.raises(PermissionDenied):
        log_ruling(editor, authority)
    assert not models.Ruling.objects.exists()


def test_submitting_at_creation_without_a_source_saves_nothing(staff_user, authority):
    with pytest.raises(ValidationError, match="at least one source"):
        log_ruling(staff_user, authority, citations=[])
    assert not models.Ruling.objects.exists()
    assert not ChangeRequest.objects.exists()


def test_invalid_input_is_refused_with_a_message_for_its_field(staff_user, authority):
    with pytest.raises(ValidationError) as info:
        log_ruling(staff_user, authority, date=datetime.date(2024, 5, 1), date_end=datetime.date(2024, 3, 1))
    assert "date_end" in info.value.message_dict
    assert not models.Ruling.objects.exists()


def test_a_companion_is_saved_as_a_draft(staff_user):
    actor = workflow.create_companion(
        new_actor(), user=staff_user
    )
    assert actor.visibility == Visibility.DRAFT
    assert not is_public(actor)


def test_a_user_without_a_role_cannot_create_a_companion(editor):
    with pytest.raises(PermissionDenied):
        workflow.create_companion(new_actor(), user=editor)


# Updating a draft ---------------------------------------------------------------------------


def edit_draft(change_request, user, *, token=None, **changes):
    record = fresh(change_request.record)
    token = token if token is not None else workflow.latest_history_id(record)
    for name, value in changes.items():
        setattr(record, name, value)
    return workflow.update_draft(change_request, record, user=user, expected_history_id=token)


def test_the_author_can_update_their_draft(staff_user, authority):
    change_request = log_ruling(staff_user, authority, submit=False)
    updated = edit_draft(change_request, staff_user, title_en="Test Ruling, corrected")
    assert fresh(change_request.record).title_en == "Test Ruling, corrected"
    assert updated.revision == change_request.revision + 1
    assert not is_public(change_request.record)


def test_other_staff_cannot_update_someone_elses_draft(staff_user, other_staff_user, authority):
    change_request = log_ruling(staff_user, authority, submit=False)
    with pytest.raises(PermissionDenied):
        edit_draft(change_request, other_staff_user, title_en="Not mine")
    assert fresh(change_request.record).title_en != "Not mine"


def test_a_moderator_can_update_a_staff_draft(staff_user, moderator_user, authority):
    change_request = log_ruling(staff_user, authority)
    edit_draft(change_request, moderator_user, summary_en="Tidied by a moderator.")
    assert fresh(change_request.record).summary_en == "Tidied by a moderator."


@pytest.mark.parametrize("decide", ["approve", "reject"])
def test_a_decided_request_can_no_longer_be_updated(staff_user, moderator_user, authority, decide):
    change_request = log_ruling(staff_user, authority)
    if decide == "approve":
        workflow.approve_change(change_request, user=moderator_user)
    else:
        workflow.reject_change(change_request, user=moderator_user, comment="Out of scope")
    with pytest.raises(ValidationError, match="already decided"):
        edit_draft(change_request, staff_user, title_en="Too late")
    assert fresh(change_request.record).title_en != "Too late"


def test_a_stale_draft_form_is_refused_naming_the_other_persons_change(staff_user, moderator_user, authority):
    change_request = log_ruling(staff_user, authority)
    loaded = workflow.latest_history_id(change_request.record)
    edit_draft(change_request, moderator_user, token=loaded, title_en="Moderator's title")
    with pytest.raises(workflow.StaleEdit) as info:
        edit_draft(change_request, staff_user, token=loaded, summary_en="Staff summary")
    changes = {change.name: change for change in info.value.changes}
    assert changes["title_en"].after == "Moderator's title"
    assert changes["title_en"].label == "Title (English)"
    record = fresh(change_request.record)
    assert record.title_en == "Moderator's title" and not record.summary_en


def test_a_form_token_that_is_not_a_number_is_a_clear_error(staff_user, authority):
    change_request = log_ruling(staff_user, authority, submit=False)
    with pytest.raises(ValidationError, match="reload the page"):
        edit_draft(change_request, staff_user, token="tampered", title_en="X")


def test_update_draft_refuses_a_record_of_another_request(staff_user, authority):
    first = log_ruling(staff_user, authority, submit=False)
    second = log_ruling(staff_user, authority, submit=False)
    other = fresh(second.record)
    with pytest.raises(ValidationError, match="not about that record"):
        workflow.update_draft(first, other, user=staff_user, expected_history_id=workflow.latest_history_id(other))


# Submitting ------------------------------------------------------------------------------


def test_submitting_needs_at_least_one_source(staff_user, authority):
    change_request = log_ruling(staff_user, authority, submit=False, citations=[])
    with pytest.raises(ValidationError, match="at least one source"):
        workflow.submit_change(change_request, user=staff_user)
    assert ChangeRequest.objects.get(pk=change_request.pk).state == State.DRAFT


def test_submitting_a_new_actor_needs_no_source(staff_user):
    change_request = workflow.create_draft(
        new_actor(), user=staff_user
    )
    submitted = workflow.submit_change(change_request, user=staff_user)
    assert submitted.state == State.SUBMITTED and submitted.submitted_at


@pytest.mark.parametrize("state", [State.SUBMITTED, State.REJECTED, State.PUBLISHED])
def test_only_a_draft_or_a_returned_change_can_be_submitted(staff_user, moderator_user, authority, state):
    change_request = log_ruling(staff_user, authority)
    if state == State.REJECTED:
        workflow.reject_change(change_request, user=moderator_user, comment="Out of scope")
    elif state == State.PUBLISHED:
        workflow.approve_change(change_request, user=moderator_user)
    with pytest.raises(ValidationError, match="Only a draft or a returned change"):
        workflow.submit_change(change_request, user=staff_user)


def test_other_staff_cannot_submit_someone_elses_draft(staff_user, other_staff_user, authority):
    change_request = log_ruling(staff_user, authority, submit=False)
    with pytest.raises(PermissionDenied):
        workflow.submit_change(change_request, user=other_staff_user)


# Returning and rejecting ---------------------------------------------------------------------


@pytest.mark.parametrize("comment", ["", "   ", None])
def test_returning_needs_a_comment(submitted, moderator_user, comment):
    with pytest.raises(ValidationError) as info:
        workflow.return_change(submitted, user=moderator_user, comment=comment)
    assert "comment" in info.value.message_dict
    assert ChangeRequest.objects.get(pk=submitted.pk).state == State.SUBMITTED


def test_a_returned_change_carries_the_comment_and_can_be_fixed_and_resubmitted(submitted, staff_user, moderator_user):
    returned = workflow.return_change(submitted, user=moderator_user, comment="Add the date's source")
    assert returned.state == State.RETURNED and returned.comment == "Add the date's source"
    assert returned.reviewed_by == moderator_user
    edit_draft(returned, staff_user, summary_en="Fixed as asked.")
    assert workflow.submit_change(returned, user=staff_user).state == State.SUBMITTED
    assert not is_public(submitted.record)


def test_only_a_submitted_or_scheduled_change_can_be_returned(staff_user, moderator_user, authority):
    draft = log_ruling(staff_user, authority, submit=False)
    with pytest.raises(ValidationError):
        workflow.return_change(draft, user=moderator_user, comment="Not yet submitted")


@pytest.mark.parametrize("comment", ["", "  ", None])
def test_rejecting_needs_a_reason(submitted, moderator_user, comment):
    with pytest.raises(ValidationError) as info:
        workflow.reject_change(submitted, user=moderator_user, comment=comment)
    assert "comment" in info.value.message_dict
    assert ChangeRequest.objects.get(pk=submitted.pk).state == State.SUBMITTED


def test_a_rejected_draft_stays_stored_and_private(submitted, moderator_user):
    rejected = workflow.reject_change(submitted, user=moderator_user, comment="Not about surveillance")
    assert rejected.state == State.REJECTED and rejected.comment == "Not about surveillance"
    record = fresh(submitted.record)
    assert record.visibility == Visibility.DRAFT and record.citations.count() == 1
    assert not is_public(record)
    assert not public_history(record).exists()
    with pytest.raises(ValidationError, match="already been decided"):
        workflow.approve_change(rejected, user=moderator_user)


# Approving -----------------------------------------------------------------------------------


def test_approving_publishes_at_once(submitted, moderator_user):
    approved = workflow.approve_change(submitted, user=moderator_user)
    assert approved.state == State.PUBLISHED
    assert approved.reviewed_by == moderator_user and approved.decided_at
    assert is_public(submitted.record)


def test_an_approved_record_has_one_public_created_entry_with_the_public_reason_and_no_name(
    submitted, moderator_user, client
):
    workflow.approve_change(submitted, user=moderator_user)
    record = fresh(submitted.record)
    entries = history_entries(record)
    assert len(entries) == 1
    assert entries[0].type == "+" and str(entries[0].type_label) == "Created"
    assert entries[0].reason == "Test ruling logged"
    page = client.get(reverse("legal:ruling_history", kwargs={"slug": record.slug}))
    assert page.status_code == 200
    content = page.content.decode()
    assert "Test ruling logged" in content
    for username in USERNAMES:
        assert username not in content
        assert username not in repr(entries)


def test_the_public_sees_no_page_of_an_unapproved_record(submitted, client):
    record = submitted.record
    assert client.get(reverse("legal:ruling_detail", kwargs={"slug": record.slug})).status_code == 404
    assert client.get(reverse("legal:ruling_history", kwargs={"slug": record.slug})).status_code == 404


def test_the_moderators_reason_replaces_the_staff_reason(submitted, moderator_user):
    workflow.approve_change(submitted, user=moderator_user, reason="Opinion published by the authority")
    assert history_entries(fresh(submitted.record))[0].reason == "Opinion published by the authority"


def test_a_reason_too_long_is_a_message_for_its_field(submitted, moderator_user):
    with pytest.raises(ValidationError) as info:
        workflow.approve_change(submitted, user=moderator_user, reason="x" * 501)
    assert "reason" in info.value.message_dict
    assert not is_public(submitted.record)


def test_a_moderator_cannot_approve_someone_elses_unsubmitted_draft(staff_user, moderator_user, authority):
    draft = log_ruling(staff_user, authority, submit=False)
    with pytest.raises(ValidationError, match="not been submitted"):
        workflow.approve_change(draft, user=moderator_user)
    assert not is_public(draft.record)


def test_a_moderator_can_publish_their_own_draft_at_once(moderator_user, authority):
    draft = log_ruling(moderator_user, authority, submit=False)
    workflow.approve_change(draft, user=moderator_user)
    assert is_public(draft.record)


def test_approving_a_version_the_author_changed_since_is_refused(submitted, staff_user, moderator_user):
    reviewed = submitted.revision
    edit_draft(submitted, staff_user, title_en="Changed after review started")
    with pytest.raises(workflow.StaleEdit) as info:
        workflow.approve_change(submitted, user=moderator_user, expected_revision=reviewed)
    assert any(change.after == "Changed after review started" for change in info.value.changes)
    assert not is_public(submitted.record)
    workflow.approve_change(submitted, user=moderator_user, expected_revision=reviewed + 1)
    assert is_public(submitted.record)


# Embargo ------------------------------------------------------------------------------------


def test_an_embargoed_change_stays_private_until_its_time(submitted, moderator_user):
    now = timezone.now()
    scheduled = workflow.approve_change(submitted, user=moderator_user, publish_at=now + HOUR, now=now)
    assert scheduled.state == State.SCHEDULED and scheduled.publish_at == now + HOUR
    assert not is_public(submitted.record)
    assert workflow.publish_due(now=now + HOUR / 2) == []
    assert not is_public(submitted.record)
    published = workflow.publish_due(now=now + 2 * HOUR)
    assert [change.pk for change in published] == [submitted.pk]
    assert is_public(submitted.record)
    assert ChangeRequest.objects.get(pk=submitted.pk).state == State.PUBLISHED
    assert workflow.publish_due(now=now + 3 * HOUR) == []


def test_a_publication_time_in_the_past_publishes_at_once(submitted, moderator_user):
    workflow.approve_change(submitted, user=moderator_user, publish_at=timezone.now() - HOUR)
    assert is_public(submitted.record)


def test_the_publish_scheduled_command_publishes_due_changes(submitted, moderator_user, capsys):
    due = timezone.now() - HOUR
    workflow.approve_change(submitted, user=moderator_user, publish_at=due, now=due - HOUR)
    assert not is_public(submitted.record)
    call_command("publish_scheduled")
    assert "1 scheduled change(s) published." in capsys.readouterr().out
    assert is_public(submitted.record)
    # The embargoed record was published by the moderator who approved it.
    assert fresh(submitted.record).history.order_by("-history_id").first().history_user == moderator_user


def test_a_scheduled_change_returned_before_its_time_is_not_published(submitted, moderator_user):
    now = timezone.now()
    workflow.approve_change(submitted, user=moderator_user, publish_at=now + HOUR, now=now)
    returned = workflow.return_change(submitted, user=moderator_user, comment="Hold it back")
    assert returned.publish_at is None
    assert workflow.publish_due(now=now + 2 * HOUR) == []
    assert not is_public(submitted.record)


# A published record links only to published records ----------------------------------------------


def test_approving_is_refused_while_the_record_links_to_an_unpublished_record(staff_user, moderator_user, authority):
    hidden_attempt = f.make_attempt(visibility=Visibility.DRAFT)
    change_request = workflow.create_draft(
        new_ruling(authority), user=staff_user, links={"attempts": [hidden_attempt]}, citations=[new_citation()],
        submit=True,
    )
    with pytest.raises(ValidationError, match=str(hidden_attempt)):
        workflow.approve_change(change_request, user=moderator_user)
    assert not is_public(change_request.record)
    assert workflow.hidden_links(change_request.record) == [("attempts concerned", hidden_attempt)]


def test_approving_is_refused_while_a_cited_source_is_unpublished(staff_user, moderator_user, authority):
    source = f.make_source(visibility=Visibility.DRAFT)
    change_request = log_ruling(staff_user, authority, citations=[new_citation(source)])
    with pytest.raises(ValidationError, match=source.title):
        workflow.approve_change(change_request, user=moderator_user)
    assert not is_public(change_request.record)


def test_scheduling_is_refused_too_when_publication_would_fail(staff_user, moderator_user, authority):
    hidden_authority = f.make_supervisory_authority(visibility=Visibility.DRAFT)
    change_request = log_ruling(staff_user, authority=hidden_authority)
    with pytest.raises(ValidationError):
        workflow.approve_change(change_request, user=moderator_user, publish_at=timezone.now() + HOUR)
    assert ChangeRequest.objects.get(pk=change_request.pk).state == State.SUBMITTED


def test_records_created_inline_are_published_with_the_request(staff_user, moderator_user):
    new_authority = workflow.create_companion(
        new_actor(role=models.Actor.Role.SUPERVISORY_AUTHORITY),
        user=staff_user,
    )
    new_source = workflow.create_companion(
        models.Source(
            slug="example-report-inline", title="Example Report Inline", kind=models.Source.Kind.REPORT,
            date=datetime.date(2024, 1, 1), date_precision=DatePrecision.YEAR,
        ),
        user=staff_user,
    )
    change_request = workflow.create_draft(
        new_ruling(new_authority), user=staff_user, citations=[new_citation(new_source)],
        companions=[new_authority, new_source], submit=True,
    )
    workflow.approve_change(change_request, user=moderator_user)
    assert is_public(change_request.record) and is_public(new_authority) and is_public(new_source)
    assert public_history(fresh(new_source)).get().history_change_reason == workflow.REASON_COMPANION


def test_companions_given_at_creation_are_kept_once(staff_user, moderator_user):
    actor = workflow.create_companion(new_actor(), user=staff_user)
    change_request = workflow.create_draft(
        new_ruling(f.make_supervisory_authority()), user=staff_user, citations=[new_citation()],
        companions=[actor, actor],
    )
    assert change_request.companions == [["legal.actor", actor.pk]]
    assert workflow.companions_of(change_request) == [actor]


def test_a_record_with_its_own_review_request_cannot_ride_along_as_a_companion(
    staff_user, other_staff_user, moderator_user, authority
):
    someone_elses = log_ruling(other_staff_user, authority).record
    with pytest.raises(ValidationError, match="its own review request"):
        workflow.create_draft(
            new_ruling(authority), user=staff_user, citations=[new_citation()], companions=[someone_elses]
        )
    assert not is_public(someone_elses)


def test_a_companion_linking_to_a_hidden_record_is_refused(staff_user, moderator_user):
    hidden_body = f.make_actor(visibility=Visibility.DRAFT)
    new_authority = workflow.create_companion(
        new_actor(role=models.Actor.Role.SUPERVISORY_AUTHORITY, affiliation=hidden_body),
        user=staff_user,
    )
    change_request = workflow.create_draft(
        new_ruling(new_authority), user=staff_user, citations=[new_citation()], companions=[new_authority], submit=True
    )
    with pytest.raises(ValidationError, match=str(hidden_body)):
        workflow.approve_change(change_request, user=moderator_user)
    assert not is_public(new_authority) and not is_public(change_request.record)


# Edit proposals --------------------------------------------------------------------------------


def test_an_edit_proposal_stores_only_the_changed_fields(ruling, staff_user):
    proposal = propose(ruling, staff_user, summary_en="A proposed summary.")
    assert proposal.kind == ChangeRequest.Kind.EDIT and proposal.state == State.SUBMITTED
    assert proposal.proposed == {"fields": {"summary_en": "A proposed summary."}, "citations": []}
    assert proposal.base == {"fields": {"summary_en": ""}}
    assert [(change.label, change.after) for change in workflow.proposed_changes(proposal)] == [
        ("Summary (English)", "A proposed summary.")
    ]


def test_the_public_keeps_the_last_approved_version_until_the_edit_is_approved(ruling, staff_user, moderator_user):
    proposal = propose(ruling, staff_user, title_en="Proposed title")
    assert fresh(ruling).title_en != "Proposed title"
    assert len(history_entries(ruling)) == 1
    assert not [hit for hit in search("Proposed title")[0:10] if hit.title == "Proposed title"]
    workflow.approve_change(proposal, user=moderator_user)
    assert fresh(ruling).title_en == "Proposed title"


def test_an_approved_edit_gives_exactly_one_history_entry(ruling, staff_user, moderator_user, attempt):
    before = ruling.history.count()
    proposal = propose(ruling, staff_user, summary_en="New summary.", links={"attempts": [attempt]})
    workflow.approve_change(proposal, user=moderator_user)
    assert ruling.history.count() == before + 1
    entries = history_entries(fresh(ruling))
    assert len(entries) == 2 and entries[0].reason == "Test edit"
    assert {str(change.label) for change in entries[0].changes} == {"Summary (English)", "Attempts concerned"}
    assert list(fresh(ruling).attempts.all()) == [attempt]


def test_two_proposals_on_different_fields_both_apply(ruling, staff_user, other_staff_user, moderator_user):
    base = workflow.latest_history_id(ruling)
    first = propose(ruling, staff_user, base=base, title_en="Corrected title")
    second = propose(ruling, other_staff_user, base=base, summary_en="Added summary.")
    workflow.approve_change(first, user=moderator_user)
    workflow.approve_change(second, user=moderator_user)
    record = fresh(ruling)
    assert (record.title_en, record.summary_en) == ("Corrected title", "Added summary.")


def test_proposals_adding_different_links_both_apply(ruling, staff_user, other_staff_user, moderator_user):
    one, two = f.make_attempt(), f.make_attempt()
    base = workflow.latest_history_id(ruling)
    first = propose(ruling, staff_user, base=base, links={"attempts": [one]})
    second = propose(ruling, other_staff_user, base=base, links={"attempts": [two]})
    workflow.approve_change(first, user=moderator_user)
    workflow.approve_change(second, user=moderator_user)
    assert set(fresh(ruling).attempts.all()) == {one, two}


def test_of_two_conflicting_proposals_the_later_is_refused_showing_the_other_change(
    ruling, staff_user, other_staff_user, moderator_user
):
    base = workflow.latest_history_id(ruling)
    first = propose(ruling, staff_user, base=base, title_en="First title")
    second = propose(ruling, other_staff_user, base=base, title_en="Second title")
    workflow.approve_change(first, user=moderator_user)
    with pytest.raises(ValidationError, match="First title"):
        workflow.approve_change(second, user=moderator_user)
    assert fresh(ruling).title_en == "First title"
    assert ChangeRequest.objects.get(pk=second.pk).state == State.SUBMITTED
    assert workflow._check_conflicts(
        models.Ruling, workflow.snapshot(fresh(ruling)), second.base, second.proposed
    )[0].after == "First title"


def test_proposing_from_a_stale_form_names_the_other_change(ruling, staff_user, other_staff_user, moderator_user):
    base = workflow.latest_history_id(ruling)
    workflow.approve_change(propose(ruling, staff_user, base=base, title_en="Approved title"), user=moderator_user)
    with pytest.raises(workflow.StaleEdit) as info:
        propose(ruling, other_staff_user, base=base, title_en="Stale title")
    [change] = info.value.changes
    assert (change.name, change.after) == ("title_en", "Approved title")
    assert not ChangeRequest.objects.filter(author=other_staff_user).exists()


def test_a_stale_form_changing_other_fields_is_merged(ruling, staff_user, other_staff_user, moderator_user):
    base = workflow.latest_history_id(ruling)
    workflow.approve_change(propose(ruling, staff_user, base=base, title_en="Approved title"), user=moderator_user)
    # Loaded before that approval: its form still shows the old title, which it does not change.
    stale = fresh(ruling)
    stale.title_en = ruling.title_en
    stale.summary_en = "Summary from the old form."
    proposal = workflow.propose_edit(
        ruling, user=other_staff_user, values=workflow.values_from_instance(stale), base_history_id=base, submit=True
    )
    assert proposal.proposed["fields"] == {"summary_en": "Summary from the old form."}
    workflow.approve_change(proposal, user=moderator_user)
    record = fresh(ruling)
    assert (record.title_en, record.summary_en) == ("Approved title", "Summary from the old form.")


def test_a_proposal_that_went_stale_is_refused_with_a_clear_message(ruling, staff_user, moderator_user):
    base = workflow.latest_history_id(ruling)
    proposal = propose(ruling, staff_user, base=base, summary_en="Proposed summary.")
    workflow.approve_change(propose(ruling, moderator_user, base=base, summary_en="Other summary."), user=moderator_user)
    with pytest.raises(ValidationError) as info:
        workflow.approve_change(proposal, user=moderator_user)
    assert info.value.messages == [
        "Someone changed the record since this edit was proposed (Summary (English): Other summary.)."
    ]


def test_publish_due_returns_a_stale_scheduled_change_to_its_author(ruling, staff_user, moderator_user):
    now = timezone.now()
    base = workflow.latest_history_id(ruling)
    scheduled = propose(ruling, staff_user, base=base, title_en="Embargoed title")
    workflow.approve_change(scheduled, user=moderator_user, publish_at=now + HOUR, now=now)
    workflow.approve_change(propose(ruling, moderator_user, base=base, title_en="Meanwhile"), user=moderator_user)
    returned = []
    assert workflow.publish_due(now=now + 2 * HOUR, returned=returned) == []
    assert [change.pk for change in returned] == [scheduled.pk]
    scheduled.refresh_from_db()
    assert scheduled.state == State.RETURNED and scheduled.publish_at is None
    assert "Meanwhile" in scheduled.comment and "scheduled time" in scheduled.comment
    assert fresh(ruling).title_en == "Meanwhile"


def test_the_publish_scheduled_command_reports_a_change_it_returns(ruling, staff_user, moderator_user, capsys):
    due = timezone.now() - HOUR
    base = workflow.latest_history_id(ruling)
    scheduled = propose(ruling, staff_user, base=base, title_en="Embargoed title")
    workflow.approve_change(scheduled, user=moderator_user, publish_at=due, now=due - HOUR)
    workflow.approve_change(propose(ruling, moderator_user, base=base, title_en="Meanwhile"), user=moderator_user)
    call_command("publish_scheduled")
    output = capsys.readouterr()
    assert "0 scheduled change(s) published." in output.out
    assert "Returned to its author" in output.err and "Meanwhile" in output.err
    assert ChangeRequest.objects.get(pk=scheduled.pk).state == State.RETURNED


def test_proposals_that_together_break_a_rule_are_refused(ruling, staff_user, other_staff_user, moderator_user):
    base = workflow.latest_history_id(ruling)
    end = propose(ruling, staff_user, base=base, date_end=datetime.date(2024, 3, 1))
    start = propose(ruling, other_staff_user, base=base, date=datetime.date(2024, 5, 1))
    workflow.approve_change(end, user=moderator_user)
    with pytest.raises(ValidationError) as info:
        workflow.approve_change(start, user=moderator_user, publish_at=timezone.now() + HOUR)
    assert "date_end" in info.value.message_dict
    assert fresh(ruling).date == datetime.date(2024, 1, 2)


def test_an_edit_linking_to_an_unpublished_record_cannot_be_approved(ruling, staff_user, moderator_user):
    hidden_attempt = f.make_attempt(visibility=Visibility.DRAFT)
    proposal = propose(ruling, staff_user, links={"attempts": [hidden_attempt]})
    with pytest.raises(ValidationError, match=str(hidden_attempt)):
        workflow.approve_change(proposal, user=moderator_user)
    assert not fresh(ruling).attempts.exists()


def test_an_edit_can_add_a_source(ruling, staff_user, moderator_user):
    source = f.make_source()
    proposal = propose(ruling, staff_user, citations=[new_citation(source)])
    assert ruling.citations.count() == 1
    workflow.approve_change(proposal, user=moderator_user)
    assert set(fresh(ruling).citations.values_list("source", flat=True)) >= {source.pk}
    assert fresh(ruling).citations.count() == 2


def test_an_edit_to_an_unpublished_record_is_refused(submitted, staff_user):
    with pytest.raises(ValidationError, match="Only a published record"):
        propose(submitted.record, staff_user, summary_en="Not yet")


def test_a_proposal_changing_nothing_is_refused(ruling, staff_user):
    with pytest.raises(ValidationError, match="Nothing was changed"):
        propose(ruling, staff_user)


def test_a_proposal_ignores_values_nobody_may_propose(ruling, staff_user):
    values = {**workflow.values_from_instance(fresh(ruling)), "visibility": "deleted", "slug": "other", "id": 999}
    values["summary_en"] = "Only this."
    proposal = workflow.propose_edit(
        ruling, user=staff_user, values=values, base_history_id=workflow.latest_history_id(ruling)
    )
    assert proposal.proposed["fields"] == {"summary_en": "Only this."}


def test_revising_a_proposal_replaces_its_values(ruling, staff_user):
    proposal = propose(ruling, staff_user, submit=False, title_en="First try")
    edited = fresh(ruling)
    edited.summary_en = "Second try"
    revised = workflow.propose_edit(
        ruling, user=staff_user, values=workflow.values_from_instance(edited),
        base_history_id=workflow.latest_history_id(ruling), change_request=proposal,
        expected_revision=proposal.revision,
    )
    assert revised.pk == proposal.pk and revised.revision == proposal.revision + 1
    assert revised.proposed["fields"] == {"summary_en": "Second try"}


def test_revising_a_proposal_from_a_stale_form_names_the_other_revision(ruling, staff_user, moderator_user):
    proposal = propose(ruling, staff_user, title_en="First try")
    loaded = proposal.revision
    edited = fresh(ruling)
    edited.title_en = "Moderator's try"
    workflow.propose_edit(
        ruling, user=moderator_user, values=workflow.values_from_instance(edited),
        base_history_id=workflow.latest_history_id(ruling), change_request=proposal, expected_revision=loaded,
    )
    edited.title_en = "Staff's second try"
    with pytest.raises(workflow.StaleEdit) as info:
        workflow.propose_edit(
            ruling, user=staff_user, values=workflow.values_from_instance(edited),
            base_history_id=workflow.latest_history_id(ruling), change_request=proposal, expected_revision=loaded,
        )
    assert [change.after for change in info.value.changes] == ["Moderator's try"]


def test_other_staff_cannot_revise_someone_elses_proposal(ruling, staff_user, other_staff_user):
    proposal = propose(ruling, staff_user, title_en="Mine")
    edited = fresh(ruling)
    edited.title_en = "Theirs"
    with pytest.raises(PermissionDenied):
        workflow.propose_edit(
            ruling, user=other_staff_user, values=workflow.values_from_instance(edited),
            base_history_id=workflow.latest_history_id(ruling), change_request=proposal,
        )


def test_a_proposal_cannot_be_revised_onto_another_record(ruling, staff_user, moderator_user, authority):
    proposal = propose(ruling, staff_user, title_en="Mine")
    other = log_ruling(staff_user, authority).record
    workflow.approve_change(ChangeRequest.objects.for_record(other).get(), user=moderator_user)
    other = fresh(other)
    with pytest.raises(ValidationError, match="not about that record"):
        workflow.propose_edit(
            other, user=staff_user, values=workflow.values_from_instance(other),
            base_history_id=workflow.latest_history_id(other), change_request=proposal,
        )


# Removing and restoring -----------------------------------------------------------------------


def test_removing_hides_the_record_and_keeps_its_row(ruling, moderator_user, client):
    workflow.remove_record(ruling, user=moderator_user, reason="Duplicate entry")
    record = fresh(ruling)
    assert record.visibility == Visibility.DELETED and not is_public(record)
    assert record.citations.count() == 1
    assert client.get(reverse("legal:ruling_detail", kwargs={"slug": record.slug})).status_code == 404
    # The removal and its reason stay private.
    assert [entry.reason for entry in history_entries(record)] == ["Test ruling logged"]


def test_removing_is_refused_while_a_published_record_links_to_it(ruling, moderator_user, staff_user, attempt):
    workflow.approve_change(propose(ruling, staff_user, links={"attempts": [attempt]}), user=moderator_user)
    with pytest.raises(ValidationError, match=ruling.title_en):
        workflow.remove_record(attempt, user=moderator_user, reason="Duplicate")
    assert is_public(attempt)
    assert workflow.public_dependents(attempt) == [fresh(ruling)]


def test_removing_is_refused_while_a_published_record_cites_the_source(ruling, moderator_user):
    source = ruling.citations.get().source
    with pytest.raises(ValidationError, match=ruling.title_en):
        workflow.remove_record(source, user=moderator_user, reason="Broken link")
    assert is_public(source)


def test_a_draft_linking_to_a_record_does_not_block_its_removal(staff_user, moderator_user, authority, attempt):
    change_request = workflow.create_draft(
        new_ruling(authority), user=staff_user, links={"attempts": [attempt]}, citations=[new_citation()], submit=True
    )
    workflow.remove_record(attempt, user=moderator_user, reason="Duplicate")
    with pytest.raises(ValidationError, match=str(attempt)):
        workflow.approve_change(change_request, user=moderator_user)


@pytest.mark.parametrize("reason", ["", "  ", None])
def test_removing_and_restoring_need_a_reason(ruling, moderator_user, reason):
    with pytest.raises(ValidationError) as info:
        workflow.remove_record(ruling, user=moderator_user, reason=reason)
    assert "reason" in info.value.message_dict
    workflow.remove_record(ruling, user=moderator_user, reason="Duplicate")
    with pytest.raises(ValidationError) as info:
        workflow.restore_record(ruling, user=moderator_user, reason=reason)
    assert "reason" in info.value.message_dict


def test_restoring_brings_a_removed_record_back(ruling, moderator_user):
    workflow.remove_record(ruling, user=moderator_user, reason="Duplicate")
    workflow.restore_record(ruling, user=moderator_user, reason="Not a duplicate after all")
    assert is_public(ruling)


def test_only_a_removed_record_can_be_restored_and_only_a_published_one_removed(ruling, submitted, moderator_user):
    with pytest.raises(ValidationError, match="Only a removed record"):
        workflow.restore_record(ruling, user=moderator_user, reason="Why not")
    draft = log_ruling(submitted.author, ruling.authority).record
    with pytest.raises(ValidationError, match="Only a published record"):
        workflow.remove_record(draft, user=moderator_user, reason="Why not")


def test_restoring_is_refused_while_it_links_to_a_removed_record(ruling, moderator_user, staff_user, attempt):
    workflow.approve_change(propose(ruling, staff_user, links={"attempts": [attempt]}), user=moderator_user)
    workflow.remove_record(ruling, user=moderator_user, reason="Duplicate")
    workflow.remove_record(attempt, user=moderator_user, reason="Duplicate")
    with pytest.raises(ValidationError, match=str(attempt)):
        workflow.restore_record(ruling, user=moderator_user, reason="Needed")


def test_a_removed_source_can_be_restored(moderator_user):
    source = f.make_source()
    workflow.remove_record(source, user=moderator_user, reason="Broken link")
    workflow.restore_record(source, user=moderator_user, reason="Link works again")
    assert is_public(source)


# Going back to an earlier version -----------------------------------------------------------------


def test_restoring_an_earlier_version_is_a_reviewed_change(ruling, staff_user, moderator_user):
    first_version = public_history(ruling).first().history_id
    original_title = ruling.title_en
    workflow.approve_change(propose(ruling, staff_user, title_en="Vandalised title"), user=moderator_user)
    entries_before = len(history_entries(fresh(ruling)))
    restore = workflow.propose_restore_version(ruling, first_version, user=moderator_user)
    assert restore.state == State.SUBMITTED and restore.restores_history_id == first_version
    assert restore.proposed["fields"] == {"title_en": original_title}
    assert fresh(ruling).title_en == "Vandalised title"
    workflow.approve_change(restore, user=moderator_user)
    assert fresh(ruling).title_en == original_title
    entries = history_entries(fresh(ruling))
    assert len(entries) == entries_before + 1
    assert entries[0].reason.startswith("Restored the version of")


def test_only_an_approved_version_can_be_restored(ruling, moderator_user):
    draft_version = ruling.history.filter(visibility=Visibility.DRAFT).first().history_id
    with pytest.raises(ValidationError, match="never published"):
        workflow.propose_restore_version(ruling, draft_version, user=moderator_user)


def test_restoring_an_event_version_keeps_its_provisions(staff_user, moderator_user):
    event = f.make_event()
    provision = f.make_provision()
    first = workflow.latest_history_id(event)
    workflow.approve_change(
        propose(event, staff_user, links={"provisions": [provision]}), user=moderator_user
    )
    restore = workflow.propose_restore_version(event, first, user=moderator_user)
    workflow.approve_change(restore, user=moderator_user)
    assert not fresh(event).provisions.exists()


# Only moderators decide ------------------------------------------------------------------------------


MODERATOR_ACTIONS = {
    "approve": lambda cr, record, user: workflow.approve_change(cr, user=user),
    "schedule": lambda cr, record, user: workflow.approve_change(cr, user=user, publish_at=timezone.now() + HOUR),
    "return": lambda cr, record, user: workflow.return_change(cr, user=user, comment="Fix it"),
    "reject": lambda cr, record, user: workflow.reject_change(cr, user=user, comment="No"),
    "remove": lambda cr, record, user: workflow.remove_record(record, user=user, reason="Gone"),
    "restore": lambda cr, record, user: workflow.restore_record(record, user=user, reason="Back"),
    "restore_version": lambda cr, record, user: workflow.propose_restore_version(
        record, public_history(record).first().history_id, user=user
    ),
}


@pytest.mark.parametrize("who", ["staff", "anonymous", "no role"])
@pytest.mark.parametrize("action", MODERATOR_ACTIONS)
def test_only_moderators_approve_return_reject_remove_and_restore(ruling, staff_user, editor, action, who):
    user = {"staff": staff_user, "anonymous": AnonymousUser(), "no role": editor}[who]
    pending = log_ruling(staff_user, ruling.authority)
    before = (ruling.history.count(), ChangeRequest.objects.get(pk=pending.pk).state)
    with pytest.raises(PermissionDenied):
        MODERATOR_ACTIONS[action](pending, ruling, user)
    assert (ruling.history.count(), ChangeRequest.objects.get(pk=pending.pk).state) == before


def test_staff_cannot_publish_their_own_draft(staff_user, authority):
    draft = log_ruling(staff_user, authority, submit=False)
    with pytest.raises(PermissionDenied):
        workflow.approve_change(draft, user=staff_user)
    assert not is_public(draft.record)


# The private log of every moderation action -----------------------------------------------------------


def test_every_moderation_action_is_logged_with_who_when_and_why(staff_user, moderator_user, authority):
    change_request = log_ruling(staff_user, authority, submit=False)
    workflow.submit_change(change_request, user=staff_user)
    workflow.return_change(change_request, user=moderator_user, comment="Add the outcome's source")
    edit_draft(change_request, staff_user, summary_en="Source added.")
    workflow.submit_change(change_request, user=staff_user)
    workflow.approve_change(change_request, user=moderator_user)
    rows = list(change_request.history.order_by("history_id"))
    assert [(row.history_user, row.history_change_reason) for row in rows] == [
        (staff_user, "Draft created"),
        (staff_user, "Submitted for review"),
        (moderator_user, "Returned: Add the outcome's source"),
        (staff_user, "Draft edited"),
        (staff_user, "Submitted for review"),
        (moderator_user, "Published"),
    ]
    assert all(row.history_date for row in rows)
    assert [row.state for row in rows] == ["draft", "submitted", "returned", "returned", "submitted", "published"]
    log = workflow.moderation_log(change_request)
    assert [(entry.user, entry.action, entry.detail) for entry in log][2] == (
        moderator_user, "Returned", "Add the outcome's source"
    )


def test_rejecting_and_scheduling_are_logged_with_their_reason_and_time(staff_user, moderator_user, authority):
    rejected = log_ruling(staff_user, authority)
    workflow.reject_change(rejected, user=moderator_user, comment="Not in scope")
    assert rejected.history.latest("history_id").history_change_reason == "Rejected: Not in scope"
    scheduled = log_ruling(staff_user, authority)
    at = timezone.now() + HOUR
    workflow.approve_change(scheduled, user=moderator_user, publish_at=at)
    latest = scheduled.history.latest("history_id")
    assert (latest.history_user, latest.history_change_reason) == (moderator_user, f"Approved, scheduled: {at.isoformat()}")


# Alerts, search and exports follow publication ----------------------------------------------------------


def test_a_subscriber_hears_once_of_a_published_staff_event_and_never_of_the_draft(
    staff_user, moderator_user, attempt, commit, mailoutbox
):
    subscription = Subscription.objects.create(
        email="quokka.reader@example.org", target_type=TargetType.ATTEMPT, target=attempt.slug,
        confirmed_at=timezone.now() - HOUR,
    )
    event = models.LifecycleEvent(
        attempt=attempt, kind=models.LifecycleEvent.Kind.WITHDRAWN, date=datetime.date(2022, 1, 1),
        date_precision=DatePrecision.YEAR, summary="The test draft was withdrawn.",
    )
    with commit():
        change_request = workflow.create_draft(event, user=staff_user, citations=[new_citation()], submit=True)
    with commit():
        workflow.return_change(change_request, user=moderator_user, comment="Check the year")
        edit_draft(change_request, staff_user, summary_en="The test draft was withdrawn that year.")
        workflow.submit_change(change_request, user=staff_user)
    assert not Delivery.objects.filter(subscription=subscription).exists()
    with commit():
        workflow.approve_change(change_request, user=moderator_user)
    assert Delivery.objects.filter(subscription=subscription).count() == 1
    assert sending.send_due(now=timezone.now() + datetime.timedelta(seconds=1)) == 1
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    for username in USERNAMES:
        assert username not in body


def test_an_embargoed_event_alerts_only_when_published(staff_user, moderator_user, attempt, commit):
    subscription = Subscription.objects.create(
        email="quokka.reader@example.org", target_type=TargetType.ATTEMPT, target=attempt.slug,
        confirmed_at=timezone.now() - HOUR,
    )
    event = models.LifecycleEvent(
        attempt=attempt, kind=models.LifecycleEvent.Kind.WITHDRAWN, date=datetime.date(2022, 1, 1),
        date_precision=DatePrecision.YEAR,
    )
    now = timezone.now()
    with commit():
        change_request = workflow.create_draft(event, user=staff_user, citations=[new_citation()], submit=True)
        workflow.approve_change(change_request, user=moderator_user, publish_at=now + HOUR, now=now)
    assert not Delivery.objects.filter(subscription=subscription).exists()
    with commit():
        workflow.publish_due(now=now + 2 * HOUR)
    assert Delivery.objects.filter(subscription=subscription).count() == 1


def test_search_finds_a_record_only_once_published(staff_user, moderator_user, authority):
    change_request = log_ruling(staff_user, authority, title_en="Test Ruling Quokkafinding")
    assert search("Quokkafinding").count() == 0
    workflow.approve_change(change_request, user=moderator_user)
    assert [hit.title for hit in search("Quokkafinding")[0:10]] == ["Test Ruling Quokkafinding"]


def test_search_finds_an_edit_only_once_approved(ruling, staff_user, moderator_user):
    proposal = propose(ruling, staff_user, summary_en="Mentions the Wombatclause.")
    assert search("Wombatclause").count() == 0
    workflow.approve_change(proposal, user=moderator_user)
    assert search("Wombatclause").count() == 1


def test_the_export_fingerprint_changes_on_publication(submitted, staff_user, moderator_user):
    before = data_fingerprint()
    workflow.approve_change(submitted, user=moderator_user)
    published = data_fingerprint()
    assert published != before
    proposal = propose(submitted.record, staff_user, summary_en="An approved edit.")
    assert data_fingerprint() == published  # a proposal writes nothing to the record
    workflow.approve_change(proposal, user=moderator_user)
    assert data_fingerprint() != published


# Two people at once, on PostgreSQL ----------------------------------------------------------------------
#
# SQLite has no row locks (``select_for_update`` is a no-op) and lets one writer
# at a time; a second concurrent writer gets "database is locked" instead of
# waiting. These tests need real concurrent transactions, so they run on
# PostgreSQL only.

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs row locks and concurrent transactions (PostgreSQL)"
)
# Migration data (the groups) is restored for each of them after other tests flushed it.
concurrent = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def run_together(*calls):
    """Run the calls in threads, each on its own connection, released at the same moment.

    Returns each call's result or the exception it raised.
    """
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as error:  # collected for the test to inspect
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    close_old_connections()
    return results


@pytest.fixture
def pause_after_checks(monkeypatch):
    """Hold each approval after its checks until all have passed them, so that both see the old record."""
    holder = {}
    original = workflow._check_publishable

    def checked_then_wait(change_request):
        original(change_request)
        holder["barrier"].wait(timeout=10)

    monkeypatch.setattr(workflow, "_check_publishable", checked_then_wait)
    return lambda parties: holder.update(barrier=threading.Barrier(parties))


@postgres_only
@concurrent
def test_concurrent_approvals_of_conflicting_edits_do_not_overwrite_each_other(
    ruling, staff_user, other_staff_user, moderator_user, pause_after_checks
):
    for round_number in range(3):
        base = workflow.latest_history_id(ruling)
        first = propose(ruling, staff_user, base=base, title_en=f"First title {round_number}")
        second = propose(ruling, other_staff_user, base=base, title_en=f"Second title {round_number}")
        history_before = ruling.history.count()
        pause_after_checks(2)
        results = run_together(
            lambda: workflow.approve_change(first, user=moderator_user),
            lambda: workflow.approve_change(second, user=moderator_user),
        )
        published = [result for result in results if isinstance(result, ChangeRequest)]
        refused = [result for result in results if isinstance(result, ValidationError)]
        assert len(published) == 1 and len(refused) == 1, results
        winner = "First" if published[0].pk == first.pk else "Second"
        assert fresh(ruling).title_en == f"{winner} title {round_number}"
        assert f"{winner} title {round_number}" in refused[0].messages[0]
        assert ruling.history.count() == history_before + 1


@postgres_only
@concurrent
def test_a_proposal_racing_an_approval_never_overwrites_it(ruling, staff_user, other_staff_user, moderator_user):
    for round_number in range(3):
        base = workflow.latest_history_id(ruling)
        approved_title = f"Approved title {round_number}"
        first = propose(ruling, staff_user, base=base, title_en=approved_title)
        results = run_together(
            lambda: workflow.approve_change(first, user=moderator_user),
            lambda: propose(ruling, other_staff_user, base=base, title_en=f"Racing title {round_number}"),
        )
        approval, proposal = results
        assert isinstance(approval, ChangeRequest), approval
        assert fresh(ruling).title_en == approved_title
        if isinstance(proposal, workflow.StaleEdit):
            assert proposal.changes[0].after == approved_title
        else:
            assert isinstance(proposal, ChangeRequest), proposal
            with pytest.raises(ValidationError, match=approved_title):
                workflow.approve_change(proposal, user=moderator_user)
            workflow.reject_change(proposal, user=moderator_user, comment="Superseded")
        assert fresh(ruling).title_en == approved_title


@postgres_only
@concurrent
def test_two_concurrent_saves_of_one_draft_keep_the_first_and_refuse_the_second(staff_user, moderator_user, authority):
    change_request = log_ruling(staff_user, authority)
    token = workflow.latest_history_id(change_request.record)
    results = run_together(
        lambda: edit_draft(change_request, staff_user, token=token, title_en="Staff's title"),
        lambda: edit_draft(change_request, moderator_user, token=token, title_en="Moderator's title"),
    )
    saved = [result for result in results if isinstance(result, ChangeRequest)]
    stale = [result for result in results if isinstance(result, workflow.StaleEdit)]
    assert len(saved) == 1 and len(stale) == 1, results
    kept = fresh(change_request.record).title_en
    assert kept in ("Staff's title", "Moderator's title")
    assert stale[0].changes[0].after == kept


@postgres_only
@concurrent
def test_revising_a_proposal_while_it_is_approved_does_not_deadlock(ruling, staff_user, moderator_user):
    for round_number in range(3):
        proposal = propose(ruling, staff_user, summary_en=f"Summary {round_number}")
        edited = fresh(ruling)
        edited.summary_en = f"Revised summary {round_number}"
        results = run_together(
            lambda: workflow.approve_change(proposal, user=moderator_user),
            lambda: workflow.propose_edit(
                ruling, user=staff_user, values=workflow.values_from_instance(edited),
                base_history_id=workflow.latest_history_id(ruling), change_request=proposal,
            ),
        )
        approval, revision = results
        assert isinstance(approval, ChangeRequest), approval
        assert isinstance(revision, (ChangeRequest, ValidationError)), revision
        expected = f"Revised summary {round_number}" if isinstance(revision, ChangeRequest) else f"Summary {round_number}"
        assert fresh(ruling).summary_en == expected

