"""A bank's payment notification and a Stripe webhook during a database restart, twice, and
out of order, under production settings and gunicorn: the sender is told to come back (503)
while the database is away, and the payment is recorded exactly once."""

import json
import time
import urllib.request

import pytest
from django.db import connection

from orders import services, stripe_gateway, vietqr
from orders.models import Order, Payment, StatusChange, WebhookEvent

from ..factories import add_product
from ..orders.conftest import line
from ..orders.test_stripe import event, intent_of, signed
from .conftest import TcpProxy, database_url_through, gunicorn

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
SECRET = "bank-hook-secret-for-the-fault-test"


@pytest.fixture
def proxy():
    db = connection.settings_dict
    relay = TcpProxy((db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432)))
    yield relay
    relay.close()


def customer() -> services.Customer:
    return services.Customer(
        full_name="Nguyễn Thị Lan",
        phone="0912345678",
        email="lan@example.vn",
        province_code=1,
        ward_code=4,
        address_line="12 Phố Hàng Bông",
    )


def notify(base: str, transaction_id: str, amount: int, number: str) -> tuple[int, dict]:
    body = json.dumps(
        {"transaction_id": transaction_id, "amount": amount, "description": f"CK {number}"}
    ).encode()
    request = urllib.request.Request(
        base + "/api/v1/payments/vietqr/notify",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Forwarded-Proto": "https",
            "X-Signature": vietqr.sign(body, int(time.time()), SECRET),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_notification_during_a_database_restart_is_recorded_once(production_env, proxy, tree):
    product = add_product(tree.coop_page, title="Chè búp La Bằng", price=125_000, stock=20)
    order = services.place_order(
        lines=[line(product.variants.get(), 2)], customer=customer(), payment_method="vietqr"
    )
    env = {
        **production_env,
        "DATABASE_URL": database_url_through(proxy),
        "VIETQR_WEBHOOK_SECRET": SECRET,
    }
    with gunicorn(env, timeout=20) as (base, log):
        proxy.cut()  # the database restarts
        status, body = notify(base, "FT2634001", order.total, order.number)
        assert status == 503 and "error" in body, log()[-2000:]
        proxy.restore()
        status, body = notify(base, "FT2634001", order.total, order.number)  # the bank retries
        assert (status, body["status"]) == (200, "paid"), body
        assert notify(base, "FT2634001", order.total, order.number)[1]["status"] == "duplicate"
        # Another transfer for the same order, late: flagged for a refund, never paid twice.
        status, body = notify(base, "FT2634002", order.total, order.number)
        assert (status, body["status"]) == (200, "flagged")
    payment = Payment.objects.get(order=order)
    assert payment.status == Payment.Status.SUCCEEDED and payment.provider_ref == "FT2634001"
    assert StatusChange.objects.filter(payment=payment, to_status="succeeded").count() == 1
    assert sorted(WebhookEvent.objects.values_list("event_id", flat=True)) == [
        "FT2634001",
        "FT2634002",
    ]
    assert Order.objects.get(pk=order.pk).needs_attention


STRIPE_SECRET = "whsec_fault_test"


def stripe_event(base: str, payload: dict) -> tuple[int, dict]:
    body, signature = signed(payload, STRIPE_SECRET)
    request = urllib.request.Request(
        base + "/api/v1/payments/stripe/webhook",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Forwarded-Proto": "https",
            "Stripe-Signature": signature,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_stripe_webhook_during_a_database_restart_is_recorded_once(
    production_env, proxy, tree, settings, localstripe
):
    settings.STRIPE_SECRET_KEY = "sk_test_ocop"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_ocop"
    settings.STRIPE_WEBHOOK_SECRET = STRIPE_SECRET
    settings.STRIPE_API_BASE = localstripe
    product = add_product(tree.coop_page, title="Chè búp La Bằng", price=125_000, stock=20)
    order = services.place_order(
        lines=[line(product.variants.get(), 2)], customer=customer(), payment_method="card"
    )
    stripe_gateway.ensure_intent(order.payments.get())  # the intent, made in localstripe
    succeeded = event("evt_fault_1", "payment_intent.succeeded", intent_of(order))
    failed_late = event(
        "evt_fault_2",
        "payment_intent.payment_failed",
        intent_of(order, "requires_payment_method", last_payment_error={"message": "late"}),
    )
    env = {
        **production_env,
        "DATABASE_URL": database_url_through(proxy),
        "STRIPE_SECRET_KEY": "sk_test_ocop",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_ocop",
        "STRIPE_WEBHOOK_SECRET": STRIPE_SECRET,
        "STRIPE_API_BASE": localstripe,
    }
    with gunicorn(env, timeout=20) as (base, log):
        proxy.cut()
        status, body = stripe_event(base, succeeded)
        assert status == 503 and "error" in body, log()[-2000:]
        proxy.restore()
        # Stripe sends the failure it made earlier before retrying the success: out of order.
        assert stripe_event(base, failed_late)[0] == 200
        status, body = stripe_event(base, succeeded)
        assert (status, body["status"]) == (200, "paid"), body
        assert stripe_event(base, succeeded)[1]["status"] == "duplicate"
        assert stripe_event(base, failed_late)[1]["status"] == "duplicate"
    payment = Payment.objects.get(order=order)
    assert payment.status == Payment.Status.SUCCEEDED
    assert StatusChange.objects.filter(payment=payment, to_status="succeeded").count() == 1
    assert Order.objects.get(pk=order.pk).is_paid
