"""Writes to the record. Every change goes through here, atomically, validated,
with who made it and why, so that it lands in the record's history."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from legal import search

REASON_CREATED_IN_ADMIN = "Created in the admin panel"


def _stamp(instance, *, reason, user):
    instance._change_reason = str(reason)
    if user is not None:
        instance._history_user = user


def _note_for_alerts(instance, *, created):
    """E-mail alerts hear of the write once it commits (``alerts.changes.note_write``)."""
    from alerts.changes import note_write

    note_write(instance, created=created)


@transaction.atomic
def save_record(instance, *, reason, user=None):
    """Validate and save one record, recording ``reason`` (and ``user``) in its history."""
    if not str(reason).strip():
        raise ValueError(_("A change needs a reason."))
    instance.full_clean()
    _stamp(instance, reason=reason, user=user)
    created = instance._state.adding
    instance.save()
    search.index_record(instance)
    _note_for_alerts(instance, created=created)
    return instance


@transaction.atomic
def set_links(instance, field_name, targets, *, reason, user=None):
    """Replace a many-to-many link set; a change is recorded in the history only if the set changed."""
    manager = getattr(instance, field_name)
    wanted = {target.pk for target in targets}
    current = set(manager.values_list("pk", flat=True))
    if wanted == current:
        return False
    # One change, one history entry: silence the per-signal entries of
    # ``set()`` (a removal and an addition) and record the result once.
    instance.skip_history_when_saving = True
    try:
        manager.set(list(wanted))
    finally:
        del instance.skip_history_when_saving
    _stamp(instance, reason=reason, user=user)
    instance.save()
    search.index_record(instance)
    _note_for_alerts(instance, created=False)
    return True


@transaction.atomic
def delete_record(instance, *, reason, user=None):
    _stamp(instance, reason=reason, user=user)
    with search.removing(instance):
        instance.delete()
