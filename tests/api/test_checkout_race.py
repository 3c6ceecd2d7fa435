"""The stock race through the API: 50 shoppers, each with a cart holding the same tea, check
out over real HTTP at the same moment for the last 5 units. Exactly 5 get an order; the other
45 are told, with a clear 409, that the stock ran out, and keep their cart. Nobody sees a
500, nothing is oversold.

It runs against pytest-django's live server (threaded, one database connection per request)
on PostgreSQL, where stock is reserved with a conditional UPDATE in each request's own
transaction."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection

from catalog.models import Stock
from orders.models import Order, OrderLine

from ..workspace import HANOI_WARD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SHOPPERS = 50
UNITS = 5
TIMEOUT = 60  # seconds per request: the live server queues the 50 connections
ADDRESS = {
    "full_name": "Nguyễn Thị Lan",
    "phone": "0912345678",
    "email": "lan@example.vn",
    "province": 1,
    "ward": HANOI_WARD,
    "address_line": "12 Phố Hàng Bông",
    "delivery_note": "Gọi trước 30 phút",
    "payment_method": "cod",
}


class Shopper:
    """One person's phone: its own cookies (session, CSRF token), as a browser keeps them."""

    def __init__(self, api: str):
        self.api = api
        self.http = requests.Session()
        self.http.headers["Accept-Language"] = "en"

    def get(self, path: str) -> requests.Response:
        return self.http.get(f"{self.api}{path}", timeout=TIMEOUT)

    def post(self, path: str, body: dict) -> requests.Response:
        return self.http.post(
            f"{self.api}{path}",
            json=body,
            headers={"X-CSRFToken": self.http.cookies["csrftoken"]},
            timeout=TIMEOUT,
        )


def _body(response: requests.Response):
    try:
        return response.json()
    except ValueError:
        return response.text[:2000]


def test_fifty_shoppers_race_for_five_units_over_http(live_server, shop, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the race needs PostgreSQL's row locks (CI runs it there)")
    # All 50 come from 127.0.0.1 (about 250 requests in all): lift the per-address limits of
    # checkouts and of anonymous API calls (the code paths are production's, only the
    # numbers change).
    settings.CHECKOUT_RATE_LIMIT = "1000/m"
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "anon": "10000/min"},
    }
    variant = shop.tea_variant
    Stock.objects.filter(variant=variant).update(on_hand=UNITS, reserved=0)
    api = f"{live_server.url}/api/v1"

    # Each shopper opens the cart (the CSRF cookie) and puts one packet of tea in it: 5 are
    # available, so everyone may add 1.
    shoppers = [Shopper(api) for _ in range(SHOPPERS)]
    for shopper in shoppers:
        assert shopper.get("/cart/").status_code == 200
        added = shopper.post("/cart/lines/", {"variant": variant.pk, "quantity": 1})
        assert added.status_code == 201, _body(added)
        assert added.json()["count"] == 1 and added.json()["can_check_out"]

    # Then all of them press "Place order" at once.
    start = threading.Barrier(SHOPPERS, timeout=TIMEOUT)

    def check_out(shopper: Shopper) -> requests.Response:
        start.wait()
        return shopper.post("/checkout/", ADDRESS)

    with ThreadPoolExecutor(max_workers=SHOPPERS) as pool:
        responses = list(pool.map(check_out, shoppers))

    statuses = [r.status_code for r in responses]
    assert sorted(set(statuses)) == [201, 409], [
        (r.status_code, _body(r)) for r in responses if r.status_code not in (201, 409)
    ]
    assert statuses.count(201) == UNITS
    assert statuses.count(409) == SHOPPERS - UNITS

    # The winners each have an order of one packet of tea, to be paid on delivery.
    winners = [s for s, r in zip(shoppers, responses, strict=True) if r.status_code == 201]
    orders = [r.json() for r in responses if r.status_code == 201]
    assert len({o["number"] for o in orders}) == UNITS
    for order in orders:
        assert order["status"] == "processing" and order["payment"]["method"] == "cod"
        assert [
            (line["sku"], line["quantity"]) for p in order["parcels"] for line in p["lines"]
        ] == [(variant.sku, 1)]
    for shopper, order in zip(winners, orders, strict=True):
        assert shopper.get("/cart/").json()["count"] == 0
        mine = shopper.get("/orders/").json()["results"]
        assert [o["number"] for o in mine] == [order["number"]]

    # The others are told why, naming the tea, and keep their cart, which now says the tea
    # is gone and cannot be checked out.
    losers = [s for s, r in zip(shoppers, responses, strict=True) if r.status_code == 409]
    codes = []
    for response in responses:
        if response.status_code != 409:
            continue
        assert response.headers["Content-Type"].startswith("application/json")
        error = response.json()
        assert set(error) == {"detail", "code"}, error
        assert error["code"] in {"out_of_stock", "cart_not_ready"}, error
        assert isinstance(error["detail"], str) and shop.tea.title in error["detail"], error
        codes.append(error["code"])
    # Some lost at the reservation itself (their cart still looked fine when they sent it):
    # the checkouts really overlapped, and were not merely served one after another.
    assert "out_of_stock" in codes, "the checkouts never overlapped"
    for shopper in losers:
        cart = shopper.get("/cart/").json()
        assert cart["count"] == 1 and not cart["can_check_out"], cart
        assert cart["problems"], cart
        assert shopper.get("/orders/").json()["results"] == []

    # Nothing oversold: 5 orders of one unit, 5 reserved, nothing more on sale.
    assert Order.objects.count() == UNITS
    lines = OrderLine.objects.filter(suborder__order__number__in=[o["number"] for o in orders])
    assert sorted(lines.values_list("quantity", flat=True)) == [1] * UNITS
    assert OrderLine.objects.count() == UNITS
    stock = Stock.objects.get(variant=variant)
    assert (stock.on_hand, stock.reserved, stock.available) == (UNITS, UNITS, 0)
