"""iCalendar (RFC 5545) files of upcoming deadlines and dates, to subscribe to.

What a calendar holds, for everything, one jurisdiction (with its regions and
cities) or one attempt (with its instruments' events), as the timeline's
filters narrow them:

- **Consultation closing dates.** One all-day event per consultation: the
  "consultation opened" lifecycle event and the extensions that follow it on
  the same attempt (or, without an attempt, the same instrument). Its UID is
  built from the opened event's pk, so an extension moves the *same* calendar
  event: its date is the current deadline (``legal.status.consultation_deadline``),
  its SEQUENCE is the number of extensions that set a deadline, and its
  LAST-MODIFIED/DTSTAMP the latest change of any of its events. A consultation
  recorded without a deadline is shown on its opening day instead.
- **Dates from which provisions apply**, and **every other dated lifecycle
  event**, one all-day event each (UID from the event's pk).

Only days are put in a calendar: an event known only to the month, season or
year, or given as a range (the sources disagree), is left out rather than
pinned to a made-up day; an approximate day is labelled "approximate date".

Window: everything from ``PAST_DAYS`` (365) days ago onwards, so that
subscribers see the recent context as well as what is coming.

Reads start from ``LifecycleEvent.objects.published()`` through the
timeline's event type, which also hides events whose attempt or instrument is
not public. One query (plus the timeline's prefetch) whatever the data.
"""

import datetime

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from icalendar import Calendar, Event

from legal import models, timeline
from legal.dates import DatePrecision
from legal.feeds import SITE_NAME, tag_authority
from legal.status import EventKind, consultation_deadline, event_sort_key
from legal.templatetags.legal_tags import title_of, tr
from legal.views.base import get_object_or_404_published

PAST_DAYS = 365
PRODID = "-//Surveillance Law Tracker//legal.calendars//EN"
CONTENT_TYPE = "text/calendar; charset=utf-8"

CONSULTATION_KINDS = {EventKind.CONSULTATION_OPENED, EventKind.CONSULTATION_EXTENDED}


def _is_single_day(event):
    return event.date is not None and event.date_precision == DatePrecision.DAY and event.date_end is None


def _subject_key(event):
    """Whose consultation this is: the attempt's, or (with no attempt) the instrument's."""
    return ("attempt", event.attempt_id) if event.attempt_id else ("instrument", event.instrument_id)


def consultations(events):
    """Group consultation events: ``[[opened, extension, …], …]``, each in procedure order.

    An extension belongs to the latest consultation opened before it on the same
    subject; one with no opening recorded starts a consultation of its own.
    """
    groups = []
    current = {}
    for event in sorted((e for e in events if e.kind in CONSULTATION_KINDS), key=event_sort_key):
        key = _subject_key(event)
        if event.kind == EventKind.CONSULTATION_OPENED or key not in current:
            current[key] = [event]
            groups.append(current[key])
        else:
            current[key].append(event)
    return groups


class CalendarItem:
    """One VEVENT: an all-day date with what it stands for."""

    def __init__(self, *, uid, day, summary, description, url, sequence, modified):
        self.uid = uid
        self.day = day
        self.summary = summary
        self.description = description
        self.url = url
        self.sequence = sequence
        self.modified = modified

    def vevent(self):
        vevent = Event()
        vevent.add("uid", self.uid)
        modified = self.modified.astimezone(datetime.UTC)  # RFC 5545: both in UTC
        vevent.add("dtstamp", modified)
        vevent.add("last-modified", modified)
        vevent.add("sequence", self.sequence)
        vevent.add("dtstart", self.day)
        vevent.add("dtend", self.day + datetime.timedelta(days=1))
        vevent.add("transp", "TRANSPARENT")
        vevent.add("summary", self.summary)
        vevent.add("description", self.description)
        vevent.add("url", self.url)
        return vevent


def _date_note(event):
    return _("approximate date") if event.date_approximate else ""


def _labelled(text, event):
    note = _date_note(event)
    return f"{text} ({note})" if note else text


def consultation_item(group, *, authority, absolute):
    opened = group[0]
    subject = opened.instrument or opened.attempt
    deadline = consultation_deadline(group)
    steps = [f"{event.get_kind_display()}: {event.date_display}" for event in group]
    summaries = [tr(event, "summary") for event in group if tr(event, "summary")]
    if deadline is not None:
        day = deadline
        summary = _("Public consultation closes: %(title)s") % {"title": title_of(subject)}
    elif _is_single_day(opened):
        day = opened.date
        summary = _labelled(f"{opened.get_kind_display()}: {title_of(subject)}", opened)
    else:
        return None
    return CalendarItem(
        uid=f"consultation-{opened.pk}@{authority}",
        day=day,
        summary=summary,
        description="\n".join([*steps, *summaries]),
        url=absolute(subject.get_absolute_url()),
        sequence=sum(1 for event in group[1:] if event.deadline),
        modified=max(event.updated_at for event in group),
    )


def event_item(event, *, authority, absolute):
    return CalendarItem(
        uid=f"event-{event.pk}@{authority}",
        day=event.date,
        summary=_labelled(tr(event, "title"), event),
        description=tr(event, "summary"),
        url=absolute(event.get_absolute_url()),
        sequence=0,
        modified=event.updated_at,
    )


def calendar_items(request, *, today=None, **filters):
    """The calendar's items, by date, for ``filters`` (``attempt``/``jurisdiction`` slugs)."""
    today = today or timezone.localdate()
    start = today - datetime.timedelta(days=PAST_DAYS)
    authority = tag_authority(request)
    absolute = request.build_absolute_uri
    events = list(timeline.TYPES_BY_KEY[timeline.EVENT].filtered(**filters))
    items = []
    for group in consultations(events):
        item = consultation_item(group, authority=authority, absolute=absolute)
        if item is not None:
            items.append(item)
    for event in events:
        if event.kind not in CONSULTATION_KINDS and _is_single_day(event):
            items.append(event_item(event, authority=authority, absolute=absolute))
    return sorted((item for item in items if item.day >= start), key=lambda item: (item.day, item.uid))


def render_calendar(request, name, items):
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-caldesc", _("Upcoming deadlines and dates, and those of the last 12 months."))
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    for item in items:
        calendar.add_component(item.vevent())
    response = HttpResponse(calendar.to_ical(), content_type=CONTENT_TYPE)
    response["Content-Language"] = get_language()
    return response


def _name(title):
    return _("%(site)s: %(name)s") % {"site": SITE_NAME, "name": title}


@require_safe
def all_calendar(request):
    return render_calendar(request, _("%(site)s: everything") % {"site": SITE_NAME}, calendar_items(request))


@require_safe
def attempt_calendar(request, slug):
    attempt = get_object_or_404_published(models.LegislativeAttempt, slug=slug)
    return render_calendar(request, _name(title_of(attempt)), calendar_items(request, attempt=slug))


@require_safe
def jurisdiction_calendar(request, slug):
    jurisdiction = get_object_or_404_published(models.Jurisdiction, slug=slug)
    return render_calendar(request, _name(title_of(jurisdiction)), calendar_items(request, jurisdiction=slug))
