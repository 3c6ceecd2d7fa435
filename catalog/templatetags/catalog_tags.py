from django import template

from catalog.models import Availability

register = template.Library()


@register.filter
def availability_label(value: str) -> str:
    try:
        return Availability(value).label
    except ValueError:
        return ""


@register.filter
def star_range(stars: int | None) -> range:
    return range(stars or 0)
