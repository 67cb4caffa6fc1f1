from django.http import Http404
from django.views.generic import TemplateView


class CompareChooseView(TemplateView):
    def get(self, request, *args, **kwargs):
        raise Http404("not yet available")


class CompareView(TemplateView):
    """To be implemented: two versions compared provision by provision."""

    def get(self, request, *args, **kwargs):
        raise Http404("not yet available")
