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

LEGAL_ADMIN_MODELS = sorted(
    (model for model in admin.site._registry if model._meta.app_label == "legal"), key=lambda model: model.__name__
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
