"""Public, read-only pages. Every query starts from ``.published()``."""

from django.views.generic import DetailView, TemplateView

from legal import models


class PublishedMixin:
    """Supplies the public queryset of the view's model."""

    model = None
    related = ()

    def get_queryset(self):
        return self.model.objects.published().prefetch_related(*self.related)


class RecordDetailView(PublishedMixin, DetailView):
    template_name = "legal/record_detail.html"
    context_object_name = "record"
    related = ("citations__source",)


class HomeView(TemplateView):
    template_name = "legal/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["attempts"] = (
            models.LegislativeAttempt.objects.published()
            .select_related("jurisdiction")
            .prefetch_related("events", "instruments__events")
            .order_by("title")
        )
        return context


class AttemptDetailView(RecordDetailView):
    model = models.LegislativeAttempt
    related = ("citations__source", "events", "instruments__events")


class InstrumentDetailView(RecordDetailView):
    model = models.Instrument
    related = ("citations__source", "events", "versions")


class VersionDetailView(RecordDetailView):
    model = models.InstrumentVersion

    def get_object(self, queryset=None):
        from django.shortcuts import get_object_or_404

        return get_object_or_404(
            self.get_queryset().select_related("instrument"),
            instrument__slug=self.kwargs["slug"],
            number=self.kwargs["number"],
        )


class EventDetailView(RecordDetailView):
    model = models.LifecycleEvent


class DPIADetailView(RecordDetailView):
    model = models.DPIASubmission


class RulingDetailView(RecordDetailView):
    model = models.Ruling


class ResponseDetailView(RecordDetailView):
    model = models.Response


class DevelopmentDetailView(RecordDetailView):
    model = models.Development


class SystemDetailView(RecordDetailView):
    model = models.SurveillanceSystem


class ActorDetailView(RecordDetailView):
    model = models.Actor
    related = ()


class JurisdictionDetailView(RecordDetailView):
    model = models.Jurisdiction
    related = ()


class SourceDetailView(RecordDetailView):
    model = models.Source
    related = ("citations",)
