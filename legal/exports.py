"""Bulk exports of the whole published data set: a zip of CSV files and one JSON document.

Both are built from ``.published()`` querysets only, with a fixed number of
queries (one per record type and per link table, never one per row), and are
written straight to disk: CSV rows into the zip member and JSON records one by
one, so no export is ever held in memory as one string.

Every column is on an allow-list below: no history, no staff identity, no user
id can reach an export. A reference to a record the public may not see is left
empty, and a link or citation touching one is left out.

The built files are cached under ``EXPORT_ROOT`` (default ``MEDIA_ROOT/exports``),
named by a fingerprint of the data (see ``data_fingerprint``), and rebuilt on
demand when the fingerprint changes.
"""

import csv
import datetime
import hashlib
import io
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from legal import models
from legal.dates import FuzzyDate

# Bump when the layout of the files changes, so cached files are rebuilt.
FORMAT_VERSION = 1

LICENCE = {
    "name": "CC BY 4.0",
    "title": "Creative Commons Attribution 4.0 International",
    "url": "https://creativecommons.org/licenses/by/4.0/",
}

FORMATS = {
    "zip": {"content_type": "application/zip", "suffix": "zip"},
    "json": {"content_type": "application/json", "suffix": "json"},
}

FILE_PREFIX = "tracker-data"


# What is exported ---------------------------------------------------------------------


@dataclass
class Column:
    name: str
    description: str


@dataclass
class RecordType:
    """One kind of record: one CSV file, one list in the JSON document."""

    name: str  # file name (without .csv) and JSON key, e.g. "attempts"
    type: str  # singular, as used in citations.csv, e.g. "attempt"
    model: type
    description: str
    fields: list  # plain fields: (name, description)
    translated: list = field(default_factory=list)  # fields with _en and _sr columns
    refs: list = field(default_factory=list)  # (column, foreign key field, target type)
    dated: bool = False
    links: list = field(default_factory=list)  # (many-to-many field, target type)

    @property
    def cited(self):
        return issubclass(self.model, models.CitedRecord)


def _help(model, name):
    return str(model._meta.get_field(name).help_text or model._meta.get_field(name).verbose_name)


DATE_COLUMNS = [
    Column("date", "First day of the period the date stands for (YYYY-MM-DD); empty when unknown."),
    Column("date_precision", "How precisely the date is known: day, month, season, year or unknown."),
    Column("date_season", "For precision “season”: which season or part of the year."),
    Column("date_approximate", "true when the sources say “about” or “around”."),
    Column("date_end", "For a range: the start of its last period, at the same precision."),
    Column("date_display", "The date as the site shows it, in English (e.g. “autumn 2019”)."),
]

RECORD_TYPES = [
    RecordType(
        "jurisdictions", "jurisdiction", models.Jurisdiction,
        _("States, supranational bodies and international organisations."),
        fields=[("slug", None), ("kind", None), ("code", None)],
        translated=["name"],
        refs=[("parent", "parent", "jurisdiction")],
    ),
    RecordType(
        "actors", "actor", models.Actor,
        _("Organisations and people that act in the story."),
        fields=[("slug", None), ("kind", None), ("role", None), ("url", None)],
        translated=["name", "position", "description"],
        refs=[("jurisdiction", "jurisdiction", "jurisdiction"), ("affiliation", "affiliation", "actor")],
    ),
    RecordType(
        "sources", "source", models.Source,
        _("Documents, articles and official pages on which the facts rest."),
        fields=[
            ("slug", None), ("title", None), ("kind", None), ("author", None), ("publisher", None),
            ("url", None), ("language", None), ("sha256", "SHA-256 fingerprint of the archived copy, if any."),
        ],
        translated=["description"],
        dated=True,
    ),
    RecordType(
        "instruments", "instrument", models.Instrument,
        _("Legal texts: draft laws, laws, by-laws, regulations, strategies, treaties, agreements."),
        fields=[("slug", None), ("kind", None), ("is_confidential", "true when the text itself is not public.")],
        translated=["title", "summary"],
        refs=[("jurisdiction", "jurisdiction", "jurisdiction")],
        links=[("parties", "actor")],
    ),
    RecordType(
        "attempts", "attempt", models.LegislativeAttempt,
        _("Legislative attempts: efforts to create or change a legal basis."),
        fields=[("slug", None)],
        translated=["title", "summary"],
        refs=[
            ("jurisdiction", "jurisdiction", "jurisdiction"),
            ("initiator", "initiator", "actor"),
            ("follows", "follows", "attempt"),
        ],
        links=[("instruments", "instrument")],
    ),
    RecordType(
        "versions", "version", models.InstrumentVersion,
        _("Dated texts (versions) of the instruments."),
        fields=[("number", None)],
        translated=["label", "summary"],
        refs=[("instrument", "instrument", "instrument"), ("published_in", "published_in", "source")],
        dated=True,
    ),
    RecordType(
        "provisions", "provision", models.Provision,
        _("Articles and paragraphs of each version's text."),
        fields=[("id", "Stable identifier of the provision."), ("position", None), ("number", None)],
        translated=["heading", "text"],
        refs=[("version", "version", "version")],
    ),
    RecordType(
        "events", "event", models.LifecycleEvent,
        _("Lifecycle events of attempts and instruments (published, withdrawn, adopted …)."),
        fields=[("id", "Stable identifier of the event."), ("kind", None), ("deadline", None)],
        translated=["summary"],
        refs=[
            ("attempt", "attempt", "attempt"),
            ("instrument", "instrument", "instrument"),
            ("version", "version", "version"),
        ],
        dated=True,
        links=[("provisions", "provision")],
    ),
    RecordType(
        "systems", "system", models.SurveillanceSystem,
        _("Surveillance systems assessed by DPIAs and rulings."),
        fields=[("slug", None)],
        translated=["name", "description"],
        refs=[("jurisdiction", "jurisdiction", "jurisdiction"), ("operator", "operator", "actor")],
        links=[("vendors", "actor")],
    ),
    RecordType(
        "dpias", "dpia", models.DPIASubmission,
        _("Data Protection Impact Assessments submitted to a supervisory authority."),
        fields=[("slug", None), ("round", None)],
        translated=["title", "summary"],
        refs=[
            ("controller", "controller", "actor"),
            ("authority", "authority", "actor"),
            ("system", "system", "system"),
            ("attempt", "attempt", "attempt"),
        ],
        dated=True,
    ),
    RecordType(
        "rulings", "ruling", models.Ruling,
        _("Acts of supervisory authorities: opinions, inspections, statements, decisions."),
        fields=[("slug", None), ("kind", None), ("outcome", None)],
        translated=["title", "summary", "findings"],
        refs=[("authority", "authority", "actor"), ("dpia", "dpia", "dpia")],
        dated=True,
        links=[("attempts", "attempt"), ("instruments", "instrument"), ("systems", "system")],
    ),
    RecordType(
        "responses", "response", models.Response,
        _("Responses of other bodies and of civil society: questions, letters, answers, reports …"),
        fields=[("slug", None), ("kind", None)],
        translated=["title", "summary"],
        refs=[("jurisdiction", "jurisdiction", "jurisdiction"), ("in_reply_to", "in_reply_to", "response")],
        dated=True,
        links=[
            ("authors", "actor"), ("addressees", "actor"), ("attempts", "attempt"), ("instruments", "instrument"),
            ("rulings", "ruling"), ("dpias", "dpia"), ("systems", "system"),
        ],
    ),
    RecordType(
        "developments", "development", models.Development,
        _("Context: announcements, procurements, deployments, incidents, company moves."),
        fields=[("slug", None), ("kind", None)],
        translated=["title", "summary"],
        refs=[("jurisdiction", "jurisdiction", "jurisdiction")],
        dated=True,
        links=[("actors", "actor"), ("systems", "system"), ("attempts", "attempt")],
    ),
]
BY_TYPE = {record_type.type: record_type for record_type in RECORD_TYPES}
BY_MODEL_NAME = {record_type.model._meta.model_name: record_type for record_type in RECORD_TYPES}

IDENTIFIER = {
    "version": "the instrument's slug and the version number, e.g. “example-law/2”",
    "event": "the event id",
    "provision": "the provision id",
}

CITATION_COLUMNS = [
    Column("id", "Stable identifier of the citation."),
    Column("record_type", "Type of the cited record: " + ", ".join(t.type for t in RECORD_TYPES if t.cited) + "."),
    Column("record", "Identifier of the cited record: its slug (for versions: instrument slug/number; "
           "for events: the event id)."),
    Column("record_url", "The cited record's page on the tracker."),
    Column("source", "Slug of the source (see sources.csv)."),
    Column("aspect", "Which part of the record the source supports: record, date, actors, figures, content."),
    Column("asserted_value", "When sources disagree: the value this source gives."),
    Column("reliability", "Reliability of the source, A–F (see the grading scale)."),
    Column("credibility", "Credibility of the information, 1–6 (see the grading scale)."),
    Column("grade", "Both grades together, e.g. B2."),
    Column("locator", "Where in the source: page, section, footnote."),
    Column("quote", "The exact words of the source, if given."),
]


def columns_of(record_type):
    model = record_type.model
    columns = []
    for name, description in record_type.fields:
        if name == "id":
            columns.append(Column("id", description))
        elif name == "url":
            columns.append(Column("url", _help(model, "url")))
        else:
            columns.append(Column(name, description or _help(model, name)))
    for name in record_type.translated:
        columns.append(Column(f"{name}_en", f"{_help(model, name)} (English)"))
        columns.append(Column(f"{name}_sr", f"{_help(model, name)} (Serbian, in the script it was typed in)"))
    for column, _field, target in record_type.refs:
        how = IDENTIFIER.get(target, "its slug")
        columns.append(
            Column(column, f"{_help(model, _field)} — the {target}, by {how}; empty if none or not public.")
        )
    if record_type.dated:
        columns.extend(DATE_COLUMNS)
    if record_type.type != "provision":
        columns.append(Column("page_url", "The record's page on the tracker (English)."))
    else:
        columns.append(Column("page_url", "The page of the version holding the provision."))
    if record_type.type == "source":
        columns.append(Column("file_url", "Address of the archived copy kept by the tracker, if any."))
    return columns


def link_tables():
    """(file name, record type, field, target type) of every many-to-many link table."""
    return [
        (f"{record_type.type}_{field_name}", record_type, field_name, target)
        for record_type in RECORD_TYPES
        for field_name, target in record_type.links
    ]


# Reading the published data: a fixed number of queries --------------------------------


def published_querysets():
    """The public rows of every record type, as querysets starting from ``.published()``.

    A version is public only with its instrument, a provision only with its
    version, an event only with the attempt and instrument it belongs to.
    """
    p = {record_type.type: record_type.model for record_type in RECORD_TYPES}
    instruments = models.Instrument.objects.published()
    attempts = models.LegislativeAttempt.objects.published()
    versions = models.InstrumentVersion.objects.published().filter(instrument__in=instruments)
    querysets = {name: model.objects.published() for name, model in p.items() if name != "provision"}
    querysets["version"] = versions
    querysets["provision"] = models.Provision.objects.filter(version__in=versions)
    querysets["event"] = querysets["event"].filter(
        Q(attempt__isnull=True) | Q(attempt__in=attempts),
        Q(instrument__isnull=True) | Q(instrument__in=instruments),
    )
    return querysets


def _value_names(record_type):
    names = ["pk"]
    for name, _description in record_type.fields:
        if name not in ("id", "pk"):
            names.append(name)
    for name in record_type.translated:
        names += [f"{name}_en", f"{name}_sr"]
    names += [f"{field_name}_id" for _column, field_name, _target in record_type.refs]
    if record_type.dated:
        names += ["date", "date_precision", "date_season", "date_approximate", "date_end"]
    if record_type.type == "source":
        names.append("file")
    if record_type.type == "version":
        names.append("instrument__slug")
    if record_type.type == "provision":
        names += ["version__number", "version__instrument__slug"]
    return names


class Dataset:
    """Every published record, its links and citations, read with a fixed number of queries.

    Provisions (the bulk of the text) are not held: ``rows("provisions")``
    streams them from one query.
    """

    def __init__(self):
        self.querysets = published_querysets()
        self.values = {}
        self.keys = {}  # type -> {pk: identifier}
        for record_type in RECORD_TYPES:
            if record_type.type == "provision":
                continue
            rows = list(self.querysets[record_type.type].order_by("pk").values(*_value_names(record_type)))
            self.values[record_type.type] = rows
            self.keys[record_type.type] = {row["pk"]: self._key(record_type, row) for row in rows}
        self.links = self._read_links()
        self.citations = self._read_citations()
        self.site_url = (getattr(settings, "EXPORT_SITE_URL", "") or "").rstrip("/")

    @staticmethod
    def _key(record_type, row):
        if record_type.type == "version":
            return f"{row['instrument__slug']}/{row['number']}"
        if record_type.type in ("event", "provision"):
            return row["pk"]
        return row["slug"]

    def _read_links(self):
        links = {}
        for name, record_type, field_name, target in link_tables():
            through = getattr(record_type.model, field_name).through
            source_field = f"{record_type.model._meta.model_name}_id"
            target_field = f"{BY_TYPE[target].model._meta.model_name}_id"
            if target == "provision":
                # Provisions are not held in memory: a provision is public with its version.
                pairs = through.objects.order_by("pk").values_list(
                    source_field, target_field, "provision__version_id"
                )
                pairs = [(a, b) for a, b, version in pairs if version in self.keys["version"]]
                target_keys = None
            else:
                pairs = through.objects.order_by("pk").values_list(source_field, target_field)
                target_keys = self.keys[target]
            source_keys = self.keys[record_type.type]
            links[name] = [
                (source_keys[a], b if target_keys is None else target_keys[b])
                for a, b in pairs
                if a in source_keys and (target_keys is None or b in target_keys)
            ]
        return links

    def _read_citations(self):
        rows = models.Citation.objects.filter(source__in=models.Source.objects.published()).order_by("pk").values(
            "pk", "content_type__app_label", "content_type__model", "object_id", "source_id", "aspect",
            "asserted_value", "reliability", "credibility", "locator", "quote",
        )
        citations = []
        for row in rows:
            record_type = BY_MODEL_NAME.get(row["content_type__model"])
            if row["content_type__app_label"] != "legal" or record_type is None:
                continue
            record_key = self.keys.get(record_type.type, {}).get(row["object_id"])
            source_key = self.keys["source"].get(row["source_id"])
            if record_key is None or source_key is None:
                continue
            citations.append((record_type, record_key, row))
        return citations

    # Turning rows into export rows (no queries) -----------------------------------

    def url(self, path):
        return f"{self.site_url}{path}"

    def page_url(self, record_type, row):
        with translation.override("en"):
            if record_type.type == "version":
                path = reverse("legal:version_detail", kwargs={"slug": row["instrument__slug"], "number": row["number"]})
            elif record_type.type == "provision":
                path = reverse(
                    "legal:version_detail",
                    kwargs={"slug": row["version__instrument__slug"], "number": row["version__number"]},
                )
            elif record_type.type == "event":
                path = reverse("legal:event_detail", kwargs={"pk": row["pk"]})
            else:
                path = reverse(f"legal:{record_type.type}_detail", kwargs={"slug": row["slug"]})
        return self.url(path)

    def record(self, record_type, row):
        """One export row: a dict in the order of ``columns_of(record_type)``."""
        out = {}
        for name, _description in record_type.fields:
            out[name] = row["pk"] if name == "id" else row[name]
        for name in record_type.translated:
            out[f"{name}_en"] = row[f"{name}_en"] or ""
            out[f"{name}_sr"] = row[f"{name}_sr"] or ""
        for column, field_name, target in record_type.refs:
            target_pk = row[f"{field_name}_id"]
            out[column] = self.keys[target].get(target_pk, "") if target_pk is not None else ""
        if record_type.dated:
            fuzzy = FuzzyDate(
                date=row["date"],
                precision=row["date_precision"],
                season=row["date_season"],
                approximate=row["date_approximate"],
                end=row["date_end"],
            )
            with translation.override("en"):
                display = str(fuzzy)
            out.update(
                date=row["date"],
                date_precision=row["date_precision"],
                date_season=row["date_season"],
                date_approximate=row["date_approximate"],
                date_end=row["date_end"],
                date_display=display,
            )
        out["page_url"] = self.page_url(record_type, row)
        if record_type.type == "source":
            # Through the view that serves published sources' files only, never MEDIA_ROOT.
            with translation.override("en"):
                path = reverse("legal:source_file", kwargs={"slug": row["slug"]})
            out["file_url"] = self.url(path) if row["file"] else ""
        return out

    def rows(self, record_type):
        if record_type.type == "provision":
            queryset = self.querysets["provision"].order_by("pk").values(*_value_names(record_type))
            for row in queryset.iterator(chunk_size=2000):
                yield self.record(record_type, row)
        else:
            for row in self.values[record_type.type]:
                yield self.record(record_type, row)

    def citation_rows(self):
        for record_type, record_key, row in self.citations:
            yield {
                "id": row["pk"],
                "record_type": record_type.type,
                "record": record_key,
                "record_url": self._record_url(record_type, record_key),
                "source": self.keys["source"][row["source_id"]],
                "aspect": row["aspect"],
                "asserted_value": row["asserted_value"],
                "reliability": row["reliability"],
                "credibility": row["credibility"],
                "grade": f"{row['reliability']}{row['credibility']}",
                "locator": row["locator"],
                "quote": row["quote"],
            }

    def _record_url(self, record_type, key):
        with translation.override("en"):
            if record_type.type == "version":
                slug, number = str(key).rsplit("/", 1)
                path = reverse("legal:version_detail", kwargs={"slug": slug, "number": int(number)})
            elif record_type.type == "event":
                path = reverse("legal:event_detail", kwargs={"pk": key})
            else:
                path = reverse(f"legal:{record_type.type}_detail", kwargs={"slug": key})
        return self.url(path)


# Writing ------------------------------------------------------------------------------


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _member(name, generated_at):
    info = zipfile.ZipInfo(name, date_time=generated_at.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _write_csv(zip_file, name, header, rows, generated_at):
    with zip_file.open(_member(f"{name}.csv", generated_at), "w") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
        writer = csv.writer(text)
        writer.writerow(header)
        for row in rows:
            writer.writerow([_csv_value(row[column]) for column in header])


def readme_text(generated_at):
    """README.txt of the zip: what each file is, its columns, the grading scale, the licence."""
    with translation.override("en"):
        lines = [
            "Biometric Surveillance Law Tracker — bulk data",
            "=" * 46,
            "",
            f"Generated: {generated_at.isoformat()}",
            f"Licence: {LICENCE['title']} ({LICENCE['name']}), {LICENCE['url']}",
            "Please credit “Biometric Surveillance Law Tracker” and link to the record pages.",
            "",
            "Every public record of the tracker, one CSV file per record type (UTF-8, comma-separated,",
            "first row = column names), plus one file per many-to-many link. Records refer to each other",
            "by stable identifiers: the slug, or the id for events, provisions and citations; a version is",
            "identified by its instrument's slug and its number (“example-law/2”). A reference to a record",
            "that is not public is left empty. Translated texts have an English (_en) and a Serbian (_sr)",
            "column; Serbian text is in the script it was typed in (Latin or Cyrillic).",
            "",
            "Dates are known to a precision: “date” is the first day of the period it stands for",
            "(1 January for a year), never a made-up day; read it with date_precision, date_season,",
            "date_approximate and date_end (for ranges). date_display shows it as the site does.",
            "",
            "Grading scale (each citation grades the claim it supports)",
            "-" * 58,
            "Reliability of the source:",
            *[f"  {label}" for _value, label in models.Grading.Reliability.choices],
            "Credibility of the information:",
            *[f"  {label}" for _value, label in models.Grading.Credibility.choices],
            "",
            "Files",
            "-----",
        ]
        for record_type in RECORD_TYPES:
            lines += ["", f"{record_type.name}.csv — {record_type.description}"]
            lines += [f"  {column.name}: {column.description}" for column in columns_of(record_type)]
        for name, record_type, field_name, target in link_tables():
            lines += [
                "",
                f"{name}.csv — links between {record_type.name} and their "
                f"{record_type.model._meta.get_field(field_name).verbose_name}.",
                f"  {record_type.type}: identifier of the {record_type.type}.",
                f"  {target}: identifier of the {target}.",
            ]
        lines += ["", "citations.csv — every citation of a public record by a public source, with its grading."]
        lines += [f"  {column.name}: {column.description}" for column in CITATION_COLUMNS]
        lines.append("")
    return "\n".join(str(line) for line in lines)


def write_zip(path, dataset, generated_at):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zip_file:
        zip_file.writestr(_member("README.txt", generated_at), readme_text(generated_at))
        for record_type in RECORD_TYPES:
            header = [column.name for column in columns_of(record_type)]
            _write_csv(zip_file, record_type.name, header, dataset.rows(record_type), generated_at)
        for name, record_type, _field_name, target in link_tables():
            pairs = ({record_type.type: a, target: b} for a, b in dataset.links[name])
            _write_csv(zip_file, name, [record_type.type, target], pairs, generated_at)
        _write_csv(zip_file, "citations", [c.name for c in CITATION_COLUMNS], dataset.citation_rows(), generated_at)


def _json_default(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def write_json(path, dataset, generated_at):
    """One JSON document, written record by record."""
    citations = {}
    for citation in dataset.citation_rows():
        entry = {key: value for key, value in citation.items() if key not in ("record_type", "record", "record_url")}
        citations.setdefault((citation["record_type"], citation["record"]), []).append(entry)
    links = {}
    for name, record_type, field_name, _target in link_tables():
        for a, b in dataset.links[name]:
            links.setdefault((record_type.type, field_name, a), []).append(b)
    dump = json.JSONEncoder(ensure_ascii=False, default=_json_default).encode
    with translation.override("en"):
        head = {
            "title": "Biometric Surveillance Law Tracker — bulk data",
            "licence": LICENCE,
            "generated_at": generated_at.isoformat(),
            "format_version": FORMAT_VERSION,
            "grading_scale": {
                "reliability": {value: str(label) for value, label in models.Grading.Reliability.choices},
                "credibility": {value: str(label) for value, label in models.Grading.Credibility.choices},
            },
        }
    with open(path, "w", encoding="utf-8") as out:
        out.write(dump(head)[:-1])  # the opening keys, the object left open
        out.write(', "records": {')
        for index, record_type in enumerate(RECORD_TYPES):
            out.write(("," if index else "") + f"\n{dump(record_type.name)}: [")
            for count, row in enumerate(dataset.rows(record_type)):
                key = row["id"] if "id" in row else (
                    f"{row['instrument']}/{row['number']}" if record_type.type == "version" else row["slug"]
                )
                for field_name, _target in record_type.links:
                    row[field_name] = links.get((record_type.type, field_name, key), [])
                if record_type.cited:
                    row["citations"] = citations.get((record_type.type, key), [])
                out.write(("," if count else "") + "\n" + dump(row))
            out.write("\n]")
        out.write("\n}}\n")


WRITERS = {"zip": write_zip, "json": write_json}


# Cache: files named by a fingerprint of the data ----------------------------------------


def export_root():
    return Path(getattr(settings, "EXPORT_ROOT", "") or Path(settings.MEDIA_ROOT) / "exports")


def data_fingerprint():
    """A short hash that changes with every public write to the record, in one query.

    Every write (create, edit, link change, citation change, delete, cascades
    included) adds a row to the record's history table, so the newest id, the
    newest date and the row count of every history table change with it.

    Rows of work the public cannot see are left out, so that the export's
    date and the data page do not tell when staff save a draft: rows recorded
    while a record was a draft, and citations and provisions of records that
    are drafts now. Publishing, removing or restoring a record adds a row
    that counts, so the fingerprint still changes whenever the public data does.
    """
    from legal.translation import HISTORY_MODELS

    quote = connection.ops.quote_name
    draft = models.Visibility.DRAFT.value
    parts = []
    for model in HISTORY_MODELS:
        table = quote(model.history.model._meta.db_table)
        parts.append(
            f"SELECT '{model._meta.model_name}', COUNT(*), MAX({quote('history_id')}), "
            f"MAX({quote('history_date')}) FROM {table} WHERE {_not_draft_work(model, draft, quote)}"
        )
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        rows = sorted(cursor.fetchall(), key=lambda row: row[0])
    text = repr((FORMAT_VERSION, [tuple(str(value) for value in row) for row in rows]))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _not_draft_work(model, draft, quote):
    """SQL condition on ``model``'s history rows: the row is not private draft work."""
    if issubclass(model, models.Publishable):
        return f"{quote('visibility')} <> '{draft}'"

    def not_a_draft(owner, column):
        table = quote(owner._meta.db_table)
        return f"{quote(column)} IN (SELECT {quote('id')} FROM {table} WHERE {quote('visibility')} <> '{draft}')"

    if model is models.Provision:
        return not_a_draft(models.InstrumentVersion, "version_id")
    if model is models.Citation:
        content_types = quote(ContentType._meta.db_table)
        cited = [
            f"({quote('content_type_id')} IN (SELECT {quote('id')} FROM {content_types} "
            f"WHERE {quote('app_label')} = '{owner._meta.app_label}' AND {quote('model')} = '{owner._meta.model_name}')"
            f" AND {not_a_draft(owner, 'object_id')})"
            for owner in (record_type.model for record_type in RECORD_TYPES if record_type.cited)
        ]
        return "(" + " OR ".join(cited) + ")"
    raise ValueError(f"No rule for the history of {model.__name__}.")


def etag_for(export_format, fingerprint):
    """The HTTP entity tag of an export: known from the fingerprint alone, before any file exists."""
    return f'"{fingerprint}-{export_format}"'


@dataclass
class Export:
    format: str
    path: Path
    fingerprint: str
    built: bool  # True when this call (re)generated the file

    @property
    def generated_at(self):
        return datetime.datetime.fromtimestamp(self.path.stat().st_mtime, tz=datetime.timezone.utc)

    @property
    def size(self):
        return self.path.stat().st_size

    @property
    def content_type(self):
        return FORMATS[self.format]["content_type"]

    @property
    def etag(self):
        return etag_for(self.format, self.fingerprint)

    @property
    def download_name(self):
        day = timezone.localdate(self.generated_at).isoformat()
        return f"{FILE_PREFIX}-{day}.{FORMATS[self.format]['suffix']}"


def export_path(export_format, fingerprint):
    return export_root() / f"{FILE_PREFIX}-{fingerprint}.{FORMATS[export_format]['suffix']}"


def current_export(export_format, fingerprint=None):
    """The cached export for the current data, or ``None`` when it has yet to be built."""
    fingerprint = fingerprint or data_fingerprint()
    path = export_path(export_format, fingerprint)
    return Export(export_format, path, fingerprint, built=False) if path.exists() else None


def ensure_export(export_format, *, fingerprint=None, force=False):
    """Return the export of the current data, building it first if the data changed."""
    if export_format not in FORMATS:
        raise ValueError(f"Unknown export format: {export_format!r}")
    fingerprint = fingerprint or data_fingerprint()
    path = export_path(export_format, fingerprint)
    if path.exists() and not force:
        return Export(export_format, path, fingerprint, built=False)
    build(export_format, path)
    _remove_stale(export_format, keep=path)
    return Export(export_format, path, fingerprint, built=True)


def build(export_format, path):
    """Write the export to a temporary file beside ``path``, then move it into place atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    generated_at = timezone.now().replace(microsecond=0)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".building-", suffix=path.suffix)
    os.close(descriptor)
    try:
        WRITERS[export_format](temporary, Dataset(), generated_at)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _remove_stale(export_format, *, keep):
    suffix = FORMATS[export_format]["suffix"]
    for old in export_root().glob(f"{FILE_PREFIX}-*.{suffix}"):
        if old != keep:
            old.unlink(missing_ok=True)
