"""PostgreSQL cut off in the middle of a checkout, under production settings and gunicorn: a
friendly 503 (with Retry-After), nothing half-written, stock unchanged; the same checkout goes
through once the database is back. The resolver answers 503 too, never a 500."""

import pytest
from django.db import connection

from catalog.models import Stock
from orders.models import Order

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
