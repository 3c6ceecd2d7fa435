"""Order, sub-order and payment states: one transition table each, one function that moves
state (row locked), refuses a forbidden move and writes the audit row (who, when, from,
to, why)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Order, Payment, StatusChange, SubOrder

OrderStatus, SubStatus, PayStatus = Order.Status, SubOrder.Status, Payment.Status

ORDER_TRANSITIONS: dict[str, set[str]] = {
    OrderStatus.AWAITING_PAYMENT: {
        OrderStatus.PROCESSING,
        OrderStatus.CANCELLED,
        OrderStatus.EXPIRED,
    },
    OrderStatus.PROCESSING: {OrderStatus.COMPLETED, OrderStatus.CANCELLED},
    OrderStatus.COMPLETED: set(),
    OrderStatus.CANCELLED: set(),
    # A payment that arrives after expiry revives the order when its stock can be re-reserved.
    OrderStatus.EXPIRED: {OrderStatus.PROCESSING},
}

SUBORDER_TRANSITIONS: dict[str, set[str]] = {
    SubStatus.AWAITING_PAYMENT: {SubStatus.NEW, SubStatus.CANCELLED},
    SubStatus.NEW: {SubStatus.CONFIRMED, SubStatus.CANCELLED},
    SubStatus.CONFIRMED: {SubStatus.PACKED, SubStatus.CANCELLED},
    SubStatus.PACKED: {SubStatus.SHIPPED, SubStatus.CANCELLED},
    SubStatus.SHIPPED: {SubStatus.DELIVERED},
    SubStatus.DELIVERED: set(),
    # Expired orders cancel their sub-orders; a late payment that re-reserves brings them back.
    SubStatus.CANCELLED: {SubStatus.NEW},
}

PAYMENT_TRANSITIONS: dict[str, set[str]] = {
    PayStatus.PENDING: {PayStatus.SUCCEEDED, PayStatus.FAILED, PayStatus.CANCELLED},
    # Stripe lets a shopper retry a failed intent with another card.
    PayStatus.FAILED: {PayStatus.SUCCEEDED, PayStatus.CANCELLED},
    PayStatus.SUCCEEDED: {PayStatus.REFUNDED},
    # A cancelled (expired) intent can still be captured by a late webhook: handled explicitly.
    PayStatus.CANCELLED: {PayStatus.SUCCEEDED},
    PayStatus.REFUNDED: set(),
}

TABLES = {
    Order: ("order", ORDER_TRANSITIONS),
    SubOrder: ("suborder", SUBORDER_TRANSITIONS),
    Payment: ("payment", PAYMENT_TRANSITIONS),
}

# Timestamps set when an object enters a state.
STAMPS = {
    (SubOrder, SubStatus.SHIPPED): "shipped_at",
    (SubOrder, SubStatus.DELIVERED): "delivered_at",
}


class ForbiddenTransition(Exception):
    def __init__(self, obj, from_status: str, to_status: str):
        self.obj, self.from_status, self.to_status = obj, from_status, to_status
        labels = dict(type(obj).Status.choices)
        super().__init__(
            _("This %(subject)s cannot go from “%(from)s” to “%(to)s”.")
            % {
                "subject": type(obj)._meta.verbose_name,
                "from": labels.get(from_status, from_status),
                "to": labels.get(to_status, to_status),
            }
        )


def can_move(obj, to_status: str) -> bool:
    return to_status in TABLES[type(obj)][1][obj.status]


def transition(obj, to_status: str, *, actor=None, reason: str = "", **fields):
    """Move ``obj`` (an Order, SubOrder or Payment) to ``to_status``; returns the locked row.

    ``fields`` are saved with the move (a carrier and tracking number when shipping).
    """
    model = type(obj)
    subject, table = TABLES[model]
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=obj.pk)
        if to_status not in table[locked.status]:
            raise ForbiddenTransition(locked, locked.status, to_status)
        from_status = locked.status
        locked.status = to_status
        for name, value in fields.items():
            setattr(locked, name, value)
        stamp = STAMPS.get((model, to_status))
        if stamp:
            setattr(locked, stamp, timezone.now())
        update = {"status", "updated_at", *fields, *([stamp] if stamp else [])}
        if model is SubOrder:
            locked.status_since = timezone.now()
            update.add("status_since")
        locked.save(update_fields=sorted(update))
        StatusChange.objects.create(
            order_id=locked.pk if model is Order else locked.order_id,
            suborder=locked if model is SubOrder else None,
            payment=locked if model is Payment else None,
            subject=subject,
            from_status=from_status,
            to_status=to_status,
            reason=reason[:500],
            actor=actor if getattr(actor, "pk", None) else None,
        )
    obj.status = locked.status
    for name in update:
        setattr(obj, name, getattr(locked, name))
    return locked


def record_created(obj, *, actor=None, reason: str = "") -> None:
    """The first audit row of a new order, sub-order or payment (from nothing)."""
    model = type(obj)
    StatusChange.objects.create(
        order_id=obj.pk if model is Order else obj.order_id,
        suborder=obj if model is SubOrder else None,
        payment=obj if model is Payment else None,
        subject=TABLES[model][0],
        from_status="",
        to_status=obj.status,
        reason=reason[:500],
        actor=actor if getattr(actor, "pk", None) else None,
    )
