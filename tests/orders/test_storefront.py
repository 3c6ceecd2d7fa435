"""The shopper's journey through the views: cart, checkout, order page, sign-in."""

import pytest
from django.test import Client
from django.urls import reverse

from catalog.models import Stock
from orders.links import tracking_path
from orders.models import CartLine, Order

from .conftest import HANOI_WARD

pytestmark = pytest.mark.django_db


def add(client, variant, quantity=1, **extra):
    return client.post("/cart/add/", {"variant": variant.pk, "quantity": quantity}, **extra)


def checkout_data(**overrides):
    data = {
        "full_name": "Nguyễn Thị Lan",
        "phone": "+84 912 345 678",
        "email": "lan@example.vn",
        "province": "1",
        "ward": str(HANOI_WARD),
        "address_line": "12 Phố Hàng Bông",
        "delivery_note": "",
        "payment_method": "cod",
    }
    data.update(overrides)
    return data


def test_product_page_is_the_same_for_everyone_and_can_add_to_cart(shop):
    client = Client(enforce_csrf_checks=True)
    page = client.get(shop.tea.url)
    html = page.content.decode()
    assert 'action="/cart/add/"' in html
    assert "csrfmiddlewaretoken" not in html  # nothing per-visitor: cacheable
    assert "csrftoken" not in page.cookies and "sessionid" not in page.cookies
    # The form posts without a token (SameSite=Lax session cookie; see cart_add).
    response = add(client, shop.tea_variant, 2)
    assert response.status_code == 302 and response["Location"] == "/cart/"
    assert response.cookies["ocop_cart"].value == "2"
    assert not response.cookies["ocop_cart"]["httponly"]
    cart = client.get("/cart/")
    assert "Chè búp La Bằng" in cart.content.decode()
    assert "250.000\u00a0₫" in cart.content.decode()


def test_cart_groups_per_cooperative_with_shipping_each(client, shop):
    add(client, shop.tea_variant, 1)
    add(client, shop.apple_variant, 2)
    html = client.get("/cart/").content.decode()
    assert shop.tea_coop.name in html and shop.fruit_coop.name in html
    assert html.count('class="cart-group__shipping"') == 2
    assert "availability--preorder" in html
    # 125,000 + 120,000 goods + 2 x 30,000 shipping
    assert "305.000\u00a0₫" in html


@pytest.mark.parametrize("quantity", ["0", "-3", "abc", "", "100", "99999999999999999999"])
def test_bad_quantities_are_refused_with_a_message(client, shop, quantity):
    response = add(client, shop.tea_variant, quantity, follow=True)
    assert response.status_code == 200
    assert not CartLine.objects.exists()
    messages = [str(m) for m in response.context["messages"]]
    assert messages and all(m for m in messages)


def test_more_than_the_stock_is_refused(client, shop):
    Stock.objects.filter(variant=shop.tea_variant).update(on_hand=3)
    response = add(client, shop.tea_variant, 4, follow=True)
    assert "3" in " ".join(str(m) for m in response.context["messages"])
    assert not CartLine.objects.exists()


def test_json_add_for_scripts(client, shop):
    response = add(client, shop.tea_variant, 1, HTTP_ACCEPT="application/json")
    assert response.json()["count"] == 1
    response = add(client, shop.tea_variant, "x", HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and response.json()["error"]
    response = client.post("/cart/add/", {"variant": "999999"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400


def test_unpublished_since_added_blocks_checkout_with_a_message(client, shop):
    add(client, shop.tea_variant)
    shop.tea.unpublish()
    html = client.get("/cart/").content.decode()
    assert "đã ngừng bán" in html
    response = client.get("/checkout/")
    assert response.status_code == 302 and response["Location"] == "/cart/"


def test_repriced_since_added_shows_new_price_and_asks_again(client, shop):
    add(client, shop.tea_variant)
    shop.tea_variant.price = 140_000
    shop.tea_variant.save()
    html = client.get("/cart/").content.decode()
    assert "140.000\u00a0₫" in html and "125.000\u00a0₫" in html
    assert client.get("/checkout/").status_code == 302
    client.post("/cart/update/", {"action": "accept_prices"})
    assert client.get("/checkout/").status_code == 200


def test_guest_checkout_cod(client, shop, mailoutbox, django_capture_on_commit_callbacks):
    add(client, shop.tea_variant, 2)
    page = client.get("/checkout/")
    assert page.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/checkout/", checkout_data())
    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == tracking_path(order)
    assert response.cookies["ocop_cart"].value == "0"
    assert order.phone == "0912345678"  # +84 normalised
    assert Stock.objects.get(variant=shop.tea_variant).reserved == 2
    detail = client.get(response["Location"]).content.decode()
    assert order.number in detail and shop.tea_coop.name in detail
    assert not CartLine.objects.exists()
    assert len(mailoutbox) >= 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "12345"),
        ("phone", "+1 415 555 0100"),
        ("ward", "999999"),
        ("ward", "5818"),  # La Bằng is in Thái Nguyên, not Hà Nội
        ("province", "999"),
        ("email", "not-an-email"),
        ("payment_method", "bitcoin"),
        ("full_name", ""),
    ],
)
def test_bad_checkout_input_keeps_the_cart(client, shop, field, value):
    add(client, shop.tea_variant, 1)
    response = client.post("/checkout/", checkout_data(**{field: value}))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Order.objects.exists()
    assert CartLine.objects.count() == 1
    assert Stock.objects.get(variant=shop.tea_variant).reserved == 0


def test_stock_gone_during_checkout_goes_back_to_the_cart(client, shop):
    add(client, shop.tea_variant, 2)
    Stock.objects.filter(variant=shop.tea_variant).update(on_hand=1)
    response = client.post("/checkout/", checkout_data(), follow=True)
    assert response.redirect_chain[-1][0] == "/cart/"
    assert not Order.objects.exists()
    assert CartLine.objects.count() == 1


def test_tracking_link_works_elsewhere_and_tampered_links_do_not(client, shop):
    add(client, shop.tea_variant)
    client.post("/checkout/", checkout_data())
    order = Order.objects.get()
    stranger = Client()
    assert stranger.get(f"/orders/{order.number}/").status_code == 403
    assert stranger.get(tracking_path(order)).status_code == 200
    tampered = tracking_path(order)[:-3] + "abc"
    other = Client()
    response = other.get(tampered)
    assert response.status_code == 403
    assert "Liên kết đơn hàng này không hợp lệ" in response.content.decode()
    assert other.get("/orders/DH00000000/").status_code == 404  # not an order number
    assert other.get("/orders/DHZZZZZZZZ/").status_code == 403  # no such order: same answer
    assert other.get(f"/orders/{order.number}/status/").status_code == 403


def test_cancel_before_shipping_returns_the_stock(client, shop):
    add(client, shop.tea_variant, 2)
    client.post("/checkout/", checkout_data())
    order = Order.objects.get()
    client.post(f"/orders/{order.number}/cancel/", {"reason": "đặt nhầm"})
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert Stock.objects.get(variant=shop.tea_variant).reserved == 0
    assert "đặt nhầm" in order.status_changes.filter(subject="order").last().reason


def test_guest_cart_is_kept_on_sign_in(client, shop):
    from ..factories import UserFactory

    user = UserFactory(username="lan")
    add(client, shop.tea_variant, 2)
    response = client.post(reverse("orders:login"), {"username": "lan", "password": "pass-1234"})
    assert response.status_code == 302
    assert response.cookies["ocop_cart"].value == "2"
    assert CartLine.objects.get(cart__user=user).quantity == 2
    html = client.get("/cart/").content.decode()
    assert "Chè búp La Bằng" in html


def test_signed_in_shopper_sees_orders_in_the_account(client, shop):
    from ..factories import UserFactory

    user = UserFactory(username="minh")
    client.force_login(user)
    add(client, shop.tea_variant)
    client.post("/checkout/", checkout_data(payment_method="vietqr"))
    order = Order.objects.get()
    assert order.user == user
    assert order.number in client.get("/account/").content.decode()
    assert Client().get("/account/").status_code == 302


def test_wards_api(client):
    wards = client.get("/api/v1/wards?province=19").json()["wards"]
    assert {"code": 5818, "name": "Xã La Bằng"} in wards
    assert client.get("/api/v1/wards?province=x").status_code == 400
    assert client.get("/api/v1/wards?province=999").status_code == 404


def test_english_cart_and_checkout(client, shop):
    client.post("/en/cart/add/", {"variant": shop.tea_variant.pk, "quantity": 1})
    html = client.get("/en/cart/").content.decode()
    assert "Your cart" in html and "Check out" in html
    assert client.get("/en/checkout/").status_code == 200


def test_header_shows_the_cart_link_on_every_page(client, shop):
    html = client.get(shop.tea.url).content.decode()
    assert 'href="/cart/"' in html and "data-cart-count" in html
