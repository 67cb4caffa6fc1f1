"""The review queue: what staff propose and what moderators decide about it.

A ``ChangeRequest`` is one unit of review. For a new record it points at the
record's draft row (staff edit the row itself, which the public never sees);
for an edit to a published record it holds the proposed values, which reach
the record only when a moderator publishes them. Its own history (who, when,
why) is the private log of every moderation action; it never appears in
public.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ChangeRequestQuerySet(models.QuerySet):
    def open(self):
        """Not yet decided: staff may still edit them."""
        return self.filter(state__in=ChangeRequest.OPEN_STATES)

    def awaiting_review(self):
        return self.filter(state=ChangeRequest.State.SUBMITTED)

    def scheduled(self):
        return self.filter(state=ChangeRequest.State.SCHEDULED)

    def for_record(self, record):
        return self.filter(content_type=ContentType.objects.get_for_model(record), object_id=record.pk)

    def authored_by(self, user):
        return self.filter(author=user)


class ChangeRequest(models.Model):
    """A new record or an edit, on its way from a staff member to the public."""

    class Kind(models.TextChoices):
        CREATE = "create", _("New record")
        EDIT = "edit", _("Edit to a published record")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for review")
        RETURNED = "returned", _("Returned for changes")
        SCHEDULED = "scheduled", _("Approved, scheduled")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")

    OPEN_STATES = (State.DRAFT, State.SUBMITTED, State.RETURNED)
    EDITABLE_STATES = (State.DRAFT, State.RETURNED, State.SUBMITTED)

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, verbose_name=_("record type"))
    object_id = models.PositiveBigIntegerField(_("record id"))
    record = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT, db_index=True)
    # Who proposed it: kept for moderators, never shown in public. Removing a
    # user account must not erase the review log.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="change_requests",
        verbose_name=_("author"),
    )
    proposed = models.JSONField(
        _("proposed values"),
        default=dict,
        blank=True,
        help_text=_("For an edit: the changed fields, links and new citations."),
    )
    base = models.JSONField(
        _("values it was based on"),
        default=dict,
        blank=True,
        help_text=_("For an edit: the record's values of the changed fields when the edit started."),
    )
    companions = models.JSONField(
        _("records created with it"),
        default=list,
        blank=True,
        help_text=_("Actors, sources or jurisdictions created inline, published together with this change."),
    )
    restores_history_id = models.PositiveBigIntegerField(
        _("restores version"),
        null=True,
        blank=True,
        help_text=_("When this edit restores an earlier version: that version's history id."),
    )
    reason = models.CharField(
        _("public reason"),
        max_length=500,
        blank=True,
        help_text=_("What changed and why. Shown to the public in the record's history, without any name."),
    )
    note = models.TextField(
        _("note to moderators"),
        blank=True,
        help_text=_("Internal: never shown to the public."),
    )
    comment = models.TextField(
        _("moderator's comment"),
        blank=True,
        help_text=_("Internal: why it was returned or rejected. Never shown to the public."),
    )
    publish_at = models.DateTimeField(
        _("publish at"),
        null=True,
        blank=True,
        help_text=_("Embargo: the change stays private until this moment."),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,  # keep the decision when an account is removed
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    revision = models.PositiveIntegerField(
        _("revision"),
        default=1,
        help_text=_("Goes up with every save, so that a stale form cannot overwrite a newer one."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    objects = ChangeRequestQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = _("proposed change")
        verbose_name_plural = _("proposed changes")
        permissions = [
            ("log_developments", _("Can log developments and propose edits")),
            ("moderate", _("Can review and publish changes, remove and restore records")),
        ]
        constraints = [
            models.CheckConstraint(
                name="changerequest_scheduled_has_time",
                condition=~Q(state="scheduled") | Q(publish_at__isnull=False),
            ),
            # At most one open new-record request per draft row.
            models.UniqueConstraint(
                fields=["content_type", "object_id"],
                condition=Q(kind="create"),
                name="changerequest_one_create_per_record",
            ),
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="changerequest_record")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.record_label}"

    @property
    def record_label(self):
        record = self.record
        return str(record) if record is not None else f"{self.content_type.model} #{self.object_id}"

    @property
    def is_open(self):
        return self.state in self.OPEN_STATES

    @property
    def is_editable(self):
        return self.state in self.EDITABLE_STATES
