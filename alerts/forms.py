from django import forms
from django.utils.translation import gettext_lazy as _

from legal import models as legal
from legal.search import MAX_QUERY_LENGTH, QueryTooLong, query_terms

from .models import Subscription, TargetType

TARGET_MODELS = {
    TargetType.ATTEMPT: legal.LegislativeAttempt,
    TargetType.JURISDICTION: legal.Jurisdiction,
    TargetType.ACTOR: legal.Actor,
}


def published_target(target_type, target):
    """The published record followed (``None`` for a search or an unknown one)."""
    model = TARGET_MODELS.get(target_type)
    if model is None or not target:
        return None
    return model.objects.published().filter(slug=target).first()


class SubscribeForm(forms.Form):
    email = forms.EmailField(label=_("Your e-mail address"), max_length=254)
    target_type = forms.ChoiceField(choices=TargetType.choices, widget=forms.HiddenInput)
    target = forms.CharField(max_length=MAX_QUERY_LENGTH, widget=forms.HiddenInput)
    frequency = forms.ChoiceField(
        label=_("How often"),
        choices=Subscription.Frequency.choices,
        initial=Subscription.Frequency.IMMEDIATE,
        widget=forms.RadioSelect,
    )

    def clean(self):
        cleaned = super().clean()
        target_type, target = cleaned.get("target_type"), (cleaned.get("target") or "").strip()
        if not target_type or not target:
            raise forms.ValidationError(_("Choose what to follow from a record's page or a search."))
        if target_type == TargetType.SEARCH:
            try:
                terms = query_terms(target)
            except QueryTooLong:
                terms = []
            if not terms:
                raise forms.ValidationError(_("A search to follow needs at least one letter or digit."))
        elif published_target(target_type, target) is None:
            raise forms.ValidationError(_("There is no such record to follow."))
        cleaned["target"] = target
        return cleaned
