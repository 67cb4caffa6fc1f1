from django import template
from django.utils.translation import get_language

from legal.translit import to_script

register = template.Library()


def is_serbian(language_code):
    return (language_code or "").startswith("sr")


@register.simple_tag
def tr(record, field_name):
    """A translated field in the reader's language.

    Serbian readers get the Serbian text in their script (transliterated if it
    was typed in the other one), or the English text when there is no Serbian
    one yet. English readers get the English text, or the Serbian one as a
    fallback.
    """
    language = get_language()
    english = getattr(record, f"{field_name}_en", None) or ""
    serbian = getattr(record, f"{field_name}_sr", None) or ""
    if is_serbian(language):
        return to_script(serbian, language) if serbian else english
    return english or serbian


@register.filter
def script(text, language_code=None):
    """Transliterate Serbian text into the active script."""
    return to_script(text, language_code or get_language())


@register.simple_tag
def title_of(record):
    """The reader-language title (or name, or label) of any record."""
    for field_name in ("title", "name", "label"):
        if hasattr(record, f"{field_name}_en"):
            return tr(record, field_name)
        if hasattr(record, field_name) and not callable(getattr(record, field_name)):
            value = getattr(record, field_name)
            if value:
                return value
    return str(record)


@register.filter
def verbose_name(record):
    return record._meta.verbose_name
