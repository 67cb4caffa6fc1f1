"""What a change request would do, for the people reviewing or revising it."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from legal import models, workflow
from legal.models import ChangeRequest


@dataclass
class ShownCitation:
    source: str
    grade: str
    locator: str
    quote: str


def _citations_of(change_request):
    if change_request.kind == ChangeRequest.Kind.CREATE:
        record = change_request.record
        # A source has citations too, but those are other records citing it.
        if not isinstance(record, models.CitedRecord):
            return []
        return [
            ShownCitation(str(c.source), c.grade, c.locator, c.quote)
            for c in record.citations.select_related("source")
        ]
    sources = models.Source.objects.in_bulk([data["source"] for data in change_request.proposed.get("citations", [])])
    return [
        ShownCitation(
            str(sources.get(data["source"], f"#{data['source']}")),
            f"{data['reliability']}{data['credibility']}",
            data.get("locator", ""),
            data.get("quote", ""),
        )
        for data in change_request.proposed.get("citations", [])
    ]


def change_summary(change_request):
    """Context for ``staff/_change_diff.html``.

    For a new record: every field it would publish. For an edit: each changed
    field, as the public sees it now → as proposed, and the sources it adds.
    """
    record = change_request.record
    model = change_request.content_type.model_class()
    if change_request.kind == ChangeRequest.Kind.CREATE and record is not None:
        values = workflow.snapshot(record)
        rows = [
            workflow.FieldChange(name=key, label=workflow._label(model, key), before="", after=workflow.describe_value(model, key, raw))
            for section in ("fields", "links")
            for key, raw in values[section].items()
            if raw not in (None, "", [], False)
        ]
    else:
        rows = workflow.proposed_changes(change_request)
    return {
        "change": change_request,
        "record": record,
        "record_type": model._meta.verbose_name,
        "rows": rows,
        "citations": _citations_of(change_request),
        "companions": workflow.companions_of(change_request),
        "is_new": change_request.kind == ChangeRequest.Kind.CREATE,
        "stale_warning": _stale_warning(change_request),
    }


def _stale_warning(change_request):
    if change_request.kind != ChangeRequest.Kind.EDIT or not change_request.is_open or change_request.record is None:
        return ""
    model = change_request.content_type.model_class()
    conflicts = workflow._check_conflicts(
        model, workflow.snapshot(change_request.record), change_request.base, change_request.proposed
    )
    if not conflicts:
        return ""
    return _("The record changed since this edit was proposed: %(fields)s.") % {
        "fields": ", ".join(f"{c.label} (now: {c.after})" for c in conflicts)
    }
