"""The public JSON API (/api/): every record type lists and retrieves with its citations and
derived values; filters and pagination answer bad input with 400; only published records ever
appear; history never names staff; query counts are fixed; the schema describes every answer."""

import datetime
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core import signals
from django.db import close_old_connections

from legal import models, workflow
from legal.dates import DatePrecision
from legal.services import save_record, set_links
from tests import factories as f

REASON = "Linked by a test"

# Route of each record type, and how a record is named in its detail URL.
ENDPOINTS = {
    "jurisdictions": models.Jurisdiction,
    "actors": models.Actor,
    "sources": models.Source,
    "attempts": models.LegislativeAttempt,
    "instruments": models.Instrument,
    "versions": models.InstrumentVersion,
    "events": models.LifecycleEvent,
    "systems": models.SurveillanceSystem,
    "dpias": models.DPIASubmission,
    "rulings": models.Ruling,
    "responses": models.Response,
    "developments": models.Development,
}
CITED = ["attempts", "instruments", "versions", "events", "systems", "dpias", "rulings", "responses", "developments"]


def api(client, path, **params):
    return client.get(f"/api/{path}", params, HTTP_ACCEPT="application/json")


def detail_path(record):
    route = next(route for route, model in ENDPOINTS.items() if isinstance(record, model))
    if isinstance(record, models.InstrumentVersion):
        return f"{route}/{record.instrument.slug}/{record.number}/"
    if isinstance(record, models.LifecycleEvent):
        return f"{route}/{record.pk}/"
    return f"{route}/{record.slug}/"


def slugs(response):
    assert response.status_code == 200, response.content
    return sorted(item.get("slug") or item.get("id") for item in response.json()["results"])


def build_story(prefix="", parent=None):
    """One of every record type, linked as in a real case, each cited record citing a source."""
    j = f.make_jurisdiction(slug=f"{prefix}state", name=f"{prefix} State", parent=parent,
                            kind=models.Jurisdiction.Kind.SUBNATIONAL if parent else models.Jurisdiction.Kind.STATE)
    actor = f.make_actor(slug=f"{prefix}ministry", jurisdiction=j)
    authority = f.make_supervisory_authority(slug=f"{prefix}authority", jurisdiction=j)
    source = f.make_source(slug=f"{prefix}report")
    instrument = f.make_instrument(slug=f"{prefix}draft-law", jurisdiction=j)
    set_links(instrument, "parties", [actor], reason=REASON)
    attempt = f.make_attempt(slug=f"{prefix}attempt", jurisdiction=j, initiator=actor)
    set_links(attempt, "instruments", [instrument], reason=REASON)
    version = f.make_version(instrument=instrument, published_in=source)
    f.make_provision(version=version, text="Cameras may process biometric data.")
    event = f.make_event(
        attempt=attempt, instrument=instrument, version=version, kind=models.LifecycleEvent.Kind.PUBLISHED,
        date=datetime.date(2021, 3, 1), date_precision=DatePrecision.MONTH,
    )
    system = f.make_system(slug=f"{prefix}system", jurisdiction=j, operator=actor)
    dpia = f.make_dpia(slug=f"{prefix}dpia", controller=actor, authority=authority, system=system, attempt=attempt)
    ruling = f.make_ruling(
        slug=f"{prefix}ruling", dpia=dpia, kind=models.Ruling.Kind.DPIA_OPINION,
        outcome=models.Ruling.Outcome.NOT_COMPLIANT,
    )
    set_links(ruling, "attempts", [attempt], reason=REASON)
    question = f.make_response(
        slug=f"{prefix}question", jurisdiction=j, kind=models.Response.Kind.PARLIAMENTARY_QUESTION,
    )
    answer = f.make_response(slug=f"{prefix}answer", kind=models.Response.Kind.ANSWER, in_reply_to=question)
    set_links(question, "authors", [actor], reason=REASON)
    development = f.make_development(slug=f"{prefix}development", jurisdiction=j)
    set_links(development, "actors", [actor], reason=REASON)
    set_links(development, "attempts", [attempt], reason=REASON)
    for record in (attempt, instrument, version, event, system, dpia, ruling, question, answer, development):
        f.make_citation(record=record, source=source, reliability="B", credibility="2", locator="p. 3")
    return {
        "jurisdictions": j, "actors": actor, "sources": source, "attempts": attempt, "instruments": instrument,
        "versions": version, "events": event, "systems": system, "dpias": dpia, "rulings": ruling,
        "responses": answer, "developments": development, "question": question, "authority": authority,
    }


@pytest.fixture
def story(db):
    return build_story("one-")


# Listing and retrieving -------------------------------------------------------------------


@pytest.mark.parametrize("route", ENDPOINTS)
def test_every_endpoint_lists_and_retrieves_its_records(client, story, route):
    listing = api(client, f"{route}/")
    assert listing.status_code == 200
    body = listing.json()
    assert body["count"] == ENDPOINTS[route].objects.count()
    record = story[route]
    item = next(i for i in body["results"] if i["url"].endswith(f"/api/{detail_path(record)}"))
    assert item["url"].startswith("http://testserver/api/")
    assert item["html_url"] == f"http://testserver{record.get_absolute_url()}"

    detail = client.get(item["url"], HTTP_ACCEPT="application/json")
    assert detail.status_code == 200
    assert detail.json() == item
    assert detail["Content-Type"] == "application/json"


@pytest.mark.parametrize("route", CITED)
def test_cited_records_carry_their_graded_citations(client, story, route):
    item = api(client, detail_path(story[route])).json()
    [citation] = item["citations"]
    source = story["sources"]
    assert citation["source"]["slug"] == source.slug
    assert citation["source"]["url"] == f"http://testserver/api/sources/{source.slug}/"
    assert citation["source"]["html_url"] == f"http://testserver{source.get_absolute_url()}"
    assert (citation["reliability"], citation["credibility"], citation["grade"]) == ("B", "2", "B2")
    assert citation["reliability_label"] == "B – Normally trustworthy"
    assert (citation["aspect"], citation["locator"]) == ("record", "p. 3")


def test_attempt_shows_status_and_stages_derived_from_its_events(client, story):
    item = api(client, detail_path(story["attempts"])).json()
    assert (item["status"], item["status_label"]) == ("published", "Draft published")
    stages = {stage["status"]: stage for stage in item["stages"]}
    assert stages["published"]["reached"] is True
    assert [event["id"] for event in stages["published"]["events"]] == [story["events"].pk]
    assert stages["adopted"] == {"status": "adopted", "label": "Adopted", "reached": False, "events": []}
    assert [i["slug"] for i in item["instruments"]] == ["one-draft-law"]
    assert item["initiator"]["slug"] == "one-ministry"


def test_dpia_outcome_is_that_of_its_latest_ruling(client, story):
    dpia = story["dpias"]
    assert api(client, detail_path(dpia)).json()["outcome"] == "not_compliant"
    f.make_ruling(
        dpia=dpia, kind=models.Ruling.Kind.DPIA_OPINION, outcome=models.Ruling.Outcome.APPROVED,
        date=datetime.date(2022, 1, 1), date_precision=DatePrecision.YEAR,
    )
    item = api(client, detail_path(dpia)).json()
    assert (item["outcome"], item["outcome_label"]) == ("approved", "Approved / compliant")


def test_dpia_without_ruling_has_no_outcome(client, dpia):
    item = api(client, detail_path(dpia)).json()
    assert item["outcome"] is None
    assert item["outcome_label"] == "No ruling recorded"


def test_dpia_names_its_parties_system_attempt_and_rulings(client, story):
    item = api(client, detail_path(story["dpias"])).json()
    assert item["controller"]["slug"] == "one-ministry"
    assert item["authority"]["slug"] == "one-authority"
    assert item["system"]["slug"] == "one-system"
    assert item["attempt"]["slug"] == "one-attempt"
    assert [ruling["slug"] for ruling in item["rulings"]] == ["one-ruling"]


def test_answer_names_the_question_it_replies_to(client, story):
    answer = api(client, detail_path(story["responses"])).json()
    assert answer["in_reply_to"]["slug"] == "one-question"
    question = api(client, "responses/one-question/").json()
    assert [reply["slug"] for reply in question["replies"]] == ["one-answer"]
    assert question["authors"][0]["slug"] == "one-ministry"


def test_version_is_named_by_instrument_and_number_and_lists_its_provisions(client, story):
    item = api(client, "versions/one-draft-law/1/").json()
    assert (item["instrument"]["slug"], item["number"]) == ("one-draft-law", 1)
    assert item["provisions"] == [
        {"position": 1, "number": "Article 1", "heading": "", "heading_sr": "",
         "text": "Cameras may process biometric data.", "text_sr": ""}
    ]
    assert item["published_in"]["slug"] == "one-report"
    event = api(client, detail_path(story["events"])).json()
    assert event["version"]["url"] == "http://testserver/api/versions/one-draft-law/1/"


def test_source_gives_its_stored_file_and_fingerprint(client, db):
    source = f.make_source(slug="with-file", file=SimpleUploadedFile("report.pdf", b"%PDF-1.4 synthetic"))
    item = api(client, "sources/with-file/").json()
    assert item["sha256"] == source.sha256 and len(item["sha256"]) == 64
    # Served by the view that checks the source is published, never straight from MEDIA_ROOT.
    assert item["file_url"] == "http://testserver/en/sources/with-file/file/"
    assert client.get(item["file_url"]).status_code == 200
    assert api(client, detail_path(f.make_source(slug="no-file"))).json()["file_url"] is None


def test_dates_are_structured_objects_at_their_precision(client, db):
    f.make_development(
        slug="autumn", date=datetime.date(2019, 9, 1), date_precision=DatePrecision.SEASON, date_season="autumn",
        date_approximate=True,
    )
    assert api(client, "developments/autumn/").json()["date"] == {
        "date": "2019-09-01", "precision": "season", "season": "autumn", "approximate": True, "end": None,
        "display": "c. autumn 2019", "iso": "~autumn 2019",
    }
    f.make_development(slug="unknown", date=None, date_precision=DatePrecision.UNKNOWN)
    date = api(client, "developments/unknown/").json()["date"]
    assert (date["date"], date["precision"], date["display"], date["iso"]) == (None, "unknown", "date unknown", "")


def test_labels_are_english_whatever_the_browser_asks_for(client, story):
    response = client.get("/api/rulings/one-ruling/", HTTP_ACCEPT="application/json", HTTP_ACCEPT_LANGUAGE="sr-latn")
    assert response.json()["kind_label"] == "Opinion on a DPIA"


def test_unknown_record_is_a_json_404(client, db):
    response = api(client, "attempts/no-such-attempt/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No LegislativeAttempt matches the given query."}
    assert api(client, "versions/no-such-law/1/").status_code == 404
    unknown = client.get("/api/versions/not a slug!/1/")
    assert unknown.status_code == 404 and unknown.json() == {"detail": "Not found."}


def test_api_is_read_only(client, story):
    response = client.post("/api/attempts/", {"slug": "new"}, content_type="application/json")
    assert response.status_code == 405
    assert client.delete("/api/attempts/one-attempt/").status_code == 405
    assert models.LegislativeAttempt.objects.filter(slug="one-attempt").exists()


# Filters -----------------------------------------------------------------------------------------


@pytest.fixture
def two_stories(db):
    one = build_story("one-")
    two = build_story("two-")
    return one, two


@pytest.mark.parametrize(
    ("route", "params", "expected"),
    [
        ("attempts", {"jurisdiction": "one-state"}, ["one-attempt"]),
        ("attempts", {"actor": "two-ministry"}, ["two-attempt"]),
        ("instruments", {"attempt": "one-attempt"}, ["one-draft-law"]),
        ("instruments", {"actor": "two-ministry", "kind": "draft_law"}, ["two-draft-law"]),
        ("actors", {"jurisdiction": "two-state", "role": "government"}, ["two-ministry"]),
        ("systems", {"actor": "one-ministry"}, ["one-system"]),
        ("dpias", {"attempt": "two-attempt"}, ["two-dpia"]),
        ("dpias", {"actor": "one-authority"}, ["one-dpia"]),
        ("rulings", {"attempt": "one-attempt", "outcome": "not_compliant"}, ["one-ruling"]),
        ("rulings", {"jurisdiction": "two-state"}, ["two-ruling"]),
        ("responses", {"jurisdiction": "one-state"}, ["one-question"]),
        ("responses", {"kind": "answer"}, ["one-answer", "two-answer"]),
        ("responses", {"actor": "two-ministry"}, ["two-question"]),
        ("developments", {"attempt": "two-attempt", "actor": "two-ministry"}, ["two-development"]),
    ],
)
def test_filters_narrow_the_list(client, two_stories, route, params, expected):
    assert slugs(api(client, f"{route}/", **params)) == expected


def test_event_and_version_filters_follow_the_attempt(client, two_stories):
    one, two = two_stories
    assert slugs(api(client, "events/", attempt="two-attempt")) == [two["events"].pk]
    assert slugs(api(client, "events/", kind="published", jurisdiction="one-state")) == [one["events"].pk]
    assert slugs(api(client, "events/", kind="withdrawn")) == []
    versions = api(client, "versions/", attempt="one-attempt").json()["results"]
    assert [v["instrument"]["slug"] for v in versions] == ["one-draft-law"]


def test_jurisdiction_filter_includes_its_regions(client, db):
    state = f.make_jurisdiction(slug="parent-state")
    build_story("city-", parent=state)
    assert slugs(api(client, "developments/", jurisdiction="parent-state")) == ["city-development"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"date_after": "2019-06-01", "date_before": "2019-06-30"}, ["year-2019"]),
        ({"date_after": "2019-10-15"}, ["autumn-2019", "day-2020", "year-2019"]),
        ({"date_before": "2019-08-31"}, ["year-2019"]),
        ({"date_after": "2019-12", "date_before": "2019-12"}, ["year-2019"]),
        ({"date_after": "2020", "date_before": "2020"}, ["day-2020"]),
        ({"date_after": "autumn 2019", "date_before": "autumn 2019"}, ["autumn-2019", "year-2019"]),
    ],
)
def test_date_range_overlaps_the_period_of_a_fuzzy_date(client, db, params, expected):
    f.make_development(slug="year-2019", date=datetime.date(2019, 1, 1), date_precision=DatePrecision.YEAR)
    f.make_development(
        slug="autumn-2019", date=datetime.date(2019, 9, 1), date_precision=DatePrecision.SEASON, date_season="autumn"
    )
    f.make_development(slug="day-2020", date=datetime.date(2020, 2, 29), date_precision=DatePrecision.DAY)
    f.make_development(slug="undated", date=None, date_precision=DatePrecision.UNKNOWN)
    assert slugs(api(client, "developments/", **params)) == expected


def test_date_range_counts_the_last_period_of_a_range(client, db):
    f.make_development(
        slug="range", date=datetime.date(2017, 1, 1), date_end=datetime.date(2019, 1, 1),
        date_precision=DatePrecision.YEAR,
    )
    assert slugs(api(client, "developments/", date_after="2019-12-31")) == ["range"]
    assert slugs(api(client, "developments/", date_after="2020-01-01")) == []


@pytest.mark.parametrize(
    ("route", "params", "field", "message"),
    [
        ("attempts", {"jurisdiction": "no-such-state"}, "jurisdiction", "Select a valid choice"),
        ("developments", {"kind": "rumour"}, "kind", "Select a valid choice"),
        ("events", {"actor": "nobody"}, "actor", "Select a valid choice"),
        ("developments", {"date_after": "2019-13-01"}, "date_after", "is not a real date"),
        ("developments", {"date_before": "yesterday"}, "date_before", "Write the date as 2019"),
        ("developments", {"date_after": "~2019"}, "date_after", "Give one date"),
        ("rulings", {"date_after": "2020", "date_before": "2019"}, "date_before", "must not come before"),
        ("responses", {"page": "abc"}, "page", "Give a page number"),
        ("responses", {"page_size": "0"}, "page_size", "Give a whole number from 1 to 200"),
    ],
)
def test_invalid_parameters_are_answered_with_400_and_a_message(client, db, route, params, field, message):
    response = api(client, f"{route}/", **params)
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])


# Pagination -------------------------------------------------------------------------------------


def test_pagination_gives_count_and_links(client, db):
    for n in range(5):
        f.make_development(slug=f"dev-{n}", title=f"Development {n}")
    first = api(client, "developments/", page_size=2).json()
    assert first["count"] == 5
    assert len(first["results"]) == 2 and first["previous"] is None
    assert "page=2" in first["next"] and "page_size=2" in first["next"]
    second = client.get(first["next"], HTTP_ACCEPT="application/json").json()
    assert second["previous"] is not None
    last = api(client, "developments/", page_size=2, page=3).json()
    assert last["next"] is None and len(last["results"]) == 1
    seen = first["results"] + second["results"] + last["results"]
    assert len({item["slug"] for item in seen}) == 5


def test_page_size_is_capped_at_200(client, db):
    models.Jurisdiction.objects.bulk_create(
        [models.Jurisdiction(slug=f"bulk-{n}", name=f"Bulk {n}", kind="state") for n in range(205)]
    )
    body = api(client, "jurisdictions/", page_size=1000).json()
    assert body["count"] == 205 and len(body["results"]) == 200


def test_page_past_the_end_is_a_json_404(client, db):
    f.make_development()
    response = api(client, "developments/", page=9)
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page."}


# Only published records ---------------------------------------------------------------------------


def test_unpublished_records_never_appear_in_lists_details_links_or_citations(client, story, moderator_user):
    draft = models.Visibility.DRAFT
    hidden_actor = f.make_actor(slug="secret-draft-person", name="Hidden Person", visibility=draft)
    hidden_source = f.make_source(slug="secret-draft-memo", title="Hidden Memo", visibility=draft)
    hidden_attempt = f.make_attempt(
        slug="secret-draft-attempt", title="Hidden Attempt", initiator=hidden_actor, visibility=draft
    )
    f.make_event(attempt=hidden_attempt, summary="Hidden event")  # public only with its attempt
    hidden_development = f.make_development(slug="secret-removed-development", title="Hidden Development")
    workflow.remove_record(hidden_development, user=moderator_user, reason="Recorded twice")
    set_links(story["developments"], "actors", [story["actors"], hidden_actor], reason=REASON)
    f.make_citation(record=story["developments"], source=hidden_source, reliability="A", credibility="1")
    attempt = story["attempts"]
    attempt.initiator = hidden_actor
    save_record(attempt, reason="Initiator changed by a test")

    everything = []
    for route in ENDPOINTS:
        body = api(client, f"{route}/", page_size=200).json()
        assert body["count"] == len(body["results"])
        everything.append(json.dumps(body))
    for path in ("developments/one-development/", "attempts/one-attempt/"):
        everything.append(api(client, path).content.decode())
    text = "\n".join(everything)
    for secret in ("secret-", "Hidden Person", "Hidden Memo", "Hidden Attempt", "Hidden event", "Hidden Development"):
        assert secret not in text, text[max(0, text.find(secret) - 300):text.find(secret) + 100]
    assert api(client, "attempts/one-attempt/").json()["initiator"] is None
    assert api(client, detail_path(hidden_development)).status_code == 404
    assert api(client, "actors/secret-draft-person/history/").status_code == 404
    assert api(client, "events/", attempt="secret-draft-attempt").status_code == 400


# History ------------------------------------------------------------------------------------------


def test_history_gives_changes_and_reasons_but_never_who_made_them(client, db, django_user_model):
    staff = django_user_model.objects.create_user(
        username="staff-secret-name", email="staff-secret@example.org", first_name="Secretfirst", password=None
    )
    development = f.make_development(slug="watched", title="First title", user=staff)
    development.title = "Second title"
    save_record(development, reason="Corrected the title from the minutes", user=staff)

    response = api(client, "developments/watched/history/")
    assert response.status_code == 200
    body = response.json()
    assert body["html_url"] == "http://testserver/en/developments/watched/history/"
    latest, created = body["entries"]
    assert latest["type"] == "changed" and latest["reason"] == "Corrected the title from the minutes"
    assert {"field": "Title (English)", "kind": "text", "before": "First title", "after": "Second title",
            "added": [], "removed": []} in latest["changes"]
    assert created["type"] == "created"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", created["date"])
    text = response.content.decode()
    for secret in ("staff-secret-name", "staff-secret@example.org", "Secretfirst", "history_user", str(staff.pk) + ","):
        assert secret not in text, text[max(0, text.find(secret) - 300):text.find(secret) + 100]
    for route in ENDPOINTS:
        assert "staff-secret" not in api(client, f"{route}/").content.decode()


@pytest.mark.parametrize("route", ENDPOINTS)
def test_every_record_type_has_a_history(client, story, route):
    response = api(client, f"{detail_path(story[route])}history/")
    assert response.status_code == 200
    assert response.json()["entries"][-1]["type"] == "created"


# Query counts ---------------------------------------------------------------------------------------

# Queries for one list page: a count, the page, and one per prefetched link (with citations).
LIST_QUERIES = {
    "jurisdictions": 2,
    "actors": 3,
    "sources": 2,
    "attempts": 8,
    "instruments": 7,
    "versions": 5,
    "events": 7,
    "systems": 5,
    "dpias": 5,
    "rulings": 7,
    "responses": 13,
    "developments": 7,
}


def test_list_queries_do_not_grow_with_the_rows(client, db, django_assert_num_queries):
    build_story("first-")
    for route, expected in LIST_QUERIES.items():
        with django_assert_num_queries(expected):
            assert api(client, f"{route}/").json()["count"] >= 1
    for n in range(9):
        build_story(f"more{n}-")
    for route, expected in LIST_QUERIES.items():
        with django_assert_num_queries(expected):
            body = api(client, f"{route}/").json()
            assert body["count"] >= 10 and len(body["results"]) >= 10


# Schema and docs --------------------------------------------------------------------------------------


def test_schema_is_openapi_3_and_documents_every_endpoint(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    for route in ENDPOINTS:
        assert f"/api/{route}/" in schema["paths"]
    assert "/api/versions/{instrument}/{number}/history/" in schema["paths"]


def test_docs_page_loads_only_local_assets(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert any("drf_spectacular_sidecar" in asset for asset in assets)
    for asset in assets:
        assert asset.startswith("/"), asset
        assert not asset.startswith("//"), asset


# Schemathesis: every GET operation, generated inputs, answers conform to the schema ----------------


def test_every_get_operation_conforms_to_the_schema_under_generated_input(db):
    import schemathesis

    from tracker.wsgi import application

    build_story("st-")
    # As Django's test client does: requests must not close the test's database connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        _run_schemathesis(schemathesis.openapi.from_wsgi("/api/schema/", application))
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _run_schemathesis(schema):
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 3 * len(ENDPOINTS)
    for operation in operations:
        assert operation.method.upper() == "GET"

        @settings(
            max_examples=20, derandomize=True, deadline=None, database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def conforms(case):
            case.call_and_validate(checks=checks)

        conforms()
        # The story's own records conform too (generated slugs rarely hit one).
        for path_parameters in _known_path_parameters(operation.path):
            case = operation.Case(path_parameters=path_parameters)
            case.call_and_validate(checks=checks)


def _known_path_parameters(path):
    if "{instrument}" in path:
        return [{"instrument": "st-draft-law", "number": 1}]
    if "{id}" in path:
        return [{"id": models.LifecycleEvent.objects.get(attempt__slug="st-attempt").pk}]
    if "{slug}" in path:
        route = path.split("/")[2]
        model = ENDPOINTS[route]
        return [{"slug": model.objects.order_by("pk").values_list("slug", flat=True).first()}]
    return [{}]
