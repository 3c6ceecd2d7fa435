"""Checkouts and cooperative registrations sent in bulk from one address are slowed down
(CHECKOUT_RATE_LIMIT, REGISTRATION_RATE_LIMIT): the form comes back as typed with a message
and 429; other addresses go on; nothing is created by the refused ones."""

import pytest
from django.test import Client

from marketplace.models import CooperativeApplication
from orders.models import Order

from ..marketplace.test_joining import REGISTER, form
from .test_storefront import add, checkout_data

pytestmark = pytest.mark.django_db


def test_checkouts_past_the_limit_wait_and_keep_what_was_typed(client, shop, settings):
    settings.CHECKOUT_RATE_LIMIT = "3/m"
    add(client, shop.tea_variant, 1)
    for _ in range(3):  # a shopper correcting the form: each send counts
        response = client.post("/checkout/", checkout_data(phone="12"))
        assert response.status_code == 200
    response = client.post("/checkout/", checkout_data(full_name="Trần Văn Bình"))
    assert response.status_code == 429
    html = response.content.decode()
    assert "Quá nhiều đơn hàng từ kết nối của bạn" in html
    assert 'value="Trần Văn Bình"' in html  # nothing to type again
    assert not Order.objects.exists()
    # Another shopper on another connection is not held up.
    other = Client()
    add(other, shop.tea_variant, 1, REMOTE_ADDR="198.51.100.20")
    placed = other.post("/checkout/", checkout_data(), REMOTE_ADDR="198.51.100.20")
    assert placed.status_code == 302 and Order.objects.count() == 1


def test_registrations_past_the_limit_wait(client, tree, settings):
    settings.REGISTRATION_RATE_LIMIT = "2/h"
    for n in range(2):
        response = client.post(REGISTER, form(registration_number=f"47001234{n}0", phone="1"))
        assert response.status_code == 400  # a form error: it counts all the same
    response = client.post(REGISTER, form(name="HTX Rau sạch Đồng Hỷ"))
    assert response.status_code == 429
    html = response.content.decode()
    assert "Quá nhiều đơn đăng ký từ kết nối của bạn" in html
    assert 'value="HTX Rau sạch Đồng Hỷ"' in html
    assert not CooperativeApplication.objects.exists()
