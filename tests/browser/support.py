"""Helpers for the browser tests: the fixture's own facts, page addresses and axe-core."""

import functools
import json
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from legal import models
from legal.translit import to_script

CASE_FILE = Path(settings.BASE_DIR) / "fixtures" / "safe_city.json"

# WCAG 2.0 and 2.1, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@functools.cache
def case():
    """fixtures/safe_city.json: the only place expected titles come from."""
    return json.loads(CASE_FILE.read_text(encoding="utf-8"))


def record(kind, **match):
    """The fixture entry of ``kind`` (e.g. "attempts") whose fields equal ``match``."""
    found = [entry for entry in case()[kind] if all(entry.get(key) == value for key, value in match.items())]
    assert len(found) == 1, f"{kind} {match}: {len(found)} entries in {CASE_FILE.name}"
    return found[0]


def title(entry, language="en", field="title"):
    """A record's title as the site shows it in ``language`` (Serbian in the reader's script)."""
    if language.startswith("sr") and entry.get(f"{field}_sr"):
        return to_script(entry[f"{field}_sr"], language)
    return entry.get(f"{field}_en") or entry[field]


def path(name, language="en", query="", **kwargs):
    with translation.override(language):
        return reverse(f"legal:{name}", kwargs=kwargs or None) + query


def page_url(site, name, kwargs, query="", language="en"):
    if callable(kwargs):
        kwargs = kwargs()
    return site + path(name, language, query, **kwargs)


ATTEMPT = "2021-draft-police-law"
REDRAFT_INSTRUMENT = "draft-law-2022-second-attempt"
INSTRUMENT = "draft-police-law-2021"


def withdrawal_event():
    return {"pk": models.LifecycleEvent.objects.get(attempt__slug=ATTEMPT, kind="withdrawn").pk}


# Every public page type, on a record of the case:
# (page type, URL name, URL kwargs (or a function giving them), query string)
PAGES = [
    ("home", "home", {}, ""),
    ("timeline", "timeline", {}, ""),
    ("attempt list", "attempt_list", {}, ""),
    ("attempt", "attempt_detail", {"slug": ATTEMPT}, ""),
    ("instrument list", "instrument_list", {}, ""),
    ("instrument", "instrument_detail", {"slug": INSTRUMENT}, ""),
    ("version", "version_detail", {"slug": INSTRUMENT, "number": 1}, ""),
    (
        "compare",
        "compare",
        {"left": INSTRUMENT, "left_number": 1, "right": REDRAFT_INSTRUMENT, "right_number": 1},
        "",
    ),
    ("compare chooser", "compare_choose", {}, ""),
    ("lifecycle event", "event_detail", withdrawal_event, ""),
    ("dpia list", "dpia_list", {}, ""),
    ("dpia", "dpia_detail", {"slug": "moi-safe-city-dpia-round-1"}, ""),
    ("ruling", "ruling_detail", {"slug": "commissioner-declines-dpia-round-1"}, ""),
    ("response list", "response_list", {}, ""),
    # An answer to an MEP question: the page shows the question-and-answer thread.
    ("response with thread", "response_detail", {"slug": "commission-answer-safe-city"}, ""),
    ("development", "development_detail", {"slug": "safe-city-announcement-2019"}, ""),
    ("system", "system_detail", {"slug": "belgrade-safe-city"}, ""),
    ("actor list", "actor_list", {}, ""),
    ("actor", "actor_detail", {"slug": "ministry-of-interior-serbia"}, ""),
    ("jurisdiction list", "jurisdiction_list", {}, ""),
    ("jurisdiction", "jurisdiction_detail", {"slug": "serbia"}, ""),
    ("source list", "source_list", {}, ""),
    ("source", "source_detail", {"slug": "seed-002-focus-allegati-facial-recognition-serbia"}, ""),
    ("history", "attempt_history", {"slug": ATTEMPT}, ""),
    ("search results", "search", {}, "?q=Huawei"),
    ("about", "about", {}, ""),
]


def visit(page, url, expected_status=200):
    """Open ``url``; fail at once, saying so, if it does not answer ``expected_status`` (or one of them)."""
    expected = expected_status if isinstance(expected_status, tuple) else (expected_status,)
    response = page.goto(url)
    assert response is not None, f"no response from {url}"
    if response.status not in expected:
        heading = page.locator("h1").first.text_content() if page.locator("h1").count() else ""
        why = " (is its view still a placeholder?)" if response.status == 404 else ""
        pytest.fail(
            f"{url} answered {response.status} (expected {expected_status}){why}, heading {heading!r}.",
            pytrace=False,
        )
    return response


_axe = Axe()


def axe_violations(page):
    """Run axe-core (bundled with axe-playwright-python, no network) on the loaded page."""
    results = _axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]})
    return results.response["violations"]


def describe_violations(violations):
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    {target}  —  {summary[:300]}")
    return "\n".join(lines)
