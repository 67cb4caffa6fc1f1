from django import template

from legal.models import ChangeRequest

register = template.Library()


@register.simple_tag
def awaiting_review_count():
    """How many submissions wait for a moderator (for the admin index)."""
    return ChangeRequest.objects.awaiting_review().count()
