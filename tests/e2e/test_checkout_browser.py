"""A guest on a 360 px phone buys from two cooperatives and pays by VietQR, cash on delivery
or card (localstripe's Stripe.js), in headless Chromium against the live server."""

import json
import re
import time
import urllib.request

import pytest

from orders import vietqr
from orders.models import Order

from ..factories import CooperativeFactory, add_cooperative_page, add_product

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
HANOI, BA_DINH = "1", "4"


@pytest.fixture
def shop(tree):
    tree.tea = add_product(tree.coop_page, title="Chè búp La Bằng", price=125_000, stock=20)
    honey_coop = CooperativeFactory(name="HTX Mật ong Bắc Kạn", slug="htx-mat-ong")
    tree.honey = add_product(
        add_cooperative_page(tree.index, honey_coop), title="Mật ong hoa rừng", price=250_000
    )
    return tree


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def fill_cart_and_check_out(page, base, shop, method: str) -> str:
    page.goto(base + shop.tea.url)
    page.fill(".add-to-cart input[name=quantity]", "2")
    page.click(".add-to-cart button")
    page.wait_for_url("**/cart/")
    assert page.locator("[data-cart-count]").inner_text() == "2"
    page.goto(base + shop.honey.url)
    page.click(".add-to-cart button")
    page.wait_for_url("**/cart/")
    assert page.locator("[data-cart-count]").inner_text() == "3"
    assert page.locator(".cart-group").count() == 2  # one parcel per cooperative
    assert "560.000\u00a0₫" in page.locator("[data-total]").inner_text()  # 500,000 + 2 x 30,000
    assert no_horizontal_scroll(page)
    page.click("a[href='/checkout/']")
    page.wait_for_url("**/checkout/")
    assert no_horizontal_scroll(page)
    page.fill("[name=full_name]", "Nguyễn Thị Lan")
    page.fill("[name=phone]", "0912 345 678")
    page.fill("[name=email]", "lan@example.vn")
    page.select_option("[name=province]", HANOI)
    page.wait_for_function("() => document.querySelector('[name=ward]').options.length > 10")
    page.select_option("[name=ward]", BA_DINH)
    page.fill("[name=address_line]", "12 Phố Hàng Bông")
    page.check(f"[name=payment_method][value={method}]")
    page.click(".checkout-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/orders/DH[0-9A-Z]{8}/\?t=.*"))
    assert no_horizontal_scroll(page)
    return re.search(r"/orders/(DH[0-9A-Z]{8})/", page.url).group(1)


def test_guest_pays_by_vietqr_on_a_phone(live_server, phone, shop, settings):
    settings.VIETQR_WEBHOOK_SECRET = "bank-secret"
    number = fill_cart_and_check_out(phone, live_server.url, shop, "vietqr")
    assert phone.locator(".vietqr-code svg").is_visible()
    assert number in phone.locator(".transfer-details").inner_text()
    assert phone.locator("[data-cart-count]").is_hidden()
    order = Order.objects.get(number=number)
    assert order.total == 560_000 and order.suborders.count() == 2
    # The bank notifies the transfer; the open page notices and shows the order paid.
    body = json.dumps(
        {"transaction_id": "FT-E2E-1", "amount": 560_000, "description": f"CK {number}"}
    ).encode()
    request = urllib.request.Request(
        live_server.url + "/api/v1/payments/vietqr/notify",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Signature": vietqr.sign(body, int(time.time()), "bank-secret"),
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # loopback: the live server
        assert json.load(response)["status"] == "paid"
    phone.wait_for_selector(".order-status--processing", timeout=15_000)
    assert phone.locator(".vietqr-code").count() == 0


def test_guest_pays_cash_on_delivery_on_a_phone(live_server, phone, shop):
    number = fill_cart_and_check_out(phone, live_server.url, shop, "cod")
    assert phone.locator(".order-status--processing").is_visible()
    assert phone.locator(".suborder").count() == 2
    assert Order.objects.get(number=number).payment_method == "cod"


def test_guest_pays_by_card_with_stripe_js_on_a_phone(
    live_server, phone, shop, settings, localstripe
):
    settings.STRIPE_SECRET_KEY = "sk_test_ocop"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_ocop"
    settings.STRIPE_API_BASE = localstripe
    settings.STRIPE_WEBHOOK_SECRET = "whsec_e2e"
    settings.STRIPE_JS_URL = f"{localstripe}/js.stripe.com/v3/"
    hook = urllib.request.Request(
        f"{localstripe}/_config/webhooks/e2e",
        data=json.dumps(
            {
                "url": live_server.url + "/api/v1/payments/stripe/webhook",
                "secret": "whsec_e2e",
                "events": ["payment_intent.succeeded", "payment_intent.payment_failed"],
            }
        ).encode(),
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(hook, timeout=10).close()
    number = fill_cart_and_check_out(phone, live_server.url, shop, "card")
    card = phone.locator("#card-element")
    card.locator("input[placeholder=number]").fill("4242424242424242")
    card.locator("input[placeholder=exp_month]").fill("12")
    card.locator("input[placeholder=exp_year]").fill("30")
    card.locator("input[placeholder=cvc]").fill("123")
    phone.click("#card-pay")
    # Paid only when Stripe's webhook arrives; the page follows by itself.
    phone.wait_for_selector(".order-status--processing", timeout=20_000)
    order = Order.objects.get(number=number)
    assert order.is_paid and order.payments.get().status == "succeeded"
