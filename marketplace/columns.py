"""Listing columns the admin's viewsets share."""

from wagtail.admin.ui.tables import Column

from .money import format_vnd


def money_column(name: str, label) -> Column:
    """A column of đồng written the Vietnamese way (``100.000 ₫``), not ``100000``."""
    return Column(name, label=label, accessor=lambda obj: format_vnd(getattr(obj, name)))
