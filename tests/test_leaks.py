"""Nothing unapproved or private ever reaches the public.

The world holds published records of every public type and, for every type,
hidden records in every state a record can be in outside public view: a
draft, a submitted one, one returned with a comment, a rejected one, one
approved under embargo and one published then removed; plus edit proposals
on published records (pending, returned, rejected, scheduled), with records
created inline. Hidden records link to published ones the way staff link
them (a draft event on a published attempt, a draft ruling on a published
DPIA, a draft answer to a published question, drafts citing a published
source), so that every list on a public page is exercised.

Every text of a hidden record or a proposal, and every internal note,
comment and reason, carries a unique marker ("skrv00042"); the staff and
moderator accounts have recognisable names and addresses.

The walk requests every URL pattern of the project except the private
``/admin/`` and ``/staff/`` areas, in every interface language, with the
keyword arguments of every record and the query variants that matter, and
asserts that:

- no marker, username, name or e-mail address appears in any answer (zip
  members, JSON and calendars included), except a marker the request itself
  carried (a search repeats its query);
- the pages of hidden records answer 404;
- every answer is the same once all hidden records are deleted: a hidden
  record moves no count, status, outcome, date or list.

A URL pattern without a generator in ``GENERATORS`` fails the walk: every new
public URL must be added there.
"""

import datetime
import difflib
import io
import json
import logging
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import unquote_plus

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import ProtectedError
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone, translation
from django.utils.http import urlencode

from alerts import sending
from alerts.changes import record_change
from alerts.models import Change, Subscription
from legal import exports, models, workflow
from legal.api import filters as api_filters
from legal.api import serializers as api_serializers
from legal.dates import DatePrecision
from legal.services import delete_record, save_record, set_links
from legal.translit import fold
from legal.urls import RECORD_ROUTES
from tests import factories as f

pytestmark = pytest.mark.django_db

LANGUAGES = [code for code, _name in settings.LANGUAGES]
PRIVATE_PREFIXES = ("admin/", "staff/")
TODAY = timezone.localdate()
DAY = DatePrecision.DAY

STAFF_IDENTITY = {
    "username": "staffsecretlogin",
    "first_name": "Radmilasecret",
    "last_name": "Vukosecretovic",
    "email": "staff.secret.mailbox@example.org",
}
MODERATOR_IDENTITY = {
    "username": "modsecretlogin",
    "first_name": "Bogdansecret",
    "last_name": "Tomasecretovic",
    "email": "moderator.secret.mailbox@example.org",
}
IDENTITIES = [fold(value) for value in (*STAFF_IDENTITY.values(), *MODERATOR_IDENTITY.values())]

STATES = ("draft", "submitted", "returned", "rejected", "scheduled", "removed")

# Every public record type, in an order in which each can link to the ones before it.
RECORD_TYPES = [
    models.Jurisdiction,
    models.Actor,
    models.Source,
    models.Instrument,
    models.LegislativeAttempt,
    models.InstrumentVersion,
    models.LifecycleEvent,
    models.SurveillanceSystem,
    models.DPIASubmission,
    models.Ruling,
    models.Response,
    models.Development,
]


class Markers:
    """Unique words that must never reach the public.

    Letters that survive the Latin → Cyrillic → folded Latin round trip, so
    that a marker shown in the Cyrillic interface is still found; fixed width,
    so that no marker is part of another.
    """

    PATTERN = re.compile(r"skrv\d{5}")

    def __init__(self):
        self.count = 0
        self.context = ""
        self.owners = {}  # marker -> what it was put in, for failure messages

    def new(self):
        self.count += 1
        marker = f"skrv{self.count:05d}"
        self.owners[marker] = self.context
        return marker

    def text(self, label="Hidden"):
        return f"{label} {self.new()} text {self.new()}"

    def url(self):
        return f"https://{self.new()}.example.org/{self.new()}"


def first_marker(text):
    return Markers.PATTERN.search(text).group(0)


class World:
    """Published records of every type, and hidden ones in every state, built through the workflow."""

    def __init__(self, staff, moderator):
        self.m = Markers()
        self.staff, self.moderator = staff, moderator
        self.public = defaultdict(list)
        self.hidden = defaultdict(list)
        self.hidden_in_order = []  # every hidden row, to delete them all later
        self.search_terms = []
        self.build_public()
        self.build_hidden()
        self.build_proposals()
        self.subscriptions = [
            Subscription.objects.create(
                email="reader.public@example.org", target_type="attempt", target=self.attempt.slug,
                confirmed_at=timezone.now(),
            ),
            Subscription.objects.create(email="reader.public@example.org", target_type="search", target="leak"),
            # Followed while it was public, removed since.
            Subscription.objects.create(
                email="reader.public@example.org", target_type="attempt",
                target=self.hidden[models.LegislativeAttempt][-1].slug, confirmed_at=timezone.now(),
            ),
        ]

    # Published --------------------------------------------------------------------------------

    def keep(self, record):
        self.public[type(record)].append(record)
        return record

    def build_public(self):
        u = {"user": self.staff}
        keep = self.keep
        self.jurisdiction = keep(f.make_jurisdiction(slug="leak-state", name="Leak Test State", **u))
        keep(f.make_jurisdiction(
            slug="leak-region", name="Leak Test Region", kind=models.Jurisdiction.Kind.SUBNATIONAL,
            parent=self.jurisdiction, **u,
        ))
        self.ministry = keep(f.make_actor(
            slug="leak-ministry", name="Leak Test Ministry", jurisdiction=self.jurisdiction, **u
        ))
        self.authority = keep(f.make_supervisory_authority(
            slug="leak-authority", name="Leak Test Authority", jurisdiction=self.jurisdiction, **u
        ))
        self.person = keep(f.make_actor(
            slug="leak-person", name="Leak Test Member", kind=models.Actor.Kind.PERSON,
            role=models.Actor.Role.PARLIAMENTARIAN, affiliation=self.ministry, jurisdiction=self.jurisdiction, **u,
        ))
        self.vendor = keep(f.make_actor(
            slug="leak-vendor", name="Leak Test Vendor", role=models.Actor.Role.COMPANY, **u
        ))
        self.source = keep(f.make_source(
            slug="leak-source", title="Leak Test Report",
            file=SimpleUploadedFile("public-copy.pdf", b"%PDF-1.4 public synthetic copy"), **u,
        ))
        self.instrument = keep(f.make_instrument(
            slug="leak-law", title="Leak Test Law", jurisdiction=self.jurisdiction, **u
        ))
        set_links(self.instrument, "parties", [self.ministry], reason="Parties", user=self.staff)
        self.first_attempt = keep(f.make_attempt(
            slug="leak-first-attempt", title="Leak Test First Attempt", jurisdiction=self.jurisdiction,
            initiator=self.ministry, **u,
        ))
        self.attempt = keep(f.make_attempt(
            slug="leak-attempt", title="Leak Test Attempt", jurisdiction=self.jurisdiction, initiator=self.ministry,
            follows=self.first_attempt, **u,
        ))
        set_links(self.attempt, "instruments", [self.instrument], reason="Package", user=self.staff)
        self.versions = [
            keep(f.make_version(
                instrument=self.instrument, label="Leak Test consultation draft", published_in=self.source, **u
            )),
            keep(f.make_version(instrument=self.instrument, label="Leak Test second draft", **u)),
        ]
        self.provisions = [
            f.make_provision(version=version, text=f"Leak Test provision {n}.", **u)
            for version in self.versions
            for n in range(2)
        ]
        self.opened = keep(f.make_event(
            attempt=self.attempt, instrument=self.instrument, version=self.versions[0],
            kind=models.LifecycleEvent.Kind.CONSULTATION_OPENED, date=TODAY - datetime.timedelta(days=20),
            date_precision=DAY, deadline=TODAY + datetime.timedelta(days=20), summary="Leak Test consultation.", **u,
        ))
        keep(f.make_event(
            attempt=self.first_attempt, kind=models.LifecycleEvent.Kind.WITHDRAWN,
            date=TODAY - datetime.timedelta(days=200), date_precision=DAY, **u,
        ))
        self.system = keep(f.make_system(
            slug="leak-system", name="Leak Test Cameras", jurisdiction=self.jurisdiction, operator=self.ministry, **u
        ))
        set_links(self.system, "vendors", [self.vendor], reason="Vendor", user=self.staff)
        self.dpia = keep(f.make_dpia(
            slug="leak-dpia", title="Leak Test DPIA", controller=self.ministry, authority=self.authority,
            system=self.system, attempt=self.attempt, **u,
        ))
        self.ruling = keep(f.make_ruling(
            slug="leak-ruling", title="Leak Test Opinion", dpia=self.dpia, kind=models.Ruling.Kind.DPIA_OPINION,
            outcome=models.Ruling.Outcome.CONCERNS, **u,
        ))
        links = {"attempts": [self.attempt], "instruments": [self.instrument], "systems": [self.system]}
        for name, targets in links.items():
            set_links(self.ruling, name, targets, reason="Links", user=self.staff)
        self.question = keep(f.make_response(
            slug="leak-question", title="Leak Test Question", kind=models.Response.Kind.PARLIAMENTARY_QUESTION,
            jurisdiction=self.jurisdiction, **u,
        ))
        set_links(self.question, "authors", [self.person], reason="Author", user=self.staff)
        set_links(self.question, "addressees", [self.ministry], reason="Addressee", user=self.staff)
        set_links(self.question, "attempts", [self.attempt], reason="Attempt", user=self.staff)
        self.answer = keep(f.make_response(
            slug="leak-answer", title="Leak Test Answer", kind=models.Response.Kind.ANSWER,
            in_reply_to=self.question, jurisdiction=self.jurisdiction, **u,
        ))
        self.development = keep(f.make_development(
            slug="leak-development", title="Leak Test Development", jurisdiction=self.jurisdiction, **u
        ))
        for name, targets in (("actors", [self.ministry]), ("systems", [self.system]), ("attempts", [self.attempt])):
            set_links(self.development, name, targets, reason="Links", user=self.staff)
        for record in [r for rs in list(self.public.values()) for r in rs if isinstance(r, models.CitedRecord)]:
            f.make_citation(record=record, source=self.source, user=self.staff)
        self.reviewed = keep(self.published_after_review())

    def published_after_review(self):
        """A development published through the whole cycle: its draft, notes and comments stay private."""
        self.m.context = "draft of a reviewed development"
        development = models.Development(
            slug="leak-reviewed", title_en=self.m.text("Draft title"), summary_en=self.m.text("Draft summary"),
            kind=models.Development.Kind.ANNOUNCEMENT, jurisdiction=self.jurisdiction,
            date=TODAY - datetime.timedelta(days=40), date_precision=DAY,
        )
        citation = models.Citation(source=self.source, reliability="B", credibility="2")
        change_request = workflow.create_draft(
            development, user=self.staff, citations=[citation], note=self.m.text("Note"), submit=True
        )
        workflow.return_change(change_request, user=self.moderator, comment=self.m.text("Comment"))
        development.refresh_from_db()
        development.title_en = "Leak Test Reviewed Development"
        development.summary_en = "Leak Test reviewed summary."
        workflow.update_draft(
            change_request, development, user=self.staff, expected_history_id=workflow.latest_history_id(development)
        )
        workflow.submit_change(change_request, user=self.staff)
        workflow.approve_change(change_request, user=self.moderator, reason="Leak Test published after review")
        development.refresh_from_db()
        return development

    # Hidden -----------------------------------------------------------------------------------

    def texts(self, *names):
        """Marked values for translated fields (both languages) and plain text fields."""
        values = {}
        for name in names:
            if name in ("author", "publisher"):
                values[name] = self.m.text()
            else:
                values[f"{name}_en"] = self.m.text()
                values[f"{name}_sr"] = self.m.text("Skriveno")
        return values

    def hidden_instance(self, model, state, index):
        """An unsaved hidden record of ``model`` linking to published records, and its links."""
        slug = f"hidden-{state}-{model._meta.model_name}-{self.m.new()}"
        day = TODAY - datetime.timedelta(days=index + 1)
        dated = {"date": day, "date_precision": DAY}
        Kind = models.LifecycleEvent.Kind
        if model is models.Jurisdiction:
            return models.Jurisdiction(
                slug=slug, kind=models.Jurisdiction.Kind.SUBNATIONAL, parent=self.jurisdiction, **self.texts("name")
            ), {}
        if model is models.Actor:
            return models.Actor(
                slug=slug, kind=models.Actor.Kind.PERSON, role=models.Actor.Role.CIVIL_SOCIETY,
                jurisdiction=self.jurisdiction, affiliation=self.ministry, url=self.m.url(),
                **self.texts("name", "position", "description"),
            ), {}
        if model is models.Source:
            marker = self.m.new()
            return models.Source(
                slug=slug, kind=models.Source.Kind.REPORT, url=self.m.url(), language="sr",
                file=SimpleUploadedFile(f"{marker}.pdf", f"%PDF-1.4 {self.m.new()}".encode()),
                **dated, **self.texts("author", "publisher", "description"), title=self.m.text(),
            ), {}
        if model is models.Instrument:
            return models.Instrument(
                slug=slug, kind=models.Instrument.Kind.DRAFT_LAW, jurisdiction=self.jurisdiction,
                **self.texts("title", "summary"),
            ), {"parties": [self.ministry]}
        if model is models.LegislativeAttempt:
            return models.LegislativeAttempt(
                slug=slug, jurisdiction=self.jurisdiction, initiator=self.ministry, follows=self.attempt,
                **self.texts("title", "summary"),
            ), {"instruments": [self.instrument]}
        if model is models.InstrumentVersion:
            return models.InstrumentVersion(
                instrument=self.instrument, number=self.instrument.versions.count() + 1, published_in=self.source,
                **dated, **self.texts("label", "summary"),
            ), {}
        if model is models.LifecycleEvent:
            # Steps that would move the attempt's status, deadline and calendar if they leaked.
            kind = [Kind.WITHDRAWN, Kind.CONSULTATION_EXTENDED, Kind.ADOPTED, Kind.CONSULTATION_CLOSED,
                    Kind.REDRAFT_ANNOUNCED, Kind.SUBMITTED_TO_PARLIAMENT][index]
            deadline = TODAY + datetime.timedelta(days=90) if kind == Kind.CONSULTATION_EXTENDED else None
            return models.LifecycleEvent(
                attempt=self.attempt, instrument=self.instrument, version=self.versions[1], kind=kind,
                deadline=deadline, **dated, **self.texts("summary"),
            ), {"provisions": self.provisions[2:]}
        if model is models.SurveillanceSystem:
            return models.SurveillanceSystem(
                slug=slug, jurisdiction=self.jurisdiction, operator=self.ministry, **self.texts("name", "description"),
            ), {"vendors": [self.vendor]}
        if model is models.DPIASubmission:
            return models.DPIASubmission(
                slug=slug, controller=self.ministry, authority=self.authority, system=self.system,
                round=self.system.dpias.count() + 1, attempt=self.attempt, **dated, **self.texts("title", "summary"),
            ), {}
        if model is models.Ruling:
            # Newer than the published opinion: its outcome would become the DPIA's if it leaked.
            return models.Ruling(
                slug=slug, kind=models.Ruling.Kind.DPIA_OPINION, outcome=models.Ruling.Outcome.NO_LEGAL_BASIS,
                authority=self.authority, dpia=self.dpia, **dated, **self.texts("title", "summary", "findings"),
            ), {"attempts": [self.attempt], "instruments": [self.instrument], "systems": [self.system]}
        if model is models.Response:
            return models.Response(
                slug=slug, kind=models.Response.Kind.ANSWER, in_reply_to=self.question, jurisdiction=self.jurisdiction,
                **dated, **self.texts("title", "summary"),
            ), {
                "authors": [self.person], "addressees": [self.ministry], "attempts": [self.attempt],
                "instruments": [self.instrument], "rulings": [self.ruling], "dpias": [self.dpia],
                "systems": [self.system],
            }
        if model is models.Development:
            return models.Development(
                slug=slug, kind=models.Development.Kind.INCIDENT, jurisdiction=self.jurisdiction, **dated,
                **self.texts("title", "summary"),
            ), {"actors": [self.ministry], "systems": [self.system], "attempts": [self.attempt]}
        raise AssertionError(f"No hidden record for {model.__name__}: add one.")

    def citation(self, source=None):
        return models.Citation(
            source=source or self.source, reliability="C", credibility="3", aspect=models.Citation.Aspect.DATE,
            asserted_value=self.m.new(), locator=self.m.text("p."), quote=self.m.text("Quote"),
        )

    def build_hidden(self):
        for model in RECORD_TYPES:
            for index, state in enumerate(STATES):
                self.m.context = f"{state} {model._meta.verbose_name}"
                record, links = self.hidden_instance(model, state, index)
                cited = issubclass(model, models.CitedRecord)
                change_request = workflow.create_draft(
                    record, user=self.staff, links=links, citations=[self.citation()] if cited else [],
                    note=self.m.text("Note"), reason=self.m.text("Reason"),
                )
                self.hidden_in_order.append(record)
                if model is models.InstrumentVersion:
                    for position in (1, 2):
                        save_record(
                            models.Provision(
                                version=record, position=position, number=f"Article {position}",
                                **self.texts("heading", "text"),
                            ),
                            reason="Draft saved", user=self.staff,
                        )
                self.move_to(state, change_request, record)
                record.refresh_from_db()
                self.hidden[model].append(record)
                self.search_terms.append(first_marker(self.first_text(record)))

    def move_to(self, state, change_request, record):
        staff, moderator, m = self.staff, self.moderator, self.m
        if state == "draft":
            return
        workflow.submit_change(change_request, user=staff)
        if state == "returned":
            workflow.return_change(change_request, user=moderator, comment=m.text("Comment"))
        elif state == "rejected":
            workflow.reject_change(change_request, user=moderator, comment=m.text("Comment"))
        elif state == "scheduled":
            workflow.approve_change(
                change_request, user=moderator, reason=m.text("Reason"),
                publish_at=timezone.now() + datetime.timedelta(days=30),
            )
        elif state == "removed":
            workflow.approve_change(change_request, user=moderator)
            workflow.remove_record(record, user=moderator, reason=m.text("Removed"))

    # Proposals on published records ------------------------------------------------------------

    PROPOSED_TEXT = {
        models.Jurisdiction: ("name",),
        models.Actor: ("name", "position", "description"),
        models.Source: ("title", "author", "publisher", "description"),
        models.Instrument: ("title", "summary"),
        models.LegislativeAttempt: ("title", "summary"),
        models.InstrumentVersion: ("label", "summary"),
        models.LifecycleEvent: ("summary",),
        models.SurveillanceSystem: ("name", "description"),
        models.DPIASubmission: ("title", "summary"),
        models.Ruling: ("title", "summary", "findings"),
        models.Response: ("title", "summary"),
        models.Development: ("title", "summary"),
    }

    def propose(self, record, *, links=None, citations=(), companions=(), submit=True):
        model = type(record)
        self.m.context = f"proposal on {model._meta.verbose_name} {record.pk}"
        edited = model.objects.get(pk=record.pk)
        for name in self.PROPOSED_TEXT[model]:
            if hasattr(edited, f"{name}_en"):
                setattr(edited, f"{name}_en", self.m.text("Proposed"))
                setattr(edited, f"{name}_sr", self.m.text("Predlog"))
            else:
                setattr(edited, name, self.m.text("Proposed"))
        self.search_terms.append(first_marker(self.first_text(edited)))
        return workflow.propose_edit(
            record, user=self.staff, values=workflow.values_from_instance(edited), links=links, citations=citations,
            companions=companions, base_history_id=workflow.latest_history_id(record),
            reason=self.m.text("Reason"), note=self.m.text("Note"), submit=submit,
        )

    def first_text(self, record):
        """The record's first searchable text (its title, name, label or summary)."""
        name = self.PROPOSED_TEXT[type(record)][0]
        return getattr(record, f"{name}_en", None) or getattr(record, name)

    def build_proposals(self):
        # A pending edit of the first published record of every type.
        for model in RECORD_TYPES:
            self.propose(self.public[model][0])
        # Records created inline with a proposal: a new author, a new source cited, a new text in the package.
        self.m.context = "record created inline"
        companion_actor = workflow.create_companion(
            models.Actor(slug=f"inline-actor-{self.m.new()}", kind=models.Actor.Kind.PERSON,
                         role=models.Actor.Role.OTHER, **self.texts("name")),
            user=self.staff,
        )
        companion_source = workflow.create_companion(
            models.Source(slug=f"inline-source-{self.m.new()}", title=self.m.text(), kind=models.Source.Kind.ARTICLE,
                          url=self.m.url(), date_precision=DatePrecision.UNKNOWN),
            user=self.staff,
        )
        companion_instrument = workflow.create_companion(
            models.Instrument(slug=f"inline-law-{self.m.new()}", kind=models.Instrument.Kind.BYLAW,
                              jurisdiction=self.jurisdiction, **self.texts("title", "summary")),
            user=self.staff,
        )
        self.hidden_in_order += [companion_actor, companion_source, companion_instrument]
        self.hidden[models.Actor].append(companion_actor)
        self.hidden[models.Source].append(companion_source)
        self.hidden[models.Instrument].append(companion_instrument)
        self.propose(
            self.answer, links={"authors": [self.person, companion_actor]},
            citations=[self.citation(companion_source)], companions=[companion_actor, companion_source], submit=False,
        )
        self.propose(
            self.attempt, links={"instruments": [self.instrument, companion_instrument]},
            companions=[companion_instrument],
        )
        # Decided proposals: returned, rejected, approved under embargo.
        returned = self.propose(self.reviewed)
        workflow.return_change(returned, user=self.moderator, comment=self.m.text("Comment"))
        rejected = self.propose(self.versions[1])
        workflow.reject_change(rejected, user=self.moderator, comment=self.m.text("Comment"))
        scheduled = self.propose(self.person)
        workflow.approve_change(
            scheduled, user=self.moderator, reason=self.m.text("Reason"),
            publish_at=timezone.now() + datetime.timedelta(days=30),
        )

    # Addresses ----------------------------------------------------------------------------------

    def records(self, model):
        """(record, hidden) for every record of ``model``."""
        return [(record, False) for record in self.public[model]] + [(record, True) for record in self.hidden[model]]

    def slugs(self, model, hidden):
        return [record.slug for record in (self.hidden if hidden else self.public)[model]]

    def all_hidden(self):
        return [record for records in self.hidden.values() for record in records]

    def delete_hidden(self):
        """Delete every hidden record and every proposal, as if none had ever been made."""
        models.ChangeRequest.objects.all().delete()
        pending = list(reversed(self.hidden_in_order))
        while pending:
            left = []
            for record in pending:
                # A fresh copy: the world's own keeps its primary key, which the URLs still need.
                stored = type(record)._default_manager.filter(pk=record.pk).first()
                if stored is None:
                    continue
                try:
                    with transaction.atomic():
                        delete_record(stored, reason="Test: forget the hidden world")
                except ProtectedError:
                    left.append(record)
            assert len(left) < len(pending), f"Cannot delete {left}"
            pending = left


# Generating URLs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    url: str
    status: int = None  # the status the answer must have, when known


def _kwargs(record):
    if isinstance(record, models.InstrumentVersion):
        return {"slug": record.instrument.slug, "number": record.number}
    if isinstance(record, models.LifecycleEvent):
        return {"pk": record.pk}
    return {"slug": record.slug}


def record_pages(model, name):
    """A record's page, or its history page (also as of a day), for every record of ``model``."""

    def generate(world):
        for record, hidden in world.records(model):
            url = reverse(name, kwargs=_kwargs(record))
            yield Request(url, 404 if hidden else 200)
            if name.endswith("_history") and not hidden:
                for day in (TODAY, TODAY - datetime.timedelta(days=3)):
                    yield Request(f"{url}?{urlencode({'as_of': day.isoformat()})}", 200)

    return generate


def by_slug(name, model):
    """A page named by the slug of a record of ``model``; hidden records answer 404."""

    def generate(world):
        for record, hidden in world.records(model):
            yield Request(reverse(name, kwargs={"slug": record.slug}), 404 if hidden else 200)

    return generate


def fixed(name, *queries, status=200, **kwargs):
    def generate(world):
        url = reverse(name, kwargs=kwargs or None)
        yield Request(url, status)
        for query in queries:
            yield Request(f"{url}?{urlencode(query)}")

    return generate


def searches(name):
    """A search for a marker of every hidden record and proposal, and for public words.

    Which records a search finds does not depend on the interface language,
    only how they are shown: the other languages search for a few markers.
    """

    def generate(world):
        url = reverse(name)
        terms = world.search_terms
        if translation.get_language() != settings.LANGUAGE_CODE:
            terms = terms[::10]
        for term in terms:
            yield Request(f"{url}?{urlencode({'q': term})}", 200)
        for term in ("leak test", "Leak", "skriveno", "proposed", "hidden"):
            yield Request(f"{url}?{urlencode({'q': term})}", 200)

    return generate


def timeline(world):
    url = reverse("legal:timeline")
    yield Request(url, 200)
    filters = {"jurisdiction": models.Jurisdiction, "actor": models.Actor, "attempt": models.LegislativeAttempt}
    for name, model in filters.items():
        for slug in world.slugs(model, hidden=False):
            yield Request(f"{url}?{urlencode({name: slug})}", 200)
        for slug in world.slugs(model, hidden=True):
            yield Request(f"{url}?{urlencode({name: slug})}", 400)
    for kind in ("event", "ruling", "response", "development", "dpia", "event:withdrawn", "ruling:dpia_opinion"):
        yield Request(f"{url}?{urlencode({'kind': kind})}", 200)
    for year in (TODAY.year, TODAY.year - 1):
        yield Request(f"{url}?{urlencode({'year': year, 'attempt': world.attempt.slug})}", 200)


def compare(world):
    versions = world.records(models.InstrumentVersion)
    public = [version for version, hidden in versions if not hidden]
    for left, left_hidden in versions:
        for right in public:
            kwargs = {"left": left.instrument.slug, "left_number": left.number,
                      "right": right.instrument.slug, "right_number": right.number}
            yield Request(reverse("legal:compare", kwargs=kwargs), 404 if left_hidden else 200)
            if left_hidden:
                swapped = {"left": right.instrument.slug, "left_number": right.number,
                           "right": left.instrument.slug, "right_number": left.number}
                yield Request(reverse("legal:compare", kwargs=swapped), 404)


def compare_choose(world):
    url = reverse("legal:compare_choose")
    yield Request(url, 200)
    for version, hidden in world.records(models.InstrumentVersion):
        key = f"{version.instrument.slug}:{version.number}"
        yield Request(f"{url}?{urlencode({'left': key, 'right': key})}", 400 if hidden else 302)


def kind_feeds(world):
    for value in ("event", "event:withdrawn", "event:consultation_extended", "dpia", "ruling", "ruling:dpia_opinion",
                  "response", "response:answer", "development", "development:incident"):
        yield Request(reverse("legal:kind_feed", kwargs={"kind": value}), 200)


def source_files(world):
    for source, hidden in world.records(models.Source):
        if source.file:
            yield Request(reverse("legal:source_file", kwargs={"slug": source.slug}), 404 if hidden else 200)


def media_files(world):
    """The storage paths of every stored file, straight from the media route (when there is one)."""
    for source, _hidden in world.records(models.Source):
        if source.file:
            yield Request(f"/{settings.MEDIA_URL.strip('/')}/{source.file.name}", 404)


def alerts_subscribe(world):
    url = reverse("alerts:subscribe")
    yield Request(url, 200)
    for target_type, model in (("attempt", models.LegislativeAttempt), ("jurisdiction", models.Jurisdiction),
                               ("actor", models.Actor)):
        for record, hidden in world.records(model):
            query = urlencode({"target_type": target_type, "target": record.slug})
            yield Request(f"{url}?{query}", 400 if hidden else 200)
    for term in world.search_terms[:10]:
        yield Request(f"{url}?{urlencode({'target_type': 'search', 'target': term})}", 200)


def alerts_tokens(name):
    def generate(world):
        for subscription in world.subscriptions:
            yield Request(reverse(name, kwargs={"token": subscription.token}), 200)
        yield Request(reverse(name, kwargs={"token": "no-such-token"}))

    return generate


API_MODELS = api_serializers.API_NAMES
SLUG_FILTER_MODELS = {
    "jurisdiction": models.Jurisdiction,
    "parent": models.Jurisdiction,
    "actor": models.Actor,
    "attempt": models.LegislativeAttempt,
    "instrument": models.Instrument,
}


def api_list(model):
    """A list of the API, plain and with every slug filter it has (published slugs, then hidden ones)."""
    basename = API_MODELS[model]

    def generate(world):
        url = reverse(f"api:{basename}-list")
        yield Request(url, 200)
        yield Request(f"{url}?page_size=200", 200)
        filterset = _api_view(model).filterset_class
        for name, declared in filterset.base_filters.items():
            if isinstance(declared, api_filters.SlugFilter):
                target = SLUG_FILTER_MODELS[name]
                for slug in world.slugs(target, hidden=False):
                    yield Request(f"{url}?{urlencode({name: slug, 'page_size': 200})}", 200)
                for slug in world.slugs(target, hidden=True):
                    yield Request(f"{url}?{urlencode({name: slug})}", 400)
        if issubclass(filterset, api_filters.DatedFilterSet):
            yield Request(f"{url}?{urlencode({'date_after': (TODAY - datetime.timedelta(days=30)).isoformat()})}", 200)

    return generate


def _api_view(model):
    from legal.api import views

    for viewset in vars(views).values():
        if isinstance(viewset, type) and getattr(viewset, "model", None) is model:
            return viewset
    raise AssertionError(f"No API view for {model.__name__}")


def api_record(model, action):
    basename = API_MODELS[model]

    def generate(world):
        for record, hidden in world.records(model):
            if model is models.InstrumentVersion:
                kwargs = {"instrument": record.instrument.slug, "number": record.number}
            elif model is models.LifecycleEvent:
                kwargs = {"pk": record.pk}
            else:
                kwargs = {"slug": record.slug}
            yield Request(reverse(f"api:{basename}-{action}", kwargs=kwargs), 404 if hidden else 200)

    return generate


def export_files(world):
    yield Request(reverse("export_zip"), 200)
    yield Request(reverse("export_json"), 200)


GENERATORS = {
    # The public site (in every language).
    "legal:home": fixed("legal:home"),
    "legal:about": fixed("legal:about"),
    "legal:timeline": timeline,
    "legal:search": searches("legal:search"),
    "legal:compare_choose": compare_choose,
    "legal:compare": compare,
    "legal:attempt_list": fixed("legal:attempt_list", {"page": 2}),
    "legal:instrument_list": fixed("legal:instrument_list"),
    "legal:dpia_list": fixed("legal:dpia_list"),
    "legal:response_list": fixed("legal:response_list"),
    "legal:actor_list": fixed("legal:actor_list"),
    "legal:jurisdiction_list": fixed("legal:jurisdiction_list"),
    "legal:source_list": fixed("legal:source_list"),
    "legal:data": fixed("legal:data"),
    "legal:source_file": source_files,
    # Follow and reuse.
    "legal:feed": fixed("legal:feed"),
    "legal:attempt_feed": by_slug("legal:attempt_feed", models.LegislativeAttempt),
    "legal:jurisdiction_feed": by_slug("legal:jurisdiction_feed", models.Jurisdiction),
    "legal:actor_feed": by_slug("legal:actor_feed", models.Actor),
    "legal:kind_feed": kind_feeds,
    "legal:search_feed": searches("legal:search_feed"),
    "legal:calendar": fixed("legal:calendar"),
    "legal:attempt_calendar": by_slug("legal:attempt_calendar", models.LegislativeAttempt),
    "legal:jurisdiction_calendar": by_slug("legal:jurisdiction_calendar", models.Jurisdiction),
    "alerts:subscribe": alerts_subscribe,
    "alerts:check_inbox": fixed("alerts:check_inbox"),
    "alerts:confirm": alerts_tokens("alerts:confirm"),
    "alerts:unsubscribe": alerts_tokens("alerts:unsubscribe"),
    # Not language-prefixed.
    "sitemap": fixed("sitemap"),
    "robots_txt": fixed("robots_txt"),
    "export_zip": export_files,
    "export_json": export_files,
    "set_language": fixed("set_language", {"next": "/en/"}, status=302),
    "api:api-root": fixed("api:api-root"),
    "api:schema": fixed("api:schema"),
    "api:docs": fixed("api:docs"),
    "api:<unnamed api/>": lambda world: [Request("/api/no-such-endpoint/", 404)],
    "<unnamed ^media/(?P<path>.*)$>": media_files,
}
for _route, _view, _model, _name in RECORD_ROUTES:
    GENERATORS[f"legal:{_name}_detail"] = record_pages(_model, f"legal:{_name}_detail")
    GENERATORS[f"legal:{_name}_history"] = record_pages(_model, f"legal:{_name}_history")
for _model, _basename in API_MODELS.items():
    GENERATORS[f"api:{_basename}-list"] = api_list(_model)
    GENERATORS[f"api:{_basename}-detail"] = api_record(_model, "detail")
    GENERATORS[f"api:{_basename}-history"] = api_record(_model, "history")


def url_patterns():
    """``{key: route}`` of every URL pattern outside the private areas.

    The key is the pattern's namespaced name, or ``<unnamed route>``.
    """
    found = {}

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if route.startswith(PRIVATE_PREFIXES):
                continue
            if isinstance(pattern, URLResolver):
                inner = ":".join(part for part in (namespace, pattern.namespace) if part)
                walk(pattern.url_patterns, route, inner)
            elif isinstance(pattern, URLPattern):
                if pattern.name:
                    key = f"{namespace}:{pattern.name}" if namespace else pattern.name
                else:
                    key = f"{namespace + ':' if namespace else ''}<unnamed {route}>"
                found[key] = route

    with translation.override("en"):
        walk(get_resolver().url_patterns, "", "")
    return found


def test_every_public_url_pattern_has_a_leak_generator():
    missing = sorted(key for key in url_patterns() if key not in GENERATORS)
    assert not missing, (
        "These public URL patterns are not walked by the leak test: "
        + ", ".join(missing)
        + ". Add a generator for each to GENERATORS in tests/test_leaks.py, with the addresses of "
        "hidden records too, so that nothing unapproved can leak through them."
    )


def test_the_world_holds_every_public_record_type():
    from staff.records import RECORD_MODELS

    routed = {model for _route, _view, model, _name in RECORD_ROUTES}
    assert set(RECORD_TYPES) == routed == set(RECORD_MODELS.values()) == set(World.PROPOSED_TEXT), (
        "A record type is missing from the leak test's world: add it to RECORD_TYPES, "
        "World.hidden_instance and World.PROPOSED_TEXT in tests/test_leaks.py."
    )


# Reading answers -----------------------------------------------------------------------------------


def body_texts(response):
    """Every text an answer carries: its headers, its body, each member of a zip, decoded JSON."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    texts = [" ".join(f"{name}: {value}" for name, value in response.items())]
    if content.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            texts += [f"== {name}\n" + archive.read(name).decode("utf-8") for name in sorted(archive.namelist())]
        return texts
    text = content.decode("utf-8", errors="replace")
    if response.get("Content-Type", "").startswith("text/calendar"):
        text = re.sub(r"\r?\n[ \t]", "", text)  # unfold long lines
    if response.get("Content-Type", "").startswith("application/json"):
        try:
            text = json.dumps(json.loads(text), ensure_ascii=False, sort_keys=True)
        except ValueError:
            pass
    texts.append(text)
    return texts


NOISE = [
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"'), 'name="csrfmiddlewaretoken" value=""'),
    (re.compile(r'"X-CSRFTOKEN"\] = "[^"]*"'), '"X-CSRFTOKEN"] = ""'),
    (re.compile(r"Generated: [^\n<]*"), "Generated: …"),
    (re.compile(r'"generated_at": "[^"]*"'), '"generated_at": "…"'),
    (re.compile(r"<time datetime=\"[^\"]*\">[^<]*</time>\s*\([^)]*\)"), "<time>…</time>"),
    # An empty feed is dated by the moment it is asked for.
    (re.compile(r"^(.*?<feed\b.*?)<updated>[^<]*</updated>", re.S), r"\1<updated>…</updated>"),
]


def comparable(texts):
    text = "\n".join(texts[1:])
    for pattern, replacement in NOISE:
        text = pattern.sub(replacement, text)
    return text


def secrets_in(texts, request_url):
    """Markers and identities found in an answer, apart from markers the request itself carried."""
    asked = fold(unquote_plus(request_url))
    found = set()
    for text in texts:
        folded = fold(text)
        found |= {marker for marker in Markers.PATTERN.findall(folded) if marker not in asked}
        found |= {identity for identity in IDENTITIES if identity in folded}
    return found


def walk(client, world, only=None):
    """Request every generated URL (or those in ``only``) once; returns ``{url: (status, comparable text)}``."""
    patterns = url_patterns()
    requests, covered = [], set()
    for key in patterns:
        generator = GENERATORS.get(key)
        assert generator is not None, f"{key} has no generator: see test_every_public_url_pattern_has_a_leak_generator"
        for language in LANGUAGES:
            with translation.override(language):
                generated = list(generator(world))
            if generated:
                covered.add(key)
            requests += generated
    assert covered == set(patterns), f"Generators produced no URL for {sorted(set(patterns) - covered)}"
    answers, problems = {}, []
    for request in dict.fromkeys(requests):
        if only is not None and request.url not in only:
            continue
        response = client.get(request.url)
        texts = body_texts(response)
        if request.status is not None and response.status_code != request.status:
            problems.append(f"{request.url}: status {response.status_code}, expected {request.status}")
        if response.status_code >= 500:
            problems.append(f"{request.url}: server error {response.status_code}")
        secrets = secrets_in(texts, request.url)
        if secrets:
            named = ", ".join(f"{secret} ({world.m.owners.get(secret, 'an account')})" for secret in sorted(secrets))
            problems.append(f"{request.url}: shows {named}")
        answers[request.url] = (response.status_code, comparable(texts))
    assert not problems, "\n".join(problems[:60]) + (f"\n… and {len(problems) - 60} more" if len(problems) > 60 else "")
    return answers


@pytest.fixture(autouse=True)
def quiet_request_log():
    """Thousands of expected 404 and 400 answers need no warning each."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture
def identified(staff_user, moderator_user):
    for user, identity in ((staff_user, STAFF_IDENTITY), (moderator_user, MODERATOR_IDENTITY)):
        for name, value in identity.items():
            setattr(user, name, value)
        user.save()
    return staff_user, moderator_user


def test_no_public_url_shows_anything_unapproved_or_private(client, identified):
    world = World(*identified)
    assert world.m.count > 400  # the world really is full of secrets

    with_hidden = walk(client, world)

    world.delete_hidden()
    # The answers that showed something (404 pages and refused filters are the same without the records).
    shown = {url for url, (status, _text) in with_hidden.items() if status < 400}
    without_hidden = walk(client, world, only=shown)
    with_hidden = {url: answer for url, answer in with_hidden.items() if url in shown}
    changed = [url for url in with_hidden if with_hidden[url] != without_hidden.get(url)]
    details = []
    for url in changed[:5]:
        before, after = with_hidden[url][1].splitlines(), without_hidden[url][1].splitlines()
        diff = difflib.unified_diff(after, before, "without hidden records", "with them", lineterm="", n=1)
        diff = "\n".join(list(diff)[:30])
        details.append(f"{url}:\n{diff}")
    assert not changed, (
        f"{len(changed)} public answers change when hidden records exist:\n" + "\n\n".join(details)
    )


class LinksMadeElsewhere(World):
    """Published records that link to hidden ones, as no workflow action would publish them.

    An old import or a direct database edit could still make such links; the
    public pages then show the link as absent, and a record that only exists
    as part of a hidden one (an event, a version) is hidden with it.
    """

    def __init__(self):
        self.m = Markers()
        self.public = defaultdict(list)
        self.hidden = defaultdict(list)
        self.search_terms = []
        self.subscriptions = []
        keep, m = self.keep, self.m
        draft = {"visibility": models.Visibility.DRAFT}
        m.context = "hidden record linked from a published one"
        state = self.conceal(f.make_jurisdiction(slug=f"hidden-state-{m.new()}", name=m.text(), **draft))
        actor = self.conceal(f.make_actor(slug=f"hidden-actor-{m.new()}", name=m.text(), **draft))
        removed = self.conceal(f.make_actor(
            slug=f"removed-actor-{m.new()}", name=m.text(), visibility=models.Visibility.DELETED
        ))
        hidden_attempt = self.conceal(f.make_attempt(
            slug=f"hidden-attempt-{m.new()}", title=m.text(), summary=m.text(), **draft
        ))
        hidden_law = self.conceal(f.make_instrument(slug=f"hidden-law-{m.new()}", title=m.text(), **draft))
        hidden_source = self.conceal(f.make_source(
            slug=f"hidden-source-{m.new()}", title=m.text(), file=SimpleUploadedFile(f"{m.new()}.pdf", b"%PDF-1.4"),
            **draft,
        ))
        question = self.conceal(f.make_response(
            slug=f"hidden-question-{m.new()}", title=m.text(), kind=models.Response.Kind.PARLIAMENTARY_QUESTION,
            **draft,
        ))
        # Published, but part of a hidden record: hidden with it.
        self.conceal(f.make_event(
            attempt=hidden_attempt, kind=models.LifecycleEvent.Kind.WITHDRAWN, summary=m.text(),
            date=TODAY - datetime.timedelta(days=5), date_precision=DAY,
        ))
        orphan_version = self.conceal(f.make_version(instrument=hidden_law, label=m.text(), summary=m.text()))
        f.make_provision(version=orphan_version, text=m.text())

        m.context = "published record"
        source = keep(f.make_source(
            slug="leak-source", title="Leak Test Report", file=SimpleUploadedFile("copy.pdf", b"%PDF-1.4")
        ))
        law = keep(f.make_instrument(slug="leak-law", title="Leak Test Law", jurisdiction=state))
        set_links(law, "parties", [actor], reason="Links")
        for number in (1, 2):
            keep(f.make_version(instrument=law, label=f"Leak Test draft {number}"))
        self.attempt = keep(f.make_attempt(
            slug="leak-attempt", title="Leak Test Attempt", jurisdiction=state, initiator=removed,
            follows=hidden_attempt,
        ))
        set_links(self.attempt, "instruments", [law, hidden_law], reason="Links")
        m.context = "published event of a hidden instrument"
        self.conceal(f.make_event(
            attempt=self.attempt, instrument=hidden_law, kind=models.LifecycleEvent.Kind.ADOPTED, summary=m.text(),
            date=TODAY - datetime.timedelta(days=4), date_precision=DAY,
        ))
        m.context = "published record"
        keep(f.make_event(
            attempt=self.attempt, instrument=law, kind=models.LifecycleEvent.Kind.PUBLISHED,
            date=TODAY - datetime.timedelta(days=9), date_precision=DAY,
        ))
        keep(f.make_jurisdiction(slug="leak-region", name="Leak Test Region", parent=state))
        keep(f.make_actor(slug="leak-person", name="Leak Test Person", affiliation=actor, jurisdiction=state))
        authority = keep(f.make_supervisory_authority(slug="leak-authority", name="Leak Test Authority"))
        system = keep(f.make_system(slug="leak-system", name="Leak Test Cameras", jurisdiction=state, operator=actor))
        set_links(system, "vendors", [actor], reason="Links")
        dpia = keep(f.make_dpia(slug="leak-dpia", title="Leak Test DPIA", authority=authority, system=system,
                                attempt=hidden_attempt))
        ruling = keep(f.make_ruling(slug="leak-ruling", title="Leak Test Opinion", dpia=dpia,
                                    kind=models.Ruling.Kind.DPIA_OPINION))
        set_links(ruling, "attempts", [hidden_attempt], reason="Links")
        set_links(ruling, "instruments", [hidden_law], reason="Links")
        f.make_citation(record=ruling, source=hidden_source, quote=m.text())
        f.make_citation(record=ruling, source=source)
        answer = keep(f.make_response(
            slug="leak-answer", title="Leak Test Answer", kind=models.Response.Kind.ANSWER, in_reply_to=question,
            jurisdiction=state,
        ))
        set_links(answer, "authors", [actor], reason="Links")
        keep(f.make_response(
            slug="leak-reply", title="Leak Test Reply", kind=models.Response.Kind.ANSWER, in_reply_to=answer
        ))
        development = keep(f.make_development(slug="leak-development", title="Leak Test Development",
                                              jurisdiction=state))
        set_links(development, "actors", [actor], reason="Links")
        set_links(development, "attempts", [hidden_attempt], reason="Links")
        for record in (self.attempt, law, development, answer, system, dpia):
            f.make_citation(record=record, source=source)

    def conceal(self, record):
        self.hidden[type(record)].append(record)
        self.search_terms += sorted(set(Markers.PATTERN.findall(" ".join(
            str(value) for value in vars(record).values() if isinstance(value, str)
        ))))[:1]
        return record


def test_links_made_outside_the_workflow_show_nothing_hidden(client):
    world = LinksMadeElsewhere()
    walk(client, world)
    for record in world.all_hidden():
        assert record_change(type(record), record.pk, created=True) == [], record


def test_stored_files_of_hidden_sources_cannot_be_downloaded(client, identified):
    world = World(*identified)
    public = client.get(reverse("legal:source_file", kwargs={"slug": world.source.slug}))
    assert public.status_code == 200
    assert b"".join(public.streaming_content) == b"%PDF-1.4 public synthetic copy"
    assert "public-copy" not in public["Content-Disposition"]  # the stored name may come from a staff laptop
    page = client.get(world.source.get_absolute_url()).content.decode()
    assert reverse("legal:source_file", kwargs={"slug": world.source.slug}) in page
    assert world.source.file.name not in page
    for source in world.hidden[models.Source]:
        if source.file:
            assert client.get(reverse("legal:source_file", kwargs={"slug": source.slug})).status_code == 404
            assert client.get(f"/{settings.MEDIA_URL.strip('/')}/{source.file.name}").status_code == 404


def test_alerts_never_tell_of_hidden_records(client, identified, django_capture_on_commit_callbacks, mailoutbox):
    staff, moderator = identified
    for target_type, target in (("jurisdiction", "leak-state"), ("attempt", "leak-attempt"), ("actor", "leak-ministry"),
                                ("search", "skrv"), ("search", "hidden")):
        Subscription.objects.create(
            email=f"reader.{target_type}.{len(target)}@example.org", target_type=target_type, target=target,
            confirmed_at=timezone.now() - datetime.timedelta(days=1),
        )
    with django_capture_on_commit_callbacks(execute=True):
        world = World(staff, moderator)
    hidden = {(record._meta.label_lower, record.pk) for record in world.all_hidden()}
    for record in world.all_hidden():
        assert record_change(type(record), record.pk, created=True) == []
    sending.send_due(now=timezone.now() + datetime.timedelta(days=8))
    texts = [f"{message.subject}\n{message.body}\n{message.extra_headers}" for message in mailoutbox]
    assert texts, "the published records of the world must have sent alerts"
    for text in texts:
        assert not secrets_in([text], ""), text
    # Records removed after they were announced are described from published records only.
    for change in Change.objects.all():
        if (change.record_model, change.record_pk) in hidden:
            assert sending.describe(change) is None


def test_private_work_does_not_move_the_public_data_fingerprint(identified):
    """The export's date and the data page must not tell when staff work on a draft."""
    staff, moderator = identified
    authority = f.make_supervisory_authority()
    instrument = f.make_instrument()
    source = f.make_source()
    before = exports.data_fingerprint()
    ruling = models.Ruling(
        slug="fingerprint-ruling", title_en="Draft ruling", kind=models.Ruling.Kind.STATEMENT,
        outcome=models.Ruling.Outcome.CONCERNS, date=TODAY, date_precision=DAY, authority=authority,
    )
    citation = models.Citation(source=source, reliability="B", credibility="2")
    change_request = workflow.create_draft(ruling, user=staff, citations=[citation], note="Internal", submit=True)
    workflow.return_change(change_request, user=moderator, comment="Internal")
    ruling.refresh_from_db()
    ruling.summary_en = "Still a draft."
    workflow.update_draft(change_request, ruling, user=staff, expected_history_id=workflow.latest_history_id(ruling))
    version = models.InstrumentVersion(
        instrument=instrument, number=1, label_en="Draft text", date=TODAY, date_precision=DAY
    )
    workflow.create_draft(version, user=staff)
    f.make_provision(version=version, text="Draft provision.")
    assert exports.data_fingerprint() == before

    workflow.submit_change(change_request, user=staff)
    assert exports.data_fingerprint() == before

    workflow.approve_change(change_request, user=moderator)
    published = exports.data_fingerprint()
    assert published != before
    workflow.remove_record(ruling, user=moderator, reason="Internal")
    assert exports.data_fingerprint() != published
