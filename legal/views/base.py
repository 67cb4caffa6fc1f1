"""Shared plumbing for the public views."""

from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404

from legal import models


def public_queryset(model):
    """The records of ``model`` the public may see: ``.published()``, and for the
    records that only exist as part of another, published with it.

    A lifecycle event is public only with the attempt and instrument it
    happened to, a version only with its instrument (whose slug is in its
    address), as on the timeline, in the API and in the exports.
    """
    queryset = model.objects.published()
    if model is models.LifecycleEvent:
        queryset = queryset.filter(
            Q(attempt__isnull=True) | Q(attempt__in=models.LegislativeAttempt.objects.published()),
            Q(instrument__isnull=True) | Q(instrument__in=models.Instrument.objects.published()),
        )
    elif model is models.InstrumentVersion:
        queryset = queryset.filter(instrument__in=models.Instrument.objects.published())
    return queryset


def public(lookup, model, queryset=None):
    """Prefetch a reverse or many-to-many relation, keeping only the records the public may see."""
    return Prefetch(lookup, queryset=queryset if queryset is not None else public_queryset(model))


def public_citations(lookup="citations"):
    """Prefetch citations with their source, keeping only those of published sources."""
    return Prefetch(
        lookup,
        queryset=models.Citation.objects.filter(source__in=models.Source.objects.published()).select_related("source"),
    )


def hide_unpublished_links(*records):
    """Blank the fetched foreign keys of ``records`` that point at a record the public may not see.

    Only relations already fetched (``select_related``) are looked at, so this
    costs no query; a page then shows the link as absent. The workflow never
    publishes a record linking to a hidden one, so this is a second line of
    defence against a link made some other way.
    """
    for record in records:
        for field in record._meta.concrete_fields:
            if not (field.many_to_one and field.is_cached(record)):
                continue
            target = field.get_cached_value(record)
            if isinstance(target, models.Publishable) and not target.is_published:
                field.set_cached_value(record, None)
    return records


class PublishedMixin:
    """Supplies the public queryset of the view's model (``model.objects.published()``)."""

    model = None
    select_related = ()
    prefetch_related = ()

    def get_queryset(self):
        queryset = public_queryset(self.model)
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.prefetch_related:
            queryset = queryset.prefetch_related(*self.prefetch_related)
        return queryset


class CanonicalUrlMixin:
    """Puts the page's canonical absolute URL (without query noise) in the context."""

    def get_canonical_path(self):
        obj = getattr(self, "object", None)
        if obj is not None and hasattr(obj, "get_absolute_url"):
            return obj.get_absolute_url()
        return self.request.path

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["canonical_url"] = self.request.build_absolute_uri(self.get_canonical_path())
        return context


def paginate(request, items, per_page=25):
    """Return the requested page; a bad or out-of-range page number falls back sanely.

    A non-number or a number below 1 gives the first page; a number past the end
    gives the last page. Never a server error.
    """
    paginator = Paginator(items, per_page)
    raw = request.GET.get("page", "1")
    try:
        number = int(raw)
    except (TypeError, ValueError):
        number = 1
    number = min(max(number, 1), paginator.num_pages)
    return paginator.page(number)


def get_object_or_404_published(model, **lookup):
    try:
        return model.objects.published().get(**lookup)
    except (model.DoesNotExist, ValueError) as error:
        raise Http404(str(model._meta.verbose_name)) from error
