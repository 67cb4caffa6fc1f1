"""From a write to the record to the public changes subscribers hear about.

``note_write(instance, created=...)`` is called explicitly after every write
(``legal.services`` and the admin; no signals). It waits for the write's
transaction to commit, then derives the public change, only from records
visible through ``.published()``:

- a lifecycle event: the status of each attempt it concerns, before → after
  (a new step when the status stays the same);
- a new instrument version: with the version it can be compared with;
- a new ruling, response or development.

Each change is stored once (``Change.key`` is unique) and queued once per
matching confirmed subscription (``Delivery`` is unique per subscription and
change), so calling ``note_write`` twice for the same write queues nothing more.
"""

import datetime
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from legal import models as legal
from legal.search import QueryTooLong, _matching, query_terms
from legal.status import derive_status
from legal.views.base import public_queryset

from .models import Change, Delivery, Subscription, TargetType

logger = logging.getLogger(__name__)

NEW_RECORD_KINDS = {
    legal.InstrumentVersion: Change.Kind.VERSION,
    legal.Ruling: Change.Kind.RULING,
    legal.Response: Change.Kind.RESPONSE,
    legal.Development: Change.Kind.DEVELOPMENT,
}
WATCHED = (legal.LifecycleEvent, *NEW_RECORD_KINDS)


def note_write(instance, *, created):
    """Record the public change a committed write made, and queue it for subscribers."""
    if not isinstance(instance, WATCHED) or instance.pk is None:
        return
    model, pk = type(instance), instance.pk
    transaction.on_commit(lambda: _note_safely(model, pk, created))


def _note_safely(model, pk, created):
    # The write is committed: an alert problem must never turn it into an error page.
    try:
        record_change(model, pk, created=created)
    except Exception:
        logger.exception("Could not record the alert for %s #%s", model._meta.label, pk)


def record_change(model, pk, *, created):
    """Build the ``Change`` rows for one record (if public) and fan them out; returns them."""
    # As on the public pages: an event is public only with its attempt and instrument.
    record = public_queryset(model).filter(pk=pk).first()
    if record is None:
        return []
    if model is legal.LifecycleEvent:
        changes = _event_changes(record, created)
    elif created:
        changes = [_change(f"{model._meta.label_lower}:{pk}:new", NEW_RECORD_KINDS[model], record)]
    else:
        # Links set after creation (``set_links``) may reach new subscribers of
        # the change already recorded; an ordinary edit is not news.
        changes = list(Change.objects.filter(key=f"{model._meta.label_lower}:{pk}:new"))
    for change in changes:
        fan_out(change, record)
    return changes


def _change(key, kind, record, **fields):
    try:
        with transaction.atomic():
            change, _created = Change.objects.get_or_create(
                key=key,
                defaults={"kind": kind, "record_model": record._meta.label_lower, "record_pk": record.pk, **fields},
            )
    except IntegrityError:  # another process recorded it at the same moment
        change = Change.objects.get(key=key)
    return change


def _published_pks(model, pks):
    return set(public_queryset(model).filter(pk__in=pks).values_list("pk", flat=True))


def event_attempts(event):
    """The published attempts a lifecycle event counts for (as ``LegislativeAttempt.all_events`` does)."""
    if event.attempt_id:
        return list(legal.LegislativeAttempt.objects.published().filter(pk=event.attempt_id))
    return list(legal.LegislativeAttempt.objects.published().filter(instruments=event.instrument_id))


def public_events(attempt):
    events = attempt.all_events()
    visible = _published_pks(legal.LifecycleEvent, [event.pk for event in events])
    return [event for event in events if event.pk in visible]


def _event_changes(event, created):
    changes = []
    previous = None
    if not created:
        history = list(event.history.order_by("-history_id")[:2])
        if len(history) < 2:
            return []
        previous, latest_id = history[1].instance, history[0].history_id
    for attempt in event_attempts(event):
        events = public_events(attempt)
        others = [other for other in events if other.pk != event.pk]
        after = derive_status(events)
        if created:
            before = derive_status(others)
            kind = Change.Kind.STATUS if before != after else Change.Kind.EVENT
            key = f"legal.lifecycleevent:{event.pk}:new:attempt:{attempt.pk}"
        else:
            # An edit is news only when it moves the status.
            before = derive_status([*others, previous])
            if before == after:
                continue
            kind = Change.Kind.STATUS
            key = f"legal.lifecycleevent:{event.pk}:history:{latest_id}:attempt:{attempt.pk}"
        changes.append(
            _change(key, kind, event, attempt_pk=attempt.pk, status_before=before, status_after=after)
        )
    return changes


# Who hears about a change ------------------------------------------------------------


def _slugs(model, queryset_filter):
    return set(model.objects.published().filter(queryset_filter).values_list("slug", flat=True))


def affected_targets(change, record):
    """``{target type: set of slugs}`` of the published records a change concerns, and the records to search."""
    from django.db.models import Q

    attempts, instruments, actors, jurisdictions = set(), set(), set(), set()
    if change.attempt_pk:
        attempts.add(change.attempt_pk)
    if isinstance(record, legal.LifecycleEvent) and record.instrument_id:
        instruments.add(record.instrument_id)
    if isinstance(record, legal.InstrumentVersion):
        instruments.add(record.instrument_id)
        attempts |= set(legal.LegislativeAttempt.objects.filter(instruments=record.instrument_id).values_list("pk", flat=True))
    if isinstance(record, (legal.Ruling, legal.Response, legal.Development)):
        attempts |= set(record.attempts.values_list("pk", flat=True))
    if isinstance(record, (legal.Ruling, legal.Response)):
        instruments |= set(record.instruments.values_list("pk", flat=True))
    if isinstance(record, legal.Ruling):
        actors.add(record.authority_id)
    if isinstance(record, legal.Response):
        actors |= set(record.authors.values_list("pk", flat=True)) | set(record.addressees.values_list("pk", flat=True))
        jurisdictions.add(record.jurisdiction_id)
    if isinstance(record, legal.Development):
        actors |= set(record.actors.values_list("pk", flat=True))
        jurisdictions.add(record.jurisdiction_id)
    attempts = _published_pks(legal.LegislativeAttempt, attempts)
    instruments = _published_pks(legal.Instrument, instruments)
    attempt_rows = legal.LegislativeAttempt.objects.filter(pk__in=attempts)
    instrument_rows = legal.Instrument.objects.filter(pk__in=instruments)
    jurisdictions |= set(attempt_rows.values_list("jurisdiction_id", flat=True))
    jurisdictions |= set(instrument_rows.values_list("jurisdiction_id", flat=True))
    actors |= set(attempt_rows.values_list("initiator_id", flat=True))
    actors |= set(instrument_rows.values_list("parties", flat=True))
    actors.discard(None)
    jurisdictions.discard(None)
    return {
        TargetType.ATTEMPT: _slugs(legal.LegislativeAttempt, Q(pk__in=attempts)),
        TargetType.JURISDICTION: _slugs(legal.Jurisdiction, Q(pk__in=jurisdictions)),
        TargetType.ACTOR: _slugs(legal.Actor, Q(pk__in=actors)),
    }, [(record, record.pk), *[(legal.LegislativeAttempt, pk) for pk in attempts]]


def query_matches(query, searched):
    """Whether a saved search finds the changed record (or an attempt it concerns)."""
    from django.contrib.contenttypes.models import ContentType

    try:
        terms = query_terms(query)
    except QueryTooLong:
        return False
    if not terms:
        return False
    condition = None
    from django.db.models import Q

    for model_or_record, pk in searched:
        model = model_or_record if isinstance(model_or_record, type) else type(model_or_record)
        q = Q(content_type=ContentType.objects.get_for_model(model), object_id=pk)
        condition = q if condition is None else condition | q
    return _matching(terms).filter(condition).exists()


def next_digest_time(now):
    """Monday 00:00 (site time zone) after ``now``: a week's changes share one digest."""
    local = timezone.localtime(now)
    monday = (local - datetime.timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return monday + datetime.timedelta(days=7)


def fan_out(change, record, now=None):
    """Queue ``change`` once for every confirmed subscription it concerns."""
    from django.db.models import Q

    now = now or timezone.now()
    targets, searched = affected_targets(change, record)
    condition = Q(pk__in=[])
    for target_type, slugs in targets.items():
        if slugs:
            condition |= Q(target_type=target_type, target__in=slugs)
    confirmed = Subscription.objects.filter(confirmed_at__isnull=False)
    subscriptions = list(confirmed.filter(condition))
    queries = confirmed.filter(target_type=TargetType.SEARCH).values_list("target", flat=True).distinct()
    matched = [query for query in queries if query_matches(query, searched)]
    if matched:
        subscriptions += list(confirmed.filter(target_type=TargetType.SEARCH, target__in=matched))
    weekly = next_digest_time(now)
    rows = [
        Delivery(
            subscription=subscription,
            change=change,
            due_at=weekly if subscription.frequency == Subscription.Frequency.WEEKLY else now,
            next_attempt_at=now,
        )
        for subscription in subscriptions
        # A subscription hears only of changes made after it was confirmed.
        if subscription.confirmed_at <= change.created_at
    ]
    # The unique constraint makes a repeated fan-out a no-op.
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
