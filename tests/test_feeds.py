"""Atom feeds and iCalendar files: valid, published records only, stable ids and UIDs, narrowed
as asked, advertised on the pages they belong to, and a fixed number of queries."""

import datetime

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone, translation
from icalendar import Calendar

from legal import models, workflow
from legal.calendars import PAST_DAYS
from legal.dates import DatePrecision
from legal.search import MAX_QUERY_LENGTH
from legal.services import save_record, set_links
from tests import factories as f

Kind = models.LifecycleEvent.Kind
DAY = DatePrecision.DAY


def url(name, language="en", **kwargs):
    with translation.override(language):
        return reverse(f"legal:{name}", kwargs=kwargs or None)


def get_feed(client, name, language="en", params=None, **kwargs):
    response = client.get(url(name, language, **kwargs), params or {})
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


def titles(parsed):
    return [entry.title for entry in parsed.entries]


def today():
    return timezone.localdate()


@pytest.fixture
def story(db):
    """Two synthetic jurisdictions, an attempt with dated steps, a ruling, a response and a development."""
    home = f.make_jurisdiction(slug="test-state-home", name="Home Test State")
    away = f.make_jurisdiction(slug="test-state-away", name="Away Test State")
    ministry = f.make_actor(slug="example-ministry", name="Example Ministry", jurisdiction=home)
    attempt = f.make_attempt(
        slug="example-attempt",
        title="Example Attempt",
        title_sr="Primer pokušaja",
        jurisdiction=home,
        initiator=ministry,
    )
    withdrawn = f.make_event(
        attempt=attempt,
        kind=Kind.WITHDRAWN,
        date=datetime.date(2021, 5, 10),
        date_precision=DAY,
        summary="The example ministry withdrew the example draft.",
    )
    announced = f.make_event(attempt=attempt, kind=Kind.ANNOUNCED, date=datetime.date(2020, 1, 1))
    authority = f.make_supervisory_authority(slug="test-authority", name="Test Authority", jurisdiction=home)
    ruling = f.make_ruling(
        slug="test-ruling", title="Test Opinion", authority=authority, kind=models.Ruling.Kind.DRAFT_LAW_OPINION
    )
    set_links(ruling, "attempts", [attempt], reason="test")
    letter = f.make_response(slug="test-letter", title="Test Letter Abroad", jurisdiction=away)
    set_links(letter, "authors", [f.make_actor(slug="example-member", name="Example Member")], reason="test")
    development = f.make_development(slug="test-development", title="Test Development Home", jurisdiction=home)
    return {
        "home": home,
        "away": away,
        "ministry": ministry,
        "attempt": attempt,
        "withdrawn": withdrawn,
        "announced": announced,
        "ruling": ruling,
        "letter": letter,
        "development": development,
    }


# Atom feeds ---------------------------------------------------------------------------


def test_site_feed_is_valid_atom_listing_every_kind_of_record(client, story):
    parsed = get_feed(client, "feed")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "Surveillance Law Tracker: everything"
    assert parsed.feed.author == "Surveillance Law Tracker"
    listed = " | ".join(titles(parsed))
    for expected in ("Example Attempt", "Test Opinion", "Test Letter Abroad", "Test Development Home"):
        assert expected in listed
    assert len(parsed.entries) == 5


def test_entry_says_what_happened_when_and_links_to_the_record(client, story):
    parsed = get_feed(client, "feed")
    withdrawn = story["withdrawn"]
    entry = next(e for e in parsed.entries if e.link.endswith(withdrawn.get_absolute_url()))
    assert entry.title == "Lifecycle event (Withdrawn): Example Attempt — May 10, 2021"
    assert "The example ministry withdrew the example draft." in entry.summary
    assert entry.link == f"http://testserver{withdrawn.get_absolute_url()}"
    assert entry.updated_parsed is not None
    # A date known only to the year is shown as a year, never as a made-up day.
    announced = next(e for e in parsed.entries if e.link.endswith(story["announced"].get_absolute_url()))
    assert announced.title.endswith("— 2020")


def test_entries_are_newest_first_by_the_date_of_what_happened(client, story):
    parsed = get_feed(client, "feed")
    # 10 May 2021 twice: on the same day the timeline lists events before responses.
    assert parsed.entries[0].link.endswith(story["withdrawn"].get_absolute_url())
    assert parsed.entries[1].link.endswith(story["letter"].get_absolute_url())
    assert parsed.entries[-1].link.endswith(story["development"].get_absolute_url())  # 2019


def test_entry_id_is_a_tag_uri_that_survives_an_edit(client, story):
    ruling = story["ruling"]

    def ruling_entry():
        parsed = get_feed(client, "feed")
        return next(e for e in parsed.entries if e.link.endswith(ruling.get_absolute_url()))

    before = ruling_entry()
    assert before.id == f"tag:testserver,2025:ruling/{ruling.pk}"
    ruling.title = "Test Opinion, corrected"
    ruling.slug = "test-ruling-corrected"
    save_record(ruling, reason="test")
    after = ruling_entry()
    assert after.id == before.id
    assert after.title.startswith("Ruling (Opinion on a draft law): Test Opinion, corrected")
    assert after.updated_parsed >= before.updated_parsed


def test_entry_ids_are_the_same_in_every_feed_and_language(client, story):
    everything = {e.link.split("/", 4)[-1]: e.id for e in get_feed(client, "feed").entries}
    attempt = get_feed(client, "attempt_feed", "sr-cyrl", slug="example-attempt")
    for entry in attempt.entries:
        assert entry.id == everything[entry.link.split("/", 4)[-1]]


def test_attempt_feed_lists_only_the_attempt_and_what_is_linked_to_it(client, story):
    parsed = get_feed(client, "attempt_feed", slug="example-attempt")
    assert parsed.feed.title == "Surveillance Law Tracker: Example Attempt"
    assert parsed.feed.link == "http://testserver/en/attempts/example-attempt/"
    assert sorted(e.link.rsplit("/", 3)[-3] for e in parsed.entries) == ["events", "events", "rulings"]


def test_jurisdiction_feed_leaves_out_other_jurisdictions(client, story):
    listed = " | ".join(titles(get_feed(client, "jurisdiction_feed", slug="test-state-home")))
    assert "Example Attempt" in listed and "Test Opinion" in listed and "Test Development Home" in listed
    assert "Test Letter Abroad" not in listed
    assert titles(get_feed(client, "jurisdiction_feed", slug="test-state-away")) == [
        "Response (Letter): Test Letter Abroad — May 10, 2021"
    ]


def test_actor_feed_lists_what_the_actor_did(client, story):
    listed = titles(get_feed(client, "actor_feed", slug="example-member"))
    assert listed == ["Response (Letter): Test Letter Abroad — May 10, 2021"]
    authority = titles(get_feed(client, "actor_feed", slug="test-authority"))
    assert len(authority) == 1 and "Test Opinion" in authority[0]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("ruling", ["Test Opinion"]),
        ("event:withdrawn", ["Example Attempt"]),
        ("development", ["Test Development Home"]),
    ],
)
def test_kind_feed_lists_one_type_or_kind(client, story, kind, expected):
    listed = titles(get_feed(client, "kind_feed", kind=kind))
    assert len(listed) == len(expected)
    assert all(word in title for word, title in zip(expected, listed, strict=True))


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("attempt_feed", {"slug": "no-such-attempt"}),
        ("jurisdiction_feed", {"slug": "no-such-state"}),
        ("actor_feed", {"slug": "no-such-actor"}),
        ("kind_feed", {"kind": "no-such-type"}),
        ("kind_feed", {"kind": "ruling:no-such-kind"}),
        ("kind_feed", {"kind": "dpia:round"}),
        ("attempt_calendar", {"slug": "no-such-attempt"}),
        ("jurisdiction_calendar", {"slug": "no-such-state"}),
    ],
)
def test_unknown_slug_or_kind_is_not_found(client, db, name, kwargs):
    assert client.get(url(name, **kwargs)).status_code == 404


def test_search_feed_lists_matching_records(client, story):
    parsed = get_feed(client, "search_feed", params={"q": "letter abroad"})
    assert titles(parsed) == ["Response: Test Letter Abroad — May 10, 2021"]
    assert parsed.feed.title == "Surveillance Law Tracker: search for “letter abroad”"
    assert parsed.entries[0].id == f"tag:testserver,2025:response/{story['letter'].pk}"


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "   "}, {"q": "x" * (MAX_QUERY_LENGTH + 1)}])
def test_search_feed_without_a_query_or_with_an_overlong_one_is_a_bad_request(client, db, params):
    response = client.get(url("search_feed"), params)
    assert response.status_code == 400


def test_feeds_follow_the_language_prefix(client, story):
    parsed = get_feed(client, "attempt_feed", "sr-cyrl", slug="example-attempt")
    assert "Пример покушаја" in parsed.feed.title
    assert parsed.feed.link == "http://testserver/sr-cyrl/attempts/example-attempt/"
    assert all("/sr-cyrl/" in entry.link for entry in parsed.entries)
    assert parsed.feed.language == "sr-cyrl"


def test_no_feed_shows_an_unpublished_record(client, moderator_user, story):
    hidden = f.make_attempt(
        slug="secret-draft-attempt", title="Secret Attempt", jurisdiction=story["home"],
        visibility=models.Visibility.DRAFT,
    )
    # Published itself, but part of an attempt the public may not see.
    f.make_event(attempt=hidden, kind=Kind.PUBLISHED, date=datetime.date(2022, 2, 2), date_precision=DAY)
    f.make_development(
        slug="secret-draft-development", title="Secret Development", jurisdiction=story["home"],
        visibility=models.Visibility.DRAFT,
    )
    letter = f.make_response(slug="secret-removed-letter", title="Secret Letter", jurisdiction=story["home"])
    set_links(letter, "authors", [story["ministry"]], reason="test")
    workflow.remove_record(letter, user=moderator_user, reason="Recorded by mistake")
    feeds = [
        ("feed", {}, {}),
        ("jurisdiction_feed", {"slug": "test-state-home"}, {}),
        ("actor_feed", {"slug": "example-ministry"}, {}),
        ("kind_feed", {"kind": "event"}, {}),
        ("search_feed", {}, {"q": "secret"}),
    ]
    for name, kwargs, params in feeds:
        response = client.get(url(name, **kwargs), params)
        assert response.status_code == 200
        assert b"Secret" not in response.content, name
        assert feedparser.parse(response.content).bozo == 0
    assert client.get(url("attempt_feed", slug="secret-draft-attempt")).status_code == 404
    assert client.get(url("attempt_calendar", slug="secret-draft-attempt")).status_code == 404


def test_feeds_never_name_a_staff_member(client, story, editor):
    save_record(story["development"], reason="Checked by a named editor", user=editor)
    content = client.get(url("feed")).content.decode()
    assert "test-editor" not in content
    assert "Checked by a named editor" not in content


# iCalendar files ------------------------------------------------------------------------


def get_calendar(client, name, language="en", **kwargs):
    response = client.get(url(name, language, **kwargs))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def vevents(calendar):
    return list(calendar.walk("VEVENT"))


@pytest.fixture
def consultation(story):
    """A consultation on the example attempt, opened last week with a deadline in ten days."""
    return f.make_event(
        attempt=story["attempt"],
        kind=Kind.CONSULTATION_OPENED,
        date=today() - datetime.timedelta(days=7),
        date_precision=DAY,
        deadline=today() + datetime.timedelta(days=10),
    )


def test_calendar_is_rfc5545_with_all_day_events(client, consultation):
    calendar = get_calendar(client, "calendar")
    assert str(calendar["VERSION"]) == "2.0"
    assert "Surveillance Law Tracker" in str(calendar["PRODID"])
    [vevent] = vevents(calendar)
    for prop in ("UID", "DTSTAMP", "DTSTART", "SUMMARY", "URL", "DESCRIPTION"):
        assert prop in vevent
    assert vevent["DTSTART"].params["VALUE"] == "DATE"
    assert vevent.decoded("DTSTART") == today() + datetime.timedelta(days=10)
    assert str(vevent["SUMMARY"]) == "Public consultation closes: Example Attempt"
    assert str(vevent["URL"]) == "http://testserver/en/attempts/example-attempt/"


def test_extended_consultation_moves_the_same_event_with_a_higher_sequence(client, consultation, story):
    [before] = vevents(get_calendar(client, "attempt_calendar", slug="example-attempt"))
    f.make_event(
        attempt=story["attempt"],
        kind=Kind.CONSULTATION_EXTENDED,
        date=today(),
        date_precision=DAY,
        deadline=today() + datetime.timedelta(days=30),
    )
    [after] = vevents(get_calendar(client, "attempt_calendar", slug="example-attempt"))
    assert str(after["UID"]) == str(before["UID"]) == f"consultation-{consultation.pk}@testserver"
    assert after.decoded("DTSTART") == today() + datetime.timedelta(days=30)
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.decoded("LAST-MODIFIED") >= before.decoded("LAST-MODIFIED")


def test_calendar_keeps_days_of_the_last_twelve_months_and_the_future_only(client, story):
    attempt = story["attempt"]
    applies = f.make_event(
        attempt=attempt, kind=Kind.APPLIES, date=today() + datetime.timedelta(days=90), date_precision=DAY
    )
    recent = f.make_event(
        attempt=attempt, kind=Kind.ADOPTED, date=today() - datetime.timedelta(days=PAST_DAYS - 1), date_precision=DAY
    )
    too_old = today() - datetime.timedelta(days=PAST_DAYS + 1)
    f.make_event(attempt=attempt, kind=Kind.SUBMITTED_TO_GOVERNMENT, date=too_old, date_precision=DAY)
    next_year = datetime.date(today().year + 1, 1, 1)
    f.make_event(attempt=attempt, kind=Kind.ENTERED_INTO_FORCE, date=next_year, date_precision=DatePrecision.YEAR)
    f.make_event(attempt=attempt, kind=Kind.SIGNED, date=next_year, date_precision=DatePrecision.MONTH)
    found = {str(v["UID"]): v for v in vevents(get_calendar(client, "calendar"))}
    assert sorted(found) == sorted([f"event-{recent.pk}@testserver", f"event-{applies.pk}@testserver"])
    assert str(found[f"event-{applies.pk}@testserver"]["SUMMARY"]) == "Applies (from this date): Example Attempt"


def test_approximate_day_is_labelled(client, story):
    f.make_event(
        attempt=story["attempt"],
        kind=Kind.ADOPTED,
        date=today() + datetime.timedelta(days=3),
        date_precision=DAY,
        date_approximate=True,
    )
    [vevent] = vevents(get_calendar(client, "calendar"))
    assert str(vevent["SUMMARY"]) == "Adopted: Example Attempt (approximate date)"


def test_jurisdiction_and_attempt_calendars_narrow(client, consultation, story):
    other = f.make_attempt(slug="example-attempt-away", title="Away Attempt", jurisdiction=story["away"])
    f.make_event(attempt=other, kind=Kind.ADOPTED, date=today() + datetime.timedelta(days=5), date_precision=DAY)
    summaries = lambda calendar: sorted(str(v["SUMMARY"]) for v in vevents(calendar))  # noqa: E731
    assert summaries(get_calendar(client, "jurisdiction_calendar", slug="test-state-home")) == [
        "Public consultation closes: Example Attempt"
    ]
    assert summaries(get_calendar(client, "attempt_calendar", slug="example-attempt-away")) == ["Adopted: Away Attempt"]
    assert len(summaries(get_calendar(client, "calendar"))) == 2


def test_calendar_never_shows_an_unpublished_attempt(client, story):
    hidden = f.make_attempt(
        slug="secret-draft-attempt", title="Secret Attempt", jurisdiction=story["home"],
        visibility=models.Visibility.DRAFT,
    )
    f.make_event(attempt=hidden, kind=Kind.ADOPTED, date=today() + datetime.timedelta(days=5), date_precision=DAY)
    for name, kwargs in [("calendar", {}), ("jurisdiction_calendar", {"slug": "test-state-home"})]:
        response = client.get(url(name, **kwargs))
        assert b"Secret" not in response.content
        assert vevents(Calendar.from_ical(response.content)) == []


def test_calendar_follows_the_language_prefix(client, consultation):
    [vevent] = vevents(get_calendar(client, "calendar", "sr-cyrl"))
    assert "Пример покушаја" in str(vevent["SUMMARY"])
    assert "/sr-cyrl/" in str(vevent["URL"])


# Advertised on the pages ------------------------------------------------------------------


def alternates(client, path, params=None):
    """The page's HTML (its <link rel="alternate"> elements are asserted on)."""
    return client.get(path, params or {}).content.decode()


def test_every_page_advertises_the_site_feed(client, story):
    for path in (url("home"), url("about"), url("source_list")):
        link = f'<link rel="alternate" type="application/atom+xml" title="Atom feed: everything" href="{url("feed")}">'
        assert link in alternates(client, path)


@pytest.mark.parametrize(
    ("page", "slug", "feed", "calendar"),
    [
        ("attempt_detail", "example-attempt", "attempt_feed", "attempt_calendar"),
        ("jurisdiction_detail", "test-state-home", "jurisdiction_feed", "jurisdiction_calendar"),
        ("actor_detail", "example-ministry", "actor_feed", None),
    ],
)
def test_record_pages_advertise_their_own_feed_and_calendar(client, story, page, slug, feed, calendar):
    html = alternates(client, url(page, slug=slug))
    assert 'type="application/atom+xml" title="Atom feed: ' in html
    assert f'href="{url(feed, slug=slug)}"' in html
    if calendar:
        assert '<link rel="alternate" type="text/calendar"' in html
        assert f'href="{url(calendar, slug=slug)}"' in html
        assert "Follow:" in html


def test_timeline_and_search_pages_advertise_their_feeds(client, story):
    html = alternates(client, url("timeline"), {"jurisdiction": "test-state-home", "kind": "ruling"})
    assert f'href="{url("jurisdiction_feed", slug="test-state-home")}"' in html
    assert f'href="{url("kind_feed", kind="ruling")}"' in html
    assert f'type="text/calendar" title="Calendar: everything" href="{url("calendar")}"' in html
    html = alternates(client, url("search"), {"q": "letter abroad"})
    assert f'href="{url("search_feed")}?q=letter%20abroad"' in html


# Query counts -----------------------------------------------------------------------------


def grow(story, times):
    """``times`` more of each kind of record, linked like the story's (and some to its attempt)."""
    for n in range(times):
        attempt = f.make_attempt(jurisdiction=story["home"], initiator=story["ministry"])
        instrument = f.make_instrument(jurisdiction=story["home"])
        set_links(attempt, "instruments", [instrument], reason="test")
        f.make_event(
            attempt=attempt,
            kind=Kind.ADOPTED,
            date=today() + datetime.timedelta(days=n + 1),
            date_precision=DAY,
            summary="Grown step",
        )
        f.make_event(
            instrument=instrument, kind=Kind.APPLIES, date=today() + datetime.timedelta(days=n + 2), date_precision=DAY
        )
        opened = f.make_event(
            attempt=attempt,
            kind=Kind.CONSULTATION_OPENED,
            date=today(),
            date_precision=DAY,
            deadline=today() + datetime.timedelta(days=20),
        )
        f.make_event(
            attempt=attempt,
            kind=Kind.CONSULTATION_EXTENDED,
            date=opened.date,
            date_precision=DAY,
            deadline=today() + datetime.timedelta(days=40),
        )
        ruling = f.make_ruling(authority=story["ruling"].authority, title=f"Grown ruling {n}")
        set_links(ruling, "attempts", [attempt, story["attempt"]], reason="test")
        f.make_dpia(attempt=attempt)
        f.make_event(
            attempt=story["attempt"],
            kind=Kind.SUBMITTED_TO_PARLIAMENT,
            date=today() + datetime.timedelta(days=n + 3),
            date_precision=DAY,
        )
        response = f.make_response(jurisdiction=story["home"], title=f"Grown letter {n}")
        set_links(response, "authors", [story["ministry"]], reason="test")
        f.make_development(jurisdiction=story["home"], title=f"Grown development {n}")


ENDPOINTS = [
    ("feed", {}, {}),
    ("attempt_feed", {"slug": "example-attempt"}, {}),
    ("jurisdiction_feed", {"slug": "test-state-home"}, {}),
    ("actor_feed", {"slug": "example-ministry"}, {}),
    ("kind_feed", {"kind": "event"}, {}),
    # Four record types match, fewer than a feed's length even with ten times the rows.
    ("search_feed", {}, {"q": "grown"}),
    ("calendar", {}, {}),
    ("attempt_calendar", {"slug": "example-attempt"}, {}),
    ("jurisdiction_calendar", {"slug": "test-state-home"}, {}),
]

# Queries per endpoint, the same with 1 or 10 times the rows.
EXPECTED_QUERIES = {
    "feed": 10,
    "attempt_feed": 7,
    "jurisdiction_feed": 10,
    "actor_feed": 7,
    "kind_feed": 2,
    "search_feed": 6,
    "calendar": 2,
    "attempt_calendar": 2,
    "jurisdiction_calendar": 3,
}


@pytest.mark.parametrize(("name", "kwargs", "params"), ENDPOINTS)
def test_query_count_does_not_grow_with_the_data(client, story, django_assert_num_queries, name, kwargs, params):
    path = url(name, **kwargs)
    sizes = []
    for times in (1, 9):  # once, then ten times the rows
        grow(story, times)
        client.get(path, params)  # warm Django's per-process content type cache
        with django_assert_num_queries(EXPECTED_QUERIES[name]):
            response = client.get(path, params)
        assert response.status_code == 200
        sizes.append(response.content.count(b"<entry>") + response.content.count(b"BEGIN:VEVENT"))
    assert sizes[1] > sizes[0]
