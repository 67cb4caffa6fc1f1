"""What readers do, done as they would do it in Chromium: follow links, type, switch languages.

Expected titles come from fixtures/safe_city.json, never from the database or from memory.
"""

import itertools
import re

import pytest
from playwright.sync_api import expect

from .support import ATTEMPT, PAGES, page_url, path, record, title, visit

pytestmark = pytest.mark.browser


def attempt_2021():
    return record("attempts", slug=ATTEMPT)


def exact(text):
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


def url_of(site, name, language="en", **kwargs):
    return re.compile(re.escape(site + path(name, language, **kwargs)) + "$")


def heading(page):
    return page.locator("main h1")


def header_search(page):
    return page.locator("header").get_by_role("search")


def language_links(page):
    return page.locator("header nav.languages a")


def arrive(page, action):
    """Do ``action`` (a click, a key press), and check the page it leads to is there."""
    with page.expect_navigation() as navigation:
        action()
    response = navigation.value
    assert response.status == 200, f"{response.url} answered {response.status}: {heading(page).all_inner_texts()}"
    return response


def search_from_header(page, text, submit_with_button=False):
    form = header_search(page)
    box = form.get_by_role("searchbox")
    box.click()
    box.press_sequentially(text)
    if submit_with_button:
        arrive(page, form.get_by_role("button").click)
    else:
        arrive(page, lambda: box.press("Enter"))


def test_from_home_to_an_attempt_its_comparison_history_and_source(site, page):
    attempt = attempt_2021()
    first_draft = record("instruments", slug="draft-police-law-2021")
    second_draft = record("instruments", slug="draft-law-2022-second-attempt")
    cited = record("sources", slug=attempt["cite"][0]["source"])

    visit(page, site + path("home"))
    arrive(page, page.locator(".card").get_by_role("link", name=title(attempt), exact=True).click)
    expect(page).to_have_url(url_of(site, "attempt_detail", slug=ATTEMPT))
    expect(heading(page)).to_have_text(exact(title(attempt)))

    # The attempt offers to compare its draft with the redraft that followed it.
    comparison = re.compile(re.escape(title(first_draft)) + ".*→.*" + re.escape(title(second_draft)))
    arrive(page, page.get_by_role("link", name=comparison).click)
    expect(page).to_have_url(
        url_of(
            site,
            "compare",
            left=first_draft["slug"],
            left_number=1,
            right=second_draft["slug"],
            right_number=1,
        )
    )
    expect(heading(page)).to_contain_text(title(first_draft))
    expect(heading(page)).to_contain_text(title(second_draft))

    page.go_back()
    expect(heading(page)).to_have_text(exact(title(attempt)))
    arrive(page, page.get_by_role("link", name="History of this record").click)
    expect(page).to_have_url(url_of(site, "attempt_history", slug=ATTEMPT))
    expect(heading(page)).to_contain_text(title(attempt))

    page.go_back()
    sources = page.locator("section", has=page.locator("h2#sources-heading"))
    arrive(page, sources.get_by_role("link", name=title(cited), exact=True).click)
    expect(page).to_have_url(url_of(site, "source_detail", slug=cited["slug"]))
    expect(heading(page)).to_have_text(exact(title(cited)))


def test_compare_chooser_compares_the_2021_and_2022_drafts(site, page):
    first = record("versions", instrument="draft-police-law-2021", number=1)
    second = record("versions", instrument="draft-law-2022-second-attempt", number=1)
    first_instrument = record("instruments", slug=first["instrument"])
    second_instrument = record("instruments", slug=second["instrument"])

    visit(page, site + path("instrument_list"))
    arrive(page, page.locator("main").get_by_role("link", name="Compare two versions or drafts").click)
    expect(page).to_have_url(url_of(site, "compare_choose"))
    form = page.locator("main form")
    # Pick each draft by what its option says, as a reader would.
    for field, instrument, version in (
        ("From", first_instrument, first),
        ("To", second_instrument, second),
    ):
        select = form.get_by_label(field, exact=True)
        option = select.locator("option", has_text=title(instrument)).filter(has_text=title(version, field="label"))
        select.select_option(option.get_attribute("value"))
    arrive(page, form.get_by_role("button").click)

    expect(page).to_have_url(
        url_of(
            site,
            "compare",
            left=first["instrument"],
            left_number=1,
            right=second["instrument"],
            right_number=1,
        )
    )
    expect(heading(page)).to_contain_text(title(first_instrument))
    expect(heading(page)).to_contain_text(title(second_instrument))


def test_search_in_cyrillic_finds_a_record_written_in_latin(site, page):
    announcement = record("developments", slug="safe-city-announcement-2019")

    visit(page, site + path("home"))
    search_from_header(page, "Стефановић")

    expect(page).to_have_url(re.compile(re.escape(site + path("search")) + r"\?q="))
    result = page.locator("main").get_by_role("link", name=title(announcement), exact=True)
    expect(result).to_be_visible()
    arrive(page, result.click)
    expect(page).to_have_url(url_of(site, "development_detail", slug=announcement["slug"]))
    expect(heading(page)).to_have_text(exact(title(announcement)))


def test_language_switch_keeps_the_record(site, page):
    attempt = attempt_2021()
    cyrillic_title = title(attempt, "sr-cyrl")
    assert re.search("[\u0400-\u04ff]", cyrillic_title), cyrillic_title

    visit(page, site + path("attempt_detail", slug=ATTEMPT))
    arrive(page, language_links(page).filter(has_text="Српски (ћирилица)").click)
    expect(page).to_have_url(url_of(site, "attempt_detail", "sr-cyrl", slug=ATTEMPT))
    expect(page.locator("html")).to_have_attribute("lang", "sr-cyrl")
    expect(heading(page)).to_have_text(exact(cyrillic_title))

    arrive(page, language_links(page).filter(has_text="English").click)
    expect(page).to_have_url(url_of(site, "attempt_detail", slug=ATTEMPT))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(heading(page)).to_have_text(exact(title(attempt)))


def test_site_works_without_javascript(site, no_js_page, subtests):
    page = no_js_page
    attempt = attempt_2021()
    announcement = record("developments", slug="safe-city-announcement-2019")

    visit(page, site + path("home"))
    arrive(page, page.locator(".card").get_by_role("link", name=title(attempt), exact=True).click)
    expect(page).to_have_url(url_of(site, "attempt_detail", slug=ATTEMPT))
    expect(heading(page)).to_have_text(exact(title(attempt)))

    search_from_header(page, "Stefanovic", submit_with_button=True)
    expect(page).to_have_url(re.compile(re.escape(site + path("search")) + r"\?q=Stefanovic"))
    expect(page.locator("main").get_by_role("link", name=title(announcement), exact=True)).to_be_visible()

    for page_type, name, kwargs, query in PAGES:
        with subtests.test(page_type, javascript=False):
            visit(page, page_url(site, name, kwargs, query))
            expect(heading(page)).to_be_visible()


def overlap(a, b):
    """The area two bounding boxes share, in square pixels."""
    width = min(a["x"] + a["width"], b["x"] + b["width"]) - max(a["x"], b["x"])
    height = min(a["y"] + a["height"], b["y"] + b["height"]) - max(a["y"], b["y"])
    return max(width, 0) * max(height, 0)


def test_header_search_and_language_links_are_usable_on_a_phone(site, phone_page, subtests):
    for language in ("en", "sr-cyrl"):
        with subtests.test(language=language):
            check_phone_header(phone_page, site, language)


def check_phone_header(page, site, language):
    visit(page, site + path("attempt_detail", language, slug=ATTEMPT))
    viewport = page.viewport_size

    search = header_search(page)
    controls = {
        "site name": page.locator("header .site-name"),
        "search label": search.locator("label"),
        "search box": search.get_by_role("searchbox"),
        "search button": search.get_by_role("button"),
    }
    for index in range(language_links(page).count()):
        link = language_links(page).nth(index)
        controls[f"language link {link.inner_text()!r}"] = link

    boxes = {}
    for name, control in controls.items():
        expect(control, f"{name} is hidden").to_be_visible()
        box = control.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], f"{name} leaves the screen: {box}"
        assert box["height"] >= 16 and box["width"] >= 16, f"{name} is too small to tap: {box}"
        boxes[name] = box
    for (name_a, a), (name_b, b) in itertools.combinations(boxes.items(), 2):
        assert overlap(a, b) < 1, f"{name_a} {a} overlaps {name_b} {b}"
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], "the page scrolls sideways"

    # Both work by touch: switch language, then search.
    other = "en" if language == "sr-cyrl" else "sr-cyrl"
    arrive(page, language_links(page).and_(page.locator(f'[hreflang="{other}"]')).tap)
    expect(page).to_have_url(url_of(site, "attempt_detail", other, slug=ATTEMPT))
    header_search(page).get_by_role("searchbox").fill("Huawei")
    arrive(page, header_search(page).get_by_role("button").tap)
    expect(page).to_have_url(re.compile(re.escape(site + path("search", other)) + r"\?q=Huawei"))
