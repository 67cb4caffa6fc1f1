"""Public forms (read-only filters; submitted with GET)."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from legal import models, timeline
from legal.templatetags.legal_tags import tr

# The earliest year anyone can ask the timeline for; the latest is a few
# years ahead of today, for provisions that apply from a future date.
MIN_YEAR = 1900
YEARS_AHEAD = 10


def _slug_choices(queryset, field_name, everything):
    """``(slug, label in the reader's language)`` for each published record, sorted by label."""
    options = sorted(((record.slug, tr(record, field_name)) for record in queryset), key=lambda c: c[1].casefold())
    return [("", everything), *options]


class TimelineFilterForm(forms.Form):
    """Filters of the public timeline; every value is optional.

    Choices are the slugs of published jurisdictions, actors and attempts, so
    an unknown or unpublished slug is a validation error, as is a year that is
    not a number or outside ``MIN_YEAR`` … today + ``YEARS_AHEAD``.
    """

    jurisdiction = forms.ChoiceField(label=_("Jurisdiction"), required=False)
    kind = forms.ChoiceField(label=_("Type"), required=False)
    actor = forms.ChoiceField(label=_("Actor"), required=False)
    attempt = forms.ChoiceField(label=_("Legislative attempt"), required=False)
    year = forms.IntegerField(label=_("Year"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].choices = _slug_choices(
            models.Jurisdiction.objects.published(), "name", _("All jurisdictions")
        )
        self.fields["kind"].choices = [("", _("All types")), *timeline.kind_choices()]
        self.fields["actor"].choices = _slug_choices(models.Actor.objects.published(), "name", _("All actors"))
        self.fields["attempt"].choices = _slug_choices(
            models.LegislativeAttempt.objects.published(), "title", _("All attempts")
        )
        # Built here rather than on the class so that "today" is today.
        self.fields["year"] = forms.IntegerField(
            label=_("Year"),
            required=False,
            min_value=MIN_YEAR,
            max_value=datetime.date.today().year + YEARS_AHEAD,
            help_text=_("A record whose date spans several years is listed under each of them."),
        )

    def filters(self):
        """The cleaned filters as keyword arguments of ``timeline.timeline_entries`` (empty → ``None``)."""
        names = ("jurisdiction", "kind", "actor", "attempt", "year")
        return {name: (self.cleaned_data.get(name) or None) for name in names}

    @property
    def is_filtered(self):
        return self.is_bound and any(self.data.get(name) for name in self.fields)
