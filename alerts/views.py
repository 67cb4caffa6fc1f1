"""Public pages of the e-mail alerts: subscribe, check your inbox, confirm, unsubscribe.

No page ever shows an address, and the answer to a subscription request is the
same whether or not the address already follows the target (no enumeration).
"""

import logging

from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from .forms import SubscribeForm, published_target
from .models import Subscription, TargetType
from .sending import absolute, target_title, unsubscribe_url

logger = logging.getLogger(__name__)


def _target_context(target_type, target):
    record = published_target(target_type, target)
    return {"target_record": record, "target_query": target if target_type == TargetType.SEARCH else ""}


class SubscribeView(View):
    template_name = "alerts/subscribe.html"

    def get(self, request):
        initial = {"target_type": request.GET.get("target_type", ""), "target": request.GET.get("target", "")}
        form = SubscribeForm(initial=initial)
        context = {"form": form, **_target_context(initial["target_type"], initial["target"])}
        valid = (initial["target_type"] == TargetType.SEARCH and initial["target"].strip()) or context["target_record"]
        if not valid:
            context["error"] = True
            return render(request, self.template_name, context, status=400 if initial["target_type"] else 200)
        return render(request, self.template_name, context)

    def post(self, request):
        form = SubscribeForm(request.POST)
        if not form.is_valid():
            context = {
                "form": form,
                **_target_context(request.POST.get("target_type", ""), request.POST.get("target", "")),
            }
            return render(request, self.template_name, context, status=400)
        data = form.cleaned_data
        email = data["email"].strip()
        email = email[: email.rfind("@")] + email[email.rfind("@") :].lower()
        try:
            with transaction.atomic():
                subscription, created = Subscription.objects.get_or_create(
                    email=email,
                    target_type=data["target_type"],
                    target=data["target"],
                    defaults={"frequency": data["frequency"], "language": translation.get_language() or "en"},
                )
        except IntegrityError:
            subscription = Subscription.objects.get(email=email, target_type=data["target_type"], target=data["target"])
        if not subscription.is_confirmed and subscription.frequency != data["frequency"]:
            subscription.frequency = data["frequency"]
            subscription.save(update_fields=["frequency"])
        send_confirmation(subscription)
        return redirect("alerts:check_inbox")


def send_confirmation(subscription):
    """The opt-in message (or, for a confirmed address, a note that it already follows)."""
    with translation.override(subscription.language):
        context = {
            "target": target_title(subscription) or subscription.target,
            "already": subscription.is_confirmed,
            "confirm_url": absolute(reverse("alerts:confirm", kwargs={"token": subscription.token})),
            "unsubscribe_url": unsubscribe_url(subscription),
        }
        subject = " ".join(render_to_string("alerts/email/confirm_subject.txt", context).split())
        body = render_to_string("alerts/email/confirm.txt", context)
    message = EmailMessage(subject=subject, body=body, to=[subscription.email])
    try:
        message.send()
    except Exception as error:  # the page must not tell whether anything was sent
        logger.warning("Confirmation for subscription #%s not sent (%s)", subscription.pk, type(error).__name__)


def check_inbox(request):
    return render(request, "alerts/check_inbox.html")


class ConfirmView(View):
    """GET shows a button (link scanners must not confirm); POST confirms. Confirming twice is harmless."""

    def get(self, request, token):
        subscription = Subscription.objects.filter(token=token).first()
        return render(
            request,
            "alerts/confirm.html",
            {"subscription": subscription, "target": target_title(subscription) if subscription else None},
            status=200 if subscription else 404,
        )

    def post(self, request, token):
        subscription = Subscription.objects.filter(token=token).first()
        if subscription is None:
            return render(request, "alerts/confirm.html", {"subscription": None}, status=404)
        Subscription.objects.filter(pk=subscription.pk, confirmed_at__isnull=True).update(confirmed_at=timezone.now())
        return render(
            request,
            "alerts/confirmed.html",
            {"target": target_title(subscription) or subscription.target},
        )


@method_decorator(csrf_exempt, name="dispatch")
class UnsubscribeView(View):
    """GET asks to confirm; POST (the button, or a mail client's RFC 8058 one-click POST) deletes.

    CSRF-exempt on purpose: one-click unsubscribe is a POST from the mail
    provider, without a cookie. The token in the URL is the authorisation, and
    the only thing it can do is delete its own subscription.
    """

    def get(self, request, token):
        subscription = Subscription.objects.filter(token=token).first()
        return render(
            request,
            "alerts/unsubscribe.html",
            {"subscription": subscription, "target": target_title(subscription) if subscription else None},
        )

    def post(self, request, token):
        # The address goes with the subscription; its queued deliveries cascade.
        Subscription.objects.filter(token=token).delete()
        return render(request, "alerts/unsubscribed.html")
