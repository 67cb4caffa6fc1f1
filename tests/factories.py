"""Plain factory functions for the domain models.

Each ``make_*`` builds a valid record from synthetic defaults ("Test State 3",
"Example Ministry 7"), lets keyword arguments override any field and saves it
through ``legal.services.save_record`` so that it is validated and lands in the
history like any real write. Nothing here describes a real body or event.
"""

import datetime
import itertools

from legal import models
from legal.dates import DatePrecision
from legal.services import save_record

REASON = "Created by a test"

_numbers = itertools.count(1)


def _next():
    return next(_numbers)


def _save(model, defaults, fields, reason, user):
    return save_record(model(**{**defaults, **fields}), reason=reason, user=user)


def make_jurisdiction(*, reason=REASON, user=None, **fields):
    n = _next()
    defaults = {"slug": f"test-state-{n}", "name": f"Test State {n}", "kind": models.Jurisdiction.Kind.STATE}
    return _save(models.Jurisdiction, defaults, fields, reason, user)


def make_actor(*, reason=REASON, user=None, **fields):
    n = _next()
    defaults = {
        "slug": f"example-ministry-{n}",
        "name": f"Example Ministry {n}",
        "kind": models.Actor.Kind.ORGANISATION,
        "role": models.Actor.Role.GOVERNMENT,
    }
    return _save(models.Actor, defaults, fields, reason, user)


def make_supervisory_authority(*, reason=REASON, user=None, **fields):
    n = _next()
    defaults = {
        "slug": f"test-authority-{n}",
        "name": f"Test Authority {n}",
        "role": models.Actor.Role.SUPERVISORY_AUTHORITY,
    }
    return make_actor(reason=reason, user=user, **{**defaults, **fields})


def make_source(*, reason=REASON, user=None, **fields):
    n = _next()
    defaults = {
        "slug": f"example-report-{n}",
        "title": f"Example Report {n}",
        "kind": models.Source.Kind.REPORT,
        "date": datetime.date(2020, 1, 1),
        "date_precision": DatePrecision.YEAR,
    }
    return _save(models.Source, defaults, fields, reason, user)


def make_instrument(*, reason=REASON, user=None, **fields):
    n = _next()
    defaults = {
        "slug": f"example-draft-law-{n}",
        "title": f"Example Draft Law {n}",
        "kind": models.Instrument.Kind.DRAFT_LAW,
    }
    if "jurisdiction" not in fields:
        defaults["jurisdiction"] = make_jurisdiction()
    return _save(models.Instrument, defaults, fields, reason, user)


def make_attempt(*, reason=REASON, user=None, **fields):
    n = _next()
    defaults = {"slug": f"example-attempt-{n}", "title": f"Example Attempt {n}"}
    if "jurisdiction" not in fields:
        defaults["jurisdiction"] = make_jurisdiction()
    return _save(models.LegislativeAttempt, defaults, fields, reason, user)


def make_citation(*, reason=REASON, user=None, record=None, **fields):
    """A citation of ``record`` (by default a new instrument) by a new source, graded B2."""
    record = record if record is not None else make_instrument()
    defaults = {"record": record, "reliability": "B", "credibility": "2"}
    if "source" not in fields:
        defaults["source"] = make_source()
    return _save(models.Citation, defaults, fields, reason, user)


def make_version(*, reason=REASON, user=None, **fields):
    instrument = fields.pop("instrument", None) or make_instrument()
    defaults = {
        "instrument": instrument,
        "number": instrument.versions.count() + 1,
        "label": "Test draft",
        "date": datetime.date(2021, 3, 1),
        "date_precision": DatePrecision.MONTH,
    }
    return _save(models.InstrumentVersion, defaults, fields, reason, user)


def make_provision(*, reason=REASON, user=None, **fields):
    version = fields.pop("version", None) or make_version()
    position = version.provisions.count() + 1
    defaults = {
        "version": version,
        "position": position,
        "number": f"Article {position}",
        "text": "Test provision text.",
    }
    return _save(models.Provision, defaults, fields, reason, user)


def make_event(*, reason=REASON, user=None, **fields):
    """A lifecycle event; linked to a new attempt unless an attempt or an instrument is given."""
    defaults = {
        "kind": models.LifecycleEvent.Kind.ANNOUNCED,
        "date": datetime.date(2021, 1, 1),
        "date_precision": DatePrecision.YEAR,
    }
    if "attempt" not in fields and "instrument" not in fields:
        defaults["attempt"] = make_attempt()
    return _save(models.LifecycleEvent, defaults, fields, reason, user)


def make_system(*, reason=REASON, user=None, **fields):
    n = _next()
    defaults = {"slug": f"test-camera-system-{n}", "name": f"Test Camera System {n}"}
    if "jurisdiction" not in fields:
        defaults["jurisdiction"] = make_jurisdiction()
    return _save(models.SurveillanceSystem, defaults, fields, reason, user)


def make_dpia(*, reason=REASON, user=None, **fields):
    n = _next()
    defaults = {
        "slug": f"example-dpia-{n}",
        "title": f"Example DPIA {n}",
        "date": datetime.date(2020, 6, 1),
        "date_precision": DatePrecision.MONTH,
    }
    if "controller" not in fields:
        defaults["controller"] = make_actor()
    if "authority" not in fields:
        defaults["authority"] = make_supervisory_authority()
    if "system" not in fields:
        defaults["system"] = make_system()
    return _save(models.DPIASubmission, defaults, fields, reason, user)


def make_ruling(*, reason=REASON, user=None, **fields):
    """A ruling; on a DPIA it defaults to the authority the DPIA was submitted to."""
    n = _next()
    defaults = {
        "slug": f"test-ruling-{n}",
        "title": f"Test Ruling {n}",
        "kind": models.Ruling.Kind.STATEMENT,
        "outcome": models.Ruling.Outcome.CONCERNS,
        "date": datetime.date(2020, 9, 1),
        "date_precision": DatePrecision.MONTH,
    }
    if "authority" not in fields:
        dpia = fields.get("dpia")
        defaults["authority"] = dpia.authority if dpia else make_supervisory_authority()
    return _save(models.Ruling, defaults, fields, reason, user)


def make_response(*, reason=REASON, user=None, **fields):
    n = _next()
    defaults = {
        "slug": f"test-letter-{n}",
        "title": f"Test Letter {n}",
        "kind": models.Response.Kind.LETTER,
        "date": datetime.date(2021, 5, 10),
        "date_precision": DatePrecision.DAY,
    }
    return _save(models.Response, defaults, fields, reason, user)


def make_development(*, reason=REASON, user=None, **fields):
    n = _next()
    defaults = {
        "slug": f"test-announcement-{n}",
        "title": f"Test Announcement {n}",
        "kind": models.Development.Kind.ANNOUNCEMENT,
        "date": datetime.date(2019, 1, 1),
        "date_precision": DatePrecision.YEAR,
    }
    return _save(models.Development, defaults, fields, reason, user)


# One factory per model, for tests that run over every model.
FACTORIES = {
    models.Jurisdiction: make_jurisdiction,
    models.Actor: make_actor,
    models.Source: make_source,
    models.Citation: make_citation,
    models.Instrument: make_instrument,
    models.LegislativeAttempt: make_attempt,
    models.InstrumentVersion: make_version,
    models.Provision: make_provision,
    models.LifecycleEvent: make_event,
    models.SurveillanceSystem: make_system,
    models.DPIASubmission: make_dpia,
    models.Ruling: make_ruling,
    models.Response: make_response,
    models.Development: make_development,
}

# A free-text field of each model that an editor may change, for update tests.
TEXT_FIELD = {
    models.Jurisdiction: "name",
    models.Actor: "name",
    models.Source: "title",
    models.Citation: "quote",
    models.Instrument: "title",
    models.LegislativeAttempt: "title",
    models.InstrumentVersion: "label",
    models.Provision: "text",
    models.LifecycleEvent: "summary",
    models.SurveillanceSystem: "name",
    models.DPIASubmission: "title",
    models.Ruling: "title",
    models.Response: "title",
    models.Development: "title",
}
