"""The public timeline (legal.timeline, TimelineView) and the chart of developments per year.

All data is synthetic ("Example Ministry", "Example State" …); nothing here
describes a real body or event.
"""

import datetime
import re
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import translation

from legal import models, timeline
from legal.dates import DatePrecision, Season
from legal.models.base import RecordQuerySet
from legal.services import set_links
from legal.views.timeline import TimelineView
from tests import factories

D = datetime.date

# Queries of one timeline page: the filter form's choices (jurisdictions,
# actors, attempts), then per record type one query plus its prefetch of
# published attempts.
PAGE_QUERIES = 3 + 5 + 5


def link(record, field_name, targets):
    set_links(record, field_name, targets, reason="Linked by a test")


def build_story(tag=""):
    """One synthetic case touching every record type, every filter and every date precision.

    Dates, newest first: event_b (February 2022), question (10 May 2021),
    event_i (15 March 2021), event_a (2021), dpia (June 2020), development_w
    (winter 2019, i.e. December 2019 – February 2020), ruling (2018 – 2020),
    development_v (date unknown).
    """
    s = SimpleNamespace()
    s.state = factories.make_jurisdiction(slug=f"example-state{tag}", name=f"Example State{tag}")
    s.city = factories.make_jurisdiction(
        slug=f"example-city{tag}",
        name=f"Example City{tag}",
        kind=models.Jurisdiction.Kind.SUBNATIONAL,
        parent=s.state,
    )
    s.union = factories.make_jurisdiction(
        slug=f"example-union{tag}", name=f"Example Union{tag}", kind=models.Jurisdiction.Kind.SUPRANATIONAL
    )
    s.ministry = factories.make_actor(
        slug=f"example-ministry{tag}", name=f"Example Ministry{tag}", jurisdiction=s.state
    )
    s.authority = factories.make_supervisory_authority(
        slug=f"example-authority{tag}", name=f"Example Authority{tag}", jurisdiction=s.state
    )
    s.member = factories.make_actor(
        slug=f"example-member{tag}",
        name=f"Example Member{tag}",
        kind=models.Actor.Kind.PERSON,
        role=models.Actor.Role.PARLIAMENTARIAN,
        jurisdiction=s.union,
    )
    s.attempt_a = factories.make_attempt(
        slug=f"example-attempt-a{tag}",
        title=f"Example Attempt A{tag}",
        title_sr=f"Primer pokušaja A{tag}",
        jurisdiction=s.state,
        initiator=s.ministry,
    )
    s.attempt_b = factories.make_attempt(
        slug=f"example-attempt-b{tag}", title=f"Example Attempt B{tag}", jurisdiction=s.union
    )
    s.instrument = factories.make_instrument(
        slug=f"example-draft-law{tag}", title=f"Example Draft Law{tag}", jurisdiction=s.state
    )
    link(s.instrument, "parties", [s.ministry])
    link(s.attempt_a, "instruments", [s.instrument])

    s.event_a = factories.make_event(
        attempt=s.attempt_a, kind="announced", date=D(2021, 1, 1), date_precision=DatePrecision.YEAR
    )
    s.event_i = factories.make_event(
        instrument=s.instrument, kind="published", date=D(2021, 3, 15), date_precision=DatePrecision.DAY
    )
    s.event_b = factories.make_event(
        attempt=s.attempt_b, kind="withdrawn", date=D(2022, 2, 1), date_precision=DatePrecision.MONTH
    )
    s.system = factories.make_system(
        slug=f"example-camera-system{tag}", name=f"Example Camera System{tag}", jurisdiction=s.city
    )
    s.dpia = factories.make_dpia(
        slug=f"example-dpia{tag}",
        title=f"Example DPIA{tag}",
        controller=s.ministry,
        authority=s.authority,
        system=s.system,
        attempt=s.attempt_a,
        date=D(2020, 6, 1),
        date_precision=DatePrecision.MONTH,
    )
    s.ruling = factories.make_ruling(
        slug=f"example-opinion{tag}",
        title=f"Example Opinion on the DPIA{tag}",
        kind=models.Ruling.Kind.DPIA_OPINION,
        outcome=models.Ruling.Outcome.NOT_COMPLIANT,
        dpia=s.dpia,
        date=D(2018, 1, 1),
        date_end=D(2020, 1, 1),
        date_precision=DatePrecision.YEAR,
    )
    s.question = factories.make_response(
        slug=f"example-question{tag}",
        title=f"Example Parliamentary Question{tag}",
        kind=models.Response.Kind.PARLIAMENTARY_QUESTION,
        jurisdiction=s.union,
        date=D(2021, 5, 10),
        date_precision=DatePrecision.DAY,
    )
    link(s.question, "authors", [s.member])
    link(s.question, "addressees", [s.ministry])
    link(s.question, "attempts", [s.attempt_a])
    s.development_v = factories.make_development(
        slug=f"example-deployment{tag}",
        title=f"Example Camera Deployment{tag}",
        kind=models.Development.Kind.DEPLOYMENT,
        jurisdiction=s.city,
        date=None,
        date_precision=DatePrecision.UNKNOWN,
    )
    link(s.development_v, "actors", [s.ministry])
    s.development_w = factories.make_development(
        slug=f"example-announcement{tag}",
        title=f"Example Announcement{tag}",
        kind=models.Development.Kind.ANNOUNCEMENT,
        jurisdiction=s.state,
        date=D(2019, 12, 1),
        date_precision=DatePrecision.SEASON,
        date_season=Season.WINTER,
    )
    link(s.development_w, "attempts", [s.attempt_a])
    return s


@pytest.fixture
def story(db):
    return build_story()


def records(entries):
    return [entry.record for entry in entries]


def timeline_url(language="en", **params):
    with translation.override(language):
        url = reverse("legal:timeline")
    if params:
        url += "?" + "&".join(f"{key}={value}" for key, value in params.items())
    return url


def squeeze(html):
    """The page with runs of whitespace collapsed, for matching markup across template lines."""
    return re.sub(r"\s+", " ", html)


# Entries and their order ---------------------------------------------------------


def test_entries_of_all_five_types_come_newest_first_with_unknown_dates_last(story):
    entries = timeline.timeline_entries()

    assert records(entries) == [
        story.event_b,
        story.question,
        story.event_i,
        story.event_a,
        story.dpia,
        story.development_w,
        story.ruling,
        story.development_v,
    ]
    assert {entry.record_type for entry in entries} == {"event", "dpia", "ruling", "response", "development"}
    assert [entry.group_label for entry in entries] == [
        "2022", "2021", "2021", "2021", "2020", "2019", "2018", "Date unknown",
    ]


def test_entries_carry_type_kind_subject_jurisdiction_and_attempts(story):
    by_record = {entry.record: entry for entry in timeline.timeline_entries()}

    instrument_event = by_record[story.event_i]
    assert instrument_event.type_label == "lifecycle event"
    assert instrument_event.kind_label == "Draft or version published"
    assert instrument_event.subject == story.instrument
    assert instrument_event.title_en == "Example Draft Law"
    # An event of an instrument alone belongs to the attempts holding the instrument.
    assert instrument_event.attempts == (story.attempt_a,)
    assert instrument_event.jurisdiction == story.state
    assert instrument_event.url == story.event_i.get_absolute_url()

    assert by_record[story.event_a].subject == story.attempt_a
    assert by_record[story.dpia].jurisdiction == story.city  # where the assessed system is
    assert by_record[story.dpia].kind_label == "round 1"
    assert by_record[story.dpia].attempts == (story.attempt_a,)
    assert by_record[story.ruling].jurisdiction == story.state  # the authority's
    assert by_record[story.ruling].kind_label == "Opinion on a DPIA"
    assert by_record[story.question].attempts == (story.attempt_a,)
    assert by_record[story.development_v].jurisdiction == story.city


def test_events_on_the_same_date_list_the_later_procedural_step_first(story):
    withdrawn = factories.make_event(
        attempt=story.attempt_a, kind="withdrawn", date=D(2023, 4, 1), date_precision=DatePrecision.MONTH
    )
    published = factories.make_event(
        attempt=story.attempt_a, kind="published", date=D(2023, 4, 1), date_precision=DatePrecision.MONTH
    )

    assert records(timeline.timeline_entries())[:2] == [withdrawn, published]


def test_on_the_same_first_day_the_coarser_date_comes_first_newest_first(story):
    year = factories.make_development(date=D(2023, 1, 1), date_precision=DatePrecision.YEAR)
    month = factories.make_development(date=D(2023, 1, 1), date_precision=DatePrecision.MONTH)
    day = factories.make_development(date=D(2023, 1, 1), date_precision=DatePrecision.DAY)

    # FuzzyDate.sort_key puts the finer date first; newest first reverses it.
    assert records(timeline.timeline_entries())[:3] == [year, month, day]


def test_page_lists_entries_grouped_by_year_with_dates_at_their_precision(client, story):
    response = client.get(timeline_url())

    assert response.status_code == 200
    html = squeeze(response.content.decode())
    headings = re.findall(r'<h3 id="timeline-group-\d+" class="timeline-year">([^<]+)</h3>', html)
    assert headings == ["2022", "2021", "2020", "2019", "2018", "Date unknown"]
    for shown in ['<time datetime="2022-02">February 2022</time>', '<time datetime="2021">2021</time>',
                  '<time datetime="2021-03-15">', "winter 2019", "2018 – 2020", "date unknown"]:
        assert shown in html
    assert "15 March 2021" not in html and "1 January 2021" not in html  # no made-up days
    assert f'<a href="{story.ruling.get_absolute_url()}">Example Opinion on the DPIA</a>' in html
    assert '<span class="badge">Ruling</span> Opinion on a DPIA' in html
    assert f'<a href="{story.attempt_a.get_absolute_url()}">Example Attempt A</a>' in html
    assert response.context["canonical_url"] == "http://testserver/en/timeline/"


def test_page_has_a_labelled_get_form_with_a_clear_link(client, story):
    html = client.get(timeline_url()).content.decode()

    assert 'method="get"' in html
    for name in ("jurisdiction", "kind", "actor", "attempt", "year"):
        assert f'<label for="id_{name}">' in html
    assert '<button type="submit">' in html
    assert f'<a href="{timeline_url()}">Clear filters</a>' in html


# Filters -------------------------------------------------------------------------


def test_jurisdiction_filter_includes_its_regions_and_cities(story):
    in_state = records(timeline.timeline_entries(jurisdiction="example-state"))
    assert in_state == [
        story.event_i,
        story.event_a,
        story.dpia,  # system in the city, inside the state
        story.development_w,
        story.ruling,  # the authority's jurisdiction
        story.development_v,  # in the city
    ]
    assert records(timeline.timeline_entries(jurisdiction="example-city")) == [story.dpia, story.development_v]
    assert records(timeline.timeline_entries(jurisdiction="example-union")) == [story.event_b, story.question]


@pytest.mark.parametrize(
    "kind, expected",
    [
        ("event", ["event_b", "event_i", "event_a"]),
        ("event:withdrawn", ["event_b"]),
        ("dpia", ["dpia"]),
        ("ruling", ["ruling"]),
        ("ruling:inspection", []),
        ("response", ["question"]),
        ("response:parliamentary_question", ["question"]),
        ("development", ["development_w", "development_v"]),
        ("development:deployment", ["development_v"]),
    ],
)
def test_kind_filter_narrows_to_a_record_type_or_one_kind(story, kind, expected):
    assert records(timeline.timeline_entries(kind=kind)) == [getattr(story, name) for name in expected]


@pytest.mark.parametrize(
    "actor, expected",
    [
        # Initiator of the attempt, party to the instrument, controller, addressee, involved.
        ("example-ministry", ["question", "event_i", "event_a", "dpia", "development_v"]),
        ("example-member", ["question"]),  # author
        ("example-authority", ["dpia", "ruling"]),  # receives the DPIA, issues the ruling
    ],
)
def test_actor_filter_matches_every_role_an_actor_plays(story, actor, expected):
    assert records(timeline.timeline_entries(actor=actor)) == [getattr(story, name) for name in expected]


def test_attempt_filter_includes_its_instruments_events_dpias_and_linked_records(story):
    assert records(timeline.timeline_entries(attempt="example-attempt-a")) == [
        story.question,  # linked to the attempt
        story.event_i,  # an event of the attempt's instrument
        story.event_a,
        story.dpia,
        story.development_w,
        story.ruling,  # rules on the attempt's DPIA
    ]
    assert records(timeline.timeline_entries(attempt="example-attempt-b")) == [story.event_b]


def test_instrument_event_tied_to_another_attempt_is_not_listed_under_this_one(story):
    other = factories.make_attempt(jurisdiction=story.state)
    link(other, "instruments", [story.instrument])
    tied = factories.make_event(attempt=other, instrument=story.instrument, kind="adopted", date=D(2023, 1, 1))

    assert tied not in records(timeline.timeline_entries(attempt="example-attempt-a"))
    assert tied in records(timeline.timeline_entries(attempt=other.slug))


@pytest.mark.parametrize(
    "year, expected",
    [
        (2022, ["event_b"]),
        (2021, ["question", "event_i", "event_a"]),
        (2020, ["dpia", "development_w", "ruling"]),  # winter 2019 runs into 2020; 2018–2020 too
        (2019, ["development_w", "ruling"]),
        (2018, ["ruling"]),
        (2017, []),
    ],
)
def test_year_filter_counts_ranges_and_seasons_in_every_year_they_touch(story, year, expected):
    assert records(timeline.timeline_entries(year=year)) == [getattr(story, name) for name in expected]


def test_filters_combine(story):
    entries = timeline.timeline_entries(jurisdiction="example-state", kind="event", actor="example-ministry", year=2021)
    assert records(entries) == [story.event_i, story.event_a]


def test_filtered_page_lists_only_matching_entries(client, story):
    response = client.get(timeline_url(attempt="example-attempt-b"))

    assert response.status_code == 200
    assert [entry.record for entry in response.context["entries"]] == [story.event_b]
    assert 'value="example-attempt-b" selected' in response.content.decode()


def test_filters_that_match_nothing_say_so(client, story):
    response = client.get(timeline_url(year=2017))

    assert response.status_code == 200
    assert "Nothing matches these filters." in response.content.decode()


@pytest.mark.parametrize(
    "params, field",
    [
        ({"year": "abc"}, "year"),
        ({"year": "99999"}, "year"),
        ({"year": "1200"}, "year"),
        ({"kind": "gossip"}, "kind"),
        ({"kind": "ruling:gossip"}, "kind"),
        ({"kind": "dpia:round"}, "kind"),
        ({"jurisdiction": "atlantis"}, "jurisdiction"),
        ({"actor": "nobody"}, "actor"),
        ({"attempt": "no-such-attempt"}, "attempt"),
    ],
)
def test_invalid_filter_gives_400_with_the_error_next_to_the_field(client, db, params, field):
    response = client.get(timeline_url(**params))

    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert re.search(rf'aria-describedby="[^"]*id_{field}_error"', html)
    assert 'aria-invalid="true"' in html
    assert 'class="timeline-entry' not in html
    assert "Correct the fields marked below" in html


def test_parse_kind_rejects_unknown_types_and_kinds():
    assert timeline.parse_kind("") == (None, None)
    assert timeline.parse_kind("ruling") == ("ruling", None)
    assert timeline.parse_kind("ruling:inspection") == ("ruling", "inspection")
    for bad in ("gossip", "ruling:gossip", "dpia:anything"):
        with pytest.raises(ValueError):
            timeline.parse_kind(bad)


# Pagination ----------------------------------------------------------------------


@pytest.fixture
def three_per_page(monkeypatch):
    monkeypatch.setattr(TimelineView, "per_page", 3)


def page_records(response):
    return [entry.record for entry in response.context["entries"]]


def test_pagination_pages_through_the_entries_and_keeps_the_filters(client, story, three_per_page):
    first = client.get(timeline_url(jurisdiction="example-state"))
    second = client.get(timeline_url(jurisdiction="example-state", page=2))

    assert page_records(first) == [story.event_i, story.event_a, story.dpia]
    assert page_records(second) == [story.development_w, story.ruling, story.development_v]
    assert '<a href="?jurisdiction=example-state&amp;page=2" rel="next">' in first.content.decode()
    assert '<a href="?jurisdiction=example-state&amp;page=1" rel="prev">' in second.content.decode()


@pytest.mark.parametrize("page, expected_number", [("abc", 1), ("0", 1), ("-3", 1), ("999", 3), ("", 1)])
def test_bad_page_numbers_fall_back_to_the_first_or_last_page(client, story, three_per_page, page, expected_number):
    response = client.get(timeline_url(page=page))

    assert response.status_code == 200
    assert response.context["page_obj"].number == expected_number


# The chart -----------------------------------------------------------------------


def test_entries_per_year_counts_by_year_and_type_under_the_year_rule(story):
    chart = timeline.entries_per_year()

    assert chart.counts == {
        2018: {"event": 0, "dpia": 0, "ruling": 1, "response": 0, "development": 0},
        2019: {"event": 0, "dpia": 0, "ruling": 1, "response": 0, "development": 1},
        2020: {"event": 0, "dpia": 1, "ruling": 1, "response": 0, "development": 1},
        2021: {"event": 2, "dpia": 0, "ruling": 0, "response": 1, "development": 0},
        2022: {"event": 1, "dpia": 0, "ruling": 0, "response": 0, "development": 0},
    }
    assert [bar.total for bar in chart.bars] == [1, 2, 3, 3, 1]
    assert chart.undated == 1
    assert (chart.peak.year, chart.peak.total) == (2020, 3)
    # A bar counts exactly what the timeline lists for its year.
    for bar in chart.bars:
        assert bar.total == len(timeline.timeline_entries(year=bar.year))


def test_entries_per_year_fills_empty_years_and_is_empty_without_data(db):
    assert not timeline.entries_per_year()
    factories.make_development(date=D(2015, 1, 1), date_precision=DatePrecision.YEAR)
    factories.make_development(date=D(2018, 1, 1), date_precision=DatePrecision.YEAR)

    chart = timeline.entries_per_year()
    assert [(bar.year, bar.total) for bar in chart.bars] == [(2015, 1), (2016, 0), (2017, 0), (2018, 1)]


def test_chart_svg_and_table_show_the_counts(client, story):
    html = squeeze(client.get(timeline_url()).content.decode())

    svg = html[html.index("<svg xmlns"):html.index("</svg>")]
    assert 'role="img"' in svg
    assert 'aria-labelledby="chart-per-year-title chart-per-year-desc"' in svg
    assert '<title id="chart-per-year-title">Developments per year, by type</title>' in svg
    assert "from 2018 to 2022" in svg and "The busiest year is 2020, with 3 records." in svg
    totals = re.findall(r'<text class="bar-total"[^>]*>(\d+)</text>', svg)
    years = re.findall(r'<text class="bar-year"[^>]*>(\d+)</text>', svg)
    assert list(zip(years, totals)) == [("2018", "1"), ("2019", "2"), ("2020", "3"), ("2021", "3"), ("2022", "1")]
    assert "<title>2021 · Lifecycle events: 2</title>" in svg
    assert "<title>2020 · DPIA submissions: 1</title>" in svg

    table = html[html.index('<table class="chart-table">'):html.index("</table>")]
    columns = re.findall(r'<th scope="col"[^>]*><a href="([^"]+)">(\d+)</a></th>', table)
    assert [year for _url, year in columns] == ["2018", "2019", "2020", "2021", "2022"]
    assert columns[2][0] == "/en/timeline/?year=2020"
    rows = re.findall(r'<th scope="row">([^<]+)</th>((?:\s*<td>\d+</td>)+)', table)
    assert [(label, re.findall(r"\d+", cells)) for label, cells in rows] == [
        ("Lifecycle events", ["0", "0", "0", "2", "1"]),
        ("DPIA submissions", ["0", "0", "1", "0", "0"]),
        ("Rulings", ["1", "1", "1", "0", "0"]),
        ("Responses", ["0", "0", "0", "1", "0"]),
        ("Developments", ["0", "1", "1", "0", "0"]),
        ("All types", ["1", "2", "3", "3", "1"]),
    ]
    assert "1 record with an unknown date is not in the chart." in html


def test_chart_follows_the_other_filters_and_marks_the_chosen_year(client, story):
    response = client.get(timeline_url(kind="event", year=2021))

    chart = response.context["chart"]
    assert [(bar.year, bar.total, bar.selected) for bar in chart.bars] == [(2021, 2, True), (2022, 1, False)]
    html = squeeze(response.content.decode())
    assert '<th scope="col" class="selected" aria-current="true"><a href="/en/timeline/?kind=event&amp;year=2021">' in html


def test_chart_coordinates_are_not_localised(client, story):
    html = client.get(timeline_url("sr-latn")).content.decode()
    svg = html[html.index("<svg xmlns"):html.index("</svg>")]

    assert not re.search(r'(?:x|y|height|width)="-?\d+,\d', svg)


# Home page helper ----------------------------------------------------------------


def test_latest_entries_are_the_head_of_the_timeline(story):
    everything = records(timeline.timeline_entries())
    for n in range(1, len(everything) + 2):
        assert records(timeline.latest_entries(n)) == everything[:n]


def test_latest_entries_read_a_fixed_number_of_queries(story, django_assert_num_queries):
    with django_assert_num_queries(5 + 5):
        timeline.latest_entries(3)
    build_story("-more")
    with django_assert_num_queries(5 + 5):
        assert len(timeline.latest_entries(3)) == 3


# Query count ---------------------------------------------------------------------


def test_query_count_is_pinned_and_does_not_grow_with_the_data(client, story, django_assert_num_queries):
    # Django skips a prefetch when its record type matched nothing: with the
    # ministry in the state, no ruling and no response match.
    pages = [
        (timeline_url(), PAGE_QUERIES),
        (timeline_url(jurisdiction="example-state", actor="example-ministry"), PAGE_QUERIES - 2),
        (timeline_url(attempt="example-attempt-a", year=2020, page=1), PAGE_QUERIES),
    ]
    for url, expected in pages:
        with django_assert_num_queries(expected):
            assert client.get(url).status_code == 200

    for copy in range(9):
        build_story(f"-copy-{copy}")
    assert len(timeline.timeline_entries()) == 10 * 8

    for url, expected in pages:
        with django_assert_num_queries(expected):
            assert client.get(url).status_code == 200


def test_invalid_filters_cost_only_the_form_queries(client, story, django_assert_num_queries):
    with django_assert_num_queries(3):
        assert client.get(timeline_url(year="abc")).status_code == 400


# Publication ---------------------------------------------------------------------


def test_every_read_starts_from_published(client, story, monkeypatch):
    """Records that ``published()`` withholds vanish from entries, links, choices and the chart."""
    hidden = {
        models.Ruling: {story.ruling.pk},
        models.LegislativeAttempt: {story.attempt_a.pk},
        models.Actor: {story.member.pk},
        models.LifecycleEvent: {story.event_b.pk},
    }
    original = RecordQuerySet.published

    def published(self):
        queryset = original(self)
        withheld = hidden.get(self.model)
        return queryset.exclude(pk__in=withheld) if withheld else queryset

    monkeypatch.setattr(RecordQuerySet, "published", published)

    entries = timeline.timeline_entries()
    assert story.ruling not in records(entries) and story.event_b not in records(entries)
    # The withheld attempt's own event goes with it; records linked to it stay, without the link.
    assert story.event_a not in records(entries)
    by_record = {entry.record: entry for entry in entries}
    for record in (story.question, story.dpia, story.event_i, story.development_w):
        assert by_record[record].attempts == ()
    assert 2018 not in timeline.entries_per_year().counts  # the withheld ruling was its only record

    html = client.get(timeline_url()).content.decode()
    assert "Example Opinion on the DPIA" not in html
    assert "example-attempt-a" not in html and "example-member" not in html
    assert client.get(timeline_url(attempt="example-attempt-a")).status_code == 400
    assert client.get(timeline_url(actor="example-member")).status_code == 400


# Languages -----------------------------------------------------------------------


@pytest.mark.parametrize("language", ["sr-latn", "sr-cyrl"])
def test_timeline_renders_in_serbian(client, story, language):
    url = timeline_url(language)
    assert url == f"/{language}/timeline/"

    response = client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    # Typed in Latin script, shown in the reader's script.
    assert ("Primer pokušaja" if language == "sr-latn" else "Пример покушаја") in html
    assert 'role="img"' in html


@pytest.mark.parametrize("language", ["sr-latn", "sr-cyrl"])
def test_invalid_filters_in_serbian_give_400(client, story, language):
    assert client.get(timeline_url(language, year="abc")).status_code == 400
