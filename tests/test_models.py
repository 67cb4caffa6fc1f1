"""Model invariants: each is enforced by the database (clean() bypassed) and
explained by clean() with a message on the field the editor must fix."""

import datetime
from contextlib import contextmanager

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.test import override_settings

from legal import models
from legal.dates import DatePrecision, Season
from legal.models.sources import sha256_of
from legal.services import save_record
from tests import factories

pytestmark = pytest.mark.django_db

D = datetime.date
Role = models.Actor.Role
EventKind = models.LifecycleEvent.Kind


@contextmanager
def refused_by_database():
    """The statement inside must fail with IntegrityError; the savepoint keeps the test's transaction usable."""
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            yield


def clean_errors(instance):
    """The message dict of the ValidationError raised by ``full_clean()``."""
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    return caught.value.message_dict


def messages(errors, field):
    return " ".join(errors.get(field, []))


# Fuzzy dates on every dated model -------------------------------------------------

DATED_FACTORIES = {
    model: factory for model, factory in factories.FACTORIES.items() if issubclass(model, models.FuzzyDated)
}


def test_every_fuzzy_dated_model_is_covered():
    assert set(DATED_FACTORIES) == {
        models.Source,
        models.InstrumentVersion,
        models.LifecycleEvent,
        models.DPIASubmission,
        models.Ruling,
        models.Response,
        models.Development,
    }


@pytest.fixture(params=list(DATED_FACTORIES), ids=lambda model: model.__name__)
def dated(request):
    """A saved, valid record of each model with a fuzzy date."""
    return DATED_FACTORIES[request.param]()


def set_date(record, date=None, precision=DatePrecision.DAY, season="", end=None):
    record.date, record.date_precision, record.date_season, record.date_end = date, precision, season, end


def test_database_refuses_unknown_precision_with_a_date(dated):
    set_date(dated, D(2020, 1, 1), DatePrecision.UNKNOWN)
    with refused_by_database():
        dated.save()


def test_database_refuses_unknown_precision_with_a_range_end(dated):
    set_date(dated, None, DatePrecision.UNKNOWN, end=D(2021, 1, 1))
    with refused_by_database():
        dated.save()


def test_database_refuses_known_precision_without_a_date(dated):
    set_date(dated, None, DatePrecision.YEAR)
    with refused_by_database():
        dated.save()


def test_database_refuses_season_precision_without_a_season(dated):
    set_date(dated, D(2020, 6, 1), DatePrecision.SEASON, season="")
    with refused_by_database():
        dated.save()


def test_database_refuses_a_season_for_other_precisions(dated):
    set_date(dated, D(2020, 6, 1), DatePrecision.MONTH, season=Season.SUMMER)
    with refused_by_database():
        dated.save()


@pytest.mark.parametrize("end", [D(2019, 1, 1), D(2020, 1, 1)], ids=["before", "same"])
def test_database_refuses_range_end_not_after_start(dated, end):
    set_date(dated, D(2020, 1, 1), DatePrecision.YEAR, end=end)
    with refused_by_database():
        dated.save()


@pytest.mark.parametrize(
    "date, precision, season",
    [
        (D(2020, 3, 15), DatePrecision.MONTH, ""),
        (D(2020, 3, 1), DatePrecision.YEAR, ""),
        (D(2020, 7, 1), DatePrecision.SEASON, Season.SUMMER),
        (D(2021, 1, 1), DatePrecision.SEASON, Season.WINTER),
    ],
    ids=["month-mid-month", "year-in-march", "summer-in-july", "winter-in-january"],
)
def test_database_refuses_a_date_that_is_not_the_start_of_its_period(dated, date, precision, season):
    set_date(dated, date, precision, season)
    with refused_by_database():
        dated.save()


def test_database_accepts_well_formed_fuzzy_dates(dated):
    for date, precision, season, end in [
        (D(2020, 3, 15), DatePrecision.DAY, "", None),
        (D(2020, 3, 1), DatePrecision.MONTH, "", D(2020, 5, 1)),
        (D(2020, 12, 1), DatePrecision.SEASON, Season.WINTER, None),
        (D(2020, 1, 1), DatePrecision.YEAR, "", D(2021, 1, 1)),
        (None, DatePrecision.UNKNOWN, "", None),
    ]:
        set_date(dated, date, precision, season, end)
        dated.save()
        dated.refresh_from_db()
        assert (dated.date, dated.date_precision) == (date, precision)


def test_clean_asks_to_empty_the_date_when_precision_is_unknown(dated):
    set_date(dated, D(2020, 1, 1), DatePrecision.UNKNOWN)
    assert "leave the date empty" in messages(clean_errors(dated), "date")


def test_clean_asks_for_a_date_when_precision_is_known(dated):
    set_date(dated, None, DatePrecision.MONTH)
    assert "Give the date" in messages(clean_errors(dated), "date")


def test_clean_asks_for_the_season(dated):
    set_date(dated, D(2020, 6, 1), DatePrecision.SEASON)
    assert "Choose the season" in messages(clean_errors(dated), "date_season")


def test_clean_refuses_a_season_for_other_precisions(dated):
    set_date(dated, D(2020, 6, 1), DatePrecision.YEAR, season=Season.SUMMER)
    assert "only given when the precision" in messages(clean_errors(dated), "date_season")


def test_clean_refuses_a_range_ending_before_it_starts(dated):
    set_date(dated, D(2020, 1, 1), DatePrecision.YEAR, end=D(2019, 1, 1))
    assert "must come after its start" in messages(clean_errors(dated), "date_end")


def test_clean_refuses_a_range_ending_in_the_same_period(dated):
    # March 10 and March 20 are the same month: not a range at month precision.
    set_date(dated, D(2020, 3, 10), DatePrecision.MONTH, end=D(2020, 3, 20))
    assert "must come after its start" in messages(clean_errors(dated), "date_end")


@pytest.mark.parametrize(
    "date, precision, season, stored",
    [
        (D(2020, 3, 15), DatePrecision.MONTH, "", D(2020, 3, 1)),
        (D(2020, 3, 15), DatePrecision.YEAR, "", D(2020, 1, 1)),
        (D(2020, 7, 15), DatePrecision.SEASON, Season.SUMMER, D(2020, 6, 1)),
    ],
)
def test_saving_through_the_service_normalises_the_date_to_its_period_start(dated, date, precision, season, stored):
    set_date(dated, date, precision, season)
    save_record(dated, reason="Test: coarser date")
    dated.refresh_from_db()
    assert dated.date == stored
    assert str(stored.day) not in dated.date_display.replace(str(stored.year), "")


def test_fuzzy_date_property_round_trips(dated):
    set_date(dated, D(2014, 6, 1), DatePrecision.SEASON, Season.SUMMER)
    dated.date_approximate = True
    fuzzy = dated.fuzzy_date
    assert (fuzzy.date, fuzzy.precision, fuzzy.season, fuzzy.approximate) == (
        D(2014, 6, 1),
        DatePrecision.SEASON,
        Season.SUMMER,
        True,
    )
    assert dated.date_display == "c. summer 2014"


# Slugs ------------------------------------------------------------------------------

SLUGGED_FACTORIES = {
    model: factory
    for model, factory in factories.FACTORIES.items()
    if any(field.name == "slug" for field in model._meta.fields)
}


@pytest.fixture(params=list(SLUGGED_FACTORIES), ids=lambda model: model.__name__)
def slugged_pair(request):
    factory = SLUGGED_FACTORIES[request.param]
    return factory(), factory()


def test_database_refuses_a_duplicate_slug(slugged_pair):
    first, second = slugged_pair
    second.slug = first.slug
    with refused_by_database():
        second.save()


def test_clean_reports_a_duplicate_slug_on_the_slug_field(slugged_pair):
    first, second = slugged_pair
    second.slug = first.slug
    assert "already exists" in messages(clean_errors(second), "slug")


# Jurisdictions and actors ----------------------------------------------------------


def test_jurisdiction_cannot_be_part_of_itself(jurisdiction):
    jurisdiction.parent_id = jurisdiction.pk
    assert "part of itself" in messages(clean_errors(jurisdiction), "parent")
    with refused_by_database():
        jurisdiction.save()


def test_region_can_be_part_of_a_state(jurisdiction):
    region = factories.make_jurisdiction(kind=models.Jurisdiction.Kind.SUBNATIONAL, parent=jurisdiction)
    assert list(jurisdiction.children.all()) == [region]


def test_actor_cannot_be_affiliated_with_itself(controller):
    controller.affiliation_id = controller.pk
    assert "affiliated with itself" in messages(clean_errors(controller), "affiliation")
    with refused_by_database():
        controller.save()


def test_person_is_affiliated_with_an_organisation(controller):
    person = factories.make_actor(kind=models.Actor.Kind.PERSON, role=Role.EXECUTIVE, affiliation=controller)
    assert list(controller.members.all()) == [person]


def test_only_the_supervisory_role_counts_as_supervisory_authority(authority, controller):
    assert authority.is_supervisory_authority
    assert not controller.is_supervisory_authority


# Supervisory authority guard (database triggers) -----------------------------------


def test_database_refuses_a_ruling_by_an_actor_who_is_not_a_supervisory_authority(controller):
    with refused_by_database():
        models.Ruling.objects.create(
            slug="test-ruling-by-ministry",
            title="Test ruling by a ministry",
            kind=models.Ruling.Kind.STATEMENT,
            outcome=models.Ruling.Outcome.CONCERNS,
            authority=controller,
            date=D(2020, 1, 1),
        )
    assert not models.Ruling.objects.exists()


def test_database_refuses_a_dpia_submitted_to_an_actor_who_is_not_a_supervisory_authority(controller, system):
    other = factories.make_actor()
    with refused_by_database():
        models.DPIASubmission.objects.create(
            slug="test-dpia-to-ministry",
            title="Test DPIA to a ministry",
            controller=controller,
            authority=other,
            system=system,
            date=D(2020, 1, 1),
        )
    assert not models.DPIASubmission.objects.exists()


def test_database_accepts_a_ruling_by_a_supervisory_authority(authority):
    ruling = models.Ruling.objects.create(
        slug="test-ruling-by-authority",
        title="Test ruling by an authority",
        kind=models.Ruling.Kind.STATEMENT,
        outcome=models.Ruling.Outcome.CONCERNS,
        authority=authority,
        date=D(2020, 1, 1),
    )
    assert ruling.pk


def test_database_refuses_moving_a_ruling_to_an_actor_who_is_not_a_supervisory_authority(authority, controller):
    ruling = factories.make_ruling(authority=authority)
    ruling.authority = controller
    with refused_by_database():
        ruling.save()
    ruling.refresh_from_db()
    assert ruling.authority == authority


def test_database_refuses_moving_a_dpia_to_an_actor_who_is_not_a_supervisory_authority(dpia):
    dpia.authority = factories.make_actor()
    with refused_by_database():
        dpia.save()


@pytest.mark.parametrize("referenced_by", ["ruling", "dpia"])
def test_database_refuses_changing_the_role_of_a_referenced_authority(authority, referenced_by):
    if referenced_by == "ruling":
        factories.make_ruling(authority=authority)
    else:
        factories.make_dpia(authority=authority)
    authority.role = Role.GOVERNMENT
    with refused_by_database():
        authority.save()
    # Even a bulk update, which bypasses the model entirely.
    with refused_by_database():
        models.Actor.objects.filter(pk=authority.pk).update(role=Role.OTHER)
    authority.refresh_from_db()
    assert authority.role == Role.SUPERVISORY_AUTHORITY


def test_database_allows_changing_the_role_of_an_unreferenced_authority(authority):
    authority.role = Role.GOVERNMENT
    authority.save()
    authority.refresh_from_db()
    assert authority.role == Role.GOVERNMENT


def test_clean_refuses_a_ruling_by_an_actor_who_is_not_a_supervisory_authority(controller):
    ruling = models.Ruling(
        slug="test-ruling",
        title="Test ruling",
        kind=models.Ruling.Kind.STATEMENT,
        outcome=models.Ruling.Outcome.CONCERNS,
        authority=controller,
        date=D(2020, 1, 1),
    )
    assert "is not a supervisory authority" in messages(clean_errors(ruling), "authority")


def test_clean_refuses_a_dpia_submitted_to_an_actor_who_is_not_a_supervisory_authority(controller, system):
    dpia = models.DPIASubmission(
        slug="test-dpia",
        title="Test DPIA",
        controller=controller,
        authority=factories.make_actor(),
        system=system,
        date=D(2020, 1, 1),
    )
    assert "is not a supervisory authority" in messages(clean_errors(dpia), "authority")


def test_clean_refuses_changing_the_role_of_a_referenced_authority(dpia):
    authority = dpia.authority
    authority.role = Role.GOVERNMENT
    assert "role cannot change" in messages(clean_errors(authority), "role")


# Sources ----------------------------------------------------------------------------


def test_database_refuses_a_fingerprint_without_a_file():
    source = factories.make_source()
    source.sha256 = "0" * 64
    with refused_by_database():
        source.save()


def test_database_refuses_a_file_without_a_fingerprint():
    source = factories.make_source()
    source.file = "sources/2020/test-report.pdf"
    with refused_by_database():
        source.save()


def test_saving_a_source_with_a_file_stores_its_fingerprint():
    content = b"%PDF-1.4 synthetic test document"
    source = factories.make_source(file=SimpleUploadedFile("test-report.pdf", content))
    source.refresh_from_db()
    assert source.file.name.endswith(".pdf")
    assert source.sha256 == sha256_of(SimpleUploadedFile("copy.pdf", content))
    with source.file.open("rb") as stored:
        assert stored.read() == content


def test_replacing_a_source_file_updates_its_fingerprint():
    source = factories.make_source(file=SimpleUploadedFile("first.pdf", b"first synthetic text"))
    old = source.sha256
    source.file = SimpleUploadedFile("second.pdf", b"second synthetic text")
    save_record(source, reason="Test: newer copy")
    source.refresh_from_db()
    assert source.sha256 not in ("", old)
    assert source.sha256 == sha256_of(SimpleUploadedFile("copy.pdf", b"second synthetic text"))


def test_removing_a_source_file_clears_its_fingerprint():
    source = factories.make_source(file=SimpleUploadedFile("first.pdf", b"synthetic text"))
    source.file = ""
    save_record(source, reason="Test: file withdrawn")
    source.refresh_from_db()
    assert (source.file.name, source.sha256) == ("", "")


@pytest.mark.parametrize("name", ["payload.exe", "script.js", "no-extension"])
def test_clean_rejects_a_source_file_of_a_wrong_type(name):
    source = models.Source(slug="test-file", title="Test file", kind=models.Source.Kind.OTHER, date=D(2020, 1, 1))
    source.file = SimpleUploadedFile(name, b"synthetic")
    assert "are not accepted" in messages(clean_errors(source), "file")


@override_settings(SOURCE_FILE_MAX_BYTES=10)
def test_clean_rejects_an_oversized_source_file():
    source = models.Source(slug="test-file", title="Test file", kind=models.Source.Kind.OTHER, date=D(2020, 1, 1))
    source.file = SimpleUploadedFile("big.pdf", b"x" * 11)
    assert "the largest accepted is 10\xa0bytes" in messages(clean_errors(source), "file")


@override_settings(SOURCE_FILE_MAX_BYTES=10)
def test_clean_accepts_a_source_file_at_the_size_limit():
    source = models.Source(slug="test-file", title="Test file", kind=models.Source.Kind.OTHER, date=D(2020, 1, 1))
    source.file = SimpleUploadedFile("small.PDF", b"x" * 10)
    source.full_clean()


# Citations --------------------------------------------------------------------------


@pytest.mark.parametrize("field, value", [("reliability", "G"), ("credibility", "7"), ("reliability", "")])
def test_database_refuses_a_grade_outside_the_scale(instrument, field, value):
    source = factories.make_source()
    grades = {"reliability": "B", "credibility": "2", field: value}
    with refused_by_database():
        models.Citation.objects.create(record=instrument, source=source, **grades)


@pytest.mark.parametrize("field, value", [("reliability", "G"), ("credibility", "7")])
def test_clean_reports_a_grade_outside_the_scale_on_its_field(instrument, field, value):
    citation = models.Citation(record=instrument, source=factories.make_source(), reliability="B", credibility="2")
    setattr(citation, field, value)
    assert "is not a valid choice" in messages(clean_errors(citation), field)


def test_citation_grade_is_the_compact_notation(instrument):
    citation = factories.make_citation(record=instrument, reliability="A", credibility="3")
    assert citation.grade == "A3"
    assert str(citation).endswith("(A3)")


def test_database_refuses_the_same_citation_twice(instrument):
    first = factories.make_citation(record=instrument, aspect=models.Citation.Aspect.DATE, locator="p. 2")
    with refused_by_database():
        models.Citation.objects.create(
            record=instrument,
            source=first.source,
            aspect=first.aspect,
            locator=first.locator,
            reliability="C",
            credibility="3",
        )


def test_clean_reports_the_same_citation_twice(instrument):
    first = factories.make_citation(record=instrument)
    duplicate = models.Citation(record=instrument, source=first.source, reliability="C", credibility="3")
    assert "already exists" in messages(clean_errors(duplicate), NON_FIELD_ERRORS)


def test_one_source_may_support_several_aspects_or_places_of_a_record(instrument):
    first = factories.make_citation(record=instrument)
    factories.make_citation(record=instrument, source=first.source, aspect=models.Citation.Aspect.DATE)
    factories.make_citation(record=instrument, source=first.source, locator="p. 9")
    assert instrument.citations.count() == 3


def test_disputed_aspects_reports_an_aspect_cited_with_different_values(instrument):
    factories.make_citation(record=instrument, aspect=models.Citation.Aspect.DATE, asserted_value="2019")
    factories.make_citation(record=instrument, aspect=models.Citation.Aspect.DATE, asserted_value="2020")
    factories.make_citation(record=instrument, aspect=models.Citation.Aspect.FIGURES, asserted_value="100")
    assert instrument.disputed_aspects() == ["date"]


def test_disputed_aspects_is_empty_when_sources_agree(instrument):
    factories.make_citation(record=instrument, aspect=models.Citation.Aspect.DATE, asserted_value="2019")
    factories.make_citation(record=instrument, aspect=models.Citation.Aspect.DATE, asserted_value="2019")
    factories.make_citation(record=instrument, aspect=models.Citation.Aspect.DATE, asserted_value="")
    assert instrument.disputed_aspects() == []


def test_citations_belong_to_their_own_record_only(instrument):
    other = factories.make_instrument()
    factories.make_citation(record=instrument, aspect=models.Citation.Aspect.DATE, asserted_value="2019")
    factories.make_citation(record=other, aspect=models.Citation.Aspect.DATE, asserted_value="2020")
    assert instrument.disputed_aspects() == []
    assert models.Instrument.objects.filter(citations__source__isnull=False).count() == 2


def test_a_cited_source_cannot_be_deleted(instrument):
    citation = factories.make_citation(record=instrument)
    with pytest.raises(ProtectedError):
        citation.source.delete()
    assert models.Source.objects.filter(pk=citation.source_id).exists()


# Versions and provisions ------------------------------------------------------------


def test_database_refuses_a_duplicate_version_number(instrument):
    first = factories.make_version(instrument=instrument)
    second = factories.make_version(instrument=instrument)
    second.number = first.number
    with refused_by_database():
        second.save()


def test_clean_reports_a_duplicate_version_number(instrument):
    first = factories.make_version(instrument=instrument)
    duplicate = models.InstrumentVersion(instrument=instrument, number=first.number, label="Copy", date=D(2021, 1, 1))
    assert "already exists" in messages(clean_errors(duplicate), NON_FIELD_ERRORS)


def test_the_same_version_number_may_exist_for_another_instrument(instrument):
    factories.make_version(instrument=instrument, number=1)
    other = factories.make_version(number=1)
    assert other.number == 1


def test_database_refuses_version_number_zero(instrument):
    version = factories.make_version(instrument=instrument)
    version.number = 0
    with refused_by_database():
        version.save()


def test_clean_reports_version_number_zero_on_the_number_field(instrument):
    version = models.InstrumentVersion(instrument=instrument, number=0, label="Zero", date=D(2021, 1, 1))
    assert "1 or more" in messages(clean_errors(version), "number")


def test_database_refuses_a_duplicate_provision_position():
    first = factories.make_provision()
    with refused_by_database():
        models.Provision.objects.create(version=first.version, position=first.position, text="Another text")


def test_clean_reports_a_duplicate_provision_position():
    first = factories.make_provision()
    duplicate = models.Provision(version=first.version, position=first.position, text="Another text")
    assert "already exists" in messages(clean_errors(duplicate), NON_FIELD_ERRORS)


def test_database_refuses_a_duplicate_provision_number():
    first = factories.make_provision(number="Article 7")
    with refused_by_database():
        models.Provision.objects.create(version=first.version, position=99, number="Article 7", text="Another text")


def test_clean_reports_a_duplicate_provision_number_on_the_number_field():
    first = factories.make_provision(number="Article 7")
    duplicate = models.Provision(version=first.version, position=99, number="Article 7", text="Another text")
    assert "already" in messages(clean_errors(duplicate), "number")


def test_unnumbered_provisions_may_share_the_empty_number():
    first = factories.make_provision(number="")
    second = factories.make_provision(version=first.version, number="")
    assert {str(first), str(second)} == {f"#{first.position}", f"#{second.position}"}


def test_provision_numbers_may_repeat_across_versions():
    first = factories.make_provision(number="Article 1")
    other = factories.make_provision(number="Article 1")
    assert first.version_id != other.version_id


# Lifecycle events -------------------------------------------------------------------


def test_database_refuses_an_event_without_attempt_or_instrument():
    with refused_by_database():
        models.LifecycleEvent.objects.create(kind=EventKind.ANNOUNCED, date=D(2021, 1, 1))


def test_clean_asks_to_link_an_event_to_an_attempt_or_instrument():
    event = models.LifecycleEvent(kind=EventKind.ANNOUNCED, date=D(2021, 1, 1))
    assert "Link the event" in messages(clean_errors(event), "attempt")


def test_an_event_may_belong_to_an_instrument_alone(instrument):
    event = factories.make_event(instrument=instrument, kind=EventKind.PUBLISHED)
    assert list(instrument.events.all()) == [event]


@pytest.mark.parametrize("kind", [EventKind.PUBLISHED, EventKind.CONSULTATION_CLOSED, EventKind.WITHDRAWN])
def test_database_refuses_a_deadline_on_an_event_that_is_not_a_consultation(attempt, kind):
    with refused_by_database():
        models.LifecycleEvent.objects.create(attempt=attempt, kind=kind, date=D(2021, 1, 1), deadline=D(2021, 2, 1))


@pytest.mark.parametrize("kind", [EventKind.PUBLISHED, EventKind.CONSULTATION_CLOSED])
def test_clean_refuses_a_deadline_on_an_event_that_is_not_a_consultation(attempt, kind):
    event = models.LifecycleEvent(attempt=attempt, kind=kind, date=D(2021, 1, 1), deadline=D(2021, 2, 1))
    assert "Only a consultation" in messages(clean_errors(event), "deadline")


@pytest.mark.parametrize("kind", [EventKind.CONSULTATION_OPENED, EventKind.CONSULTATION_EXTENDED])
def test_consultation_events_may_have_a_deadline(attempt, kind):
    event = factories.make_event(
        attempt=attempt, kind=kind, date=D(2021, 1, 1), date_precision=DatePrecision.DAY, deadline=D(2021, 2, 1)
    )
    event.refresh_from_db()
    assert event.deadline == D(2021, 2, 1)


def test_database_refuses_a_deadline_before_the_event(attempt):
    with refused_by_database():
        models.LifecycleEvent.objects.create(
            attempt=attempt, kind=EventKind.CONSULTATION_OPENED, date=D(2021, 3, 10), deadline=D(2021, 3, 9)
        )


def test_clean_refuses_a_deadline_before_the_event(attempt):
    event = models.LifecycleEvent(
        attempt=attempt, kind=EventKind.CONSULTATION_OPENED, date=D(2021, 3, 10), deadline=D(2021, 3, 9)
    )
    assert "cannot be before the event" in messages(clean_errors(event), "deadline")


def test_a_deadline_on_the_day_of_the_event_is_allowed(attempt):
    factories.make_event(
        attempt=attempt,
        kind=EventKind.CONSULTATION_OPENED,
        date=D(2021, 3, 10),
        date_precision=DatePrecision.DAY,
        deadline=D(2021, 3, 10),
    )


def test_clean_refuses_a_version_of_another_instrument(instrument):
    other_version = factories.make_version()
    event = models.LifecycleEvent(
        instrument=instrument, version=other_version, kind=EventKind.PUBLISHED, date=D(2021, 1, 1)
    )
    assert "belongs to another instrument" in messages(clean_errors(event), "version")


def test_clean_takes_the_instrument_from_the_version():
    version = factories.make_version()
    event = models.LifecycleEvent(version=version, kind=EventKind.PUBLISHED, date=D(2021, 1, 1))
    event.full_clean()
    assert event.instrument_id == version.instrument_id


def test_clean_refuses_an_instrument_that_is_not_part_of_the_attempt(attempt, instrument):
    event = models.LifecycleEvent(attempt=attempt, instrument=instrument, kind=EventKind.PUBLISHED, date=D(2021, 1, 1))
    assert "not part of the chosen attempt" in messages(clean_errors(event), "instrument")


# DPIAs and rulings ------------------------------------------------------------------


def test_database_refuses_a_dpia_opinion_without_the_dpia(authority):
    with refused_by_database():
        models.Ruling.objects.create(
            slug="test-opinion",
            title="Test opinion",
            kind=models.Ruling.Kind.DPIA_OPINION,
            outcome=models.Ruling.Outcome.NOT_COMPLIANT,
            authority=authority,
            date=D(2020, 1, 1),
        )


def test_clean_asks_a_dpia_opinion_to_name_the_dpia(authority):
    ruling = models.Ruling(
        slug="test-opinion",
        title="Test opinion",
        kind=models.Ruling.Kind.DPIA_OPINION,
        outcome=models.Ruling.Outcome.NOT_COMPLIANT,
        authority=authority,
        date=D(2020, 1, 1),
    )
    assert "must name the DPIA" in messages(clean_errors(ruling), "dpia")


def test_a_dpia_opinion_naming_the_dpia_is_valid(dpia):
    ruling = factories.make_ruling(dpia=dpia, kind=models.Ruling.Kind.DPIA_OPINION)
    assert list(dpia.rulings.all()) == [ruling]


def test_clean_refuses_a_ruling_on_a_dpia_submitted_to_another_authority(dpia):
    ruling = models.Ruling(
        slug="test-opinion",
        title="Test opinion",
        kind=models.Ruling.Kind.DPIA_OPINION,
        outcome=models.Ruling.Outcome.APPROVED,
        authority=factories.make_supervisory_authority(),
        dpia=dpia,
        date=D(2020, 1, 1),
    )
    assert "submitted to another authority" in messages(clean_errors(ruling), "dpia")


def test_database_refuses_dpia_round_zero(dpia):
    dpia.round = 0
    with refused_by_database():
        dpia.save()


def test_clean_reports_dpia_round_zero_on_the_round_field(dpia):
    dpia.round = 0
    assert "1 or more" in messages(clean_errors(dpia), "round")


def test_database_refuses_the_same_dpia_round_twice(dpia):
    second = factories.make_dpia(controller=dpia.controller, authority=dpia.authority, system=dpia.system, round=2)
    second.round = dpia.round
    with refused_by_database():
        second.save()


def test_clean_reports_the_same_dpia_round_twice(dpia):
    second = factories.make_dpia(controller=dpia.controller, authority=dpia.authority, system=dpia.system, round=2)
    second.round = dpia.round
    assert "already exists" in messages(clean_errors(second), NON_FIELD_ERRORS)


def self_assessed_dpia(authority, system):
    return {
        "slug": "test-self-dpia",
        "title": "Test self DPIA",
        "controller": authority,
        "authority": authority,
        "system": system,
        "date": D(2020, 1, 1),
    }


def test_database_refuses_a_controller_assessing_its_own_dpia(authority, system):
    with refused_by_database():
        models.DPIASubmission.objects.create(**self_assessed_dpia(authority, system))


def test_clean_refuses_a_controller_assessing_its_own_dpia(authority, system):
    dpia = models.DPIASubmission(**self_assessed_dpia(authority, system))
    assert "cannot assess its own DPIA" in messages(clean_errors(dpia), "authority")


def test_a_dpia_cannot_be_deleted_while_a_ruling_names_it(dpia):
    factories.make_ruling(dpia=dpia, kind=models.Ruling.Kind.DPIA_OPINION)
    with pytest.raises(ProtectedError):
        dpia.delete()
    assert models.DPIASubmission.objects.filter(pk=dpia.pk).exists()


# Responses --------------------------------------------------------------------------


UNANSWERED = {"slug": "test-answer", "title": "Test answer", "kind": models.Response.Kind.ANSWER, "date": D(2021, 1, 1)}


def test_database_refuses_an_answer_that_replies_to_nothing():
    with refused_by_database():
        models.Response.objects.create(**UNANSWERED)


def test_clean_asks_an_answer_what_it_answers():
    answer = models.Response(**UNANSWERED)
    assert "must say what it answers" in messages(clean_errors(answer), "in_reply_to")


def test_an_answer_replying_to_a_question_is_valid():
    question = factories.make_response(kind=models.Response.Kind.PARLIAMENTARY_QUESTION)
    answer = factories.make_response(kind=models.Response.Kind.ANSWER, in_reply_to=question, date=D(2021, 6, 1))
    assert list(question.replies.all()) == [answer]
    assert [message.pk for message in answer.thread()] == [question.pk, answer.pk]


def test_database_refuses_a_response_replying_to_itself():
    response = factories.make_response()
    response.in_reply_to_id = response.pk
    with refused_by_database():
        response.save()


def test_clean_refuses_a_response_replying_to_itself():
    response = factories.make_response()
    response.in_reply_to = response
    assert "reply to itself" in messages(clean_errors(response), "in_reply_to")


def test_clean_refuses_a_response_replying_to_itself_indirectly():
    first = factories.make_response()
    second = factories.make_response(in_reply_to=first)
    first.in_reply_to = second
    assert "reply to itself" in messages(clean_errors(first), "in_reply_to")


def test_civil_society_kinds_are_recognised():
    assert factories.make_response(kind=models.Response.Kind.OPEN_LETTER).is_civil_society
    assert not factories.make_response(kind=models.Response.Kind.LETTER).is_civil_society


# Legislative attempts ---------------------------------------------------------------


def test_database_refuses_an_attempt_following_itself(attempt):
    attempt.follows_id = attempt.pk
    with refused_by_database():
        attempt.save()


def test_clean_refuses_an_attempt_following_itself(attempt):
    attempt.follows = attempt
    assert "follow itself" in messages(clean_errors(attempt), "follows")


def test_clean_refuses_an_attempt_following_itself_indirectly(attempt):
    second = factories.make_attempt(follows=attempt)
    third = factories.make_attempt(follows=second)
    attempt.follows = third
    assert "follow itself" in messages(clean_errors(attempt), "follows")


def test_a_redraft_follows_the_earlier_attempt(attempt):
    redraft = factories.make_attempt(follows=attempt)
    assert list(attempt.followed_by.all()) == [redraft]
