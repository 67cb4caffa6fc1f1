"""Load a case (such as ``fixtures/safe_city.json``) into the record, idempotently.

Records are matched on their natural keys (slugs, or instrument + number for
versions, attempt/instrument + kind for lifecycle events). A record is saved
only when something differs, so loading twice creates nothing and writes no
new history. Every fact-bearing record must cite at least one source.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction

from legal import models
from legal.dates import FuzzyDate
from legal.models.sources import sha256_of
from legal.services import save_record, set_links

REASON = "Loaded from the case fixtures"


class FixtureError(Exception):
    pass


@dataclass
class Section:
    name: str
    model: type
    key: tuple = ("slug",)
    fks: dict = field(default_factory=dict)
    m2m: dict = field(default_factory=dict)


SECTIONS = [
    Section("sources", models.Source),
    Section("jurisdictions", models.Jurisdiction, fks={"parent": models.Jurisdiction}),
    Section("actors", models.Actor, fks={"jurisdiction": models.Jurisdiction, "affiliation": models.Actor}),
    Section(
        "systems",
        models.SurveillanceSystem,
        fks={"jurisdiction": models.Jurisdiction, "operator": models.Actor},
        m2m={"vendors": models.Actor},
    ),
    Section(
        "instruments",
        models.Instrument,
        fks={"jurisdiction": models.Jurisdiction},
        m2m={"parties": models.Actor},
    ),
    Section(
        "attempts",
        models.LegislativeAttempt,
        fks={
            "jurisdiction": models.Jurisdiction,
            "initiator": models.Actor,
            "follows": models.LegislativeAttempt,
        },
        m2m={"instruments": models.Instrument},
    ),
    Section(
        "versions",
        models.InstrumentVersion,
        key=("instrument", "number"),
        fks={"instrument": models.Instrument, "published_in": models.Source},
    ),
    Section(
        "events",
        models.LifecycleEvent,
        key=("attempt", "instrument", "kind"),
        fks={"attempt": models.LegislativeAttempt, "instrument": models.Instrument},
    ),
    Section(
        "dpias",
        models.DPIASubmission,
        fks={
            "controller": models.Actor,
            "authority": models.Actor,
            "system": models.SurveillanceSystem,
            "attempt": models.LegislativeAttempt,
        },
    ),
    Section(
        "rulings",
        models.Ruling,
        fks={"authority": models.Actor, "dpia": models.DPIASubmission},
        m2m={
            "attempts": models.LegislativeAttempt,
            "instruments": models.Instrument,
            "systems": models.SurveillanceSystem,
        },
    ),
    Section(
        "responses",
        models.Response,
        fks={"jurisdiction": models.Jurisdiction, "in_reply_to": models.Response},
        m2m={
            "authors": models.Actor,
            "addressees": models.Actor,
            "attempts": models.LegislativeAttempt,
            "instruments": models.Instrument,
            "rulings": models.Ruling,
            "dpias": models.DPIASubmission,
            "systems": models.SurveillanceSystem,
        },
    ),
    Section(
        "developments",
        models.Development,
        fks={"jurisdiction": models.Jurisdiction},
        m2m={
            "actors": models.Actor,
            "systems": models.SurveillanceSystem,
            "attempts": models.LegislativeAttempt,
        },
    ),
]

SPECIAL_KEYS = {"cite", "date", "file", "version"}


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    citations_created: int = 0

    def __str__(self):
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.citations_created} citations added"
        )


class Loader:
    def __init__(self, path):
        self.path = Path(path)
        self.base_dir = self.path.parent
        self.report = LoadReport()

    def load(self):
        data = json.loads(self.path.read_text(encoding="utf-8"))
        unknown = set(data) - {section.name for section in SECTIONS} - {"about"}
        if unknown:
            raise FixtureError(f"Unknown sections in {self.path.name}: {', '.join(sorted(unknown))}")
        with transaction.atomic():
            for section in SECTIONS:
                for entry in data.get(section.name, []):
                    try:
                        self.load_entry(section, entry)
                    except (ValidationError, FixtureError, LookupError) as error:
                        raise FixtureError(f"{section.name} entry {self.describe(entry)}: {error}") from error
        return self.report

    @staticmethod
    def describe(entry):
        return entry.get("slug") or entry.get("kind") or json.dumps(entry)[:80]

    def resolve(self, model, slug):
        if slug is None:
            return None
        try:
            return model.objects.get(slug=slug)
        except model.DoesNotExist as error:
            raise FixtureError(f"no {model._meta.verbose_name} with slug “{slug}”") from error

    def load_entry(self, section, entry):
        model = section.model
        values = {}
        for name, value in entry.items():
            if name in SPECIAL_KEYS or name in section.m2m:
                continue
            if name in section.fks:
                values[name] = self.resolve(section.fks[name], value)
            else:
                values[name] = value
        if "date" in entry:
            fuzzy = FuzzyDate.parse(entry["date"])
            values.update(
                date=fuzzy.date,
                date_precision=fuzzy.precision,
                date_season=fuzzy.season,
                date_approximate=fuzzy.approximate,
                date_end=fuzzy.end,
            )
        if "version" in entry:
            instrument_slug, number = entry["version"].split("#")
            values["version"] = models.InstrumentVersion.objects.get(
                instrument__slug=instrument_slug, number=int(number)
            )

        lookup = {name: values.get(name) for name in section.key}
        instance = model.objects.filter(**lookup).first()
        created = instance is None
        if created:
            instance = model(**lookup)
        changed = created
        for name, value in values.items():
            if self.differs(instance, name, value):
                setattr(instance, name, value)
                changed = True
        if "file" in entry:
            changed |= self.attach_file(instance, entry["file"])

        if changed:
            save_record(instance, reason=REASON)
            if created:
                self.report.created += 1
            else:
                self.report.updated += 1
        else:
            self.report.unchanged += 1

        for name, target_model in section.m2m.items():
            targets = [self.resolve(target_model, slug) for slug in entry.get(name, [])]
            set_links(instance, name, targets, reason=REASON)

        if issubclass(model, models.CitedRecord):
            citations = entry.get("cite") or []
            if not citations:
                raise FixtureError("a fact-bearing record must cite at least one source")
            for citation in citations:
                self.load_citation(instance, citation)

    @staticmethod
    def differs(instance, name, value):
        field = instance._meta.get_field(name)
        if field.is_relation:
            return getattr(instance, field.attname) != (value.pk if value is not None else None)
        return getattr(instance, name) != value

    def attach_file(self, source, relative_path):
        path = self.base_dir / relative_path
        with path.open("rb") as handle:
            digest = sha256_of(handle)
            if source.sha256 == digest and source.file:
                return False
            source.file.save(path.name, File(handle), save=False)
        source.sha256 = digest
        return True

    def load_citation(self, record, entry):
        content_type = ContentType.objects.get_for_model(record)
        source = self.resolve(models.Source, entry["source"])
        key = {
            "content_type": content_type,
            "object_id": record.pk,
            "source": source,
            "aspect": entry.get("aspect", models.Citation.Aspect.RECORD),
            "locator": entry.get("locator", ""),
        }
        values = {
            "reliability": entry["reliability"],
            "credibility": entry["credibility"],
            "quote": entry.get("quote", ""),
            "asserted_value": entry.get("asserted_value", ""),
        }
        citation = models.Citation.objects.filter(**key).first()
        if citation is None:
            citation = models.Citation(**key)
            self.report.citations_created += 1
        elif all(getattr(citation, name) == value for name, value in values.items()):
            return
        for name, value in values.items():
            setattr(citation, name, value)
        save_record(citation, reason=REASON)


def load_case(path):
    return Loader(path).load()
