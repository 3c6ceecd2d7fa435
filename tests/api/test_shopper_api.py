"""A shopper's app (or a partner's shop page) through /api/v1/: the cart, the checkout with
the storefront's rules, the order with what to pay, tracking and cancelling; the session and
its CSRF token as for the storefront."""

import pytest
from django.test import Client

from catalog.models import Stock
from orders.models import Order

from ..workspace import HANOI_WARD

pytestmark = pytest.mark.django_db

API = "/api/v1"
ADDRESS = {
    "full_name": "Nguyễn Thị Lan",
    "phone": "0912345678",
    "email": "lan@example.vn",
    "province": 1,
    "ward": HANOI_WARD,
    "address_line": "12 Phố Hàng Bông",
    "delivery_note": "Gọi trước 30 phút",
}


def post(client, path, body=None):
    return client.post(f"{API}{path}", body or {}, content_type="application/json")


def add(client, variant, quantity=1):
    return post(client, "/cart/lines/", {"variant": variant.pk, "quantity": quantity})


def checkout(client, method="cod", **changes):
    return post(client, "/checkout/", {**ADDRESS, "payment_method": method, **changes})


def test_a_cart_across_two_cooperatives_is_two_parcels(client, shop):
    assert client.get(f"{API}/cart/").json()["count"] == 0
    add(client, shop.tea_variant, 2)
    response = add(client, shop.apple_variant, 1)
    assert response.status_code == 201
    cart = response.json()
    assert cart["count"] == 3 and cart["can_check_out"]
    assert {g["cooperative"] for g in cart["groups"]} == {"HTX Na La Hiên", shop.tea_coop.name}
    assert cart["subtotal"] == {"amount": 2 * 125_000 + 60_000, "currency": "VND"}
    assert cart["total"]["amount"] == cart["subtotal"]["amount"] + cart["shipping_total"]["amount"]
    line = next(i for g in cart["groups"] for i in g["items"] if i["sku"] == shop.tea_variant.sku)
    changed = client.patch(
        f"{API}/cart/lines/{line['id']}/", {"quantity": 5}, content_type="application/json"
    )
    assert changed.status_code == 200 and changed.json()["count"] == 6
    removed = client.delete(f"{API}/cart/lines/{line['id']}/")
    assert removed.json()["count"] == 1
    assert client.delete(f"{API}/cart/lines/{line['id']}/").status_code == 404


def test_the_cart_refuses_what_the_storefront_refuses(client, shop):
    too_many = add(client, shop.tea_variant, 21)
    assert too_many.status_code == 409 and too_many.json()["code"] == "out_of_stock"
    assert add(client, shop.tea_variant, 0).status_code == 400
    assert add(client, shop.tea_variant, 10**9).status_code == 400
    unknown = post(client, "/cart/lines/", {"variant": 999999, "quantity": 1})
    assert unknown.status_code == 400
    assert post(client, "/cart/lines/", {"variant": "chè"}).status_code == 400
    assert client.get(f"{API}/cart/").json()["count"] == 0


def test_checkout_cash_on_delivery_gives_the_order_and_its_tracking(client, shop):
    add(client, shop.tea_variant, 2)
    response = checkout(client)
    assert response.status_code == 201, response.content
    order = response.json()
    assert order["status"] == "processing" and order["payment"]["method"] == "cod"
    assert order["payment"]["vietqr"] is None and order["payment"]["card"] is None
    assert order["total"]["currency"] == "VND"
    assert order["parcels"][0]["lines"][0]["quantity"] == 2
    assert order["tracking_url"].startswith("http://testserver/")
    assert Stock.objects.get(variant=shop.tea_variant).reserved == 2
    # The cart is empty; the order is the session's.
    assert client.get(f"{API}/cart/").json()["count"] == 0
    assert [o["number"] for o in client.get(f"{API}/orders/").json()["results"]] == [
        order["number"]
    ]
    assert client.get(f"{API}/orders/{order['number']}/").json()["number"] == order["number"]


def test_checkout_by_vietqr_answers_the_transfer_to_make(client, shop):
    add(client, shop.tea_variant)
    order = checkout(client, "vietqr").json()
    transfer = order["payment"]["vietqr"]
    assert order["status"] == "awaiting_payment"
    assert transfer["amount"] == order["total"]
    assert transfer["purpose"] == order["number"]
    assert transfer["payload"].startswith("000201") and order["number"] in transfer["payload"]


def test_checkout_form_errors_are_400_per_field_and_keep_the_cart(client, shop):
    add(client, shop.tea_variant)
    response = checkout(client, phone="12", ward=1)
    assert response.status_code == 400
    assert {"phone", "ward"} <= set(response.json()["fields"])
    assert checkout(client, "bitcoin").status_code == 400
    assert checkout(client, full_name="x" * 500).status_code == 400
    assert client.get(f"{API}/cart/").json()["count"] == 1
    assert not Order.objects.exists()


def test_an_empty_cart_or_stock_gone_is_a_409(client, shop):
    empty = checkout(client)
    assert empty.status_code == 409 and empty.json()["code"] == "cart_empty"
    add(client, shop.tea_variant, 3)
    Stock.objects.filter(variant=shop.tea_variant).update(on_hand=2)
    gone = checkout(client)
    assert gone.status_code == 409 and gone.json()["code"] == "cart_not_ready"
    assert not Order.objects.exists()


def test_a_price_change_waits_for_the_shoppers_consent(client, shop):
    add(client, shop.tea_variant)
    type(shop.tea_variant).objects.filter(pk=shop.tea_variant.pk).update(price=130_000)
    assert checkout(client).json()["code"] == "cart_not_ready"
    assert post(client, "/cart/accept-prices/").json()["price_changed"] is False
    assert checkout(client).json()["total"]["amount"] >= 130_000


def test_another_shopper_never_sees_the_order_but_the_link_opens_it(client, shop):
    add(client, shop.tea_variant)
    order = checkout(client).json()
    stranger = Client()
    assert stranger.get(f"{API}/orders/{order['number']}/").status_code == 404
    assert stranger.get(f"{API}/orders/").json()["results"] == []
    assert stranger.post(f"{API}/orders/{order['number']}/cancel/").status_code == 404
    token = order["tracking_url"].split("t=")[1]
    assert stranger.get(f"{API}/orders/{order['number']}/?t={token}").status_code == 200


def test_cancel_before_shipping_then_nothing_more(client, shop):
    add(client, shop.tea_variant, 2)
    number = checkout(client).json()["number"]
    cancelled = post(client, f"/orders/{number}/cancel/", {"reason": "Đặt nhầm"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert Stock.objects.get(variant=shop.tea_variant).reserved == 0
    again = post(client, f"/orders/{number}/cancel/")
    assert again.status_code == 409


def test_changes_need_the_csrf_token_of_the_session(shop):
    browser = Client(enforce_csrf_checks=True)
    refused = add(browser, shop.tea_variant)
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    browser.get(f"{API}/cart/")
    token = browser.cookies["csrftoken"].value
    allowed = browser.post(
        f"{API}/cart/lines/",
        {"variant": shop.tea_variant.pk, "quantity": 1},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert allowed.status_code == 201


def test_checkouts_share_the_storefronts_limit_per_address(client, shop, settings):
    settings.CHECKOUT_RATE_LIMIT = "2/m"
    add(client, shop.tea_variant)
    assert checkout(client).status_code == 201
    add(client, shop.tea_variant)
    assert checkout(client).status_code == 201
    add(client, shop.tea_variant)
    limited = checkout(client)
    assert limited.status_code == 429 and limited.json()["code"] == "throttled"
    assert int(limited["Retry-After"]) > 0
    assert "60" not in limited.json()["detail"]  # the wait is Retry-After's, not said twice
