"""The staff area's authoring side: logging developments, one's own changes,
proposals to published records, the link lookup, and who may use them."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from legal import models, workflow
from legal.models import ChangeRequest, Visibility
from staff.forms import WHATS
from tests import factories

State = ChangeRequest.State


# Helpers ----------------------------------------------------------------------------------------


def management(prefix, total=1):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def log_data(*, actor_link="", source=None, **fields):
    """What a browser posts for the log form: every field as rendered, the given ones filled.

    ``actor_link``: the first "link as" choice of the form's new-actor row (its
    initial value, which a browser sends back with the row's other defaults).
    """
    data = {
        "language": "en",
        "date": "2024-03-05",
        "date_precision": "day",
        "date_season": "",
        **management("sources"),
        **management("actors"),
        "actors-0-kind": "organisation",
        "actors-0-link_as": actor_link,
        "actors-0-role": "",
        "actors-0-name": "",
    }
    if source is not None:
        data.update({"sources-0-source": str(source.pk), "sources-0-reliability": "B", "sources-0-credibility": "2"})
    data.update({key: "" if value is None else value for key, value in fields.items()})
    return data


def log_url(what):
    return reverse("staff:log_form", args=[what])


def only_change(user):
    requests = list(ChangeRequest.objects.filter(author=user))
    assert len(requests) == 1
    return requests[0]


def errors_of(response):
    """The error messages shown on a page, for assertions."""
    return re.findall(r'<ul class="errorlist[^"]*"([^>]*)>(.*?)</ul>', response.content.decode(), re.S)


def field_errors(response, field_id):
    match = re.search(rf'<ul class="errorlist" id="{field_id}_error">(.*?)</ul>', response.content.decode(), re.S)
    return match.group(1) if match else ""


@pytest.fixture
def source(db):
    return factories.make_source(title="Example Report Alpha")


@pytest.fixture
def plain_user(db, django_user_model):
    return django_user_model.objects.create_user(username="test-no-role", password=None)


@pytest.fixture
def other_client(client, other_staff_user):
    client.force_login(other_staff_user)
    return client


def client_for(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# Logging each kind of development ---------------------------------------------------------------


def test_what_happened_lists_every_kind(staff_client):
    response = staff_client.get(reverse("staff:log"))
    assert response.status_code == 200
    for what in WHATS:
        assert log_url(what.slug) in response.content.decode()


def test_every_log_form_renders(staff_client, attempt, authority, dpia, source):
    for what in WHATS:
        response = staff_client.get(log_url(what.slug))
        assert response.status_code == 200, what.slug
        assert 'name="sources-0-source"' in response.content.decode()


def test_unknown_kind_of_development_is_404(staff_client):
    assert staff_client.get(log_url("coronation")).status_code == 404


def test_logging_an_event_creates_a_draft_with_its_citation_and_nothing_public(
    staff_client, staff_user, attempt, source
):
    response = staff_client.post(
        log_url("withdrawn"),
        log_data(attempt=str(attempt.pk), source=source, summary="Test withdrawal summary", save="1",
                 date="2021-05-17", date_precision="month"),
    )
    change = only_change(staff_user)
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:change_detail", args=[change.pk])
    event = change.record
    assert isinstance(event, models.LifecycleEvent)
    assert event.kind == models.LifecycleEvent.Kind.WITHDRAWN
    assert event.visibility == Visibility.DRAFT
    assert event.summary_en == "Test withdrawal summary"
    # The model keeps the start of the period: only the month is known.
    assert event.date == datetime.date(2021, 5, 1)
    assert event.date_precision == "month"
    assert change.state == State.DRAFT and change.kind == ChangeRequest.Kind.CREATE
    citation = event.citations.get()
    assert (citation.source, citation.reliability, citation.credibility) == (source, "B", "2")
    assert not models.LifecycleEvent.objects.published().filter(pk=event.pk).exists()
    public = staff_client.get(attempt.get_absolute_url())
    assert "Test withdrawal summary" not in public.content.decode()


def test_consultation_opened_keeps_its_deadline(staff_client, staff_user, attempt, source):
    staff_client.post(
        log_url("consultation-opened"),
        log_data(attempt=str(attempt.pk), source=source, deadline="2024-04-05", submit="1"),
    )
    change = only_change(staff_user)
    event = change.record
    assert event.kind == models.LifecycleEvent.Kind.CONSULTATION_OPENED
    assert event.deadline == datetime.date(2024, 4, 5)
    assert change.state == State.SUBMITTED


def test_submitted_event_offers_its_two_kinds_only(staff_client, staff_user, attempt, source):
    data = log_data(attempt=str(attempt.pk), source=source, kind="adopted", save="1")
    response = staff_client.post(log_url("submitted"), data)
    assert response.status_code == 200
    assert "Select a valid choice" in field_errors(response, "id_kind")
    data["kind"] = "submitted_to_parliament"
    staff_client.post(log_url("submitted"), data)
    assert only_change(staff_user).record.kind == "submitted_to_parliament"


def test_logging_a_dpia_with_a_new_controller_created_inline(staff_client, staff_user, authority, system, source):
    data = log_data(
        actor_link="controller",
        title="Example DPIA submission",
        authority=str(authority.pk),
        system=str(system.pk),
        round="2",
        source=source,
        save="1",
    )
    data.update({"actors-0-name": "Example Ministry New", "actors-0-role": "government"})
    response = staff_client.post(log_url("dpia"), data)
    assert response.status_code == 302, errors_of(response)
    change = only_change(staff_user)
    dpia = change.record
    assert dpia.title_en == "Example DPIA submission" and dpia.slug == "example-dpia-submission"
    assert dpia.round == 2 and dpia.authority == authority
    controller = dpia.controller
    assert controller.name_en == "Example Ministry New"
    assert controller.visibility == Visibility.DRAFT
    assert change.companions == [["legal.actor", controller.pk]]
    assert workflow.companions_of(change) == [controller]


def test_logging_a_ruling_in_serbian_with_a_new_source_and_a_file(staff_client, staff_user, authority, attempt):
    upload = SimpleUploadedFile("misljenje.pdf", b"%PDF-1.4 test ruling file", content_type="application/pdf")
    data = log_data(
        language="sr",
        title="Мишљење о тестном нацрту",
        summary="Тестни сажетак",
        kind="draft_law_opinion",
        outcome="concerns",
        authority=str(authority.pk),
        attempts=[str(attempt.pk)],
        submit="1",
    )
    data.update(
        {
            "sources-0-new_title": "Test Opinion Document",
            "sources-0-new_url": "https://example.org/test-opinion",
            "sources-0-new_kind": "official",
            "sources-0-new_file": upload,
            "sources-0-reliability": "A",
            "sources-0-credibility": "1",
            "sources-0-locator": "p. 3",
        }
    )
    response = staff_client.post(log_url("ruling"), data)
    assert response.status_code == 302, errors_of(response)
    change = only_change(staff_user)
    ruling = change.record
    assert change.state == State.SUBMITTED
    assert ruling.title_sr == "Мишљење о тестном нацрту" and not ruling.title_en
    assert ruling.summary_sr == "Тестни сажетак"
    assert ruling.slug == "misljenje-o-testnom-nacrtu"
    assert list(ruling.attempts.all()) == [attempt]
    citation = ruling.citations.select_related("source").get()
    new_source = citation.source
    assert citation.locator == "p. 3" and citation.grade == "A1"
    assert new_source.visibility == Visibility.DRAFT
    assert new_source.file.name.endswith(".pdf") and len(new_source.sha256) == 64
    assert new_source.url == "https://example.org/test-opinion"
    assert ["legal.source", new_source.pk] in change.companions
    assert not models.Ruling.objects.published().filter(pk=ruling.pk).exists()
    assert not models.Source.objects.published().filter(pk=new_source.pk).exists()


def test_serbian_draft_can_be_published_by_a_moderator(staff_client, staff_user, moderator_user, authority, source):
    staff_client.post(
        log_url("ruling"),
        log_data(language="sr", title="Тестно мишљење", kind="statement", outcome="concerns",
                 authority=str(authority.pk), source=source, submit="1"),
    )
    change = only_change(staff_user)
    workflow.approve_change(change, user=moderator_user)
    assert models.Ruling.objects.published().filter(title_sr="Тестно мишљење").exists()


def test_logging_a_response_with_authors_and_addressees(staff_client, staff_user, source):
    author, addressee = factories.make_actor(), factories.make_actor()
    response = staff_client.post(
        log_url("response"),
        log_data(actor_link="authors", title="Test Letter Logged", kind="letter", authors=[str(author.pk)],
                 addressees=[str(addressee.pk)], source=source, save="1"),
    )
    assert response.status_code == 302, errors_of(response)
    record = only_change(staff_user).record
    assert list(record.authors.all()) == [author] and list(record.addressees.all()) == [addressee]


def test_an_answer_must_say_what_it_answers(staff_client, staff_user, source):
    response = staff_client.post(
        log_url("response"),
        log_data(actor_link="authors", title="Test Answer", kind="answer", source=source, save="1"),
    )
    assert response.status_code == 200
    assert "An answer must say what it answers." in field_errors(response, "id_in_reply_to")
    assert not ChangeRequest.objects.exists()


def test_logging_a_civil_society_action(staff_client, staff_user, attempt, source):
    ngo = factories.make_actor(role=models.Actor.Role.CIVIL_SOCIETY)
    response = staff_client.post(
        log_url("civil-society"),
        log_data(actor_link="authors", title="Test Open Letter", kind="open_letter", authors=[str(ngo.pk)],
                 attempts=[str(attempt.pk)], source=source, save="1"),
    )
    assert response.status_code == 302, errors_of(response)
    record = only_change(staff_user).record
    assert record.kind == "open_letter" and record.is_civil_society


def test_civil_society_form_refuses_an_official_kind(staff_client, source):
    response = staff_client.post(
        log_url("civil-society"),
        log_data(actor_link="authors", title="Test", kind="resolution", source=source, save="1"),
    )
    assert "Select a valid choice" in field_errors(response, "id_kind")


def test_logging_a_development_with_a_new_actor(staff_client, staff_user, source):
    data = log_data(actor_link="actors", title="Test Deployment", kind="deployment", source=source, save="1")
    data.update({"actors-0-name": "Example Vendor New", "actors-0-role": "company"})
    response = staff_client.post(log_url("development"), data)
    assert response.status_code == 302, errors_of(response)
    development = only_change(staff_user).record
    assert [actor.name_en for actor in development.actors.all()] == ["Example Vendor New"]


def test_several_sources_can_be_cited(staff_client, staff_user, attempt, source):
    other = factories.make_source()
    data = log_data(attempt=str(attempt.pk), source=source, save="1", **management("sources", total=2))
    data.update({"sources-1-source": str(other.pk), "sources-1-reliability": "C", "sources-1-credibility": "3"})
    staff_client.post(log_url("withdrawn"), data)
    event = only_change(staff_user).record
    assert {citation.source for citation in event.citations.all()} == {source, other}


# Invalid input: a clear message next to the field, nothing typed lost ----------------------------------------


def test_a_missing_source_is_refused_and_the_input_kept(staff_client, attempt):
    response = staff_client.post(
        log_url("withdrawn"), log_data(attempt=str(attempt.pk), summary="Typed summary kept", save="1")
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Add at least one source" in page
    assert "Typed summary kept" in page
    assert f'<option value="{attempt.pk}" selected>' in page
    assert not ChangeRequest.objects.exists() and not models.LifecycleEvent.objects.exists()


def test_a_source_row_without_grading_is_refused(staff_client, attempt, source):
    data = log_data(attempt=str(attempt.pk), save="1")
    data["sources-0-source"] = str(source.pk)
    response = staff_client.post(log_url("withdrawn"), data)
    assert "Grade the source" in field_errors(response, "id_sources-0-reliability")
    assert "Grade the information" in field_errors(response, "id_sources-0-credibility")


def test_a_new_source_needs_an_address_or_a_file(staff_client, attempt):
    data = log_data(attempt=str(attempt.pk), save="1")
    data.update({"sources-0-new_title": "Test Title Only", "sources-0-new_kind": "article",
                 "sources-0-reliability": "B", "sources-0-credibility": "2"})
    response = staff_client.post(log_url("withdrawn"), data)
    assert "web address or attach a file" in field_errors(response, "id_sources-0-new_url")
    assert 'value="Test Title Only"' in response.content.decode()


def test_an_oversized_file_gets_a_message_not_an_error_page(staff_client, attempt, settings):
    settings.SOURCE_FILE_MAX_BYTES = 1000
    data = log_data(attempt=str(attempt.pk), summary="Kept after a big file", save="1")
    data.update({
        "sources-0-new_title": "Test Big File", "sources-0-new_kind": "report",
        "sources-0-new_file": SimpleUploadedFile("big.pdf", b"%PDF" + b"x" * 5000, content_type="application/pdf"),
        "sources-0-reliability": "B", "sources-0-credibility": "2",
    })
    response = staff_client.post(log_url("withdrawn"), data)
    assert response.status_code == 200
    assert "the largest accepted is 1000" in field_errors(response, "id_sources-0-new_file")
    page = response.content.decode()
    assert "Kept after a big file" in page and 'value="Test Big File"' in page
    # The file itself cannot be put back into a file input: the user is told.
    assert "You had chosen the file “big.pdf”" in page
    assert not models.Source.objects.filter(title="Test Big File").exists()


def test_a_file_of_the_wrong_type_is_refused(staff_client, attempt):
    data = log_data(attempt=str(attempt.pk), save="1")
    data.update({
        "sources-0-new_title": "Test Program", "sources-0-new_kind": "other",
        "sources-0-new_file": SimpleUploadedFile("tool.exe", b"MZ test", content_type="application/octet-stream"),
        "sources-0-reliability": "B", "sources-0-credibility": "2",
    })
    response = staff_client.post(log_url("withdrawn"), data)
    assert response.status_code == 200
    assert "File extension “exe” is not allowed" in field_errors(response, "id_sources-0-new_file")


def test_a_valid_file_is_not_silently_lost_when_another_field_is_wrong(staff_client):
    data = log_data(save="1")  # no attempt: the event is about nothing
    data.update({
        "sources-0-new_title": "Test Kept Source", "sources-0-new_kind": "report",
        "sources-0-new_file": SimpleUploadedFile("kept.pdf", b"%PDF-1.4 kept", content_type="application/pdf"),
        "sources-0-reliability": "B", "sources-0-credibility": "2",
    })
    response = staff_client.post(log_url("withdrawn"), data)
    page = response.content.decode()
    assert "Link the event to an attempt, an instrument or both." in field_errors(response, "id_attempt")
    assert "You had chosen the file “kept.pdf”" in page and "choose it again" in page
    assert not models.Source.objects.filter(title="Test Kept Source").exists()


def test_a_ruling_by_a_body_that_is_not_a_supervisory_authority_is_refused(staff_client, source):
    ministry = factories.make_actor(name="Example Ministry Not Authority")
    response = staff_client.post(
        log_url("ruling"),
        log_data(actor_link="authority", title="Test Ruling Typed", kind="statement", outcome="concerns",
                 authority=str(ministry.pk), source=source, save="1"),
    )
    assert response.status_code == 200
    assert "is not a supervisory authority" in field_errors(response, "id_authority")
    assert "not a valid choice" not in field_errors(response, "id_authority")
    assert 'value="Test Ruling Typed"' in response.content.decode()
    assert not models.Ruling.objects.exists()


def test_a_new_actor_linked_as_authority_must_be_a_supervisory_authority(staff_client, source):
    data = log_data(actor_link="authority", title="Test Ruling", kind="statement", outcome="concerns",
                    source=source, save="1")
    data.update({"actors-0-name": "Example Office", "actors-0-role": "government"})
    response = staff_client.post(log_url("ruling"), data)
    assert "Only a supervisory authority" in field_errors(response, "id_actors-0-role")
    assert 'value="Example Office"' in response.content.decode()
    assert not models.Actor.objects.filter(name_en="Example Office").exists()


def test_a_required_link_needs_a_choice_or_a_new_actor(staff_client, source):
    response = staff_client.post(
        log_url("ruling"),
        log_data(actor_link="authority", title="Test Ruling", kind="statement", outcome="concerns",
                 source=source, save="1"),
    )
    assert "Choose one from the list, or add it below" in field_errors(response, "id_authority")


def test_an_end_date_before_the_start_is_refused(staff_client, attempt, source):
    response = staff_client.post(
        log_url("withdrawn"),
        log_data(attempt=str(attempt.pk), source=source, date="2022-01-01", date_precision="year",
                 date_end="2021-01-01", summary="Range typed", save="1"),
    )
    assert "The end of the range must come after its start." in field_errors(response, "id_date_end")
    page = response.content.decode()
    assert 'value="2021-01-01"' in page and "Range typed" in page


def test_a_deadline_before_the_consultation_opened_is_refused(staff_client, attempt, source):
    response = staff_client.post(
        log_url("consultation-opened"),
        log_data(attempt=str(attempt.pk), source=source, date="2024-03-05", deadline="2024-03-01", save="1"),
    )
    assert "The deadline cannot be before the event itself." in field_errors(response, "id_deadline")


def test_a_season_must_be_named(staff_client, attempt, source):
    response = staff_client.post(
        log_url("withdrawn"),
        log_data(attempt=str(attempt.pk), source=source, date_precision="season", save="1"),
    )
    assert "Choose the season" in field_errors(response, "id_date_season")


def test_an_unknown_date_is_left_empty(staff_client, staff_user, attempt, source):
    response = staff_client.post(
        log_url("withdrawn"),
        log_data(attempt=str(attempt.pk), source=source, date_precision="unknown", save="1"),
    )
    assert "leave the date empty" in field_errors(response, "id_date")
    response = staff_client.post(
        log_url("withdrawn"),
        log_data(attempt=str(attempt.pk), source=source, date="", date_precision="unknown", save="1"),
    )
    assert response.status_code == 302
    assert only_change(staff_user).record.date is None


def test_add_another_source_without_javascript_keeps_everything(staff_client, attempt, source):
    data = log_data(attempt=str(attempt.pk), source=source, summary="Still here", add_source="1")
    response = staff_client.post(log_url("withdrawn"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="sources-TOTAL_FORMS" value="2"' in page
    assert 'name="sources-1-source"' in page
    assert "Still here" in page and f'<option value="{source.pk}" selected>' in page
    assert not errors_of(response)
    assert not ChangeRequest.objects.exists()


def test_add_another_actor_without_javascript(staff_client, source):
    data = log_data(actor_link="authors", title="Test", kind="letter", add_actor="1")
    response = staff_client.post(log_url("response"), data)
    assert 'name="actors-TOTAL_FORMS" value="2"' in response.content.decode()
    assert not errors_of(response)


def test_the_same_source_twice_at_the_same_place_is_refused(staff_client, attempt, source):
    data = log_data(attempt=str(attempt.pk), source=source, save="1", **management("sources", total=2))
    data.update({"sources-1-source": str(source.pk), "sources-1-reliability": "C", "sources-1-credibility": "3"})
    response = staff_client.post(log_url("withdrawn"), data)
    assert "already cited" in field_errors(response, "id_sources-1-source")


# The lookup ----------------------------------------------------------------------------------------------


def lookup(client, type_name, query, **params):
    return client.get(reverse("staff:lookup", args=[type_name]), {"q": query, **params})


def labels(response):
    return [result["label"] for result in response.json()["results"]]


def test_lookup_ignores_script_and_diacritics(staff_client):
    with translation.override("sr-latn"):  # a name in Serbian only
        factories.make_supervisory_authority(name_en="", name_sr="Повереник за тестне податке")
    factories.make_actor(name_en="Example Đorđević Office")
    assert labels(lookup(staff_client, "actor", "povereni")) == ["Повереник за тестне податке"]
    assert labels(lookup(staff_client, "actor", "Поверен тест")) == ["Повереник за тестне податке"]
    assert labels(lookup(staff_client, "actor", "djordjevic")) == ["Example Đorđević Office"]
    assert labels(lookup(staff_client, "actor", "ђорђ")) == ["Example Đorđević Office"]
    assert labels(lookup(staff_client, "actor", "")) == []


def test_lookup_of_authorities_lists_supervisory_authorities_only(staff_client):
    factories.make_supervisory_authority(name_en="Test Watchdog Authority")
    factories.make_actor(name_en="Test Watchdog Ministry")
    response = lookup(staff_client, "actor", "watchdog", role="supervisory_authority")
    assert labels(response) == ["Test Watchdog Authority"]


def test_lookup_hides_the_drafts_of_others(client, staff_user, other_staff_user, moderator_user, source):
    draft = models.Actor(slug="test-draft-actor", name_en="Test Draft Actor", kind="organisation", role="company")
    workflow.create_companion(draft, user=other_staff_user)
    ruling = models.Development(slug="test-dev", title_en="Test Dev", kind="other", date_precision="unknown")
    workflow.create_draft(ruling, user=other_staff_user, companions=[draft],
                          citations=[models.Citation(source=source, reliability="B", credibility="2")])
    client.force_login(staff_user)
    assert labels(lookup(client, "actor", "draft")) == []
    assert lookup(client, "development", "test dev").json()["results"] == []
    assert "Test Draft Actor" not in client.get(log_url("development")).content.decode()
    client.force_login(other_staff_user)
    assert labels(lookup(client, "actor", "draft")) == ["Test Draft Actor (not yet published)"]
    assert "Test Draft Actor" in client.get(log_url("development")).content.decode()
    client.force_login(moderator_user)
    assert labels(lookup(client, "actor", "draft")) == ["Test Draft Actor (not yet published)"]


def test_lookup_never_lists_removed_records(staff_client, moderator_user):
    actor = factories.make_actor(name_en="Test Removed Actor")
    workflow.remove_record(actor, user=moderator_user, reason="Test removal")
    assert labels(lookup(staff_client, "actor", "removed")) == []


def test_lookup_of_an_unknown_type_is_404(staff_client):
    assert lookup(staff_client, "user", "a").status_code == 404


def test_lookup_is_for_staff_only(client, plain_user):
    response = lookup(client, "actor", "a")
    assert response.status_code == 302 and response["Location"].startswith(reverse("staff:login"))
    client.force_login(plain_user)
    assert lookup(client, "actor", "a").status_code == 403


# Following and editing one's own change -------------------------------------------------------------------


def log_ruling(client, user, authority, source, *, submit=True, title="Test Ruling Draft"):
    data = log_data(actor_link="authority", title=title, kind="statement", outcome="concerns",
                    authority=str(authority.pk), source=source, summary="First summary")
    data["submit" if submit else "save"] = "1"
    response = client.post(log_url("ruling"), data)
    assert response.status_code == 302, errors_of(response)
    return ChangeRequest.objects.filter(author=user).latest("pk")


def test_change_detail_shows_the_change_and_the_actions(staff_client, staff_user, authority, source):
    change = log_ruling(staff_client, staff_user, authority, source, submit=False)
    response = staff_client.get(reverse("staff:change_detail", args=[change.pk]))
    page = response.content.decode()
    assert "Test Ruling Draft" in page and "Draft" in page
    assert reverse("staff:change_edit", args=[change.pk]) in page
    assert reverse("staff:change_submit", args=[change.pk]) in page
    # No author name for the author's own page; that is for moderators.
    assert "test-staff" not in page


def test_submit_from_the_detail_page(staff_client, staff_user, authority, source):
    change = log_ruling(staff_client, staff_user, authority, source, submit=False)
    response = staff_client.post(reverse("staff:change_submit", args=[change.pk]))
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.state == State.SUBMITTED
    response = staff_client.post(reverse("staff:change_submit", args=[change.pk]), follow=True)
    assert "Only a draft or a returned change can be submitted." in response.content.decode()


def test_editing_a_returned_draft(staff_client, staff_user, moderator_user, authority, source):
    change = log_ruling(staff_client, staff_user, authority, source)
    workflow.return_change(change, user=moderator_user, comment="Test comment: give the summary")
    detail = staff_client.get(reverse("staff:change_detail", args=[change.pk])).content.decode()
    assert "Test comment: give the summary" in detail
    edit_url = reverse("staff:change_edit", args=[change.pk])
    page = staff_client.get(edit_url).content.decode()
    assert "Test comment: give the summary" in page
    assert 'value="Test Ruling Draft"' in page and "First summary" in page
    token = re.search(r'name="expected_history_id" value="(\d+)"', page).group(1)
    data = log_data(actor_link="authority", title="Test Ruling Fixed", kind="statement", outcome="concerns",
                    authority=str(authority.pk), summary="Fixed summary", expected_history_id=token, submit="1")
    response = staff_client.post(edit_url, data)
    assert response.status_code == 302, errors_of(response)
    change.refresh_from_db()
    ruling = change.record
    assert change.state == State.SUBMITTED
    assert ruling.title_en == "Test Ruling Fixed" and ruling.summary_en == "Fixed summary"
    assert ruling.visibility == Visibility.DRAFT
    assert ruling.citations.count() == 1  # the first source stays; none was required again


def test_a_stale_draft_edit_is_refused_showing_the_other_change_and_keeping_the_input(
    staff_client, staff_user, moderator_user, authority, source
):
    change = log_ruling(staff_client, staff_user, authority, source, submit=False)
    edit_url = reverse("staff:change_edit", args=[change.pk])
    page = staff_client.get(edit_url).content.decode()
    token = re.search(r'name="expected_history_id" value="(\d+)"', page).group(1)
    # Meanwhile a moderator changes the summary.
    ruling = models.Ruling.objects.get(pk=change.object_id)
    ruling.summary_en = "Moderator's summary"
    workflow.update_draft(change, ruling, user=moderator_user, expected_history_id=workflow.latest_history_id(ruling))
    data = log_data(actor_link="authority", title="Test Ruling Draft", kind="statement", outcome="concerns",
                    authority=str(authority.pk), summary="My own summary", expected_history_id=token, save="1")
    response = staff_client.post(edit_url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone else saved this in the meantime" in page
    assert "Moderator&#x27;s summary" in page and "First summary" in page
    assert "My own summary" in page
    fresh = re.search(r'name="expected_history_id" value="(\d+)"', page).group(1)
    assert fresh != token and int(fresh) == workflow.latest_history_id(ruling)
    ruling.refresh_from_db()
    assert ruling.summary_en == "Moderator's summary"
    # Saving again, deliberately, goes through.
    data["expected_history_id"] = fresh
    assert staff_client.post(edit_url, data).status_code == 302
    ruling.refresh_from_db()
    assert ruling.summary_en == "My own summary"


def test_a_decided_change_cannot_be_edited(staff_client, staff_user, moderator_user, authority, source):
    change = log_ruling(staff_client, staff_user, authority, source)
    workflow.approve_change(change, user=moderator_user)
    response = staff_client.get(reverse("staff:change_edit", args=[change.pk]), follow=True)
    assert "can no longer be edited" in response.content.decode()
    page = staff_client.get(reverse("staff:change_detail", args=[change.pk])).content.decode()
    assert change.record.get_absolute_url() in page


def test_dashboard_links_to_the_change(staff_client, staff_user, authority, source):
    change = log_ruling(staff_client, staff_user, authority, source)
    page = staff_client.get(reverse("staff:dashboard")).content.decode()
    assert reverse("staff:change_detail", args=[change.pk]) in page
    assert reverse("staff:log") in page


# Proposing an edit to a published record --------------------------------------------------------------------


def propose_page_data(page):
    """Every value a browser would send back from the proposal form."""
    data = {}
    inputs = re.findall(r'<input type="(?:text|hidden|number|url|date)" name="([^"]+)" value="([^"]*)"', page)
    for name, value in inputs:
        data[name] = value
    for name, body in re.findall(r'<textarea name="([^"]+)"[^>]*>\n?(.*?)</textarea>', page, re.S):
        data[name] = body
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.findall(r'<option value="([^"]*)" selected>', body)
        if "multiple" in re.search(rf'<select name="{re.escape(name)}"[^>]*>', page).group(0):
            data[name] = chosen
        else:
            data[name] = chosen[0] if chosen else ""
    for name in re.findall(r'<input type="checkbox" name="([^"]+)"[^>]*checked', page):
        data[name] = "on"
    return data


def test_record_search_finds_published_records_only(staff_client, moderator_user):
    published = factories.make_ruling(title="Test Ruling Searchable")
    draft = models.Ruling(slug="test-ruling-hidden", title_en="Test Ruling Searchable Draft", kind="statement",
                          outcome="concerns", authority=published.authority, date_precision="unknown")
    workflow.create_draft(draft, user=moderator_user)
    page = staff_client.get(reverse("staff:record_search"), {"q": "searchable"}).content.decode()
    assert reverse("staff:propose_edit", args=["ruling", published.pk]) in page
    assert "Test Ruling Searchable Draft" not in page


def test_proposing_an_edit_stores_changed_fields_only_and_leaves_the_public_page(
    staff_client, staff_user, moderator_user
):
    ruling = factories.make_ruling(title="Test Ruling Public")
    url = reverse("staff:propose_edit", args=["ruling", ruling.pk])
    page = staff_client.get(url).content.decode()
    data = propose_page_data(page)
    assert data["title_en"] == "Test Ruling Public"
    data.update(title_en="Test Ruling Corrected", reason="Test: title corrected", submit="1")
    response = staff_client.post(url, data)
    assert response.status_code == 302, errors_of(response)
    change = only_change(staff_user)
    assert change.kind == ChangeRequest.Kind.EDIT and change.state == State.SUBMITTED
    assert change.proposed["fields"] == {"title_en": "Test Ruling Corrected"}
    assert change.reason == "Test: title corrected"
    ruling.refresh_from_db()
    assert ruling.title_en == "Test Ruling Public"
    public = staff_client.get(ruling.get_absolute_url()).content.decode()
    assert "Test Ruling Public" in public and "Test Ruling Corrected" not in public
    workflow.approve_change(change, user=moderator_user)
    ruling.refresh_from_db()
    assert ruling.title_en == "Test Ruling Corrected"


def test_proposal_with_an_extra_source(staff_client, staff_user, source):
    ruling = factories.make_ruling()
    url = reverse("staff:propose_edit", args=["ruling", ruling.pk])
    data = propose_page_data(staff_client.get(url).content.decode())
    data.update(reason="Test: source added", save="1", **{"sources-0-source": str(source.pk),
                "sources-0-reliability": "B", "sources-0-credibility": "2"})
    response = staff_client.post(url, data)
    assert response.status_code == 302, errors_of(response)
    change = only_change(staff_user)
    assert change.proposed.get("fields", {}) == {}
    assert change.proposed["citations"][0]["source"] == source.pk


def test_a_proposal_that_changes_nothing_is_refused(staff_client):
    ruling = factories.make_ruling()
    url = reverse("staff:propose_edit", args=["ruling", ruling.pk])
    data = propose_page_data(staff_client.get(url).content.decode())
    data.update(reason="Test: nothing", save="1")
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert "Nothing was changed" in response.content.decode()


def test_a_proposal_needs_a_public_reason(staff_client):
    ruling = factories.make_ruling()
    url = reverse("staff:propose_edit", args=["ruling", ruling.pk])
    data = propose_page_data(staff_client.get(url).content.decode())
    data.update(title_en="Test Changed", reason="", save="1")
    response = staff_client.post(url, data)
    assert field_errors(response, "id_reason")
    assert 'value="Test Changed"' in response.content.decode()


def test_a_stale_proposal_shows_what_changed_and_keeps_the_input(staff_client, staff_user, moderator_user):
    ruling = factories.make_ruling(title="Test Ruling Base")
    url = reverse("staff:propose_edit", args=["ruling", ruling.pk])
    data = propose_page_data(staff_client.get(url).content.decode())
    # Meanwhile another edit of the title is published.
    edited = models.Ruling.objects.get(pk=ruling.pk)
    edited.title_en = "Test Ruling Theirs"
    other = workflow.propose_edit(ruling, user=moderator_user, values=workflow.values_from_instance(edited),
                                  base_history_id=workflow.latest_history_id(ruling), reason="Test: theirs")
    workflow.approve_change(other, user=moderator_user)
    data.update(title_en="Test Ruling Mine", reason="Test: mine", save="1")
    response = staff_client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone else saved this in the meantime" in page and "Test Ruling Theirs" in page
    assert 'value="Test Ruling Mine"' in page
    assert not ChangeRequest.objects.filter(author=staff_user).exists()
    data["base_history_id"] = re.search(r'name="base_history_id" value="(\d+)"', page).group(1)
    assert staff_client.post(url, data).status_code == 302
    assert only_change(staff_user).proposed["fields"] == {"title_en": "Test Ruling Mine"}


def test_editing_a_proposal_refuses_a_stale_revision(staff_client, staff_user, moderator_user):
    ruling = factories.make_ruling(title="Test Ruling Base")
    url = reverse("staff:propose_edit", args=["ruling", ruling.pk])
    data = propose_page_data(staff_client.get(url).content.decode())
    data.update(title_en="Test Ruling First", reason="Test: first", save="1")
    staff_client.post(url, data)
    change = only_change(staff_user)
    edit_url = reverse("staff:change_edit", args=[change.pk])
    page = staff_client.get(edit_url).content.decode()
    assert 'value="Test Ruling First"' in page
    data = propose_page_data(page)
    # A moderator revises the proposal meanwhile.
    edited = models.Ruling.objects.get(pk=ruling.pk)
    edited.title_en = "Test Ruling Moderator"
    workflow.propose_edit(ruling, user=moderator_user, values=workflow.values_from_instance(edited),
                          base_history_id=workflow.latest_history_id(ruling), reason="Test: moderator",
                          change_request=change, expected_revision=change.revision)
    data.update(title_en="Test Ruling Second", save="1")
    response = staff_client.post(edit_url, data)
    page = response.content.decode()
    assert "Someone else saved this in the meantime" in page and "Test Ruling Moderator" in page
    assert 'value="Test Ruling Second"' in page
    data["expected_revision"] = re.search(r'name="expected_revision" value="(\d+)"', page).group(1)
    assert staff_client.post(edit_url, data).status_code == 302
    change.refresh_from_db()
    assert change.proposed["fields"] == {"title_en": "Test Ruling Second"}


def test_only_published_records_can_be_proposed_for(staff_client, moderator_user):
    ruling = factories.make_ruling()
    workflow.remove_record(ruling, user=moderator_user, reason="Test removal")
    assert staff_client.get(reverse("staff:propose_edit", args=["ruling", ruling.pk])).status_code == 404
    assert staff_client.get(reverse("staff:propose_edit", args=["nonsense", 1])).status_code == 404


# Who may do what ---------------------------------------------------------------------------------------------


@pytest.fixture
def changes(staff_user, authority, source):
    """A draft of the staff member (new record) and one of their edit proposals."""
    client = client_for(staff_user)
    draft = log_ruling(client, staff_user, authority, source, submit=False)
    ruling = factories.make_ruling()
    edited = models.Ruling.objects.get(pk=ruling.pk)
    edited.title_en = "Test Ruling Proposed"
    proposal = workflow.propose_edit(ruling, user=staff_user, values=workflow.values_from_instance(edited),
                                     base_history_id=workflow.latest_history_id(ruling), reason="Test")
    return {"draft": draft, "proposal": proposal, "ruling": ruling}


def urls_for(changes):
    draft, proposal, ruling = changes["draft"], changes["proposal"], changes["ruling"]
    return {
        "log": ("get", reverse("staff:log")),
        "log_form": ("get", log_url("ruling")),
        "change_detail": ("get", reverse("staff:change_detail", args=[draft.pk])),
        "change_edit": ("get", reverse("staff:change_edit", args=[draft.pk])),
        "proposal_edit": ("get", reverse("staff:change_edit", args=[proposal.pk])),
        "change_submit": ("post", reverse("staff:change_submit", args=[draft.pk])),
        "record_search": ("get", reverse("staff:record_search") + "?q=test"),
        "propose_edit": ("get", reverse("staff:propose_edit", args=["ruling", ruling.pk])),
        "lookup": ("get", reverse("staff:lookup", args=["actor"]) + "?q=test"),
    }


# Expected status per role; "own" pages are the staff member's own changes.
OWN_PAGES = {"change_detail", "change_edit", "proposal_edit", "change_submit"}
SUCCESS = {"change_submit": 302}


@pytest.mark.parametrize("role", ["anonymous", "no_role", "staff", "other_staff", "moderator"])
def test_permissions_of_every_authoring_url(role, changes, staff_user, other_staff_user, moderator_user, plain_user):
    user = {"anonymous": None, "no_role": plain_user, "staff": staff_user, "other_staff": other_staff_user,
            "moderator": moderator_user}[role]
    client = client_for(user)
    for name, (method, url) in urls_for(changes).items():
        response = getattr(client, method)(url)
        if role == "anonymous":
            expected = 302
        elif role == "no_role":
            expected = 403
        elif role == "other_staff" and name in OWN_PAGES:
            expected = 404
        else:
            expected = SUCCESS.get(name, 200)
        assert response.status_code == expected, (role, name)
        if role == "anonymous":
            assert response["Location"].startswith(reverse("staff:login")), name
        if role == "staff" and name == "change_submit":
            assert response["Location"] == reverse("staff:change_detail", args=[changes["draft"].pk])
    changes["draft"].refresh_from_db()
    assert changes["draft"].state == (State.SUBMITTED if role in ("staff", "moderator") else State.DRAFT)


def test_other_staff_cannot_post_to_someone_elses_change(other_client, changes):
    draft = changes["draft"]
    response = other_client.post(reverse("staff:change_edit", args=[draft.pk]), log_data(save="1"))
    assert response.status_code == 404
    assert other_client.post(reverse("staff:change_submit", args=[draft.pk])).status_code == 404


def test_a_moderator_may_edit_any_open_change(client, moderator_user, changes, authority):
    client.force_login(moderator_user)
    draft = changes["draft"]
    edit_url = reverse("staff:change_edit", args=[draft.pk])
    page = client.get(edit_url).content.decode()
    token = re.search(r'name="expected_history_id" value="(\d+)"', page).group(1)
    data = log_data(actor_link="authority", title="Test Ruling By Moderator", kind="statement", outcome="concerns",
                    authority=str(authority.pk), expected_history_id=token, save="1")
    assert client.post(edit_url, data).status_code == 302
    assert models.Ruling.objects.get(pk=draft.object_id).title_en == "Test Ruling By Moderator"


def test_the_submit_url_refuses_get(staff_client, changes):
    assert staff_client.get(reverse("staff:change_submit", args=[changes["draft"].pk])).status_code == 405


# Query counts --------------------------------------------------------------------------------------------------


def test_log_form_query_count_does_not_grow_with_the_records(staff_client, django_assert_num_queries, authority):
    # Session, user, permissions (2), the drafts the user may see, then one query per type of record listed.
    url = log_url("response")
    for rows in (1, 10):
        for _ in range(rows):
            factories.make_actor()
            factories.make_attempt()
            factories.make_source()
        staff_client.get(url)  # content types are cached from then on
        with django_assert_num_queries(14):
            assert staff_client.get(url).status_code == 200


def test_dashboard_query_count_does_not_grow_with_the_queue(staff_client, staff_user, authority, source):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def dashboard_queries():
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(reverse("staff:dashboard")).status_code == 200
        return len(queries)

    log_ruling(staff_client, staff_user, authority, source, submit=False)
    staff_client.get(reverse("staff:dashboard"))  # content types are cached from then on
    one = dashboard_queries()
    for _ in range(9):
        log_ruling(staff_client, staff_user, authority, source, submit=False)
    assert dashboard_queries() == one == 9


def test_editing_a_draft_shows_its_links_chosen(staff_client, staff_user, source):
    author = factories.make_actor(name="Example Author Chosen")
    staff_client.post(
        log_url("response"),
        log_data(actor_link="authors", title="Test Letter Links", kind="letter", authors=[str(author.pk)],
                 source=source, save="1"),
    )
    change = only_change(staff_user)
    page = staff_client.get(reverse("staff:change_edit", args=[change.pk])).content.decode()
    assert f'<option value="{author.pk}" selected>Example Author Chosen</option>' in page
    assert 'value="Test Letter Links"' in page
    assert "Already cited:" in page and "Example Report Alpha" in page


def test_proposing_an_edit_to_an_actor_has_no_sources(staff_client, staff_user):
    actor = factories.make_actor(name="Example Ministry Old Name")
    url = reverse("staff:propose_edit", args=["actor", actor.pk])
    page = staff_client.get(url).content.decode()
    assert 'name="sources-TOTAL_FORMS"' not in page
    data = propose_page_data(page)
    data.update(name_en="Example Ministry New Name", reason="Test: renamed", save="1")
    assert staff_client.post(url, data).status_code == 302
    assert only_change(staff_user).proposed["fields"] == {"name_en": "Example Ministry New Name"}


def test_in_the_serbian_interface_staff_write_in_serbian_by_default(staff_client, settings):
    actor = factories.make_actor(name_en="Example Ministry", name_sr="Primer ministarstvo")
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sr-cyrl"
    page = staff_client.get(log_url("development")).content.decode()
    assert re.search(r'value="sr"[^>]*checked', page)
    # Options in the reader's script.
    assert f'<option value="{actor.pk}">Пример министарство</option>' in page


def test_slugs_are_made_from_the_title_and_kept_unique(db):
    from staff.slugs import unique_slug

    factories.make_development(slug="test-razvoj")
    factories.make_development(slug="test-razvoj-2")
    assert unique_slug(models.Development, "Тест развој") == "test-razvoj-3"
    assert unique_slug(models.Development, "Đorđe čeka šalter") == "djordje-ceka-salter"
    assert unique_slug(models.Development, "…") == "development"
