"""Stored source files for the people reviewing them, before they are public.

``MEDIA_ROOT`` is never served directly (it holds draft sources' files too);
the public gets published sources' files from ``legal:source_file``.
"""

from django.http import Http404
from django.views import View

from legal import models
from legal.views.pages import stored_file_response
from legal.workflow import is_moderator

from .base import StaffRequiredMixin


def may_download(user, source):
    """Moderators; the staff member who added it (a companion of their request); anyone once published."""
    if source.is_published or is_moderator(user):
        return True
    key = ["legal.source", source.pk]
    return any(key in companions for companions in user.change_requests.values_list("companions", flat=True))


class SourceFileView(StaffRequiredMixin, View):
    def get(self, request, pk):
        source = models.Source.objects.filter(pk=pk).first()
        # Not found and not allowed look the same: a staff member learns nothing of others' drafts.
        if source is None or not may_download(request.user, source):
            raise Http404("No such stored file.")
        return stored_file_response(source)
