"""The public timeline: every development, newest first, with filters and a chart per year."""

from django.views.generic import TemplateView

from legal import timeline
from legal.forms import TimelineFilterForm

from .base import CanonicalUrlMixin, paginate


class TimelineView(CanonicalUrlMixin, TemplateView):
    """Lists ``legal.timeline`` entries; invalid filters give a 400 page showing the errors.

    The chart counts the entries of the current filters except the year, so
    that it shows where the chosen year stands; the list honours every filter.
    """

    template_name = "legal/timeline.html"
    per_page = 30

    def get(self, request, *args, **kwargs):
        form = TimelineFilterForm(request.GET)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        filters = form.filters()
        year = filters.pop("year")
        entries = timeline.timeline_entries(**filters)
        chart = timeline.entries_per_year(entries, filters=filters, selected_year=year)
        page = paginate(request, timeline.in_year(entries, year), self.per_page)
        return self.render_to_response(
            self.get_context_data(form=form, page_obj=page, entries=page.object_list, chart=chart, year=year)
        )
