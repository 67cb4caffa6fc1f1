"""Shared plumbing for the public views."""

from django.core.paginator import Paginator
from django.http import Http404


class PublishedMixin:
    """Supplies the public queryset of the view's model (``model.objects.published()``)."""

    model = None
    select_related = ()
    prefetch_related = ()

    def get_queryset(self):
        queryset = self.model.objects.published()
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
