"""Real-browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Nothing is downloaded: the browser is /usr/bin/chromium, which `make test` installs first
(scripts/ensure-chromium). A missing browser fails these tests; only SKIP_BROWSER_TESTS=1
skips them, and says why.
"""

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    # Without these Chromium keeps calling hosts this network refuses.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SKIP_REASON = (
    "SKIP_BROWSER_TESTS=1: the real-browser tests (tests/browser/) were not run; "
    "unset it, with Debian's Chromium at /usr/bin/chromium (bash scripts/ensure-chromium), to run them"
)

# Playwright's sync API keeps an asyncio loop in the test thread for the whole session,
# which makes Django refuse ORM calls there (fixture loading, flushes) unless allowed.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

HERE = Path(__file__).resolve().parent


def skipping_browser_tests():
    return os.environ.get("SKIP_BROWSER_TESTS", "") == "1"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)
            if skipping_browser_tests():
                item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    if skipping_browser_tests():
        terminalreporter.write_sep("-", "browser tests skipped")
        terminalreporter.write_line(SKIP_REASON)


@pytest.fixture(scope="session")
def playwright_driver():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"The browser tests need Debian's Chromium at {CHROMIUM}, which is missing. "
            "Install it with `bash scripts/ensure-chromium` (or `apt-get install -y chromium` as root), "
            "or set SKIP_BROWSER_TESTS=1 to skip these tests.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    driver = sync_playwright().start()
    yield driver
    driver.stop()


@pytest.fixture(scope="session")
def browser(playwright_driver):
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def safe_city(transactional_db):
    """The real Safe City case (fixtures/safe_city.json), loaded into the test database."""
    call_command("load_safe_city", stdout=io.StringIO())


@pytest.fixture
def site(live_server, safe_city):
    """The live server's address, serving the Safe City case."""
    return live_server.url


def new_context(browser, viewport=DESKTOP, **options):
    if viewport == PHONE:
        options.setdefault("is_mobile", True)
        options.setdefault("has_touch", True)
        options.setdefault("device_scale_factor", 2)
    context = browser.new_context(viewport=viewport, locale="en-GB", **options)
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def context(browser):
    context = new_context(browser)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def phone_page(browser):
    context = new_context(browser, PHONE)
    yield context.new_page()
    context.close()


@pytest.fixture
def no_js_page(browser):
    context = new_context(browser, java_script_enabled=False)
    yield context.new_page()
    context.close()
