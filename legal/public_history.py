"""The public history of a record: what changed, when and why, never who.

A record's historical rows (django-simple-history) are read once, with their
many-to-many snapshots, and neighbours are paired in Python; names of linked
records are resolved with one query per related model for the whole page.
Only the fields on the allow-list below are ever read or shown: never
``history_user``, internal ids, file names or bookkeeping timestamps. Changes
are attributed to the editorial team, and entries carry their day, not the
time of day, so that working hours cannot be read off the page.

Nothing here marks text safe: values and diff segments are plain strings for
the template to escape.
"""

import datetime
import difflib
import re
from dataclasses import dataclass, field
from functools import cache

from django.core.exceptions import ImproperlyConfigured
from django.db import models as django_models
from django.utils import formats, timezone
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext, gettext_lazy as _

from legal import models
from legal.dates import FuzzyDate
from legal.templatetags.legal_tags import title_of, tr
from legal.translation import TRANSLATED_FIELDS

# The fuzzy date (``date``, ``date_precision``, ``date_season``,
# ``date_approximate``, ``date_end``) is one public field, shown as one "Date".
DATE = "date"
DATE_COLUMNS = ("date", "date_precision", "date_season", "date_approximate", "date_end")

# What the public may see of each record's past, field by field. Anything not
# listed here is never read from the history tables for a public page.
PUBLIC_FIELDS = {
    models.Jurisdiction: ("name", "kind", "code", "parent"),
    models.Actor: ("name", "kind", "role", "position", "description", "url", "jurisdiction", "affiliation"),
    # The stored file's name may come from a staff member's computer: only its
    # fingerprint is public.
    models.Source: ("title", "kind", DATE, "author", "publisher", "url", "language", "description", "sha256"),
    models.Instrument: ("title", "kind", "summary", "jurisdiction", "parties", "is_confidential"),
    models.LegislativeAttempt: ("title", "summary", "jurisdiction", "initiator", "follows", "instruments"),
    models.InstrumentVersion: ("instrument", "number", "label", DATE, "summary", "published_in"),
    models.LifecycleEvent: ("kind", DATE, "deadline", "attempt", "instrument", "version", "provisions", "summary"),
    models.SurveillanceSystem: ("name", "description", "jurisdiction", "operator", "vendors"),
    models.DPIASubmission: ("title", DATE, "summary", "controller", "authority", "system", "round", "attempt"),
    models.Ruling: (
        "title", "kind", "outcome", DATE, "summary", "findings", "authority", "dpia", "attempts", "instruments",
        "systems",
    ),
    models.Response: (
        "title", "kind", DATE, "summary", "jurisdiction", "authors", "addressees", "in_reply_to", "attempts",
        "instruments", "rulings", "dpias", "systems",
    ),
    models.Development: ("title", "kind", DATE, "summary", "jurisdiction", "actors", "systems", "attempts"),
}

LANGUAGE_NAMES = {"en": _("English"), "sr": _("Serbian")}

DEFAULT_REASONS = {"+": _("Record created"), "~": _("Record updated"), "-": _("Record deleted")}
TYPE_LABELS = {"+": _("Created"), "~": _("Changed"), "-": _("Deleted")}

# Above this many token comparisons, let difflib skip very common tokens
# (spaces) so that a huge text cannot stall the page.
DIFF_EXHAUSTIVE_LIMIT = 4_000_000

_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")

# Kinds of public field.
TEXT, VALUE, FOREIGN_KEY, LINKS, FUZZY_DATE = "text", "value", "foreign_key", "links", "fuzzy_date"


def public_history(record):
    """The historical rows of ``record`` that the public may see, oldest first.

    Only approved states: a row is recorded with ``visibility=published``
    only when a moderator published the record or a reviewed change to it
    (``legal.workflow``), or edited it in the admin panel. Drafts, proposals,
    removed states and everything before the first publication stay
    private. The public history page, its diffs and the "as of" view all
    read through this function.
    """
    return record.history.filter(visibility=models.Visibility.PUBLISHED).order_by("history_date", "history_id")


# Public fields ---------------------------------------------------------------


@dataclass(frozen=True)
class PublicField:
    """One allow-listed field, as read from a historical row."""

    key: str
    label: object
    kind: str
    columns: tuple  # field names to load on the historical model
    model_field: object = None
    related_model: object = None

    def raw(self, row, links):
        """A comparable value of this field on one historical row."""
        if self.kind == FUZZY_DATE:
            return tuple(getattr(row, column) for column in DATE_COLUMNS)
        if self.kind == LINKS:
            return links.get((self.key, row.history_id), frozenset())
        if self.kind == FOREIGN_KEY:
            return getattr(row, self.model_field.attname)
        value = getattr(row, self.columns[0])
        return (value or "") if self.kind == TEXT else value

    def display(self, raw, names):
        """The value as the public reads it (``None`` when empty)."""
        if self.kind == FUZZY_DATE:
            date, precision, season, approximate, end = raw
            return str(FuzzyDate(date=date, precision=precision, season=season, approximate=approximate, end=end))
        if self.kind == LINKS:
            return sorted((name_of(self.related_model, pk, names) for pk in raw), key=str.casefold)
        if raw is None or raw == "":
            return None
        if self.kind == FOREIGN_KEY:
            return name_of(self.related_model, raw, names)
        if self.model_field.choices:
            return str(dict(self.model_field.flatchoices).get(raw, raw))
        if isinstance(self.model_field, django_models.BooleanField):
            return str(_("Yes") if raw else _("No"))
        if isinstance(self.model_field, django_models.DateField):
            return formats.date_format(raw, "DATE_FORMAT")
        return str(raw)


@cache
def public_fields(model):
    """The allow-listed fields of ``model``, in display order."""
    try:
        names = PUBLIC_FIELDS[model]
    except KeyError:
        raise ImproperlyConfigured(f"{model.__name__} has no public history allow-list.") from None
    history_model = model.history.model
    tracked_links = {link.name for link in history_model._history_m2m_fields}
    fields = []
    for name in names:
        if name == DATE:
            fields.append(PublicField(key=DATE, label=_("Date"), kind=FUZZY_DATE, columns=DATE_COLUMNS))
            continue
        model_field = model._meta.get_field(name)
        label = capfirst(model_field.verbose_name)
        if name in TRANSLATED_FIELDS.get(model, ()):
            for language, language_name in LANGUAGE_NAMES.items():
                fields.append(
                    PublicField(
                        key=f"{name}_{language}",
                        label=format_lazy("{} ({})", label, language_name),
                        kind=TEXT,
                        columns=(f"{name}_{language}",),
                        model_field=model_field,
                    )
                )
        elif model_field.many_to_many:
            if name not in tracked_links:
                raise ImproperlyConfigured(f"{model.__name__}.{name} is public but its history is not tracked.")
            fields.append(
                PublicField(
                    key=name, label=label, kind=LINKS, columns=(), model_field=model_field,
                    related_model=model_field.related_model,
                )
            )
        elif model_field.many_to_one:
            fields.append(
                PublicField(
                    key=name, label=label, kind=FOREIGN_KEY, columns=(name,), model_field=model_field,
                    related_model=model_field.related_model,
                )
            )
        else:
            is_text = isinstance(model_field, (django_models.CharField, django_models.TextField))
            kind = TEXT if is_text and not model_field.choices else VALUE
            fields.append(PublicField(key=name, label=label, kind=kind, columns=(name,), model_field=model_field))
    return tuple(fields)


# Names of linked records ---------------------------------------------------------


def _public_queryset(model):
    if model is models.Provision:
        return model.objects.filter(version__in=models.InstrumentVersion.objects.published())
    queryset = model.objects.published()
    if model is models.InstrumentVersion:
        queryset = queryset.select_related("instrument")
    if model is models.LifecycleEvent:
        queryset = queryset.select_related("attempt", "instrument")
    return queryset


def display_name(record):
    """The reader-language name of a record; a version is named with its instrument."""
    if isinstance(record, models.InstrumentVersion):
        return f"{title_of(record.instrument)} – {tr(record, 'label')}"
    return str(title_of(record))


def resolve_names(ids_by_model):
    """Public names of linked records: one query per related model, unpublished ones left out."""
    names = {}
    for model, ids in ids_by_model.items():
        if ids:
            names[model] = {record.pk: display_name(record) for record in _public_queryset(model).filter(pk__in=ids)}
    return names


def name_of(model, pk, names):
    return names.get(model, {}).get(pk) or str(_("(a record no longer available)"))


# Word-level diff -------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    text: str
    changed: bool = False


def _merge(segments):
    merged = []
    for segment in segments:
        if merged and merged[-1].changed == segment.changed:
            merged[-1] = Segment(merged[-1].text + segment.text, segment.changed)
        else:
            merged.append(segment)
    return merged


def word_diff(old, new):
    """Split two texts into segments; changed words are flagged on each side.

    Returns ``(before, after)``: the old text with its removed words flagged,
    and the new text with its added words flagged. Joined, each side gives
    back its text exactly.
    """
    a, b = _TOKENS.findall(old or ""), _TOKENS.findall(new or "")
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=len(a) * len(b) > DIFF_EXHAUSTIVE_LIMIT)
    before, after = [], []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            before.append(Segment("".join(a[i1:i2])))
            after.append(Segment("".join(b[j1:j2])))
            continue
        if i2 > i1:
            before.append(Segment("".join(a[i1:i2]), changed=True))
        if j2 > j1:
            after.append(Segment("".join(b[j1:j2]), changed=True))
    return _merge(before), _merge(after)


# Entries and snapshots -------------------------------------------------------------


@dataclass
class Change:
    """One field's change. ``kind`` is "text" (word diff), "value" or "links"."""

    label: object
    kind: str
    before: object = None  # text: list of Segments; value: str or None
    after: object = None
    added: list = field(default_factory=list)
    removed: list = field(default_factory=list)


@dataclass
class Entry:
    """One published change, attributed to no one but the editorial team."""

    day: datetime.date
    type: str  # "+", "~" or "-"
    reason: str
    reason_given: bool
    changes: list

    @property
    def type_label(self):
        return TYPE_LABELS[self.type]


@dataclass
class FieldValue:
    label: object
    kind: str
    value: object  # str or None; a list of names for links


@dataclass
class Snapshot:
    """The record's public fields as they were at the end of ``day``.

    ``state`` is "missing" (it did not exist yet), "deleted" or "present".
    """

    day: datetime.date
    state: str
    fields: list = field(default_factory=list)

    @property
    def existed(self):
        return self.state == "present"


def _is_empty(raw):
    return raw is None or raw == "" or raw == frozenset()


def _change(public_field, old, new, names):
    if public_field.kind == LINKS:
        return Change(
            label=public_field.label,
            kind="links",
            added=public_field.display(new - old, names),
            removed=public_field.display(old - new, names),
        )
    if public_field.kind == TEXT:
        before, after = word_diff(old, new)
        return Change(label=public_field.label, kind="text", before=before, after=after)
    return Change(
        label=public_field.label,
        kind="value",
        before=None if _is_empty(old) else public_field.display(old, names),
        after=None if _is_empty(new) else public_field.display(new, names),
    )


def end_of_day(day):
    """The first instant after ``day`` in the site's time zone."""
    midnight = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
    return timezone.make_aware(midnight, timezone.get_current_timezone())


class RecordHistory:
    """The public history of one record, read with a fixed number of queries.

    One query for the historical rows, one per tracked many-to-many field for
    their snapshots, and one per related model for the names of linked
    records, however long the history.
    """

    def __init__(self, record):
        self.record = record
        self.model = record._meta.concrete_model
        self.fields = public_fields(self.model)
        columns = {column for public_field in self.fields for column in public_field.columns}
        rows = list(
            public_history(record).only("history_id", "history_date", "history_type", "history_change_reason", *columns)
        )
        links = self._link_snapshots(record, rows)
        self._states = [
            (row, {public_field.key: public_field.raw(row, links) for public_field in self.fields}) for row in rows
        ]
        self._names = resolve_names(self._linked_ids())
        self.entries = self._entries()

    def _link_snapshots(self, record, rows):
        """``{(field key, history id): frozenset of linked pks}`` for every row."""
        history_ids = {row.history_id for row in rows}
        snapshots = {}
        for public_field in self.fields:
            if public_field.kind != LINKS:
                continue
            m2m_field = public_field.model_field
            snapshot_model = getattr(self.model.history.model, m2m_field.name).model
            own, target = m2m_field.m2m_field_name(), m2m_field.m2m_reverse_field_name()
            pairs = snapshot_model.objects.filter(**{f"{own}_id": record.pk}).values_list("history_id", f"{target}_id")
            grouped = {}
            for history_id, target_id in pairs:
                if history_id in history_ids:
                    grouped.setdefault(history_id, set()).add(target_id)
            for history_id, targets in grouped.items():
                snapshots[(public_field.key, history_id)] = frozenset(targets)
        return snapshots

    def _linked_ids(self):
        ids = {}
        for public_field in self.fields:
            if public_field.related_model is None:
                continue
            bucket = ids.setdefault(public_field.related_model, set())
            for _row, state in self._states:
                raw = state[public_field.key]
                if public_field.kind == LINKS:
                    bucket.update(raw)
                elif raw is not None:
                    bucket.add(raw)
        return ids

    def _entries(self):
        entries = []
        blank = {public_field.key: _empty(public_field) for public_field in self.fields}
        previous = None
        for row, state in self._states:
            if row.history_type == "-":
                changes = []
            else:
                # The first state is compared with a blank record: everything set is new.
                before = blank if previous is None else previous
                changes = [
                    _change(public_field, before[public_field.key], state[public_field.key], self._names)
                    for public_field in self.fields
                    if before[public_field.key] != state[public_field.key]
                ]
            first = previous is None
            previous = state
            # A save that touched no public field is no public change.
            if row.history_type == "~" and not changes:
                continue
            # Reasons the application stores itself ("Published after review")
            # are message ids, shown in the reader's language; free text passes
            # through unchanged.
            reason = (row.history_change_reason or "").strip()
            reason = gettext(reason) if reason else ""
            entries.append(
                Entry(
                    day=timezone.localdate(row.history_date),
                    # A record first published after review was a private
                    # draft before: for the public, that is its creation.
                    type="+" if first else row.history_type,
                    reason=reason or str(DEFAULT_REASONS["+" if first else row.history_type]),
                    reason_given=bool(reason),
                    changes=changes,
                )
            )
        entries.reverse()
        return entries

    def as_of(self, day):
        """The record's public fields as they were at the end of ``day``."""
        cutoff = end_of_day(day)
        current = None
        for row, state in self._states:
            if row.history_date >= cutoff:
                break
            current = (row, state)
        if current is None:
            return Snapshot(day=day, state="missing")
        row, state = current
        if row.history_type == "-":
            return Snapshot(day=day, state="deleted")
        values = []
        for public_field in self.fields:
            raw = state[public_field.key]
            kind = "links" if public_field.kind == LINKS else "value"
            value = public_field.display(raw, self._names) if not _is_empty(raw) else ([] if kind == "links" else None)
            values.append(FieldValue(label=public_field.label, kind=kind, value=value))
        return Snapshot(day=day, state="present", fields=values)


def _empty(public_field):
    if public_field.kind == LINKS:
        return frozenset()
    return "" if public_field.kind == TEXT else None


def history_entries(record):
    """The public entries of ``record``, newest first."""
    return RecordHistory(record).entries


def record_as_of(record, day):
    """The record's public field values at the end of ``day``, or a "missing" snapshot."""
    return RecordHistory(record).as_of(day)
