"""The status of an attempt or instrument, derived from its lifecycle events.

Nobody types a status in: it follows from what happened. The stages are the
columns of the status tracker (as GovTrack draws a bill's progress).
"""

import datetime
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    NOT_STARTED = "not_started", _("No recorded steps")
    ANNOUNCED = "announced", _("Announced")
    DRAFTING = "drafting", _("Being drafted")
    PUBLISHED = "published", _("Draft published")
    IN_CONSULTATION = "in_consultation", _("In public consultation")
    CONSULTATION_CLOSED = "consultation_closed", _("Consultation closed")
    SUBMITTED = "submitted", _("Submitted for adoption")
    ADOPTED = "adopted", _("Adopted")
    SIGNED = "signed", _("Signed")
    RATIFIED = "ratified", _("Ratified")
    IN_FORCE = "in_force", _("In force")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REDRAFT_ANNOUNCED = "redraft_announced", _("Withdrawn; redraft announced")


class EventKind(models.TextChoices):
    ANNOUNCED = "announced", _("Announced")
    DRAFTED = "drafted", _("Drafting started")
    PUBLISHED = "published", _("Draft or version published")
    CONSULTATION_OPENED = "consultation_opened", _("Public consultation opened")
    CONSULTATION_EXTENDED = "consultation_extended", _("Public consultation extended")
    CONSULTATION_CLOSED = "consultation_closed", _("Public consultation closed")
    SUBMITTED_TO_GOVERNMENT = "submitted_to_government", _("Submitted to the government")
    SUBMITTED_TO_PARLIAMENT = "submitted_to_parliament", _("Submitted to parliament")
    ADOPTED = "adopted", _("Adopted")
    SIGNED = "signed", _("Signed")
    RATIFIED = "ratified", _("Ratified")
    ENTERED_INTO_FORCE = "entered_into_force", _("Entered into force")
    APPLIES = "applies", _("Applies (from this date)")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REDRAFT_ANNOUNCED = "redraft_announced", _("Redraft announced")


# Each event kind moves the status to a stage; the rank breaks ties between
# events on the same (fuzzy) date, in the order a procedure runs.
EVENT_STATUS = {
    EventKind.ANNOUNCED: (Status.ANNOUNCED, 10),
    EventKind.DRAFTED: (Status.DRAFTING, 20),
    EventKind.PUBLISHED: (Status.PUBLISHED, 30),
    EventKind.CONSULTATION_OPENED: (Status.IN_CONSULTATION, 40),
    EventKind.CONSULTATION_EXTENDED: (Status.IN_CONSULTATION, 41),
    EventKind.CONSULTATION_CLOSED: (Status.CONSULTATION_CLOSED, 45),
    EventKind.SUBMITTED_TO_GOVERNMENT: (Status.SUBMITTED, 50),
    EventKind.SUBMITTED_TO_PARLIAMENT: (Status.SUBMITTED, 55),
    EventKind.SIGNED: (Status.SIGNED, 58),
    EventKind.ADOPTED: (Status.ADOPTED, 60),
    EventKind.RATIFIED: (Status.RATIFIED, 70),
    EventKind.ENTERED_INTO_FORCE: (Status.IN_FORCE, 80),
    EventKind.APPLIES: (Status.IN_FORCE, 85),
    EventKind.WITHDRAWN: (Status.WITHDRAWN, 90),
    EventKind.REDRAFT_ANNOUNCED: (Status.REDRAFT_ANNOUNCED, 95),
}

# The columns of the status tracker, in order. Withdrawal ends the line early.
TRACKER_STAGES = [
    (Status.ANNOUNCED, {EventKind.ANNOUNCED, EventKind.DRAFTED}),
    (Status.PUBLISHED, {EventKind.PUBLISHED}),
    (
        Status.IN_CONSULTATION,
        {EventKind.CONSULTATION_OPENED, EventKind.CONSULTATION_EXTENDED, EventKind.CONSULTATION_CLOSED},
    ),
    (Status.SUBMITTED, {EventKind.SUBMITTED_TO_GOVERNMENT, EventKind.SUBMITTED_TO_PARLIAMENT}),
    (Status.ADOPTED, {EventKind.ADOPTED, EventKind.SIGNED, EventKind.RATIFIED}),
    (Status.IN_FORCE, {EventKind.ENTERED_INTO_FORCE, EventKind.APPLIES}),
]


def event_sort_key(event):
    return (*event.fuzzy_date.sort_key(), EVENT_STATUS[EventKind(event.kind)][1], event.pk or 0)


def derive_status(events, today=None):
    """Return the ``Status`` the given lifecycle events lead to.

    A consultation whose (possibly extended) deadline has passed counts as
    closed even when nobody recorded the closing.
    """
    ordered = sorted(events, key=event_sort_key)
    if not ordered:
        return Status.NOT_STARTED
    latest = ordered[-1]
    status = EVENT_STATUS[EventKind(latest.kind)][0]
    if status == Status.IN_CONSULTATION:
        deadline = consultation_deadline(ordered)
        today = today or datetime.date.today()
        if deadline and deadline < today:
            return Status.CONSULTATION_CLOSED
    return status


def consultation_deadline(events):
    """The current closing date of the latest consultation (extensions included)."""
    deadline = None
    for event in sorted(events, key=event_sort_key):
        if event.kind == EventKind.CONSULTATION_OPENED:
            deadline = event.deadline
        elif event.kind == EventKind.CONSULTATION_EXTENDED and event.deadline:
            deadline = event.deadline
    return deadline


@dataclass
class TrackerStage:
    status: str
    label: str
    reached: bool
    events: list


def tracker_stages(events):
    """The stages of the tracker graphic, with the events that reached each."""
    ordered = sorted(events, key=event_sort_key)
    stages = []
    for status, kinds in TRACKER_STAGES:
        reached = [event for event in ordered if event.kind in kinds]
        stages.append(TrackerStage(status, Status(status).label, bool(reached), reached))
    return stages


@dataclass
class TrackerItem:
    label: str
    css: str  # reached, pending, withdrawn or redraft
    detail: str = ""
    url: str = ""


def tracker_items(events, redrafts=()):
    """The status tracker as drawn: stages reached (with dates), withdrawal, then any redraft.

    A withdrawn attempt shows the stages up to the last one it reached, then
    the withdrawal where the line ended (and the redraft that followed, if any).
    """
    stages = tracker_stages(events)
    ordered = sorted(events, key=event_sort_key)
    withdrawal = next((e for e in reversed(ordered) if e.kind == EventKind.WITHDRAWN), None)
    last_reached = max((index for index, stage in enumerate(stages) if stage.reached), default=-1)
    items = []
    for index, stage in enumerate(stages):
        if withdrawal and index > last_reached:
            break  # a withdrawn attempt never reached the later stages: the line ends
        if stage.reached:
            items.append(TrackerItem(str(stage.label), "reached", stage.events[-1].date_display))
        else:
            items.append(TrackerItem(str(stage.label), "pending"))
    if withdrawal:
        items.append(TrackerItem(str(Status.WITHDRAWN.label), "withdrawn", withdrawal.date_display))
    from legal.templatetags.legal_tags import title_of  # reader's language and script

    for redraft in redrafts:
        items.append(TrackerItem(str(_("Followed by a redraft")), "redraft", title_of(redraft), redraft.get_absolute_url()))
    return items
