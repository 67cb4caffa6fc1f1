from django.http import Http404
from django.views.generic import TemplateView


class RecordHistoryView(TemplateView):
    """To be implemented: the public history of one record."""

    model = None

    def get(self, request, *args, **kwargs):
        raise Http404("not yet available")
