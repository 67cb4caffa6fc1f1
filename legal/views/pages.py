"""Home, list and detail pages of the public site."""

import datetime

from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe
from django.views.generic import DetailView, ListView, TemplateView

from legal import models, timeline
from legal.status import EventKind, tracker_items

from .base import (
    CanonicalUrlMixin,
    PublishedMixin,
    get_object_or_404_published,
    hide_unpublished_links,
    paginate,
    public,
    public_citations,
    public_queryset,
)

CITATIONS = public_citations()


def published(model):
    return model.objects.published()


def events():
    """An attempt's or instrument's public events (they decide its status)."""
    return public("events", models.LifecycleEvent)


def instruments_with_events():
    return public("instruments", models.Instrument, published(models.Instrument).prefetch_related(events()))


class HomeView(CanonicalUrlMixin, TemplateView):
    template_name = "legal/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        attempts = list(
            published(models.LegislativeAttempt)
            .select_related("jurisdiction")
            .prefetch_related(events(), instruments_with_events())
        )
        hide_unpublished_links(*attempts)
        attempts.sort(key=lambda attempt: max((e.fuzzy_date.sort_key() for e in attempt.all_events()), default=(2,)), reverse=True)
        today = datetime.date.today()
        context["attempts"] = attempts
        context["open_consultations"] = [
            attempt for attempt in attempts if attempt.status == "in_consultation"
        ]
        context["today"] = today
        entries = timeline.timeline_entries()
        context["latest_entries"] = entries[:6]
        context["chart"] = timeline.entries_per_year(entries)
        context["counts"] = {
            "attempts": len(attempts),
            "rulings": published(models.Ruling).count(),
            "responses": published(models.Response).count(),
            "sources": published(models.Source).count(),
        }
        return context


class AboutView(CanonicalUrlMixin, TemplateView):
    template_name = "legal/about.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["reliability_scale"] = models.Grading.Reliability.choices
        context["credibility_scale"] = models.Grading.Credibility.choices
        return context


class PaginatedListView(CanonicalUrlMixin, PublishedMixin, ListView):
    """A list whose bad page numbers fall back to the first or last page."""

    per_page = 50

    def get_context_data(self, **kwargs):
        page = paginate(self.request, self.get_queryset(), self.per_page)
        hide_unpublished_links(*page.object_list)
        return super().get_context_data(object_list=page.object_list, page_obj=page, **kwargs)

    def get(self, request, *args, **kwargs):
        self.object_list = []
        return self.render_to_response(self.get_context_data())


class AttemptListView(PaginatedListView):
    model = models.LegislativeAttempt
    template_name = "legal/attempt_list.html"
    select_related = ("jurisdiction", "follows")
    prefetch_related = (events(), instruments_with_events())


class InstrumentListView(PaginatedListView):
    model = models.Instrument
    template_name = "legal/instrument_list.html"
    select_related = ("jurisdiction",)
    prefetch_related = (events(),)


class DPIAListView(CanonicalUrlMixin, TemplateView):
    template_name = "legal/dpia_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # A DPIA's outcome is its latest public ruling's.
        context["dpias"] = hide_unpublished_links(
            *published(models.DPIASubmission)
            .select_related("controller", "authority", "system")
            .prefetch_related(public("rulings", models.Ruling))
        )
        context["rulings"] = hide_unpublished_links(
            *published(models.Ruling).select_related("authority", "dpia")
        )
        return context


class ResponseListView(PaginatedListView):
    model = models.Response
    template_name = "legal/response_list.html"
    select_related = ("jurisdiction", "in_reply_to")
    prefetch_related = (public("authors", models.Actor),)


class ActorListView(PaginatedListView):
    model = models.Actor
    template_name = "legal/actor_list.html"
    select_related = ("jurisdiction", "affiliation")


class JurisdictionListView(PaginatedListView):
    model = models.Jurisdiction
    template_name = "legal/jurisdiction_list.html"
    select_related = ("parent",)


class SourceListView(PaginatedListView):
    model = models.Source
    template_name = "legal/source_list.html"


class RecordDetailView(CanonicalUrlMixin, PublishedMixin, DetailView):
    """A record's page; every list on it holds public records only (``prefetch_related``)."""

    context_object_name = "record"

    def get_object(self, queryset=None):
        record = super().get_object(queryset)
        hide_unpublished_links(record)
        return record

    def get_template_names(self):
        return [f"legal/{self.model._meta.model_name}_detail.html"]


class AttemptDetailView(RecordDetailView):
    model = models.LegislativeAttempt
    select_related = ("jurisdiction", "initiator", "follows")
    prefetch_related = (
        CITATIONS,
        events(),
        Prefetch("followed_by", queryset=published(models.LegislativeAttempt)),
        Prefetch(
            "instruments",
            queryset=models.Instrument.objects.published().prefetch_related(
                events(), public("versions", models.InstrumentVersion)
            ),
        ),
        Prefetch("dpias", queryset=published(models.DPIASubmission).select_related("authority", "controller")),
        Prefetch("rulings", queryset=published(models.Ruling).select_related("authority")),
        Prefetch("responses", queryset=published(models.Response).select_related("jurisdiction")),
        Prefetch("developments", queryset=published(models.Development)),
    )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        attempt = self.object
        events = sorted(attempt.all_events(), key=lambda event: event.fuzzy_date.sort_key())
        context["events"] = events
        context["tracker"] = tracker_items(events, attempt.followed_by.all())
        context["withdrawn_event"] = next(
            (event for event in reversed(events) if event.kind == EventKind.WITHDRAWN), None
        )
        versions = [version for instrument in attempt.instruments.all() for version in instrument.versions.all()]
        context["versions"] = versions
        # Compare this attempt's latest text with the first text of each redraft.
        comparisons = []
        for instrument in attempt.instruments.all():
            ordered = list(instrument.versions.all())
            for older, newer in zip(ordered, ordered[1:]):
                comparisons.append((older, newer))
        if versions:
            follower_versions = list(
                public_queryset(models.InstrumentVersion)
                .filter(instrument__attempts__in=attempt.followed_by.all())
                .select_related("instrument")
                .order_by("instrument", "number")
            )
            if follower_versions:
                comparisons.append((versions[-1], follower_versions[0]))
        context["comparisons"] = comparisons
        return context


class InstrumentDetailView(RecordDetailView):
    model = models.Instrument
    select_related = ("jurisdiction",)
    prefetch_related = (
        CITATIONS,
        events(),
        public("versions", models.InstrumentVersion),
        public("parties", models.Actor),
        Prefetch("attempts", queryset=published(models.LegislativeAttempt)),
        Prefetch("rulings", queryset=published(models.Ruling).select_related("authority")),
        Prefetch("responses", queryset=published(models.Response)),
    )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["events"] = sorted(self.object.events.all(), key=lambda event: event.fuzzy_date.sort_key())
        versions = list(self.object.versions.all())
        context["comparisons"] = list(zip(versions, versions[1:]))
        return context


class VersionDetailView(RecordDetailView):
    model = models.InstrumentVersion
    select_related = ("instrument", "published_in")
    prefetch_related = (CITATIONS, "provisions")

    def get_object(self, queryset=None):
        version = get_object_or_404(
            self.get_queryset(), instrument__slug=self.kwargs["slug"], number=self.kwargs["number"]
        )
        hide_unpublished_links(version)
        return version


class EventDetailView(RecordDetailView):
    model = models.LifecycleEvent
    select_related = ("attempt", "instrument", "version__instrument")
    prefetch_related = (
        CITATIONS,
        public(
            "provisions",
            models.Provision,
            models.Provision.objects.filter(version__in=public_queryset(models.InstrumentVersion)),
        ),
    )


class DPIADetailView(RecordDetailView):
    model = models.DPIASubmission
    select_related = ("controller", "authority", "system", "attempt")
    prefetch_related = (
        CITATIONS,
        Prefetch("rulings", queryset=published(models.Ruling).prefetch_related(CITATIONS)),
        Prefetch("responses", queryset=published(models.Response)),
    )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["other_rounds"] = (
            published(models.DPIASubmission)
            .filter(system=self.object.system_id)
            .exclude(pk=self.object.pk)
            .order_by("round")
        )
        return context


class RulingDetailView(RecordDetailView):
    model = models.Ruling
    select_related = ("authority", "dpia__controller")
    prefetch_related = (
        CITATIONS,
        Prefetch("attempts", queryset=published(models.LegislativeAttempt)),
        Prefetch("instruments", queryset=published(models.Instrument)),
        Prefetch("systems", queryset=published(models.SurveillanceSystem)),
        Prefetch("responses", queryset=published(models.Response)),
    )


class ResponseDetailView(RecordDetailView):
    model = models.Response
    select_related = ("jurisdiction", "in_reply_to")
    prefetch_related = (
        CITATIONS,
        public("authors", models.Actor),
        public("addressees", models.Actor),
        Prefetch("attempts", queryset=published(models.LegislativeAttempt)),
        Prefetch("instruments", queryset=published(models.Instrument)),
        Prefetch("rulings", queryset=published(models.Ruling)),
        Prefetch("dpias", queryset=published(models.DPIASubmission)),
        Prefetch("systems", queryset=published(models.SurveillanceSystem)),
    )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The thread is walked through the links; a message the public may not see is left out.
        context["thread"] = [message for message in self.object.thread() if message.is_published]
        return context


class DevelopmentDetailView(RecordDetailView):
    model = models.Development
    select_related = ("jurisdiction",)
    prefetch_related = (
        CITATIONS,
        public("actors", models.Actor),
        Prefetch("systems", queryset=published(models.SurveillanceSystem)),
        Prefetch("attempts", queryset=published(models.LegislativeAttempt)),
    )


class SystemDetailView(RecordDetailView):
    model = models.SurveillanceSystem
    select_related = ("jurisdiction", "operator")
    prefetch_related = (
        CITATIONS,
        public("vendors", models.Actor),
        Prefetch(
            "dpias", queryset=published(models.DPIASubmission).prefetch_related(public("rulings", models.Ruling))
        ),
        Prefetch("rulings", queryset=published(models.Ruling).select_related("authority")),
        Prefetch("responses", queryset=published(models.Response)),
        Prefetch("developments", queryset=published(models.Development)),
    )


class ActorDetailView(RecordDetailView):
    model = models.Actor
    select_related = ("jurisdiction", "affiliation")
    prefetch_related = (
        public("members", models.Actor),
        Prefetch("responses_authored", queryset=published(models.Response)),
        Prefetch("responses_received", queryset=published(models.Response)),
        Prefetch("rulings", queryset=published(models.Ruling)),
        Prefetch("dpias_submitted", queryset=published(models.DPIASubmission)),
        Prefetch("attempts_initiated", queryset=published(models.LegislativeAttempt)),
        Prefetch("developments", queryset=published(models.Development)),
        Prefetch("systems_supplied", queryset=published(models.SurveillanceSystem)),
        Prefetch("systems_operated", queryset=published(models.SurveillanceSystem)),
        Prefetch("instruments", queryset=published(models.Instrument)),
    )


class JurisdictionDetailView(RecordDetailView):
    model = models.Jurisdiction
    select_related = ("parent",)
    prefetch_related = (
        public("children", models.Jurisdiction),
        Prefetch(
            "attempts",
            queryset=published(models.LegislativeAttempt).prefetch_related(events(), instruments_with_events()),
        ),
        Prefetch("instruments", queryset=published(models.Instrument)),
        Prefetch("actors", queryset=published(models.Actor)),
        Prefetch("responses", queryset=published(models.Response)),
        Prefetch("developments", queryset=published(models.Development)),
        Prefetch("systems", queryset=published(models.SurveillanceSystem)),
    )


class SourceDetailView(RecordDetailView):
    model = models.Source

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["citing"] = citing_records(self.object)
        return context


# Shown in the browser; any other stored type is downloaded.
INLINE_FILE_TYPES = {"pdf", "txt", "png", "jpg", "jpeg"}


@require_safe
def source_file(request, slug):
    """The stored copy of a published source.

    Stored files are never served straight from ``MEDIA_ROOT``: a draft
    source's file must stay private. The download is named after the
    source's slug, never the stored name, which may come from a staff
    member's computer.
    """
    return stored_file_response(get_object_or_404_published(models.Source, slug=slug))


def stored_file_response(source):
    """The stored copy of ``source`` as a download named after its slug (also used by the staff area)."""
    if not source.file:
        raise Http404("This source has no stored copy.")
    extension = source.file.name.rsplit(".", 1)[-1].lower() if "." in source.file.name else ""
    try:
        handle = source.file.storage.open(source.file.name, "rb")
    except FileNotFoundError as error:
        raise Http404("The stored copy is missing.") from error
    response = FileResponse(
        handle,
        as_attachment=extension not in INLINE_FILE_TYPES,
        filename=f"{source.slug}.{extension}" if extension else source.slug,
    )
    # An archived web page or document must never run anything on this site.
    response["Content-Security-Policy"] = "sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def citing_records(source):
    """The published records citing ``source``, with their citations: one query per record type."""
    citations = list(source.citations.select_related("content_type").order_by("content_type", "object_id"))
    ids_by_type = {}
    for citation in citations:
        ids_by_type.setdefault(citation.content_type, set()).add(citation.object_id)
    records = {}
    for content_type, ids in ids_by_type.items():
        model = content_type.model_class()
        for pk, record in public_queryset(model).in_bulk(ids).items():
            records[(content_type.pk, pk)] = record
    rows = []
    for citation in citations:
        record = records.get((citation.content_type_id, citation.object_id))
        if record is not None:
            rows.append({"record": record, "citation": citation, "type": record._meta.verbose_name})
    return rows
