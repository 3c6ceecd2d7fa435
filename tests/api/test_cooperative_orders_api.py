"""A cooperative's packing or shop app moves its sub-orders through the API with a token of
the "orders" scope: the same state machine and packing rule as the admin's buttons, 409 when
the state forbids a move, 404 for another cooperative's sub-order."""

import pytest
from django.core import mail

from marketplace.api.tokens import token_create
from orders.models import StatusChange, SubOrder
from traceability.models import Batch
from traceability.services import batch_release

from ..traceability.conftest import issue
from ..workspace import batch_of, sub_order, two_cooperatives

pytestmark = pytest.mark.django_db

API = "/api/v1/cooperative/suborders/"
S = SubOrder.Status


@pytest.fixture
def ws(tree):
    ws = two_cooperatives(tree)
    _, ws.raw_a = token_create(cooperative=ws.a, user=ws.owner_a, name="App", scopes=["orders"])
    _, ws.raw_b = token_create(cooperative=ws.b, user=ws.owner_b, name="B", scopes=["orders"])
    ws.parcel = sub_order(ws.a, ws.tea_variant, status=S.NEW, quantity=2)
    ws.other = sub_order(ws.b, ws.apple_variant, status=S.NEW)
    return ws


def auth(raw):
    return {"Authorization": f"Bearer {raw}"}


def post(client, path, raw, body=None):
    return client.post(path, body or {}, content_type="application/json", headers=auth(raw))


def test_a_cooperative_lists_its_own_sub_orders_with_where_to_ship(client, ws):
    body = client.get(API, headers=auth(ws.raw_a)).json()
    assert [row["id"] for row in body["results"]] == [ws.parcel.pk]
    row = body["results"][0]
    assert row["order_number"] == ws.parcel.order.number and row["status"] == "new"
    assert row["ship_to"]["full_name"] and row["ship_to"]["ward"]
    assert row["lines"][0]["quantity"] == 2
    assert row["lines"][0]["unit_price"]["currency"] == "VND"
    assert client.get(f"{API}?status=shipped", headers=auth(ws.raw_a)).json()["count"] == 0
    bad = client.get(f"{API}?status=lost", headers=auth(ws.raw_a))
    assert bad.status_code == 400 and "status" in bad.json()["fields"]


def test_confirm_record_lots_pack_ship_and_deliver(client, ws):
    one = f"{API}{ws.parcel.pk}/"
    assert post(client, f"{one}confirm/", ws.raw_a).json()["status"] == "confirmed"
    # Packed waits for every unit's lot: 409 naming how many are missing.
    refused = post(client, f"{one}pack/", ws.raw_a)
    assert refused.status_code == 409 and "2" in refused.json()["detail"]
    batch = batch_of(ws.tea_variant, "LB2701A", status=Batch.Status.RELEASED)
    line = ws.parcel.lines.get()
    body = post(
        client, f"{one}packing/lots/", ws.raw_a, {"line": line.pk, "batch": batch.pk, "quantity": 2}
    ).json()
    assert body["packing"][0]["missing"] == 0 and body["packing"][0]["lots"][0]["lot"] == "LB2701A"
    assert post(client, f"{one}pack/", ws.raw_a).json()["status"] == "packed"
    missing = post(client, f"{one}ship/", ws.raw_a, {"carrier": "VNPost"})
    assert missing.status_code == 400 and "tracking_number" in missing.json()["fields"]
    mail.outbox.clear()
    shipped = post(
        client, f"{one}ship/", ws.raw_a, {"carrier": "VNPost", "tracking_number": "EB1VN"}
    ).json()
    assert (shipped["status"], shipped["carrier"], shipped["tracking_number"]) == (
        "shipped",
        "VNPost",
        "EB1VN",
    )
    assert post(client, f"{one}deliver/", ws.raw_a).json()["status"] == "delivered"
    # Recorded as the token's owner did it, as the admin's buttons record a member.
    change = StatusChange.objects.filter(suborder=ws.parcel, to_status="shipped").get()
    assert change.actor == ws.owner_a


def test_a_move_the_state_machine_forbids_is_409_and_changes_nothing(client, ws):
    one = f"{API}{ws.parcel.pk}/"
    response = post(client, f"{one}deliver/", ws.raw_a)
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert SubOrder.objects.get(pk=ws.parcel.pk).status == S.NEW
    assert post(client, f"{one}cancel/", ws.raw_a, {"reason": ""}).status_code == 400
    assert post(client, f"{one}cancel/", ws.raw_a, {"reason": "Hết hàng"}).status_code == 200
    assert SubOrder.objects.get(pk=ws.parcel.pk).status == S.CANCELLED
    assert post(client, f"{one}confirm/", ws.raw_a).status_code == 409


def test_scanning_stamps_refuses_with_the_rules_code(client, ws):
    one = f"{API}{ws.parcel.pk}/"
    post(client, f"{one}confirm/", ws.raw_a)
    batch = batch_of(ws.tea_variant, "LB2701S")
    Batch.objects.filter(pk=batch.pk).update(quantity=100)
    issue(batch, 3)  # signed by the real issuer
    batch = batch_release(batch=Batch.objects.get(pk=batch.pk))
    first, second, third = batch.stamps.order_by("number")
    ok = post(client, f"{one}packing/stamps/", ws.raw_a, {"code": first.uri})
    assert ok.status_code == 200 and ok.json()["packing"][0]["packed"] == 1
    again = post(client, f"{one}packing/stamps/", ws.raw_a, {"code": first.uri})
    assert again.status_code == 409 and again.json()["code"] == "already_packed"
    forged = post(client, f"{one}packing/stamps/", ws.raw_a, {"code": second.uri[:-4] + "AAAA"})
    assert forged.status_code == 400 and forged.json()["code"] == "forged"
    junk = post(client, f"{one}packing/stamps/", ws.raw_a, {"code": "hello"})
    assert junk.status_code == 400 and junk.json()["code"] == "malformed"
    assert post(client, f"{one}packing/stamps/", ws.raw_a, {"code": second.uri}).status_code == 200
    full = post(client, f"{one}packing/stamps/", ws.raw_a, {"code": third.uri})
    assert full.status_code == 409 and full.json()["code"] == "line_full"


def test_another_cooperatives_sub_order_is_404_whatever_the_move(client, ws):
    theirs = f"{API}{ws.other.pk}/"
    assert client.get(theirs, headers=auth(ws.raw_a)).status_code == 404
    for move in ("confirm", "pack", "deliver", "packing/stamps", "packing/lots"):
        assert post(client, f"{theirs}{move}/", ws.raw_a).status_code == 404
    assert SubOrder.objects.get(pk=ws.other.pk).status == S.NEW


def test_a_catalog_token_cannot_touch_orders(client, ws):
    _, raw = token_create(cooperative=ws.a, user=ws.owner_a, name="Shop", scopes=["catalog"])
    assert client.get(API, headers=auth(raw)).status_code == 403
    assert post(client, f"{API}{ws.parcel.pk}/confirm/", raw).status_code == 403
