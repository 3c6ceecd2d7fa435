"""PostgreSQL cut off in the middle of a checkout, under production settings and gunicorn: a
friendly 503 (with Retry-After), nothing half-written, stock unchanged; the same checkout goes
through once the database is back. The resolver answers 503 too, never a 500, for a forged
stamp and for a genuine one (whose batch it had just cached: the stamp row itself is read on
every scan, as a recall or a revoked stamp must show at once)."""

import datetime

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import connection
from django.test import TestCase

from catalog.models import Stock
from orders.models import Order
from traceability.services import batch_create, batch_release, stamp_order_create
from traceability.signing import keyring

from ..factories import add_product
from .conftest import Browser, TcpProxy, database_url_through, gunicorn

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def proxy():
    db = connection.settings_dict
    relay = TcpProxy((db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432)))
    yield relay
    relay.close()


def test_a_checkout_while_the_database_is_cut_off_is_a_503_and_writes_nothing(
    production_env, proxy, tree
):
    product = add_product(tree.coop_page, title="Chè búp La Bằng", price=125_000, stock=20)
    variant = product.variants.get()
    env = {**production_env, "DATABASE_URL": database_url_through(proxy), "DB_CONN_MAX_AGE": "0"}
    with gunicorn(env, timeout=20) as (base, log):
        browser = Browser(base)
        assert (
            browser.post("/cart/add/", {"variant": variant.pk, "quantity": "3"}).status_code == 302
        )
        form = browser.get("/checkout/")
        data = {
            "csrfmiddlewaretoken": browser.csrf_token(form.text),
            "full_name": "Nguyễn Thị Lan",
            "phone": "0912345678",
            "email": "lan@example.vn",
            "province": "1",
            "ward": "4",
            "address_line": "12 Phố Hàng Bông",
            "payment_method": "cod",
        }
        proxy.cut()
        refused = browser.post("/checkout/", data)
        assert refused.status_code == 503, log()[-3000:]
        assert refused.headers["Retry-After"] == "30"
        assert "Nothing was recorded" in refused.text  # the page says so, in both languages
        stamp = "/01/08934601100017/10/LB2603A/21/NOSUCHSERIAL?s=dev-1.AAAA"
        scanned = browser.session.get(
            base + stamp, headers={**browser.headers, "Accept": "application/json"}, timeout=30
        )
        assert scanned.status_code == 503 and "error" in scanned.json()
        assert Order.objects.count() == 0
        stock = Stock.objects.get(variant=variant)
        assert (stock.on_hand, stock.reserved) == (20, 0)
        proxy.restore()
        placed = browser.post("/checkout/", data)
        assert placed.status_code == 302, log()[-3000:]
    order = Order.objects.get()
    assert order.suborders.get().lines.get().quantity == 3
    stock.refresh_from_db()
    assert (stock.on_hand, stock.reserved) == (20, 3)


def test_a_genuine_stamp_while_the_database_is_cut_off_is_a_503_never_a_500(
    production_env, proxy, tree
):
    variant = add_product(tree.coop_page, title="Chè búp La Bằng", stock=50).variants.get()
    batch = batch_create(
        variant=variant, lot="LB2603A", production_date=datetime.date(2026, 3, 15), quantity=100
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        stamp_order_create(batch=batch, count=2)
    batch_release(batch=batch)
    first, second = batch.stamps.order_by("number")
    pem = keyring().private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    env = {
        **production_env,
        "DATABASE_URL": database_url_through(proxy),
        "TRACE_SIGNING_KEY_PEM": pem.decode(),
        "TRACE_SIGNING_KEY_ID": keyring().key_id,
        "TRACE_RESOLVER_BASE_URL": settings.TRACE_RESOLVER_BASE_URL.replace("http:", "https:"),
    }

    def scan(stamp, accept="application/json"):
        path = stamp.uri.split("127.0.0.1:8000", 1)[1]
        headers = {"Accept": accept, "X-Forwarded-Proto": "https"}
        return requests.get(base + path, headers=headers, timeout=30)

    with gunicorn(env, timeout=20, workers=1) as (base, log):
        assert scan(first).json()["verdict"] == "genuine"  # its batch now in the caches
        proxy.cut()
        for stamp in (first, second):
            for accept in ("application/json", "text/html"):
                answer = scan(stamp, accept)
                assert answer.status_code == 503, (accept, answer.text[:300], log()[-2000:])
                assert answer.headers["Retry-After"] == "30"
        proxy.restore()
        assert scan(second).json()["verdict"] == "genuine"
