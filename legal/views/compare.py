"""Two versions of an instrument, or of two instruments, compared provision by provision."""

from dataclasses import dataclass

from django import forms
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from legal.compare import compare_provisions
from legal.models import Instrument, InstrumentVersion, Provision
from legal.templatetags.legal_tags import is_serbian, tr
from legal.translit import to_script

from .base import CanonicalUrlMixin


def published_versions():
    """Published versions of published instruments, with their instrument."""
    return (
        InstrumentVersion.objects.published()
        .filter(instrument__in=Instrument.objects.published())
        .select_related("instrument")
    )


@dataclass(frozen=True)
class ProvisionText:
    """A provision's number, heading and text in the language chosen for the comparison."""

    number: str
    heading: str
    text: str
    lang: str
    position: int


def comparison_language(sides, reader_language):
    """The model language ("en" or "sr") to compare in, or None if no one language covers both.

    The reader's language if every provision on both sides has its text in it,
    else the other language if that one does: comparing a Serbian text with an
    English translation would report every word as changed.
    """
    preferred = "sr" if is_serbian(reader_language) else "en"
    other = "en" if preferred == "sr" else "sr"
    for code in (preferred, other):
        if all(getattr(provision, f"text_{code}") for side in sides for provision in side):
            return code
    return None


def provision_text(provision, code, reader_language):
    """Like the ``tr`` tag, but in the comparison's language ``code`` ("en" or "sr").

    With no common language (``code`` None) each provision falls back on its own,
    as ``tr`` does. Serbian is shown in the reader's script; to readers of
    English, in Latin, so that a text typed in Cyrillic and one typed in Latin
    still compare word by word.
    """
    if code is None:
        preferred = "sr" if is_serbian(reader_language) else "en"
        code = preferred if getattr(provision, f"text_{preferred}") else ("en" if preferred == "sr" else "sr")
    script = reader_language if is_serbian(reader_language) else "sr-latn"
    other = "en" if code == "sr" else "sr"

    def value(field_name):
        for language in (code, other):
            text = getattr(provision, f"{field_name}_{language}") or ""
            if text:
                return to_script(text, script) if language == "sr" else text
        return ""

    return ProvisionText(
        number=provision.number,  # As printed; not transliterated ("Article 5" must not become Cyrillic).
        heading=value("heading"),
        text=value("text"),
        lang=script if code == "sr" else "en",
        position=provision.position,
    )


def compare_url(left, right):
    return reverse(
        "legal:compare",
        kwargs={
            "left": left.instrument.slug,
            "left_number": left.number,
            "right": right.instrument.slug,
            "right_number": right.number,
        },
    )


class CompareView(CanonicalUrlMixin, TemplateView):
    """Any two published versions, side by side in one list of provisions."""

    template_name = "legal/compare.html"

    def get_versions(self):
        left_key = (self.kwargs["left"], self.kwargs["left_number"])
        right_key = (self.kwargs["right"], self.kwargs["right_number"])
        # Both versions and their provisions in two queries, whatever the text's length.
        versions = published_versions().filter(
            Q(instrument__slug=left_key[0], number=left_key[1])
            | Q(instrument__slug=right_key[0], number=right_key[1])
        ).prefetch_related(Prefetch("provisions", queryset=Provision.objects.order_by("position")))
        by_key = {(version.instrument.slug, version.number): version for version in versions}
        if left_key not in by_key or right_key not in by_key:
            raise Http404("No such published version.")
        return by_key[left_key], by_key[right_key]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        left, right = self.get_versions()
        sides = [list(left.provisions.all()), list(right.provisions.all())]
        context.update(
            left=left,
            right=right,
            left_missing=not sides[0],
            right_missing=not sides[1],
            same_instrument=left.instrument_id == right.instrument_id,
            swap_url=compare_url(right, left),
            comparison=None,
        )
        if all(sides):
            reader_language = get_language()
            code = comparison_language(sides, reader_language)
            texts = [[provision_text(p, code, reader_language) for p in side] for side in sides]
            comparison = compare_provisions(texts[0], texts[1])
            context.update(
                comparison=comparison,
                counts=comparison.counts,
                text_language=code,
                mixed_languages=code is None,
            )
        return context


def version_choices():
    """("slug:number", "Instrument – label (date)") for every published version."""
    choices = [
        (
            f"{version.instrument.slug}:{version.number}",
            f"{tr(version.instrument, 'title')} – {tr(version, 'label')} ({version.date_display})",
        )
        for version in published_versions()
    ]
    return sorted(choices, key=lambda choice: choice[1].casefold())


class CompareForm(forms.Form):
    error_messages = {
        "required": _("Choose a version."),
        "invalid_choice": _("“%(value)s” is not a published version. Choose one from the list."),
    }
    left = forms.ChoiceField(label=_("From"), error_messages=error_messages)
    right = forms.ChoiceField(label=_("To"), error_messages=error_messages)

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("left", "right"):
            self.fields[name].choices = [("", _("Choose a version…")), *choices]

    def compare_url(self):
        """The canonical comparison address of the (valid) choice."""
        kwargs = {}
        for side in ("left", "right"):
            slug, number = self.cleaned_data[side].rsplit(":", 1)
            kwargs[side] = slug
            kwargs[f"{side}_number"] = int(number)
        return reverse("legal:compare", kwargs=kwargs)


class CompareChooseView(CanonicalUrlMixin, TemplateView):
    """A plain GET form; a valid choice redirects to the comparison's own address."""

    template_name = "legal/compare_choose.html"

    def get(self, request, *args, **kwargs):
        choices = version_choices()
        status = 200
        if "left" in request.GET or "right" in request.GET:
            form = CompareForm(request.GET, choices=choices)
            if form.is_valid():
                return redirect(form.compare_url())
            status = 400
        else:
            form = CompareForm(choices=choices)
        return self.render_to_response(self.get_context_data(form=form), status=status)
