"""The version comparison: the pure engine, then the public pages on the real database.

All texts are synthetic ("Example Act", "Article 1 text …"); none is real law.
"""

from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import translation

from legal import compare
from legal.compare import Change, Segment, compare_provisions, normalise_number, word_diff
from tests import factories as f

# Engine ---------------------------------------------------------------------------------


def p(number, text, heading=""):
    return SimpleNamespace(number=number, heading=heading, text=text)


# Distinct synthetic texts that share almost no words, so that only intended matches match.
TEXTS = {
    1: "The example authority keeps a public register of sample devices.",
    2: "Operators notify the register within thirty days of any placeholder change.",
    3: "Illustrative inspectors may request records from every listed operator.",
    4: "Fictional fines apply when a dummy obligation under this act is breached.",
    5: "Transitional arrangements cover imaginary systems installed before adoption.",
}


def kinds(comparison):
    return [row.kind for row in comparison.rows]


def test_identical_texts_are_all_unchanged():
    left = [p(f"Article {n}", TEXTS[n], heading=f"Heading {n}") for n in (1, 2, 3)]
    right = [p(f"Article {n}", TEXTS[n], heading=f"Heading {n}") for n in (1, 2, 3)]
    result = compare_provisions(left, right)
    assert kinds(result) == [Change.UNCHANGED] * 3
    assert not result.has_differences
    assert result.counts == {
        "unchanged": 3, "changed": 0, "added": 0, "removed": 0, "renumbered": 0, "renumbered_changed": 0
    }
    assert [row.left for row in result.rows] == left
    assert [row.right for row in result.rows] == right


def test_whitespace_only_differences_are_not_changes():
    result = compare_provisions([p("1", "Article 1 text  with\tspaces.")], [p("1", "Article 1 text with spaces. ")])
    assert kinds(result) == [Change.UNCHANGED]


def test_added_provision_appears_in_place():
    left = [p("Article 1", TEXTS[1]), p("Article 2", TEXTS[2])]
    right = [p("Article 1", TEXTS[1]), p("Article 2", TEXTS[2]), p("Article 3", TEXTS[3])]
    result = compare_provisions(left, right)
    assert kinds(result) == [Change.UNCHANGED, Change.UNCHANGED, Change.ADDED]
    assert result.rows[2].right is right[2] and result.rows[2].left is None
    assert result.counts["added"] == 1


def test_removed_provision_follows_its_predecessor():
    left = [p("Article 1", TEXTS[1]), p("Article 2", TEXTS[2]), p("Article 3", TEXTS[3])]
    right = [p("Article 1", TEXTS[1]), p("Article 3", TEXTS[3])]
    result = compare_provisions(left, right)
    assert kinds(result) == [Change.UNCHANGED, Change.REMOVED, Change.UNCHANGED]
    assert result.rows[1].left is left[1] and result.rows[1].right is None


def test_removed_first_provision_comes_first():
    result = compare_provisions([p("1", TEXTS[1]), p("2", TEXTS[2])], [p("2", TEXTS[2])])
    assert kinds(result) == [Change.REMOVED, Change.UNCHANGED]


def test_changed_provision_has_word_level_segments():
    left = [p("Article 1", "Article 1 text: the authority may keep a register.", heading="Register")]
    right = [p("Article 1", "Article 1 text: the authority shall keep a public register.", heading="Register")]
    (row,) = compare_provisions(left, right).rows
    assert row.kind == Change.CHANGED
    assert row.text_diff == [
        Segment("equal", "Article 1 text: the authority "),
        Segment("delete", "may"),
        Segment("insert", "shall"),
        Segment("equal", " keep a"),
        Segment("insert", " public"),
        Segment("equal", " register."),
    ]
    assert not row.heading_changed
    assert row.text_changed


def test_heading_change_alone_is_a_change():
    (row,) = compare_provisions([p("1", TEXTS[1], heading="Old heading")], [p("1", TEXTS[1], heading="New heading")]).rows
    assert row.kind == Change.CHANGED
    assert row.heading_diff == [Segment("delete", "Old"), Segment("insert", "New"), Segment("equal", " heading")]
    assert not row.text_changed


def test_word_diff_keeps_neighbouring_changed_words_together():
    assert word_diff("the quick brown fox.", "a slow brown fox.") == [
        Segment("delete", "the quick"),
        Segment("insert", "a slow"),
        Segment("equal", " brown fox."),
    ]


def test_word_diff_rebuilds_the_new_text_exactly_and_the_old_words():
    old = "Article 1 text (2): one, two;\nthree — four."
    new = "Article 1 text (3): one, three;\n\nfour and five."
    segments = word_diff(old, new)
    assert all(segment.op in ("equal", "insert", "delete") for segment in segments)
    assert "".join(s.text for s in segments if s.op != "delete") == new
    # Unchanged stretches are shown with the new text's spacing.
    rebuilt_old = "".join(s.text for s in segments if s.op != "insert")
    assert rebuilt_old.split() == old.split()


def test_word_diff_deletion_at_the_start_keeps_the_words_apart():
    assert word_diff("Former article 1 text.", "Article 1 text.") == [
        Segment("delete", "Former article"),
        Segment("insert", "Article"),
        Segment("equal", " 1 text."),
    ]
    assert word_diff("Sample article 1 text.", "article 1 text.") == [
        Segment("delete", "Sample "),
        Segment("equal", "article 1 text."),
    ]


def test_word_diff_of_empty_and_new_text():
    assert word_diff("", "Article 1 text.") == [Segment("insert", "Article 1 text.")]
    assert word_diff("Article 1 text.", "") == [Segment("delete", "Article 1 text.")]
    assert word_diff("", "") == []


def test_inserted_article_renumbers_the_rest_by_content():
    left = [p(f"Article {n}", TEXTS[n]) for n in (1, 2, 3, 4)]
    right = [
        p("Article 1", TEXTS[1]),
        p("Article 2", "A brand new example provision about nothing in particular at all."),
        p("Article 3", TEXTS[2]),
        p("Article 4", TEXTS[3]),
        p("Article 5", TEXTS[4]),
    ]
    result = compare_provisions(left, right)
    assert kinds(result) == [
        Change.UNCHANGED,
        Change.ADDED,
        Change.RENUMBERED,
        Change.RENUMBERED,
        Change.RENUMBERED,
    ]
    assert [(row.left.number, row.right.number) for row in result.rows[2:]] == [
        ("Article 2", "Article 3"),
        ("Article 3", "Article 4"),
        ("Article 4", "Article 5"),
    ]
    assert all(row.is_renumbered for row in result.rows[2:])


def test_renumbered_and_changed():
    left = [p("Article 5", TEXTS[5]), p("Article 1", TEXTS[1])]
    right = [p("Article 1", TEXTS[1]), p("Article 6", TEXTS[5].replace("imaginary", "hypothetical"))]
    result = compare_provisions(left, right)
    row = result.rows[1]
    assert row.kind == Change.RENUMBERED_CHANGED
    assert (row.left.number, row.right.number) == ("Article 5", "Article 6")
    assert Segment("delete", "imaginary") in row.text_diff
    assert Segment("insert", "hypothetical") in row.text_diff
    assert compare.MATCH_THRESHOLD <= row.similarity < 1
    assert result.counts["renumbered_changed"] == 1


def test_no_match_below_the_threshold():
    left = [p("Article 7", TEXTS[1])]
    right = [p("Article 8", TEXTS[2])]
    assert compare.similarity(left[0], right[0]) < compare.MATCH_THRESHOLD
    result = compare_provisions(left, right)
    assert sorted(kinds(result)) == sorted([Change.ADDED, Change.REMOVED])


def test_threshold_is_the_boundary():
    # Ten words, six kept in order: ratio exactly 0.6.
    old = p("1", "w1 w2 w3 w4 w5 a1 a2 a3 a4 a5")
    new = p("2", "w1 w2 w3 w4 w5 b1 b2 b3 b4 b5")
    assert compare.similarity(old, new) == pytest.approx(0.5)
    assert sorted(kinds(compare_provisions([old], [new]))) == sorted([Change.ADDED, Change.REMOVED])
    new = p("2", "w1 w2 w3 w4 w5 w6 b2 b3 b4 b5")
    old = p("1", "w1 w2 w3 w4 w5 w6 a2 a3 a4 a5")
    assert compare.similarity(old, new) == pytest.approx(0.6)
    assert kinds(compare_provisions([old], [new])) == [Change.RENUMBERED_CHANGED]


def test_one_provision_is_never_matched_twice():
    left = [p("Article 1", TEXTS[1])]
    right = [p("Article 8", TEXTS[1]), p("Article 9", TEXTS[1])]
    result = compare_provisions(left, right)
    assert kinds(result) == [Change.RENUMBERED, Change.ADDED]
    matched = [row for row in result.rows if row.left is not None and row.right is not None]
    assert len(matched) == 1

    # And the other way round: two old provisions merged into one new one.
    result = compare_provisions([p("1", TEXTS[2]), p("2", TEXTS[2])], [p("3", TEXTS[2])])
    assert sorted(kinds(result)) == sorted([Change.RENUMBERED, Change.REMOVED])


def test_same_number_is_preferred_over_an_equally_good_match():
    left = [p("Article 1", TEXTS[1]), p("Article 2", TEXTS[1])]
    right = [p("Article 2", TEXTS[1])]
    result = compare_provisions(left, right)
    assert kinds(result) == [Change.REMOVED, Change.UNCHANGED]
    assert result.rows[1].left is left[1]


def test_rewritten_article_under_the_same_number_is_changed():
    (row,) = compare_provisions([p("Article 3", TEXTS[3])], [p("Član 3", TEXTS[4])]).rows
    assert row.kind == Change.CHANGED
    assert row.similarity < compare.MATCH_THRESHOLD


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Article 5", "5"),
        ("Art. 5", "5"),
        ("art 5", "5"),
        ("Član 5", "5"),
        ("Члан 5", "5"),
        ("čl. 5.", "5"),
        ("Article 05", "5"),
        ("§ 5", "5"),
        ("5", "5"),
        ("Article 5a", "5a"),
        ("Члан 5а", "5a"),
        ("Article 40 (2)", "40(2)"),
        ("Annex 1", "annex1"),
        ("Clause 3", "clause3"),
        ("", ""),
        (None, ""),
    ],
)
def test_article_numbers_are_normalised(raw, expected):
    assert normalise_number(raw) == expected


def test_differently_written_numbers_match_as_the_same_article():
    left = [p("Article 1", TEXTS[1]), p("Art. 2", TEXTS[2]), p("Annex 3", TEXTS[3])]
    right = [p("Član 1", TEXTS[1]), p("Члан 2", TEXTS[2]), p("čl. 3", TEXTS[3] + " Extra example words.")]
    result = compare_provisions(left, right)
    assert kinds(result)[:2] == [Change.UNCHANGED, Change.UNCHANGED]
    # "Annex" is not an article word, so an annex is not article 3: matched by content.
    assert kinds(result)[2] == Change.RENUMBERED_CHANGED


def test_unnumbered_provisions_match_by_content_only():
    result = compare_provisions([p("", TEXTS[1]), p("", TEXTS[2])], [p("", TEXTS[2]), p("", TEXTS[3])])
    assert kinds(result) == [Change.REMOVED, Change.UNCHANGED, Change.ADDED]


def test_many_provisions_compare_quickly():
    left = [p(f"Article {n}", f"Article {n} text about example topic number {n} and sample {n * 7}.") for n in range(300)]
    right = [left[0], p("Article 0a", "An inserted example article."), *left[1:]]
    result = compare_provisions(left, right)
    assert result.counts["added"] == 1
    assert result.counts["unchanged"] == 300


# Pages ----------------------------------------------------------------------------------


def make_text(instrument, number, articles, **fields):
    """A published version of ``instrument`` with one provision per (number, text[, heading])."""
    version = f.make_version(instrument=instrument, number=number, label=f"Test draft {number}", **fields)
    for position, article in enumerate(articles, start=1):
        number_, text, *rest = article
        f.make_provision(version=version, position=position, number=number_, text=text, heading=rest[0] if rest else "")
    return version


@pytest.fixture
def act(db):
    return f.make_instrument(slug="example-act", title="Example Act")


@pytest.fixture
def two_drafts(act):
    first = make_text(act, 1, [("Article 1", TEXTS[1]), ("Article 2", TEXTS[2]), ("Article 3", TEXTS[3])])
    second = make_text(
        act,
        2,
        [
            ("Article 1", TEXTS[1].replace("public", "open")),
            ("Article 2", "An inserted example provision on sample matters."),
            ("Article 3", TEXTS[2]),
            ("Article 4", TEXTS[4]),
        ],
    )
    return first, second


def compare_path(left, right, language="en"):
    with translation.override(language):
        return reverse(
            "legal:compare",
            kwargs={
                "left": left.instrument.slug,
                "left_number": left.number,
                "right": right.instrument.slug,
                "right_number": right.number,
            },
        )


def test_compare_page_labels_every_kind_of_change(client, two_drafts):
    first, second = two_drafts
    response = client.get(compare_path(first, second))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Example Act" in html
    assert ">Changed<" in html
    assert ">Added<" in html
    assert ">Removed<" in html
    assert "Renumbered: Article 2 → Article 3" in html
    assert "<del><span" in html and ">public</del>" not in html  # deleted words carry a spoken marker
    assert "public<span class=\"vh\">]</span></del>" in html
    assert "open<span class=\"vh\">]</span></ins>" in html
    comparison = response.context["comparison"]
    assert comparison.counts == {
        "unchanged": 0, "changed": 1, "added": 2, "removed": 1, "renumbered": 1, "renumbered_changed": 0
    }
    assert response.context["canonical_url"] == f"http://testserver{compare_path(first, second)}"
    assert f'<link rel="canonical" href="http://testserver{compare_path(first, second)}">' in html


def test_compare_page_links_both_versions_instruments_and_the_swap(client, two_drafts):
    first, second = two_drafts
    html = client.get(compare_path(first, second)).content.decode()
    assert f'href="{first.get_absolute_url()}"' in html
    assert f'href="{second.get_absolute_url()}"' in html
    assert f'href="{first.instrument.get_absolute_url()}"' in html
    assert f'href="{compare_path(second, first)}"' in html
    assert f'href="{reverse("legal:compare_choose")}"' in html


def test_swapped_comparison_reverses_additions_and_removals(client, two_drafts):
    first, second = two_drafts
    counts = client.get(compare_path(second, first)).context["comparison"].counts
    assert (counts["added"], counts["removed"], counts["renumbered"]) == (1, 2, 1)


def test_two_different_instruments_can_be_compared(client, act):
    other = f.make_instrument(slug="example-act-redraft", title="Example Act Redraft")
    old = make_text(act, 1, [("Article 1", TEXTS[1]), ("Article 2", TEXTS[2])])
    new = make_text(other, 1, [("Član 1", TEXTS[1]), ("Član 2", TEXTS[3])])
    response = client.get(compare_path(old, new))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Example Act Redraft" in html and "Example Act (" in html
    assert f'href="{other.get_absolute_url()}"' in html
    assert [row.kind for row in response.context["comparison"].rows] == [Change.UNCHANGED, Change.CHANGED]


def test_a_version_can_be_compared_with_itself(client, two_drafts):
    first, _ = two_drafts
    response = client.get(compare_path(first, first))
    assert response.status_code == 200
    assert "The two texts are the same" in response.content.decode()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"left": "no-such-act", "left_number": 1, "right": "example-act", "right_number": 2},
        {"left": "example-act", "left_number": 1, "right": "no-such-act", "right_number": 1},
        {"left": "example-act", "left_number": 9, "right": "example-act", "right_number": 2},
        {"left": "example-act", "left_number": 1, "right": "example-act", "right_number": 0},
        {"left": "example-act", "left_number": 1, "right": "example-act", "right_number": 99999999999999999999},
    ],
)
def test_unknown_versions_are_404(client, two_drafts, kwargs):
    assert client.get(reverse("legal:compare", kwargs=kwargs)).status_code == 404


def test_html_in_provisions_is_escaped(client, act):
    old = make_text(act, 1, [("Article 1", "Article 1 text <script>alert(1)</script> & more.", "<b>Heading</b>")])
    new = make_text(
        act,
        2,
        [
            ("Article 1", "Article 1 text <img src=x onerror=alert(2)> & more.", "<i>Heading</i>"),
            ("<em>Article 2</em>", "Added text <script>alert(3)</script>"),
        ],
    )
    html = client.get(compare_path(old, new)).content.decode()
    for raw in ("<script>alert", "</script>", "<img", "<b>", "<i>", "<em>"):
        assert raw not in html
    assert "&lt;/<del>" in html  # inside the word diff
    assert "&gt; &amp; more." in html
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in html  # a whole added provision
    assert "&lt;em&gt;Article 2&lt;/em&gt;" in html


def test_version_without_text_says_so_plainly(client, act, two_drafts):
    first, _ = two_drafts
    empty = f.make_version(instrument=act, number=3, label="Announced draft")
    response = client.get(compare_path(first, empty))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("The text of this version is not recorded in the tracker.") == 1
    assert response.context["comparison"] is None
    assert ">Added<" not in html and ">Removed<" not in html


def test_compare_page_in_serbian_latin_and_cyrillic(client, act):
    old = make_text(act, 1, [("Član 1", "Article 1 text.")])
    new = make_text(act, 2, [("Član 1", "Article 1 text, changed.")])
    for version, serbian in ((old, "Tekst primera člana jedan."), (new, "Tekst primera člana jedan, izmenjen.")):
        provision = version.provisions.get()
        provision.text_sr = serbian
        f.save_record(provision, reason="Serbian text")

    latin = client.get(compare_path(old, new, "sr-latn"))
    assert latin.status_code == 200
    assert latin.wsgi_request.path.startswith("/sr-latn/")
    html = latin.content.decode()
    assert '<html lang="sr-latn">' in html
    assert "Tekst primera člana jedan" in html
    assert "izmenjen" in html and "Article 1 text" not in html
    assert 'lang="sr-latn"' in html

    cyrillic = client.get(compare_path(old, new, "sr-cyrl"))
    assert cyrillic.status_code == 200
    html = cyrillic.content.decode()
    assert "Текст примера члана један" in html
    assert "измењен</ins>" in html.replace('<span class="vh">]</span>', "")
    assert f'href="{compare_path(new, old, "sr-cyrl")}"' in html

    english = client.get(compare_path(old, new, "en")).content.decode()
    assert "Article 1 text" in english and "Tekst primera" not in english


def test_serbian_reader_gets_english_when_one_side_has_no_serbian_text(client, act):
    old = make_text(act, 1, [("Član 1", "Article 1 text.")])
    new = make_text(act, 2, [("Član 1", "Article 1 text.")])
    provision = old.provisions.get()
    provision.text_sr = "Tekst primera člana jedan."
    f.save_record(provision, reason="Serbian text")
    response = client.get(compare_path(old, new, "sr-latn"))
    assert response.context["text_language"] == "en"
    assert [row.kind for row in response.context["comparison"].rows] == [Change.UNCHANGED]


def stored(number="Član 1", text_en="", text_sr="", heading_en="", heading_sr=""):
    return SimpleNamespace(
        number=number, position=1, text_en=text_en, text_sr=text_sr, heading_en=heading_en, heading_sr=heading_sr
    )


@pytest.mark.parametrize(
    "reader, left, right, expected",
    [
        ("sr-latn", {"text_en": "a", "text_sr": "b"}, {"text_en": "a", "text_sr": "b"}, "sr"),
        ("sr-cyrl", {"text_en": "a", "text_sr": "b"}, {"text_en": "a"}, "en"),
        ("en", {"text_en": "a", "text_sr": "b"}, {"text_en": "a", "text_sr": "b"}, "en"),
        ("en", {"text_sr": "b"}, {"text_en": "a", "text_sr": "b"}, "sr"),
        ("en", {"text_sr": "b"}, {"text_en": "a"}, None),
    ],
)
def test_comparison_language_is_one_both_texts_have(reader, left, right, expected):
    from legal.views.compare import comparison_language

    assert comparison_language([[stored(**left)], [stored(**right)]], reader) == expected


def test_provision_text_shows_serbian_in_the_readers_script():
    from legal.views.compare import provision_text

    provision = stored(number="Član 1", text_en="Article 1 text.", text_sr="Tekst člana jedan.", heading_sr="Naslov")
    cyrillic = provision_text(provision, "sr", "sr-cyrl")
    assert (cyrillic.number, cyrillic.heading, cyrillic.text, cyrillic.lang) == (
        "Član 1", "Наслов", "Текст члана један.", "sr-cyrl"
    )
    # Readers of English comparing Serbian texts get one script on both sides.
    assert provision_text(stored(text_sr="Текст члана један."), "sr", "en").text == "Tekst člana jedan."
    english = provision_text(provision, "en", "sr-latn")
    assert (english.text, english.heading, english.lang) == ("Article 1 text.", "Naslov", "en")
    # No common language: each provision falls back on its own, like the ``tr`` tag.
    assert provision_text(stored(text_en="Article 1 text."), None, "sr-latn").lang == "en"
    assert provision_text(provision, None, "sr-latn").text == "Tekst člana jedan."


def many_articles(count, changed=""):
    return [(f"Article {n}", f"Article {n} text about sample topic {n}{changed}.") for n in range(1, count + 1)]


def test_compare_page_query_count_does_not_grow_with_the_text(client, django_assert_num_queries, act):
    small_old = make_text(act, 1, many_articles(4))
    small_new = make_text(act, 2, many_articles(5, changed=" and more"))
    with django_assert_num_queries(2):
        assert client.get(compare_path(small_old, small_new)).status_code == 200

    large_old = make_text(act, 3, many_articles(40))
    large_new = make_text(act, 4, many_articles(50, changed=" and more"))
    with django_assert_num_queries(2):
        response = client.get(compare_path(large_old, large_new))
    assert response.status_code == 200
    assert response.context["comparison"].counts["changed"] == 40


# Chooser --------------------------------------------------------------------------------


def test_chooser_lists_every_published_version(client, two_drafts, django_assert_num_queries):
    first, second = two_drafts
    with django_assert_num_queries(1):
        response = client.get(reverse("legal:compare_choose"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="example-act:1">Example Act – Test draft 1 (' in html
    assert '<option value="example-act:2">' in html
    assert 'method="get"' in html
    assert '<label for="id_left">' in html and '<label for="id_right">' in html


def test_chooser_redirects_to_the_canonical_comparison(client, two_drafts):
    first, second = two_drafts
    response = client.get(reverse("legal:compare_choose"), {"left": "example-act:2", "right": "example-act:1"})
    assert response.status_code == 302
    assert response["Location"] == compare_path(second, first)


def test_chooser_redirect_keeps_the_language(client, two_drafts):
    first, second = two_drafts
    with translation.override("sr-cyrl"):
        url = reverse("legal:compare_choose")
    response = client.get(url, {"left": "example-act:1", "right": "example-act:2"})
    assert response.status_code == 302
    assert response["Location"] == compare_path(first, second, "sr-cyrl")


@pytest.mark.parametrize(
    "query",
    [
        {"left": "example-act", "right": "example-act:2"},
        {"left": "example-act:one", "right": "example-act:2"},
        {"left": "example-act:1", "right": "no-such-act:1"},
        {"left": "example-act:1", "right": "example-act:7"},
        {"left": "<script>x</script>:1", "right": "example-act:2"},
        {"left": "example-act:1", "right": ""},
        {"left": "example-act:1"},
    ],
)
def test_chooser_rejects_bad_choices_with_400_and_a_message(client, two_drafts, query):
    response = client.get(reverse("legal:compare_choose"), query)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "The comparison could not be made" in html
    assert "is not a published version" in html or "Choose a version." in html
    assert 'aria-invalid="true"' in html
    assert "<script>x" not in html
    # The valid half of the choice is kept.
    if query.get("left") == "example-act:1":
        assert '<option value="example-act:1" selected>' in html


def test_chooser_without_versions_says_there_is_nothing_to_compare(client, db):
    response = client.get(reverse("legal:compare_choose"))
    assert response.status_code == 200
    assert "nothing to compare" in response.content.decode()
