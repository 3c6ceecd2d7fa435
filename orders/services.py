"""What happens to orders: checkout, payments arriving or failing, expiry, cancellation,
fulfilment by the cooperatives and refunds. Views, webhooks, tasks and the admin call these;
none of them changes an order's state any other way.

Side effects (e-mails, Stripe calls that may wait) go through the outbox after commit.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalog.models import ProductVariant
from catalog.stock import (
    InsufficientStock,
    stock_release,
    stock_reserve,
    stock_ship_reserved,
    stock_take,
)
from marketplace.locations import UnknownLocation, get_province, get_ward
from marketplace.outbox import enqueue

from . import pricing
from .models import Order, OrderLine, Payment, PaymentMethod, Refund, SubOrder
from .states import can_move, record_created, transition

logger = logging.getLogger(__name__)
OrderStatus, SubStatus, PayStatus = Order.Status, SubOrder.Status, Payment.Status


class CheckoutError(Exception):
    """Checkout refused; ``message`` is for the shopper, nothing was saved."""

    def __init__(self, message: str, *, variant_ids: list[int] | None = None):
        super().__init__(message)
        self.message = message
        self.variant_ids = variant_ids or []


class OutOfStock(CheckoutError):
    pass


class PriceChanged(CheckoutError):
    def __init__(self, message: str, *, new_prices: dict[int, int]):
        super().__init__(message, variant_ids=list(new_prices))
        self.new_prices = new_prices


class NotForSale(CheckoutError):
    pass


class OrderActionError(Exception):
    """An action on an existing order that cannot be done now; ``str()`` says why."""


@dataclass(frozen=True)
class CheckoutLine:
    variant_id: int
    quantity: int
    unit_price_seen: int


@dataclass(frozen=True)
class Customer:
    full_name: str
    phone: str
    email: str
    province_code: int
    ward_code: int
    address_line: str
    delivery_note: str = ""


def sellable_variants(variant_ids) -> dict[int, ProductVariant]:
    return {
        v.pk: v
        for v in ProductVariant.objects.select_related("page__cooperative", "stock").filter(
            pk__in=list(variant_ids)
        )
    }


def why_not_for_sale(variant: ProductVariant | None) -> str | None:
    if variant is None:
        return _("This product is no longer sold.")
    page = variant.page
    if not (variant.is_active and page.live):
        return _("%(name)s is no longer on sale.") % {
            "name": f"{page.title} — {variant.unit_label}"
        }
    if page.cooperative is None or not page.cooperative.is_approved:
        return _("%(coop)s is not selling at the moment.") % {
            "coop": page.cooperative.name if page.cooperative else page.title
        }
    return None


def _check_address(customer: Customer) -> None:
    try:
        province = get_province(customer.province_code)
        ward = get_ward(customer.ward_code)
    except UnknownLocation:
        raise CheckoutError(_("Choose your province and commune from the lists.")) from None
    if ward.province_code.value != province.code.value:
        raise CheckoutError(
            _("%(ward)s is not in %(province)s.") % {"ward": ward.name, "province": province.name}
        )


def place_order(
    *,
    lines: list[CheckoutLine],
    customer: Customer,
    payment_method: str,
    user=None,
    language: str = "vi",
) -> Order:
    """Reserve stock and create the order, its sub-orders, lines and payment, atomically.

    Raises ``CheckoutError`` (nothing saved, nothing reserved) when the cart is empty, a
    variant is no longer for sale or changed its price, or stock ran out.
    """
    if not lines:
        raise CheckoutError(_("Your cart is empty."))
    if payment_method not in PaymentMethod.values:
        raise CheckoutError(_("Choose a payment method."))
    if payment_method == PaymentMethod.CARD and not card_payments_enabled():
        raise CheckoutError(_("Card payment is not available; choose another method."))
    _check_address(customer)
    maximum = settings.ORDER_MAX_LINE_QUANTITY
    for line in lines:
        if not 0 < line.quantity <= maximum:
            raise CheckoutError(
                _("Quantities go from 1 to %(max)s.") % {"max": maximum},
                variant_ids=[line.variant_id],
            )
    variants = sellable_variants(line.variant_id for line in lines)
    for line in lines:
        problem = why_not_for_sale(variants.get(line.variant_id))
        if problem:
            raise NotForSale(problem, variant_ids=[line.variant_id])
    changed = {
        line.variant_id: variants[line.variant_id].price
        for line in lines
        if variants[line.variant_id].price != line.unit_price_seen
    }
    if changed:
        raise PriceChanged(
            _("A price changed since you added it to your cart: check the new total."),
            new_prices=changed,
        )

    priced = [
        pricing.PricedLine(
            variant_id=line.variant_id,
            cooperative_id=variants[line.variant_id].page.cooperative_id,
            unit_price=variants[line.variant_id].price,
            quantity=line.quantity,
            weight_g=variants[line.variant_id].net_weight_g,
        )
        for line in lines
    ]
    quote = pricing.quote(priced)
    prepaid = payment_method != PaymentMethod.COD
    now = timezone.now()

    with transaction.atomic():
        # Reserve in primary-key order (one conditional UPDATE each: never oversold).
        preorder: set[int] = set()
        short: list[str] = []
        for line in sorted(lines, key=lambda item: item.variant_id):
            variant = variants[line.variant_id]
            try:
                stock_reserve(variant_id=line.variant_id, quantity=line.quantity)
            except InsufficientStock:
                if variant.page.preorder_open:
                    preorder.add(line.variant_id)
                else:
                    short.append(f"{variant.page.title} — {variant.unit_label}")
        if short:
            # Leaving the block by an exception rolls back the reservations already made.
            raise OutOfStock(
                ngettext(
                    "Out of stock: %(items)s. Lower the quantity or remove it.",
                    "Out of stock: %(items)s. Lower the quantities or remove them.",
                    len(short),
                )
                % {"items": ", ".join(short)},
                variant_ids=[line.variant_id for line in lines if line.variant_id not in preorder],
            )
        order = Order.objects.create(
            user=user if getattr(user, "pk", None) else None,
            full_name=customer.full_name,
            phone=customer.phone,
            email=customer.email,
            province_code=customer.province_code,
            ward_code=customer.ward_code,
            address_line=customer.address_line,
            delivery_note=customer.delivery_note,
            payment_method=payment_method,
            status=OrderStatus.AWAITING_PAYMENT if prepaid else OrderStatus.PROCESSING,
            subtotal=quote.subtotal,
            shipping_total=quote.shipping_total,
            total=quote.total,
            language=language,
            expires_at=now + timedelta(minutes=settings.ORDER_RESERVATION_MINUTES)
            if prepaid
            else None,
        )
        record_created(order, actor=user, reason="checkout")
        order_lines = []
        suborders = []
        for part in quote.parts:
            suborder = SubOrder.objects.create(
                order=order,
                cooperative_id=part.cooperative_id,
                status=SubStatus.AWAITING_PAYMENT if prepaid else SubStatus.NEW,
                subtotal=part.subtotal,
                shipping=part.shipping,
            )
            suborders.append(suborder)
            record_created(suborder, actor=user, reason="checkout")
            for item in part.lines:
                variant = variants[item.variant_id]
                is_preorder = item.variant_id in preorder
                order_lines.append(
                    OrderLine(
                        suborder=suborder,
                        variant=variant,
                        product_title=variant.page.title,
                        unit_label=variant.unit_label,
                        sku=variant.sku,
                        gtin=variant.gtin or "",
                        cooperative_name=variant.page.cooperative.name,
                        unit_price=item.unit_price,
                        quantity=item.quantity,
                        line_total=item.total,
                        weight_g=item.weight_g,
                        preorder=is_preorder,
                        reserved=0 if is_preorder else item.quantity,
                    )
                )
        OrderLine.objects.bulk_create(order_lines)
        payment = Payment.objects.create(order=order, method=payment_method, amount=order.total)
        record_created(payment, actor=user, reason="checkout")
        enqueue("orders.tasks.send_order_placed", order_id=order.pk)
        _notice_low_stock(
            [line.variant_id for line in lines if line.variant_id not in preorder], variants
        )
        if not prepaid:
            for suborder in suborders:
                enqueue("orders.tasks.send_suborder_new", suborder_id=suborder.pk)
    return order


def _notice_low_stock(variant_ids: list[int], variants: dict) -> None:
    """Tell the cooperative when this checkout left a variant with only a few units.

    ``variants`` were read (with their stock) before the reservations; a notice goes out
    only when this checkout crossed the threshold, not on every later sale.
    """
    from catalog.models import LOW_STOCK_THRESHOLD, Stock

    for stock in Stock.objects.filter(variant_id__in=variant_ids):
        before = variants[stock.variant_id].stock.available
        if stock.available <= LOW_STOCK_THRESHOLD < before:
            enqueue("orders.tasks.send_low_stock", variant_id=stock.variant_id)


def card_payments_enabled() -> bool:
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_PUBLISHABLE_KEY)


# --- payments ---------------------------------------------------------------


def _release_lines(lines) -> None:
    for line in lines:
        if line.reserved:
            stock_release(variant_id=line.variant_id, quantity=line.reserved)
            OrderLine.objects.filter(pk=line.pk).update(reserved=0)
            line.reserved = 0


def _reserve_again(order: Order) -> bool:
    """Re-reserve an expired order's stock in one go; False (nothing held) if any is short."""
    try:
        with transaction.atomic():
            for line in OrderLine.objects.filter(suborder__order=order, preorder=False).order_by(
                "variant_id"
            ):
                if line.variant_id is None:
                    raise InsufficientStock(0, line.quantity)
                stock_reserve(variant_id=line.variant_id, quantity=line.quantity)
                OrderLine.objects.filter(pk=line.pk).update(reserved=line.quantity)
    except InsufficientStock:
        return False
    return True


def payment_succeeded(payment: Payment, *, provider_ref: str = "", actor=None, reason: str = ""):
    """Money arrived for ``payment``. Idempotent; returns a short outcome for the log.

    An order still awaiting payment moves on to the cooperatives. One that expired is
    revived if its stock can be reserved again, else refunded (card) or flagged for a
    refund by staff (transfer). Money for a cancelled order is refunded/flagged likewise.
    """
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=payment.order_id)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status in (PayStatus.SUCCEEDED, PayStatus.REFUNDED):
            return "already paid"
        fields = {"provider_ref": provider_ref} if provider_ref else {}
        transition(
            payment, PayStatus.SUCCEEDED, actor=actor, reason=reason or "payment received", **fields
        )
        now = timezone.now()
        if order.status == OrderStatus.EXPIRED and not _reserve_again(order):
            order.flag(
                _("Paid after the reservation expired and the stock is gone: refund %(amount)s.")
                % {"amount": payment.amount}
            )
            _refund_after_failure(payment)
            return "late payment, stock gone: refund"
        if order.status == OrderStatus.CANCELLED:
            order.flag(_("Paid after the order was cancelled: refund it."))
            _refund_after_failure(payment)
            return "paid after cancellation: refund"
        order.paid_at = now
        order.save(update_fields=["paid_at", "updated_at"])
        if order.status in (OrderStatus.AWAITING_PAYMENT, OrderStatus.EXPIRED):
            late = order.status == OrderStatus.EXPIRED
            transition(
                order,
                OrderStatus.PROCESSING,
                actor=actor,
                reason="paid" + (" late" if late else ""),
            )
            for suborder in order.suborders.all():
                if can_move(suborder, SubStatus.NEW):
                    transition(suborder, SubStatus.NEW, actor=actor, reason="paid")
                    enqueue("orders.tasks.send_suborder_new", suborder_id=suborder.pk)
            enqueue("orders.tasks.send_payment_received", order_id=order.pk)
            return "paid" + (" late, stock reserved again" if late else "")
        return "paid"


def _refund_after_failure(payment: Payment) -> None:
    if payment.method == PaymentMethod.CARD:
        enqueue("orders.tasks.refund_card_payment", payment_id=payment.pk, reason="late")
    enqueue("orders.tasks.send_staff_attention", order_id=payment.order_id)


def payment_failed(payment: Payment, *, message: str = "", actor=None) -> str:
    """A card payment failed. Never undoes a success (events can arrive out of order)."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status != PayStatus.PENDING:
            return f"ignored: payment is {payment.status}"
        transition(
            payment,
            PayStatus.FAILED,
            actor=actor,
            reason=message or "failed",
            failure_message=message[:255],
        )
    return "failed"


def confirm_transfer(order: Order, *, actor, reference: str, reason: str = "") -> str:
    """Staff saw the money on the bank statement (no notification came)."""
    payment = order.payments.filter(method=PaymentMethod.VIETQR).last()
    if payment is None:
        raise OrderActionError(_("This order is not paid by bank transfer."))
    return payment_succeeded(
        payment,
        provider_ref=reference,
        actor=actor,
        reason=reason or _("Transfer confirmed by staff"),
    )


# --- expiry and cancellation -------------------------------------------------


def expire_order(order_id: int) -> bool:
    """Expire an unpaid order whose time ran out: its stock goes back. Idempotent."""
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if (
            order is None
            or order.status != OrderStatus.AWAITING_PAYMENT
            or order.expires_at is None
            or order.expires_at > timezone.now()
        ):
            return False
        _release_lines(OrderLine.objects.filter(suborder__order=order))
        for suborder in order.suborders.all():
            transition(suborder, SubStatus.CANCELLED, reason="not paid in time")
        for payment in order.payments.filter(status__in=[PayStatus.PENDING, PayStatus.FAILED]):
            transition(payment, PayStatus.CANCELLED, reason="not paid in time")
            if payment.method == PaymentMethod.CARD and payment.provider_ref:
                enqueue("orders.tasks.cancel_card_intent", payment_id=payment.pk)
        transition(order, OrderStatus.EXPIRED, reason="not paid in time")
        enqueue("orders.tasks.send_order_cancelled", order_id=order.pk)
    return True


def expire_unpaid_orders() -> int:
    due = Order.objects.filter(status=OrderStatus.AWAITING_PAYMENT, expires_at__lte=timezone.now())
    return sum(expire_order(pk) for pk in due.values_list("pk", flat=True))


CANCELLABLE = {SubStatus.AWAITING_PAYMENT, SubStatus.NEW, SubStatus.CONFIRMED, SubStatus.PACKED}


def can_cancel(order: Order) -> bool:
    return order.status in (OrderStatus.AWAITING_PAYMENT, OrderStatus.PROCESSING) and all(
        s.status in CANCELLABLE or s.status == SubStatus.CANCELLED for s in order.suborders.all()
    )


def cancel_order(order: Order, *, actor=None, reason: str = "") -> None:
    """Cancel before anything shipped: stock back, payment cancelled or refunded."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if not can_cancel(order):
            raise OrderActionError(_("This order can no longer be cancelled: part of it shipped."))
        reason = reason or _("Cancelled by the shopper")
        for suborder in order.suborders.exclude(status=SubStatus.CANCELLED):
            _release_lines(suborder.lines.all())
            _unpack(suborder, actor=actor, reason=reason)
            transition(suborder, SubStatus.CANCELLED, actor=actor, reason=reason)
        for payment in order.payments.all():
            if payment.status in (PayStatus.PENDING, PayStatus.FAILED):
                transition(payment, PayStatus.CANCELLED, actor=actor, reason=reason)
                if payment.method == PaymentMethod.CARD and payment.provider_ref:
                    enqueue("orders.tasks.cancel_card_intent", payment_id=payment.pk)
            elif payment.status == PayStatus.SUCCEEDED:
                _refund_paid(payment, amount=payment.amount - payment.refunded_amount, actor=actor)
        transition(order, OrderStatus.CANCELLED, actor=actor, reason=reason)
        enqueue("orders.tasks.send_order_cancelled", order_id=order.pk)


def _refund_paid(payment: Payment, *, amount: int, actor) -> None:
    """Card: refund through Stripe (after commit). Transfer: flag for staff to send it back."""
    if amount <= 0:
        return
    if payment.method == PaymentMethod.CARD:
        enqueue(
            "orders.tasks.refund_card_payment",
            payment_id=payment.pk,
            amount=amount,
            reason="cancelled",
        )
    elif payment.method == PaymentMethod.VIETQR:
        Order.objects.get(pk=payment.order_id).flag(
            _("Cancelled after payment: transfer %(amount)s back to the shopper.")
            % {"amount": amount}
        )
        enqueue("orders.tasks.send_staff_attention", order_id=payment.order_id)


# --- fulfilment by the cooperative ---------------------------------------------


def suborder_confirm(suborder: SubOrder, *, actor) -> SubOrder:
    return transition(suborder, SubStatus.CONFIRMED, actor=actor, reason="confirmed")


def suborder_pack(suborder: SubOrder, *, actor) -> SubOrder:
    """Packed: allowed only when every unit of every traced line (a product with a GTIN) has
    its stamp or its batch recorded (``traceability.packing``)."""
    from traceability.packing import missing_units

    with transaction.atomic():
        locked = SubOrder.objects.select_for_update().get(pk=suborder.pk)
        missing = missing_units(locked)
        if missing and can_move(locked, SubStatus.PACKED):
            raise OrderActionError(
                _("%(n)s unit(s) have no stamp or batch recorded yet: scan or choose them first.")
                % {"n": missing}
            )
        return transition(locked, SubStatus.PACKED, actor=actor, reason="packed")


def _unpack(suborder: SubOrder, *, actor, reason: str) -> None:
    """A parcel cancelled before it shipped: its stamps and batch quantities are free again."""
    if suborder.status in (SubStatus.CONFIRMED, SubStatus.PACKED):
        from traceability.packing import unpack_all

        unpack_all(suborder, user=actor, reason=reason)


def suborder_ship(suborder: SubOrder, *, actor, carrier: str, tracking_number: str) -> SubOrder:
    """Hand the parcel to the carrier: reserved stock leaves; pre-orders take harvested stock."""
    if not carrier.strip() or not tracking_number.strip():
        raise OrderActionError(_("Give the carrier and the tracking number."))
    with transaction.atomic():
        locked = SubOrder.objects.select_for_update().get(pk=suborder.pk)
        if not can_move(locked, SubStatus.SHIPPED):
            raise OrderActionError(_("Pack the order before shipping it."))
        from traceability.packing import missing_units
        from traceability.recall import recalled_in_parcel

        missing = missing_units(locked)
        if missing:
            raise OrderActionError(
                _("%(n)s unit(s) have no stamp or batch recorded yet: scan or choose them first.")
                % {"n": missing}
            )
        recalled = recalled_in_parcel(locked)
        if recalled:
            raise OrderActionError(
                _(
                    "This parcel holds units of recalled lot %(lots)s: "
                    "take them out and pack others."
                )
                % {"lots": ", ".join(recalled)}
            )
        for line in locked.lines.select_for_update():
            if line.variant_id is None:
                continue
            try:
                if line.reserved:
                    stock_ship_reserved(variant_id=line.variant_id, quantity=line.reserved)
                else:
                    stock_take(variant_id=line.variant_id, quantity=line.quantity)
            except InsufficientStock:
                raise OrderActionError(
                    _("Not enough %(item)s in stock to ship: record the harvest in stock first.")
                    % {"item": f"{line.product_title} — {line.unit_label}"}
                ) from None
            OrderLine.objects.filter(pk=line.pk).update(reserved=0)
        shipped = transition(
            locked,
            SubStatus.SHIPPED,
            actor=actor,
            reason="shipped",
            carrier=carrier.strip()[:80],
            tracking_number=tracking_number.strip()[:60],
        )
        enqueue("orders.tasks.send_suborder_shipped", suborder_id=locked.pk)
    return shipped


def suborder_deliver(suborder: SubOrder, *, actor) -> SubOrder:
    with transaction.atomic():
        delivered = transition(suborder, SubStatus.DELIVERED, actor=actor, reason="delivered")
        _complete_if_done(suborder.order_id, actor=actor)
    return delivered


def suborder_collect_cash(suborder: SubOrder, *, actor) -> None:
    """The courier / cooperative took the cash for this part of a COD order."""
    with transaction.atomic():
        locked = SubOrder.objects.select_for_update().select_related("order").get(pk=suborder.pk)
        if locked.order.payment_method != PaymentMethod.COD:
            raise OrderActionError(_("This order was paid online."))
        if locked.status not in (SubStatus.SHIPPED, SubStatus.DELIVERED):
            raise OrderActionError(_("Cash is collected on delivery: ship the order first."))
        if locked.cod_collected_at:
            return
        locked.cod_collected_at = timezone.now()
        locked.save(update_fields=["cod_collected_at", "updated_at"])
        open_parts = locked.order.suborders.exclude(status=SubStatus.CANCELLED).filter(
            cod_collected_at__isnull=True
        )
        if not open_parts.exists():
            payment = locked.order.payments.filter(method=PaymentMethod.COD).last()
            if payment and payment.status == PayStatus.PENDING:
                transition(payment, PayStatus.SUCCEEDED, actor=actor, reason="cash collected")
                Order.objects.filter(pk=locked.order_id).update(paid_at=timezone.now())
        _complete_if_done(locked.order_id, actor=actor)


def suborder_cancel(suborder: SubOrder, *, actor, reason: str) -> None:
    """A cooperative cannot fulfil its part: stock back, that part refunded."""
    if not reason.strip():
        raise OrderActionError(_("Say why the order is cancelled: the shopper reads it."))
    with transaction.atomic():
        locked = SubOrder.objects.select_for_update().get(pk=suborder.pk)
        if locked.status not in CANCELLABLE:
            raise OrderActionError(_("Shipped orders cannot be cancelled."))
        _release_lines(locked.lines.all())
        _unpack(locked, actor=actor, reason=reason)
        transition(locked, SubStatus.CANCELLED, actor=actor, reason=reason)
        order = Order.objects.select_for_update().get(pk=locked.order_id)
        for payment in order.payments.filter(status=PayStatus.SUCCEEDED):
            _refund_paid(payment, amount=locked.total, actor=actor)
        remaining = order.suborders.exclude(status=SubStatus.CANCELLED)
        if not remaining.exists():
            for payment in order.payments.filter(status__in=[PayStatus.PENDING, PayStatus.FAILED]):
                transition(payment, PayStatus.CANCELLED, actor=actor, reason=reason)
            transition(order, OrderStatus.CANCELLED, actor=actor, reason=reason)
        else:
            _complete_if_done(order.pk, actor=actor)
        enqueue("orders.tasks.send_suborder_cancelled", suborder_id=locked.pk)


def _complete_if_done(order_id: int, *, actor) -> None:
    order = Order.objects.select_for_update().get(pk=order_id)
    parts = list(order.suborders.all())
    live = [p for p in parts if p.status != SubStatus.CANCELLED]
    if order.status != OrderStatus.PROCESSING or not live:
        return
    if all(p.status == SubStatus.DELIVERED for p in live):
        if order.payment_method == PaymentMethod.COD and any(not p.cod_collected_at for p in live):
            return
        transition(order, OrderStatus.COMPLETED, actor=actor, reason="all parts delivered")


# --- refunds -----------------------------------------------------------------


def refund(payment: Payment, *, amount: int, actor, reason: str, reference: str = "") -> Refund:
    """Staff refund: a card payment through the Stripe API (now, so staff see the outcome);
    a transfer or cash refund staff already made, recorded with its reference."""
    if payment.method != PaymentMethod.CARD:
        if not reference.strip():
            raise OrderActionError(_("Give the reference of the transfer or receipt."))
        return _add_refund(payment, amount=amount, actor=actor, reference=reference, reason=reason)
    from . import stripe_gateway

    _check_refundable(payment, amount)  # before money moves at Stripe
    try:
        refund_id = stripe_gateway.refund(payment, amount)
    except Exception as exc:
        logger.warning("stripe refund of payment %s failed: %s", payment.pk, exc)
        raise OrderActionError(_("Stripe did not take the refund; try again later.")) from None
    return _add_refund(payment, amount=amount, actor=actor, reference=refund_id, reason=reason)


def _check_refundable(payment: Payment, amount: int) -> int:
    """What is left to refund of ``payment``; raises when ``amount`` cannot be refunded."""
    if payment.status not in (PayStatus.SUCCEEDED, PayStatus.REFUNDED):
        raise OrderActionError(_("Only a received payment can be refunded."))
    left = payment.amount - payment.refunded_amount
    if not 0 < amount <= left:
        raise OrderActionError(
            _("Refund between 1 and %(left)s đồng.") % {"left": f"{left:,}".replace(",", ".")}
        )
    return left


def _add_refund(payment: Payment, *, amount: int, actor, reference: str, reason: str) -> Refund:
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        left = _check_refundable(payment, amount)
        refund = Refund.objects.create(
            payment=payment,
            amount=amount,
            reference=reference[:120],
            reason=reason[:255],
            actor=actor if getattr(actor, "pk", None) else None,
        )
        if amount == left:
            transition(payment, PayStatus.REFUNDED, actor=actor, reason=reason)
    return refund
