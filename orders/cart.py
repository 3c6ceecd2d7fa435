"""The shopper's cart: found by the session (guests) or the account, merged on sign-in.

The header's item count is a cookie (``ocop_cart``) that a small script reads, so product
pages stay the same for everyone (cacheable); the cart page itself is never cached.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from catalog.models import ProductVariant

from . import pricing
from .models import Cart, CartLine
from .services import CheckoutLine, sellable_variants, why_not_for_sale

SESSION_KEY = "cart_token"
COUNT_COOKIE = "ocop_cart"


class CartError(ValueError):
    """Shown to the shopper as is; the cart did not change. ``code`` says which kind:
    ``invalid`` (what was sent), ``not_found`` (no such line), ``not_for_sale``,
    ``out_of_stock`` (the shelf holds fewer)."""

    def __init__(self, message, code: str = "invalid"):
        super().__init__(message)
        self.code = code


def get_cart(request, *, create: bool = False) -> Cart | None:
    user = request.user if request.user.is_authenticated else None
    if user is not None:
        cart = Cart.objects.filter(user=user).first()
        if cart is None and create:
            cart, _ = Cart.objects.get_or_create(user=user)
        return cart
    token = request.session.get(SESSION_KEY)
    cart = Cart.objects.filter(token=token, user__isnull=True).first() if token else None
    if cart is None and create:
        cart = Cart.objects.create()
        request.session[SESSION_KEY] = str(cart.token)
    return cart


def merge_guest_cart(request, user) -> None:
    """On sign-in the guest cart joins the account's cart (quantities added, capped)."""
    token = request.session.pop(SESSION_KEY, None)
    guest = Cart.objects.filter(token=token, user__isnull=True).first() if token else None
    if guest is None:
        return
    with transaction.atomic():
        cart, _ = Cart.objects.get_or_create(user=user)
        for line in guest.lines.select_related("variant__stock", "variant__page"):
            existing = cart.lines.filter(variant=line.variant).first()
            quantity = line.quantity + (existing.quantity if existing else 0)
            quantity = min(quantity, max_quantity(line.variant))
            if quantity <= 0:
                continue
            CartLine.objects.update_or_create(
                cart=cart,
                variant=line.variant,
                defaults={"quantity": quantity, "unit_price_seen": line.unit_price_seen},
            )
        guest.delete()


def max_quantity(variant: ProductVariant) -> int:
    """What one line may hold: the stock left, or the pre-order cap while pre-orders are open."""
    cap = settings.ORDER_MAX_LINE_QUANTITY
    if variant.page.preorder_open:
        return cap
    return min(cap, variant.available_quantity)


def parse_quantity(raw) -> int:
    try:
        quantity = int(str(raw).strip())
    except (TypeError, ValueError):
        raise CartError(_("The quantity must be a whole number.")) from None
    if quantity < 1:
        raise CartError(_("The quantity must be at least 1."))
    if quantity > settings.ORDER_MAX_LINE_QUANTITY:
        raise CartError(
            _("At most %(max)s of one item per order.") % {"max": settings.ORDER_MAX_LINE_QUANTITY}
        )
    return quantity


def _sellable(variant_id) -> ProductVariant:
    try:
        variant_id = int(variant_id)
    except (TypeError, ValueError):
        raise CartError(_("Choose a product to add.")) from None
    variant = sellable_variants([variant_id]).get(variant_id)
    problem = why_not_for_sale(variant)
    if problem:
        raise CartError(problem, "not_for_sale")
    return variant


def _check_stock(variant: ProductVariant, quantity: int) -> None:
    allowed = max_quantity(variant)
    if allowed <= 0:
        raise CartError(
            _("%(item)s is out of stock.")
            % {"item": f"{variant.page.title} — {variant.unit_label}"},
            "out_of_stock",
        )
    if quantity > allowed:
        raise CartError(
            _("Only %(n)s of %(item)s left.")
            % {"n": allowed, "item": f"{variant.page.title} — {variant.unit_label}"},
            "out_of_stock",
        )


def add(cart: Cart, *, variant_id, quantity) -> CartLine:
    quantity = parse_quantity(quantity)
    variant = _sellable(variant_id)
    line = cart.lines.filter(variant=variant).first()
    total = quantity + (line.quantity if line else 0)
    _check_stock(variant, total)
    if line is None:
        try:
            with transaction.atomic():
                return CartLine.objects.create(
                    cart=cart, variant=variant, quantity=quantity, unit_price_seen=variant.price
                )
        except IntegrityError:  # the same shopper added it twice at once
            line = cart.lines.get(variant=variant)
    CartLine.objects.filter(pk=line.pk).update(
        quantity=F("quantity") + quantity, unit_price_seen=variant.price
    )
    line.refresh_from_db()
    return line


def set_quantity(cart: Cart, *, line_id, quantity) -> None:
    line = _line(cart, line_id)
    quantity = parse_quantity(quantity)
    variant = _sellable(line.variant_id)
    _check_stock(variant, quantity)
    line.quantity = quantity
    line.save(update_fields=["quantity"])


def remove(cart: Cart, *, line_id) -> None:
    _line(cart, line_id).delete()


def accept_prices(cart: Cart) -> None:
    """The shopper saw the new prices: take them."""
    for line in cart.lines.select_related("variant"):
        if line.unit_price_seen != line.variant.price:
            line.unit_price_seen = line.variant.price
            line.save(update_fields=["unit_price_seen"])


def _line(cart: Cart, line_id) -> CartLine:
    try:
        return cart.lines.get(pk=int(line_id))
    except (TypeError, ValueError, CartLine.DoesNotExist):
        raise CartError(_("That item is no longer in your cart."), "not_found") from None


def count(cart: Cart | None) -> int:
    return sum(cart.lines.values_list("quantity", flat=True)) if cart else 0


def set_count_cookie(response, cart: Cart | None) -> None:
    """Not HttpOnly: the header script reads it. Holds a number, nothing personal."""
    response.set_cookie(
        COUNT_COOKIE, str(count(cart)), max_age=60 * 60 * 24 * 30, samesite="Lax", httponly=False
    )


@dataclass
class CartItem:
    line: CartLine
    variant: ProductVariant
    problem: str | None = None
    price_changed: bool = False
    preorder: bool = False

    @property
    def total(self) -> int:
        return self.variant.price * self.line.quantity


@dataclass
class CartGroup:
    cooperative: object
    items: list[CartItem]
    subtotal: int
    shipping: int

    @property
    def total(self) -> int:
        return self.subtotal + self.shipping


@dataclass
class CartView:
    """The cart as the page shows it: groups per cooperative, problems, totals."""

    groups: list[CartGroup] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    price_changed: bool = False
    subtotal: int = 0
    shipping_total: int = 0

    @property
    def total(self) -> int:
        return self.subtotal + self.shipping_total

    @property
    def is_empty(self) -> bool:
        return not self.groups

    @property
    def can_check_out(self) -> bool:
        return bool(self.groups) and not self.problems and not self.price_changed

    @property
    def count(self) -> int:
        return sum(item.line.quantity for group in self.groups for item in group.items)


def view(cart: Cart | None) -> CartView:
    if cart is None:
        return CartView()
    lines = list(
        cart.lines.select_related(
            "variant__page__cooperative", "variant__stock", "variant__page__category"
        )
    )
    result = CartView()
    items: list[CartItem] = []
    for line in lines:
        variant = line.variant
        item = CartItem(line=line, variant=variant)
        item.problem = why_not_for_sale(variant)
        if item.problem is None:
            available = variant.available_quantity
            if line.quantity > available:
                if variant.page.preorder_open:
                    item.preorder = True
                elif available <= 0:
                    item.problem = _("Out of stock: remove it to check out.")
                else:
                    item.problem = _("Only %(n)s left: lower the quantity.") % {"n": available}
        item.price_changed = line.unit_price_seen != variant.price
        result.price_changed |= item.price_changed
        if item.problem:
            result.problems.append(f"{variant.page.title} — {variant.unit_label}: {item.problem}")
        items.append(item)
    quote = pricing.quote(
        [
            pricing.PricedLine(
                variant_id=i.variant.pk,
                cooperative_id=i.variant.page.cooperative_id,
                unit_price=i.variant.price,
                quantity=i.line.quantity,
                weight_g=i.variant.net_weight_g,
            )
            for i in items
        ]
    )
    for part in quote.parts:
        group_items = [i for i in items if i.variant.page.cooperative_id == part.cooperative_id]
        result.groups.append(
            CartGroup(
                cooperative=group_items[0].variant.page.cooperative,
                items=group_items,
                subtotal=part.subtotal,
                shipping=part.shipping,
            )
        )
    result.subtotal, result.shipping_total = quote.subtotal, quote.shipping_total
    return result


def checkout_lines(cart: Cart) -> list[CheckoutLine]:
    return [
        CheckoutLine(
            variant_id=line.variant_id, quantity=line.quantity, unit_price_seen=line.unit_price_seen
        )
        for line in cart.lines.all()
    ]
