"""Carts, orders split per cooperative, payments, refunds, their audit trail and webhooks.

An order belongs to one shopper and holds one sub-order per cooperative; each sub-order
has its lines (snapshots of what was bought, at what price) and its own status. Payments
belong to the order: one checkout, one payment, across cooperatives. Every status lives
in a transition table in ``states.py``; every move writes a ``StatusChange``.
Money is integer đồng everywhere.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from marketplace.locations import UnknownLocation, get_province, get_ward
from marketplace.models import Cooperative, phone_validator

# Order numbers are typed by shoppers into bank transfers: no 0/O, 1/I.
ORDER_NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
ORDER_NUMBER_PATTERN = r"DH[2-9A-HJ-NP-Z]{8}"


def new_order_number() -> str:
    return "DH" + "".join(secrets.choice(ORDER_NUMBER_ALPHABET) for _ in range(8))


class PaymentMethod(models.TextChoices):
    CARD = "card", _("Card")
    VIETQR = "vietqr", _("VietQR bank transfer")
    COD = "cod", _("Cash on delivery")


class Cart(models.Model):
    """A shopper's cart: a guest's is found by the token in the session, a user's by user."""

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="cart",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("cart")
        verbose_name_plural = _("carts")

    def __str__(self) -> str:
        return f"cart {self.pk}"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        "catalog.ProductVariant", on_delete=models.CASCADE, related_name="cart_lines"
    )
    quantity = models.PositiveIntegerField(default=1)
    # The price the shopper saw; a different price at checkout is shown and asked again.
    unit_price_seen = models.PositiveBigIntegerField()
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="unique_cart_variant"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="cart_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.variant_id}"


class Order(models.Model):
    # Wagtail's reference index ("used by" in the admin) is for content; recording every
    # order's links to variants, cooperatives and users cost a task per save (three per
    # checkout) and tells an editor nothing the order screens do not.
    wagtail_reference_index_ignore = True

    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
        PROCESSING = "processing", _("Being prepared")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired (not paid in time)")

    number = models.CharField(
        _("order number"), max_length=10, unique=True, default=new_order_number, editable=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    full_name = models.CharField(_("full name"), max_length=120)
    phone = models.CharField(_("phone"), max_length=16, validators=[phone_validator])
    email = models.EmailField(_("e-mail"))
    province_code = models.PositiveSmallIntegerField(_("province"))
    ward_code = models.PositiveIntegerField(_("commune / ward"))
    address_line = models.CharField(_("street address"), max_length=255)
    delivery_note = models.CharField(_("delivery note"), max_length=500, blank=True)
    payment_method = models.CharField(
        _("payment method"), max_length=16, choices=PaymentMethod.choices
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.AWAITING_PAYMENT,
        db_index=True,
    )
    subtotal = models.PositiveBigIntegerField(_("goods (đồng)"))
    shipping_total = models.PositiveBigIntegerField(_("shipping (đồng)"))
    total = models.PositiveBigIntegerField(_("total (đồng)"))
    language = models.CharField(max_length=8, default="vi")
    # Unpaid card / VietQR orders hold their stock until then.
    expires_at = models.DateTimeField(_("pay before"), null=True, blank=True, db_index=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    needs_attention = models.BooleanField(_("needs attention"), default=False, db_index=True)
    attention_reason = models.TextField(_("why it needs attention"), blank=True)
    created_at = models.DateTimeField(_("placed at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = pgettext_lazy("shop", "order")
        verbose_name_plural = pgettext_lazy("shop", "orders")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total=models.F("subtotal") + models.F("shipping_total")),
                name="order_total_adds_up",
            )
        ]
        # A recall's reach counts its shoppers by looking each reached order up by key: with
        # the e-mail in the index, without reading the order row (traceability.recall.reach).
        indexes = [models.Index(fields=["id"], include=["email"], name="order_id_email")]

    def __str__(self) -> str:
        return self.number

    @property
    def address_label(self) -> str:
        try:
            ward, province = get_ward(self.ward_code).name, get_province(self.province_code).name
        except UnknownLocation:
            return self.address_line
        return f"{self.address_line}, {ward}, {province}"

    @property
    def is_paid(self) -> bool:
        return self.paid_at is not None

    @property
    def payment(self) -> "Payment | None":
        payments = list(self.payments.all())
        return payments[-1] if payments else None

    def flag(self, reason: str) -> None:
        """Mark for staff attention (appends: several things can be wrong at once)."""
        self.needs_attention = True
        self.attention_reason = (
            f"{self.attention_reason}\n{reason}" if self.attention_reason else reason
        )
        self.save(update_fields=["needs_attention", "attention_reason", "updated_at"])


class SubOrder(models.Model):
    """One cooperative's part of an order: it confirms, packs, ships and delivers it."""

    wagtail_reference_index_ignore = True  # as Order

    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
        NEW = "new", _("New: to confirm")
        CONFIRMED = "confirmed", _("Confirmed")
        PACKED = "packed", _("Packed")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="suborders")
    cooperative = models.ForeignKey(
        Cooperative,
        verbose_name=_("cooperative"),
        on_delete=models.PROTECT,
        related_name="suborders",
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.AWAITING_PAYMENT,
        db_index=True,
    )
    # When it entered its status (set by ``states.transition``): how long it has waited.
    status_since = models.DateTimeField(_("in this status since"), default=timezone.now)
    subtotal = models.PositiveBigIntegerField(_("goods (đồng)"))
    shipping = models.PositiveBigIntegerField(_("shipping (đồng)"))
    carrier = models.CharField(_("carrier"), max_length=80, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=60, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    cod_collected_at = models.DateTimeField(_("cash collected at"), null=True, blank=True)
    created_at = models.DateTimeField(_("placed at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("sub-order")
        verbose_name_plural = _("sub-orders")
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["order", "cooperative"], name="one_suborder_per_coop")
        ]
        # Dashboards and reports read a period of sub-orders, of one cooperative or all.
        indexes = [
            models.Index(fields=["cooperative", "created_at"], name="suborder_coop_created"),
            models.Index(fields=["created_at"], name="suborder_created"),
            # A recall's reach looks each reached sub-order up by key (traceability.recall).
            models.Index(
                fields=["id"],
                include=["order", "status", "cooperative"],
                name="suborder_id_reach",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order.number} · {self.cooperative.name}"

    @property
    def total(self) -> int:
        return self.subtotal + self.shipping

    @property
    def has_preorder(self) -> bool:
        return any(line.preorder for line in self.lines.all())


class OrderLine(models.Model):
    """What was bought, as it was at purchase: later edits of the product do not change it."""

    suborder = models.ForeignKey(SubOrder, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        "catalog.ProductVariant",
        null=True,
        on_delete=models.SET_NULL,
        related_name="order_lines",
    )
    product_title = models.CharField(_("product"), max_length=255)
    unit_label = models.CharField(_("unit"), max_length=60)
    sku = models.CharField(_("SKU"), max_length=40)
    gtin = models.CharField(_("GTIN"), max_length=14, blank=True)
    cooperative_name = models.CharField(_("cooperative"), max_length=200)
    unit_price = models.PositiveBigIntegerField(_("unit price (đồng)"))
    quantity = models.PositiveIntegerField(_("quantity"))
    line_total = models.PositiveBigIntegerField(_("line total (đồng)"))
    weight_g = models.PositiveIntegerField(_("weight (g)"), default=0)
    # Pre-order lines reserve nothing: they wait for the harvest.
    preorder = models.BooleanField(_("pre-order"), default=False)
    # Units held in Stock.reserved for this line (0 once released or shipped).
    reserved = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="order_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(line_total=models.F("unit_price") * models.F("quantity")),
                name="order_line_total_adds_up",
            ),
        ]
        # A recall's reach goes from each packed lot to its line's sub-order by key, reading
        # the index only (traceability.recall.reach).
        indexes = [models.Index(fields=["id"], include=["suborder"], name="orderline_id_suborder")]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_title} — {self.unit_label}"


class Payment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Paid")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        REFUNDED = "refunded", _("Refunded")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments")
    method = models.CharField(_("method"), max_length=16, choices=PaymentMethod.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    amount = models.PositiveBigIntegerField(_("amount (đồng)"))
    # Stripe PaymentIntent id, or the bank's transaction id once a transfer matched.
    provider_ref = models.CharField(_("provider reference"), max_length=100, blank=True)
    failure_message = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["method", "provider_ref"],
                condition=~Q(provider_ref=""),
                name="unique_payment_provider_ref",
            )
        ]

    def __str__(self) -> str:
        return f"{self.order.number} {self.get_method_display()} {self.amount}"

    @property
    def refunded_amount(self) -> int:
        return sum(r.amount for r in self.refunds.all())


class Refund(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.PositiveBigIntegerField(_("amount (đồng)"))
    # Stripe refund id, or what staff wrote down (bank transfer reference, cash receipt).
    reference = models.CharField(_("reference"), max_length=120, blank=True)
    reason = models.CharField(_("reason"), max_length=255)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_positive")]

    def __str__(self) -> str:
        return f"{self.amount} {self.reference}"


class StatusChange(models.Model):
    """Audit of every move of an order, a sub-order or a payment."""

    class Subject(models.TextChoices):
        ORDER = "order", pgettext_lazy("shop", "order")
        SUBORDER = "suborder", _("sub-order")
        PAYMENT = "payment", _("payment")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="status_changes")
    suborder = models.ForeignKey(
        SubOrder, null=True, blank=True, on_delete=models.CASCADE, related_name="status_changes"
    )
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.CASCADE, related_name="status_changes"
    )
    subject = models.CharField(max_length=10, choices=Subject.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    reason = models.CharField(max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.subject}: {self.from_status or '-'} -> {self.to_status}"


class WebhookEvent(models.Model):
    """Every webhook we acted on, once: a second delivery of the same event does nothing."""

    wagtail_reference_index_ignore = True  # as Order

    # Outcomes of notifications that matched no order: money nobody has accounted for yet.
    UNMATCHED_PREFIXES = ("unmatched", "unknown payment intent")

    provider = models.CharField(max_length=16)
    event_id = models.CharField(max_length=120)
    event_type = models.CharField(max_length=80)
    payload = models.JSONField(default=dict)
    outcome = models.CharField(max_length=255, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    # An unmatched transfer an operator dealt with (matched by hand, refunded): off the
    # dashboard. Who and when stay.
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="unique_webhook_event")
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id}"
