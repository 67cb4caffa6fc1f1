"""The moderation workflow: from a staff member's draft to the public record.

Every state change is an explicit, atomic function here, recording who and
why: in the record's history (the public sees the approved states only, see
``legal.public_history``) and in the history of its ``ChangeRequest`` (the
private log of moderation actions).

- A new record is a draft row (``visibility=draft``) with a ``create``
  request; staff edit the row itself. Publishing flips it to ``published``.
- An edit to a published record is an ``edit`` request holding the changed
  fields only, with the values they had when the edit started; the record is
  untouched until a moderator publishes it, then gets one history entry.
- Removal is soft (``visibility=deleted``) and can be undone.
- A stale form never overwrites a newer save: ``StaleEdit`` says what the
  other person changed, and the caller keeps the user's input.
"""

import datetime
from dataclasses import dataclass

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models as django_models, transaction
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import get_language_info, gettext, gettext_lazy as _, gettext_noop

from legal import models
from legal.models import ChangeRequest, Visibility
from legal.public_history import LANGUAGE_NAMES
from legal.services import save_record
from legal.translation import HISTORY_M2M_FIELDS, TRANSLATED_FIELDS

State = ChangeRequest.State

# Reasons and log entries are stored in English (the catalogue's message ids)
# and translated when shown, so that the stored history does not depend on the
# language of whoever happened to act.
REASON_DRAFT_SAVED = gettext_noop("Draft saved")
REASON_PUBLISHED = gettext_noop("Published after review")
REASON_COMPANION = gettext_noop("Published with a reviewed record")

# The private log of a change request (its history's change reasons). Return
# and rejection append ": " and the moderator's words.
ACTION_CREATED = gettext_noop("Draft created")
ACTION_EDITED = gettext_noop("Draft edited")
ACTION_PROPOSED = gettext_noop("Edit proposed")
ACTION_REVISED = gettext_noop("Proposal edited")
ACTION_SUBMITTED = gettext_noop("Submitted for review")
ACTION_RETURNED = gettext_noop("Returned")
ACTION_REJECTED = gettext_noop("Rejected")
ACTION_SCHEDULED = gettext_noop("Approved, scheduled")
ACTION_PUBLISHED = gettext_noop("Published")
ACTION_NOT_PUBLISHED = gettext_noop("Could not be published at the scheduled time")
NEEDS_SOURCE = _("Add at least one source before submitting.")

ACTIONS = (
    ACTION_CREATED, ACTION_EDITED, ACTION_PROPOSED, ACTION_REVISED, ACTION_SUBMITTED, ACTION_RETURNED,
    ACTION_REJECTED, ACTION_SCHEDULED, ACTION_PUBLISHED, ACTION_NOT_PUBLISHED,
)

# Fields nobody proposes through the workflow: identity, bookkeeping, visibility
# and stored files (a file is attached when its source is created).
NOT_PROPOSED = {"id", "slug", "created_at", "updated_at", "visibility", "sha256", "file"}


# Roles ----------------------------------------------------------------------------------


def is_moderator(user):
    return user.is_authenticated and user.is_active and user.has_perm("legal.moderate")


def is_staff_member(user):
    """NGO staff who log developments (moderators can too)."""
    return user.is_authenticated and user.is_active and (user.has_perm("legal.log_developments") or is_moderator(user))


def can_edit(user, change_request):
    """The author may edit an undecided request; a moderator may edit any undecided one."""
    if not change_request.is_editable:
        return False
    return is_moderator(user) or (is_staff_member(user) and change_request.author_id == user.pk)


def can_view(user, change_request):
    return is_moderator(user) or (is_staff_member(user) and change_request.author_id == user.pk)


def _require(allowed, message=None):
    if not allowed:
        raise PermissionDenied(message or gettext("You are not allowed to do this."))


# Snapshots of a record's proposable values ------------------------------------------------


def proposal_fields(model):
    """The concrete fields a proposal may change, by attribute name (``title_en``, ``authority_id`` ...)."""
    translated = set(TRANSLATED_FIELDS.get(model, ()))
    return [
        field
        for field in model._meta.concrete_fields
        if field.editable and field.name not in NOT_PROPOSED and field.name not in translated
    ]


def proposal_links(model):
    """The many-to-many fields a proposal may change (those whose history is kept)."""
    return [model._meta.get_field(name) for name in HISTORY_M2M_FIELDS.get(model, ())]


def _to_json(field, value):
    if value is None:
        # Translation columns are nullable; for comparing, empty text is empty text.
        return "" if isinstance(field, (django_models.CharField, django_models.TextField)) else None
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def _from_json(field, raw):
    if raw is None:
        return None
    if field.many_to_one:
        return field.target_field.to_python(raw)
    return field.to_python(raw)


def snapshot(record):
    """``{"fields": {attname: json value}, "links": {name: sorted pks}}`` of a live record."""
    model = record._meta.concrete_model
    return {
        "fields": {field.attname: _to_json(field, getattr(record, field.attname)) for field in proposal_fields(model)},
        "links": {
            field.name: sorted(getattr(record, field.name).values_list("pk", flat=True))
            for field in proposal_links(model)
        },
    }


def _form_int(value):
    """A history id or revision sent back by a form, or a clear error rather than a crash."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError(gettext("The form is out of date: reload the page and try again.")) from None


def historical_snapshot(record, history_id):
    """The same snapshot, as the record was in one of its historical rows."""
    model = record._meta.concrete_model
    history_id = _form_int(history_id)
    row = record.history.filter(history_id=history_id).first()
    if row is None:
        raise ValidationError(gettext("That version of the record does not exist."))
    links = {}
    for field in proposal_links(model):
        through = getattr(model.history.model, field.name).model
        target = f"{field.m2m_reverse_field_name()}_id"
        links[field.name] = sorted(through.objects.filter(history_id=history_id).values_list(target, flat=True))
    return {
        "fields": {field.attname: _to_json(field, getattr(row, field.attname)) for field in proposal_fields(model)},
        "links": links,
    }


def latest_history_id(record):
    """The concurrency token of a record: the id of its newest historical row."""
    return record.history.order_by("-history_id").values_list("history_id", flat=True).first()


# Describing differences -----------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    """One field's difference, as text for people: ``before`` → ``after``."""

    name: str
    label: str
    before: str
    after: str


def _field_by_key(model, key):
    for field in proposal_fields(model):
        if field.attname == key:
            return field
    for field in proposal_links(model):
        if field.name == key:
            return field
    return None


def _label(model, key):
    field = _field_by_key(model, key)
    if field is None:
        return key
    language = getattr(field, "language", None)
    if language:
        # A translation column: the original field's name and the language's,
        # as the public history names them ("Summary (English)").
        original = getattr(field, "translated_field", field)
        language_name = LANGUAGE_NAMES.get(language) or get_language_info(language)["name_translated"]
        return f"{capfirst(original.verbose_name)} ({language_name})"
    return capfirst(str(field.verbose_name))


def _names(model, pks):
    records = model._default_manager.in_bulk(pks)
    return ", ".join(sorted((str(records[pk]) if pk in records else f"#{pk}") for pk in pks)) or "—"


def describe_value(model, key, raw):
    """A stored value as people read it (names for links, labels for choices)."""
    field = _field_by_key(model, key)
    if raw is None or raw == "" or raw == []:
        return "—"
    if field is None:
        return str(raw)
    if field.many_to_many:
        return _names(field.related_model, raw)
    if field.many_to_one:
        return _names(field.related_model, [raw])
    value = _from_json(field, raw)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "DATE_FORMAT")
    return str(value)


def diff_snapshots(model, before, after):
    """Field-by-field differences between two snapshots (or partial ones), in field order."""
    changes = []
    for section in ("fields", "links"):
        old, new = before.get(section, {}), after.get(section, {})
        for key in new:
            if key in old and old[key] != new[key]:
                changes.append(
                    FieldChange(
                        name=key,
                        label=_label(model, key),
                        before=describe_value(model, key, old[key]),
                        after=describe_value(model, key, new[key]),
                    )
                )
    return changes


def proposed_changes(change_request):
    """What an edit request would change, compared with what the public sees now.

    Link sets are shown as they would be after merging with changes made
    since the proposal (see ``merge_proposal``).
    """
    record = change_request.record
    if record is None or change_request.kind != ChangeRequest.Kind.EDIT:
        return []
    model = record._meta.concrete_model
    current = snapshot(record)
    merged, _conflicts = merge_proposal(change_request.base, current, change_request.proposed)
    partial = {section: {key: current[section].get(key) for key in values} for section, values in merged.items()}
    return diff_snapshots(model, partial, merged)


def _merge_value(section, was, now, value):
    """Three-way merge of one proposed value: ``(result, conflict)``.

    ``was`` is the value the proposal started from, ``now`` the record's
    current value, ``value`` the proposed one. A field conflicts when someone
    else changed it since, to something else. A link set takes the
    proposal's additions and removals on top of the current set: additions
    and removals made by others cannot contradict them, so links never
    conflict.
    """
    if section == "links":
        was, now, value = set(was or ()), set(now or ()), set(value or ())
        return sorted((now | (value - was)) - (was - value)), False
    if now == was or now == value:
        return value, False
    return now, True


def merge_proposal(base, current, proposed):
    """An edit proposal merged with the record's current snapshot: ``(merged, conflicting keys)``.

    ``merged`` has the same shape as ``proposed`` (fields and links, without
    citations) and holds the values the record would get.
    """
    merged, conflicts = {}, []
    for section in ("fields", "links"):
        for key, value in proposed.get(section, {}).items():
            result, conflict = _merge_value(section, base.get(section, {}).get(key), current[section].get(key), value)
            merged.setdefault(section, {})[key] = result
            if conflict:
                conflicts.append(key)
    return merged, conflicts


class StaleEdit(Exception):
    """Someone else saved the same thing since the form was loaded.

    ``changes`` lists what they changed; the caller shows it and keeps the
    user's input on the form.
    """

    def __init__(self, changes):
        self.changes = changes
        super().__init__(gettext("Someone else saved this in the meantime."))


# Dependencies: a published record links to published records only ----------------------------


def _is_publishable(model):
    return issubclass(model, models.Publishable)


def hidden_links(record, *, allowed=()):
    """Records that ``record`` links to (or cites) which the public cannot see.

    ``allowed`` are records that will be published together with it.
    """
    allowed = {(type(target)._meta.label_lower, target.pk) for target in allowed}
    hidden = []

    def check(field, targets):
        for target in targets:
            if target is None or not _is_publishable(type(target)):
                continue
            if target.visibility != Visibility.PUBLISHED and (target._meta.label_lower, target.pk) not in allowed:
                hidden.append((str(field.verbose_name), target))

    model = record._meta.concrete_model
    for field in model._meta.concrete_fields:
        if field.many_to_one and _is_publishable(field.related_model):
            check(field, [getattr(record, field.name)])
    if record.pk:
        for field in model._meta.many_to_many:
            if _is_publishable(field.related_model):
                check(field, getattr(record, field.name).all())
        # Only a fact-bearing record cites sources (``Source.citations`` are the
        # citations *of* a source, by other records).
        if isinstance(record, models.CitedRecord):
            source_field = models.Citation._meta.get_field("source")
            check(source_field, [citation.source for citation in record.citations.select_related("source")])
    return hidden


def _proposal_hidden_links(model, proposed, *, allowed=()):
    """Records an edit proposal would link to (or cite) which the public cannot see."""
    allowed = {(type(target)._meta.label_lower, target.pk) for target in allowed}
    hidden = []

    def check(label, related_model, pks):
        pks = {pk for pk in pks if pk is not None}
        if not pks or not _is_publishable(related_model):
            return
        found = related_model._default_manager.in_bulk(pks)
        for pk in sorted(pks):
            target = found.get(pk)
            if target is None:
                hidden.append((label, f"#{pk}"))
            elif target.visibility != Visibility.PUBLISHED and (target._meta.label_lower, pk) not in allowed:
                hidden.append((label, target))

    for section in ("fields", "links"):
        for key, raw in proposed.get(section, {}).items():
            field = _field_by_key(model, key)
            if field is None or not (field.many_to_one or field.many_to_many):
                continue
            check(str(field.verbose_name), field.related_model, raw if field.many_to_many else [raw])
    sources = [data["source"] for data in proposed.get("citations", [])]
    check(str(models.Citation._meta.get_field("source").verbose_name), models.Source, sources)
    return hidden


def _hidden_links_error(hidden):
    names = "; ".join(f"{label}: {target}" for label, target in hidden)
    return ValidationError(
        gettext("It links to records the public cannot see yet (%(names)s). Publish or restore those first.")
        % {"names": names}
    )


def public_dependents(record):
    """Published records that link to ``record`` or cite it: they would point at nothing if it went."""
    dependents = []
    for relation in record._meta.related_objects:
        related_model = relation.related_model
        if not _is_publishable(related_model):
            continue
        if relation.many_to_many or relation.one_to_many:
            accessor = relation.get_accessor_name()
            dependents.extend(getattr(record, accessor).published())
    if isinstance(record, models.Source):
        for citation in record.citations.select_related("content_type"):
            model = citation.content_type.model_class()
            cited = model.objects.published().filter(pk=citation.object_id).first()
            if cited is not None:
                dependents.append(cited)
    # A record linking twice (author and addressee ...) is named once.
    unique = {(type(dependent)._meta.label_lower, dependent.pk): dependent for dependent in dependents}
    return list(unique.values())


# Change requests: the author's side --------------------------------------------------------


def _validate(change_request):
    """Friendly messages (too long a reason ...) before the database would refuse them."""
    change_request.clean_fields(exclude=["content_type", "author", "reviewed_by"])


def _log(change_request, *, user, reason):
    """Save the request; its history is the private log of who did what, when and why."""
    _validate(change_request)
    change_request._change_reason = str(reason)
    change_request._history_user = user
    change_request.save()


@dataclass(frozen=True)
class LogEntry:
    """One moderation action on a change request, for moderators and its author (never public)."""

    when: datetime.datetime
    user: object  # the account that acted, or None when it has been removed
    action: str
    detail: str


def moderation_log(change_request):
    """Who did what to a change request, when and why, oldest first."""
    entries = []
    rows = change_request.history.select_related("history_user").order_by("history_date", "history_id")
    for row in rows:
        stored = row.history_change_reason or ""
        action, _sep, detail = stored.partition(": ")
        if action in ACTIONS:
            action = gettext(action)
        else:
            action, detail = stored, ""
        entries.append(LogEntry(when=row.history_date, user=row.history_user, action=action, detail=detail))
    return entries


def _companion_keys(companions, existing=()):
    """Stored references to companions, each once, in order."""
    keys = [list(key) for key in existing]
    for companion in companions:
        key = [type(companion)._meta.label_lower, companion.pk]
        if key not in keys:
            keys.append(key)
    return keys


def _check_companions(companions):
    """Only records created inline ride along with a request: one with its own review request is reviewed on its own."""
    for companion in companions:
        if companion.pk is None:
            raise ValueError("Save a companion with create_companion() first.")
        own_request = ChangeRequest.objects.filter(
            content_type=ContentType.objects.get_for_model(companion),
            object_id=companion.pk,
            kind=ChangeRequest.Kind.CREATE,
        )
        if own_request.exists():
            raise ValidationError(
                gettext("“%(record)s” has its own review request: it cannot be published with another one.")
                % {"record": companion}
            )


def companions_of(change_request):
    """The draft records created inline with a request (actors, sources ...)."""
    found = []
    for label, pk in change_request.companions:
        model = apps.get_model(label)
        record = model._default_manager.filter(pk=pk).first()
        if record is not None:
            found.append(record)
    return found


def _save_citations(record, citations, *, user, reason):
    for citation in citations:
        citation.record = record
        citation.full_clean()
        citation._change_reason = str(reason)
        citation._history_user = user
        citation.save()


def create_companion(instance, *, user):
    """Save an actor, source or jurisdiction created inline by staff, as a draft."""
    _require(is_staff_member(user))
    instance.visibility = Visibility.DRAFT
    return save_record(instance, reason=REASON_DRAFT_SAVED, user=user)


@transaction.atomic
def create_draft(instance, *, user, links=None, citations=(), companions=(), note="", reason="", submit=False):
    """Save a new record as a draft with its ``create`` request; optionally submit it at once."""
    _require(is_staff_member(user))
    if not instance._state.adding:
        # Saving an existing row as a "new draft" would take a published record out of view.
        raise ValidationError(gettext("This record already exists: propose an edit to it instead."))
    model = instance._meta.concrete_model
    links = _known_links(model, links)
    _check_companions(companions)
    if submit and issubclass(model, models.CitedRecord) and not citations:
        raise ValidationError(NEEDS_SOURCE)
    instance.visibility = Visibility.DRAFT
    save_record(instance, reason=REASON_DRAFT_SAVED, user=user)
    if _set_all_links(instance, links, user=user):
        # Once more, so that the draft's history (and its concurrency token) holds the links too.
        save_record(instance, reason=REASON_DRAFT_SAVED, user=user)
    _save_citations(instance, citations, user=user, reason=REASON_DRAFT_SAVED)
    change_request = ChangeRequest(
        content_type=ContentType.objects.get_for_model(instance),
        object_id=instance.pk,
        kind=ChangeRequest.Kind.CREATE,
        author=user,
        note=note or "",
        reason=(reason or "").strip(),
        companions=_companion_keys(companions),
    )
    _log(change_request, user=user, reason=ACTION_CREATED)
    if submit:
        change_request = submit_change(change_request, user=user)
    return change_request


def _known_links(model, links):
    """The link sets given by field name; a name that is not a tracked link is a programming error."""
    links = dict(links or {})
    known = {field.name for field in proposal_links(model)}
    unknown = set(links) - known
    if unknown:
        raise ValueError(f"{model.__name__} has no tracked links named {', '.join(sorted(unknown))}.")
    return links


def _set_all_links(instance, links, *, user):
    """Set many-to-many links with one history entry for all of them."""
    changed = False
    instance.skip_history_when_saving = True
    try:
        for name, targets in links.items():
            manager = getattr(instance, name)
            wanted = {target.pk if hasattr(target, "pk") else int(target) for target in targets}
            if wanted != set(manager.values_list("pk", flat=True)):
                manager.set(list(wanted))
                changed = True
    finally:
        del instance.skip_history_when_saving
    return changed


def _lock(change_request):
    return ChangeRequest.objects.select_for_update().get(pk=change_request.pk)


def _require_editable(user, change_request):
    """Its author or a moderator may edit a request until it is decided."""
    _require(can_view(user, change_request))
    if not change_request.is_editable:
        raise ValidationError(
            gettext("This change is already decided (%(state)s) and can no longer be edited.")
            % {"state": change_request.get_state_display()}
        )


@transaction.atomic
def update_draft(change_request, instance, *, user, expected_history_id, links=None, citations=(), companions=(),
                 note=None, reason=None):
    """Save changes to a new record's draft row, refusing a stale form (``StaleEdit``).

    ``expected_history_id`` is ``latest_history_id`` of the draft when the
    form was loaded.
    """
    change_request = _lock(change_request)
    _require_editable(user, change_request)
    model = instance._meta.concrete_model
    if (
        change_request.kind != ChangeRequest.Kind.CREATE
        or change_request.content_type_id != ContentType.objects.get_for_model(model).pk
        or change_request.object_id != instance.pk
    ):
        raise ValidationError(gettext("This request is not about that record."))
    links = _known_links(model, links)
    _check_companions(companions)
    stored = model._default_manager.select_for_update().filter(pk=instance.pk).first()
    if stored is None:
        raise ValidationError(gettext("The record of this change no longer exists."))
    if stored.visibility != Visibility.DRAFT:
        raise ValidationError(gettext("This record is no longer a draft: propose an edit to it instead."))
    if expected_history_id is not None and _form_int(expected_history_id) != latest_history_id(stored):
        raise StaleEdit(diff_snapshots(model, historical_snapshot(stored, expected_history_id), snapshot(stored)))
    instance.visibility = Visibility.DRAFT
    # Links first, so that the one saved history row holds them.
    _set_all_links(instance, links, user=user)
    save_record(instance, reason=REASON_DRAFT_SAVED, user=user)
    _save_citations(instance, citations, user=user, reason=REASON_DRAFT_SAVED)
    if note is not None:
        change_request.note = note
    if reason is not None:
        change_request.reason = reason.strip()
    change_request.companions = _companion_keys(companions, change_request.companions)
    change_request.revision += 1
    _log(change_request, user=user, reason=ACTION_EDITED)
    return change_request


def _changed_only(base, proposed):
    """Keep the fields and links whose proposed value differs from the base."""
    changed, based_on = {}, {}
    for section in ("fields", "links"):
        for key, value in proposed.get(section, {}).items():
            if base[section].get(key) != value:
                changed.setdefault(section, {})[key] = value
                based_on.setdefault(section, {})[key] = base[section].get(key)
    return changed, based_on


def _wanted_snapshot(model, values, links):
    """What a form asks for, in snapshot form; values of fields nobody proposes are left out."""
    fields = {}
    for key, value in values.items():
        field = _field_by_key(model, key)
        if field is not None and not field.many_to_many:
            # Normalised exactly as ``snapshot`` stores it, whether given as a date, a string ...
            fields[key] = _to_json(field, _from_json(field, _to_json(field, value)))
    wanted_links = {
        name: sorted({target.pk if hasattr(target, "pk") else int(target) for target in targets})
        for name, targets in _known_links(model, links).items()
    }
    return {"fields": fields, "links": wanted_links}


def _citation_json(citation):
    return {
        "source": citation.source_id,
        "aspect": citation.aspect,
        "asserted_value": citation.asserted_value,
        "reliability": citation.reliability,
        "credibility": citation.credibility,
        "locator": citation.locator,
        "quote": citation.quote,
    }


def values_from_instance(instance):
    """A snapshot of an unsaved, edited copy of a record (fields only; links are given separately)."""
    model = instance._meta.concrete_model
    return {field.attname: _to_json(field, getattr(instance, field.attname)) for field in proposal_fields(model)}


def _check_conflicts(model, current, base, proposed):
    """Fields the proposal changes that someone else changed differently since its base.

    Each is described as the other person left it: ``before`` is the value the
    proposal started from, ``after`` the record's value now.
    """
    _merged, keys = merge_proposal(base, current, proposed)
    return [
        FieldChange(
            name=key,
            label=_label(model, key),
            before=describe_value(model, key, base.get("fields", {}).get(key)),
            after=describe_value(model, key, current["fields"].get(key)),
        )
        for key in keys
    ]


def _conflict_error(conflicts):
    details = "; ".join(f"{change.label}: {change.after}" for change in conflicts)
    return ValidationError(
        gettext("Someone changed the record since this edit was proposed (%(details)s).") % {"details": details}
    )


@transaction.atomic
def propose_edit(record, *, user, values, links=None, citations=(), companions=(), base_history_id, reason="",
                 note="", submit=False, change_request=None, expected_revision=None, restores_history_id=None):
    """Propose (or revise a proposal of) an edit to a published record; the record itself is untouched.

    ``values`` are the edited record's field values (``values_from_instance``),
    ``links`` the wanted link sets by field name, ``citations`` unsaved
    ``Citation`` objects to add. Only what differs from the version the form
    was loaded from (``base_history_id``) is kept. When someone changed the
    same fields since, differently, ``StaleEdit`` says what they changed.
    Revising (``change_request``) replaces the proposed values and keeps the
    citations proposed before; ``expected_revision`` refuses a stale form.
    """
    _require(is_staff_member(user))
    model = record._meta.concrete_model
    # The request before the record, as every other path locks them, so that
    # two of them never wait for each other.
    if change_request is not None:
        change_request = _lock(change_request)
        _require_editable(user, change_request)
        if (
            change_request.kind != ChangeRequest.Kind.EDIT
            or change_request.content_type_id != ContentType.objects.get_for_model(model).pk
            or change_request.object_id != record.pk
        ):
            raise ValidationError(gettext("This request is not about that record."))
        if expected_revision is not None and _form_int(expected_revision) != change_request.revision:
            raise StaleEdit(_proposal_revision_diff(change_request, _form_int(expected_revision)))
    record = model._default_manager.select_for_update().get(pk=record.pk)
    if record.visibility != Visibility.PUBLISHED:
        raise ValidationError(gettext("Only a published record can be edited this way."))
    _check_companions(companions)
    base = historical_snapshot(record, base_history_id)
    proposed, based_on = _changed_only(base, _wanted_snapshot(model, values, links))
    conflicts = _check_conflicts(model, snapshot(record), based_on, proposed)
    if conflicts:
        raise StaleEdit(conflicts)
    for citation in citations:
        citation.record = record
        citation.full_clean(validate_unique=False)
    proposed["citations"] = [_citation_json(citation) for citation in citations]
    if change_request is not None:
        # Keep the citations added in earlier revisions of the proposal.
        proposed["citations"] = change_request.proposed.get("citations", []) + proposed["citations"]
    if not proposed.get("fields") and not proposed.get("links") and not proposed["citations"]:
        raise ValidationError(gettext("Nothing was changed: there is nothing to propose."))
    if change_request is None:
        change_request = ChangeRequest(
            content_type=ContentType.objects.get_for_model(record),
            object_id=record.pk,
            kind=ChangeRequest.Kind.EDIT,
            author=user,
            restores_history_id=restores_history_id,
        )
        action = ACTION_PROPOSED
    else:
        change_request.revision += 1
        action = ACTION_REVISED
    change_request.proposed = proposed
    change_request.base = based_on
    change_request.reason = (reason or "").strip()
    change_request.note = note or ""
    change_request.companions = _companion_keys(companions, change_request.companions)
    _log(change_request, user=user, reason=action)
    if submit and change_request.state != State.SUBMITTED:
        change_request = submit_change(change_request, user=user)
    return change_request


def _proposal_revision_diff(change_request, revision):
    """What changed in a request since the given revision, as field changes.

    For an edit: its proposed values then and now. For a new record: its
    draft row as it was when the request had that revision, and now.
    """
    model = change_request.content_type.model_class()
    old = change_request.history.filter(revision=revision).order_by("-history_id").first()
    changes = []
    if change_request.kind == ChangeRequest.Kind.CREATE:
        record = change_request.record
        row = None
        if old is not None and record is not None:
            row = record.history.filter(history_date__lte=old.history_date).order_by("-history_id").first()
        if row is not None:
            changes = diff_snapshots(model, historical_snapshot(record, row.history_id), snapshot(record))
    else:
        before = old.proposed if old is not None else {}
        after = change_request.proposed
        keys = {section: set(before.get(section, {})) | set(after.get(section, {})) for section in ("fields", "links")}
        for section, names in keys.items():
            for key in sorted(names):
                was, now = before.get(section, {}).get(key), after.get(section, {}).get(key)
                if was != now:
                    changes.append(
                        FieldChange(
                            name=key,
                            label=_label(model, key),
                            before=describe_value(model, key, was),
                            after=describe_value(model, key, now),
                        )
                    )
        if len(before.get("citations", [])) != len(after.get("citations", [])):
            changes.append(
                FieldChange(
                    name="citations",
                    label=gettext("Sources"),
                    before=str(len(before.get("citations", []))),
                    after=str(len(after.get("citations", []))),
                )
            )
    if not changes:
        changes.append(FieldChange(name="state", label=gettext("State"), before="", after=change_request.get_state_display()))
    return changes


@transaction.atomic
def submit_change(change_request, *, user):
    """Send a draft (or a change returned with a comment) to the moderators."""
    change_request = _lock(change_request)
    _require(can_view(user, change_request))
    if change_request.state not in (State.DRAFT, State.RETURNED):
        raise ValidationError(gettext("Only a draft or a returned change can be submitted."))
    if change_request.kind == ChangeRequest.Kind.CREATE:
        record = change_request.record
        if record is None:
            raise ValidationError(gettext("The record of this change no longer exists."))
        if isinstance(record, models.CitedRecord) and not record.citations.exists():
            raise ValidationError(NEEDS_SOURCE)
    change_request.state = State.SUBMITTED
    change_request.submitted_at = timezone.now()
    _log(change_request, user=user, reason=ACTION_SUBMITTED)
    return change_request


# Change requests: the moderator's side --------------------------------------------------------


@transaction.atomic
def return_change(change_request, *, user, comment):
    """Send a submission back to its author with a comment saying what to fix."""
    _require(is_moderator(user))
    comment = str(comment or "").strip()
    if not comment:
        raise ValidationError({"comment": gettext("Say what needs to change.")})
    change_request = _lock(change_request)
    if change_request.state not in (State.SUBMITTED, State.SCHEDULED):
        raise ValidationError(gettext("Only a submitted or scheduled change can be returned."))
    change_request.state = State.RETURNED
    change_request.comment = comment
    change_request.publish_at = None
    change_request.reviewed_by = user
    change_request.decided_at = timezone.now()
    _log(change_request, user=user, reason=f"{ACTION_RETURNED}: {comment}")
    return change_request


@transaction.atomic
def reject_change(change_request, *, user, comment):
    """Refuse a change for good. A new record's draft stays stored, never public."""
    _require(is_moderator(user))
    comment = str(comment or "").strip()
    if not comment:
        raise ValidationError({"comment": gettext("Give the reason for rejecting it.")})
    change_request = _lock(change_request)
    if change_request.state not in (*ChangeRequest.OPEN_STATES, State.SCHEDULED):
        raise ValidationError(gettext("This change has already been decided."))
    change_request.state = State.REJECTED
    change_request.comment = comment
    change_request.publish_at = None
    change_request.reviewed_by = user
    change_request.decided_at = timezone.now()
    _log(change_request, user=user, reason=f"{ACTION_REJECTED}: {comment}")
    return change_request


@transaction.atomic
def approve_change(change_request, *, user, reason=None, publish_at=None, now=None, expected_revision=None):
    """Approve a change: publish it now, or schedule it (embargo) for ``publish_at``.

    ``expected_revision`` is the request's revision the moderator reviewed:
    when its author changed it since, ``StaleEdit`` says what changed and
    nothing is published.
    """
    _require(is_moderator(user))
    change_request = _lock(change_request)
    if change_request.state not in (State.SUBMITTED, State.DRAFT, State.RETURNED, State.SCHEDULED):
        raise ValidationError(gettext("This change has already been decided."))
    # A moderator may publish their own work at once, not someone else's unfinished draft.
    if change_request.state == State.DRAFT and change_request.author_id != user.pk:
        raise ValidationError(gettext("This change has not been submitted for review yet."))
    if expected_revision is not None and _form_int(expected_revision) != change_request.revision:
        raise StaleEdit(_proposal_revision_diff(change_request, _form_int(expected_revision)))
    if reason is not None and str(reason).strip():
        change_request.reason = str(reason).strip()
        _validate(change_request)
    now = now or timezone.now()
    if publish_at is not None and timezone.is_naive(publish_at):
        publish_at = timezone.make_aware(publish_at)
    # Refuse now what would fail at publication time.
    _check_publishable(change_request)
    change_request.reviewed_by = user
    if publish_at is not None and publish_at > now:
        change_request.state = State.SCHEDULED
        change_request.publish_at = publish_at
        _log(change_request, user=user, reason=f"{ACTION_SCHEDULED}: {publish_at.isoformat()}")
        return change_request
    return _publish(change_request, user=user)


def _check_publishable(change_request):
    """Raise ``ValidationError`` when the change cannot be published as it stands."""
    record = change_request.record
    if record is None:
        raise ValidationError(gettext("The record of this change no longer exists."))
    companions = companions_of(change_request)
    _check_companions(companions)
    if change_request.kind == ChangeRequest.Kind.CREATE:
        if record.visibility == Visibility.DELETED:
            raise ValidationError(gettext("The record has been removed from public view; restore it first."))
        if isinstance(record, models.CitedRecord) and not record.citations.exists():
            raise ValidationError(NEEDS_SOURCE)
        hidden = hidden_links(record, allowed=companions)
    else:
        if record.visibility != Visibility.PUBLISHED:
            raise ValidationError(gettext("The record is no longer published; restore it first."))
        model = record._meta.concrete_model
        conflicts = _check_conflicts(model, snapshot(record), change_request.base, change_request.proposed)
        if conflicts:
            raise _conflict_error(conflicts)
        hidden = _proposal_hidden_links(model, change_request.proposed, allowed=companions)
        # Two proposals on different fields may each be valid and still contradict
        # each other (an end date before a new start date): check the result.
        candidate = model._default_manager.get(pk=record.pk)
        merged, _keys = merge_proposal(change_request.base, snapshot(record), change_request.proposed)
        _apply_fields(candidate, merged)
        candidate.full_clean()
        for citation in _proposed_citations(candidate, change_request):
            citation.full_clean()
    # What is published with it must not point at hidden records either.
    for companion in companions:
        if companion.visibility == Visibility.DRAFT:
            hidden += hidden_links(companion, allowed=[record, *companions])
    if hidden:
        raise _hidden_links_error(hidden)


def _apply_fields(record, merged):
    model = record._meta.concrete_model
    for key, raw in merged.get("fields", {}).items():
        field = _field_by_key(model, key)
        if field is not None:
            setattr(record, field.attname, _from_json(field, raw))


def _proposed_citations(record, change_request):
    return [
        models.Citation(record=record, **{("source_id" if key == "source" else key): value for key, value in data.items()})
        for data in change_request.proposed.get("citations", [])
    ]


def _publish(change_request, *, user):
    from alerts.changes import note_write

    record = change_request.record
    model = record._meta.concrete_model
    record = model._default_manager.select_for_update().get(pk=record.pk)
    reason = change_request.reason or REASON_PUBLISHED
    companions = companions_of(change_request)
    first_published = []
    for companion in companions:
        if companion.visibility == Visibility.DRAFT:
            companion.visibility = Visibility.PUBLISHED
            save_record(companion, reason=REASON_COMPANION, user=user)
            first_published.append(companion)
    if change_request.kind == ChangeRequest.Kind.CREATE:
        # Checked again under the lock: a removal in the meantime must not be undone by this.
        if record.visibility == Visibility.DELETED:
            raise ValidationError(gettext("The record has been removed from public view; restore it first."))
        hidden = hidden_links(record, allowed=companions)
        if hidden:
            raise _hidden_links_error(hidden)
        was_draft = record.visibility == Visibility.DRAFT
        record.visibility = Visibility.PUBLISHED
        save_record(record, reason=reason, user=user)
        if was_draft:
            first_published.append(record)
    else:
        _apply_edit(record, change_request, user=user, reason=reason, companions=companions)
    # A record's first publication is its creation for the public, and news for
    # subscribers (``save_record`` saw an update of an existing row).
    for published in first_published:
        note_write(published, created=True)
    change_request.state = State.PUBLISHED
    change_request.decided_at = timezone.now()
    change_request.reviewed_by = user
    _log(change_request, user=user, reason=ACTION_PUBLISHED)
    return change_request


def _apply_edit(record, change_request, *, user, reason, companions):
    """Write an approved edit onto the (locked) record: one history entry."""
    model = record._meta.concrete_model
    if record.visibility != Visibility.PUBLISHED:
        raise ValidationError(gettext("The record is no longer published; restore it first."))
    current = snapshot(record)
    merged, conflicts = merge_proposal(change_request.base, current, change_request.proposed)
    if conflicts:
        raise _conflict_error(_check_conflicts(model, current, change_request.base, change_request.proposed))
    _apply_fields(record, merged)
    _set_all_links(record, merged.get("links", {}), user=user)
    _save_citations(record, _proposed_citations(record, change_request), user=user, reason=reason)
    hidden = hidden_links(record, allowed=companions)
    if hidden:
        raise _hidden_links_error(hidden)
    save_record(record, reason=reason, user=user)


def publish_due(*, now=None, user=None, returned=None):
    """Publish every scheduled change whose time has come; returns the published requests.

    A change that can no longer be published (the record changed, or links to
    a record removed meanwhile) goes back to its author with the reason; pass
    a list as ``returned`` to collect those.
    """
    now = now or timezone.now()
    published = []
    due = ChangeRequest.objects.scheduled().filter(publish_at__lte=now).order_by("publish_at", "pk")
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            # Another worker may hold it: skip it rather than publish it twice.
            locked = ChangeRequest.objects.select_for_update(**_skip_locked()).filter(pk=pk, state=State.SCHEDULED)
            change_request = locked.first()
            if change_request is None:
                continue
            publisher = user or change_request.reviewed_by
            try:
                with transaction.atomic():
                    _check_publishable(change_request)
                    published.append(_publish(change_request, user=publisher))
            except ValidationError as error:
                change_request.state = State.RETURNED
                change_request.comment = gettext("It could not be published at the scheduled time: %(error)s") % {
                    "error": " ".join(error.messages)
                }
                change_request.publish_at = None
                _log(change_request, user=publisher, reason=f"{ACTION_NOT_PUBLISHED}: {' '.join(error.messages)}")
                if returned is not None:
                    returned.append(change_request)
    return published


def _skip_locked():
    return {"skip_locked": True} if connection.features.has_select_for_update_skip_locked else {}


# Removing, restoring, going back to an earlier version -------------------------------------------


@transaction.atomic
def remove_record(record, *, user, reason):
    """Soft delete: the record leaves public view; nothing is erased, and it can be restored."""
    _require(is_moderator(user))
    reason = _required_reason(reason, gettext("Say why it is removed."))
    model = record._meta.concrete_model
    record = model._default_manager.select_for_update().get(pk=record.pk)
    if record.visibility != Visibility.PUBLISHED:
        raise ValidationError(gettext("Only a published record can be removed from public view."))
    dependents = public_dependents(record)
    if dependents:
        names = "; ".join(f"{type(d)._meta.verbose_name}: {d}" for d in dependents[:10])
        raise ValidationError(
            gettext("Published records still link to it or cite it (%(names)s). Change or remove those first.")
            % {"names": names}
        )
    record.visibility = Visibility.DELETED
    return save_record(record, reason=reason, user=user)


def _required_reason(reason, message):
    reason = str(reason or "").strip()
    if not reason:
        raise ValidationError({"reason": message})
    return reason


@transaction.atomic
def restore_record(record, *, user, reason):
    """Bring a removed record back into public view."""
    _require(is_moderator(user))
    reason = _required_reason(reason, gettext("Say why it is restored."))
    model = record._meta.concrete_model
    record = model._default_manager.select_for_update().get(pk=record.pk)
    if record.visibility != Visibility.DELETED:
        raise ValidationError(gettext("Only a removed record can be restored."))
    hidden = hidden_links(record)
    if hidden:
        raise _hidden_links_error(hidden)
    record.visibility = Visibility.PUBLISHED
    return save_record(record, reason=reason, user=user)


@transaction.atomic
def propose_restore_version(record, history_id, *, user, reason=""):
    """An earlier approved version of a published record, proposed as a new change for review."""
    _require(is_moderator(user))
    model = record._meta.concrete_model
    row = record.history.filter(history_id=_form_int(history_id)).first()
    # Only versions the public once saw: a draft state was never approved.
    if row is None or row.visibility != Visibility.PUBLISHED:
        raise ValidationError(gettext("That version of the record does not exist or was never published."))
    old = historical_snapshot(record, row.history_id)
    # Like every reason the application writes, stored in English (the public
    # history shows free text as it is).
    day = timezone.localdate(row.history_date).isoformat()
    links = {}
    # Links to records that have since left public view cannot come back with it.
    for name, pks in old["links"].items():
        related = model._meta.get_field(name).related_model
        if _is_publishable(related):
            pks = list(related._default_manager.published().filter(pk__in=pks).values_list("pk", flat=True))
        else:
            pks = list(related._default_manager.filter(pk__in=pks).values_list("pk", flat=True))
        links[name] = pks
    return propose_edit(
        record,
        user=user,
        values=old["fields"],
        links=links,
        base_history_id=latest_history_id(record),
        reason=reason or f"Restored the version of {day}",
        restores_history_id=row.history_id,
        submit=True,
    )
