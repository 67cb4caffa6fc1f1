"""E-mail alerts without an account: opt-in, one alert per change, digest, retries, unsubscribe, privacy.

Mail goes through a real SMTP server (aiosmtpd) on the loopback interface.
"""

import datetime
import email
import re
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from alerts import sending
from alerts.models import Change, Delivery, Subscription
from legal import models, workflow
from legal.dates import DatePrecision
from legal.services import save_record, set_links
from tests import factories as f
from tests.test_admin import resubmitted

ADDRESS = "quokka.reader@example.org"
LATER = datetime.timedelta(days=1)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def bodies(self):
        return [message.get_content() for message in self.messages]


@pytest.fixture
def smtp_port(settings):
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_TIMEOUT = 5
    settings.ALERTS_SITE_URL = "https://tracker.example.org"
    return port


@pytest.fixture
def inbox(smtp_port):
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield box
    controller.stop()


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Runs the on-commit hooks of the writes inside it, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def subscribe(client, inbox, target_type, target, frequency="immediate", address=ADDRESS, confirm=True):
    before = len(inbox.messages)
    response = client.post(
        reverse("alerts:subscribe"),
        {"email": address, "target_type": target_type, "target": target, "frequency": frequency},
    )
    assert response.status_code == 302
    assert len(inbox.messages) == before + 1
    confirmation = inbox.messages[-1].get_content()
    link = re.search(r"https://tracker\.example\.org(/en/alerts/confirm/[^/\s]+/)", confirmation)
    if confirm and link:
        assert client.post(link.group(1)).status_code == 200
    return Subscription.objects.get(email=address, target_type=target_type, target=target)


def withdraw(attempt, commit, **fields):
    with commit():
        return save_record(
            models.LifecycleEvent(
                attempt=attempt,
                kind=models.LifecycleEvent.Kind.WITHDRAWN,
                date=datetime.date(2022, 1, 1),
                date_precision=DatePrecision.YEAR,
                summary="The test draft was withdrawn.",
                **fields,
            ),
            reason="Test: withdrawal",
        )


def run_worker(now=None):
    return sending.send_due(now=(now or timezone.now()) + datetime.timedelta(seconds=1))


@pytest.fixture
def published_attempt(db, commit):
    attempt = f.make_attempt(title="Example Quokka Attempt")
    with commit():
        f.make_event(attempt=attempt, kind=models.LifecycleEvent.Kind.PUBLISHED)
    return attempt


# Opt-in --------------------------------------------------------------------------------


def test_nothing_is_sent_before_confirming_and_confirming_twice_is_harmless(client, inbox, published_attempt, commit):
    subscription = subscribe(client, inbox, "attempt", published_attempt.slug, confirm=False)
    assert not subscription.is_confirmed
    withdraw(published_attempt, commit)
    assert run_worker() == 0
    assert len(inbox.messages) == 1  # the confirmation request only
    assert not Delivery.objects.exists()

    confirm_path = reverse("alerts:confirm", kwargs={"token": subscription.token})
    assert "Confirm" in client.get(confirm_path).content.decode()
    subscription.refresh_from_db()
    assert not subscription.is_confirmed  # a GET (a link scanner) confirms nothing
    assert client.post(confirm_path).status_code == 200
    subscription.refresh_from_db()
    first = subscription.confirmed_at
    assert client.post(confirm_path).status_code == 200
    subscription.refresh_from_db()
    assert subscription.confirmed_at == first
    # The earlier change, made before the confirmation, is not sent afterwards.
    assert run_worker() == 0
    assert len(inbox.messages) == 1


# One alert per change ---------------------------------------------------------------------


def test_a_withdrawal_through_save_record_sends_one_alert_saying_before_and_after(client, inbox, published_attempt, commit):
    subscribe(client, inbox, "attempt", published_attempt.slug)
    subscribe(client, inbox, "attempt", published_attempt.slug, address="second.reader@example.org")
    inbox.messages.clear()

    withdraw(published_attempt, commit)
    assert run_worker() == 2
    assert sorted(m["To"] for m in inbox.messages) == [ADDRESS, "second.reader@example.org"]
    body = inbox.messages[0].get_content()
    assert "Example Quokka Attempt: status changed: Draft published → Withdrawn" in body
    assert "The test draft was withdrawn." in body
    assert f"https://tracker.example.org/en/attempts/{published_attempt.slug}/" in body

    assert run_worker() == 0
    assert run_worker(timezone.now() + datetime.timedelta(days=30)) == 0
    assert len(inbox.messages) == 2


def test_a_withdrawal_added_in_the_admin_sends_one_alert(client, superuser_client, inbox, published_attempt, commit):
    subscribe(client, inbox, "attempt", published_attempt.slug)
    inbox.messages.clear()
    url = reverse("admin:legal_lifecycleevent_add")
    data = resubmitted(superuser_client.get(url))
    data.update(
        kind="withdrawn", attempt=str(published_attempt.pk), date="2022-01-01", date_precision="year",
        summary_en="Withdrawn, says the admin.",
    )
    data.pop("provisions", None)
    with commit():
        response = superuser_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors

    assert run_worker() == 1
    assert run_worker() == 0
    body = inbox.messages[0].get_content()
    assert "status changed: Draft published → Withdrawn" in body
    assert "test-admin" not in body and "admin@example.org" not in body  # no staff identity


def test_a_change_noted_twice_is_queued_once(client, inbox, published_attempt, commit):
    subscribe(client, inbox, "attempt", published_attempt.slug)
    event = withdraw(published_attempt, commit)
    from alerts.changes import record_change

    record_change(models.LifecycleEvent, event.pk, created=True)
    assert Change.objects.filter(record_pk=event.pk).count() == 1
    assert Delivery.objects.count() == 1


# Failures ------------------------------------------------------------------------------------


def test_a_worker_crash_after_claiming_loses_nothing_and_sends_once(client, inbox, published_attempt, commit, monkeypatch):
    subscribe(client, inbox, "attempt", published_attempt.slug)
    inbox.messages.clear()
    withdraw(published_attempt, commit)

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    with monkeypatch.context() as patch:
        patch.setattr(sending, "send_claimed", crash)
        with pytest.raises(RuntimeError):
            run_worker()
    assert Delivery.objects.get().state == Delivery.State.SENDING
    message_id = Delivery.objects.get().message_id
    # A second worker within the lease does not touch the claimed rows.
    assert run_worker() == 0
    # After the lease another run takes them over, with the same Message-ID.
    assert run_worker(timezone.now() + sending.LEASE) == 1
    assert run_worker(timezone.now() + sending.LEASE * 3) == 0
    assert len(inbox.messages) == 1
    assert inbox.messages[0]["Message-ID"] == message_id


def test_smtp_down_is_retried_later_then_delivered_once(client, smtp_port, published_attempt, commit):
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    subscribe(client, box, "attempt", published_attempt.slug)
    controller.stop()  # the mail server goes down
    box.messages.clear()

    withdraw(published_attempt, commit)
    assert run_worker() == 0
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts) == (Delivery.State.PENDING, 1)
    assert delivery.next_attempt_at > timezone.now()

    controller = Controller(box, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        assert run_worker() == 0  # not yet: the retry is due later
        assert run_worker(timezone.now() + LATER) == 1
        assert run_worker(timezone.now() + LATER * 2) == 0
    finally:
        controller.stop()
    assert len(box.messages) == 1
    assert "→ Withdrawn" in box.messages[0].get_content()


# Digest and content -----------------------------------------------------------------------------


def test_a_weekly_digest_groups_several_changes_in_one_message(client, inbox, commit, jurisdiction):
    instrument = f.make_instrument(jurisdiction=jurisdiction, title="Example Quokka Law")
    attempt = f.make_attempt(jurisdiction=jurisdiction)
    set_links(attempt, "instruments", [instrument], reason="Test")
    with commit():
        f.make_version(instrument=instrument, label="First test draft")
    subscribe(client, inbox, "jurisdiction", jurisdiction.slug, frequency="weekly")
    inbox.messages.clear()

    with commit():
        f.make_version(instrument=instrument, label="Second test draft")
        ruling = f.make_ruling(summary="The test authority found no legal basis.")
        set_links(ruling, "attempts", [attempt], reason="Test")
    with commit():
        f.make_event(attempt=attempt, kind=models.LifecycleEvent.Kind.ANNOUNCED)
    assert run_worker() == 0  # the week has not ended
    assert run_worker(timezone.now() + datetime.timedelta(days=8)) == 1
    assert run_worker(timezone.now() + datetime.timedelta(days=20)) == 0

    (message,) = inbox.messages
    body = message.get_content()
    assert message["Subject"].startswith("Weekly digest:")
    assert "Example Quokka Law: new version 2, “Second test draft”" in body
    compare = reverse(
        "legal:compare", kwargs={"left": instrument.slug, "left_number": 1, "right": instrument.slug, "right_number": 2}
    )
    assert f"Compare with version 1: https://tracker.example.org{compare}" in body
    assert f"New ruling: {ruling.title}" in body and "The test authority found no legal basis." in body
    assert "status changed: No recorded steps → Announced" in body


def test_a_search_subscription_hears_of_matching_records(db, client, inbox, commit):
    subscribe(client, inbox, "search", "quokka")
    inbox.messages.clear()
    with commit():
        f.make_development(title="Quokka cameras installed")
        f.make_development(title="Unrelated wombat news")
    assert run_worker() == 1
    body = inbox.messages[0].get_content()
    assert "New development: Quokka cameras installed" in body
    assert "wombat" not in body


def test_no_message_at_all_when_the_change_is_not_public(client, inbox, commit, jurisdiction):
    subscribe(client, inbox, "jurisdiction", jurisdiction.slug)
    inbox.messages.clear()
    draft = models.Visibility.DRAFT
    with commit():
        f.make_development(
            slug="secret-draft-plan", title="Secret quokka plan", jurisdiction=jurisdiction, visibility=draft
        )
        hidden_attempt = f.make_attempt(slug="secret-draft-attempt", jurisdiction=jurisdiction, visibility=draft)
        # Published itself, but part of an attempt the public may not see.
        f.make_event(attempt=hidden_attempt, kind=models.LifecycleEvent.Kind.WITHDRAWN)
    assert run_worker() == 0
    assert inbox.messages == []


def test_a_change_unpublished_before_sending_is_skipped_not_sent_empty(
    client, inbox, commit, moderator_user, jurisdiction
):
    subscribe(client, inbox, "jurisdiction", jurisdiction.slug)
    inbox.messages.clear()
    with commit():
        development = f.make_development(slug="secret-removed-later", title="Soon hidden", jurisdiction=jurisdiction)
    assert Delivery.objects.count() == 1
    workflow.remove_record(development, user=moderator_user, reason="Published too early")
    assert run_worker() == 0
    assert inbox.messages == []
    assert Delivery.objects.get().state == Delivery.State.SKIPPED


# Unsubscribing and privacy ---------------------------------------------------------------------


def test_every_alert_has_the_list_unsubscribe_headers(client, inbox, published_attempt, commit):
    subscription = subscribe(client, inbox, "attempt", published_attempt.slug)
    withdraw(published_attempt, commit)
    run_worker()
    message = inbox.messages[-1]
    url = f"https://tracker.example.org{reverse('alerts:unsubscribe', kwargs={'token': subscription.token})}"
    assert str(message["List-Unsubscribe"]).strip() == f"<{url}>"  # may be folded onto its own line
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url in message.get_content()


def test_the_unsubscribe_link_asks_first_then_deletes_the_address(client, inbox, published_attempt, commit):
    subscription = subscribe(client, inbox, "attempt", published_attempt.slug)
    withdraw(published_attempt, commit)  # queued, not yet sent
    path = reverse("alerts:unsubscribe", kwargs={"token": subscription.token})
    page = client.get(path)
    assert page.status_code == 200 and "<button" in page.content.decode()
    assert Subscription.objects.filter(email=ADDRESS).exists()
    assert client.post(path).status_code == 200
    assert not Subscription.objects.filter(email=ADDRESS).exists()
    assert not Delivery.objects.exists()
    inbox.messages.clear()
    assert run_worker() == 0
    assert client.post(path).status_code == 200  # twice is harmless


def test_one_click_post_unsubscribes_without_a_csrf_token_or_confirmation(inbox, published_attempt, client):
    from django.test import Client

    subscription = subscribe(client, inbox, "attempt", published_attempt.slug)
    mail_provider = Client(enforce_csrf_checks=True)
    path = reverse("alerts:unsubscribe", kwargs={"token": subscription.token})
    response = mail_provider.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not Subscription.objects.filter(pk=subscription.pk).exists()


def test_forget_deletes_every_subscription_of_an_address(client, inbox, published_attempt, jurisdiction):
    subscribe(client, inbox, "attempt", published_attempt.slug)
    subscribe(client, inbox, "jurisdiction", jurisdiction.slug, confirm=False)
    subscribe(client, inbox, "attempt", published_attempt.slug, address="other@example.org")
    call_command("forget", ADDRESS.upper())
    assert not Subscription.objects.filter(email__iexact=ADDRESS).exists()
    assert Subscription.objects.filter(email="other@example.org").exists()


def test_subscribing_answers_the_same_whether_or_not_the_address_is_subscribed(client, inbox, published_attempt):
    data = {"email": ADDRESS, "target_type": "attempt", "target": published_attempt.slug, "frequency": "immediate"}
    first = client.post(reverse("alerts:subscribe"), data, follow=True)
    second = client.post(reverse("alerts:subscribe"), data, follow=True)
    assert first.redirect_chain == second.redirect_chain
    assert first.content == second.content
    assert Subscription.objects.count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {"email": "not-an-address", "target_type": "attempt", "frequency": "immediate"},
        {"email": ADDRESS, "target_type": "attempt", "target": "no-such-attempt", "frequency": "immediate"},
        {"email": ADDRESS, "target_type": "nonsense", "frequency": "immediate"},
        {"email": ADDRESS, "target_type": "search", "target": "!!!", "frequency": "immediate"},
        {"email": ADDRESS, "target_type": "attempt", "frequency": "hourly"},
        {},
    ],
)
def test_bad_subscription_input_gets_a_clear_message_not_an_error(client, published_attempt, data, smtp_port):
    data = {"target": published_attempt.slug, **data}
    response = client.post(reverse("alerts:subscribe"), data)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not Subscription.objects.exists()


def test_subscribe_pages_render_and_unknown_targets_do_not_error(client, published_attempt):
    ok = client.get(reverse("alerts:subscribe"), {"target_type": "attempt", "target": published_attempt.slug})
    assert ok.status_code == 200 and "Example Quokka Attempt" in ok.content.decode()
    assert client.get(reverse("alerts:subscribe"), {"target_type": "actor", "target": "nobody"}).status_code == 400
    assert client.get(reverse("alerts:confirm", kwargs={"token": "bogus"})).status_code == 404
    assert client.get(reverse("alerts:unsubscribe", kwargs={"token": "bogus"})).status_code == 200


def test_subscriber_address_never_appears_on_public_pages(client, superuser_client, inbox, published_attempt, commit):
    subscription = subscribe(client, inbox, "attempt", published_attempt.slug)
    withdraw(published_attempt, commit)
    pages = [
        published_attempt.get_absolute_url(),
        published_attempt.jurisdiction.get_absolute_url(),
        reverse("legal:search") + "?q=quokka",
        reverse("alerts:subscribe") + f"?target_type=attempt&target={published_attempt.slug}",
        reverse("alerts:check_inbox"),
        reverse("alerts:confirm", kwargs={"token": subscription.token}),
        reverse("alerts:unsubscribe", kwargs={"token": subscription.token}),
        reverse("admin:alerts_subscription_changelist"),
        reverse("admin:alerts_subscription_change", args=[subscription.pk]),
    ]
    for path in pages:
        browser = superuser_client if path.startswith("/admin/") else client
        response = browser.get(path)
        assert response.status_code == 200, path
        assert ADDRESS not in response.content.decode(), path
    page = client.get(published_attempt.get_absolute_url()).content.decode()
    assert "Get e-mail alerts" in page
