"""The moderation cycle in Chromium, done as staff and moderators do it: a staff member logs a
ruling from a phone, a moderator returns it with a comment, the staff member fixes it, the
moderator approves it, and the public sees it, attributed to no one. And two people saving the
same draft: the later, stale save is refused and keeps what its author typed.

The users log in through the login page with real passwords; the authority and the source are
the Safe City case's own (fixtures/safe_city.json). Every text typed here is a test text.
"""

import datetime
import importlib

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from legal import models, workflow
from legal.dates import DatePrecision
from tests import factories
from tests.conftest import ensure_role_groups

from .conftest import DESKTOP, PHONE, new_context
from .support import axe_violations, describe_violations, path, record, title, visit

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery-staple-7"

# People: none of these may ever reach a public page. Distinctive, so that a match is a leak.
STAFF = {
    "username": "qz-staffmember",
    "first_name": "Quenbyfirst",
    "last_name": "Stafflastname",
    "email": "qz-staff@example.org",
}
MODERATOR = {
    "username": "qz-moderator",
    "first_name": "Ximenafirst",
    "last_name": "Modlastname",
    "email": "qz-moderator@example.org",
}

FIRST_TITLE = "Test ruling entered in a browser test (first wording)"
FIXED_TITLE = "Test ruling entered in a browser test"
SUMMARY = "Test summary entered in a browser test."
NOTE = "Test note to the moderators, entered in a browser test."
COMMENT = "Test comment from the moderator: drop the words in brackets from the title."
PUBLIC_REASON = "Test public reason entered in a browser test."
SEARCH_WORDS = "ruling entered browser test"


def roles_migration():
    return importlib.import_module("legal.migrations.0005_roles")


@pytest.fixture
def roles(transactional_db, settings):
    """The staff and moderator groups (a transactional test's flush removed them), one user in each.

    A fast password hasher: the users log in with real passwords, and the default hasher costs
    a second per login.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    ensure_role_groups()  # transactional tests flush the groups the migration made
    users = {}
    for role, fields, group in (
        ("staff", STAFF, roles_migration().STAFF),
        ("moderator", MODERATOR, roles_migration().MODERATORS),
    ):
        user = get_user_model().objects.create_user(password=PASSWORD, **fields)
        user.groups.add(Group.objects.get(name=group))
        users[role] = user
    return users


# Helpers ---------------------------------------------------------------------------------------------


def arrive(page, action):
    """Do ``action`` (a click, a tap), and check the page it leads to is there."""
    with page.expect_navigation() as navigation:
        action()
    response = navigation.value
    assert response.status == 200, f"{response.url} answered {response.status}: {heading(page).all_inner_texts()}"
    return response


def log_in(page, site, user):
    visit(page, f"{site}/staff/login/")
    page.get_by_label("Username", exact=True).fill(user.username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    arrive(page, page.get_by_role("button", name="Log in").click)
    expect(page).to_have_url(f"{site}/staff/")
    expect(heading(page)).to_have_text("My work")


def heading(page):
    return page.locator("main h1")


def messages(page):
    return page.locator("main ul.messages")


def assert_accessible(page):
    violations = axe_violations(page)
    assert not violations, f"axe-core found {len(violations)} WCAG A/AA violation(s) on {page.url}:\n" + (
        describe_violations(violations)
    )


def choose_in_lookup(page, label, typed, option_name):
    """Pick a record in a search-as-you-type field: type part of its name, tap the match."""
    box = page.get_by_role("combobox", name=label)
    box.click()
    box.press_sequentially(typed)
    listbox = page.get_by_role("listbox", name=label)
    option = listbox.get_by_role("option", name=option_name, exact=True)
    expect(option).to_be_visible()
    option.tap()
    expect(chosen_in(page, label)).to_contain_text(option_name)
    expect(listbox).to_be_hidden()


def chosen_in(page, label):
    """What a search-as-you-type field holds: shown next to its box, each with a remove button."""
    return page.get_by_role("combobox", name=label).locator("xpath=..").locator(".lookup-chosen")


def staff_nav(page, name):
    return page.get_by_role("navigation", name="Staff").get_by_role("link", name=name, exact=True)


def public_texts(page):
    """The whole page as the browser has it, markup and text."""
    return page.content() + page.locator("body").inner_text()


# The whole cycle -------------------------------------------------------------------------------------


def test_staff_logs_a_ruling_on_a_phone_moderator_returns_then_approves_and_public_sees_no_names(
    live_server, safe_city, roles, browser
):
    site = live_server.url
    commissioner = record("actors", slug="commissioner-serbia")
    commissioner_name = title(commissioner, field="name")
    seed_source = record("sources", slug="seed-002-focus-allegati-facial-recognition-serbia")
    source_title = title(seed_source)

    staff_context = new_context(browser, PHONE)
    moderator_context = new_context(browser)
    public_context = new_context(browser)
    try:
        staff = staff_context.new_page()
        moderator = moderator_context.new_page()
        public = public_context.new_page()

        # Staff, on a phone: log the ruling and submit it for review.
        log_in(staff, site, roles["staff"])
        assert_accessible(staff)
        arrive(staff, staff.get_by_role("link", name="Log a development").tap)
        expect(heading(staff)).to_have_text("What happened?")
        assert_accessible(staff)
        arrive(staff, staff.get_by_role("link", name="A ruling, opinion or inspection of a supervisory authority").tap)
        expect(heading(staff)).to_have_text("A ruling, opinion or inspection of a supervisory authority")
        form = staff.locator("main form.log-form")
        expect(form.get_by_role("combobox", name="Supervisory authority")).to_be_visible()
        assert_accessible(staff)

        expect(form.get_by_role("radio", name="English")).to_be_checked()
        form.get_by_label("What kind", exact=True).select_option(label="Statement")
        form.get_by_label("Title", exact=True).fill(FIRST_TITLE)
        form.get_by_label("When", exact=True).fill("2024-03-01")
        form.get_by_label("How exact is the date?", exact=True).select_option(label="Month")
        form.get_by_label("Outcome", exact=True).select_option(label="No formal outcome")
        # Part of the name, as someone in a hurry types it.
        choose_in_lookup(staff, "Supervisory authority", commissioner_name.split()[0][:8], commissioner_name)
        form.get_by_label("Summary", exact=True).fill(SUMMARY)
        sources = form.locator("fieldset.source-row").first
        choose_in_lookup(staff, "An existing source", " ".join(source_title.split()[:2]), source_title)
        reliability = sources.get_by_label("Reliability of the source", exact=True)
        reliability.select_option(label="C – Sufficiently trustworthy")
        sources.get_by_label("Credibility of the information", exact=True).select_option(label="2 – Presumably true")
        form.get_by_label("Note to moderators", exact=True).fill(NOTE)
        arrive(staff, form.get_by_role("button", name="Submit for review").tap)
        expect(messages(staff)).to_contain_text("Submitted for review")
        expect(heading(staff)).to_contain_text(FIRST_TITLE)
        change_url = staff.url

        # Not public yet: no page, no history, no search result. (The address a reader would
        # need is read from the database: nothing public gives it away.)
        ruling = models.Ruling.objects.get(title_en=FIRST_TITLE)
        assert ruling.visibility == models.Visibility.DRAFT
        visit(public, site + path("ruling_detail", slug=ruling.slug), expected_status=404)
        visit(public, site + path("ruling_history", slug=ruling.slug), expected_status=404)
        visit(public, site + path("search", query="?q=" + SEARCH_WORDS.replace(" ", "+")))
        expect(public.locator("main")).to_contain_text("No record matches")
        expect(public.locator("main")).not_to_contain_text(FIRST_TITLE)

        # The moderator, at a desk: return it with a comment.
        log_in(moderator, site, roles["moderator"])
        arrive(moderator, staff_nav(moderator, "Review queue").click)
        awaiting = moderator.locator("section", has=moderator.locator("h2#submitted-heading"))
        arrive(moderator, awaiting.get_by_role("link", name=FIRST_TITLE).click)
        expect(heading(moderator)).to_have_text(FIRST_TITLE)
        expect(moderator.locator("main")).to_contain_text(NOTE)
        expect(moderator.locator("main")).to_contain_text(commissioner_name)
        expect(moderator.locator("main")).to_contain_text(source_title)
        assert_accessible(moderator)
        # Moderators review on phones too.
        moderator.set_viewport_size(PHONE)
        assert_accessible(moderator)
        moderator.set_viewport_size(DESKTOP)
        returning = moderator.locator("form.decision-return")
        returning.get_by_label("What needs to change").fill(COMMENT)
        arrive(moderator, returning.get_by_role("button", name="Return with this comment").click)
        expect(messages(moderator)).to_contain_text(f"Returned to its author: “{FIRST_TITLE}”")

        # Staff: the returned ruling waits on the dashboard with the comment; fix the title, submit again.
        arrive(staff, staff_nav(staff, "My work").tap)
        returned = staff.locator("section", has=staff.locator("h2#returned-heading"))
        expect(returned.get_by_role("link", name=FIRST_TITLE)).to_be_visible()
        expect(returned.locator("blockquote.comment")).to_have_text(COMMENT)
        assert_accessible(staff)
        arrive(staff, returned.get_by_role("link", name=FIRST_TITLE).tap)
        expect(staff).to_have_url(change_url)
        arrive(staff, staff.locator("main").get_by_role("link", name="Edit", exact=True).tap)
        form = staff.locator("main form.log-form")
        expect(staff.locator("main blockquote.comment")).to_have_text(COMMENT)
        expect(form.get_by_label("Title", exact=True)).to_have_value(FIRST_TITLE)
        # The authority and the source chosen before are still there.
        expect(chosen_in(staff, "Supervisory authority")).to_contain_text(commissioner_name)
        expect(form).to_contain_text(source_title)
        assert_accessible(staff)
        form.get_by_label("Title", exact=True).fill(FIXED_TITLE)
        arrive(staff, form.get_by_role("button", name="Submit for review").tap)
        expect(messages(staff)).to_contain_text("Submitted for review")
        expect(heading(staff)).to_contain_text(FIXED_TITLE)

        # The moderator approves it, with a public reason.
        arrive(moderator, staff_nav(moderator, "Review queue").click)
        awaiting = moderator.locator("section", has=moderator.locator("h2#submitted-heading"))
        arrive(moderator, awaiting.get_by_role("link", name=FIXED_TITLE).click)
        expect(heading(moderator)).to_have_text(FIXED_TITLE)
        approving = moderator.locator("form.decision-approve")
        approving.get_by_label("Public reason").fill(PUBLIC_REASON)
        arrive(moderator, approving.get_by_role("button", name="Approve", exact=True).click)
        expect(messages(moderator)).to_contain_text(f"Published: “{FIXED_TITLE}”")

        # Staff find the public page from their dashboard.
        arrive(staff, staff_nav(staff, "My work").tap)
        decided = staff.locator("section", has=staff.locator("h2#decided-heading"))
        arrive(staff, decided.get_by_role("link", name=FIXED_TITLE).tap)
        public_link = staff.get_by_role("link", name="See it on the public site")
        public_url = site + public_link.get_attribute("href")

        # The public: the ruling, by the Commissioner, with its source; its history says "Created" and why.
        visit(public, public_url)
        expect(heading(public)).to_have_text(FIXED_TITLE)
        issued_by = public.locator("dl.facts dt", has_text="Issued by").locator("xpath=following-sibling::dd[1]")
        expect(issued_by).to_have_text(commissioner_name)
        expect(public.locator("main")).to_contain_text(SUMMARY)
        expect(public.locator("main").get_by_role("link", name=source_title, exact=True)).to_be_visible()
        record_page = public_texts(public)
        arrive(public, public.get_by_role("link", name="History of this record").click)
        expect(heading(public)).to_contain_text(FIXED_TITLE)
        entries = public.locator("ol.history-entries > li")
        expect(entries).to_have_count(1)
        expect(entries.first.locator("h3")).to_contain_text("Created")
        expect(entries.first).to_contain_text(PUBLIC_REASON)
        expect(entries.first).to_contain_text("the editorial team")
        history_page = public_texts(public)

        # Found by the public search now.
        visit(public, site + path("search", query="?q=" + SEARCH_WORDS.replace(" ", "+")))
        expect(public.locator("main").get_by_role("link", name=FIXED_TITLE, exact=True)).to_be_visible()

        private = [
            *(value for user in (STAFF, MODERATOR) for value in user.values()),
            COMMENT,
            NOTE,
            FIRST_TITLE,
        ]
        for name, text in (("public page", record_page), ("public history", history_page)):
            for secret in private:
                assert secret.casefold() not in text.casefold(), f"the {name} shows {secret!r}"
    finally:
        for context in (staff_context, moderator_context, public_context):
            context.close()


# Two people, one draft -------------------------------------------------------------------------------

OTHER_SUMMARY = "Test summary saved first, by the author, in a browser test."
MY_TITLE = "Test ruling title typed by the moderator in a browser test"


@pytest.fixture
def draft(roles):
    """A submitted ruling of the staff member, made through the workflow (the cycle above logs one by hand)."""
    ruling = models.Ruling(
        slug="test-browser-stale-ruling",
        title_en="Test ruling for a browser test of two editors",
        summary_en="Test summary as first saved.",
        kind=models.Ruling.Kind.STATEMENT,
        outcome=models.Ruling.Outcome.CONCERNS,
        date=datetime.date(2020, 9, 1),
        date_precision=DatePrecision.MONTH,
        authority=factories.make_supervisory_authority(),
    )
    citation = models.Citation(source=factories.make_source(), reliability="B", credibility="2")
    return workflow.create_draft(ruling, user=roles["staff"], citations=[citation], submit=True)


def test_stale_save_of_a_draft_is_refused_showing_the_other_change_and_keeping_the_input(
    live_server, roles, draft, browser
):
    site = live_server.url
    edit_url = f"{site}/staff/changes/{draft.pk}/edit/"
    author_context = new_context(browser, PHONE)
    moderator_context = new_context(browser)
    try:
        author = author_context.new_page()
        moderator = moderator_context.new_page()
        log_in(author, site, roles["staff"])
        log_in(moderator, site, roles["moderator"])
        visit(author, edit_url)
        visit(moderator, edit_url)

        # The author saves first.
        author.get_by_label("Summary", exact=True).fill(OTHER_SUMMARY)
        arrive(author, author.get_by_role("button", name="Save changes").tap)
        expect(messages(author)).to_contain_text("Changes saved. It is still waiting for review.")

        # The moderator, still on the form loaded before, saves a new title: refused.
        moderator.get_by_label("Title", exact=True).fill(MY_TITLE)
        arrive(moderator, moderator.get_by_role("button", name="Save changes").click)
        stale = moderator.locator("#stale")
        expect(stale).to_be_visible()
        expect(stale.get_by_role("heading")).to_have_text("Someone else saved this in the meantime")
        expect(stale.locator("li", has_text="Summary")).to_contain_text(OTHER_SUMMARY)
        expect(moderator.get_by_label("Title", exact=True)).to_have_value(MY_TITLE)
        ruling = models.Ruling.objects.get(pk=draft.object_id)
        assert ruling.title_en == "Test ruling for a browser test of two editors"
        assert ruling.summary_en == OTHER_SUMMARY

        # Having seen the other change, saving again is the moderator's decision.
        arrive(moderator, moderator.get_by_role("button", name="Save changes").click)
        expect(messages(moderator)).to_contain_text("Changes saved. It is still waiting for review.")
        ruling.refresh_from_db()
        assert ruling.title_en == MY_TITLE
    finally:
        author_context.close()
        moderator_context.close()
