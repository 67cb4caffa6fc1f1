"""Web-address slugs for records created in the staff area.

Staff never type a slug: it is made from the title or name, in plain Latin
(Serbian Cyrillic is transliterated, diacritics dropped: "Мишљење о DPIA" →
"misljenje-o-dpia"), with a number added when it is taken.
"""

from django.utils.text import slugify

from legal.translit import fold


def unique_slug(model, text, *, field_name="slug"):
    """A slug for ``text`` not yet used by any ``model`` record, drafts and removed ones included."""
    max_length = model._meta.get_field(field_name).max_length
    # Room for a "-123" suffix.
    base = slugify(fold(text or ""))[: max_length - 6].strip("-") or model._meta.model_name
    taken = set(
        model._default_manager.filter(**{f"{field_name}__startswith": base}).values_list(field_name, flat=True)
    )
    candidate, number = base, 2
    while candidate in taken:
        candidate = f"{base}-{number}"
        number += 1
    return candidate
