from django.views.generic import TemplateView

from legal.models import ChangeRequest
from legal.workflow import is_moderator

from .base import StaffRequiredMixin


class DashboardView(StaffRequiredMixin, TemplateView):
    """The staff member's start page: log something, and their own queue."""

    template_name = "staff/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        mine = ChangeRequest.objects.authored_by(self.request.user).select_related("content_type").prefetch_related("record")
        context["returned"] = mine.filter(state=ChangeRequest.State.RETURNED)
        context["drafts"] = mine.filter(state=ChangeRequest.State.DRAFT)
        context["submitted"] = mine.filter(state__in=[ChangeRequest.State.SUBMITTED, ChangeRequest.State.SCHEDULED])
        context["decided"] = mine.filter(state__in=[ChangeRequest.State.PUBLISHED, ChangeRequest.State.REJECTED])[:10]
        if is_moderator(self.request.user):
            context["awaiting_review"] = ChangeRequest.objects.awaiting_review().count()
        return context
