"""Read-only views of the public API.

Every queryset starts from ``Model.objects.published()``, and so does every
linked record shown (``Prefetch`` with a published queryset, also for foreign
keys: a link to a record the public may not see comes out as ``null``). A list
costs a fixed number of queries however many rows it has: one count, one page
and one per prefetched link.
"""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import translation
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers as drf_serializers
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from legal import models
from legal.public_history import RecordHistory
from legal.views.base import hide_unpublished_links, public_queryset

from . import filters
from . import serializers as s

API_LANGUAGE = "en"


def published(model):
    return model.objects.published()


def public_events():
    """Lifecycle events are public only together with their attempt and instrument (as on the timeline)."""
    return public_queryset(models.LifecycleEvent)


def public_versions():
    return public_queryset(models.InstrumentVersion)


def link(lookup, model, queryset=None):
    """Prefetch a link (foreign key or many-to-many), keeping only published records."""
    return Prefetch(lookup, queryset=queryset if queryset is not None else published(model))


def citations():
    return Prefetch(
        "citations",
        queryset=models.Citation.objects.filter(source__in=published(models.Source)).select_related("source"),
    )


# Errors and pagination -------------------------------------------------------------

ERROR = inline_serializer("Error", fields={"detail": drf_serializers.CharField()})
FIELD_ERRORS = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="A parameter could not be read: each parameter's name with a list of messages.",
)
NOT_FOUND = OpenApiResponse(ERROR, description="No such public record (or page).")


class Pagination(PageNumberPagination):
    """``?page=`` and ``?page_size=`` (at most 200); a value that is not a number is a 400."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not (raw.isdigit() and 1 <= int(raw)):
            raise ValidationError(
                {self.page_size_query_param: [f"Give a whole number from 1 to {self.max_page_size}."]}
            )
        return super().get_page_size(request)

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and not (raw.isdigit() and int(raw) >= 1):
            raise ValidationError({self.page_query_param: ["Give a page number: a whole number from 1."]})
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
            if parameter["name"] == self.page_query_param:
                parameter["schema"].update(minimum=1)
        return parameters


# Views -------------------------------------------------------------------------------------


class RecordViewSet(viewsets.ReadOnlyModelViewSet):
    """List and retrieve one record type, and read a record's public history."""

    model = None
    select_related = ()
    # A function returning the prefetches: built per request, so that ``.published()`` is asked
    # each time (a moderation workflow may depend on the moment, e.g. embargoes).
    prefetch_related = staticmethod(lambda: ())
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    pagination_class = Pagination
    filter_backends = [DjangoFilterBackend]

    def dispatch(self, request, *args, **kwargs):
        # Labels and date texts are English whatever the browser asks for: one stable answer per URL.
        with translation.override(API_LANGUAGE):
            return super().dispatch(request, *args, **kwargs)

    def base_queryset(self):
        return published(self.model)

    def filter_queryset(self, queryset):
        # Filters narrow lists; a record's own address does not depend on them.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def get_queryset(self):
        queryset = self.base_queryset()
        if self.action == "history":
            return queryset
        ordering = [*self.model._meta.ordering, "pk"]
        return (
            queryset.select_related(*self.select_related).prefetch_related(*self.prefetch_related()).order_by(*ordering)
        )

    # ``select_related()`` joins every required foreign key, so their published-only prefetches
    # are skipped: a link to a record the public may not see is blanked here instead.
    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return None if page is None else list(hide_unpublished_links(*page))

    def get_object(self):
        return hide_unpublished_links(super().get_object())[0]

    @extend_schema(responses={200: s.HistorySerializer, 404: NOT_FOUND}, filters=False)
    @action(detail=True, pagination_class=None, filter_backends=[])
    def history(self, request, *args, **kwargs):
        """The record's published changes, newest first: date, reason and changes; never who made them."""
        record = self.get_object()
        data = {
            "url": s.api_url(record, request),
            # Every record page has its public history page beside it (``legal.urls``).
            "html_url": request.build_absolute_uri(f"{record.get_absolute_url()}history/"),
            "entries": s.HistoryEntrySerializer(RecordHistory(record).entries, many=True).data,
        }
        return Response(data)


def record_viewset(model, serializer, filterset, *, select_related=(), prefetch_related=tuple, base=RecordViewSet):
    name = s.API_NAMES[model]
    plural = str(model._meta.verbose_name_plural)
    attrs = {
        "model": model,
        "serializer_class": serializer,
        "filterset_class": filterset,
        "select_related": select_related,
        "prefetch_related": staticmethod(prefetch_related),
        "__doc__": f"Public {plural}.",
    }
    viewset = type(f"{model.__name__}ViewSet", (base,), attrs)
    return extend_schema_view(
        list=extend_schema(
            summary=f"List {plural}", tags=[name], responses={200: serializer(many=True), 400: FIELD_ERRORS, 404: NOT_FOUND}
        ),
        retrieve=extend_schema(summary=f"One {model._meta.verbose_name}", tags=[name], responses={200: serializer, 404: NOT_FOUND}),
        history=extend_schema(summary=f"Public history of one {model._meta.verbose_name}", tags=[name]),
    )(viewset)


class EventViewSetBase(RecordViewSet):
    lookup_field = "pk"
    lookup_value_regex = r"[0-9]+"

    def base_queryset(self):
        return public_events()


class VersionViewSetBase(RecordViewSet):
    lookup_field = "number"  # with the instrument's slug, see ``get_object``

    def base_queryset(self):
        return public_versions().select_related("instrument")

    def get_object(self):
        queryset = self.get_queryset()
        record = get_object_or_404(queryset, instrument__slug=self.kwargs["instrument"], number=self.kwargs["number"])
        self.check_object_permissions(self.request, record)
        return hide_unpublished_links(record)[0]


Actor, Jurisdiction, Source = models.Actor, models.Jurisdiction, models.Source

JurisdictionViewSet = record_viewset(
    models.Jurisdiction, s.JurisdictionSerializer, filters.JurisdictionFilter,
    prefetch_related=lambda: [link("parent", Jurisdiction)],
)
ActorViewSet = record_viewset(
    models.Actor, s.ActorSerializer, filters.ActorFilter,
    prefetch_related=lambda: [link("jurisdiction", Jurisdiction), link("affiliation", Actor)],
)
SourceViewSet = record_viewset(models.Source, s.SourceSerializer, filters.SourceFilter)
AttemptViewSet = record_viewset(
    models.LegislativeAttempt, s.AttemptSerializer, filters.AttemptFilter,
    prefetch_related=lambda: [
        citations(),
        link("jurisdiction", Jurisdiction),
        link("initiator", Actor),
        link("follows", models.LegislativeAttempt),
        link("followed_by", models.LegislativeAttempt),
        link("events", None, public_events()),
        link(
            "instruments", None,
            published(models.Instrument).prefetch_related(link("events", None, public_events())),
        ),
    ],
)
InstrumentViewSet = record_viewset(
    models.Instrument, s.InstrumentSerializer, filters.InstrumentFilter,
    prefetch_related=lambda: [
        citations(),
        link("jurisdiction", Jurisdiction),
        link("parties", Actor),
        link("attempts", models.LegislativeAttempt),
        link("versions", models.InstrumentVersion),
        link("events", None, public_events()),
    ],
)
VersionViewSet = record_viewset(
    models.InstrumentVersion, s.VersionSerializer, filters.VersionFilter,
    prefetch_related=lambda: [citations(), link("published_in", Source), "provisions"],
    base=VersionViewSetBase,
)
EventViewSet = record_viewset(
    models.LifecycleEvent, s.EventSerializer, filters.EventFilter,
    prefetch_related=lambda: [
        citations(),
        link("attempt", models.LegislativeAttempt),
        link("instrument", models.Instrument),
        link("version", None, public_versions().select_related("instrument")),
        link("provisions", None, models.Provision.objects.filter(version__in=public_versions())),
    ],
    base=EventViewSetBase,
)
SystemViewSet = record_viewset(
    models.SurveillanceSystem, s.SystemSerializer, filters.SystemFilter,
    prefetch_related=lambda: [citations(), link("jurisdiction", Jurisdiction), link("operator", Actor), link("vendors", Actor)],
)
DPIAViewSet = record_viewset(
    models.DPIASubmission, s.DPIASerializer, filters.DPIAFilter,
    prefetch_related=lambda: [
        citations(),
        link("controller", Actor),
        link("authority", Actor),
        link("system", models.SurveillanceSystem),
        link("attempt", models.LegislativeAttempt),
        link("rulings", models.Ruling),
    ],
)
RulingViewSet = record_viewset(
    models.Ruling, s.RulingSerializer, filters.RulingFilter,
    prefetch_related=lambda: [
        citations(),
        link("authority", Actor),
        link("dpia", models.DPIASubmission),
        link("attempts", models.LegislativeAttempt),
        link("instruments", models.Instrument),
        link("systems", models.SurveillanceSystem),
    ],
)
ResponseViewSet = record_viewset(
    models.Response, s.ResponseSerializer, filters.ResponseFilter,
    prefetch_related=lambda: [
        citations(),
        link("jurisdiction", Jurisdiction),
        link("authors", Actor),
        link("addressees", Actor),
        link("in_reply_to", models.Response),
        link("replies", models.Response),
        link("attempts", models.LegislativeAttempt),
        link("instruments", models.Instrument),
        link("rulings", models.Ruling),
        link("dpias", models.DPIASubmission),
        link("systems", models.SurveillanceSystem),
    ],
)
DevelopmentViewSet = record_viewset(
    models.Development, s.DevelopmentSerializer, filters.DevelopmentFilter,
    prefetch_related=lambda: [
        citations(),
        link("jurisdiction", Jurisdiction),
        link("actors", Actor),
        link("systems", models.SurveillanceSystem),
        link("attempts", models.LegislativeAttempt),
    ],
)
