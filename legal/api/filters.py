"""Filters of the public API (django-filter).

Slugs name the jurisdiction, attempt or actor; an unknown slug or any other
value that cannot be read is answered with 400 and a message, never ignored.
Conditions across links reuse the timeline's (``legal.timeline``), so that the
API and the timeline narrow the same way.

Dates: ``date_after`` and ``date_before`` are read as the tracker writes
dates (``2019``, ``2019-10``, ``2019-10-30``, ``summer 2014``) and compared
with the whole period a record's fuzzy date stands for: a record dated
"2019" overlaps ``date_after=2019-06-01&date_before=2019-06-30``.
"""

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from legal import models, timeline
from legal.dates import SEASON_MONTHS, DatePrecision, FuzzyDate, FuzzyDateError, period_end


class FuzzyDateFormField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            fuzzy = FuzzyDate.parse(value)
        except FuzzyDateError as error:
            raise forms.ValidationError(str(error)) from error
        if fuzzy.end or fuzzy.approximate:
            raise forms.ValidationError(_("Give one date, e.g. 2019, 2019-10 or 2019-10-30, without “~” or “/”."))
        return fuzzy


@extend_schema_field(OpenApiTypes.STR)
class FuzzyDateFilter(django_filters.Filter):
    """A bound of the date range; the filtering itself is done by ``DatedFilterSet``."""

    field_class = FuzzyDateFormField

    def filter(self, queryset, value):
        return queryset


class RangeForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        after, before = cleaned.get("date_after"), cleaned.get("date_before")
        if after and before and after.date > before.latest_day:
            raise forms.ValidationError({"date_before": _("date_before must not come before date_after.")})
        return cleaned


def ends_on_or_after(day):
    """Records whose date's last day (``FuzzyDate.latest_day``) is ``day`` or later.

    The last day of a period is never stored, so the condition is put on its
    first day, precision by precision (dates are stored as period starts).
    """
    last_start = {"date_end__isnull": True}  # the period to compare is the range's last one, if a range
    condition = Q()
    thresholds = {
        DatePrecision.DAY: day,
        DatePrecision.MONTH: day.replace(day=1),
        DatePrecision.YEAR: datetime.date(day.year, 1, 1),
    }
    for precision, threshold in thresholds.items():
        condition |= Q(date_precision=precision) & (
            Q(**last_start, date__gte=threshold) | Q(date_end__gte=threshold)
        )
    for season, (first_month, _last_month) in SEASON_MONTHS.items():
        # The earliest start of this season whose period ends on ``day`` or later.
        threshold = next(
            start
            for year in (day.year - 1, day.year, day.year + 1)
            if period_end(start := datetime.date(year, first_month, 1), DatePrecision.SEASON, season) >= day
        )
        condition |= Q(date_precision=DatePrecision.SEASON, date_season=season) & (
            Q(**last_start, date__gte=threshold) | Q(date_end__gte=threshold)
        )
    return condition


@extend_schema_field(OpenApiTypes.STR)
class SlugFilter(django_filters.ModelChoiceFilter):
    """The slug of a published record; an unknown slug is a 400."""


def published_slugs(model):
    return SlugFilter(
        queryset=lambda request: model.objects.published(), to_field_name="slug", method="filter_link", label=model._meta.verbose_name
    )


class PublicFilterSet(django_filters.FilterSet):
    """Common plumbing: links are filtered by the record type's condition, without duplicates."""

    link_conditions = {}  # filter name -> function(slug) -> Q

    def filter_link(self, queryset, name, value):
        condition = self.link_conditions[name](value.slug)
        model = queryset.model
        # A subquery, so that conditions across many-to-many links give no duplicates.
        return queryset.filter(pk__in=model.objects.filter(condition).values("pk"))


class DatedFilterSet(PublicFilterSet):
    date_after = FuzzyDateFilter(label="date on or after (2019, 2019-10, 2019-10-30, summer 2014)")
    date_before = FuzzyDateFilter(label="date on or before (2019, 2019-10, 2019-10-30, summer 2014)")

    def get_form_class(self):
        return type("DateRangeForm", (RangeForm, super().get_form_class()), {})

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        after, before = self.form.cleaned_data.get("date_after"), self.form.cleaned_data.get("date_before")
        if after:
            queryset = queryset.filter(ends_on_or_after(after.date))
        if before:
            queryset = queryset.filter(date__lte=before.latest_day)
        return queryset


def _in_jurisdiction(path):
    return lambda slug: timeline._in_jurisdiction(path, slug)


class JurisdictionFilter(PublicFilterSet):
    parent = published_slugs(models.Jurisdiction)
    link_conditions = {"parent": lambda slug: Q(parent__slug=slug)}

    class Meta:
        model = models.Jurisdiction
        fields = ["kind", "parent"]


class ActorFilter(PublicFilterSet):
    jurisdiction = published_slugs(models.Jurisdiction)
    link_conditions = {"jurisdiction": _in_jurisdiction("jurisdiction")}

    class Meta:
        model = models.Actor
        fields = ["kind", "role", "jurisdiction"]


class SourceFilter(DatedFilterSet):
    class Meta:
        model = models.Source
        fields = ["kind", "language"]


class AttemptFilter(PublicFilterSet):
    jurisdiction = published_slugs(models.Jurisdiction)
    actor = published_slugs(models.Actor)
    link_conditions = {
        "jurisdiction": _in_jurisdiction("jurisdiction"),
        "actor": lambda slug: Q(initiator__slug=slug) | Q(instruments__parties__slug=slug),
    }

    class Meta:
        model = models.LegislativeAttempt
        fields = ["jurisdiction", "actor"]


class InstrumentFilter(PublicFilterSet):
    jurisdiction = published_slugs(models.Jurisdiction)
    attempt = published_slugs(models.LegislativeAttempt)
    actor = published_slugs(models.Actor)
    link_conditions = {
        "jurisdiction": _in_jurisdiction("jurisdiction"),
        "attempt": lambda slug: Q(attempts__slug=slug),
        "actor": lambda slug: Q(parties__slug=slug),
    }

    class Meta:
        model = models.Instrument
        fields = ["kind", "jurisdiction", "attempt", "actor"]


class VersionFilter(DatedFilterSet):
    instrument = published_slugs(models.Instrument)
    jurisdiction = published_slugs(models.Jurisdiction)
    attempt = published_slugs(models.LegislativeAttempt)
    link_conditions = {
        "instrument": lambda slug: Q(instrument__slug=slug),
        "jurisdiction": _in_jurisdiction("instrument__jurisdiction"),
        "attempt": lambda slug: Q(instrument__attempts__slug=slug),
    }

    class Meta:
        model = models.InstrumentVersion
        fields = ["instrument", "jurisdiction", "attempt"]


class SystemFilter(PublicFilterSet):
    jurisdiction = published_slugs(models.Jurisdiction)
    actor = published_slugs(models.Actor)
    link_conditions = {
        "jurisdiction": _in_jurisdiction("jurisdiction"),
        "actor": lambda slug: Q(operator__slug=slug) | Q(vendors__slug=slug),
    }

    class Meta:
        model = models.SurveillanceSystem
        fields = ["jurisdiction", "actor"]


def timeline_filterset(record_type_key, model, extra_fields=()):
    """A filter set for a timeline record type, with the timeline's own conditions."""
    record_type = timeline.TYPES_BY_KEY[record_type_key]
    has_kind = record_type.kinds is not None
    attrs = {
        "jurisdiction": published_slugs(models.Jurisdiction),
        "attempt": published_slugs(models.LegislativeAttempt),
        "actor": published_slugs(models.Actor),
        "link_conditions": {
            "jurisdiction": record_type.jurisdiction_q,
            "attempt": record_type.attempt_q,
            "actor": record_type.actor_q,
        },
        "Meta": type(
            "Meta",
            (),
            {
                "model": model,
                "fields": [*(["kind"] if has_kind else []), *extra_fields, "jurisdiction", "attempt", "actor"],
            },
        ),
    }
    return type(f"{model.__name__}Filter", (DatedFilterSet,), attrs)


EventFilter = timeline_filterset(timeline.EVENT, models.LifecycleEvent)
RulingFilter = timeline_filterset(timeline.RULING, models.Ruling, extra_fields=["outcome"])
ResponseFilter = timeline_filterset(timeline.RESPONSE, models.Response)
DevelopmentFilter = timeline_filterset(timeline.DEVELOPMENT, models.Development)
DPIAFilter = timeline_filterset(timeline.DPIA, models.DPIASubmission)
