"""E-mail alerts without an account.

A ``Subscription`` follows one target (an attempt, a jurisdiction, an actor or
a search query) for one e-mail address; it receives nothing until the address
is confirmed. A ``Change`` is one public thing that happened, recorded once
(its ``key`` is unique). A ``Delivery`` is the outbox row of one change for one
subscription: the database refuses a second one, so a change can never be
queued twice for a subscriber. ``alerts.sending`` turns due deliveries into
messages.

Addresses are personal data: they are never shown on a page, in the admin or
in an export; unsubscribing deletes the subscription with its address, and
``manage.py forget`` deletes every subscription of an address.
"""

import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def new_token():
    return secrets.token_urlsafe(32)


class TargetType(models.TextChoices):
    ATTEMPT = "attempt", _("Legislative attempt")
    JURISDICTION = "jurisdiction", _("Jurisdiction")
    ACTOR = "actor", _("Actor")
    SEARCH = "search", _("Search")


class Subscription(models.Model):
    class Frequency(models.TextChoices):
        IMMEDIATE = "immediate", _("As it happens")
        WEEKLY = "weekly", _("Weekly digest")

    email = models.EmailField(_("e-mail address"))
    target_type = models.CharField(_("follows"), max_length=20, choices=TargetType.choices)
    target = models.CharField(
        _("target"), max_length=200, help_text=_("The slug of the record followed, or the search query.")
    )
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.IMMEDIATE)
    language = models.CharField(_("language"), max_length=10, default="en")
    # A random secret: the confirmation and unsubscribe links carry it.
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["email", "target_type", "target"], name="subscription_unique_per_target"),
        ]
        indexes = [models.Index(fields=["target_type", "target"], name="subscription_target_idx")]

    def __str__(self):
        # Never the address: this string may reach logs and the admin.
        return f"{self.get_target_type_display()}: {self.target}"

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None


class Change(models.Model):
    """One public change, described by references to published records (resolved again when sent)."""

    class Kind(models.TextChoices):
        STATUS = "status", _("Status changed")
        EVENT = "event", _("New step")
        VERSION = "version", _("New version")
        RULING = "ruling", _("New ruling")
        RESPONSE = "response", _("New response")
        DEVELOPMENT = "development", _("New development")

    key = models.CharField(max_length=200, unique=True, help_text=_("What makes the change unique."))
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # "legal.ruling" and its pk: the record the change is about.
    record_model = models.CharField(max_length=60)
    record_pk = models.PositiveBigIntegerField()
    # For a status change or a new step: the attempt concerned.
    attempt_pk = models.PositiveBigIntegerField(null=True, blank=True)
    status_before = models.CharField(max_length=32, blank=True)
    status_after = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.key


class Delivery(models.Model):
    """The outbox: one change for one subscription, sent at most once in a message (see ``alerts.sending``)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped (no longer public)")

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    due_at = models.DateTimeField(help_text=_("When it may be sent: now, or the end of the digest's week."))
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    claim = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Kept from the first try, so a retried message carries the same Message-ID.
    message_id = models.CharField(max_length=255, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscription", "change"], name="delivery_once_per_subscription"),
            models.CheckConstraint(
                name="delivery_sent_has_message_id",
                condition=~Q(state="sent") | ~Q(message_id=""),
            ),
        ]
        indexes = [models.Index(fields=["state", "due_at"], name="delivery_state_due_idx")]

    def __str__(self):
        return f"{self.change} → #{self.subscription_id} ({self.state})"
