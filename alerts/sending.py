"""Sending due deliveries, outside any web request (``manage.py send_alerts``).

How a run works, for each subscription with due deliveries:

1. **Claim** (one short transaction): the due rows are locked
   (``select_for_update(skip_locked=True)`` where the database supports it)
   and moved from ``pending`` to ``sending`` by a conditional UPDATE carrying a
   random claim token, so two workers can never claim the same row, even on
   SQLite. The message's Message-ID is chosen and stored here; a retry of
   exactly the same rows reuses it.
2. **Send** one message with every claimed change (immediate: all pending
   changes; weekly: the changes whose week has ended).
3. **Mark** the rows ``sent``. If the SMTP server refuses or cannot be
   reached, the rows go back to ``pending`` with their attempt count and a
   next-retry time (exponential backoff): nothing is lost.

The guarantee, honestly: sending and marking cannot be atomic with a remote
mail server, so delivery is **at-least-once with a bounded window**. A worker
that dies after claiming leaves rows in ``sending``; once the lease
(``ALERTS_LEASE``, 15 minutes) has passed, another run takes them over and
sends them with the **same Message-ID**. The only case of a second copy is a
worker dying in the instant between the server accepting the message and the
rows being marked sent; that copy carries the same Message-ID, which mail
clients use to recognise duplicates. A change is never queued twice for a
subscription (a unique constraint), and a row once ``sent`` is never sent
again.

Every record named in a message is fetched again through ``.published()``
when the message is built: a change whose record is no longer public is
skipped, and a message with nothing left is not sent at all.
"""

import datetime
import logging
import secrets
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from legal import models as legal
from legal.status import Status
from legal.templatetags.legal_tags import title_of, tr
from legal.views.base import public_queryset

from .models import Change, Delivery, Subscription, TargetType

logger = logging.getLogger(__name__)

LEASE = datetime.timedelta(seconds=getattr(settings, "ALERTS_LEASE_SECONDS", 15 * 60))
BACKOFF_BASE = datetime.timedelta(minutes=1)
BACKOFF_MAX = datetime.timedelta(hours=12)


def absolute(path):
    return settings.ALERTS_SITE_URL.rstrip("/") + path


def due_condition(now):
    pending = Q(state=Delivery.State.PENDING, due_at__lte=now) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    abandoned = Q(state=Delivery.State.SENDING, claimed_at__lte=now - LEASE)
    return pending | abandoned


def backoff(attempts):
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


# Building a message ---------------------------------------------------------------------


def target_title(subscription):
    """The followed target's public name (never more than ``.published()`` gives)."""
    models = {
        TargetType.ATTEMPT: legal.LegislativeAttempt,
        TargetType.JURISDICTION: legal.Jurisdiction,
        TargetType.ACTOR: legal.Actor,
    }
    if subscription.target_type == TargetType.SEARCH:
        return f"“{subscription.target}”"
    record = models[subscription.target_type].objects.published().filter(slug=subscription.target).first()
    return title_of(record) if record else None


def _get(model, pk):
    return public_queryset(model).filter(pk=pk).first() if pk else None


def describe(change):
    """A change as the reader sees it, from published records only; ``None`` when it is not public (any more)."""
    kind = Change.Kind
    if change.kind in (kind.STATUS, kind.EVENT):
        event = _get(legal.LifecycleEvent, change.record_pk)
        attempt = _get(legal.LegislativeAttempt, change.attempt_pk)
        if event is None or attempt is None:
            return None
        return {
            "kind": change.kind,
            "title": title_of(attempt),
            "before": Status(change.status_before).label if change.status_before else "",
            "after": Status(change.status_after).label if change.status_after else "",
            "step": event.get_kind_display(),
            "date": event.date_display,
            "summary": tr(event, "summary"),
            "url": absolute(attempt.get_absolute_url()),
            "event_url": absolute(event.get_absolute_url()),
        }
    if change.kind == kind.VERSION:
        version = _get(legal.InstrumentVersion, change.record_pk)
        if version is None or _get(legal.Instrument, version.instrument_id) is None:
            return None
        instrument = version.instrument
        previous = (
            legal.InstrumentVersion.objects.published()
            .filter(instrument=instrument, number__lt=version.number)
            .order_by("-number")
            .first()
        )
        compare_url = ""
        if previous is not None:
            compare_url = absolute(
                reverse(
                    "legal:compare",
                    kwargs={
                        "left": instrument.slug,
                        "left_number": previous.number,
                        "right": instrument.slug,
                        "right_number": version.number,
                    },
                )
            )
        return {
            "kind": change.kind,
            "title": title_of(instrument),
            "label": tr(version, "label"),
            "number": version.number,
            "previous_number": previous.number if previous else None,
            "date": version.date_display,
            "summary": tr(version, "summary"),
            "url": absolute(version.get_absolute_url()),
            "compare_url": compare_url,
        }
    model = {kind.RULING: legal.Ruling, kind.RESPONSE: legal.Response, kind.DEVELOPMENT: legal.Development}.get(
        change.kind
    )
    record = _get(model, change.record_pk) if model else None
    if record is None:
        return None
    detail = record.get_outcome_display() if change.kind == kind.RULING else record.get_kind_display()
    return {
        "kind": change.kind,
        "title": title_of(record),
        "detail": detail,
        "date": record.date_display,
        "summary": tr(record, "summary"),
        "url": absolute(record.get_absolute_url()),
    }


def unsubscribe_url(subscription):
    with translation.override(subscription.language):
        return absolute(reverse("alerts:unsubscribe", kwargs={"token": subscription.token}))


def build_message(subscription, items, message_id, connection=None):
    with translation.override(subscription.language):
        context = {
            "subscription": subscription,
            "target": target_title(subscription) or subscription.target,
            "items": items,
            "weekly": subscription.frequency == Subscription.Frequency.WEEKLY,
            "unsubscribe_url": unsubscribe_url(subscription),
        }
        subject = render_to_string("alerts/email/alert_subject.txt", context).strip()
        body = render_to_string("alerts/email/alert.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        to=[subscription.email],
        connection=connection,
        headers={
            "Message-ID": message_id,
            # RFC 8058 one-click unsubscribe: a POST to this URL unsubscribes.
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )


# Claiming and sending -----------------------------------------------------------------------


def claim(subscription_id, now):
    """Take the subscription's due rows for this worker; returns the claim token (or ``None``)."""
    token = secrets.token_hex(16)
    with transaction.atomic():
        rows = Delivery.objects.filter(subscription_id=subscription_id).filter(due_condition(now))
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        taken = list(rows.values_list("pk", "message_id"))
        if not taken:
            return None
        earlier = {message_id for _pk, message_id in taken}
        # A retry of exactly the same changes is the same message: same Message-ID.
        message_id = earlier.pop() if len(earlier) == 1 and "" not in earlier else make_msgid(domain=msgid_domain())
        claimed = (
            Delivery.objects.filter(pk__in=[pk for pk, _m in taken])
            .filter(due_condition(now))
            .update(state=Delivery.State.SENDING, claim=token, claimed_at=now, message_id=message_id)
        )
    return token if claimed else None


def msgid_domain():
    from urllib.parse import urlsplit

    return urlsplit(settings.ALERTS_SITE_URL).hostname or "localhost"


def send_claimed(subscription, token, now, connection=None):
    """Send one message with the claimed rows; returns True if a message went out."""
    rows = list(Delivery.objects.filter(claim=token, state=Delivery.State.SENDING).select_related("change"))
    if not rows:
        return False
    with translation.override(subscription.language):
        described = [(row, describe(row.change)) for row in rows]
    items = [item for _row, item in described if item is not None]
    hidden = [row.pk for row, item in described if item is None]
    if hidden:
        Delivery.objects.filter(pk__in=hidden, claim=token).update(state=Delivery.State.SKIPPED, claim="")
    if not items:
        return False  # never an empty message
    message = build_message(subscription, items, rows[0].message_id, connection=connection)
    try:
        message.send()
    except Exception as error:  # SMTP down or refusing: keep everything for a later try
        attempts = max(row.attempts for row in rows) + 1
        Delivery.objects.filter(claim=token, state=Delivery.State.SENDING).update(
            state=Delivery.State.PENDING,
            attempts=F("attempts") + 1,
            next_attempt_at=now + backoff(attempts),
            last_error=f"{type(error).__name__}"[:200],
            claim="",
        )
        logger.warning("Alert for subscription #%s not sent (%s); retry later", subscription.pk, type(error).__name__)
        return False
    Delivery.objects.filter(claim=token, state=Delivery.State.SENDING).update(
        state=Delivery.State.SENT, sent_at=timezone.now(), last_error=""
    )
    return True


def send_due(now=None, limit=None):
    """Send every due alert; returns the number of messages sent."""
    now = now or timezone.now()
    due = (
        Delivery.objects.filter(due_condition(now), subscription__confirmed_at__isnull=False)
        .order_by("subscription_id")
        .values_list("subscription_id", flat=True)
        .distinct()
    )
    subscription_ids = list(due[:limit] if limit else due)
    sent = 0
    # Not opened here: each message opens it if needed, so a mail server that is
    # down fails each message (and is retried later) instead of the whole run.
    mail = get_connection()
    for subscription_id in subscription_ids:
        subscription = Subscription.objects.filter(pk=subscription_id).first()
        if subscription is None:
            continue
        token = claim(subscription_id, now)
        if token and send_claimed(subscription, token, now, connection=mail):
            sent += 1
    return sent
