"""Stock changes. Every write is one conditional UPDATE, so concurrent orders never oversell."""

from django.db import transaction
from django.db.models import F

from .models import LOW_STOCK_THRESHOLD, Stock


class InsufficientStock(Exception):
    def __init__(self, variant_id: int, requested: int):
        super().__init__(f"Not enough stock for variant {variant_id} (requested {requested}).")
        self.variant_id = variant_id
        self.requested = requested


def _state(available: int) -> int:
    """What shoppers see: none, a few left, in stock."""
    return 0 if available <= 0 else 1 if available <= LOW_STOCK_THRESHOLD else 2


def _availability_changed(variant_id: int, delta: int) -> None:
    """After a change of ``delta`` available units: if what shoppers see changed, reindex the
    product and invalidate cached pages (a checkout that leaves 40 of 50 changes nothing)."""
    if not delta:
        return
    row = Stock.objects.filter(pk=variant_id).values_list("on_hand", "reserved").first()
    if row is None:
        return
    after = row[0] - row[1]
    if _state(after) != _state(after - delta):
        from .models import ProductVariant
        from .signals import stock_changed

        stock_changed(
            ProductVariant.objects.filter(pk=variant_id).values_list("page_id", flat=True)
        )


def stock_set_on_hand(*, variant_id: int, on_hand: int) -> Stock:
    """Set the counted quantity; refuses to go below what orders have reserved."""
    if on_hand < 0:
        raise ValueError("Stock on hand cannot be negative.")
    with transaction.atomic():
        stock, _ = Stock.objects.select_for_update().get_or_create(variant_id=variant_id)
        if on_hand < stock.reserved:
            raise InsufficientStock(variant_id, stock.reserved - on_hand)
        delta = on_hand - stock.on_hand
        stock.on_hand = on_hand
        stock.save(update_fields=["on_hand", "updated_at"])
        _availability_changed(variant_id, delta)
        return stock


def stock_reserve(*, variant_id: int, quantity: int) -> None:
    """Reserve ``quantity`` units or raise ``InsufficientStock``; atomic without a lock."""
    if quantity <= 0:
        raise ValueError("Reserve a positive quantity.")
    updated = Stock.objects.filter(
        variant_id=variant_id, on_hand__gte=F("reserved") + quantity
    ).update(reserved=F("reserved") + quantity)
    if updated != 1:
        raise InsufficientStock(variant_id, quantity)
    _availability_changed(variant_id, -quantity)


def stock_release(*, variant_id: int, quantity: int) -> None:
    """Give back a reservation (expired or cancelled order)."""
    if Stock.objects.filter(variant_id=variant_id, reserved__gte=quantity).update(
        reserved=F("reserved") - quantity
    ):
        _availability_changed(variant_id, quantity)


def stock_ship_reserved(*, variant_id: int, quantity: int) -> None:
    """Reserved units leave the warehouse: on hand and reserved both drop."""
    updated = Stock.objects.filter(
        variant_id=variant_id, reserved__gte=quantity, on_hand__gte=quantity
    ).update(on_hand=F("on_hand") - quantity, reserved=F("reserved") - quantity)
    if updated != 1:
        raise InsufficientStock(variant_id, quantity)


def stock_take(*, variant_id: int, quantity: int) -> None:
    """Take unreserved units (a pre-order shipping once the harvest is in stock)."""
    updated = Stock.objects.filter(
        variant_id=variant_id, on_hand__gte=F("reserved") + quantity
    ).update(on_hand=F("on_hand") - quantity)
    if updated != 1:
        raise InsufficientStock(variant_id, quantity)
    _availability_changed(variant_id, -quantity)
