"""Prices changed outside the page editor (the quick table, CSV imports, the API).

A variant's price lives in its row, which shoppers read, and in the product page's revisions,
which the editor opens and a publish copies back to the row. A price set here is written to
both — the row, and the page's latest and live revisions — so the next publish of an unrelated
edit keeps it instead of bringing the old price back. Price changes go live at once (no
moderation): the row's ``post_save`` moves its card, cached pages and search row, as an edit
in the page editor does when published.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import ProductVariant


@transaction.atomic
def variant_price_set(*, variant: ProductVariant, price: int) -> ProductVariant:
    """Set ``variant``'s price (whole đồng, above 0 and below its compare-at price)."""
    if isinstance(price, bool) or not isinstance(price, int) or price <= 0:
        raise ValidationError({"price": "The price must be a whole number of đồng above 0."})
    if variant.compare_at_price and price >= variant.compare_at_price:
        raise ValidationError({"price": "The price must stay below the compare-at price."})
    variant.price = price
    variant.save(update_fields=["price"])
    page = variant.page
    revisions = {r.pk: r for r in (page.latest_revision, page.live_revision) if r is not None}
    for revision in revisions.values():
        content = revision.content
        touched = False
        for stored in content.get("variants", []):
            # Revisions saved before the variant's first save hold it without a pk: its SKU is
            # unique across the market too.
            same = stored.get("pk") == variant.pk or (
                stored.get("pk") is None and stored.get("sku") == variant.sku
            )
            if same and stored.get("price") != price:
                stored["price"] = price
                touched = True
        if touched:
            revision.save(update_fields=["content"])
    return variant
