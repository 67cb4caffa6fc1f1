"""Moderation in the staff area: the review queue, decisions, private history,
restoring an earlier version, removing and restoring records, and who may do it."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from legal import models, workflow
from legal.models import ChangeRequest, Visibility
from legal.public_history import history_entries
from legal.services import save_record
from tests import factories

pytestmark = pytest.mark.django_db

State = ChangeRequest.State


# Helpers --------------------------------------------------------------------------------


def client_for(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def new_ruling(staff_user, *, title="Test Ruling Proposed", links=None, submit=True, reason="", **fields):
    """A new ruling logged by staff, with one source, as a draft with its request."""
    ruling = models.Ruling(
        slug=fields.pop("slug", "test-ruling-proposed"),
        title_en=title,
        kind=models.Ruling.Kind.STATEMENT,
        outcome=models.Ruling.Outcome.CONCERNS,
        date=datetime.date(2024, 1, 2),
        authority=fields.pop("authority", None) or factories.make_supervisory_authority(),
        **fields,
    )
    citation = models.Citation(source=factories.make_source(), reliability="B", credibility="2")
    return workflow.create_draft(
        ruling, user=staff_user, citations=[citation], links=links, submit=submit, reason=reason
    )


def proposed_edit(staff_user, record, **values):
    edited = type(record).objects.get(pk=record.pk)
    for name, value in values.items():
        setattr(edited, name, value)
    return workflow.propose_edit(
        record,
        user=staff_user,
        values=workflow.values_from_instance(edited),
        base_history_id=workflow.latest_history_id(record),
        reason="Test: corrected wording",
        submit=True,
    )


def review_url(change_request):
    return reverse("staff:review", args=[change_request.pk])


def history_url(record):
    return reverse("staff:record_history", kwargs={"type": record._meta.model_name, "pk": record.pk})


def decide(client, change_request, action, **fields):
    """POST a decision as the review page would: with the version the moderator saw."""
    page = client.get(review_url(change_request))
    assert page.status_code == 200
    seen = page.context["forms"][action]["seen"].value()
    data = {"action": action, f"{action}-seen": seen}
    data.update({f"{action}-{name}": value for name, value in fields.items()})
    return client.post(review_url(change_request), data)


def text(response):
    return response.content.decode()


def messages_of(response):
    return [str(message) for message in response.context["messages"]] if response.context else []


# The queue --------------------------------------------------------------------------------


def test_queue_lists_submissions_oldest_first_with_kind_author_and_links(
    moderator_client, staff_user, other_staff_user
):
    first = new_ruling(staff_user, title="Test Ruling Older", slug="test-ruling-older")
    published = factories.make_ruling(title="Test Ruling Public")
    second = proposed_edit(other_staff_user, published, title_en="Test Ruling Public Corrected")
    ChangeRequest.objects.filter(pk=first.pk).update(submitted_at=timezone.now() - datetime.timedelta(hours=2))

    response = moderator_client.get(reverse("staff:review_queue"))

    assert response.status_code == 200
    assert [item.pk for item in response.context["submitted"]] == [first.pk, second.pk]
    html = text(response)
    assert html.index("Test Ruling Older") < html.index("Test Ruling Public")
    assert "test-staff" in html and "test-other-staff" in html
    assert review_url(first) in html and review_url(second) in html
    assert [item.kind_shown for item in response.context["submitted"]] == ["New", "Edit"]
    assert "Ruling" in html


def test_queue_shows_scheduled_changes_with_their_time_and_recent_decisions(
    moderator_client, staff_user, moderator_user
):
    scheduled = new_ruling(staff_user, title="Test Ruling Embargoed", slug="test-ruling-embargoed")
    when = timezone.now() + datetime.timedelta(days=2)
    workflow.approve_change(scheduled, user=moderator_user, publish_at=when)
    rejected = new_ruling(staff_user, title="Test Ruling Refused", slug="test-ruling-refused")
    workflow.reject_change(rejected, user=moderator_user, comment="Test: duplicate")

    response = moderator_client.get(reverse("staff:review_queue"))

    assert [item.pk for item in response.context["scheduled"]] == [scheduled.pk]
    assert [item.pk for item in response.context["decided"]] == [rejected.pk]
    assert response.context["submitted"] == []
    assert timezone.localtime(when).strftime("%Y-%m-%d") in text(response)  # the datetime attribute


def test_queue_query_count_does_not_grow_with_submissions(moderator_client, staff_user, django_assert_max_num_queries):
    for n in range(3):
        new_ruling(staff_user, title=f"Test Ruling {n}", slug=f"test-ruling-q{n}")
    with django_assert_max_num_queries(20) as few:
        moderator_client.get(reverse("staff:review_queue"))
    for n in range(3, 12):
        new_ruling(staff_user, title=f"Test Ruling {n}", slug=f"test-ruling-q{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        moderator_client.get(reverse("staff:review_queue"))


# The review page ----------------------------------------------------------------------------


def test_review_page_shows_the_diff_the_private_log_and_the_record_links(moderator_client, staff_user):
    ruling = factories.make_ruling(title="Test Ruling Before")
    change = proposed_edit(staff_user, ruling, title_en="Test Ruling After")

    response = moderator_client.get(review_url(change))

    assert response.status_code == 200
    html = text(response)
    assert "Public now" in html and "Test Ruling Before" in html and "Test Ruling After" in html
    log = response.context["log"]
    assert [entry.action for entry in log] == ["Edit proposed", "Submitted for review"]
    assert all(entry.user == staff_user for entry in log)
    assert "test-staff" in html
    assert f'href="{ruling.get_absolute_url()}"' in html
    assert f'href="{history_url(ruling)}"' in html
    # The approval form offers the public reason given by the author, to edit.
    assert response.context["forms"]["approve"]["reason"].value() == "Test: corrected wording"


def test_review_page_of_a_stale_edit_warns_and_approval_is_refused(moderator_client, staff_user, moderator_user):
    ruling = factories.make_ruling(title="Test Ruling Original")
    change = proposed_edit(staff_user, ruling, title_en="Test Ruling Proposal")
    ruling.title_en = "Test Ruling Changed Meanwhile"
    save_record(ruling, reason="Test: another edit", user=moderator_user)

    page = moderator_client.get(review_url(change))
    assert "The record changed since this edit was proposed" in page.context["stale_warning"]

    response = decide(moderator_client, change, "approve", reason="Test: approve anyway")

    assert response.status_code == 200
    assert "The record changed since this edit was proposed" in text(response)
    assert response.context["forms"]["approve"]["reason"].value() == "Test: approve anyway"
    change.refresh_from_db()
    assert change.state == State.SUBMITTED
    ruling.refresh_from_db()
    assert ruling.title_en == "Test Ruling Changed Meanwhile"


# Decisions -----------------------------------------------------------------------------------


def test_approve_now_publishes_and_returns_to_the_queue(moderator_client, staff_user, moderator_user):
    change = new_ruling(staff_user, reason="Test: new statement logged")

    response = decide(moderator_client, change, "approve", reason="Test: checked against the source")

    assert response.status_code == 302
    assert response["Location"] == reverse("staff:review_queue")
    change.refresh_from_db()
    assert (change.state, change.reviewed_by, change.reason) == (
        State.PUBLISHED,
        moderator_user,
        "Test: checked against the source",
    )
    ruling = change.record
    assert ruling.visibility == Visibility.PUBLISHED
    assert history_entries(ruling)[0].reason == "Test: checked against the source"
    queue = moderator_client.get(response["Location"])
    assert any("Published" in message for message in messages_of(queue))
    assert change.history.filter(history_change_reason="Published", history_user=moderator_user).exists()


def test_approve_with_an_embargo_schedules_and_publish_due_publishes(moderator_client, staff_user, client):
    change = new_ruling(staff_user)
    when = timezone.localtime(timezone.now() + datetime.timedelta(days=3))

    response = decide(
        moderator_client, change, "approve", reason="", publish_date=when.strftime("%Y-%m-%d"), publish_time="09:30"
    )

    assert response.status_code == 302
    change.refresh_from_db()
    assert change.state == State.SCHEDULED
    expected = timezone.make_aware(
        datetime.datetime.combine(when.date(), datetime.time(9, 30)), timezone.get_default_timezone()
    )
    assert change.publish_at == expected
    ruling = change.record
    assert ruling.visibility == Visibility.DRAFT
    assert client.get(ruling.get_absolute_url()).status_code == 404
    assert any("will be published on" in message for message in messages_of(moderator_client.get(response["Location"])))

    assert workflow.publish_due(now=expected - datetime.timedelta(minutes=1)) == []
    assert workflow.publish_due(now=expected + datetime.timedelta(minutes=1))
    ruling.refresh_from_db()
    assert ruling.visibility == Visibility.PUBLISHED
    assert client.get(ruling.get_absolute_url()).status_code == 200


@pytest.mark.parametrize(
    ("fields", "field", "error"),
    [
        ({"publish_date": "2001-01-01", "publish_time": "10:00"}, "publish_date", "must be in the future"),
        ({"publish_date": "2999-01-01", "publish_time": ""}, "publish_time", "Give the time"),
        ({"publish_date": "", "publish_time": "10:00"}, "publish_date", "Give the day"),
        ({"publish_date": "not a day", "publish_time": "10:00"}, "publish_date", "valid date"),
    ],
)
def test_a_bad_embargo_is_refused_next_to_its_field_and_the_input_is_kept(
    moderator_client, staff_user, fields, field, error
):
    change = new_ruling(staff_user)

    response = decide(moderator_client, change, "approve", reason="Test: kept reason", **fields)

    assert response.status_code == 200
    form = response.context["forms"]["approve"]
    assert error in " ".join(form.errors[field])
    assert form["reason"].value() == "Test: kept reason"
    assert 'aria-invalid="true"' in text(response)
    change.refresh_from_db()
    assert change.state == State.SUBMITTED


def test_return_with_a_comment_goes_back_to_the_author(moderator_client, staff_user, moderator_user):
    change = new_ruling(staff_user)

    response = decide(moderator_client, change, "return", comment="Test: give the exact date")

    assert response.status_code == 302
    change.refresh_from_db()
    assert (change.state, change.comment, change.reviewed_by) == (
        State.RETURNED,
        "Test: give the exact date",
        moderator_user,
    )
    assert change.record.visibility == Visibility.DRAFT
    entry = change.history.order_by("-history_id").first()
    assert (entry.history_user, entry.history_change_reason) == (moderator_user, "Returned: Test: give the exact date")


def test_reject_with_a_reason(moderator_client, staff_user):
    change = new_ruling(staff_user)

    response = decide(moderator_client, change, "reject", comment="Test: not a ruling")

    assert response.status_code == 302
    change.refresh_from_db()
    assert (change.state, change.comment) == (State.REJECTED, "Test: not a ruling")
    assert change.record.visibility == Visibility.DRAFT


@pytest.mark.parametrize(("action", "error"), [("return", "Say what needs to change."), ("reject", "Give the reason")])
def test_an_empty_comment_is_refused(moderator_client, staff_user, action, error):
    change = new_ruling(staff_user)

    response = decide(moderator_client, change, action, comment="   ")

    assert response.status_code == 200
    assert error in " ".join(response.context["forms"][action].errors["comment"])
    change.refresh_from_db()
    assert change.state == State.SUBMITTED


def test_approval_is_refused_while_it_links_to_unpublished_records(moderator_client, staff_user):
    hidden_attempt = factories.make_attempt(title="Test Attempt Draft", visibility=Visibility.DRAFT)
    change = new_ruling(staff_user, links={"attempts": [hidden_attempt]})

    response = decide(moderator_client, change, "approve", reason="Test: my careful reason")

    assert response.status_code == 200
    html = text(response)
    assert "links to records the public cannot see yet" in html
    assert "Test Attempt Draft" in html
    assert response.context["forms"]["approve"]["reason"].value() == "Test: my careful reason"
    change.refresh_from_db()
    assert change.state == State.SUBMITTED
    assert change.record.visibility == Visibility.DRAFT


def test_a_decision_about_a_version_the_author_changed_since_is_refused(moderator_client, staff_user):
    ruling = factories.make_ruling(title="Test Ruling Base")
    change = proposed_edit(staff_user, ruling, title_en="Test Ruling First Proposal")
    page = moderator_client.get(review_url(change))
    seen = page.context["forms"]["approve"]["seen"].value()
    # The author revises the submission while the moderator reads it.
    edited = models.Ruling.objects.get(pk=ruling.pk)
    edited.title_en = "Test Ruling Second Proposal"
    workflow.propose_edit(
        ruling,
        user=staff_user,
        values=workflow.values_from_instance(edited),
        base_history_id=workflow.latest_history_id(ruling),
        change_request=change,
        reason="Test: corrected wording",
    )

    data = {"action": "approve", "approve-seen": seen, "approve-reason": "x"}
    response = moderator_client.post(review_url(change), data)

    assert response.status_code == 200
    assert "changed this submission while you were reviewing it" in text(response)
    assert "Test Ruling Second Proposal" in text(response)
    ruling.refresh_from_db()
    assert ruling.title_en == "Test Ruling Base"
    # The refreshed form carries the version now shown: a second decision goes through.
    data["approve-seen"] = response.context["forms"]["approve"]["seen"].value()
    assert moderator_client.post(review_url(change), data).status_code == 302
    ruling.refresh_from_db()
    assert ruling.title_en == "Test Ruling Second Proposal"


def test_an_unknown_action_changes_nothing(moderator_client, staff_user):
    change = new_ruling(staff_user)
    response = moderator_client.post(review_url(change), {"action": "publish-everything"})
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.state == State.SUBMITTED


def test_a_decided_change_shows_no_decision_forms(moderator_client, staff_user, moderator_user):
    change = new_ruling(staff_user)
    workflow.approve_change(change, user=moderator_user)
    response = moderator_client.get(review_url(change))
    assert response.status_code == 200
    assert 'name="action"' not in text(response)


# Private history, restoring a version --------------------------------------------------------


def test_private_history_shows_every_version_with_usernames_but_the_public_history_shows_none(
    client, moderator_client, staff_user, moderator_user
):
    change = new_ruling(staff_user, title="Test Ruling Named")
    workflow.approve_change(change, user=moderator_user, reason="Test: first publication")
    ruling = change.record
    edit = proposed_edit(staff_user, ruling, title_en="Test Ruling Renamed")
    workflow.approve_change(edit, user=moderator_user)

    private = moderator_client.get(history_url(ruling))

    assert private.status_code == 200
    entries = private.context["entries"]
    assert [entry["row"].visibility for entry in entries] == ["published", "published", "draft"]
    assert entries[0]["changes"][0].label.startswith("Title")
    title_change = entries[0]["changes"][0]
    assert (title_change.before, title_change.after) == ("Test Ruling Named", "Test Ruling Renamed")
    # Only an earlier published version can be restored; the newest is what the record is now.
    assert [entry["restorable"] for entry in entries] == [False, True, False]
    html = text(private)
    assert "test-staff" in html and "test-moderator" in html
    assert "Draft saved" in html

    public = client.get(ruling.get_absolute_url() + "history/")
    assert public.status_code == 200
    public_html = text(public)
    assert "Test Ruling Renamed" in public_html
    for private_word in ("test-staff", "test-moderator", "Draft saved"):
        assert private_word not in public_html


def test_private_history_reads_the_history_once(moderator_client, django_assert_max_num_queries):
    ruling = factories.make_ruling(title="Test Ruling Counted")
    for n in range(2):
        ruling.title_en = f"Test Ruling Counted {n}"
        save_record(ruling, reason=f"Test: edit {n}")
    with django_assert_max_num_queries(40) as few:
        moderator_client.get(history_url(ruling))
    for n in range(2, 12):
        ruling.title_en = f"Test Ruling Counted {n}"
        save_record(ruling, reason=f"Test: edit {n}")
    # Names of linked records are looked up per change shown; plain text changes cost nothing.
    with django_assert_max_num_queries(len(few.captured_queries)):
        moderator_client.get(history_url(ruling))


def test_restoring_an_earlier_version_is_a_reviewed_change_that_brings_the_old_values_back(
    client, moderator_client, moderator_user
):
    ruling = factories.make_ruling(title="Test Ruling Good", summary="Test summary good")
    first = ruling.history.get()
    ruling.title_en = "Test Ruling Vandalised"
    ruling.summary_en = "Test summary vandalised"
    save_record(ruling, reason="Test: a bad edit", user=moderator_user)

    page = moderator_client.get(history_url(ruling))
    restore = reverse(
        "staff:restore_version", kwargs={"type": "ruling", "pk": ruling.pk, "history_id": first.history_id}
    )
    assert restore in text(page)
    newest = page.context["entries"][0]["row"]
    assert reverse(
        "staff:restore_version", kwargs={"type": "ruling", "pk": ruling.pk, "history_id": newest.history_id}
    ) not in text(page)

    response = moderator_client.post(restore)

    change = ChangeRequest.objects.get(restores_history_id=first.history_id)
    assert response.status_code == 302 and response["Location"] == review_url(change)
    assert change.state == State.SUBMITTED
    ruling.refresh_from_db()
    assert ruling.title_en == "Test Ruling Vandalised"  # nothing public until approved
    review = moderator_client.get(review_url(change))
    assert review.context["kind_shown"] == "Restore"
    assert "Test Ruling Good" in text(review)

    assert decide(moderator_client, change, "approve", reason="Test: restored the checked version").status_code == 302

    ruling.refresh_from_db()
    assert (ruling.title_en, ruling.summary_en) == ("Test Ruling Good", "Test summary good")
    newest_public = history_entries(ruling)[0]
    assert newest_public.reason == "Test: restored the checked version"
    public_html = text(client.get(ruling.get_absolute_url() + "history/"))
    assert "Test: restored the checked version" in public_html and "test-moderator" not in public_html


def test_restoring_a_version_of_an_unpublished_record_is_refused_with_a_message(moderator_client, staff_user):
    change = new_ruling(staff_user)
    ruling = change.record
    row = ruling.history.order_by("history_id").first()
    url = reverse("staff:restore_version", kwargs={"type": "ruling", "pk": ruling.pk, "history_id": row.history_id})

    response = moderator_client.post(url, follow=True)

    assert response.status_code == 200
    assert any("published" in message for message in messages_of(response))
    assert not ChangeRequest.objects.filter(restores_history_id=row.history_id).exists()


# Remove from public view, restore to it ---------------------------------------------------------


def test_remove_and_restore_a_record(client, moderator_client, moderator_user):
    ruling = factories.make_ruling(title="Test Ruling Removable")
    remove = reverse("staff:remove_record", kwargs={"type": "ruling", "pk": ruling.pk})
    restore = reverse("staff:restore_record", kwargs={"type": "ruling", "pk": ruling.pk})
    page = moderator_client.get(history_url(ruling))
    assert remove in text(page) and restore not in text(page)

    empty = moderator_client.post(remove, {"remove-reason": "  "})
    assert empty.status_code == 200
    assert "Give the reason." in " ".join(empty.context["remove_form"].errors["reason"])
    ruling.refresh_from_db()
    assert ruling.visibility == Visibility.PUBLISHED

    removed = moderator_client.post(remove, {"remove-reason": "Test: duplicate entry"})
    assert removed.status_code == 302 and removed["Location"] == history_url(ruling)
    ruling.refresh_from_db()
    assert ruling.visibility == Visibility.DELETED
    assert client.get(ruling.get_absolute_url()).status_code == 404
    page = moderator_client.get(history_url(ruling))
    assert restore in text(page) and remove not in text(page)
    assert ruling.history.first().history_user == moderator_user

    restored = moderator_client.post(restore, {"restore-reason": "Test: not a duplicate"})
    assert restored.status_code == 302
    ruling.refresh_from_db()
    assert ruling.visibility == Visibility.PUBLISHED
    assert client.get(ruling.get_absolute_url()).status_code == 200


def test_removal_is_refused_while_published_records_link_to_it_and_the_reason_is_kept(moderator_client):
    authority = factories.make_supervisory_authority(name="Test Authority Linked")
    factories.make_ruling(title="Test Ruling Linking", authority=authority)
    remove = reverse("staff:remove_record", kwargs={"type": "actor", "pk": authority.pk})

    response = moderator_client.post(remove, {"remove-reason": "Test: my typed reason"})

    assert response.status_code == 200
    assert "Published records still link to it" in text(response)
    assert "Test Ruling Linking" in text(response)
    assert response.context["remove_form"]["reason"].value() == "Test: my typed reason"
    authority.refresh_from_db()
    assert authority.visibility == Visibility.PUBLISHED


def test_restoring_a_record_that_links_to_a_removed_one_is_refused(moderator_client, moderator_user):
    authority = factories.make_supervisory_authority()
    ruling = factories.make_ruling(authority=authority)
    workflow.remove_record(ruling, user=moderator_user, reason="Test: out")
    workflow.remove_record(authority, user=moderator_user, reason="Test: out too")
    restore = reverse("staff:restore_record", kwargs={"type": "ruling", "pk": ruling.pk})

    response = moderator_client.post(restore, {"restore-reason": "Test: back"})

    assert response.status_code == 200
    assert "links to records the public cannot see yet" in text(response)
    ruling.refresh_from_db()
    assert ruling.visibility == Visibility.DELETED


def test_an_unknown_record_type_or_record_is_not_found(moderator_client):
    assert moderator_client.get("/staff/records/user/1/history/").status_code == 404
    assert moderator_client.get("/staff/records/ruling/999999/history/").status_code == 404
    assert moderator_client.get("/staff/review/999999/").status_code == 404


# Who may do what ------------------------------------------------------------------------------

ROLES = ["anonymous", "staff", "other_staff", "moderator"]


@pytest.fixture
def setting(staff_user, other_staff_user, moderator_user):
    """A published ruling with two versions, a submitted new ruling by ``staff_user``, a removed actor."""
    ruling = factories.make_ruling(title="Test Ruling Matrix")
    first = ruling.history.get()
    ruling.title_en = "Test Ruling Matrix Edited"
    save_record(ruling, reason="Test: edited", user=moderator_user)
    removed = factories.make_actor(name="Example Ministry Removed")
    workflow.remove_record(removed, user=moderator_user, reason="Test: removed")
    change = new_ruling(staff_user)
    users = {"anonymous": None, "staff": staff_user, "other_staff": other_staff_user, "moderator": moderator_user}
    return {"ruling": ruling, "first": first, "removed": removed, "change": change, "users": users}


def _pages(setting):
    ruling, change = setting["ruling"], setting["change"]
    return [
        reverse("staff:review_queue"),
        review_url(change),
        history_url(ruling),
    ]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", range(3), ids=["review_queue", "review", "record_history"])
def test_moderation_pages_are_for_moderators_only(setting, role, page):
    url = _pages(setting)[page]
    response = client_for(setting["users"][role]).get(url)
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("staff:login"))
    elif role == "moderator":
        assert response.status_code == 200
        assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    else:
        assert response.status_code == 403


def _act(setting, action, client):
    ruling, change, removed = setting["ruling"], setting["change"], setting["removed"]
    if action in ("approve", "return", "reject"):
        data = {"action": action, f"{action}-seen": f"{change.revision}-{workflow.latest_history_id(change.record)}"}
        data[f"{action}-comment"] = "Test: comment"
        data[f"{action}-reason"] = "Test: reason"
        return client.post(review_url(change), data)
    if action == "restore_version":
        kwargs = {"type": "ruling", "pk": ruling.pk, "history_id": setting["first"].history_id}
        url = reverse("staff:restore_version", kwargs=kwargs)
        return client.post(url)
    if action == "remove_record":
        url = reverse("staff:remove_record", kwargs={"type": "ruling", "pk": ruling.pk})
        return client.post(url, {"remove-reason": "Test"})
    return client.post(
        reverse("staff:restore_record", kwargs={"type": "actor", "pk": removed.pk}), {"restore-reason": "Test"}
    )


def _done(setting, action):
    change = ChangeRequest.objects.get(pk=setting["change"].pk)
    ruling = models.Ruling.objects.get(pk=setting["ruling"].pk)
    removed = models.Actor.objects.get(pk=setting["removed"].pk)
    return {
        "approve": change.state == State.PUBLISHED,
        "return": change.state == State.RETURNED,
        "reject": change.state == State.REJECTED,
        "restore_version": ChangeRequest.objects.filter(restores_history_id=setting["first"].history_id).exists(),
        "remove_record": ruling.visibility == Visibility.DELETED,
        "restore_record": removed.visibility == Visibility.PUBLISHED,
    }[action]


ACTIONS = ["approve", "return", "reject", "restore_version", "remove_record", "restore_record"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
def test_only_moderators_can_act(setting, role, action):
    response = _act(setting, action, client_for(setting["users"][role]))
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("staff:login"))
    elif role == "moderator":
        assert response.status_code == 302
        assert not response["Location"].startswith(reverse("staff:login"))
    else:
        assert response.status_code == 403
    assert _done(setting, action) is (role == "moderator")


@pytest.mark.parametrize("action", ["restore_version", "remove_record", "restore_record"])
def test_record_actions_take_post_only(setting, moderator_client, action):
    ruling = setting["ruling"]
    kwargs = {"type": "ruling", "pk": ruling.pk}
    if action == "restore_version":
        kwargs["history_id"] = setting["first"].history_id
    assert moderator_client.get(reverse(f"staff:{action}", kwargs=kwargs)).status_code == 405


def test_the_author_cannot_review_their_own_submission_even_with_its_address(setting, staff_user):
    response = client_for(staff_user).get(review_url(setting["change"]))
    assert response.status_code == 403


def test_the_staff_menu_offers_the_review_queue_to_moderators_only(setting, staff_client):
    assert reverse("staff:review_queue") not in text(staff_client.get(reverse("staff:dashboard")))
    moderator = client_for(setting["users"]["moderator"])
    assert reverse("staff:review_queue") in text(moderator.get(reverse("staff:dashboard")))
