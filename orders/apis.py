"""Orders in the REST API. A cooperative's token with the ``orders`` scope lists its
sub-orders and moves them (confirm, pack, ship with carrier and tracking, deliver, cancel with
a reason) through ``orders.services``, the same calls as the admin's buttons: the state
machine, packing's rule (every traced unit recorded) and the e-mails are theirs. A move is
recorded under the token's owner."""

import logging

import stripe
from django.conf import settings
from django.db.models import Q
from django.http import Http404
from django.utils.decorators import method_decorator
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, generics, permissions, serializers
from rest_framework.response import Response

from marketplace.api.base import (
    APIView,
    Conflict,
    LanguageMixin,
    Money,
    MoneyField,
    SessionAPIView,
    money,
)
from marketplace.api.tokens import OrdersScope, cooperative_token, request_token
from marketplace.locations import UnknownLocation, get_ward, province_name
from marketplace.throttle import over_limit
from traceability import packing

from . import cart as carts
from . import services, stripe_gateway, vietqr
from .forms import CheckoutForm, ReasonForm, ShipForm
from .links import tracking_path
from .models import Order, PaymentMethod, SubOrder
from .states import ForbiddenTransition
from .views import RECENT_ORDERS, LinkInvalid, order_for, remember_order

logger = logging.getLogger(__name__)


class LineSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    sku = serializers.CharField()
    gtin = serializers.CharField(allow_blank=True)
    product = serializers.CharField(source="product_title")
    unit = serializers.CharField(source="unit_label")
    quantity = serializers.IntegerField()
    unit_price = MoneyField()
    line_total = MoneyField()
    preorder = serializers.BooleanField()


class ShipTo(serializers.Serializer):
    full_name = serializers.CharField()
    phone = serializers.CharField()
    province_code = serializers.IntegerField()
    province = serializers.CharField()
    ward_code = serializers.IntegerField()
    ward = serializers.CharField()
    address_line = serializers.CharField()
    delivery_note = serializers.CharField(allow_blank=True)


def _ship_to(order) -> dict:
    try:
        ward = get_ward(order.ward_code).name
    except UnknownLocation:
        ward = ""
    return {
        "full_name": order.full_name,
        "phone": order.phone,
        "province_code": order.province_code,
        "province": province_name(order.province_code),
        "ward_code": order.ward_code,
        "ward": ward,
        "address_line": order.address_line,
        "delivery_note": order.delivery_note,
    }


class SubOrderSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    order_number = serializers.CharField(source="order.number")
    status = serializers.ChoiceField(choices=SubOrder.Status.choices)
    status_since = serializers.DateTimeField()
    placed_at = serializers.DateTimeField(source="created_at")
    payment_method = serializers.ChoiceField(
        source="order.payment_method", choices=PaymentMethod.choices
    )
    paid_at = serializers.DateTimeField(source="order.paid_at", allow_null=True)
    subtotal = MoneyField()
    shipping = MoneyField()
    carrier = serializers.CharField(allow_blank=True)
    tracking_number = serializers.CharField(allow_blank=True)
    shipped_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    ship_to = serializers.SerializerMethodField()
    lines = LineSerializer(many=True)

    @extend_schema_field(ShipTo)
    def get_ship_to(self, obj):
        return _ship_to(obj.order)


class PackedLot(serializers.Serializer):
    batch = serializers.IntegerField(source="batch_id")
    lot = serializers.CharField(source="batch.lot")
    quantity = serializers.IntegerField()


class PackedStamp(serializers.Serializer):
    stamp = serializers.IntegerField(source="stamp_id")
    lot = serializers.CharField(source="stamp.batch.lot")
    serial = serializers.CharField(source="stamp.serial")


class LinePacking(serializers.Serializer):
    line = serializers.IntegerField(source="line.pk")
    traced = serializers.BooleanField(help_text="Its lots must be recorded before packing.")
    packed = serializers.IntegerField()
    missing = serializers.IntegerField()
    lots = PackedLot(many=True)
    stamps = PackedStamp(many=True)


class SubOrderDetailSerializer(SubOrderSerializer):
    packing = serializers.SerializerMethodField(
        help_text="Per line: the units recorded by stamp or batch, and those missing."
    )

    @extend_schema_field(LinePacking(many=True))
    def get_packing(self, obj):
        return LinePacking(packing.progress(obj), many=True).data


def own_suborders(request):
    """The token's cooperative's sub-orders, newest first; not those still awaiting the
    shopper's payment (the admin does not show them either)."""
    return (
        SubOrder.objects.filter(cooperative=request_token(request).cooperative)
        .exclude(status=SubOrder.Status.AWAITING_PAYMENT)
        .select_related("order")
        .prefetch_related("lines")
        .order_by("-created_at", "-pk")
    )


class OwnSubOrderList(LanguageMixin, generics.ListAPIView):
    """The cooperative's sub-orders, newest first; ``?status=`` keeps one status."""

    serializer_class = SubOrderSerializer
    permission_classes = [OrdersScope]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status",
                str,
                enum=[s for s in SubOrder.Status.values if s != SubOrder.Status.AWAITING_PAYMENT],
            )
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        queryset = own_suborders(self.request)
        status = self.request.query_params.get("status")
        if status is not None:
            if status not in SubOrder.Status.values or status == SubOrder.Status.AWAITING_PAYMENT:
                raise exceptions.ValidationError({"status": [_("Unknown status.")]})
            queryset = queryset.filter(status=status)
        return queryset


def _own_suborder(request, pk: int) -> SubOrder:
    suborder = own_suborders(request).filter(pk=pk).first()
    if suborder is None:
        raise exceptions.NotFound(_("No such sub-order in your cooperative."))
    return suborder


class OwnSubOrderDetail(APIView):
    """One of the cooperative's sub-orders: its lines and where to ship it."""

    permission_classes = [OrdersScope]

    @extend_schema(
        responses=SubOrderDetailSerializer, operation_id="cooperative_suborders_retrieve"
    )
    def get(self, request, pk: int):
        return Response(SubOrderDetailSerializer(_own_suborder(request, pk)).data)


class Ship(serializers.Serializer):
    carrier = serializers.CharField(max_length=80)
    tracking_number = serializers.CharField(max_length=60)


class Cancel(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class SubOrderMove(APIView):
    """A move of the state machine; 409 when the sub-order's state forbids it."""

    permission_classes = [OrdersScope]
    move = ""
    form_class = None

    def post(self, request, pk: int):
        suborder = _own_suborder(request, pk)
        actor = request_token(request).created_by
        values = {}
        if self.form_class is not None:
            form = self.form_class(request.data if isinstance(request.data, dict) else {})
            if not form.is_valid():
                raise exceptions.ValidationError(
                    {name: [str(m) for m in errors] for name, errors in form.errors.items()}
                )
            values = form.cleaned_data
        try:
            getattr(services, f"suborder_{self.move}")(suborder, actor=actor, **values)
        except (services.OrderActionError, ForbiddenTransition) as exc:
            raise Conflict(str(exc)) from None
        return Response(SubOrderDetailSerializer(_own_suborder(request, pk)).data)


def _move(name: str, summary: str, body=None, form_class=None):
    """A view of one move, with its own schema (a function of its own, not the base's)."""

    @extend_schema(
        request=body,
        responses=SubOrderDetailSerializer,
        operation_id=f"cooperative_suborders_{name}",
    )
    def post(self, request, pk: int):
        return SubOrderMove.post(self, request, pk)

    return type(
        f"SubOrder{name.title()}",
        (SubOrderMove,),
        {"move": name, "form_class": form_class, "__doc__": summary, "post": post},
    )


SubOrderConfirm = _move("confirm", "Confirm a new sub-order: the cooperative will prepare it.")
SubOrderPack = _move(
    "pack", "Mark it packed: every traced unit must have its stamp or batch recorded."
)
SubOrderShip = _move(
    "ship", "Hand it to a carrier with its tracking number (the shopper is told).", Ship, ShipForm
)
SubOrderDeliver = _move("deliver", "Record the delivery.")
SubOrderCancel = _move(
    "cancel", "Cancel it with a reason (before shipping; stock goes back).", Cancel, ReasonForm
)
SUBORDER_MOVES = {
    "confirm": SubOrderConfirm,
    "pack": SubOrderPack,
    "ship": SubOrderShip,
    "deliver": SubOrderDeliver,
    "cancel": SubOrderCancel,
}


# --- packing: which stamps and lots went into the parcel (traceability.packing) ------------

# Refusals of a scan or a choice that depend on the state of things, not on what was sent.
PACKING_CONFLICTS = {
    "line_full",
    "no_stock",
    "not_released",
    "recalled",
    "voided",
    "already_packed",
    "not_packable",
}


def _packing_error(exc: packing.PackingError):
    error = Conflict if exc.reason in PACKING_CONFLICTS else exceptions.ValidationError
    if error is Conflict:
        return Conflict(str(exc), code=exc.reason)
    return exceptions.ValidationError(str(exc), code=exc.reason)


class StampScan(serializers.Serializer):
    code = serializers.CharField(
        max_length=packing.MAX_CODE_LENGTH,
        help_text="The stamp's GS1 Digital Link URI as scanned (or its path).",
    )


class LotChoice(serializers.Serializer):
    line = serializers.IntegerField(help_text="The order line (a product without stamps).")
    batch = serializers.IntegerField(help_text="A released batch of the line's product.")
    quantity = serializers.IntegerField(min_value=1)


class PackStamp(APIView):
    """Record the unit carrying this stamp in the parcel (the packing screen's scan): the
    stamp is checked (signature, product, batch released and not recalled, not packed
    elsewhere) and moves to *shipped*. The refusal's ``code`` names the rule."""

    permission_classes = [OrdersScope]

    @extend_schema(
        request=StampScan,
        responses=SubOrderDetailSerializer,
        operation_id="cooperative_suborders_packing_stamp",
    )
    def post(self, request, pk: int):
        suborder = _own_suborder(request, pk)
        scan = StampScan(data=request.data)
        scan.is_valid(raise_exception=True)
        try:
            packing.pack_stamp(
                suborder=suborder,
                code=scan.validated_data["code"],
                user=request_token(request).created_by,
            )
        except packing.PackingError as exc:
            raise _packing_error(exc) from None
        return Response(SubOrderDetailSerializer(_own_suborder(request, pk)).data)


class PackLot(APIView):
    """Record that units of a line (a product without stamps) came from a batch."""

    permission_classes = [OrdersScope]

    @extend_schema(
        request=LotChoice,
        responses=SubOrderDetailSerializer,
        operation_id="cooperative_suborders_packing_lot",
    )
    def post(self, request, pk: int):
        suborder = _own_suborder(request, pk)
        choice = LotChoice(data=request.data)
        choice.is_valid(raise_exception=True)
        data = choice.validated_data
        try:
            packing.pack_batch(
                suborder=suborder,
                line_id=data["line"],
                batch_id=data["batch"],
                quantity=data["quantity"],
                user=request_token(request).created_by,
            )
        except packing.PackingError as exc:
            raise _packing_error(exc) from None
        return Response(SubOrderDetailSerializer(_own_suborder(request, pk)).data)


# --- shoppers: the cart, the checkout, their orders (session; CSRF on changes) -------------


class CartItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="line.pk")
    variant = serializers.IntegerField(source="variant.pk")
    sku = serializers.CharField(source="variant.sku")
    product = serializers.CharField(source="variant.page.display_title")
    unit = serializers.CharField(source="variant.unit_label")
    quantity = serializers.IntegerField(source="line.quantity")
    unit_price = MoneyField(source="variant.price")
    total = MoneyField()
    price_changed = serializers.BooleanField(help_text="The price moved since it was added.")
    preorder = serializers.BooleanField()
    problem = serializers.CharField(allow_null=True, help_text="Why it cannot be bought now.")


class CartGroupSerializer(serializers.Serializer):
    cooperative = serializers.CharField(source="cooperative.name")
    items = CartItemSerializer(many=True)
    subtotal = MoneyField()
    shipping = MoneyField()


class CartSerializer(serializers.Serializer):
    groups = CartGroupSerializer(many=True, help_text="One parcel per cooperative.")
    problems = serializers.ListField(child=serializers.CharField())
    price_changed = serializers.BooleanField()
    count = serializers.IntegerField()
    subtotal = MoneyField()
    shipping_total = MoneyField()
    total = MoneyField()
    can_check_out = serializers.BooleanField()


class CartAdd(serializers.Serializer):
    variant = serializers.IntegerField(help_text="A variant's id (products' `variants`).")
    quantity = serializers.IntegerField(default=1)


class CartChange(serializers.Serializer):
    quantity = serializers.IntegerField()


def _cart_error(exc):
    if exc.code == "out_of_stock":
        return Conflict(str(exc), code="out_of_stock")
    if exc.code == "not_found":
        return exceptions.NotFound(str(exc))
    return exceptions.ValidationError(str(exc), code=exc.code)


class ShopperOnly(permissions.BasePermission):
    """The shopper's endpoints are a person's (the site's session, signed in or not, or the
    shopper's own API token): a cooperative's token holds no cart and places no orders."""

    message = gettext_lazy(
        "A cooperative's API token is not a shopper: use the site's session or a shopper's "
        "token for the cart and orders."
    )

    def has_permission(self, request, view):
        return cooperative_token(request) is None


def _cart_response(request, status: int = 200) -> Response:
    return Response(CartSerializer(carts.view(carts.get_cart(request))).data, status=status)


@method_decorator(ensure_csrf_cookie, name="dispatch")
class CartDetail(APIView):
    """The visitor's cart (the session's, or the account's once signed in), grouped into one
    parcel per cooperative with shipping, problems and totals. Sets the CSRF cookie that
    changes send back in ``X-CSRFToken``."""

    permission_classes = [ShopperOnly]

    @extend_schema(responses=CartSerializer, operation_id="cart_retrieve")
    def get(self, request):
        return _cart_response(request)


class CartLines(SessionAPIView):
    """Add a variant to the cart (its quantity adds up)."""

    permission_classes = [ShopperOnly]

    @extend_schema(
        request=CartAdd, responses={201: CartSerializer}, operation_id="cart_lines_create"
    )
    def post(self, request):
        body = CartAdd(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            carts.add(
                carts.get_cart(request, create=True),
                variant_id=body.validated_data["variant"],
                quantity=body.validated_data["quantity"],
            )
        except carts.CartError as exc:
            raise _cart_error(exc) from None
        return _cart_response(request, 201)


class CartLineDetail(SessionAPIView):
    """Change a line's quantity, or remove it."""

    permission_classes = [ShopperOnly]

    @extend_schema(
        request=CartChange, responses=CartSerializer, operation_id="cart_lines_partial_update"
    )
    def patch(self, request, pk: int):
        body = CartChange(data=request.data)
        body.is_valid(raise_exception=True)
        cart = carts.get_cart(request)
        try:
            if cart is None:
                raise carts.CartError(_("That item is no longer in your cart."), "not_found")
            carts.set_quantity(cart, line_id=pk, quantity=body.validated_data["quantity"])
        except carts.CartError as exc:
            raise _cart_error(exc) from None
        return _cart_response(request)

    @extend_schema(request=None, responses={200: CartSerializer}, operation_id="cart_lines_destroy")
    def delete(self, request, pk: int):
        cart = carts.get_cart(request)
        try:
            if cart is None:
                raise carts.CartError(_("That item is no longer in your cart."), "not_found")
            carts.remove(cart, line_id=pk)
        except carts.CartError as exc:
            raise _cart_error(exc) from None
        return _cart_response(request)


class CartAcceptPrices(SessionAPIView):
    """The shopper saw the new prices: the cart takes them (checkout waits for this)."""

    permission_classes = [ShopperOnly]

    @extend_schema(request=None, responses=CartSerializer, operation_id="cart_accept_prices")
    def post(self, request):
        cart = carts.get_cart(request)
        if cart is not None:
            carts.accept_prices(cart)
        return _cart_response(request)


class Parcel(serializers.Serializer):
    cooperative = serializers.CharField(source="cooperative.name")
    status = serializers.ChoiceField(choices=SubOrder.Status.choices)
    carrier = serializers.CharField(allow_blank=True)
    tracking_number = serializers.CharField(allow_blank=True)
    shipped_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    lines = LineSerializer(many=True)


class RecallSerializer(serializers.Serializer):
    lot = serializers.CharField(source="batch.lot")
    product = serializers.CharField(source="batch.variant.page.display_title")
    cooperative = serializers.CharField(source="batch.cooperative.name")
    reason = serializers.CharField(source="batch.recall_reason")
    recalled_at = serializers.DateTimeField(source="batch.recalled_at")


class VietQRTransfer(serializers.Serializer):
    bank_bin = serializers.CharField()
    account = serializers.CharField()
    account_name = serializers.CharField()
    amount = Money()
    purpose = serializers.CharField(help_text="Write it as the transfer's content.")
    payload = serializers.CharField(help_text="The VietQR (EMVCo) string to draw as a QR code.")


class CardPayment(serializers.Serializer):
    publishable_key = serializers.CharField()
    client_secret = serializers.CharField(
        allow_null=True, help_text="The PaymentIntent's (null: try again in a moment)."
    )


class PaymentInstructions(serializers.Serializer):
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    status = serializers.CharField(allow_null=True)
    vietqr = VietQRTransfer(allow_null=True)
    card = CardPayment(allow_null=True)


class OrderSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=Order.Status.choices)
    placed_at = serializers.DateTimeField(source="created_at")
    paid_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True, help_text="Pay before.")
    subtotal = MoneyField()
    shipping_total = MoneyField()
    total = MoneyField()
    ship_to = serializers.SerializerMethodField()
    parcels = Parcel(many=True, source="suborders.all")
    recalls = serializers.SerializerMethodField(
        help_text="Lots this order received that were recalled, with the office's reason."
    )
    can_cancel = serializers.SerializerMethodField()
    tracking_url = serializers.SerializerMethodField(help_text="The order's page.")
    payment = serializers.SerializerMethodField()

    @extend_schema_field(ShipTo)
    def get_ship_to(self, obj):
        return _ship_to(obj)

    @extend_schema_field(RecallSerializer(many=True))
    def get_recalls(self, obj):
        from traceability.recall import notices_for

        return RecallSerializer(notices_for(obj), many=True).data

    def get_can_cancel(self, obj) -> bool:
        return services.can_cancel(obj)

    def get_tracking_url(self, obj) -> str:
        return self.context["request"].build_absolute_uri(tracking_path(obj))

    @extend_schema_field(PaymentInstructions)
    def get_payment(self, obj):
        payment = obj.payment
        data = {
            "method": obj.payment_method,
            "status": payment.status if payment else None,
            "vietqr": None,
            "card": None,
        }
        if obj.status != Order.Status.AWAITING_PAYMENT:
            return data
        if obj.payment_method == PaymentMethod.VIETQR:
            transfer = vietqr.marketplace_transfer(amount=obj.total, purpose=obj.number)
            data["vietqr"] = {
                "bank_bin": transfer.bank_bin,
                "account": transfer.account,
                "account_name": transfer.account_name,
                "amount": money(transfer.amount),
                "purpose": transfer.purpose,
                "payload": transfer.payload,
            }
        elif obj.payment_method == PaymentMethod.CARD and payment is not None:
            try:
                secret = stripe_gateway.ensure_intent(payment).client_secret
            except stripe.StripeError as exc:  # Stripe unreachable: the order waits
                logger.warning("no payment intent for order %s: %s", obj.number, exc)
                secret = None
            data["card"] = {
                "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
                "client_secret": secret,
            }
        return data


def _order_queryset():
    return Order.objects.select_related("user").prefetch_related(
        "suborders__lines", "suborders__cooperative", "payments"
    )


class CheckoutBody(serializers.Serializer):
    full_name = serializers.CharField(max_length=120)
    phone = serializers.CharField(max_length=20, help_text="A Vietnamese number.")
    email = serializers.EmailField()
    province = serializers.IntegerField(help_text="Province code (`/api/v1/regions/`).")
    ward = serializers.IntegerField(help_text="Commune / ward code (`/api/v1/wards`).")
    address_line = serializers.CharField(max_length=255)
    delivery_note = serializers.CharField(max_length=500, required=False, allow_blank=True)
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)


CHECKOUT_CODES = {
    services.OutOfStock: "out_of_stock",
    services.PriceChanged: "price_changed",
    services.NotForSale: "not_for_sale",
}


class Checkout(SessionAPIView):
    """Place the order of the cart: the checkout form's rules, one order across cooperatives,
    stock reserved atomically (409 when it ran out meanwhile). Answers the order with what to
    pay: the VietQR transfer, or the card's Stripe client secret; cash on delivery needs
    nothing. As many checkouts per address as the storefront allows (429 beyond)."""

    permission_classes = [ShopperOnly]

    @extend_schema(
        request=CheckoutBody, responses={201: OrderSerializer}, operation_id="checkout_create"
    )
    def post(self, request):
        if over_limit(request, "checkout", settings.CHECKOUT_RATE_LIMIT):
            refused = exceptions.Throttled(
                detail=_("Too many orders from your connection: wait a minute.")
            )
            refused.wait = 60  # Retry-After; the message says it already
            raise refused
        cart = carts.get_cart(request)
        summary = carts.view(cart)
        if summary.is_empty:
            raise Conflict(_("Your cart is empty."), code="cart_empty")
        if not summary.can_check_out:
            problems = summary.problems or [_("Prices changed: accept the new prices first.")]
            raise Conflict(" ".join(problems), code="cart_not_ready")
        form = CheckoutForm(request.data if isinstance(request.data, dict) else {})
        if not form.is_valid():
            raise exceptions.ValidationError(
                {name: [str(m) for m in errors] for name, errors in form.errors.items()}
            )
        try:
            order = services.place_order(
                lines=carts.checkout_lines(cart),
                customer=form.customer(),
                payment_method=form.cleaned_data["payment_method"],
                user=request.user if request.user.is_authenticated else None,
                language=get_language(),
            )
        except services.CheckoutError as exc:
            raise Conflict(exc.message, code=CHECKOUT_CODES.get(type(exc), "conflict")) from None
        cart.delete()
        remember_order(request, order.number)
        order = _order_queryset().get(pk=order.pk)
        return Response(OrderSerializer(order, context={"request": request}).data, status=201)


class OrderList(LanguageMixin, generics.ListAPIView):
    """The visitor's orders, newest first: those of the signed-in account, and those this
    session placed or opened by their link."""

    permission_classes = [ShopperOnly]

    serializer_class = OrderSerializer

    def get_queryset(self):
        numbers = self.request.session.get(RECENT_ORDERS, [])
        mine = Q(number__in=numbers)
        if self.request.user.is_authenticated:  # a person (ShopperOnly)
            mine |= Q(user=self.request.user)
        return _order_queryset().filter(mine).order_by("-created_at", "-pk")


def _order(request, number: str) -> Order:
    try:
        # An API token acts as its shopper only, even an operator's.
        return order_for(request, number, office=request_token(request) is None)
    except (LinkInvalid, Http404):
        raise exceptions.NotFound(_("No such order, or not yours.")) from None


class OrderDetail(APIView):
    """An order the visitor may see (their account's, this session's, or with its link's
    ``?t=``): parcels and their tracking, recalls, what is left to pay."""

    permission_classes = [ShopperOnly]

    @extend_schema(
        parameters=[OpenApiParameter("t", str, description="The order link's token.")],
        responses=OrderSerializer,
        operation_id="orders_retrieve",
    )
    def get(self, request, number: str):
        return Response(OrderSerializer(_order(request, number), context={"request": request}).data)


class CancelBody(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class OrderCancel(SessionAPIView):
    """Cancel the order before anything shipped (paid orders are refunded)."""

    permission_classes = [ShopperOnly]

    @extend_schema(request=CancelBody, responses=OrderSerializer, operation_id="orders_cancel")
    def post(self, request, number: str):
        order = _order(request, number)
        body = CancelBody(data=request.data)
        body.is_valid(raise_exception=True)
        actor = request.user if request.user.is_authenticated else None
        try:
            services.cancel_order(order, actor=actor, reason=body.validated_data.get("reason", ""))
        except services.OrderActionError as exc:
            raise Conflict(str(exc)) from None
        order = _order_queryset().get(pk=order.pk)
        return Response(OrderSerializer(order, context={"request": request}).data)
