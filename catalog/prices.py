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
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from .models import ProductVariant

PRICE_CHANGED = "ocop.price_changed"


@transaction.atomic
def variant_price_set(*, variant: ProductVariant, price: int, actor=None) -> ProductVariant:
    """Set ``variant``'s price (whole đồng, above 0 and below its compare-at price, read
    again under a row lock); the page's history records who changed it from what to what."""
    if isinstance(price, bool) or not isinstance(price, int) or price <= 0:
        raise ValidationError({"price": _("The price must be a whole number of đồng above 0.")})
    locked = ProductVariant.objects.select_for_update().get(pk=variant.pk)
    if locked.compare_at_price and price >= locked.compare_at_price:
        raise ValidationError(
            {
                "price": _(
                    "The price must stay below the compare-at price %(compare)s đồng (end a "
                    "sale in the product's page)."
                )
                % {"compare": locked.compare_at_price}
            }
        )
    before = locked.price
    variant.price = price
    variant.save(update_fields=["price"])
    if before != price:
        log(
            instance=variant.page,
            action=PRICE_CHANGED,
            user=actor if getattr(actor, "pk", None) else None,
            data={"sku": variant.sku, "from": before, "to": price},
        )
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
