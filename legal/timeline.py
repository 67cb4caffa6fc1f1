"""The public timeline: every dated step of the story, newest first.

The timeline merges five kinds of record into one list of ``TimelineEntry``:
lifecycle events, DPIA submissions, rulings, responses and developments. It
reads each kind with one query (plus a fixed number of prefetches), starting
from ``Model.objects.published()``; the number of queries never grows with the
data.

Order: newest first by ``FuzzyDate.sort_key`` reversed (so, on the same first
day, a coarser date such as "2019" comes before "January 2019" and "1 January
2019"); records sharing a date follow the type order (events, DPIAs, rulings,
responses, developments), events in the order of the procedure (the later step
first), then the most recently recorded first. Records whose date is unknown
come last, grouped under "Date unknown".

Year rule: a record belongs to every calendar year its date touches, from the
year of the first day it can stand for to the year of the last day
(``FuzzyDate.latest_day``). "2019" belongs to 2019; the range "2019–2021"
belongs to 2019, 2020 and 2021; "winter 2019" (December 2019 to February 2020)
belongs to 2019 and 2020. A record with an unknown date belongs to no year.
The year filter and the chart of developments per year both follow this rule,
so a bar of the chart always counts what the timeline lists for that year; a
record spanning several years is counted once in each of them.
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import Case, F, IntegerField, Prefetch, Q, Value, When
from django.urls import reverse
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from legal import models
from legal.dates import PRECISION_RANK, FuzzyDate
from legal.status import EVENT_STATUS, EventKind

EVENT = "event"
DPIA = "dpia"
RULING = "ruling"
RESPONSE = "response"
DEVELOPMENT = "development"

KIND_SEPARATOR = ":"


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the timeline.

    ``record`` is the record itself; ``subject`` is the record whose title is
    shown (the record, or for a lifecycle event the instrument or attempt it
    happened to). ``title_en`` / ``title_sr`` make an entry work with the
    ``tr`` and ``title_of`` template tags: ``{% tr entry "title" %}``.
    """

    record: Any
    record_type: str
    type_label: Any
    kind: str
    kind_label: Any
    fuzzy_date: FuzzyDate
    subject: Any
    url: str
    jurisdiction: Any = None
    attempts: tuple = ()
    step_rank: int = 0

    @property
    def title_en(self):
        return getattr(self.subject, "title_en", "") or ""

    @property
    def title_sr(self):
        return getattr(self.subject, "title_sr", "") or ""

    @property
    def date_display(self):
        return str(self.fuzzy_date)

    @property
    def machine_date(self):
        """A value for ``<time datetime>``, when the date is one day, month or year."""
        fuzzy = self.fuzzy_date
        if not fuzzy.is_known or fuzzy.end or fuzzy.precision not in ("day", "month", "year"):
            return ""
        return fuzzy.isoformat().lstrip("~")

    @property
    def is_dated(self):
        return self.fuzzy_date.is_known

    @property
    def years(self):
        """Every calendar year the date touches (see the module's year rule)."""
        if not self.fuzzy_date.is_known:
            return range(0)
        return range(self.fuzzy_date.date.year, self.fuzzy_date.latest_day.year + 1)

    @property
    def group_label(self):
        """The heading the entry is listed under: the year its date starts in, or "Date unknown"."""
        if not self.fuzzy_date.is_known:
            return str(_("Date unknown"))
        return str(self.fuzzy_date.date.year)


def _published(model):
    return model.objects.published()


def _published_attempts(lookup):
    return Prefetch(lookup, queryset=_published(models.LegislativeAttempt))


def _in_jurisdiction(path, slug):
    """The record's jurisdiction is ``slug`` or a region or city inside it."""
    return Q(**{f"{path}__slug": slug}) | Q(**{f"{path}__parent__slug": slug})


class RecordType:
    """How one model enters the timeline: its query, its filters and its entries."""

    key = ""
    model = None
    kinds = None  # the model's TextChoices of kinds, if it has any
    select_related = ()

    @property
    def label(self):
        return self.model._meta.verbose_name

    @property
    def plural_label(self):
        return self.model._meta.verbose_name_plural

    def prefetch_related(self):
        return ()

    def queryset(self):
        return _published(self.model).select_related(*self.select_related).prefetch_related(*self.prefetch_related())

    # Filters return a ``Q`` on the model; ``None`` means "never matches".
    def jurisdiction_q(self, slug):
        return _in_jurisdiction("jurisdiction", slug)

    def actor_q(self, slug):
        raise NotImplementedError

    def attempt_q(self, slug):
        return Q(attempts__slug=slug)

    def matching(self, q):
        """``q`` as a subquery, so that conditions across many-to-many links give no duplicates."""
        return Q(pk__in=_published(self.model).filter(q).values("pk"))

    def filtered(self, *, kind=None, jurisdiction=None, actor=None, attempt=None):
        queryset = self.queryset()
        if kind:
            queryset = queryset.filter(kind=kind)
        if jurisdiction:
            queryset = queryset.filter(self.jurisdiction_q(jurisdiction))
        if actor:
            queryset = queryset.filter(self.matching(self.actor_q(actor)))
        if attempt:
            queryset = queryset.filter(self.matching(self.attempt_q(attempt)))
        return queryset

    def kind_of(self, record):
        return record.kind, record.get_kind_display()

    def step_rank(self, record):
        """Orders records of this type that share a date (higher = later)."""
        return 0

    def step_rank_expression(self):
        """``step_rank`` as a database expression, or ``None`` when it is constant."""
        return None

    def subject_of(self, record):
        return record

    def jurisdiction_of(self, record):
        return record.jurisdiction

    def attempts_of(self, record):
        return tuple(record.attempts.all())

    def entry(self, record):
        kind, kind_label = self.kind_of(record)
        jurisdiction = self.jurisdiction_of(record)
        return TimelineEntry(
            record=record,
            record_type=self.key,
            type_label=self.label,
            kind=kind,
            kind_label=kind_label,
            fuzzy_date=record.fuzzy_date,
            subject=self.subject_of(record),
            url=record.get_absolute_url(),
            # Shown by name: only a published one.
            jurisdiction=jurisdiction if jurisdiction is not None and jurisdiction.is_published else None,
            attempts=self.attempts_of(record),
            step_rank=self.step_rank(record),
        )


class EventType(RecordType):
    key = EVENT
    model = models.LifecycleEvent
    kinds = models.LifecycleEvent.Kind
    select_related = ("attempt__jurisdiction", "instrument__jurisdiction")

    def prefetch_related(self):
        return (_published_attempts("instrument__attempts"),)

    def queryset(self):
        # An event is part of its attempt's or instrument's story: it is public only with them.
        return super().queryset().filter(
            Q(attempt__isnull=True) | Q(attempt__in=_published(models.LegislativeAttempt)),
            Q(instrument__isnull=True) | Q(instrument__in=_published(models.Instrument)),
        )

    def jurisdiction_q(self, slug):
        # An event shows its attempt's jurisdiction, or its instrument's when it has no attempt.
        return (Q(attempt__isnull=False) & _in_jurisdiction("attempt__jurisdiction", slug)) | (
            Q(attempt__isnull=True) & _in_jurisdiction("instrument__jurisdiction", slug)
        )

    def actor_q(self, slug):
        return Q(attempt__initiator__slug=slug) | Q(instrument__parties__slug=slug)

    def attempt_q(self, slug):
        # As ``LegislativeAttempt.all_events``: the attempt's own events, and its
        # instruments' events that are not tied to another attempt.
        return Q(attempt__slug=slug) | Q(attempt__isnull=True, instrument__attempts__slug=slug)

    def step_rank(self, record):
        # Events on the same date keep the order of the procedure: published before withdrawn.
        return EVENT_STATUS[EventKind(record.kind)][1]

    def step_rank_expression(self):
        return Case(
            *(When(kind=kind, then=Value(rank)) for kind, (_status, rank) in EVENT_STATUS.items()),
            default=Value(0),
            output_field=IntegerField(),
        )

    def subject_of(self, record):
        return record.instrument or record.attempt

    def jurisdiction_of(self, record):
        return (record.attempt or record.instrument).jurisdiction

    def attempts_of(self, record):
        if record.attempt is not None:
            return (record.attempt,)
        return tuple(record.instrument.attempts.all())


class DPIAType(RecordType):
    key = DPIA
    model = models.DPIASubmission
    select_related = ("system__jurisdiction",)

    def prefetch_related(self):
        # A DPIA stays public without its attempt; only a published attempt is shown.
        return (_published_attempts("attempt"),)

    def jurisdiction_q(self, slug):
        return _in_jurisdiction("system__jurisdiction", slug)

    def actor_q(self, slug):
        return Q(controller__slug=slug) | Q(authority__slug=slug)

    def attempt_q(self, slug):
        return Q(attempt__slug=slug)

    def kind_of(self, record):
        return "", gettext("round %(number)s") % {"number": record.round}

    def jurisdiction_of(self, record):
        return record.system.jurisdiction

    def attempts_of(self, record):
        return (record.attempt,) if record.attempt is not None else ()


class RulingType(RecordType):
    key = RULING
    model = models.Ruling
    kinds = models.Ruling.Kind
    select_related = ("authority__jurisdiction",)

    def prefetch_related(self):
        return (_published_attempts("attempts"),)

    def jurisdiction_q(self, slug):
        return _in_jurisdiction("authority__jurisdiction", slug)

    def actor_q(self, slug):
        return Q(authority__slug=slug)

    def attempt_q(self, slug):
        # Linked to the attempt, to one of its instruments, or ruling on its DPIA.
        return Q(attempts__slug=slug) | Q(instruments__attempts__slug=slug) | Q(dpia__attempt__slug=slug)

    def jurisdiction_of(self, record):
        return record.authority.jurisdiction


class ResponseType(RecordType):
    key = RESPONSE
    model = models.Response
    kinds = models.Response.Kind
    select_related = ("jurisdiction",)

    def prefetch_related(self):
        return (_published_attempts("attempts"),)

    def actor_q(self, slug):
        return Q(authors__slug=slug) | Q(addressees__slug=slug)

    def attempt_q(self, slug):
        # Linked to the attempt, to one of its instruments, or to one of its DPIAs.
        return Q(attempts__slug=slug) | Q(instruments__attempts__slug=slug) | Q(dpias__attempt__slug=slug)


class DevelopmentType(RecordType):
    key = DEVELOPMENT
    model = models.Development
    kinds = models.Development.Kind
    select_related = ("jurisdiction",)

    def prefetch_related(self):
        return (_published_attempts("attempts"),)

    def actor_q(self, slug):
        return Q(actors__slug=slug)


RECORD_TYPES = (EventType(), DPIAType(), RulingType(), ResponseType(), DevelopmentType())
TYPES_BY_KEY = {record_type.key: record_type for record_type in RECORD_TYPES}
TYPE_ORDER = {record_type.key: index for index, record_type in enumerate(RECORD_TYPES)}


def kind_choices():
    """Choices for the "type" filter: each record type, then each type's own kinds.

    Values are ``"ruling"`` for all rulings or ``"ruling:inspection"`` for one kind.
    Labels of single kinds name their record type, since "Statement" or
    "Report" exist for rulings and responses alike.
    """
    choices = [
        (_("Record types"), [(record_type.key, capfirst(record_type.plural_label)) for record_type in RECORD_TYPES])
    ]
    for record_type in RECORD_TYPES:
        if record_type.kinds is None:
            continue
        choices.append(
            (
                capfirst(record_type.plural_label),
                [
                    (
                        f"{record_type.key}{KIND_SEPARATOR}{value}",
                        format_lazy("{}: {}", capfirst(record_type.label), label),
                    )
                    for value, label in record_type.kinds.choices
                ],
            )
        )
    return choices


def parse_kind(value):
    """``"ruling:inspection"`` → ``("ruling", "inspection")``; ``""`` → ``(None, None)``.

    Raises ``ValueError`` for an unknown type or kind.
    """
    if not value:
        return None, None
    key, _separator, kind = value.partition(KIND_SEPARATOR)
    record_type = TYPES_BY_KEY.get(key)
    if record_type is None:
        raise ValueError(value)
    if kind and (record_type.kinds is None or kind not in record_type.kinds.values):
        raise ValueError(value)
    return key, kind or None


def _newest_first_key(entry):
    known, day, rank = entry.fuzzy_date.sort_key()
    return (known, -day.toordinal(), -rank, TYPE_ORDER[entry.record_type], -entry.step_rank, -entry.record.pk)


def sort_newest_first(entries):
    """Newest first (``FuzzyDate.sort_key`` reversed); unknown dates last."""
    return sorted(entries, key=_newest_first_key)


def _newest_first_in_database(record_type, queryset):
    """The database order matching ``_newest_first_key`` within one record type."""
    rank = Case(
        *(When(date_precision=precision, then=Value(value)) for precision, value in PRECISION_RANK.items()),
        output_field=IntegerField(),
    )
    order = [F("date").desc(nulls_last=True), rank.desc()]
    if (step_rank := record_type.step_rank_expression()) is not None:
        order.append(step_rank.desc())
    return queryset.order_by(*order, "-pk")


def in_year(entries, year):
    """The entries whose date touches ``year`` (all entries when ``year`` is ``None``)."""
    if year is None:
        return list(entries)
    return [entry for entry in entries if year in entry.years]


def timeline_entries(*, jurisdiction=None, kind=None, actor=None, attempt=None, year=None, limit=None):
    """The published timeline, newest first, narrowed by the given filters.

    ``jurisdiction``, ``actor`` and ``attempt`` are slugs; ``kind`` is a value
    of ``kind_choices()``; ``year`` follows the module's year rule. ``limit``
    keeps only the newest ``limit`` entries (reading at most ``limit`` rows of
    each record type). One query per record type plus its prefetches.
    """
    type_key, model_kind = parse_kind(kind)
    entries = []
    for record_type in RECORD_TYPES:
        if type_key not in (None, record_type.key):
            continue
        queryset = record_type.filtered(
            kind=model_kind, jurisdiction=jurisdiction, actor=actor, attempt=attempt
        )
        if limit is not None and year is None:
            queryset = _newest_first_in_database(record_type, queryset)[:limit]
        entries.extend(record_type.entry(record) for record in queryset)
    entries = in_year(sort_newest_first(entries), year)
    return entries[:limit] if limit is not None else entries


def latest_entries(n=5):
    """The ``n`` newest entries of the whole timeline, for the home page."""
    return timeline_entries(limit=n)


# The chart of developments per year --------------------------------------------

# Drawing of the bar chart (SVG user units).
BAR_WIDTH = 34
BAR_GAP = 14
PLOT_HEIGHT = 200
MARGIN_LEFT = 44
MARGIN_RIGHT = 12
MARGIN_TOP = 22
MARGIN_BOTTOM = 30
MIN_LABELLED_SEGMENT = 16  # segments shorter than this carry no number inside


@dataclass
class Segment:
    record_type: str
    label: Any
    count: int
    x: float = 0
    y: float = 0
    height: float = 0

    @property
    def show_count(self):
        return self.height >= MIN_LABELLED_SEGMENT

    @property
    def label_y(self):
        return round(self.y + self.height / 2 + 4, 1)

    @property
    def chip(self):
        """The white label behind the count, centred on the segment: (x, y, width, height)."""
        width = 8 + 7 * len(str(self.count))
        return (round(self.x + (BAR_WIDTH - width) / 2, 1), round(self.y + self.height / 2 - 7, 1), width, 14)


@dataclass
class YearBar:
    year: int
    segments: list
    total: int
    url: str = ""
    selected: bool = False
    x: float = 0
    top: float = 0

    @property
    def counts(self):
        """``{record type: count}`` for this year."""
        return {segment.record_type: segment.count for segment in self.segments}

    @property
    def center(self):
        return self.x + BAR_WIDTH / 2

    @property
    def highlight(self):
        """The frame drawn around the selected year's bar, total and label: (x, y, width, height)."""
        return (self.x - 5, self.top - 22, BAR_WIDTH + 10, MARGIN_TOP + PLOT_HEIGHT - self.top + 22 + 24)

    @property
    def drawn_segments(self):
        return [segment for segment in self.segments if segment.count]


@dataclass
class Tick:
    value: int
    y: float


@dataclass
class YearChart:
    """Developments per year and per record type, laid out as a stacked bar chart."""

    bars: list
    types: list  # (key, label) in stacking order, bottom first
    undated: int = 0
    ticks: list = field(default_factory=list)
    width: float = 0
    height: float = MARGIN_TOP + PLOT_HEIGHT + MARGIN_BOTTOM
    baseline: float = MARGIN_TOP + PLOT_HEIGHT
    plot_left: float = MARGIN_LEFT
    plot_right: float = 0

    bar_width: float = BAR_WIDTH

    def __bool__(self):
        return bool(self.bars)

    @property
    def tick_label_x(self):
        return self.plot_left - 6

    @property
    def counts(self):
        """``{year: {record type: count}}``."""
        return {bar.year: bar.counts for bar in self.bars}

    @property
    def first_year(self):
        return self.bars[0].year if self.bars else None

    @property
    def last_year(self):
        return self.bars[-1].year if self.bars else None

    @property
    def peak(self):
        """The bar with the most entries (the earliest of equals)."""
        return max(self.bars, key=lambda bar: (bar.total, -bar.year)) if self.bars else None

    @property
    def rows(self):
        """The table beside the chart: one row per record type, one cell per year."""
        return [
            {
                "key": key,
                "label": label,
                "cells": [{"count": bar.counts[key], "selected": bar.selected} for bar in self.bars],
            }
            for key, label in self.types
        ]


def _tick_step(maximum):
    """A round step giving at most five gridlines above zero."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if maximum <= step * factor * 5:
                return step * factor
        step *= 10


def _timeline_url(filters, year):
    params = {key: value for key, value in (filters or {}).items() if value not in (None, "")}
    params["year"] = year
    return f"{reverse('legal:timeline')}?{urlencode(params)}"


def entries_per_year(entries=None, *, filters=None, selected_year=None):
    """Count ``entries`` (by default the whole published timeline) per year and record type.

    Every year from the first to the last is present, with zeros. Entries are
    counted under the module's year rule; undated entries are only counted in
    ``undated``. Each bar links to the timeline for its year, keeping
    ``filters`` (a dict of the other filter values).
    """
    if entries is None:
        entries = timeline_entries(**(filters or {}))
    counts = Counter()
    undated = 0
    for entry in entries:
        if not entry.is_dated:
            undated += 1
        for year in entry.years:
            counts[(year, entry.record_type)] += 1
    types = [(record_type.key, record_type.plural_label) for record_type in RECORD_TYPES]
    years = sorted({year for year, _key in counts})
    bars = []
    if years:
        for year in range(years[0], years[-1] + 1):
            segments = [Segment(key, label, counts[(year, key)]) for key, label in types]
            bars.append(
                YearBar(
                    year=year,
                    segments=segments,
                    total=sum(segment.count for segment in segments),
                    url=_timeline_url(filters, year),
                    selected=year == selected_year,
                )
            )
    chart = YearChart(bars=bars, types=types, undated=undated)
    _lay_out(chart)
    return chart


def _lay_out(chart):
    maximum = max((bar.total for bar in chart.bars), default=0) or 1
    step = _tick_step(maximum)
    top_value = -(-maximum // step) * step
    scale = PLOT_HEIGHT / top_value
    chart.width = MARGIN_LEFT + len(chart.bars) * (BAR_WIDTH + BAR_GAP) + MARGIN_RIGHT
    chart.plot_right = chart.width - MARGIN_RIGHT
    chart.ticks = [
        Tick(value, round(chart.baseline - value * scale, 1)) for value in range(0, top_value + 1, step)
    ]
    for index, bar in enumerate(chart.bars):
        bar.x = MARGIN_LEFT + BAR_GAP / 2 + index * (BAR_WIDTH + BAR_GAP)
        y = chart.baseline
        for segment in bar.segments:
            segment.x = bar.x
            segment.height = round(segment.count * scale, 1)
            y -= segment.height
            segment.y = round(y, 1)
        bar.top = round(y, 1)
