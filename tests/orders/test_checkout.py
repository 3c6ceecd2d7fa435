"""Checkout as a service: one order, one sub-order per cooperative, snapshots, totals, stock
reserved atomically; every refusal leaves nothing behind."""

import pytest
from django.core import mail

from catalog.models import Stock
from orders import services
from orders.models import Order, OrderLine, Payment, StatusChange, SubOrder
from orders.pricing import shipping_fee

from .conftest import line

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The service's messages, read in English here (the storefront tests read Vietnamese)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def stock_of(variant):
    return Stock.objects.get(variant=variant)


def test_one_order_split_per_cooperative_with_snapshots(shop, customer):
    order = services.place_order(
        lines=[line(shop.tea_variant, 2), line(shop.apple_variant, 3)],
        customer=customer,
        payment_method="vietqr",
    )
    assert order.status == Order.Status.AWAITING_PAYMENT
    parts = {s.cooperative_id: s for s in order.suborders.all()}
    assert set(parts) == {shop.tea_coop.pk, shop.fruit_coop.pk}
    tea_line = OrderLine.objects.get(suborder=parts[shop.tea_coop.pk])
    assert (tea_line.product_title, tea_line.sku, tea_line.gtin) == (
        "Chè búp La Bằng",
        shop.tea_variant.sku,
        shop.tea_variant.gtin,
    )
    assert (tea_line.unit_price, tea_line.quantity, tea_line.line_total) == (125_000, 2, 250_000)
    assert tea_line.cooperative_name == shop.tea_coop.name
    # Totals in one place: goods + shipping per cooperative, integer đồng.
    assert (
        parts[shop.tea_coop.pk].shipping == shipping_fee(weight_g=200, subtotal=250_000) == 30_000
    )
    assert order.subtotal == 250_000 + 180_000
    assert order.shipping_total == 30_000 + 30_000
    assert order.total == 490_000
    assert isinstance(order.total, int)
    # Tea reserved; the custard apples have no stock yet: a pre-order line reserves nothing.
    assert (stock_of(shop.tea_variant).reserved, stock_of(shop.apple_variant).reserved) == (2, 0)
    apple_line = OrderLine.objects.get(suborder=parts[shop.fruit_coop.pk])
    assert apple_line.preorder and apple_line.reserved == 0
    assert Payment.objects.get(order=order).amount == 490_000
    # Audited from birth: the order, both sub-orders and the payment.
    assert StatusChange.objects.filter(order=order, from_status="").count() == 4


def test_snapshot_survives_later_product_edits(shop, customer):
    order = services.place_order(
        lines=[line(shop.tea_variant)], customer=customer, payment_method="cod"
    )
    shop.tea_variant.price = 150_000
    shop.tea_variant.unit_label = "Hộp 200 g"
    shop.tea_variant.save()
    kept = OrderLine.objects.get(suborder__order=order)
    assert (kept.unit_price, kept.unit_label) == (125_000, "Túi 100 g")


def test_free_shipping_from_the_threshold(settings):
    settings.ORDER_SHIPPING = {"base": 30_000, "per_extra_kg": 10_000, "free_from": 500_000}
    assert shipping_fee(weight_g=2500, subtotal=100_000) == 30_000 + 2 * 10_000
    assert shipping_fee(weight_g=2500, subtotal=500_000) == 0


def test_out_of_stock_names_the_item_and_reserves_nothing(shop, customer):
    Stock.objects.filter(variant=shop.tea_variant).update(on_hand=1)
    with pytest.raises(services.OutOfStock) as caught:
        services.place_order(
            lines=[line(shop.tea_variant, 2)], customer=customer, payment_method="cod"
        )
    assert "Chè búp La Bằng" in caught.value.message
    assert stock_of(shop.tea_variant).reserved == 0
    assert not Order.objects.exists()


def test_a_short_second_line_rolls_back_the_first_reservation(shop, customer, tree):
    from ..factories import add_product

    honey = add_product(tree.coop_page, title="Mật ong", stock=1)
    honey_variant = honey.variants.get()
    with pytest.raises(services.OutOfStock):
        services.place_order(
            lines=[line(shop.tea_variant, 2), line(honey_variant, 5)],
            customer=customer,
            payment_method="vietqr",
        )
    assert stock_of(shop.tea_variant).reserved == 0
    assert not SubOrder.objects.exists()


def test_price_changed_since_the_cart_asks_again(shop, customer):
    with pytest.raises(services.PriceChanged) as caught:
        services.place_order(
            lines=[line(shop.tea_variant, 1, price=100_000)],
            customer=customer,
            payment_method="cod",
        )
    assert caught.value.new_prices == {shop.tea_variant.pk: 125_000}
    assert not Order.objects.exists()


def test_unpublished_product_and_suspended_cooperative_are_refused(shop, customer):
    shop.tea.unpublish()
    with pytest.raises(services.NotForSale, match="no longer on sale"):
        services.place_order(
            lines=[line(shop.tea_variant)], customer=customer, payment_method="cod"
        )
    shop.tea.save_revision().publish()
    shop.tea_coop.status = "suspended"
    shop.tea_coop.save()
    with pytest.raises(services.NotForSale, match="not selling"):
        services.place_order(
            lines=[line(shop.tea_variant)], customer=customer, payment_method="cod"
        )
    assert stock_of(shop.tea_variant).reserved == 0


@pytest.mark.parametrize("quantity", [0, -1, 100, 10**9])
def test_quantity_out_of_bounds(shop, customer, quantity):
    with pytest.raises(services.CheckoutError, match="1 to 99"):
        services.place_order(
            lines=[line(shop.tea_variant, quantity)], customer=customer, payment_method="cod"
        )


def test_commune_outside_the_province_is_refused(shop, customer):
    from dataclasses import replace

    wrong = replace(customer, province_code=19)  # Thái Nguyên, but the ward is in Hà Nội
    with pytest.raises(services.CheckoutError, match="not in"):
        services.place_order(lines=[line(shop.tea_variant)], customer=wrong, payment_method="cod")
    unknown = replace(customer, ward_code=999_999)
    with pytest.raises(services.CheckoutError, match="Choose your province"):
        services.place_order(lines=[line(shop.tea_variant)], customer=unknown, payment_method="cod")


def test_card_hidden_without_stripe_keys(shop, customer, settings):
    settings.STRIPE_SECRET_KEY = ""
    with pytest.raises(services.CheckoutError, match="Card payment is not available"):
        services.place_order(
            lines=[line(shop.tea_variant)], customer=customer, payment_method="card"
        )


def test_cod_order_goes_straight_to_the_cooperatives_with_emails(
    shop, customer, django_capture_on_commit_callbacks
):
    shop.tea_coop.email = "labang@example.vn"
    shop.tea_coop.save()
    with django_capture_on_commit_callbacks(execute=True):
        order = services.place_order(
            lines=[line(shop.tea_variant, 2)], customer=customer, payment_method="cod"
        )
    assert order.status == Order.Status.PROCESSING
    assert order.expires_at is None
    assert list(order.suborders.values_list("status", flat=True)) == [SubOrder.Status.NEW]
    by_recipient = {tuple(m.to): m for m in mail.outbox}
    shopper = by_recipient[("lan@example.vn",)]
    assert order.number in shopper.subject
    assert "Chè búp La Bằng" in shopper.body and "250.000\u00a0₫" in shopper.body
    assert "Phường Ba Đình, Thành phố Hà Nội" in shopper.body
    assert f"/orders/{order.number}/?t=" in shopper.body
    coop = by_recipient[("labang@example.vn",)]
    assert order.number in coop.subject
    assert shop.tea_variant.sku in coop.body and "0912345678" in coop.body


def test_vietqr_confirmation_email_carries_the_transfer_details(
    shop, customer, settings, django_capture_on_commit_callbacks
):
    settings.VIETQR_ACCOUNT_NUMBER = "0011002233"
    with django_capture_on_commit_callbacks(execute=True):
        order = services.place_order(
            lines=[line(shop.tea_variant)], customer=customer, payment_method="vietqr"
        )
    [message] = mail.outbox
    assert "0011002233" in message.body
    assert order.number in message.body
    assert "155.000\u00a0₫" in message.body  # 125,000 + 30,000 shipping


def test_english_shopper_gets_english_email(shop, customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.place_order(
            lines=[line(shop.tea_variant)], customer=customer, payment_method="cod", language="en"
        )
    [message] = mail.outbox
    assert message.subject.startswith("Order DH")
    assert "Thank you" in message.body


def test_low_stock_notice_once_when_a_checkout_crosses_the_threshold(
    shop, customer, django_capture_on_commit_callbacks
):
    shop.tea_coop.email = "labang@example.vn"
    shop.tea_coop.save()
    Stock.objects.filter(variant=shop.tea_variant).update(on_hand=8)
    with django_capture_on_commit_callbacks(execute=True):
        services.place_order(
            lines=[line(shop.tea_variant, 2)], customer=customer, payment_method="vietqr"
        )  # 6 left: above the threshold (5)
        services.place_order(
            lines=[line(shop.tea_variant, 2)], customer=customer, payment_method="vietqr"
        )  # 4 left: crossed
        services.place_order(
            lines=[line(shop.tea_variant, 1)], customer=customer, payment_method="vietqr"
        )  # 3 left: already below, no second notice
    notices = [m for m in mail.outbox if "labang@example.vn" in m.to]
    assert len(notices) == 1  # sent after the commits: it tells the count at sending time
    assert "Chè búp La Bằng" in notices[0].subject and "3" in notices[0].subject
    assert shop.tea_variant.sku in notices[0].body
