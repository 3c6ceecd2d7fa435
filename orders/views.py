"""Shopper views: cart, checkout, the order page (pay, track, cancel), sign-in; and the
payment webhooks (Stripe, bank notifications for VietQR)."""

import functools
import json
import logging
import re
import time

from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import exceptions, serializers
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from marketplace import csp
from marketplace.api.legacy import LegacyAPIView, LegacyError
from marketplace.locations import ward_choices_for
from marketplace.throttle import over_limit
from marketplace.workspace import operator_user

from . import cart as carts
from . import services, stripe_gateway, vietqr
from .forms import CheckoutForm
from .links import token_is_valid, tracking_path
from .models import ORDER_NUMBER_PATTERN, Order, Payment, PaymentMethod, WebhookEvent

logger = logging.getLogger(__name__)
RECENT_ORDERS = "recent_orders"


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


# --- cart ----------------------------------------------------------------------------


@never_cache
@require_GET
def cart_page(request):
    cart = carts.get_cart(request)
    response = render(request, "orders/cart.html", {"cart": carts.view(cart)})
    carts.set_count_cookie(response, cart)
    return response


# Product pages are the same for everyone (cacheable), so they carry no CSRF token. Adding
# to a cart is safe without one: the session cookie is SameSite=Lax, so a form posted from
# another site arrives without it and fills a new, empty guest cart, never the shopper's.
@csrf_exempt
@never_cache
@require_POST
def cart_add(request):
    cart = carts.get_cart(request, create=True)
    try:
        line = carts.add(
            cart, variant_id=request.POST.get("variant"), quantity=request.POST.get("quantity", 1)
        )
    except carts.CartError as exc:
        if _wants_json(request):
            return JsonResponse({"error": str(exc)}, status=400)
        messages.error(request, str(exc))
        response = redirect(_back(request))
    else:
        message = _("Added to your cart: %(item)s.") % {
            "item": f"{line.variant.page.title} — {line.variant.unit_label}"
        }
        if _wants_json(request):
            response = JsonResponse({"message": message, "count": carts.count(cart)})
        else:
            messages.success(request, message)
            response = redirect("orders:cart")
    carts.set_count_cookie(response, cart)
    return response


def _back(request) -> str:
    target = request.POST.get("next") or request.headers.get("Referer") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("orders:cart")


@never_cache
@require_POST
def cart_update(request):
    cart = carts.get_cart(request)
    if cart is None:
        messages.error(request, _("Your cart is empty."))
        return redirect("orders:cart")
    action = request.POST.get("action", "update")
    try:
        if action == "remove":
            carts.remove(cart, line_id=request.POST.get("line"))
        elif action == "accept_prices":
            carts.accept_prices(cart)
        else:
            carts.set_quantity(
                cart, line_id=request.POST.get("line"), quantity=request.POST.get("quantity")
            )
    except carts.CartError as exc:
        messages.error(request, str(exc))
    response = redirect("orders:cart")
    carts.set_count_cookie(response, cart)
    return response


# --- checkout ------------------------------------------------------------------------


def _initial(request) -> dict:
    user = request.user
    if not user.is_authenticated:
        return {"payment_method": PaymentMethod.VIETQR}
    last = user.orders.order_by("-created_at").first()
    initial = {
        "full_name": user.get_full_name(),
        "email": user.email,
        "phone": user.phone,
        "payment_method": PaymentMethod.VIETQR,
    }
    if last:
        initial.update(
            full_name=last.full_name,
            phone=last.phone,
            email=last.email,
            province=last.province_code,
            ward=last.ward_code,
            address_line=last.address_line,
        )
    return initial


@never_cache
@require_http_methods(["GET", "POST"])
def checkout(request):
    cart = carts.get_cart(request)
    summary = carts.view(cart)
    if not summary.can_check_out:
        if summary.is_empty:
            messages.info(request, _("Your cart is empty."))
        else:
            messages.error(request, _("Check your cart before paying."))
        return redirect("orders:cart")
    if request.POST.get("choose_province"):
        # Without JavaScript: show the chosen province's communes, no errors yet.
        initial = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
        form = CheckoutForm(initial=initial)
        return render(request, "orders/checkout.html", {"form": form, "cart": summary})
    form = CheckoutForm(request.POST or None, initial=_initial(request))
    if request.method == "POST" and over_limit(request, "checkout", settings.CHECKOUT_RATE_LIMIT):
        # Kept as typed: the shopper only has to send it again a little later.
        form.is_valid()
        form.add_error(
            None, _("Too many orders from your connection: wait a minute and send again.")
        )
        context = {"form": form, "cart": summary}
        return render(request, "orders/checkout.html", context, status=429)
    if request.method == "POST" and form.is_valid():
        try:
            order = services.place_order(
                lines=carts.checkout_lines(cart),
                customer=form.customer(),
                payment_method=form.cleaned_data["payment_method"],
                user=request.user,
                language=get_language(),
            )
        except services.CheckoutError as exc:
            messages.error(request, exc.message)
            return redirect("orders:cart")
        cart.delete()
        _remember_order(request, order.number)
        response = redirect(tracking_path(order))
        carts.set_count_cookie(response, None)
        return response
    return render(request, "orders/checkout.html", {"form": form, "cart": summary})


class WardChoice(serializers.Serializer):
    code = serializers.IntegerField()
    name = serializers.CharField()


class Wards(LegacyAPIView):
    """The communes (wards) of one province, for the checkout's second select."""

    # The same for everyone: no session read, so shared caches may keep it.
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="wards",
        parameters=[OpenApiParameter("province", int, required=True, description="Its code.")],
        responses={
            200: OpenApiResponse(
                inline_serializer("WardList", {"wards": WardChoice(many=True)}),
                description="Its communes, by name (cached for a day).",
            ),
            400: OpenApiResponse(LegacyError, description="province is not a number."),
            404: OpenApiResponse(LegacyError, description="No such province."),
        },
    )
    def get(self, request):
        try:
            province = int(request.query_params.get("province", ""))
        except ValueError:
            raise exceptions.ValidationError("province must be a province code") from None
        choices = ward_choices_for(province)
        if not choices:
            raise exceptions.NotFound(f"unknown province {province}")
        response = Response({"wards": [{"code": c, "name": n} for c, n in choices]})
        response["Cache-Control"] = "public, max-age=86400"
        return response


wards = Wards.as_view()


# --- the order page ---------------------------------------------------------------------


class LinkInvalid(Exception):
    pass


def _order_for(request, number: str, *, office: bool = True) -> Order:
    """The order, if this visitor may see it: its account, this session, the link, or the
    province office (operators, when ``office``; an API token acts as its shopper only).
    A cooperative's member sees its sub-orders in the admin, never a shopper's order here."""
    if not re.fullmatch(ORDER_NUMBER_PATTERN, number):
        raise Http404
    order = (
        Order.objects.select_related("user")
        .prefetch_related("suborders__lines", "suborders__cooperative", "payments__refunds")
        .filter(number=number)
        .first()
    )
    token = request.GET.get("t") or request.POST.get("t")
    allowed = order is not None and (
        (request.user.is_authenticated and (order.user_id == request.user.pk))
        or (office and operator_user(request.user))
        or number in request.session.get(RECENT_ORDERS, [])
        or (token and token_is_valid(order, token))
    )
    if not allowed:
        raise LinkInvalid
    if token and number not in request.session.get(RECENT_ORDERS, []):
        _remember_order(request, number)
    return order


def _remember_order(request, number: str) -> None:
    """This browser may open the order again without the link (the 20 latest)."""
    request.session[RECENT_ORDERS] = [number, *request.session.get(RECENT_ORDERS, [])[:19]]


# The API's names for the same rules (orders/apis.py).
order_for = _order_for
remember_order = _remember_order


def with_order(*, json: bool = False):
    """Resolve ``number`` to an order this visitor may see, or answer 403 (page or JSON)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, number):
            try:
                order = _order_for(request, number)
            except LinkInvalid:
                if json:
                    return JsonResponse({"error": _("This order link is not valid.")}, status=403)
                return render(request, "orders/link_invalid.html", status=403)
            return view(request, order)

        return wrapper

    return decorator


@never_cache
@require_GET
@with_order(json=False)
def order_detail(request, order):
    from traceability.recall import notices_for

    context = {
        "order": order,
        "payment": order.payment,
        "can_cancel": services.can_cancel(order),
        "awaiting": order.status == Order.Status.AWAITING_PAYMENT,
        # Recalls of lots this order received: the page is never cached (never_cache, and
        # the page cache stores no private page), so a new recall shows on the next visit.
        "recalls": notices_for(order),
    }
    if context["awaiting"] and order.payment_method == PaymentMethod.VIETQR:
        transfer = vietqr.marketplace_transfer(amount=order.total, purpose=order.number)
        context.update(transfer=transfer, transfer_svg=vietqr.svg(transfer.payload))
    if context["awaiting"] and order.payment_method == PaymentMethod.CARD:
        context.update(
            stripe_js_url=settings.STRIPE_JS_URL,
            stripe_publishable_key=settings.STRIPE_PUBLISHABLE_KEY,
        )
    response = render(request, "orders/order_detail.html", context)
    if "stripe_js_url" in context:  # Stripe.js, its card fields and 3-D Secure frames
        csp.allow(response, csp.stripe_sources())
    return response


@never_cache
@require_GET
@with_order(json=True)
def order_status(request, order):
    payment = order.payment
    return JsonResponse(
        {
            "number": order.number,
            "status": order.status,
            "status_label": order.get_status_display(),
            "paid": order.is_paid,
            "payment_status": payment.status if payment else None,
            "failure_message": payment.failure_message if payment else "",
        }
    )


@never_cache
@require_POST
@with_order(json=False)
def order_cancel(request, order):
    try:
        services.cancel_order(
            order, actor=request.user, reason=request.POST.get("reason", "")[:200]
        )
    except services.OrderActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your order is cancelled."))
    return redirect(reverse("orders:detail", args=[order.number]))


@never_cache
@require_POST
@with_order(json=True)
def order_pay_card(request, order):
    """JSON: the browser's card token -> confirm the intent; the webhook marks it paid."""
    if order.payment_method != PaymentMethod.CARD or order.status != Order.Status.AWAITING_PAYMENT:
        return JsonResponse(
            {"error": _("This order is not waiting for a card payment.")}, status=409
        )
    try:
        token = json.loads(request.body or b"{}").get("token", "")
    except (ValueError, AttributeError):
        token = ""
    if not isinstance(token, str) or not re.fullmatch(r"(tok|src|card)_[A-Za-z0-9]{6,64}", token):
        return JsonResponse({"error": _("The card details did not come through; try again.")}, 400)
    payment = order.payments.filter(method=PaymentMethod.CARD).last()
    try:
        result = stripe_gateway.pay_with_token(payment, token)
    except stripe_gateway.CardError as exc:
        return JsonResponse({"error": str(exc)}, status=402)
    return JsonResponse(result)


# --- webhooks ----------------------------------------------------------------------------


def _record_event(provider: str, event_id: str, event_type: str, payload: dict) -> bool:
    """False when this event was already recorded (a repeat delivery)."""
    try:
        with transaction.atomic():
            WebhookEvent.objects.create(
                provider=provider, event_id=event_id, event_type=event_type, payload=payload
            )
    except IntegrityError:
        return False
    return True


class BadSignature(exceptions.APIException):
    status_code = 400
    default_code = "bad_signature"


class WebhookView(LegacyAPIView):
    """A provider's notification: its signature over the raw body is checked before anything
    else (the body is read as bytes, never parsed by the framework first), no session, no
    CSRF token, no rate limit (a provider retries what is refused)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []
    parser_classes = [JSONParser]  # the schema's: the view reads the raw body itself


WEBHOOK_ERRORS = {
    400: OpenApiResponse(
        LegacyError,
        description="A bad signature (`code`: bad_signature) or body (`code`: invalid).",
    ),
}


class StripeWebhook(WebhookView):
    """Stripe's events (``payment_intent.succeeded``, ``payment_intent.payment_failed``;
    others are recorded and ignored), each handled once."""

    @extend_schema(
        operation_id="payments_stripe_webhook",
        parameters=[
            OpenApiParameter(
                "Stripe-Signature",
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="Stripe's signature of the raw body (t=…,v1=…).",
            )
        ],
        request=inline_serializer(
            "StripeEvent",
            {
                "id": serializers.CharField(),
                "type": serializers.CharField(help_text="payment_intent.succeeded…"),
                "data": inline_serializer(
                    "StripeEventData",
                    {"object": serializers.DictField(help_text="The payment intent.")},
                ),
            },
        ),
        responses={
            200: OpenApiResponse(
                inline_serializer(
                    "StripeWebhookOutcome",
                    {
                        "status": serializers.CharField(
                            help_text="What was done: duplicate, ignored, the payment's outcome…"
                        )
                    },
                ),
                description="Recorded (a repeated event changes nothing).",
            ),
            **WEBHOOK_ERRORS,
            404: OpenApiResponse(LegacyError, description="Card payments are not configured."),
        },
    )
    def post(self, request):
        if not settings.STRIPE_WEBHOOK_SECRET:
            raise exceptions.NotFound("card payments are not configured")
        try:
            stripe_gateway.construct_event(
                request.body, request.headers.get("Stripe-Signature", "")
            )
        except Exception as exc:  # ValueError (bad JSON) or SignatureVerificationError
            logger.warning("stripe webhook refused: %s", exc.__class__.__name__)
            raise BadSignature("bad signature or payload") from None
        # Verified: read it as plain JSON (the SDK's objects are not dicts).
        payload = json.loads(request.body)
        payload = payload if isinstance(payload, dict) else {}
        event_id, event_type = str(payload.get("id", "")), str(payload.get("type", ""))
        data = payload.get("data")
        intent = data.get("object") if isinstance(data, dict) else None
        if not event_id or not isinstance(intent, dict):
            raise exceptions.ValidationError("an event with an id and data.object expected")
        handled = {"payment_intent.succeeded", "payment_intent.payment_failed"}
        with transaction.atomic():
            if not _record_event("stripe", event_id, event_type, payload):
                return Response({"status": "duplicate"})
            if event_type not in handled:
                return Response({"status": "ignored"})
            payment = Payment.objects.filter(
                method=PaymentMethod.CARD, provider_ref=str(intent.get("id", ""))
            ).first()
            if payment is None:
                outcome = "unknown payment intent"
            elif event_type == "payment_intent.succeeded":
                if intent.get("amount") != payment.amount or intent.get("currency") != "vnd":
                    payment.order.flag(
                        f"Stripe amount {intent.get('amount')} {intent.get('currency')}"
                    )
                    outcome = "amount mismatch: flagged"
                else:
                    outcome = services.payment_succeeded(payment, reason=f"stripe {event_id}")
            else:
                error = intent.get("last_payment_error") or {}
                outcome = services.payment_failed(payment, message=str(error.get("message", "")))
            WebhookEvent.objects.filter(provider="stripe", event_id=event_id).update(
                outcome=outcome[:255]
            )
        return Response({"status": outcome})


stripe_webhook = StripeWebhook.as_view()


class VietQRNotify(WebhookView):
    """A bank's notification of an incoming transfer (see ``vietqr.verify_signature``).

    JSON: ``transaction_id``, ``amount`` (đồng), ``description`` (the transfer text, where
    the order number is), optionally ``order_code``. Answers 200 once recorded, whatever
    the match (the bank must not resend), with the outcome; 400 for bad signature or body.
    """

    @extend_schema(
        operation_id="payments_vietqr_notify",
        parameters=[
            OpenApiParameter(
                "X-Signature",
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="The bank's signature of the raw body, with its time.",
            )
        ],
        request=inline_serializer(
            "BankTransfer",
            {
                "transaction_id": serializers.CharField(max_length=100),
                "amount": serializers.IntegerField(min_value=1, help_text="Đồng."),
                "description": serializers.CharField(
                    required=False, allow_blank=True, help_text="The transfer's text."
                ),
                "order_code": serializers.CharField(required=False, allow_blank=True),
            },
        ),
        responses={
            200: OpenApiResponse(
                inline_serializer(
                    "BankTransferOutcome",
                    {
                        "status": serializers.CharField(
                            help_text="duplicate, unmatched, flagged or the payment's outcome."
                        ),
                        "order": serializers.CharField(
                            required=False, allow_null=True, help_text="The order number read."
                        ),
                        "message": serializers.CharField(required=False),
                    },
                ),
                description="Recorded, whatever the match: the bank must not resend.",
            ),
            **WEBHOOK_ERRORS,
        },
    )
    def post(self, request):
        if not vietqr.verify_signature(
            request.body, request.headers.get("X-Signature", ""), now=int(time.time())
        ):
            raise BadSignature("bad or expired signature")
        try:
            data = json.loads(request.body)
            transaction_id = str(data["transaction_id"]).strip()
            amount = data["amount"]
            description = str(data.get("description", ""))
        except (ValueError, KeyError, TypeError):
            raise exceptions.ValidationError(
                "JSON with transaction_id, amount and description expected"
            ) from None
        if (
            not transaction_id
            or len(transaction_id) > 100
            or isinstance(amount, bool)
            or not isinstance(amount, int)
            or amount <= 0
        ):
            raise exceptions.ValidationError(
                "transaction_id must be text and amount a positive integer"
            )
        found = re.search(
            ORDER_NUMBER_PATTERN, f"{data.get('order_code', '')} {description}".upper()
        )
        number = found.group(0) if found else ""
        with transaction.atomic():
            if not _record_event("vietqr", transaction_id, "transfer", data):
                return Response({"status": "duplicate"})
            order = Order.objects.filter(number=number).first() if number else None
            payment = order.payments.filter(method=PaymentMethod.VIETQR).last() if order else None
            if payment is None:
                outcome, message = "unmatched", "no VietQR order with this code: kept for staff"
            elif amount != payment.amount:
                order.flag(
                    _("Transfer %(ref)s brought %(got)s đồng, the order is %(want)s: check it.")
                    % {"ref": transaction_id, "got": amount, "want": payment.amount}
                )
                from marketplace.outbox import enqueue

                enqueue("orders.tasks.send_staff_attention", order_id=order.pk)
                outcome, message = "flagged", "amount does not match the order: flagged, not paid"
            elif payment.status == Payment.Status.SUCCEEDED:
                order.flag(
                    _("A second transfer %(ref)s for a paid order: refund it.")
                    % {"ref": transaction_id}
                )
                outcome, message = "flagged", "order already paid: flagged for a refund"
            else:
                outcome = services.payment_succeeded(
                    payment, provider_ref=transaction_id, reason=f"bank transfer {transaction_id}"
                )
                message = outcome
            WebhookEvent.objects.filter(provider="vietqr", event_id=transaction_id).update(
                outcome=f"{outcome}: {message}"[:255]
            )
        return Response({"status": outcome, "order": number or None, "message": message})


vietqr_notify = VietQRNotify.as_view()
