"""The public history of one record, and the record as it was on a given day."""

import datetime
import re

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from legal import models
from legal.public_history import RecordHistory, display_name

from .base import CanonicalUrlMixin, public_queryset

ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_as_of(raw):
    """Read the ``as_of`` parameter: ``(day, None)``, ``(None, None)`` if absent, or ``(None, error)``."""
    raw = (raw or "").strip()
    if not raw:
        return None, None
    if not ISO_DAY.match(raw):
        return None, _("Give the date as year-month-day, for example 2021-03-15.")
    try:
        day = datetime.date.fromisoformat(raw)
    except ValueError:
        return None, _("There is no such day in the calendar. Give a real date, for example 2021-03-15.")
    if day > timezone.localdate():
        return None, _("That date is in the future. The history can only show the record up to today.")
    return day, None


class RecordHistoryView(CanonicalUrlMixin, TemplateView):
    """Every published change of a record, newest first; optionally the record as of a day.

    Routed once per record type with ``as_view(model=...)``; the URL names the
    record by ``slug``, by ``pk`` (events) or by ``slug`` + ``number`` (versions).
    """

    model = None
    template_name = "legal/history.html"

    def get_object(self):
        # An event or a version is public only with what it belongs to.
        queryset = public_queryset(self.model)
        if "number" in self.kwargs:
            queryset = queryset.select_related("instrument")
            lookup = {"instrument__slug": self.kwargs["slug"], "number": self.kwargs["number"]}
        elif "pk" in self.kwargs:
            lookup = {"pk": self.kwargs["pk"]}
        else:
            lookup = {"slug": self.kwargs["slug"]}
        if self.model is models.LifecycleEvent:
            # Its title names what it happened to.
            queryset = queryset.select_related("attempt", "instrument")
        return get_object_or_404(queryset, **lookup)

    def get_canonical_path(self):
        return self.request.path

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        self.as_of, self.as_of_error = parse_as_of(request.GET.get("as_of"))
        context = self.get_context_data(**kwargs)
        return self.render_to_response(context, status=400 if self.as_of_error else 200)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        record = self.object
        history = RecordHistory(record)
        context.update(
            record=record,
            record_title=display_name(record),
            record_url=record.get_absolute_url(),
            entries=history.entries,
            as_of=self.as_of,
            as_of_error=self.as_of_error,
            snapshot=history.as_of(self.as_of) if self.as_of else None,
            today=timezone.localdate(),
        )
        return context

