"""Every write lands in the record's history with who made it and why."""

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from modeltranslation.translator import translator

from legal import models
from legal.services import delete_record, save_record, set_links
from legal.translation import HISTORY_M2M_FIELDS, TRANSLATED_FIELDS
from tests import factories

pytestmark = pytest.mark.django_db


# Derived data rebuilt from the records (the search index): no history by design.
DERIVED_MODEL_NAMES = {"SearchDocument"}
# The review queue is not part of the record: its own history is the private
# moderation log (tests/test_workflow.py).
WORKFLOW_MODEL_NAMES = {"ChangeRequest"}


def domain_models():
    """The legal app's own models: not historical, link or derived tables.

    A new model makes the tests below fail until it has history and a factory,
    or is listed as derived.
    """
    return [
        model
        for model in apps.get_app_config("legal").get_models()
        if not model.__name__.startswith("Historical")
        and not model._meta.auto_created
        and model.__name__ not in DERIVED_MODEL_NAMES | WORKFLOW_MODEL_NAMES
    ]


ALL_MODELS = list(factories.FACTORIES)


def test_factories_cover_every_domain_model():
    assert set(domain_models()) == set(factories.FACTORIES)


@pytest.mark.parametrize("model", domain_models(), ids=lambda model: model.__name__)
def test_every_domain_model_keeps_history(model):
    assert hasattr(model, "history"), f"{model.__name__} has no history"


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda model: model.__name__)
def test_create_is_recorded_with_reason_and_user(model, editor):
    record = factories.FACTORIES[model](reason="Test: first entry", user=editor)
    entries = list(record.history.all())
    assert len(entries) == 1
    created = entries[0]
    assert created.history_type == "+"
    assert (created.history_change_reason, created.history_user) == ("Test: first entry", editor)


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda model: model.__name__)
def test_update_is_recorded_with_reason_and_user(model, editor, superuser):
    record = factories.FACTORIES[model](user=editor)
    field = factories.TEXT_FIELD[model]
    setattr(record, field, "Corrected test text")
    save_record(record, reason="Test: correction", user=superuser)
    latest = record.history.first()
    assert record.history.count() == 2
    assert latest.history_type == "~"
    assert (latest.history_change_reason, latest.history_user) == ("Test: correction", superuser)
    assert getattr(latest, field) == "Corrected test text"
    assert getattr(latest.prev_record, field) != "Corrected test text"


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda model: model.__name__)
def test_delete_is_recorded_with_reason_and_user(model, editor):
    record = factories.FACTORIES[model]()
    pk = record.pk
    delete_record(record, reason="Test: duplicate entry", user=editor)
    assert not model.objects.filter(pk=pk).exists()
    entries = model.history.filter(id=pk)
    assert [entry.history_type for entry in entries] == ["-", "+"]
    deleted = entries.first()
    assert (deleted.history_change_reason, deleted.history_user) == ("Test: duplicate entry", editor)


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_write_without_a_reason_is_refused(reason):
    record = models.Jurisdiction(slug="test-state-without-reason", name="Test State", kind="state")
    with pytest.raises(ValueError, match="needs a reason"):
        save_record(record, reason=reason)
    assert not models.Jurisdiction.objects.filter(slug="test-state-without-reason").exists()
    assert not models.Jurisdiction.history.filter(slug="test-state-without-reason").exists()


def test_an_invalid_write_records_no_history(attempt):
    attempt.follows = attempt
    with pytest.raises(ValidationError):
        save_record(attempt, reason="Test: invalid")
    assert attempt.history.count() == 1


# Many-to-many links -------------------------------------------------------------------

M2M_CASES = [(model, name) for model, names in HISTORY_M2M_FIELDS.items() for name in names]


def link_ids(history_entry, field_name):
    """The target ids in a historical record's snapshot of a link set."""
    field = history_entry.instance_type._meta.get_field(field_name)
    target = field.m2m_reverse_field_name()
    return {getattr(row, f"{target}_id") for row in getattr(history_entry, field_name).all()}


@pytest.mark.parametrize("model, field_name", M2M_CASES, ids=lambda value: getattr(value, "__name__", value))
def test_link_changes_are_recorded_once_per_change_and_snapshotted(model, field_name, editor):
    record = factories.FACTORIES[model]()
    target_model = model._meta.get_field(field_name).related_model
    first, second = factories.FACTORIES[target_model](), factories.FACTORIES[target_model]()
    before = record.history.count()

    assert set_links(record, field_name, [first, second], reason="Test: link both", user=editor) is True
    assert record.history.count() == before + 1
    linked = record.history.first()
    assert (linked.history_change_reason, linked.history_user) == ("Test: link both", editor)
    assert link_ids(linked, field_name) == {first.pk, second.pk}

    assert set_links(record, field_name, [second, first], reason="Test: same set") is False
    assert record.history.count() == before + 1

    assert set_links(record, field_name, [second], reason="Test: unlink one") is True
    assert record.history.count() == before + 2
    assert link_ids(record.history.first(), field_name) == {second.pk}
    # The earlier snapshot is untouched.
    assert link_ids(linked, field_name) == {first.pk, second.pk}
    assert set(getattr(record, field_name).values_list("pk", flat=True)) == {second.pk}


def test_response_authors_change_shows_in_diff(editor):
    response = factories.make_response()
    author = factories.make_actor()
    set_links(response, "authors", [author], reason="Test: add author", user=editor)
    new, old = response.history.all()[:2]
    delta = new.diff_against(old)
    assert "authors" in delta.changed_fields
    change = next(change for change in delta.changes if change.field == "authors")
    assert [row["actor"] for row in change.new] == [author.pk]
    assert change.old == []


def test_attempt_instruments_links_are_recorded(attempt, instrument):
    set_links(attempt, "instruments", [instrument], reason="Test: group texts")
    latest = attempt.history.first()
    assert latest.history_change_reason == "Test: group texts"
    assert [row.instrument for row in latest.instruments.all()] == [instrument]


def test_clearing_links_is_recorded(attempt, instrument):
    set_links(attempt, "instruments", [instrument], reason="Test: group texts")
    set_links(attempt, "instruments", [], reason="Test: ungroup")
    latest = attempt.history.first()
    assert latest.history_change_reason == "Test: ungroup"
    assert list(latest.instruments.all()) == []


# Translated fields --------------------------------------------------------------------


@pytest.mark.parametrize("model", list(TRANSLATED_FIELDS), ids=lambda model: model.__name__)
def test_every_translated_field_is_in_history_in_both_languages(model):
    history_fields = {field.name for field in model.history.model._meta.fields}
    for name in translator.get_options_for_model(model).fields:
        assert {f"{name}_en", f"{name}_sr"} <= history_fields, name


def test_translated_values_are_recorded_in_history():
    instrument = factories.make_instrument(title_en="Example Draft Law", title_sr="Primer nacrta zakona")
    recorded = instrument.history.first()
    assert (recorded.title_en, recorded.title_sr) == ("Example Draft Law", "Primer nacrta zakona")


def test_diff_against_shows_the_changed_translated_field():
    instrument = factories.make_instrument(title_en="Example Draft Law", title_sr="Primer nacrta zakona")
    instrument.title_sr = "Ispravljen primer nacrta zakona"
    save_record(instrument, reason="Test: Serbian title corrected")
    new, old = instrument.history.all()[:2]
    delta = new.diff_against(old)
    assert delta.changed_fields == ["title_sr"]
    (change,) = delta.changes
    assert (change.old, change.new) == ("Primer nacrta zakona", "Ispravljen primer nacrta zakona")


def test_diff_against_shows_a_field_set_in_the_active_language(editor):
    development = factories.make_development()
    development.summary = "Test summary"  # English is active: this writes summary_en
    save_record(development, reason="Test: summary", user=editor)
    new, old = development.history.all()[:2]
    delta = new.diff_against(old)
    assert "summary_en" in delta.changed_fields
    assert "summary_sr" not in delta.changed_fields
    assert new.summary_en == "Test summary"


def test_diff_against_shows_a_changed_date():
    development = factories.make_development()
    development.date = development.date.replace(year=2018)
    save_record(development, reason="Test: earlier year")
    new, old = development.history.all()[:2]
    assert new.diff_against(old).changed_fields == ["date"]


def test_updated_at_is_not_tracked():
    instrument = factories.make_instrument()
    assert "updated_at" not in {field.name for field in instrument.history.model._meta.fields}
    save_record(instrument, reason="Test: save without change")
    new, old = instrument.history.all()[:2]
    assert new.diff_against(old).changed_fields == []
