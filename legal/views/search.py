from django.http import Http404
from django.views.generic import TemplateView


class SearchView(TemplateView):
    """To be implemented: diacritics- and script-insensitive search."""

    def get(self, request, *args, **kwargs):
        raise Http404("not yet available")
