"""Atom feeds of the public timeline: everything, or narrowed as the timeline can be.

Every feed reads ``legal.timeline.timeline_entries`` (which starts from each
model's ``.published()``), except the search feed, which reads
``legal.search.search`` (also ``.published()`` only). A feed lists the
``FEED_LENGTH`` newest entries in timeline order (by the date of what
happened, not by the date it was recorded), so a record added today about an
event of years ago appears only in feeds where it is among the newest.

Entry ids are tag URIs made of the record type and primary key
(``tag:example.org,2025:event/12``): they never change when a record is
edited, and the same record has the same id in every feed and language. The
authority is ``settings.FEEDS_TAG_AUTHORITY`` when set, otherwise the host the
request came to. Entries are dated by ``updated_at`` (the last public change),
and feeds name the editorial team, never a person, as author.
"""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpResponseBadRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from legal import models, timeline
from legal.search import MAX_QUERY_LENGTH, search
from legal.templatetags.legal_tags import title_of, tr
from legal.views.base import get_object_or_404_published

FEED_LENGTH = 50
TAG_DATE = "2025"
SITE_NAME = gettext_lazy("Surveillance Law Tracker")

# The same record type key in every feed: the timeline's, or the model's name.
TYPE_KEYS = {record_type.model: record_type.key for record_type in timeline.RECORD_TYPES}


def tag_authority(request):
    """The authority part of entry ids: a setting, or the host name without its port."""
    configured = getattr(settings, "FEEDS_TAG_AUTHORITY", "")
    if configured:
        return configured
    host = request.get_host()
    if host.startswith("["):  # an IPv6 literal has no place in a tag URI
        return "localhost"
    return host.rsplit(":", 1)[0] if ":" in host else host


def record_key(record):
    return TYPE_KEYS.get(type(record), record._meta.model_name)


def entry_id(authority, record):
    return f"tag:{authority},{TAG_DATE}:{record_key(record)}/{record.pk}"


@dataclass(frozen=True)
class FeedItem:
    """One entry: what happened (kind, title, date as known, summary) and when it last changed."""

    record: object
    guid: str
    heading: str
    date_display: str
    summary: str
    url: str
    updated: datetime

    @property
    def title(self):
        if self.date_display:
            return f"{self.heading} — {self.date_display}"
        return self.heading


def item_from_entry(entry, authority):
    """A ``FeedItem`` for a ``legal.timeline.TimelineEntry``."""
    what = capfirst(entry.type_label)
    if entry.kind_label:
        what = f"{what} ({entry.kind_label})"
    return FeedItem(
        record=entry.record,
        guid=entry_id(authority, entry.record),
        heading=f"{what}: {tr(entry, 'title')}",
        date_display=entry.date_display,
        summary=tr(entry.record, "summary"),
        url=entry.url,
        updated=entry.record.updated_at,
    )


def item_from_hit(hit, authority):
    """A ``FeedItem`` for a ``legal.search.Hit``."""
    record = hit.record
    return FeedItem(
        record=record,
        guid=entry_id(authority, record),
        heading=f"{hit.type_label}: {hit.title}",
        date_display=hit.date,
        summary=tr(record, "summary") if hasattr(record, "summary_en") else "",
        url=hit.url,
        updated=record.updated_at,
    )


@dataclass(frozen=True)
class Scope:
    """What a feed covers: its title, its page on the site, its own address and its items."""

    title: str
    link: str
    feed_url: str
    items: list


class TimelineFeed(Feed):
    """The whole published timeline; subclasses narrow it through ``get_object``."""

    feed_type = Atom1Feed

    def author_name(self):
        return str(SITE_NAME)  # the editorial team, never a person

    # One instance serves every request (it is built once in the URLconf):
    # everything a request decides travels in the ``Scope``, never on ``self``.

    def entries(self, request, **filters):
        authority = tag_authority(request)
        return [
            item_from_entry(entry, authority) for entry in timeline.timeline_entries(limit=FEED_LENGTH, **filters)
        ]

    def get_object(self, request, *args, **kwargs):
        return Scope(
            title=_("%(site)s: everything") % {"site": SITE_NAME},
            link=reverse("legal:timeline"),
            feed_url=reverse("legal:feed"),
            items=self.entries(request),
        )

    def title(self, obj):
        return obj.title

    def link(self, obj):
        return obj.link

    def feed_url(self, obj):
        return obj.feed_url

    def feed_guid(self, obj):
        return None  # the feed's own address (``feed_url``) identifies it

    def subtitle(self, obj):
        return _(
            "Legislative steps, impact assessments, rulings, responses and developments in the "
            "legal fight over biometric mass surveillance, newest first."
        )

    def items(self, obj):
        return obj.items

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        if item.summary:
            return format_html("<p>{}</p><p>{}</p>", item.date_display, item.summary)
        return format_html("<p>{}</p>", item.date_display)

    def item_link(self, item):
        return item.url

    def item_guid(self, item):
        return item.guid

    item_guid_is_permalink = False

    def item_updateddate(self, item):
        return item.updated


class AttemptFeed(TimelineFeed):
    def get_object(self, request, slug):
        attempt = get_object_or_404_published(models.LegislativeAttempt, slug=slug)
        return Scope(
            title=_("%(site)s: %(name)s") % {"site": SITE_NAME, "name": title_of(attempt)},
            link=attempt.get_absolute_url(),
            feed_url=reverse("legal:attempt_feed", kwargs={"slug": slug}),
            items=self.entries(request, attempt=slug),
        )


class JurisdictionFeed(TimelineFeed):
    def get_object(self, request, slug):
        jurisdiction = get_object_or_404_published(models.Jurisdiction, slug=slug)
        return Scope(
            title=_("%(site)s: %(name)s") % {"site": SITE_NAME, "name": title_of(jurisdiction)},
            link=jurisdiction.get_absolute_url(),
            feed_url=reverse("legal:jurisdiction_feed", kwargs={"slug": slug}),
            items=self.entries(request, jurisdiction=slug),
        )


class ActorFeed(TimelineFeed):
    def get_object(self, request, slug):
        actor = get_object_or_404_published(models.Actor, slug=slug)
        return Scope(
            title=_("%(site)s: %(name)s") % {"site": SITE_NAME, "name": title_of(actor)},
            link=actor.get_absolute_url(),
            feed_url=reverse("legal:actor_feed", kwargs={"slug": slug}),
            items=self.entries(request, actor=slug),
        )


def kind_label(value):
    """The label of a value of ``timeline.kind_choices()`` (``"ruling"``, ``"ruling:inspection"``)."""
    for _group, options in timeline.kind_choices():
        for option, label in options:
            if option == value:
                return str(label)
    raise Http404(value)


class KindFeed(TimelineFeed):
    """One record type (``ruling``) or one kind of it (``ruling:inspection``), as the timeline's filter."""

    def get_object(self, request, kind):
        try:
            timeline.parse_kind(kind)
        except ValueError as error:
            raise Http404(kind) from error
        return Scope(
            title=_("%(site)s: %(name)s") % {"site": SITE_NAME, "name": kind_label(kind)},
            link=f"{reverse('legal:timeline')}?{urlencode({'kind': kind})}",
            feed_url=reverse("legal:kind_feed", kwargs={"kind": kind}),
            items=self.entries(request, kind=kind),
        )


class SearchFeed(TimelineFeed):
    """``?q=…``: the best ``FEED_LENGTH`` search results that carry a date of change.

    Actors, jurisdictions and sources have no ``updated_at`` and Atom needs one
    per entry, so they are left out: the feed follows what happens, not who
    exists. A lifecycle event is listed only when its attempt and instrument
    are public too, as on the timeline.
    """

    def __call__(self, request, *args, **kwargs):
        query = request.GET.get("q", "").strip()
        if not query:
            return HttpResponseBadRequest(_("Give a search with ?q=…"), content_type="text/plain; charset=utf-8")
        if len(query) > MAX_QUERY_LENGTH:
            message = _("The search is too long: use at most %(max)d characters.") % {"max": MAX_QUERY_LENGTH}
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return super().__call__(request, *args, **kwargs)

    def get_object(self, request):
        query = request.GET["q"].strip()  # checked by ``__call__``
        hits = [hit for hit in search(query)[0:FEED_LENGTH] if hasattr(hit.record, "updated_at")]
        event_pks = [hit.record.pk for hit in hits if isinstance(hit.record, models.LifecycleEvent)]
        if event_pks:
            public = set(
                timeline.TYPES_BY_KEY[timeline.EVENT].queryset().filter(pk__in=event_pks).values_list("pk", flat=True)
            )
            hits = [
                hit for hit in hits if not isinstance(hit.record, models.LifecycleEvent) or hit.record.pk in public
            ]
        query_string = f"?{urlencode({'q': query})}"
        authority = tag_authority(request)
        return Scope(
            title=_("%(site)s: search for “%(query)s”") % {"site": SITE_NAME, "query": query},
            link=f"{reverse('legal:search')}{query_string}",
            feed_url=f"{reverse('legal:search_feed')}{query_string}",
            items=[item_from_hit(hit, authority) for hit in hits],
        )
