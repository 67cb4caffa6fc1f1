"""Moderation pages: the review queue, the review of one change, and the
private history of any record, with removal from and restoration to public
view. Moderators only.

Every decision is taken by ``legal.workflow``; these views collect the
moderator's input, turn a refusal (``ValidationError``) into a message next
to the form that caused it, and keep what the moderator typed.
"""

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext, gettext_lazy as _
from django.views.generic import TemplateView

from legal import workflow
from legal.models import ChangeRequest, Visibility
from legal.services import REASON_CREATED_IN_ADMIN
from staff.diffs import change_summary
from staff.records import get_record, model_for

from .base import ModeratorRequiredMixin

State = ChangeRequest.State

RECENTLY_DECIDED = 20

# Reasons the application itself stores, in English: shown in the reader's language.
STORED_REASONS = {
    workflow.REASON_DRAFT_SAVED,
    workflow.REASON_PUBLISHED,
    workflow.REASON_COMPANION,
    REASON_CREATED_IN_ADMIN,
}


def _add_workflow_error(form, error):
    """Show a refusal of the workflow on the form that asked for it."""
    if hasattr(error, "error_dict") and set(error.error_dict) <= set(form.fields):
        form.add_error(None, error)
    else:
        for message in error.messages:
            form.add_error(None, message)


# Forms ----------------------------------------------------------------------------------


class ReviewedVersionForm(forms.Form):
    """Carries the version of the change the moderator saw, so that a decision
    never applies to something the author changed in the meantime."""

    seen = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, change_request, **kwargs):
        self.change_request = change_request
        super().__init__(*args, **kwargs)
        self.fields["seen"].initial = review_version(change_request)


class ApproveForm(ReviewedVersionForm):
    reason = forms.CharField(
        label=_("Public reason"),
        max_length=500,
        required=False,
        help_text=_("Shown in the record's public history. Describe the change; never name people."),
    )
    publish_date = forms.DateField(
        label=_("Publish on (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave empty to publish now."),
    )
    publish_time = forms.TimeField(
        label=_("at (time)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].initial = self.change_request.reason
        zone = timezone.get_default_timezone_name()
        self.fields["publish_time"].help_text = _("Time in %(zone)s.") % {"zone": zone}

    def clean(self):
        cleaned = super().clean()
        day, time = cleaned.get("publish_date"), cleaned.get("publish_time")
        if self.errors:
            return cleaned
        if day and not time:
            self.add_error("publish_time", _("Give the time of publication too."))
        elif time and not day:
            self.add_error("publish_date", _("Give the day of publication too."))
        elif day and time:
            # The moderator thinks in the site's time zone, whatever the browser's.
            moment = timezone.make_aware(datetime.datetime.combine(day, time), timezone.get_default_timezone())
            if moment <= timezone.now():
                self.add_error("publish_date", _("The publication time must be in the future."))
            cleaned["publish_at"] = moment
        cleaned.setdefault("publish_at", None)
        return cleaned


class ReturnForm(ReviewedVersionForm):
    comment = forms.CharField(
        label=_("What needs to change (private, for the author)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say what needs to change.")},
    )


class RejectForm(ReviewedVersionForm):
    comment = forms.CharField(
        label=_("Reason for rejecting (private, for the author)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give the reason for rejecting it.")},
    )


ACTIONS = {"approve": ApproveForm, "return": ReturnForm, "reject": RejectForm}


class VisibilityReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        error_messages={"required": _("Give the reason.")},
        help_text=_("Kept in the record's history; never name people."),
    )


def review_version(change_request):
    """What the moderator reviews: the request's revision and, for a new record,
    its draft row's latest version (the draft can be edited in place)."""
    parts = [str(change_request.revision)]
    record = change_request.record
    if change_request.kind == ChangeRequest.Kind.CREATE and record is not None:
        parts.append(str(workflow.latest_history_id(record) or 0))
    return "-".join(parts)


def _change_kind(change_request):
    if change_request.restores_history_id:
        return gettext("Restore")
    if change_request.kind == ChangeRequest.Kind.CREATE:
        return gettext("New")
    return gettext("Edit")


# The review queue and the review of one change -------------------------------------------


class ReviewQueueView(ModeratorRequiredMixin, TemplateView):
    template_name = "staff/review_queue.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # ``record`` is a generic relation: prefetching resolves it with one
        # query per record type, not one per row.
        base = ChangeRequest.objects.select_related("content_type", "author", "reviewed_by").prefetch_related("record")
        submitted = list(base.awaiting_review().order_by("submitted_at", "pk"))
        scheduled = list(base.scheduled().order_by("publish_at", "pk"))
        decided = list(
            base.filter(state__in=[State.PUBLISHED, State.REJECTED, State.RETURNED], decided_at__isnull=False)
            .order_by("-decided_at", "-pk")[:RECENTLY_DECIDED]
        )
        for item in (*submitted, *scheduled, *decided):
            item.kind_shown = _change_kind(item)
        context.update(submitted=submitted, scheduled=scheduled, decided=decided)
        return context


class ReviewView(ModeratorRequiredMixin, TemplateView):
    """One change: what it would do, its private log, and the three decisions."""

    template_name = "staff/review_detail.html"

    def get_change_request(self):
        return get_object_or_404(ChangeRequest.objects.select_related("content_type", "author"), pk=self.kwargs["pk"])

    def get_forms(self, change_request, bound=None):
        found = {}
        for action, form_class in ACTIONS.items():
            if bound is not None and bound.prefix == action:
                found[action] = bound
            else:
                found[action] = form_class(prefix=action, change_request=change_request)
        return found

    def get_context_data(self, bound=None, **kwargs):
        context = super().get_context_data(**kwargs)
        change_request = self.change_request
        record = change_request.record
        context.update(change_summary(change_request))
        context["forms"] = self.get_forms(change_request, bound)
        # On a phone the refused form is far down the page: say so at the top.
        context["failed_action"] = bound.prefix if bound is not None and bound.errors else ""
        context["kind_shown"] = _change_kind(change_request)
        context["log"] = workflow.moderation_log(change_request)
        context["can_approve"] = change_request.state in (State.SUBMITTED, State.SCHEDULED)
        context["can_return"] = change_request.state in (State.SUBMITTED, State.SCHEDULED)
        context["can_reject"] = change_request.state in (*ChangeRequest.OPEN_STATES, State.SCHEDULED)
        if record is not None:
            context["public_url"] = record.get_absolute_url() if record.is_published else ""
            context["history_url"] = reverse(
                "staff:record_history", kwargs={"type": record._meta.model_name, "pk": record.pk}
            )
        return context

    def get(self, request, *args, **kwargs):
        self.change_request = self.get_change_request()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.change_request = self.get_change_request()
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            messages.error(request, gettext("Choose approve, return or reject."))
            return redirect("staff:review", pk=self.change_request.pk)
        form = ACTIONS[action](request.POST, prefix=action, change_request=self.change_request)
        if form.is_valid():
            try:
                with transaction.atomic():
                    # Hold the request while checking that it is what the moderator saw.
                    locked = ChangeRequest.objects.select_for_update().get(pk=self.change_request.pk)
                    if form.cleaned_data["seen"] != review_version(locked):
                        raise ValidationError(
                            gettext(
                                "The author changed this submission while you were reviewing it. "
                                "Check the changes below, then decide again."
                            )
                        )
                    done = self.decide(action, locked, form.cleaned_data)
            except workflow.StaleEdit as error:
                details = "; ".join(f"{change.label}: {change.after}" for change in error.changes)
                form.add_error(None, f"{error} ({details})" if details else str(error))
                self._show_current_version(form)
            except ValidationError as error:
                _add_workflow_error(form, error)
                self._show_current_version(form)
            else:
                messages.success(request, self.success_message(action, done))
                return redirect("staff:review_queue")
        return self.render_to_response(self.get_context_data(bound=form))

    def _show_current_version(self, form):
        """The page now shows the request as it is; the next decision is about that version."""
        self.change_request.refresh_from_db()
        form.data = form.data.copy()
        form.data[form.add_prefix("seen")] = review_version(self.change_request)

    def decide(self, action, change_request, data):
        user = self.request.user
        if action == "approve":
            return workflow.approve_change(
                change_request,
                user=user,
                reason=data["reason"],
                publish_at=data["publish_at"],
            )
        if action == "return":
            return workflow.return_change(change_request, user=user, comment=data["comment"])
        return workflow.reject_change(change_request, user=user, comment=data["comment"])

    def success_message(self, action, change_request):
        label = change_request.record_label
        if action == "approve" and change_request.state == State.SCHEDULED:
            when = formats.date_format(timezone.localtime(change_request.publish_at), "DATETIME_FORMAT")
            return gettext("Approved: “%(record)s” will be published on %(when)s.") % {"record": label, "when": when}
        if action == "approve":
            return gettext("Published: “%(record)s”.") % {"record": label}
        if action == "return":
            return gettext("Returned to its author: “%(record)s”.") % {"record": label}
        return gettext("Rejected: “%(record)s”.") % {"record": label}


# The private history of a record ---------------------------------------------------------


def private_history(record):
    """Every historical row of ``record``, drafts included, newest first, each with
    its field changes against the row before it.

    The rows are read once and their many-to-many snapshots with one query per
    link field; neighbours are paired in Python.
    """
    model = record._meta.concrete_model
    rows = list(record.history.select_related("history_user").order_by("history_date", "history_id"))
    links = {}
    for field in workflow.proposal_links(model):
        through = getattr(model.history.model, field.name).model
        target = f"{field.m2m_reverse_field_name()}_id"
        by_row = {row.history_id: [] for row in rows}
        for history_id, pk in through.objects.filter(history__in=[row.history_id for row in rows]).values_list(
            "history_id", target
        ):
            by_row.setdefault(history_id, []).append(pk)
        links[field.name] = by_row
    fields = workflow.proposal_fields(model)
    entries, previous = [], None
    for row in rows:
        state = {
            "fields": {field.attname: workflow._to_json(field, getattr(row, field.attname)) for field in fields},
            "links": {name: sorted(by_row.get(row.history_id, [])) for name, by_row in links.items()},
        }
        changes = workflow.diff_snapshots(model, previous, state) if previous is not None else []
        reason = row.history_change_reason or ""
        entries.append(
            {
                "row": row,
                "reason": gettext(reason) if reason in STORED_REASONS else reason,
                "changes": changes,
                "first": previous is None,
                "state": state,
            }
        )
        previous = state
    # Restoring a version with the values the record has now would change nothing.
    for entry in entries:
        state = entry.pop("state")
        # Only versions the public once saw can come back; a draft was never approved.
        entry["restorable"] = (
            entry is not entries[-1] and entry["row"].visibility == Visibility.PUBLISHED and state != previous
        )
    entries.reverse()
    return entries


class RecordHistoryView(ModeratorRequiredMixin, TemplateView):
    """Every version of a record, with who saved it, and the moderator's tools for it."""

    template_name = "staff/record_history.html"

    def get_record(self):
        return get_record(self.kwargs["type"], self.kwargs["pk"])

    def get_context_data(self, remove_form=None, restore_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        record = self.record
        type_name = record._meta.model_name
        entries = private_history(record)
        context.update(
            record=record,
            record_type=model_for(type_name)._meta.verbose_name,
            type_name=type_name,
            entries=entries,
            public_url=record.get_absolute_url() if record.is_published else "",
            can_restore_versions=record.is_published,
            can_remove=record.visibility == Visibility.PUBLISHED,
            can_restore=record.visibility == Visibility.DELETED,
            remove_form=remove_form or VisibilityReasonForm(prefix="remove"),
            restore_form=restore_form or VisibilityReasonForm(prefix="restore"),
            requests=list(
                ChangeRequest.objects.for_record(record).select_related("author").order_by("-created_at", "-pk")
            ),
        )
        return context

    def get(self, request, *args, **kwargs):
        self.record = self.get_record()
        return super().get(request, *args, **kwargs)


class RemoveRecordView(RecordHistoryView):
    """Soft delete: the record leaves public view and can come back."""

    http_method_names = ["post"]
    prefix = "remove"

    def act(self, record, reason):
        workflow.remove_record(record, user=self.request.user, reason=reason)
        return gettext("Removed from public view: “%(record)s”.") % {"record": record}

    def post(self, request, *args, **kwargs):
        self.record = self.get_record()
        form = VisibilityReasonForm(request.POST, prefix=self.prefix)
        if form.is_valid():
            try:
                message = self.act(self.record, form.cleaned_data["reason"])
            except ValidationError as error:
                _add_workflow_error(form, error)
            else:
                messages.success(request, message)
                return redirect("staff:record_history", type=self.kwargs["type"], pk=self.record.pk)
        self.record.refresh_from_db()
        return self.render_to_response(self.get_context_data(**{f"{self.prefix}_form": form}))


class RestoreRecordView(RemoveRecordView):
    """Bring a removed record back into public view."""

    prefix = "restore"

    def act(self, record, reason):
        workflow.restore_record(record, user=self.request.user, reason=reason)
        return gettext("Back in public view: “%(record)s”.") % {"record": record}


class RestoreVersionView(RecordHistoryView):
    """An earlier version, proposed as a new change that is reviewed like any other."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        record = self.get_record()
        try:
            change_request = workflow.propose_restore_version(record, self.kwargs["history_id"], user=request.user)
        except workflow.StaleEdit as error:
            details = "; ".join(f"{change.label}: {change.after}" for change in error.changes)
            messages.error(request, f"{error} ({details})")
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, gettext("The earlier version is proposed as a new change. Review it below."))
            return redirect("staff:review", pk=change_request.pk)
        return redirect("staff:record_history", type=self.kwargs["type"], pk=record.pk)


urlpatterns = [
    path("review/", ReviewQueueView.as_view(), name="review_queue"),
    path("review/<int:pk>/", ReviewView.as_view(), name="review"),
    path("records/<str:type>/<int:pk>/history/", RecordHistoryView.as_view(), name="record_history"),
    path(
        "records/<str:type>/<int:pk>/history/<int:history_id>/restore/",
        RestoreVersionView.as_view(),
        name="restore_version",
    ),
    path("records/<str:type>/<int:pk>/remove/", RemoveRecordView.as_view(), name="remove_record"),
    path("records/<str:type>/<int:pk>/restore/", RestoreRecordView.as_view(), name="restore_record"),
]
