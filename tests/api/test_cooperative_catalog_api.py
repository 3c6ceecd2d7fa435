"""A cooperative's shop or stock app, with its API token: lists its variants and sets their
stock and prices through the rules the admin uses (never below reserved: 409; prices logged);
tokens are checked on every request (revoked, expired, other scopes, other cooperatives)."""

import datetime

import pytest
from django.utils import timezone
from wagtail.models import PageLogEntry

from catalog.models import ProductVariant, Stock
from marketplace.api.tokens import token_create, token_revoke
from marketplace.models import ApiToken

from ..workspace import two_cooperatives

pytestmark = pytest.mark.django_db

API = "/api/v1/cooperative/variants/"


@pytest.fixture
def ws(tree):
    ws = two_cooperatives(tree)
    ws.token_a, ws.raw_a = token_create(
        cooperative=ws.a, user=ws.owner_a, name="Shop", scopes=["catalog"]
    )
    ws.token_b, ws.raw_b = token_create(
        cooperative=ws.b, user=ws.owner_b, name="Shop B", scopes=["catalog", "orders"]
    )
    return ws


def auth(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


def patch(client, sku, body, raw):
    return client.patch(f"{API}{sku}/", body, content_type="application/json", headers=auth(raw))


def test_a_token_lists_its_own_variants_only(client, ws):
    response = client.get(API, headers=auth(ws.raw_a))
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["sku"] for r in rows] == [ws.tea_variant.sku]
    assert rows[0]["stock"]["on_hand"] == 50 and rows[0]["stock"]["reserved"] == 0
    assert rows[0]["price"] == {"amount": 100_000, "currency": "VND"}


def test_setting_stock_and_price_goes_through_the_admins_rules(client, ws):
    response = patch(client, ws.tea_variant.sku, {"on_hand": 80, "price": 110_000}, ws.raw_a)
    assert response.status_code == 200, response.content
    assert response.json()["stock"]["on_hand"] == 80
    variant = ProductVariant.objects.get(pk=ws.tea_variant.pk)
    assert variant.price == 110_000 and variant.stock.on_hand == 80
    # The product's history says who changed the price: the token's owner.
    entry = PageLogEntry.objects.filter(action="ocop.price_changed").latest("timestamp")
    assert entry.user == ws.owner_a and entry.data["to"] == 110_000


def test_stock_below_reserved_is_a_409_and_nothing_changes(client, ws):
    Stock.objects.filter(variant=ws.tea_variant).update(reserved=30)
    response = patch(client, ws.tea_variant.sku, {"on_hand": 10, "price": 90_000}, ws.raw_a)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict" and "30" in body["detail"]
    variant = ProductVariant.objects.get(pk=ws.tea_variant.pk)
    assert (variant.price, variant.stock.on_hand) == (100_000, 50)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"price": -5}, "price"),
        ({"price": 12.5}, "price"),
        ({"price": "một trăm"}, "price"),
        ({"on_hand": -1}, "on_hand"),
        ({"on_hand": 10**12}, "on_hand"),
    ],
)
def test_bad_values_are_400_naming_the_field(client, ws, body, field):
    response = patch(client, ws.tea_variant.sku, body, ws.raw_a)
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert ProductVariant.objects.get(pk=ws.tea_variant.pk).price == 100_000


def test_an_empty_change_malformed_json_and_wrong_type_are_400s(client, ws):
    assert patch(client, ws.tea_variant.sku, {}, ws.raw_a).status_code == 400
    response = client.patch(
        f"{API}{ws.tea_variant.sku}/",
        b'{"price": 1',
        content_type="application/json",
        headers=auth(ws.raw_a),
    )
    assert response.status_code == 400 and response.json()["code"] == "parse_error"
    response = client.patch(
        f"{API}{ws.tea_variant.sku}/",
        "price=1",
        content_type="application/x-www-form-urlencoded",
        headers=auth(ws.raw_a),
    )
    assert response.status_code == 415 and response.json()["code"] == "unsupported_media_type"
    response = client.patch(
        f"{API}{ws.tea_variant.sku}/",
        b'{"price": "\xff"}',
        content_type="application/json",
        headers=auth(ws.raw_a),
    )
    assert response.status_code == 400


def test_a_compare_at_price_keeps_the_price_below_it(client, ws):
    ProductVariant.objects.filter(pk=ws.tea_variant.pk).update(compare_at_price=120_000)
    response = patch(client, ws.tea_variant.sku, {"price": 130_000}, ws.raw_a)
    assert response.status_code == 400 and "price" in response.json()["fields"]


def test_another_cooperatives_variant_is_404_for_reading_and_writing(client, ws):
    sku = ws.apple_variant.sku
    assert client.get(f"{API}{sku}/", headers=auth(ws.raw_a)).status_code == 404
    assert patch(client, sku, {"on_hand": 0}, ws.raw_a).status_code == 404
    assert Stock.objects.get(variant=ws.apple_variant).on_hand == 40


def test_who_may_call(client, ws):
    # Nobody, a shopper's or an owner's session, a token without the scope: refused.
    response = client.get(API)
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["code"] == "not_authenticated"
    client.force_login(ws.owner_a)
    assert client.get(API).status_code == 403
    client.logout()
    _, raw_orders = token_create(cooperative=ws.a, user=ws.owner_a, name="x", scopes=["orders"])
    response = client.get(API, headers=auth(raw_orders))
    assert response.status_code == 403 and "catalog" in response.json()["detail"]
    assert client.get(API, headers=auth("ocop_not-a-token")).status_code == 401
    assert client.get(API, headers=auth(ws.raw_a + "x")).status_code == 401
    assert client.get(API, headers={"Authorization": "Bearer"}).status_code == 401


def test_a_revoked_token_is_refused_at_once(client, ws):
    assert client.get(API, headers=auth(ws.raw_a)).status_code == 200
    token_revoke(token=ws.token_a, user=ws.owner_a)
    response = client.get(API, headers=auth(ws.raw_a))
    assert response.status_code == 401 and response.json()["code"] == "authentication_failed"
    assert patch(client, ws.tea_variant.sku, {"on_hand": 1}, ws.raw_a).status_code == 401


def test_an_expired_token_is_refused(client, ws):
    ApiToken.objects.filter(pk=ws.token_a.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert client.get(API, headers=auth(ws.raw_a)).status_code == 401


def test_only_the_digest_is_stored_and_last_use_is_recorded(client, ws):
    row = ApiToken.objects.filter(pk=ws.token_a.pk).values().get()
    assert ws.raw_a not in repr(row)
    assert row["last_used_at"] is None
    client.get(API, headers=auth(ws.raw_a))
    assert ApiToken.objects.get(pk=ws.token_a.pk).last_used_at is not None


def test_a_nul_byte_in_a_json_body_is_refused(client, ws):
    response = client.patch(
        f"{API}{ws.tea_variant.sku}/",
        '{"price": 1, "note": "a\\u0000b"}',
        content_type="application/json",
        headers=auth(ws.raw_a),
    )
    assert response.status_code == 400 and "note" in response.json()["fields"]
    assert ProductVariant.objects.get(pk=ws.tea_variant.pk).price == 100_000


def test_a_body_of_10_mb_is_a_413_in_the_error_body(client, ws):
    body = '{"price": 5, "note": "' + "a" * (10 * 1024 * 1024) + '"}'
    response = client.patch(
        f"{API}{ws.tea_variant.sku}/", body, content_type="application/json", headers=auth(ws.raw_a)
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large" and response.json()["detail"]
    assert ProductVariant.objects.get(pk=ws.tea_variant.pk).price == 100_000
