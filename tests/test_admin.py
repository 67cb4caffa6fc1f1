"""The moderators' admin: every model's pages work, and every change carries a reason into history."""

import pytest
from django import forms
from django.contrib import admin
from django.urls import reverse
from modeltranslation.translator import NotRegistered, translator

from legal import models
from legal.services import save_record
from tests import factories

pytestmark = pytest.mark.django_db

# The records; the review log (``ChangeRequest``) has its own, read-only admin, tested below.
LEGAL_ADMIN_MODELS = sorted(
    (
        model
        for model in admin.site._registry
        if model._meta.app_label == "legal" and model is not models.ChangeRequest
    ),
    key=lambda model: model.__name__,
)
by_name = {"ids": lambda model: model.__name__}


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def form_field_name(model, name):
    """The admin form shows a translated field once per language; English is the default one."""
    try:
        translated = name in translator.get_options_for_model(model).fields
    except NotRegistered:
        translated = False
    return f"{name}_en" if translated else name


def resubmitted(response):
    """POST data that sends the rendered change form back as it is (main form and inlines)."""
    data = {}

    def add(form):
        for bound in form:
            if isinstance(bound.field, forms.FileField):
                continue
            value = bound.value()
            if isinstance(bound.field.widget, forms.CheckboxInput):
                if value:
                    data[bound.html_name] = "on"
            elif value is None:
                data[bound.html_name] = ""
            elif isinstance(value, (list, tuple)):
                data[bound.html_name] = [str(getattr(item, "pk", item)) for item in value]
            else:
                data[bound.html_name] = str(getattr(value, "pk", value))

    add(response.context["adminform"].form)
    for inline in response.context.get("inline_admin_formsets", []):
        for bound in inline.formset.management_form:
            data[bound.html_name] = bound.value()
        for form in inline.formset.forms:
            add(form)
    return data


def test_every_legal_model_is_in_the_admin():
    assert set(LEGAL_ADMIN_MODELS) == set(factories.FACTORIES)


def test_the_admin_requires_a_login(client):
    model = LEGAL_ADMIN_MODELS[0]
    response = client.get(admin_url(model, "changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


@pytest.mark.parametrize("model", LEGAL_ADMIN_MODELS, **by_name)
def test_changelist_lists_the_record(superuser_client, model):
    record = factories.FACTORIES[model]()
    response = superuser_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    assert record in response.context["cl"].result_list


@pytest.mark.parametrize("model", LEGAL_ADMIN_MODELS, **by_name)
def test_changelist_search_finds_the_record(superuser_client, model):
    make = factories.FACTORIES[model]
    wanted = make(**{factories.TEXT_FIELD[model]: "Text with the word Quokkaword in it"})
    make()
    response = superuser_client.get(admin_url(model, "changelist"), {"q": "quokkaword"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [wanted]
    nothing = superuser_client.get(admin_url(model, "changelist"), {"q": "no-such-record-anywhere"})
    assert nothing.status_code == 200
    assert nothing.context["cl"].result_count == 0


@pytest.mark.parametrize("model", LEGAL_ADMIN_MODELS, **by_name)
def test_add_page_renders(superuser_client, model):
    response = superuser_client.get(admin_url(model, "add"))
    assert response.status_code == 200
    assert "change_reason" in response.context["adminform"].form.fields


@pytest.mark.parametrize("model", LEGAL_ADMIN_MODELS, **by_name)
def test_change_page_renders(superuser_client, model):
    record = factories.FACTORIES[model]()
    response = superuser_client.get(admin_url(model, "change", record.pk))
    assert response.status_code == 200
    assert response.context["original"] == record


@pytest.mark.parametrize("model", LEGAL_ADMIN_MODELS, **by_name)
def test_history_page_shows_the_change_reason(superuser_client, model, superuser):
    record = factories.FACTORIES[model](reason="Test: first entry")
    setattr(record, factories.TEXT_FIELD[model], "Corrected test text")
    save_record(record, reason="Test: corrected a typo", user=superuser)
    response = superuser_client.get(admin_url(model, "history", record.pk))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Test: corrected a typo" in content
    assert "Test: first entry" in content


@pytest.mark.parametrize("model", LEGAL_ADMIN_MODELS, **by_name)
def test_change_without_a_reason_is_refused(superuser_client, model):
    record = factories.FACTORIES[model]()
    url = admin_url(model, "change", record.pk)
    data = resubmitted(superuser_client.get(url))
    field = factories.TEXT_FIELD[model]
    data[form_field_name(model, field)] = "Changed in the admin"
    data["change_reason"] = "  "

    response = superuser_client.post(url, data)

    assert response.status_code == 200
    assert "Say briefly why" in " ".join(response.context["adminform"].form.errors["change_reason"])
    record.refresh_from_db()
    assert getattr(record, field) != "Changed in the admin"
    assert record.history.count() == 1


@pytest.mark.parametrize("model", LEGAL_ADMIN_MODELS, **by_name)
def test_change_with_a_reason_is_saved_and_the_reason_lands_in_history(superuser_client, model, superuser):
    record = factories.FACTORIES[model]()
    url = admin_url(model, "change", record.pk)
    data = resubmitted(superuser_client.get(url))
    field = factories.TEXT_FIELD[model]
    data[form_field_name(model, field)] = "Changed in the admin"
    data["change_reason"] = "Test: wording checked against the source"

    response = superuser_client.post(url, data)

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    record.refresh_from_db()
    assert getattr(record, field) == "Changed in the admin"
    latest = record.history.first()
    assert (latest.history_type, latest.history_change_reason, latest.history_user) == (
        "~",
        "Test: wording checked against the source",
        superuser,
    )
    history_page = superuser_client.get(admin_url(model, "history", record.pk))
    assert "Test: wording checked against the source" in history_page.content.decode()


def test_unchanged_resubmission_needs_no_reason(superuser_client):
    record = factories.make_jurisdiction()
    url = admin_url(type(record), "change", record.pk)
    data = resubmitted(superuser_client.get(url))
    data["change_reason"] = ""
    response = superuser_client.post(url, data)
    assert response.status_code == 302


def test_adding_in_the_admin_records_the_default_reason(superuser_client, superuser):
    response = superuser_client.post(
        reverse("admin:legal_jurisdiction_add"),
        {"slug": "test-state-added", "name_en": "Test State Added", "name_sr": "", "kind": "state", "code": ""},
    )
    assert response.status_code == 302
    created = models.Jurisdiction.objects.get(slug="test-state-added")
    entry = created.history.get()
    assert (entry.history_type, entry.history_change_reason, entry.history_user) == (
        "+",
        "Created in the admin panel",
        superuser,
    )


# Reverting from history is disabled -------------------------------------------------------


def test_revert_is_disabled_in_settings(settings):
    assert settings.SIMPLE_HISTORY_REVERT_DISABLED is True


@pytest.mark.parametrize("model", LEGAL_ADMIN_MODELS, **by_name)
def test_old_version_can_be_viewed_but_offers_no_revert(superuser_client, model):
    record = factories.FACTORIES[model]()
    version = record.history.first()
    response = superuser_client.get(admin_url(model, "simple_history", record.pk, version.history_id))
    assert response.status_code == 200
    assert response.context["revert_disabled"] is True
    content = response.content.decode()
    assert 'value="Revert"' not in content
    assert "Press the &#x27;Revert&#x27; button" not in content and "Press the 'Revert' button" not in content


@pytest.mark.parametrize("model", LEGAL_ADMIN_MODELS, **by_name)
def test_posting_to_an_old_version_does_not_revert(superuser_client, model):
    record = factories.FACTORIES[model]()
    field = factories.TEXT_FIELD[model]
    old_version = record.history.first()
    old_value = getattr(record, field)
    setattr(record, field, "Current test text")
    save_record(record, reason="Test: current wording")
    url = admin_url(model, "simple_history", record.pk, old_version.history_id)
    data = resubmitted(superuser_client.get(url))
    assert data[form_field_name(model, field)] == old_value
    data["change_reason"] = "Test: try to revert"

    response = superuser_client.post(url, data)

    assert response.status_code == 403
    record.refresh_from_db()
    assert getattr(record, field) == "Current test text"
    assert record.history.count() == 2
    assert not record.history.filter(history_change_reason="Test: try to revert").exists()


@pytest.mark.django_db
def test_a_malformed_history_address_is_not_found_rather_than_an_error(superuser_client):
    attempt = factories.make_attempt()
    response = superuser_client.get(f"/admin/legal/legislativeattempt/{attempt.pk}/change/history/")
    assert response.status_code == 404


# Moderation in the admin -------------------------------------------------------------------

PUBLISHABLE_ADMIN_MODELS = [model for model in LEGAL_ADMIN_MODELS if issubclass(model, models.Publishable)]


def test_moderators_can_use_the_admin(moderator_client):
    assert moderator_client.get(reverse("admin:index")).status_code == 200


def test_the_admin_index_leads_to_the_review_queue(moderator_client, staff_user):
    factories.make_ruling(visibility=models.Visibility.DRAFT)
    response = moderator_client.get(reverse("admin:index"))
    html = response.content.decode()
    assert f'href="{reverse("staff:review_queue")}"' in html
    assert "0 submissions await review." in html


@pytest.mark.parametrize("model", PUBLISHABLE_ADMIN_MODELS, **by_name)
def test_changelist_lists_drafts_and_removed_records_with_their_visibility(moderator_client, model):
    make = factories.FACTORIES[model]
    published = make()
    draft = make(visibility=models.Visibility.DRAFT)
    url = admin_url(model, "changelist")

    response = moderator_client.get(url)

    assert response.status_code == 200
    assert {published, draft} <= set(response.context["cl"].result_list)
    assert "visibility" in response.context["cl"].list_display
    assert "Not yet published" in response.content.decode()
    only_drafts = moderator_client.get(url, {"visibility__exact": "draft"})
    assert list(only_drafts.context["cl"].result_list) == [draft]


@pytest.mark.parametrize("model", PUBLISHABLE_ADMIN_MODELS, **by_name)
def test_the_admin_offers_no_hard_delete_of_public_records(superuser, moderator_user, model):
    from django.test import Client

    record = factories.FACTORIES[model]()
    for user in (superuser, moderator_user):
        browser = Client()
        browser.force_login(user)
        change_page = browser.get(admin_url(model, "change", record.pk))
        assert change_page.status_code == 200
        assert admin_url(model, "delete", record.pk) not in change_page.content.decode()
        assert change_page.context["has_delete_permission"] is False
        changelist = browser.get(admin_url(model, "changelist"))
        assert "delete_selected" not in changelist.content.decode()
        assert browser.post(admin_url(model, "delete", record.pk), {"post": "yes"}).status_code == 403
        assert type(record).objects.filter(pk=record.pk).exists()


@pytest.mark.parametrize("model", PUBLISHABLE_ADMIN_MODELS, **by_name)
def test_the_change_form_links_to_the_private_history_and_the_review_queue(moderator_client, model):
    record = factories.FACTORIES[model]()
    html = moderator_client.get(admin_url(model, "change", record.pk)).content.decode()
    history = reverse("staff:record_history", kwargs={"type": model._meta.model_name, "pk": record.pk})
    assert f'href="{history}"' in html
    assert f'href="{reverse("staff:review_queue")}"' in html


def test_visibility_is_shown_but_cannot_be_changed_in_the_admin(moderator_client):
    record = factories.make_ruling()
    url = admin_url(models.Ruling, "change", record.pk)
    response = moderator_client.get(url)
    assert "visibility" not in response.context["adminform"].form.fields
    assert "visibility" in response.context["adminform"].readonly_fields
    data = resubmitted(response)
    data.update(visibility="deleted", title_en="Test Ruling Renamed", change_reason="Test: renamed")
    assert moderator_client.post(url, data).status_code == 302
    record.refresh_from_db()
    assert (record.title_en, record.visibility) == ("Test Ruling Renamed", models.Visibility.PUBLISHED)


def test_inline_publishable_rows_cannot_be_deleted(moderator_client):
    attempt = factories.make_attempt()
    factories.make_event(attempt=attempt)
    response = moderator_client.get(admin_url(models.LegislativeAttempt, "change", attempt.pk))
    inlines = response.context["inline_admin_formsets"]
    events = next(inline for inline in inlines if inline.formset.model is models.LifecycleEvent)
    assert events.formset.can_delete is False


def test_an_open_proposal_is_announced_on_the_change_form(moderator_client, staff_user):
    from legal import workflow

    ruling = factories.make_ruling()
    edited = models.Ruling.objects.get(pk=ruling.pk)
    edited.title_en = "Test Ruling Proposed Title"
    change = workflow.propose_edit(
        ruling, user=staff_user, values=workflow.values_from_instance(edited),
        base_history_id=workflow.latest_history_id(ruling), submit=True,
    )
    html = moderator_client.get(admin_url(models.Ruling, "change", ruling.pk)).content.decode()
    assert f'href="{reverse("staff:review", args=[change.pk])}"' in html


# Two moderators editing at once ---------------------------------------------------------------


def test_a_stale_admin_form_is_refused_naming_the_other_change_and_keeping_the_input(client, moderator_user, superuser):
    from django.test import Client

    record = factories.make_ruling(title="Test Ruling Original", summary="Test summary original")
    url = admin_url(models.Ruling, "change", record.pk)
    first, second = Client(), Client()
    first.force_login(superuser)
    second.force_login(moderator_user)
    first_data = resubmitted(first.get(url))
    second_data = resubmitted(second.get(url))

    first_data.update(title_en="Test Ruling By The First", change_reason="Test: first moderator's correction")
    assert first.post(url, first_data).status_code == 302

    second_data.update(summary_en="Test summary by the second", change_reason="Test: second moderator's correction")
    response = second.post(url, second_data)

    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.non_field_errors())
    assert "Someone else saved this record" in errors
    assert "Title" in errors and "Test Ruling Original" in errors and "Test Ruling By The First" in errors
    form = response.context["adminform"].form
    assert form["summary_en"].value() == "Test summary by the second"
    assert form["change_reason"].value() == "Test: second moderator's correction"
    record.refresh_from_db()
    assert (record.title_en, record.summary_en) == ("Test Ruling By The First", "Test summary original")
    assert not record.history.filter(history_change_reason="Test: second moderator's correction").exists()

    # Having seen the other change, the second moderator saves deliberately, on top of it.
    again = resubmitted(response)
    again["title_en"] = "Test Ruling By The First"
    assert second.post(url, again).status_code == 302
    record.refresh_from_db()
    assert (record.title_en, record.summary_en) == ("Test Ruling By The First", "Test summary by the second")


def test_a_change_by_a_moderation_action_also_makes_the_form_stale(moderator_client, moderator_user):
    from legal import workflow

    record = factories.make_actor()
    url = admin_url(models.Actor, "change", record.pk)
    data = resubmitted(moderator_client.get(url))
    workflow.remove_record(record, user=moderator_user, reason="Test: removed")
    data.update(name_en="Example Ministry Renamed", change_reason="Test: renamed")

    response = moderator_client.post(url, data)

    assert response.status_code == 200
    assert "Someone else saved this record" in " ".join(response.context["adminform"].form.non_field_errors())


# A published record links to published records only ---------------------------------------


def test_a_published_record_cannot_be_linked_to_a_draft_in_the_admin(moderator_client):
    record = factories.make_ruling()
    draft_attempt = factories.make_attempt(title="Test Attempt Hidden", visibility=models.Visibility.DRAFT)
    draft_authority = factories.make_supervisory_authority(
        name="Test Authority Hidden", visibility=models.Visibility.DRAFT
    )
    url = admin_url(models.Ruling, "change", record.pk)
    data = resubmitted(moderator_client.get(url))
    data.update(
        attempts=[str(draft_attempt.pk)], authority=str(draft_authority.pk), title_en="Test Ruling Typed",
        change_reason="Test: linked",
    )

    response = moderator_client.post(url, data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "Test Attempt Hidden" in " ".join(errors["attempts"])
    assert "Test Authority Hidden" in " ".join(errors["authority"])
    assert response.context["adminform"].form["title_en"].value() == "Test Ruling Typed"
    record.refresh_from_db()
    assert not record.attempts.exists()


def test_a_draft_may_link_to_drafts_in_the_admin(moderator_client):
    record = factories.make_ruling(visibility=models.Visibility.DRAFT)
    draft_attempt = factories.make_attempt(visibility=models.Visibility.DRAFT)
    url = admin_url(models.Ruling, "change", record.pk)
    data = resubmitted(moderator_client.get(url))
    data.update(attempts=[str(draft_attempt.pk)], change_reason="Test: linked")
    assert moderator_client.post(url, data).status_code == 302
    assert list(record.attempts.all()) == [draft_attempt]


def test_an_inline_citation_of_a_draft_source_is_refused_on_a_published_record(moderator_client):
    record = factories.make_development()
    source = factories.make_source(title="Example Report Hidden", visibility=models.Visibility.DRAFT)
    url = admin_url(models.Development, "change", record.pk)
    data = resubmitted(moderator_client.get(url))
    prefix = "legal-citation-content_type-object_id"
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-0-source": str(source.pk),
            f"{prefix}-0-aspect": "general",
            f"{prefix}-0-reliability": "B",
            f"{prefix}-0-credibility": "2",
            "change_reason": "Test: cited",
        }
    )

    response = moderator_client.post(url, data)

    assert response.status_code == 200
    assert "Example Report Hidden" in response.content.decode()
    assert not record.citations.exists()


def test_a_new_published_event_cannot_hang_under_a_draft_attempt(moderator_client):
    attempt = factories.make_attempt(visibility=models.Visibility.DRAFT)
    url = admin_url(models.LegislativeAttempt, "change", attempt.pk)
    data = resubmitted(moderator_client.get(url))
    prefix = "events"
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-0-kind": "announced",
            f"{prefix}-0-date": "2021-01-01",
            f"{prefix}-0-date_precision": "year",
            f"{prefix}-0-attempt": str(attempt.pk),
            "change_reason": "Test: event added",
        }
    )
    response = moderator_client.post(url, data)
    assert response.status_code == 200
    assert "This record is not published" in response.content.decode()
    assert not models.LifecycleEvent.objects.filter(attempt=attempt).exists()


# The review log in the admin ----------------------------------------------------------------


def test_change_requests_are_listed_read_only_and_lead_to_the_review_page(moderator_client, staff_user):
    from legal import workflow

    ruling = factories.make_ruling()
    edited = models.Ruling.objects.get(pk=ruling.pk)
    edited.title_en = "Test Ruling Proposed"
    change = workflow.propose_edit(
        ruling, user=staff_user, values=workflow.values_from_instance(edited),
        base_history_id=workflow.latest_history_id(ruling), submit=True,
    )
    changelist = moderator_client.get(admin_url(models.ChangeRequest, "changelist"))
    assert changelist.status_code == 200
    assert list(changelist.context["cl"].result_list) == [change]
    html = changelist.content.decode()
    assert f'href="{reverse("staff:review", args=[change.pk])}"' in html
    assert "test-staff" in html
    assert admin_url(models.ChangeRequest, "add") not in html
    assert "delete_selected" not in html
    filtered = moderator_client.get(admin_url(models.ChangeRequest, "changelist"), {"state__exact": "published"})
    assert filtered.context["cl"].result_count == 0

    assert moderator_client.get(admin_url(models.ChangeRequest, "add")).status_code == 403
    opened = moderator_client.get(admin_url(models.ChangeRequest, "change", change.pk))
    assert opened.status_code == 302 and opened["Location"] == reverse("staff:review", args=[change.pk])
    deleting = moderator_client.post(admin_url(models.ChangeRequest, "delete", change.pk), {"post": "yes"})
    assert deleting.status_code == 403
    changing = moderator_client.post(admin_url(models.ChangeRequest, "change", change.pk), {"state": "published"})
    assert changing.status_code == 302
    change.refresh_from_db()
    assert change.state == models.ChangeRequest.State.SUBMITTED


def test_staff_members_have_no_admin(staff_client):
    response = staff_client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
