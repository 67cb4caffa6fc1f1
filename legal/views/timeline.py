from django.http import Http404
from django.views.generic import TemplateView


class TimelineView(TemplateView):
    """To be implemented: all developments, newest first, with filters."""

    def get(self, request, *args, **kwargs):
        raise Http404("not yet available")
