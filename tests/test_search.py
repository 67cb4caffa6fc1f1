"""Public search: insensitive to diacritics and Serbian script, restricted to published records,
kept fresh by every write, and a fixed number of queries per page."""

import io

import pytest
from django import forms
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from legal import models, workflow
from legal.search import MAX_QUERY_LENGTH, QueryTooLong, folded_text, rebuild_index, search, words
from legal.services import delete_record, save_record, set_links
from legal.translit import fold
from legal.views.search import SearchView
from tests import factories as f

SEARCH_URL_NAME = "legal:search"


def titles(query):
    return [hit.title for hit in search(query)[0:100]]


def search_page(client, **params):
    return client.get(reverse(SEARCH_URL_NAME), params)


# Folding -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Стефановић", "stefanovic"),
        ("Stefanović", "stefanovic"),
        ("STEFANOVIC", "stefanovic"),
        ("Đorđe", "djordje"),
        ("Ђорђе", "djordje"),
        ("Љубљана", "ljubljana"),
        ("Њујорк", "njujork"),
        ("Џеп", "dzep"),
        ("Šećer, čačak, žaba", "secer, cacak, zaba"),
        ("Straße", "strasse"),
        ("", ""),
    ],
)
def test_fold_makes_plain_lower_case_latin(text, folded):
    assert fold(text) == folded


def test_words_are_runs_of_letters_and_digits():
    assert words("Nebojša-Стефановић: 1.000 kamera_x!") == ["nebojsa", "stefanovic", "1", "000", "kamera", "x"]


def test_indexed_text_puts_a_space_before_every_word():
    assert folded_text(["Петар Петровић", None, "", "Example"]) == " petar petrovic example "
    assert folded_text([]) == ""


# Finding records -------------------------------------------------------------------


@pytest.fixture
def spokesperson(db):
    """Two synthetic records naming one synthetic person: in Latin with diacritics, and in Cyrillic."""
    latin = f.make_development(
        title="Example Ministry announces cameras",
        summary_sr="Portparolka Example Ministry Jelena Stefanović najavila je kamere.",
    )
    cyrillic = f.make_actor(
        name="Example Spokesperson",
        name_sr="Јелена Стефановић",
        kind=models.Actor.Kind.PERSON,
        role=models.Actor.Role.EXECUTIVE,
    )
    f.make_development(title="Unrelated example event")
    return latin, cyrillic


@pytest.mark.parametrize("query", ["Stefanovic", "Stefanović", "Стефановић", "STEFANOVIC", "  stefanović  "])
def test_any_spelling_finds_latin_and_cyrillic_records(spokesperson, query):
    assert sorted(titles(query)) == ["Example Ministry announces cameras", "Example Spokesperson"]


def test_every_word_must_occur(spokesperson):
    assert titles("Стефановић kamere") == ["Example Ministry announces cameras"]
    assert titles("Stefanovic nonexistentword") == []


def test_the_start_of_a_word_is_enough_but_not_its_middle(spokesperson):
    assert len(titles("stefan")) == 2
    assert len(titles("Стефан")) == 2
    assert titles("tefanovic") == []


def test_title_matches_rank_first(db):
    f.make_development(title="Example report", summary="It mentions the okapi in passing.")
    f.make_development(title="Example okapi report")
    assert titles("okapi") == ["Example okapi report", "Example report"]


def test_a_query_without_letters_or_digits_finds_nothing(spokesperson):
    results = search("!!! ... –")
    assert results.terms == []
    assert results.count() == 0
    assert results[0:20] == []


def test_query_syntax_is_not_interpreted(spokesperson):
    # Words only: tsquery or LIKE operators in the query are separators.
    assert len(titles("stefan:* | !x & 'y")) == 0
    assert len(titles("stefan%_")) == 2


def test_an_overlong_query_is_refused():
    with pytest.raises(QueryTooLong):
        search("x" * (MAX_QUERY_LENGTH + 1))


def test_provision_text_finds_its_version(db):
    version = f.make_version(label="Example draft")
    f.make_provision(version=version, text_sr="Снимање на јавним местима")
    hits = search("snimanje javnim")[0:10]
    assert [hit.record for hit in hits] == [version]
    assert hits[0].title == f"{version.instrument.title} – Example draft"


def test_names_of_linked_actors_find_the_record(db):
    person = f.make_actor(name="Petar Petrovic", name_sr="Петар Петровић")
    response = f.make_response(title="Example letter")
    set_links(response, "authors", [person], reason="test")
    assert "Example letter" in titles("Petrović")


def test_snippet_marks_the_match_in_the_readers_script(spokesperson):
    latin, _cyrillic = spokesperson
    hit = next(hit for hit in search("stefanovic")[0:10] if hit.record == latin)
    assert ("Stefanović", True) in hit.snippet
    assert hit.snippet_lang == "sr"  # Serbian text on an English page
    with translation.override("sr-cyrl"):
        hit = next(hit for hit in search("stefanovic")[0:10] if hit.record == latin)
    assert ("Стефановић", True) in hit.snippet
    assert hit.snippet_lang == ""


# Only published records --------------------------------------------------------------


def test_unpublished_records_never_appear_nor_count(client, moderator_user):
    f.make_development(title="Example quokka sighting")
    f.make_development(
        slug="secret-draft-development", title="Secret quokka draft", visibility=models.Visibility.DRAFT
    )
    removed = f.make_actor(slug="secret-removed-person", name="Hidden quokka person")
    workflow.remove_record(removed, user=moderator_user, reason="Recorded twice")

    results = search("quokka")
    assert results.count() == 1
    assert [hit.title for hit in results[0:10]] == ["Example quokka sighting"]

    html = search_page(client, q="quokka").content.decode()
    assert "Example quokka sighting" in html
    assert "Secret" not in html
    assert "Hidden" not in html
    assert "1 record matches" in html


def test_names_of_unpublished_linked_records_are_not_searchable(staff_user, moderator_user):
    person = models.Actor(
        slug="petar-petrovic", name="Petar Petrovic", name_sr="Петар Петровић",
        kind=models.Actor.Kind.PERSON, role=models.Actor.Role.OTHER,
    )
    change_request = workflow.create_draft(person, user=staff_user, submit=True)
    response = f.make_response(title="Example letter")
    set_links(response, "authors", [person], reason="test")
    assert titles("Petrovic") == []

    workflow.approve_change(change_request, user=moderator_user)
    assert sorted(titles("Petrovic")) == ["Example letter", "Petar Petrovic"]


# Keeping the index fresh --------------------------------------------------------------


def document_body(record):
    return models.SearchDocument.objects.get(object_id=record.pk, content_type__model=record._meta.model_name).body


def test_save_record_updates_the_index(db):
    development = f.make_development(title="Example wombat report")
    assert titles("wombat") == ["Example wombat report"]
    development.title = "Example numbat report"
    save_record(development, reason="test")
    assert titles("wombat") == []
    assert titles("numbat") == ["Example numbat report"]


def test_set_links_updates_the_index(db):
    person = f.make_actor(name="Petar Petrovic", name_sr="Петар Петровић")
    response = f.make_response(title="Example letter")
    set_links(response, "authors", [person], reason="test")
    assert " petrovic " in document_body(response)
    set_links(response, "authors", [], reason="test")
    assert " petrovic " not in document_body(response)
    assert titles("Petrovic") == ["Petar Petrovic"]


def test_renaming_a_linked_record_updates_the_records_naming_it(db):
    ministry = f.make_actor(name="Example Ministry of Lanterns")
    development = f.make_development(title="Example announcement")
    set_links(development, "actors", [ministry], reason="test")
    ministry.name = "Example Ministry of Lamps"
    save_record(ministry, reason="test")
    assert " lamps " in document_body(development)
    assert " lanterns " not in document_body(development)


def test_delete_record_removes_the_record_and_refreshes_those_naming_it(db):
    person = f.make_actor(name="Petar Petrovic")
    development = f.make_development(title="Example announcement")
    set_links(development, "actors", [person], reason="test")
    delete_record(person, reason="test")
    assert titles("Petrovic") == []
    assert " petrovic " not in document_body(development)
    assert not models.SearchDocument.objects.filter(content_type__model="actor", object_id=person.id).exists()


def test_deleting_records_in_cascade_drops_their_documents(db):
    version = f.make_version()
    f.make_provision(version=version, text="Example axolotl clause")
    assert len(titles("axolotl")) == 1
    delete_record(version.instrument, reason="test")
    assert not models.SearchDocument.objects.filter(content_type__model="instrumentversion").exists()


def test_saving_and_deleting_a_provision_reindexes_its_version(db):
    version = f.make_version()
    provision = f.make_provision(version=version, text="Example axolotl clause")
    assert [hit.record for hit in search("axolotl")[0:10]] == [version]
    delete_record(provision, reason="test")
    assert titles("axolotl") == []


def test_rebuild_index_rewrites_every_document(spokesperson):
    before = set(models.SearchDocument.objects.values_list("content_type", "object_id", "title", "body"))
    models.SearchDocument.objects.all().delete()
    assert titles("stefanovic") == []
    call_command("rebuild_search_index", stdout=io.StringIO())
    assert set(models.SearchDocument.objects.values_list("content_type", "object_id", "title", "body")) == before
    assert len(titles("stefanovic")) == 2
    assert rebuild_index() == len(before)


# Through the admin ---------------------------------------------------------------------


def resubmitted(response):
    """POST data sending an admin change form back as rendered (main form, inlines, management forms)."""
    data = {}

    def add(form):
        for bound in form:
            value = bound.value()
            if isinstance(bound.field.widget, forms.CheckboxInput):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, (list, tuple)):
                data[bound.html_name] = [str(getattr(item, "pk", item)) for item in value]
            else:
                data[bound.html_name] = "" if value is None else str(getattr(value, "pk", value))

    add(response.context["adminform"].form)
    for inline in response.context.get("inline_admin_formsets", []):
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def test_an_admin_edit_updates_the_index(superuser_client):
    person = f.make_actor(name="Example Spokesperson", kind=models.Actor.Kind.PERSON)
    url = reverse("admin:legal_actor_change", args=[person.pk])
    data = resubmitted(superuser_client.get(url))
    data.update(name_sr="Петар Петровић", change_reason="Added the Serbian name")
    response = superuser_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert titles("Petrovic") == ["Example Spokesperson"]


def test_an_admin_inline_edit_reindexes_the_parent(superuser_client):
    version = f.make_version(label="Example draft")
    url = reverse("admin:legal_instrumentversion_change", args=[version.pk])
    data = resubmitted(superuser_client.get(url))
    data.update(
        {
            "provisions-TOTAL_FORMS": "1",
            "provisions-0-position": "1",
            "provisions-0-number": "Article 1",
            "provisions-0-text_en": "Example pangolin clause",
            "provisions-0-version": str(version.pk),
            "change_reason": "Added the first article",
        }
    )
    response = superuser_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert [hit.record for hit in search("pangolin")[0:10]] == [version]


def test_a_record_removed_from_public_view_is_no_longer_found(moderator_client):
    development = f.make_development(title="Example wombat report")
    url = reverse("staff:remove_record", args=["development", development.pk])
    response = moderator_client.post(url, {"remove-reason": "Removed by a test"})
    assert response.status_code == 302
    development.refresh_from_db()
    assert development.visibility == models.Visibility.DELETED
    assert titles("wombat") == []


def test_the_admin_offers_no_hard_delete(superuser_client):
    development = f.make_development(title="Example wombat report")
    url = reverse("admin:legal_development_delete", args=[development.pk])
    assert superuser_client.post(url, {"post": "yes"}).status_code == 403
    assert titles("wombat") == ["Example wombat report"]


# The page -------------------------------------------------------------------------------


def test_empty_query_shows_the_form_and_a_hint_without_touching_the_database(db, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = search_page(client)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="q"' in html
    assert 'id="search-hint"' in html
    assert "results-heading" not in html
    assert response.context["canonical_url"] == "http://testserver" + reverse(SEARCH_URL_NAME)


def test_results_page_lists_type_title_date_and_link(spokesperson, client):
    latin, cyrillic = spokesperson
    response = search_page(client, q="Стефановић")
    assert response.status_code == 200
    html = response.content.decode()
    assert "2 records match “Стефановић”." in html
    assert f'href="{latin.get_absolute_url()}"' in html
    assert f'href="{cyrillic.get_absolute_url()}"' in html
    assert "Development · 2019" in html
    assert "<mark>Stefanović</mark>" in html
    assert response.context["search_query"] == "Стефановић"


def test_serbian_cyrillic_page_shows_titles_in_cyrillic(db, client):
    f.make_development(title="Example cameras", title_sr="Kamere u Beogradu")
    with translation.override("sr-cyrl"):
        url = reverse(SEARCH_URL_NAME)
    html = client.get(url, {"q": "Београд"}).content.decode()
    assert "Камере у Београду" in html


def test_the_query_is_echoed_escaped(db, client):
    response = search_page(client, q='<script>alert("x")</script>')
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html


def test_an_overlong_query_gets_400_with_a_message(db, client):
    assert search_page(client, q="x" * MAX_QUERY_LENGTH).status_code == 200
    response = search_page(client, q="x" * (MAX_QUERY_LENGTH + 1))
    assert response.status_code == 400
    assert "too long" in response.content.decode()


@pytest.mark.parametrize("query", ["\x00stefan", "stefan\\", "' OR 1=1 --", "a:*&!|()"])
def test_odd_queries_never_break_the_page(spokesperson, client, query):
    assert search_page(client, q=query).status_code == 200


@pytest.mark.parametrize(("page", "shown"), [("abc", 1), ("0", 1), ("-3", 1), ("2", 2), ("999", 2), ("", 1)])
def test_bad_page_numbers_fall_back_sanely(db, client, page, shown):
    for number in range(SearchView.per_page + 5):
        f.make_development(title=f"Example quokka report {number}")
    response = search_page(client, q="quokka", page=page)
    assert response.status_code == 200
    assert response.context["page_obj"].number == shown
    assert response.context["query_string"] == "q=quokka"


# Query counts -----------------------------------------------------------------------------


def make_matching_records(scale):
    """``scale`` matching records of each shown shape: plain, version with provisions, event, actor."""
    for number in range(scale):
        f.make_development(title=f"Example okapi development {number}")
        version = f.make_version(label=f"Example okapi draft {number}")
        f.make_provision(version=version)
        f.make_event(summary=f"Example okapi event {number}")
        f.make_actor(name=f"Example okapi office {number}")


def page_queries(client, django_assert_num_queries, expected):
    search_page(client, q="okapi")  # warm Django's per-process content type cache
    with django_assert_num_queries(expected):
        response = search_page(client, q="okapi")
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("scale", [1, 10])
def test_a_results_page_costs_a_fixed_number_of_queries(db, client, django_assert_num_queries, monkeypatch, scale):
    monkeypatch.setattr(SearchView, "per_page", 100)  # every hit on one page, whatever the scale
    make_matching_records(scale)
    # count + page + one per record type (4) + the versions' provisions
    response = page_queries(client, django_assert_num_queries, 7)
    assert len(response.context["page_obj"].object_list) == 4 * scale


@pytest.mark.parametrize("scale", [3, 30])
def test_a_paginated_results_page_costs_the_same_with_ten_times_the_hits(
    db, client, django_assert_num_queries, scale
):
    for number in range(scale):
        f.make_development(title=f"Example okapi development {number}")
    # count + page + developments
    response = page_queries(client, django_assert_num_queries, 3)
    assert response.context["page_obj"].paginator.count == scale
