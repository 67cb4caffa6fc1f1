"""Bulk exports (``legal.exports``): a zip of CSV files and one JSON document of the published data."""

import csv
import datetime
import io
import json
import os
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from legal import exports, models, workflow
from legal.dates import DatePrecision, Season
from legal.services import delete_record, save_record, set_links
from tests import factories as f

STAFF = {"username": "staff-secret-name", "email": "staff-secret-name@example.org", "first_name": "Zorblax"}

# Files of the zip, and the JSON keys of the record types.
RECORD_FILES = [record_type.name for record_type in exports.RECORD_TYPES]
LINK_FILES = [name for name, *_rest in exports.link_tables()]


# Helpers ------------------------------------------------------------------------------


def read_zip(content):
    """{file name without .csv: [row dicts]} and the README text of a zip export."""
    tables = {}
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        readme = archive.read("README.txt").decode()
        for name in archive.namelist():
            if name.endswith(".csv"):
                text = archive.read(name).decode("utf-8")
                tables[name[: -len(".csv")]] = list(csv.DictReader(io.StringIO(text, newline="")))
    return tables, readme


def all_text_of_zip(content):
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "\n".join(archive.read(name).decode("utf-8") for name in archive.namelist())


def download(client, export_format, **headers):
    response = client.get(f"/data/export.{export_format}", headers=headers)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return response, content


def exports_of(client):
    _response, zip_content = download(client, "zip")
    _response, json_content = download(client, "json")
    return zip_content, json_content


def populate(*, user=None, tag="a"):
    """One of every record type, every link and cited with graded citations; returns the records."""
    state = f.make_jurisdiction(user=user, name_sr=f"Тест држава {tag}")
    region = f.make_jurisdiction(user=user, kind=models.Jurisdiction.Kind.SUBNATIONAL, parent=state)
    ministry = f.make_actor(user=user, jurisdiction=state)
    person = f.make_actor(user=user, kind=models.Actor.Kind.PERSON, affiliation=ministry, position="Test Minister")
    company = f.make_actor(user=user, role=models.Actor.Role.COMPANY)
    authority = f.make_supervisory_authority(user=user, jurisdiction=state)
    source = f.make_source(user=user, url="https://example.org/report")
    other_source = f.make_source(
        user=user, date=datetime.date(2019, 9, 1), date_precision=DatePrecision.SEASON, date_season=Season.AUTUMN
    )
    instrument = f.make_instrument(user=user, jurisdiction=state, title_sr=f"Test zakon {tag}")
    set_links(instrument, "parties", [ministry], reason="test", user=user)
    attempt = f.make_attempt(user=user, jurisdiction=state, initiator=ministry)
    set_links(attempt, "instruments", [instrument], reason="test", user=user)
    redraft = f.make_attempt(user=user, jurisdiction=state, follows=attempt)
    version = f.make_version(user=user, instrument=instrument, published_in=source)
    provision = f.make_provision(user=user, version=version, heading="Test heading", text_sr="Тест одредба.")
    event = f.make_event(
        user=user, kind=models.LifecycleEvent.Kind.APPLIES, attempt=attempt, instrument=instrument, version=version,
        date_approximate=True,
    )
    set_links(event, "provisions", [provision], reason="test", user=user)
    system = f.make_system(user=user, jurisdiction=region, operator=ministry)
    set_links(system, "vendors", [company], reason="test", user=user)
    dpia = f.make_dpia(user=user, controller=ministry, authority=authority, system=system, attempt=attempt)
    ruling = f.make_ruling(user=user, dpia=dpia, kind=models.Ruling.Kind.DPIA_OPINION)
    for field_name, targets in (("attempts", [attempt]), ("instruments", [instrument]), ("systems", [system])):
        set_links(ruling, field_name, targets, reason="test", user=user)
    question = f.make_response(user=user, kind=models.Response.Kind.PARLIAMENTARY_QUESTION, jurisdiction=state)
    answer = f.make_response(user=user, kind=models.Response.Kind.ANSWER, in_reply_to=question)
    for field_name, targets in (
        ("authors", [person]), ("addressees", [ministry]), ("attempts", [attempt]), ("instruments", [instrument]),
        ("rulings", [ruling]), ("dpias", [dpia]), ("systems", [system]),
    ):
        set_links(question, field_name, targets, reason="test", user=user)
    development = f.make_development(user=user, jurisdiction=state)
    for field_name, targets in (("actors", [company]), ("systems", [system]), ("attempts", [attempt])):
        set_links(development, field_name, targets, reason="test", user=user)
    cited = [instrument, attempt, redraft, version, event, system, dpia, ruling, question, answer, development]
    for number, record in enumerate(cited):
        f.make_citation(user=user, record=record, source=source, reliability="ABCDEF"[number % 6],
                        credibility=str(number % 6 + 1), quote=f"Quoted {tag}{number}")
    f.make_citation(user=user, record=event, source=other_source, aspect=models.Citation.Aspect.DATE,
                    asserted_value="2021", reliability="F", credibility="6")
    return {
        "jurisdictions": [state, region], "actors": [ministry, person, company, authority],
        "sources": [source, other_source], "instruments": [instrument], "attempts": [attempt, redraft],
        "versions": [version], "provisions": [provision], "events": [event], "systems": [system],
        "dpias": [dpia], "rulings": [ruling], "responses": [question, answer], "developments": [development],
    }


def key_of(record):
    if isinstance(record, models.InstrumentVersion):
        return f"{record.instrument.slug}/{record.number}"
    if isinstance(record, (models.LifecycleEvent, models.Provision)):
        return str(record.pk)
    return record.slug


def published_keys(name):
    """Identifiers of every record of a type, read from ``.published()`` (or all, for provisions)."""
    record_type = next(t for t in exports.RECORD_TYPES if t.name == name)
    manager = record_type.model.objects
    queryset = manager.published() if hasattr(manager, "published") else manager.all()
    return {key_of(record) for record in queryset}


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user(password=None, **STAFF)


# Round trip ---------------------------------------------------------------------------


def test_every_published_record_appears_in_the_csv_files_with_its_citations_and_grading(db, client):
    records = populate()
    tables, readme = read_zip(exports_of(client)[0])

    assert set(tables) == {*RECORD_FILES, *LINK_FILES, "citations"}
    for name, created in records.items():
        id_column = "id" if name in ("events", "provisions") else "slug"
        if name == "versions":
            exported = {f"{row['instrument']}/{row['number']}" for row in tables[name]}
        else:
            exported = {row[id_column] for row in tables[name]}
        assert exported == published_keys(name), name
        assert {key_of(record) for record in created} <= exported

    citations = {(row["record_type"], row["record"], row["source"], row["aspect"]): row for row in tables["citations"]}
    assert len(citations) == models.Citation.objects.count()
    for citation in models.Citation.objects.all():
        record_type = exports.BY_MODEL_NAME[citation.content_type.model].type
        row = citations[(record_type, key_of(citation.record), citation.source.slug, citation.aspect)]
        assert (row["reliability"], row["credibility"], row["grade"]) == (
            citation.reliability, citation.credibility, citation.grade,
        )
        assert row["record_url"] == f"http://127.0.0.1:8000{citation.record.get_absolute_url()}"


def test_csv_columns_hold_translations_fuzzy_dates_links_and_public_urls(db, client):
    records = populate()
    tables, _readme = read_zip(exports_of(client)[0])

    instrument = records["instruments"][0]
    row = next(row for row in tables["instruments"] if row["slug"] == instrument.slug)
    assert (row["title_en"], row["title_sr"]) == (instrument.title_en, "Test zakon a")
    assert row["jurisdiction"] == instrument.jurisdiction.slug
    assert row["page_url"] == f"http://127.0.0.1:8000/en/instruments/{instrument.slug}/"

    source = records["sources"][1]
    row = next(row for row in tables["sources"] if row["slug"] == source.slug)
    assert (row["date"], row["date_precision"], row["date_season"], row["date_approximate"], row["date_end"]) == (
        "2019-09-01", "season", "autumn", "false", "",
    )
    assert row["date_display"] == str(source.fuzzy_date)
    event = records["events"][0]
    row = next(row for row in tables["events"] if row["id"] == str(event.pk))
    assert row["date_approximate"] == "true"
    assert row["version"] == key_of(records["versions"][0])

    person = records["actors"][1]
    assert next(row for row in tables["actors"] if row["slug"] == person.slug)["affiliation"] == records["actors"][0].slug
    answer = records["responses"][1]
    assert next(row for row in tables["responses"] if row["slug"] == answer.slug)["in_reply_to"] == records["responses"][0].slug
    assert {"attempt": records["attempts"][0].slug, "instrument": instrument.slug} in tables["attempt_instruments"]
    assert {"event": str(event.pk), "provision": str(records["provisions"][0].pk)} in tables["event_provisions"]
    assert {"response": records["responses"][0].slug, "actor": person.slug} in tables["response_authors"]
    assert len(tables["response_addressees"]) == 1


def test_the_readme_explains_files_columns_grading_licence_and_generation_time(db, client):
    populate()
    tables, readme = read_zip(exports_of(client)[0])
    for name in tables:
        assert f"{name}.csv" in readme
    for text in ("date_precision", "title_sr", "A – Trustworthy", "F – Cannot be judged", "1 – Confirmed",
                 "6 – Cannot be judged", "CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/", "Generated: "):
        assert text in readme
    generated = readme.split("Generated: ", 1)[1].split("\n", 1)[0]
    assert datetime.datetime.fromisoformat(generated).date() == datetime.datetime.now(datetime.timezone.utc).date()


def test_every_published_record_appears_in_the_json_with_its_links_citations_and_grading(db, client):
    records = populate()
    document = json.loads(exports_of(client)[1])

    assert document["licence"]["name"] == "CC BY 4.0"
    assert datetime.datetime.fromisoformat(document["generated_at"])
    assert document["grading_scale"]["reliability"]["A"] == "A – Trustworthy"
    assert set(document["records"]) == set(RECORD_FILES)
    for name in RECORD_FILES:
        rows = document["records"][name]
        if name == "versions":
            exported = {f"{row['instrument']}/{row['number']}" for row in rows}
        else:
            exported = {str(row["id"]) if "id" in row else row["slug"] for row in rows}
        assert exported == published_keys(name), name

    event = records["events"][0]
    row = next(row for row in document["records"]["events"] if row["id"] == event.pk)
    assert row["provisions"] == [records["provisions"][0].pk]
    assert sorted((c["source"], c["grade"], c["aspect"], c["asserted_value"]) for c in row["citations"]) == sorted(
        (c.source.slug, c.grade, c.aspect, c.asserted_value) for c in event.citations.all()
    )
    question = next(row for row in document["records"]["responses"] if row["slug"] == records["responses"][0].slug)
    assert question["authors"] == [records["actors"][1].slug]
    assert question["rulings"] == [records["rulings"][0].slug]
    total = sum(len(row.get("citations", [])) for rows in document["records"].values() for row in rows)
    assert total == models.Citation.objects.count()


# Only what .published() returns ---------------------------------------------------------


def test_unpublished_records_their_links_and_citations_appear_in_neither_export(client, moderator_user):
    populate()
    draft = models.Visibility.DRAFT
    public_actor = f.make_actor(name="Visible Example Actor")
    hidden_actor = f.make_actor(slug="secret-draft-actor", name="Hidden Quokka Actor", visibility=draft)
    hidden_source = f.make_source(slug="secret-draft-source", title="Hidden Quokka Source", visibility=draft)
    hidden_instrument = f.make_instrument(slug="secret-draft-law", title="Hidden Quokka Law", visibility=draft)
    # Published themselves, but parts of a hidden instrument.
    hidden_version = f.make_version(instrument=hidden_instrument, label="Hidden Quokka Version")
    hidden_provision = f.make_provision(version=hidden_version, text="Hidden quokka provision text.")
    hidden_event = f.make_event(instrument=hidden_instrument, summary="Hidden quokka event")
    hidden_attempt = f.make_attempt(slug="secret-draft-attempt", title="Hidden Quokka Attempt", visibility=draft)
    f.make_citation(record=hidden_instrument, quote="Hidden quokka quote")
    f.make_citation(record=hidden_attempt, quote="Hidden quokka quote two")
    # Published records pointing at hidden ones keep no trace of them.
    public_person = f.make_actor(name="Visible Person", affiliation=hidden_actor)
    public_response = f.make_response(title="Visible Example Response")
    set_links(public_response, "authors", [hidden_actor, public_actor], reason="test")
    set_links(public_response, "attempts", [hidden_attempt], reason="test")
    public_development = f.make_development(title="Visible Example Development")
    f.make_citation(record=public_development, source=hidden_source, quote="Hidden quokka quote three")
    removed = f.make_development(slug="secret-removed-development", title="Hidden Quokka Development")
    workflow.remove_record(removed, user=moderator_user, reason="Recorded twice")

    zip_content, json_content = exports_of(client)
    for text in (all_text_of_zip(zip_content), json_content.decode()):
        assert "Visible Example Response" in text
        assert "secret-" not in text
        assert "quokka" not in text.lower()

    tables, _readme = read_zip(zip_content)
    assert str(hidden_event.pk) not in {row["id"] for row in tables["events"]}
    assert str(hidden_provision.pk) not in {row["id"] for row in tables["provisions"]}
    assert next(row for row in tables["actors"] if row["slug"] == public_person.slug)["affiliation"] == ""
    assert [row["actor"] for row in tables["response_authors"] if row["response"] == public_response.slug] == [
        public_actor.slug
    ]
    assert not [row for row in tables["citations"] if row["record"] == public_development.slug]
    document = json.loads(json_content)
    response = next(row for row in document["records"]["responses"] if row["slug"] == public_response.slug)
    assert (response["authors"], response["attempts"]) == ([public_actor.slug], [])


def test_no_staff_identity_reaches_either_export(db, client, staff):
    populate(user=staff)
    assert models.LegislativeAttempt.history.filter(history_user=staff).exists()
    zip_content, json_content = exports_of(client)
    tables, _readme = read_zip(zip_content)

    for text in (all_text_of_zip(zip_content), json_content.decode()):
        for secret in STAFF.values():
            assert secret not in text
    headers = {column for rows in tables.values() for column in (rows[0] if rows else {})}
    assert not {column for column in headers if "user" in column or "history" in column or "email" in column}
    document = json.loads(json_content)
    keys = {key for rows in document["records"].values() for row in rows for key in row}
    assert not {key for key in keys if "user" in key or "history" in key or "email" in key}


# Freshness: rebuilt on every change, reused otherwise -----------------------------------


def edit(records):
    attempt = records["attempts"][0]
    attempt.title = "Renamed example attempt"
    save_record(attempt, reason="test")


def link(records):
    set_links(records["developments"][0], "actors", records["actors"][:2], reason="test")


def unlink(records):
    set_links(records["instruments"][0], "parties", [], reason="test")


def regrade(records):
    citation = records["instruments"][0].citations.first()
    citation.reliability = "E"
    save_record(citation, reason="test")


def cite(records):
    f.make_citation(record=records["rulings"][0], reliability="C", credibility="3")


def create(records):
    f.make_development()


def delete(records):
    delete_record(records["responses"][1], reason="test")


def delete_cascading(records):
    delete_record(records["provisions"][0], reason="test")


@pytest.mark.parametrize("change", [create, edit, link, unlink, regrade, cite, delete, delete_cascading])
@pytest.mark.parametrize("export_format", ["zip", "json"])
def test_a_change_to_the_data_builds_a_fresh_export(db, change, export_format):
    records = populate()
    first = exports.ensure_export(export_format)
    assert first.built

    change(records)

    second = exports.ensure_export(export_format)
    assert second.built
    assert second.fingerprint != first.fingerprint
    assert second.path.exists()
    assert not first.path.exists(), "the stale file is removed"


@pytest.mark.parametrize("export_format", ["zip", "json"])
def test_an_unchanged_data_set_reuses_the_cached_file(db, export_format):
    populate()
    first = exports.ensure_export(export_format)
    old = first.path.stat().st_mtime - 60
    os.utime(first.path, (old, old))

    again = exports.ensure_export(export_format)

    assert not again.built
    assert again.path == first.path
    assert again.path.stat().st_mtime == old


def test_a_download_after_a_change_holds_the_new_data(db, client):
    records = populate()
    exports_of(client)
    edit(records)
    tables, _readme = read_zip(exports_of(client)[0])
    assert "Renamed example attempt" in {row["title_en"] for row in tables["attempts"]}


def test_files_are_cached_under_media_root_exports_or_export_root(db, settings, tmp_path, media_root):
    assert exports.ensure_export("json").path.parent == media_root / "exports"
    settings.EXPORT_ROOT = str(tmp_path / "elsewhere")
    assert exports.ensure_export("json").path.parent == tmp_path / "elsewhere"


def test_the_export_data_command_prebuilds_both_files_and_then_reuses_them(db):
    populate()
    output = io.StringIO()
    call_command("export_data", stdout=output)
    assert output.getvalue().count(": built.") == 2
    assert exports.current_export("zip") and exports.current_export("json")

    output = io.StringIO()
    call_command("export_data", stdout=output)
    assert output.getvalue().count(": already up to date.") == 2


# HTTP ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("export_format", "content_type"), [("zip", "application/zip"), ("json", "application/json")]
)
def test_downloads_have_content_type_dated_filename_etag_and_last_modified(db, client, export_format, content_type):
    populate()
    response, content = download(client, export_format)

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    today = exports.current_export(export_format).download_name.split("-data-")[1].split(".")[0]
    assert today == datetime.date.fromisoformat(today).isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="tracker-data-{today}.{export_format}"'
    assert response["ETag"] == f'"{exports.data_fingerprint()}-{export_format}"'
    assert response["Last-Modified"]
    assert "no-cache" in response["Cache-Control"]
    assert content


@pytest.mark.parametrize("export_format", ["zip", "json"])
def test_a_matching_if_none_match_gets_304_until_the_data_changes(db, client, export_format):
    records = populate()
    response, _content = download(client, export_format)
    etag, last_modified = response["ETag"], response["Last-Modified"]

    not_modified, content = download(client, export_format, if_none_match=etag)
    assert not_modified.status_code == 304
    assert not content
    assert not_modified["ETag"] == etag
    assert download(client, export_format, if_modified_since=last_modified)[0].status_code == 304

    edit(records)
    fresh, content = download(client, export_format, if_none_match=etag)
    assert fresh.status_code == 200
    assert fresh["ETag"] != etag
    assert content


def test_downloads_refuse_writes_and_unknown_formats(db, client):
    assert client.post("/data/export.zip").status_code == 405
    assert client.get("/data/export.xml").status_code == 404
    assert client.get("/data/export.zip/").status_code == 404
    assert client.head("/data/export.json").status_code == 200


# Queries: a fixed number, whatever the size of the data ----------------------------------


def build_both():
    dataset = exports.Dataset()
    exports.write_zip(io.BytesIO(), dataset, datetime.datetime.now(datetime.timezone.utc))
    exports.write_json(os.devnull, dataset, datetime.datetime.now(datetime.timezone.utc))


# One per record type but provisions (12), the provisions stream (1),
# one per link table (17) and the citations (1).
BUILD_QUERIES = 31


def test_building_the_exports_takes_a_fixed_number_of_queries(db, django_assert_num_queries):
    populate()
    with django_assert_num_queries(BUILD_QUERIES + 1):  # the provisions are read again for the JSON
        build_both()


def test_building_takes_the_same_number_of_queries_with_ten_times_the_rows(db, django_assert_num_queries):
    for number in range(10):
        populate(tag=str(number))
    with django_assert_num_queries(BUILD_QUERIES + 1):
        build_both()


@pytest.mark.parametrize("copies", [1, 10])
def test_a_download_costs_the_same_queries_at_any_size_and_one_when_cached(
    db, client, django_assert_num_queries, copies
):
    for number in range(copies):
        populate(tag=str(number))
    with django_assert_num_queries(1 + BUILD_QUERIES):  # the data fingerprint, then the build
        assert download(client, "zip")[0].status_code == 200
    with django_assert_num_queries(1):
        assert download(client, "zip")[0].status_code == 200


# The data page ----------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "sr-cyrl"])
def test_the_data_page_renders_and_links_the_downloads_in_each_language(db, client, language, django_assert_num_queries):
    populate()
    with translation.override(language):
        url = reverse("legal:data")
    assert url == f"/{language}/data/"
    with django_assert_num_queries(1):
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{language}">' in html
    assert 'href="/data/export.zip"' in html
    assert 'href="/data/export.json"' in html
    assert "https://creativecommons.org/licenses/by/4.0/" in html
    assert "citations.csv" in html and "response_authors.csv" in html
    assert f'href="/{language}/data/"' in html  # the footer link


def test_the_data_page_shows_when_the_current_files_were_generated(db, client):
    populate()
    assert "<time" not in client.get("/en/data/").content.decode()
    export = exports.ensure_export("zip")
    html = client.get("/en/data/").content.decode()
    assert html.count("<time datetime=") == 1  # the zip is built, the JSON not yet
    assert f'<time datetime="{timezone.localtime(export.generated_at).isoformat()}">' in html
    assert "Generated:" in html
