"""axe-core (WCAG 2.0/2.1 A and AA) finds nothing on any public page type, in English and Serbian
Cyrillic, on a desktop and on a phone, in a real Chromium.

Each page is first checked to answer with its expected status, so a page that is not there yet
fails with a 404 message rather than with the 404 page's own accessibility results.
"""

import pytest

from .support import PAGES, axe_violations, describe_violations, page_url, visit

pytestmark = pytest.mark.browser

LANGUAGES = ["en", "sr-cyrl"]
PHONE_PAGES = {"home", "attempt list", "attempt"}
# Pages in states where problems hide: a form with an error, filters applied, nothing found.
# (state, URL name, URL kwargs, query string, statuses it may answer)
STATES = [
    ("compare chooser with an error", "compare_choose", {}, "?left=draft-police-law-2021:1&right=", (200, 400)),
    ("timeline filtered", "timeline", {}, "?jurisdiction=serbia", (200,)),
    ("search without results", "search", {}, "?q=qqqqzzzz", (200,)),
    ("search form alone", "search", {}, "", (200,)),
    ("history as of a day", "attempt_history", {"slug": "2021-draft-police-law"}, "?as_of=2020-01-01", (200,)),
]


def assert_accessible(page, url, expected_status=200):
    visit(page, url, expected_status)
    violations = axe_violations(page)
    assert not violations, f"axe-core found {len(violations)} WCAG A/AA violation(s) on {url}:\n" + describe_violations(
        violations
    )


# Loading the case takes seconds, so each test loads it once and checks its pages as subtests:
# every page type still passes or fails on its own in the report.


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_public_page_type_has_no_accessibility_violations(site, page, phone_page, subtests, language):
    for page_type, name, kwargs, query in PAGES:
        with subtests.test(page_type, language=language):
            assert_accessible(page, page_url(site, name, kwargs, query, language))
    for state, name, kwargs, query, statuses in STATES:
        with subtests.test(state, language=language):
            assert_accessible(page, page_url(site, name, kwargs, query, language), statuses)
    with subtests.test("404", language=language):
        assert_accessible(page, f"{site}/{language}/no-such-page/", expected_status=404)
    for page_type, name, kwargs, query in PAGES:
        if page_type in PHONE_PAGES:
            with subtests.test(page_type, language=language, viewport="phone"):
                assert_accessible(phone_page, page_url(site, name, kwargs, query, language))
