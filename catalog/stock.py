"""Stock changes. Every write is one conditional UPDATE, so concurrent orders never oversell."""

from django.db import transaction
from django.db.models import F

from .models import Stock


class InsufficientStock(Exception):
    def __init__(self, variant_id: int, requested: int):
        super().__init__(f"Not enough stock for variant {variant_id} (requested {requested}).")
        self.variant_id = variant_id
        self.requested = requested


def stock_set_on_hand(*, variant_id: int, on_hand: int) -> Stock:
    """Set the counted quantity; refuses to go below what orders have reserved."""
    if on_hand < 0:
        raise ValueError("Stock on hand cannot be negative.")
    with transaction.atomic():
        stock, _ = Stock.objects.select_for_update().get_or_create(variant_id=variant_id)
        if on_hand < stock.reserved:
            raise InsufficientStock(variant_id, stock.reserved - on_hand)
        stock.on_hand = on_hand
        stock.save(update_fields=["on_hand", "updated_at"])
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


def stock_release(*, variant_id: int, quantity: int) -> None:
    """Give back a reservation (expired or cancelled order)."""
    Stock.objects.filter(variant_id=variant_id, reserved__gte=quantity).update(
        reserved=F("reserved") - quantity
    )


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
