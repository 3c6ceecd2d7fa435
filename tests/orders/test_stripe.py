"""Card payments through the real ``stripe`` SDK against localstripe (a subprocess on a free
port); its signed webhooks reach the live test server. Nothing here talks to the internet."""

import hashlib
import hmac
import json
import time

import pytest
import stripe

from catalog.models import Stock
from orders import services, stripe_gateway
from orders.models import Order, Payment, Refund, WebhookEvent

from .conftest import line

WEBHOOK = "/api/v1/payments/stripe/webhook"
SECRET = "whsec_ocop_test"


@pytest.fixture
def card_settings(settings, localstripe):
    settings.STRIPE_SECRET_KEY = "sk_test_ocop"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_ocop"
    settings.STRIPE_API_BASE = localstripe
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    settings.STRIPE_JS_URL = f"{localstripe}/js.stripe.com/v3/"
    return settings


def card_token(base: str, number: str = "4242424242424242") -> str:
    client = stripe.StripeClient("sk_test_ocop", base_addresses={"api": base})
    card = {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}
    return client.v1.tokens.create(params={"card": card}).id


def signed(payload: dict, secret: str = SECRET) -> tuple[bytes, str]:
    body = json.dumps(payload).encode()
    timestamp = int(time.time())
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return body, f"t={timestamp},v1={digest.hexdigest()}"


def event(event_id: str, event_type: str, intent: dict) -> dict:
    return {"id": event_id, "object": "event", "type": event_type, "data": {"object": intent}}


def post_event(client, payload: dict, secret: str = SECRET):
    body, signature = signed(payload, secret)
    return client.post(
        WEBHOOK, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )


@pytest.fixture
def card_order(shop, customer, card_settings):
    return services.place_order(
        lines=[line(shop.tea_variant, 2)], customer=customer, payment_method="card"
    )


def intent_of(order, status="succeeded", **extra):
    payment = order.payments.get()
    return {
        "id": payment.provider_ref,
        "object": "payment_intent",
        "amount": payment.amount,
        "currency": "vnd",
        "status": status,
        **extra,
    }


def wait_for(predicate, seconds: float = 15.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_card_payment_paid_only_by_localstripes_signed_webhook(
    shop, customer, card_settings, localstripe, live_server
):
    stripe_client = stripe.StripeClient("sk_test_ocop", base_addresses={"api": localstripe})
    _register_webhook(localstripe, f"{live_server.url}{WEBHOOK}")
    order = services.place_order(
        lines=[line(shop.tea_variant, 2)], customer=customer, payment_method="card"
    )
    payment = order.payments.get()
    result = stripe_gateway.pay_with_token(payment, card_token(localstripe))
    assert result["status"] == "succeeded"
    payment.refresh_from_db()
    intent = stripe_client.v1.payment_intents.retrieve(payment.provider_ref)
    assert (intent.amount, intent.currency) == (order.total, "vnd")  # zero-decimal: đồng
    assert intent.metadata["order"] == order.number
    # The browser's word counts for nothing: the order is paid when the webhook says so.
    outcomes = WebhookEvent.objects.filter(
        provider="stripe", event_type="payment_intent.succeeded"
    ).values_list("outcome", flat=True)
    # Wait for the webhook's whole transaction (on SQLite the live server shares the test's
    # connection, so the paid order can be seen before the event's outcome is written).
    # localstripe may send more than one event: the rest did nothing.
    assert wait_for(lambda: "paid" in list(outcomes.all())), "no webhook arrived"
    order.refresh_from_db()
    assert order.is_paid and order.status == Order.Status.PROCESSING
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.SUCCEEDED
    assert order.status_changes.filter(subject="payment", to_status="succeeded").count() == 1


def _register_webhook(base: str, url: str) -> None:
    import urllib.request

    request = urllib.request.Request(
        f"{base}/_config/webhooks/ocop",
        data=json.dumps(
            {
                "url": url,
                "secret": SECRET,
                "events": ["payment_intent.succeeded", "payment_intent.payment_failed"],
            }
        ).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # loopback only
        assert response.status == 200


@pytest.mark.django_db
def test_one_intent_per_order_even_when_asked_twice(card_order, localstripe):
    payment = card_order.payments.get()
    first = stripe_gateway.ensure_intent(payment)
    second = stripe_gateway.ensure_intent(payment)
    assert first.id == second.id
    payment.refresh_from_db()
    assert payment.provider_ref == first.id


@pytest.mark.django_db
def test_three_d_secure_card_needs_the_browser_step(card_order, localstripe):
    payment = card_order.payments.get()
    result = stripe_gateway.pay_with_token(payment, card_token(localstripe, "4000002760003184"))
    assert result["status"] == "requires_action"
    payment.refresh_from_db()
    assert result["client_secret"].startswith(f"{payment.provider_ref}_secret_")
    card_order.refresh_from_db()
    assert not card_order.is_paid


@pytest.mark.django_db
def test_webhook_matrix(client, card_order, localstripe):
    stripe_gateway.ensure_intent(card_order.payments.get())
    card_order.refresh_from_db()
    succeeded = event("evt_1", "payment_intent.succeeded", intent_of(card_order))

    # Bad signature: 400, nothing changes.
    response = post_event(client, succeeded, secret="whsec_wrong")
    assert response.status_code == 400
    assert not Order.objects.get(pk=card_order.pk).is_paid
    assert not WebhookEvent.objects.exists()

    # Signed: paid.
    assert post_event(client, succeeded).json()["status"] == "paid"
    # The same event twice: no second effect.
    assert post_event(client, succeeded).json()["status"] == "duplicate"
    # Out of order: a failure after the success does not undo it.
    failed = event(
        "evt_2",
        "payment_intent.payment_failed",
        intent_of(card_order, "requires_payment_method", last_payment_error={"message": "x"}),
    )
    assert post_event(client, failed).status_code == 200
    payment = Payment.objects.get(order=card_order)
    assert payment.status == Payment.Status.SUCCEEDED
    order = Order.objects.get(pk=card_order.pk)
    assert order.status == Order.Status.PROCESSING and order.is_paid
    # Unknown types: 200, ignored.
    response = post_event(client, event("evt_3", "charge.dispute.created", {"id": "dp_1"}))
    assert (response.status_code, response.json()["status"]) == (200, "ignored")
    assert order.status_changes.filter(subject="payment", to_status="succeeded").count() == 1


@pytest.mark.django_db
def test_failed_payment_shows_the_reason_and_a_retry_can_succeed(client, card_order, localstripe):
    stripe_gateway.ensure_intent(card_order.payments.get())
    card_order.refresh_from_db()
    failed = event(
        "evt_f",
        "payment_intent.payment_failed",
        intent_of(
            card_order,
            "requires_payment_method",
            last_payment_error={"message": "Your card has insufficient funds."},
        ),
    )
    assert post_event(client, failed).json()["status"] == "failed"
    payment = Payment.objects.get(order=card_order)
    assert payment.status == Payment.Status.FAILED
    assert payment.failure_message == "Your card has insufficient funds."
    assert Order.objects.get(pk=card_order.pk).status == Order.Status.AWAITING_PAYMENT
    later = event("evt_s", "payment_intent.succeeded", intent_of(card_order))
    assert post_event(client, later).json()["status"] == "paid"


@pytest.mark.django_db
def test_amount_mismatch_is_flagged_not_paid(client, card_order, localstripe):
    stripe_gateway.ensure_intent(card_order.payments.get())
    card_order.refresh_from_db()
    wrong = event("evt_m", "payment_intent.succeeded", {**intent_of(card_order), "amount": 1})
    assert "mismatch" in post_event(client, wrong).json()["status"]
    order = Order.objects.get(pk=card_order.pk)
    assert not order.is_paid and order.needs_attention


@pytest.mark.django_db
def test_bad_payloads_are_clear_400s(client, card_settings):
    assert client.post(WEBHOOK, data=b"{}", content_type="application/json").status_code == 400
    body, signature = signed({"id": "evt"})
    response = client.post(
        WEBHOOK, data=b"not json", content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )
    assert response.status_code == 400
    for odd in ([], {"id": "evt_x", "type": "payment_intent.succeeded", "data": []}):
        body, signature = signed(odd)
        response = client.post(
            WEBHOOK, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
        )
        assert response.status_code == 400, odd


@pytest.mark.django_db
def test_cancel_after_card_payment_refunds_through_stripe(
    client, card_order, localstripe, django_capture_on_commit_callbacks
):
    payment = card_order.payments.get()
    stripe_gateway.pay_with_token(payment, card_token(localstripe))
    card_order.refresh_from_db()
    post_event(client, event("evt_p", "payment_intent.succeeded", intent_of(card_order)))
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_order(Order.objects.get(pk=card_order.pk), reason="changed my mind")
    refund = Refund.objects.get(payment=payment)
    assert refund.amount == card_order.total and refund.reference.startswith("re_")
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.REFUNDED
    stripe_client = stripe.StripeClient("sk_test_ocop", base_addresses={"api": localstripe})
    assert stripe_client.v1.refunds.retrieve(refund.reference).amount == card_order.total
    assert Stock.objects.get(variant__sku=card_order.suborders.get().lines.get().sku).reserved == 0


@pytest.mark.django_db
def test_late_payment_after_expiry(
    client, shop, customer, card_settings, localstripe, django_capture_on_commit_callbacks
):
    """Paid after the reservation expired: re-reserved if the stock is still there, else
    refunded through Stripe and flagged."""
    import datetime

    from django.utils import timezone

    Stock.objects.filter(variant=shop.tea_variant).update(on_hand=2, reserved=0)
    orders = []
    for _ in range(2):
        order = services.place_order(
            lines=[line(shop.tea_variant, 1)], customer=customer, payment_method="card"
        )
        stripe_gateway.pay_with_token(order.payments.get(), card_token(localstripe))
        orders.append(Order.objects.get(pk=order.pk))
    Order.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        services.expire_unpaid_orders()
    # Someone else buys one of the two units meanwhile.
    services.place_order(lines=[line(shop.tea_variant, 1)], customer=customer, payment_method="cod")

    with django_capture_on_commit_callbacks(execute=True):
        first = post_event(
            client, event("evt_l1", "payment_intent.succeeded", intent_of(orders[0]))
        )
        second = post_event(
            client, event("evt_l2", "payment_intent.succeeded", intent_of(orders[1]))
        )
    assert "stock reserved again" in first.json()["status"]
    assert Order.objects.get(pk=orders[0].pk).status == Order.Status.PROCESSING
    assert "refund" in second.json()["status"]
    late = Order.objects.get(pk=orders[1].pk)
    assert late.status == Order.Status.EXPIRED and late.needs_attention
    assert Refund.objects.get(payment__order=late).reference.startswith("re_")
    assert Stock.objects.get(variant=shop.tea_variant).available == 0


@pytest.mark.django_db
def test_operator_refunds_part_of_a_card_payment_through_stripe(
    admin_client, client, card_order, localstripe
):
    from django.urls import reverse

    payment = card_order.payments.get()
    stripe_gateway.pay_with_token(payment, card_token(localstripe))
    card_order.refresh_from_db()
    post_event(client, event("evt_r", "payment_intent.succeeded", intent_of(card_order)))
    url = reverse("wagtailsnippets_orders_order:action", args=[card_order.pk, "refund"])
    admin_client.post(url, {"amount": 50_000, "reason": "một gói bị rách"})
    first = Refund.objects.get(payment=payment)
    assert first.reference.startswith("re_") and first.amount == 50_000
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.SUCCEEDED
    too_much = admin_client.post(url, {"amount": card_order.total, "reason": "x"}, follow=True)
    assert Refund.objects.filter(payment=payment).count() == 1
    assert "Số tiền hoàn phải từ 1 đến" in " ".join(str(m) for m in too_much.context["messages"])
    admin_client.post(url, {"amount": card_order.total - 50_000, "reason": "hủy phần còn lại"})
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.REFUNDED
    stripe_client = stripe.StripeClient("sk_test_ocop", base_addresses={"api": localstripe})
    refunded = sum(
        stripe_client.v1.refunds.retrieve(r.reference).amount
        for r in Refund.objects.filter(payment=payment)
    )
    assert refunded == card_order.total
