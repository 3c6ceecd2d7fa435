from django import template

from marketplace.money import format_vnd

register = template.Library()


@register.filter
def vnd(amount):
    """``{{ variant.price|vnd }}`` -> ``125.000 ₫``"""
    return format_vnd(amount)
