"""The public history page: every change with its day, reason and field diff, never who made it."""

import datetime
import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from legal import models, workflow
from legal.dates import DatePrecision
from legal.public_history import PUBLIC_FIELDS, RecordHistory, public_fields, record_as_of, word_diff
from legal.services import delete_record, save_record, set_links
from legal.urls import RECORD_ROUTES
from tests import factories

pytestmark = pytest.mark.django_db

STAFF = {
    "username": "staff-secret-name",
    "email": "secret@example.org",
    "first_name": "Secretfirstname",
    "last_name": "Secretlastname",
}


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user(password="unused-test-password", **STAFF)


def at(day, hour=12):
    """An aware moment on ``day`` in the site's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def change(instance, reason, user, when=None, **fields):
    """Edit fields through the service, optionally recorded as made at ``when``."""
    for name, value in fields.items():
        setattr(instance, name, value)
    if when is not None:
        instance._history_date = when
    try:
        return save_record(instance, reason=reason, user=user)
    finally:
        instance.__dict__.pop("_history_date", None)


def link(instance, field_name, targets, reason, user, when=None):
    if when is not None:
        instance._history_date = when
    try:
        return set_links(instance, field_name, targets, reason=reason, user=user)
    finally:
        instance.__dict__.pop("_history_date", None)


def history_url(record):
    if isinstance(record, models.InstrumentVersion):
        return reverse("legal:version_history", kwargs={"slug": record.instrument.slug, "number": record.number})
    if isinstance(record, models.LifecycleEvent):
        return reverse("legal:event_history", kwargs={"pk": record.pk})
    name = {
        models.LegislativeAttempt: "attempt",
        models.Ruling: "ruling",
        models.Response: "response",
        models.Source: "source",
        models.Instrument: "instrument",
    }[type(record)]
    return reverse(f"legal:{name}_history", kwargs={"slug": record.slug})


def _text(markup):
    markup = re.sub(r"</?(ins|del|span)\b[^>]*>", "", markup)  # inline marks split no words
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def visible_text(response):
    """The page as a sighted reader sees it: no tags, no screen-reader notes, spaces collapsed."""
    page = response.content.decode()
    page = re.sub(r'<span class="sr-note">[^<]*</span>', "", page)
    return _text(page)


def row_text(response, label):
    """Visible text of every change row whose header is ``label``."""
    page = response.content.decode()
    page = re.sub(r'<span class="sr-note">[^<]*</span>', "", page)
    rows = re.findall(r'<tr>\s*<th scope="row">' + re.escape(label) + r"</th>(.*?)</tr>", page, flags=re.S)
    return [_text(row) for row in rows]


def assert_no_staff_identity(response):
    page = response.content.decode().lower()
    for secret in STAFF.values():
        assert secret.lower() not in page
    assert "history_user" not in page


def test_attempt_history_shows_reasons_and_word_diffs_but_never_the_editor(client, staff):
    attempt = factories.make_attempt(
        title="Draft police law", summary="Allows cameras.", user=staff, reason="Logged from the consultation page"
    )
    change(attempt, "Title corrected after the ministry's notice", staff, title="Second draft police law")
    change(attempt, "Summary expanded", staff, summary="Allows biometric cameras in public space.")
    assert attempt.history.first().history_user == staff  # the history does know who; the page must not

    response = client.get(history_url(attempt))

    assert response.status_code == 200
    text = visible_text(response)
    assert "Logged from the consultation page" in text
    assert "Title corrected after the ministry's notice" in text
    assert "Summary expanded" in text
    assert "the editorial team" in text
    assert row_text(response, "Title (English)")[0] == "Draft police law Second draft police law"
    assert row_text(response, "Summary (English)")[0] == "Allows cameras. Allows biometric cameras in public space."
    page = response.content.decode()
    assert re.search(r"<ins>[^<]*<span[^>]*>[^<]*</span>Second", page)
    assert re.search(r"<ins>[^<]*<span[^>]*>[^<]*</span>biometric", page)
    assert_no_staff_identity(response)


def test_entries_are_newest_first_with_created_values_and_a_neutral_default_reason(client, staff):
    jurisdiction = factories.make_jurisdiction(name="Test State Alpha")
    attempt = factories.make_attempt(title="Old title", jurisdiction=jurisdiction, user=staff)
    attempt._change_reason = ""
    attempt.title = "New title"
    attempt.save()  # a write without a reason, as an old import might have made

    response = client.get(history_url(attempt))

    entries = response.context["entries"]
    assert [entry.type for entry in entries] == ["~", "+"]
    assert entries[0].reason == "Record updated"
    assert not entries[0].reason_given
    created = {str(c.label): c for c in entries[1].changes}
    assert created["Jurisdiction"].after == "Test State Alpha"
    assert row_text(response, "Jurisdiction") == ["(empty) Test State Alpha"]


def test_a_save_without_public_change_is_not_listed(client, staff):
    attempt = factories.make_attempt(user=staff)
    change(attempt, "Re-saved, nothing public changed", staff, slug="renamed-address-only")

    response = client.get(history_url(attempt))

    assert "Re-saved, nothing public changed" not in visible_text(response)
    assert len(response.context["entries"]) == 1


def test_response_history_lists_added_and_removed_authors_by_name(client, staff):
    first, second, third = (factories.make_actor(name=f"Example Office {letter}") for letter in "XYZ")
    response_record = factories.make_response(user=staff)
    link(response_record, "authors", [first, second], "Authors from the letter's signature", staff)
    link(response_record, "authors", [second, third], "One signatory corrected", staff)

    response = client.get(history_url(response_record))

    assert response.status_code == 200
    rows = row_text(response, "Authors")
    assert rows == [
        "Removed: Example Office X Added: Example Office Z",
        "nothing removed Added: Example Office X; Example Office Y",
    ]
    text = visible_text(response)
    assert "Authors from the letter's signature" in text and "One signatory corrected" in text
    assert_no_staff_identity(response)


def test_ruling_history_shows_choice_labels_fuzzy_dates_and_linked_names(client, staff):
    old_authority = factories.make_supervisory_authority(name="Test Commissioner Old")
    new_authority = factories.make_supervisory_authority(name="Test Commissioner New")
    ruling = factories.make_ruling(
        authority=old_authority,
        outcome=models.Ruling.Outcome.CONCERNS,
        date=datetime.date(2020, 9, 1),
        date_precision=DatePrecision.MONTH,
        user=staff,
    )
    change(
        ruling,
        "Outcome and exact day from the published opinion",
        staff,
        outcome=models.Ruling.Outcome.NOT_COMPLIANT,
        date=datetime.date(2020, 9, 15),
        date_precision=DatePrecision.DAY,
        authority=new_authority,
    )

    response = client.get(history_url(ruling))

    assert response.status_code == 200
    assert row_text(response, "Outcome")[0] == "Concerns raised Does not meet the legal requirements"
    assert row_text(response, "Date")[0] == "September 2020 Sept. 15, 2020"
    assert row_text(response, "Supervisory authority")[0] == "Test Commissioner Old Test Commissioner New"
    page = response.content.decode()
    assert "not_compliant" not in page  # stored values stay internal
    for hidden_label in ("Date precision", "Season", "End of date range", "Slug", "Updated"):
        assert f'<th scope="row">{hidden_label}</th>' not in page
    assert_no_staff_identity(response)


def test_serbian_text_is_labelled_as_serbian(client, staff):
    ruling = factories.make_ruling(user=staff)
    change(ruling, "Serbian title added", staff, title_sr="Мишљење о процени")

    response = client.get(history_url(ruling))

    assert row_text(response, "Title (Serbian)")[0] == "(empty) Мишљење о процени"


def test_source_history_shows_the_fingerprint_but_never_the_file_name(client, staff):
    source = factories.make_source(user=staff)
    source.file = SimpleUploadedFile("staff-laptop-scan.pdf", b"%PDF-1.4 synthetic test file")
    change(source, "Archived copy attached", staff)
    source.refresh_from_db()

    response = client.get(history_url(source))

    assert response.status_code == 200
    assert row_text(response, "SHA-256")[0] == f"(empty) {source.sha256}"
    page = response.content.decode()
    assert "staff-laptop-scan" not in page
    assert ".pdf" not in page
    assert_no_staff_identity(response)


def test_version_history_is_found_by_instrument_slug_and_number(client, staff):
    version = factories.make_version(label="Draft for consultation", user=staff)
    change(version, "Label as on the gazette", staff, label="Adopted text")

    response = client.get(history_url(version))

    assert response.status_code == 200
    assert row_text(response, "Label (English)")[0] == "Draft for consultation Adopted text"
    assert "Label as on the gazette" in visible_text(response)
    assert_no_staff_identity(response)
    missing = reverse("legal:version_history", kwargs={"slug": version.instrument.slug, "number": 99})
    assert client.get(missing).status_code == 404


def test_event_history_is_found_by_pk_and_lists_kind_labels(client, staff):
    event = factories.make_event(user=staff, summary="Minister announced a new law.")
    change(event, "It was a published draft", staff, kind=models.LifecycleEvent.Kind.PUBLISHED)

    response = client.get(history_url(event))

    assert response.status_code == 200
    assert row_text(response, "What happened")[0] == "Announced Draft or version published"
    assert "It was a published draft" in visible_text(response)
    assert_no_staff_identity(response)
    assert client.get(reverse("legal:event_history", kwargs={"pk": event.pk + 1000})).status_code == 404


def test_deletion_of_a_linked_record_leaves_a_neutral_name(client, staff):
    instrument = factories.make_instrument(title="Example Gone Law")
    attempt = factories.make_attempt(user=staff)
    link(attempt, "instruments", [instrument], "Package", staff)
    link(attempt, "instruments", [], "Not part of it", staff)
    delete_record(instrument, reason="Duplicate", user=staff)

    response = client.get(history_url(attempt))

    assert row_text(response, "Instruments")[0] == "Removed: (a record no longer available) nothing added"


def test_as_of_shows_the_record_as_it_was_at_the_end_of_that_day(client, staff):
    attempt = factories.make_attempt(title="First title")
    attempt.history.update(history_date=at(datetime.date(2024, 1, 10)))
    change(attempt, "Renamed", staff, when=at(datetime.date(2024, 2, 10), hour=23), title="Second title")
    url = history_url(attempt)

    before_change = client.get(url, {"as_of": "2024-01-20"})
    snapshot = before_change.context["snapshot"]
    assert before_change.status_code == 200
    assert snapshot.state == "present"
    assert {str(f.label): f.value for f in snapshot.fields}["Title (English)"] == "First title"
    assert "The record as it was at the end of Jan. 20, 2024" in visible_text(before_change)

    same_day = client.get(url, {"as_of": "2024-02-10"}).context["snapshot"]
    assert {str(f.label): f.value for f in same_day.fields}["Title (English)"] == "Second title"

    before_creation = client.get(url, {"as_of": "2024-01-09"})
    assert before_creation.status_code == 200
    assert "did not exist yet" in visible_text(before_creation)
    assert_no_staff_identity(before_creation)


def test_a_deleted_record_ends_its_history_with_a_deletion(staff):
    attempt = factories.make_attempt(title="Example Removed Attempt", user=staff)
    pk = attempt.pk
    delete_record(attempt, reason="Recorded twice", user=staff)
    gone = models.LegislativeAttempt(pk=pk)

    history = RecordHistory(gone)

    assert [(entry.type, entry.reason, entry.changes) for entry in history.entries[:1]] == [
        ("-", "Recorded twice", [])
    ]
    assert history.as_of(timezone.localdate()).state == "deleted"


def test_the_serbian_interface_renders_the_history(client, staff):
    ruling = factories.make_ruling(title_sr="Мишљење", user=staff)
    change(ruling, "Ispravka", staff, title_sr="Ново мишљење")
    with translation.override("sr-latn"):
        url = history_url(ruling)

    response = client.get(url)

    assert response.status_code == 200
    assert "Ispravka" in visible_text(response)
    assert_no_staff_identity(response)


def test_record_as_of_reads_the_fetched_history(staff):
    source = factories.make_source(title="Example Title A")
    assert record_as_of(source, timezone.localdate()).existed
    assert record_as_of(source, datetime.date(2000, 1, 1)).state == "missing"
    assert record_as_of(source, datetime.date(1, 1, 1)).state == "missing"


@pytest.mark.parametrize(
    "as_of", ["not-a-date", "2024-02-30", "0000-01-01", "24-01-01", "2024-01-01T00:00", "9" * 5000]
)
def test_a_bad_as_of_date_is_a_clear_400(client, as_of):
    attempt = factories.make_attempt()

    response = client.get(history_url(attempt), {"as_of": as_of})

    assert response.status_code == 400
    assert response.context["as_of_error"]
    assert "for example 2021-03-15" in visible_text(response)


def test_a_future_as_of_date_is_a_clear_400(client):
    attempt = factories.make_attempt()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = client.get(history_url(attempt), {"as_of": tomorrow.isoformat()})

    assert response.status_code == 400
    assert "in the future" in visible_text(response)


def test_an_empty_as_of_shows_the_plain_history(client):
    response = client.get(history_url(factories.make_attempt()), {"as_of": ""})

    assert response.status_code == 200
    assert response.context["snapshot"] is None


def test_unknown_records_are_404(client):
    for name in ("attempt", "ruling", "response", "source"):
        assert client.get(reverse(f"legal:{name}_history", kwargs={"slug": "no-such-record"})).status_code == 404


def test_canonical_url_is_the_history_url_without_query(client):
    attempt = factories.make_attempt()
    url = history_url(attempt)

    response = client.get(url, {"as_of": "2024-01-01"})

    assert response.context["canonical_url"] == f"http://testserver{url}"
    assert f'href="{attempt.get_absolute_url()}"' in response.content.decode()


def test_user_text_is_escaped(client, staff):
    attempt = factories.make_attempt(summary="Plain", user=staff)
    change(attempt, "<b>reason</b>", staff, summary="<script>alert(1)</script> & more")

    page = client.get(history_url(attempt)).content.decode()

    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>reason</b>" not in page


def test_word_diff_flags_changed_words_and_keeps_the_texts():
    before, after = word_diff("The ministry withdrew the draft.", "The ministry published the second draft.")

    assert "".join(s.text for s in before) == "The ministry withdrew the draft."
    assert "".join(s.text for s in after) == "The ministry published the second draft."
    assert [s.text for s in before if s.changed] == ["withdrew"]
    assert [s.text.strip() for s in after if s.changed] == ["published", "second"]


def test_every_record_page_has_a_safe_allow_list():
    for _route, _view, model, _name in RECORD_ROUTES:
        fields = public_fields(model)
        columns = {column for field in fields for column in field.columns}
        assert not columns & {"history_user", "history_user_id", "id", "created_at", "updated_at", "slug", "file"}
    assert set(PUBLIC_FIELDS) == {model for _route, _view, model, _name in RECORD_ROUTES}


def make_response_with_history(staff, changes):
    jurisdiction = factories.make_jurisdiction()
    actors = [factories.make_actor() for _ in range(3)]
    record = factories.make_response(jurisdiction=jurisdiction, user=staff)
    for number in range(changes):
        change(record, f"Edit {number}", staff, title=f"Test Letter revision {number}")
        link(record, "authors", actors[: number % 3 + 1], f"Authors {number}", staff)
    return record


@pytest.mark.parametrize("changes", [2, 20])
def test_response_history_query_count_does_not_grow_with_the_history(client, staff, django_assert_num_queries, changes):
    record = make_response_with_history(staff, changes)
    assert record.history.count() == 1 + 2 * changes

    # The response; its history rows; one snapshot query per tracked link
    # field (7); names of jurisdictions and actors.
    with django_assert_num_queries(1 + 1 + 7 + 2):
        response = client.get(history_url(record), {"as_of": timezone.localdate().isoformat()})

    assert response.status_code == 200


@pytest.mark.parametrize("changes", [2, 20])
def test_version_history_query_count_does_not_grow_with_the_history(client, staff, django_assert_num_queries, changes):
    version = factories.make_version(published_in=factories.make_source(), user=staff)
    for number in range(changes):
        change(version, f"Edit {number}", staff, label=f"Draft {number}")

    # The version with its instrument; its history rows; names of instruments and sources.
    with django_assert_num_queries(1 + 1 + 2):
        response = client.get(history_url(version))

    assert response.status_code == 200
    assert len(response.context["entries"]) == 1 + changes


@pytest.mark.parametrize("changes", [2, 20])
def test_event_history_query_count_does_not_grow_with_the_history(client, staff, django_assert_num_queries, changes):
    version = factories.make_version()
    provisions = [factories.make_provision(version=version) for _ in range(2)]
    event = factories.make_event(
        instrument=version.instrument, version=version, kind=models.LifecycleEvent.Kind.APPLIES, user=staff
    )
    for number in range(changes):
        change(event, f"Edit {number}", staff, summary=f"Applies in part, reading {number}.")
        link(event, "provisions", provisions[: number % 2 + 1], f"Provisions {number}", staff)

    # The event with what it happened to; its history rows; the provisions
    # snapshots; names of instruments, versions and provisions.
    with django_assert_num_queries(1 + 1 + 1 + 3):
        response = client.get(history_url(event), {"as_of": timezone.localdate().isoformat()})

    assert response.status_code == 200
    assert_no_staff_identity(response)


# Moderation: only approved states are public ------------------------------------------------------


@pytest.fixture
def reviewers(staff_user, moderator_user):
    """The workflow's staff member and moderator, with recognisable names that must never show."""
    for name, value in STAFF.items():
        setattr(staff_user, name, value)
    staff_user.save()
    moderator_user.username, moderator_user.email = "moderator-secret-name", "moderator-secret@example.org"
    moderator_user.first_name, moderator_user.last_name = "Modsecretfirst", "Modsecretlast"
    moderator_user.save()
    return staff_user, moderator_user


def assert_no_reviewer_identity(response):
    assert_no_staff_identity(response)
    page = response.content.decode().lower()
    for secret in ("moderator-secret-name", "moderator-secret@example.org", "modsecretfirst", "modsecretlast"):
        assert secret not in page


def published_after_review(staff, moderator, **fields):
    """A ruling drafted, returned with a comment, fixed and published by a moderator."""
    ruling = models.Ruling(
        slug="reviewed-ruling", title_en="Draft title with a typo", summary_en="Unchecked draft summary.",
        kind=models.Ruling.Kind.STATEMENT, outcome=models.Ruling.Outcome.CONCERNS,
        date=datetime.date(2020, 9, 1), date_precision=DatePrecision.MONTH,
        authority=factories.make_supervisory_authority(), **fields,
    )
    citation = models.Citation(source=factories.make_source(), reliability="B", credibility="2")
    change_request = workflow.create_draft(
        ruling, user=staff, citations=[citation], note="Internal note for the moderators", submit=True,
        reason="Logged from the authority's website",
    )
    workflow.return_change(change_request, user=moderator, comment="Internal comment: fix the title")
    ruling.refresh_from_db()
    ruling.title_en = "Test Opinion"
    ruling.summary_en = "Checked summary."
    workflow.update_draft(change_request, ruling, user=staff, expected_history_id=workflow.latest_history_id(ruling))
    workflow.submit_change(change_request, user=staff)
    workflow.approve_change(change_request, user=moderator)
    ruling.refresh_from_db()
    return ruling


def propose(ruling, staff, **fields):
    edited = models.Ruling.objects.get(pk=ruling.pk)
    for name, value in fields.items():
        setattr(edited, name, value)
    return workflow.propose_edit(
        ruling, user=staff, values=workflow.values_from_instance(edited),
        base_history_id=workflow.latest_history_id(ruling), reason="Proposed: a new summary",
        note="Internal note on the proposal", submit=True,
    )


def test_a_record_published_after_review_starts_its_history_as_created_without_its_drafts(client, reviewers):
    staff, moderator = reviewers
    ruling = published_after_review(staff, moderator)
    assert ruling.history.count() > 1  # the drafts are in the private history

    response = client.get(history_url(ruling))

    assert response.status_code == 200
    [entry] = response.context["entries"]
    assert (entry.type, str(entry.type_label), entry.reason) == ("+", "Created", "Logged from the authority's website")
    assert row_text(response, "Title (English)") == ["(empty) Test Opinion"]
    text = visible_text(response)
    for private in ("typo", "Unchecked", "Draft saved", "Internal note", "Internal comment", "Submitted"):
        assert private not in text
    assert_no_reviewer_identity(response)


def test_a_draft_has_no_public_history(client, reviewers):
    staff, _moderator = reviewers
    ruling = models.Ruling(
        slug="draft-ruling", title_en="Draft ruling", kind=models.Ruling.Kind.STATEMENT,
        outcome=models.Ruling.Outcome.CONCERNS, date=datetime.date(2020, 9, 1), date_precision=DatePrecision.MONTH,
        authority=factories.make_supervisory_authority(),
    )
    workflow.create_draft(ruling, user=staff)

    assert client.get(history_url(ruling)).status_code == 404
    assert RecordHistory(ruling).entries == []
    assert record_as_of(ruling, timezone.localdate()).state == "missing"


def test_pending_rejected_and_scheduled_proposals_are_not_in_the_history_until_published(client, reviewers):
    staff, moderator = reviewers
    ruling = published_after_review(staff, moderator)
    pending = propose(ruling, staff, summary_en="Pending proposed summary.")
    rejected = propose(ruling, staff, findings_en="Rejected proposed findings.")
    workflow.reject_change(rejected, user=moderator, comment="Internal comment: not in the source")
    scheduled = propose(ruling, staff, title_en="Scheduled proposed title")
    workflow.approve_change(scheduled, user=moderator, publish_at=timezone.now() + datetime.timedelta(hours=1))

    response = client.get(history_url(ruling))

    assert len(response.context["entries"]) == 1
    text = visible_text(response)
    for private in ("Pending proposed", "Rejected proposed", "Scheduled proposed", "Proposed:", "Internal"):
        assert private not in text
    assert pending.state == "submitted"

    workflow.publish_due(now=timezone.now() + datetime.timedelta(hours=2))
    response = client.get(history_url(ruling))

    entries = response.context["entries"]
    assert [(entry.type, entry.reason) for entry in entries] == [
        ("~", "Proposed: a new summary"), ("+", "Logged from the authority's website")
    ]
    assert row_text(response, "Title (English)")[0] == "Test Opinion Scheduled proposed title"
    text = visible_text(response)
    assert "Pending proposed" not in text and "Rejected proposed" not in text
    assert_no_reviewer_identity(response)


def test_removal_and_restoration_leave_no_trace_in_the_public_history(client, reviewers):
    staff, moderator = reviewers
    ruling = published_after_review(staff, moderator)
    workflow.remove_record(ruling, user=moderator, reason="Internal: suspected duplicate")

    assert client.get(history_url(ruling)).status_code == 404

    workflow.restore_record(ruling, user=moderator, reason="Internal: not a duplicate")
    response = client.get(history_url(ruling), {"as_of": timezone.localdate().isoformat()})

    assert response.status_code == 200
    assert [entry.type for entry in response.context["entries"]] == ["+"]
    assert response.context["snapshot"].state == "present"
    assert "Internal" not in visible_text(response)
    assert_no_reviewer_identity(response)
