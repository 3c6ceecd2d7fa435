"""NUL bytes, invalid UTF-8 and overlong values in every parameter of every public URL: a 4xx
or a plain answer, never a 5xx (PostgreSQL refuses NUL in text; CI runs this there)."""

import json

import pytest
from django.test import Client

from ..factories import add_product

pytestmark = pytest.mark.django_db
HOSTILE = ["%00", "a%00b", "%FF%FE", "%C0%AF", "x" * 10_000, "%F0%9F%98", "-1", "9" * 30]


@pytest.fixture
def site(tree):
    tree.tea = add_product(tree.coop_page, title="Chè búp La Bằng", price=125_000, stock=20)
    return tree


def public_gets(site) -> dict[str, list[str]]:
    stamp = "/01/08934601100017/10/LB2603A/21/DEMO1"
    return {
        "/": ["x"],
        "/en/": ["x"],
        "/search/": [
            "q",
            "category",
            "province",
            "cooperative",
            "stars",
            "price_min",
            "price_max",
            "availability",
            "sort",
            "page",
        ],
        "/search/suggest/": ["q"],
        site.tea.url: ["x"],
        site.category_page.url: ["stars", "page"],
        site.coop_page.url: ["page"],
        "/cart/": ["x"],
        "/checkout/": ["x"],
        "/orders/DH23456789/": ["t"],
        "/orders/DH23456789/status/": ["t"],
        "/account/": ["x"],
        "/account/login/": ["next"],
        "/account/signup/": ["next"],
        "/account/password/reset/": ["x"],
        "/account/password/reset/sent/": ["x"],
        "/account/password/reset/MQ/abc-def/": ["x"],
        "/account/confirm/abc:def:ghi/": ["x"],
        "/api/v1/wards": ["province"],
        "/api/v1/stamps/verify": ["uri"],
        stamp: ["s", "province", "lat", "lon"],
        "/.well-known/ocop-trace-keys.json": ["x"],
        "/inspect/": ["x"],
        "/healthz": ["x"],
        "/cooperatives/register/": ["x"],
        "/cooperatives/join/abc/": ["x"],
    }


def public_posts(site) -> dict[str, list[str]]:
    variant = str(site.tea.variants.get().pk)
    return {
        "/cart/add/": ["variant", "quantity", "next"],
        "/cart/update/": ["action", "line", "quantity"],
        "/checkout/": [
            "full_name",
            "phone",
            "email",
            "province",
            "ward",
            "address_line",
            "delivery_note",
            "payment_method",
        ],
        "/account/login/": ["username", "password"],
        "/account/signup/": ["username", "email", "password1", "password2"],
        "/account/password/reset/": ["email"],
        "/account/password/reset/MQ/set-password/": ["new_password1", "new_password2"],
        "/account/confirm/resend/": ["x"],
        "/api/v1/stamps/verify": ["uri"],
        "/cooperatives/register/": ["name", "registration_number", "province", "ward", "email"],
        "/orders/DH23456789/cancel/": ["t", "reason"],
    }, variant


def test_no_public_get_answers_a_server_error(client, site):
    for path, names in public_gets(site).items():
        for name in names:
            for value in HOSTILE:
                response = client.get(f"{path}?{name}={value}")
                assert response.status_code < 500, (path, name, value[:20])
    # The path itself, too.
    for value in ("%00", "%FF", "x" * 3000):
        assert client.get(f"/01/08934601100017/10/L{value}/21/S1").status_code < 500
        assert client.get(f"/orders/DH{value}/").status_code < 500
        assert client.get(f"/account/confirm/{value}/").status_code < 500
        assert client.get(f"/account/password/reset/{value}/{value}/").status_code < 500


def test_no_public_form_answers_a_server_error(site):
    posts, variant = public_posts(site)
    client = Client(enforce_csrf_checks=False)
    client.post("/cart/add/", {"variant": variant, "quantity": "1"})
    for path, names in posts.items():
        for name in names:
            for value in HOSTILE:
                body = f"{name}={value}&variant={variant}"
                response = client.post(path, body, content_type="application/x-www-form-urlencoded")
                assert response.status_code < 500, (path, name, value[:20])


def test_json_bodies_with_nul_and_garbage_are_refused(client, site):
    for path in (
        "/api/v1/payments/stripe/webhook",
        "/api/v1/payments/vietqr/notify",
        "/api/v1/inspections/",
        "/api/v1/stamps/verify",
    ):
        for body in (
            json.dumps({"uri": "\x00", "transaction_id": "\x00", "amount": "\x00"}),
            b"\xff\xfe{",
            "{" * 5000,
            "x" * 100_000,
        ):
            response = client.post(path, body, content_type="application/json")
            assert 400 <= response.status_code < 500, (path, str(body)[:20])


def test_a_nul_in_a_search_filter_is_a_clear_400(client, site):
    for query in ("q=che&category=%00", "q=che&cooperative=%00", "q=%00"):
        response = client.get(f"/search/?{query}")
        assert response.status_code == 400
        assert "NUL" in response.content.decode()
    response = client.get("/api/v1/wards?province=%00", HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and "error" in response.json()
