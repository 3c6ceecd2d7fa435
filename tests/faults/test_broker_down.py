"""A guest checkout with Redis (Celery's broker, and the cache) unreachable, under production
settings and gunicorn: the shopper gets the order page, exactly one order is placed, and its
e-mails wait in the outbox for the broker's return.

Before the fix, publishing each outbox message subscribed to its result on Redis first, which
retried 20 times a second apart: gunicorn killed the worker after its timeout, the shopper got
no page, and the order was committed anyway (trying again made a second one)."""

import json
import re

import pytest

from marketplace.models import OutboxMessage
from orders.models import Order

from ..factories import add_product
from .conftest import Browser, free_port, gunicorn, served_database_url

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def product(tree):
    return add_product(tree.coop_page, title="Chè búp La Bằng", price=125_000, stock=20)


def test_a_checkout_with_redis_down_answers_and_places_one_order(production_env, product):
    env = {
        **production_env,
        "DATABASE_URL": served_database_url(),
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",  # nobody listens there
    }
    variant = product.variants.get()
    # gunicorn kills a request that takes longer than its timeout: a hang is a failure here.
    with gunicorn(env, timeout=15) as (base, log):
        browser = Browser(base)
        assert browser.get(product.url).status_code == 200
        added = browser.post("/cart/add/", {"variant": variant.pk, "quantity": "2"})
        assert added.status_code == 302
        form = browser.get("/checkout/")
        assert form.status_code == 200
        placed = browser.post(
            "/checkout/",
            {
                "csrfmiddlewaretoken": browser.csrf_token(form.text),
                "full_name": "Nguyễn Thị Lan",
                "phone": "0912345678",
                "email": "lan@example.vn",
                "province": "1",
                "ward": "4",
                "address_line": "12 Phố Hàng Bông",
                "payment_method": "cod",
            },
        )
        assert placed.status_code == 302, log()[-3000:]
        assert re.match(r"^/orders/DH[0-9A-Z]{8}/\?t=", placed.headers["Location"])
        page = browser.get(placed.headers["Location"])
        assert page.status_code == 200
        logged = log()
    order = Order.objects.get()
    assert order.number in page.text
    assert "Retry (" not in logged and "WORKER TIMEOUT" not in logged
    # The outage is a line or two in the log, not a traceback per cache call.
    assert "Traceback" not in logged, logged[-3000:]
    assert logged.count("Redis cache unreachable") <= 2  # once per worker at most
    # JSON lines; the outbox's complaint carries the checkout's request id; no phone number.
    lines = [json.loads(line) for line in logged.splitlines() if line.startswith("{")]
    outbox = [line for line in lines if line["message"].startswith("outbox:")]
    assert outbox and {line["request_id"] for line in outbox} == {placed.headers["X-Request-ID"]}
    assert "0912345678" not in logged and "lan@example.vn" not in logged
    waiting = OutboxMessage.objects.filter(task__startswith="orders.tasks.", sent_at__isnull=True)
    assert {m.task for m in waiting} >= {
        "orders.tasks.send_order_placed",
        "orders.tasks.send_suborder_new",
    }
    assert all(m.attempts >= 1 and m.last_error for m in waiting)
