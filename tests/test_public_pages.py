"""Public record pages: content, correct HTTP, and a fixed number of SQL queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from legal import models
from legal.services import set_links
from tests import factories as f


class World:
    """A synthetic data set whose central records each have ``scale`` related rows."""

    def __init__(self, scale):
        self.jurisdiction = f.make_jurisdiction()
        self.ministry = f.make_actor(jurisdiction=self.jurisdiction)
        self.authority = f.make_supervisory_authority(jurisdiction=self.jurisdiction)
        self.system = f.make_system(jurisdiction=self.jurisdiction, operator=self.ministry)
        self.first = f.make_attempt(jurisdiction=self.jurisdiction, initiator=self.ministry)
        self.attempt = f.make_attempt(jurisdiction=self.jurisdiction, initiator=self.ministry, follows=self.first)
        self.source = f.make_source()
        self.instrument = f.make_instrument(jurisdiction=self.jurisdiction)
        set_links(self.attempt, "instruments", [self.instrument], reason="test")
        self.versions = []
        for _ in range(2):
            version = f.make_version(instrument=self.instrument)
            for _ in range(scale):
                f.make_provision(version=version)
            self.versions.append(version)
        self.dpia = f.make_dpia(controller=self.ministry, authority=self.authority, system=self.system, attempt=self.attempt)
        self.question = f.make_response(kind=models.Response.Kind.PARLIAMENTARY_QUESTION, jurisdiction=self.jurisdiction)
        self.answer = f.make_response(kind=models.Response.Kind.ANSWER, in_reply_to=self.question)
        for _ in range(scale):
            event = f.make_event(attempt=self.attempt, instrument=self.instrument, kind=models.LifecycleEvent.Kind.PUBLISHED)
            ruling = f.make_ruling(dpia=self.dpia, kind=models.Ruling.Kind.DPIA_OPINION)
            set_links(ruling, "attempts", [self.attempt], reason="test")
            response = f.make_response(jurisdiction=self.jurisdiction)
            set_links(response, "attempts", [self.attempt], reason="test")
            set_links(response, "authors", [self.ministry, f.make_actor()], reason="test")
            development = f.make_development(jurisdiction=self.jurisdiction)
            set_links(development, "attempts", [self.attempt], reason="test")
            set_links(development, "actors", [self.ministry], reason="test")
            for record in (self.attempt, event, ruling, response, development, self.dpia, self.answer):
                f.make_citation(record=record, source=f.make_source())
            f.make_citation(record=self.instrument, source=self.source, locator=f"p. {_}")


def page_urls(world):
    return {
        "home": reverse("legal:home"),
        "about": reverse("legal:about"),
        "attempt_list": reverse("legal:attempt_list"),
        "instrument_list": reverse("legal:instrument_list"),
        "dpia_list": reverse("legal:dpia_list"),
        "response_list": reverse("legal:response_list"),
        "actor_list": reverse("legal:actor_list"),
        "jurisdiction_list": reverse("legal:jurisdiction_list"),
        "source_list": reverse("legal:source_list"),
        "attempt": world.attempt.get_absolute_url(),
        "instrument": world.instrument.get_absolute_url(),
        "version": world.versions[0].get_absolute_url(),
        "event": models.LifecycleEvent.objects.filter(attempt=world.attempt).first().get_absolute_url(),
        "dpia": world.dpia.get_absolute_url(),
        "ruling": models.Ruling.objects.filter(dpia=world.dpia).first().get_absolute_url(),
        "response": world.answer.get_absolute_url(),
        "development": models.Development.objects.filter(attempts=world.attempt).first().get_absolute_url(),
        "system": world.system.get_absolute_url(),
        "actor": world.ministry.get_absolute_url(),
        "jurisdiction": world.jurisdiction.get_absolute_url(),
        "source": world.source.get_absolute_url(),
    }


def count_queries(client, url):
    client.get(url)  # warm Django's per-process caches (content types) first
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


# Pinned query counts. They must not move with the amount of data.
EXPECTED_QUERIES = {
    "home": 17,
    "about": 0,
    "attempt_list": 5,
    "instrument_list": 3,
    "dpia_list": 3,
    "response_list": 3,
    "actor_list": 2,
    "jurisdiction_list": 2,
    "source_list": 2,
    "attempt": 12,
    "instrument": 8,
    "version": 3,
    "event": 3,
    "dpia": 6,
    "ruling": 6,
    "response": 11,
    "development": 5,
    "system": 8,
    "actor": 11,
    "jurisdiction": 11,
    "source": 3,
}


@pytest.mark.django_db
def test_every_public_page_runs_a_fixed_number_of_queries_at_ten_times_the_rows(client):
    small = World(scale=2)
    small_counts = {name: count_queries(client, url) for name, url in page_urls(small).items()}
    large = World(scale=20)
    large_counts = {name: count_queries(client, url) for name, url in page_urls(large).items()}
    assert small_counts == large_counts
    assert large_counts == EXPECTED_QUERIES


@pytest.mark.django_db
def test_attempt_page_shows_status_tracker_versions_and_sources(client):
    world = World(scale=1)
    f.make_event(attempt=world.attempt, kind=models.LifecycleEvent.Kind.WITHDRAWN)
    response = client.get(world.attempt.get_absolute_url())
    html = response.content.decode()
    assert 'class="tracker"' in html
    assert 'class="withdrawn"' in html
    assert world.attempt.title in html
    assert world.first.title in html  # the attempt it redrafts
    assert reverse(
        "legal:compare",
        kwargs={"left": world.instrument.slug, "left_number": 1, "right": world.instrument.slug, "right_number": 2},
    ) in html
    citation = world.attempt.citations.first()
    assert citation.source.title in html
    assert f">{citation.grade}<" in html


@pytest.mark.django_db
def test_source_page_lists_every_record_citing_it_with_grading(client):
    world = World(scale=3)
    html = client.get(world.source.get_absolute_url()).content.decode()
    assert html.count(world.instrument.title) >= 3
    assert "B2" in html


@pytest.mark.django_db
def test_response_page_shows_its_thread(client):
    world = World(scale=1)
    html = client.get(world.answer.get_absolute_url()).content.decode()
    assert world.question.title in html
    assert world.question.get_absolute_url() in html


@pytest.mark.django_db
def test_disputed_date_is_shown_with_both_claims(client):
    development = f.make_development()
    f.make_citation(record=development, aspect="date", asserted_value="2019")
    f.make_citation(record=development, aspect="date", asserted_value="2020")
    html = client.get(development.get_absolute_url()).content.decode()
    assert "Sources disagree." in html
    assert "2019 / 2020" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name, kwargs",
    [
        ("legal:attempt_detail", {"slug": "no-such-attempt"}),
        ("legal:instrument_detail", {"slug": "no-such-instrument"}),
        ("legal:version_detail", {"slug": "no-such-instrument", "number": 1}),
        ("legal:event_detail", {"pk": 999999}),
        ("legal:dpia_detail", {"slug": "nope"}),
        ("legal:ruling_detail", {"slug": "nope"}),
        ("legal:response_detail", {"slug": "nope"}),
        ("legal:development_detail", {"slug": "nope"}),
        ("legal:system_detail", {"slug": "nope"}),
        ("legal:actor_detail", {"slug": "nope"}),
        ("legal:jurisdiction_detail", {"slug": "nope"}),
        ("legal:source_detail", {"slug": "nope"}),
    ],
)
def test_unknown_records_are_404_with_a_helpful_page(client, url_name, kwargs):
    response = client.get(reverse(url_name, kwargs=kwargs))
    assert response.status_code == 404
    assert b"Page not found" in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["abc", "0", "-3", "99999", "1.5", ""])
def test_bad_page_numbers_fall_back_to_a_real_page(client, page):
    f.make_attempt(title="Only Attempt")
    response = client.get(reverse("legal:attempt_list"), {"page": page})
    assert response.status_code == 200
    assert b"Only Attempt" in response.content


@pytest.mark.django_db
def test_pages_carry_canonical_url_alternates_and_description(client):
    attempt = f.make_attempt(summary="A synthetic summary for sharing.")
    html = client.get(attempt.get_absolute_url() + "?utm=x").content.decode()
    assert f'<link rel="canonical" href="http://testserver{attempt.get_absolute_url()}">' in html
    assert 'hreflang="sr-cyrl"' in html
    assert '<meta name="description" content="A synthetic summary for sharing.">' in html


@pytest.mark.django_db
def test_serbian_text_is_shown_in_the_reader_script(client):
    attempt = f.make_attempt(title_en="Example attempt", title_sr="Primer pokušaja")
    with translation.override("sr-cyrl"):
        cyrillic = client.get(attempt.get_absolute_url()).content.decode()
    with translation.override("sr-latn"):
        latin = client.get(attempt.get_absolute_url()).content.decode()
    assert "Пример покушаја" in cyrillic
    assert "Primer pokušaja" in latin


@pytest.mark.django_db
def test_english_text_stands_in_when_no_serbian_text_exists(client):
    attempt = f.make_attempt(title_en="Only in English")
    with translation.override("sr-cyrl"):
        html = client.get(attempt.get_absolute_url()).content.decode()
    assert "Only in English" in html


@pytest.mark.django_db
def test_sitemap_lists_record_pages_in_every_language(client):
    attempt = f.make_attempt()
    xml = client.get("/sitemap.xml").content.decode()
    for language in ("en", "sr-latn", "sr-cyrl"):
        with translation.override(language):
            assert f"http://testserver{attempt.get_absolute_url()}" in xml


@pytest.mark.django_db
def test_root_redirects_to_a_language(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/en/"
