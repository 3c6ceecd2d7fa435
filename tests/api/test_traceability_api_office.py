"""A released batch's public trace (what the resolver shows, nothing personal; drafts are not
public), and the province OCOP office's endpoints: operators recall batches and void stamps,
operators and inspectors read the anomaly flags — signed-in sessions, with their CSRF token."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from marketplace.api.tokens import token_create
from marketplace.roles import INSPECTORS_GROUP
from orders.models import SubOrder
from traceability.models import AnomalyFlag, Batch, RecallRun, Stamp, TraceEvent
from traceability.services import batch_recall

from ..factories import UserFactory
from ..workspace import batch_of, flag, stamps_of, sub_order, two_cooperatives

pytestmark = pytest.mark.django_db

TZ = datetime.timezone(datetime.timedelta(hours=7))


@pytest.fixture
def ws(tree):
    ws = two_cooperatives(tree)
    ws.inspector = UserFactory(username="inspector", email="inspector@example.vn")
    ws.inspector.groups.add(Group.objects.get(name=INSPECTORS_GROUP))
    _, ws.raw_a = token_create(
        cooperative=ws.a, user=ws.owner_a, name="Farm app", scopes=["traceability"]
    )
    ws.batch = batch_of(ws.tea_variant, "LB2604P", status=Batch.Status.RELEASED)
    Batch.objects.filter(pk=ws.batch.pk).update(
        released_at=timezone.now(), field_area="Đồi chè xóm Khuôn Ngàn"
    )
    ws.batch.refresh_from_db()
    for step, day in [("harvesting", 2), ("packing", 4)]:
        TraceEvent.objects.create(
            batch=ws.batch,
            step=step,
            event_time=datetime.datetime(2026, 4, day, 8, tzinfo=TZ),
            note="Hái buổi sáng" if step == "harvesting" else "",
        )
    return ws


def post(client, path, body=None):
    return client.post(path, body or {}, content_type="application/json")


# --- the public trace -----------------------------------------------------------------------


def test_a_released_batchs_public_trace(client, ws):
    # A shopper received units of it: nothing of them shows.
    parcel = sub_order(ws.a, ws.tea_variant, status=SubOrder.Status.SHIPPED)
    url = f"/api/v1/batches/{ws.batch.pk}/trace/"
    response = client.get(url)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == ws.batch.pk and body["recalled"] is False and body["notice"] == ""
    assert body["product"]["name"] == "Chè búp La Bằng"
    assert body["product"]["gtin"] == ws.tea_variant.gtin
    assert body["product"]["url"].startswith("http")
    assert body["cooperative"]["name"] == ws.a.name
    assert body["batch"]["lot"] == "LB2604P" and body["batch"]["status"] == "released"
    assert body["batch"]["field_area"] == "Đồi chè xóm Khuôn Ngàn"
    assert [e["step"] for e in body["events"]] == ["harvesting", "packing"]
    assert body["events"][0]["time"] == "2026-04-02T08:00:00+07:00"
    text = response.content.decode()
    for private in (parcel.order.full_name, parcel.order.phone, parcel.order.email, "owner-a"):
        assert private not in text
    # Conditional reads, as the catalogue's.
    etag = response["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    english = client.get(url, headers={"Accept-Language": "en"})
    assert english["Content-Language"] == "en" and english.json()["events"][0]["label"]


def test_drafts_are_not_public_and_a_recall_says_so(client, ws):
    draft = batch_of(ws.tea_variant, "LB2604D")
    assert client.get(f"/api/v1/batches/{draft.pk}/trace/").status_code == 404
    assert client.get("/api/v1/batches/999999/trace/").status_code == 404
    assert client.get(f"/api/v1/batches/{10**20}/trace/").status_code == 404
    batch_recall(batch=ws.batch, reason="Dư lượng thuốc trừ sâu", user=ws.operator)
    body = client.get(f"/api/v1/batches/{ws.batch.pk}/trace/").json()
    assert body["recalled"] is True and body["batch"]["status"] == "recalled"
    assert "Dư lượng thuốc trừ sâu" in body["notice"] and body["batch"]["recalled_at"]


# --- recall ---------------------------------------------------------------------------------


def test_an_operator_recalls_a_batch_once(client, ws):
    client.force_login(ws.operator)
    url = f"/api/v1/batches/{ws.batch.pk}/recall/"
    blank = post(client, url, {"reason": "  "})
    assert blank.status_code == 400 and "reason" in blank.json()["fields"]
    nul = post(client, url, {"reason": "Dư\x00lượng"})
    assert nul.status_code == 400 and "reason" in nul.json()["fields"]
    assert Batch.objects.get(pk=ws.batch.pk).status == Batch.Status.RELEASED
    response = post(client, url, {"reason": "Dư lượng thuốc trừ sâu"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["batch"]["status"] == "recalled"
    assert body["batch"]["recall_reason"] == "Dư lượng thuốc trừ sâu"
    assert body["reach"]["made"] == 100 and body["reach"]["blocked"] >= 0
    assert RecallRun.objects.filter(batch=ws.batch, kind="recall").count() == 1
    again = post(client, url, {"reason": "Lần nữa"})
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    assert Batch.objects.get(pk=ws.batch.pk).recall_reason == "Dư lượng thuốc trừ sâu"
    assert post(client, "/api/v1/batches/999999/recall/", {"reason": "x"}).status_code == 404


@pytest.mark.parametrize("who", ["inspector", "owner_a", None, "token"])
def test_only_operators_recall(client, ws, who):
    url = f"/api/v1/batches/{ws.batch.pk}/recall/"
    headers = {}
    if who == "token":
        headers = {"Authorization": f"Bearer {ws.raw_a}"}
    elif who:
        client.force_login(getattr(ws, who))
    response = client.post(url, {"reason": "Thử"}, content_type="application/json", headers=headers)
    # Nobody signed in: 401. A member, an inspector, a cooperative's token: 403.
    expected = (401, "not_authenticated") if who is None else (403, "permission_denied")
    assert (response.status_code, response.json()["code"]) == expected
    assert Batch.objects.get(pk=ws.batch.pk).status == Batch.Status.RELEASED


def test_a_session_post_without_its_csrf_token_is_refused(ws):
    client = Client(enforce_csrf_checks=True)
    client.force_login(ws.operator)
    response = client.post(
        f"/api/v1/batches/{ws.batch.pk}/recall/",
        {"reason": "Dư lượng"},
        content_type="application/json",
    )
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    assert Batch.objects.get(pk=ws.batch.pk).status == Batch.Status.RELEASED
    void = client.post(
        "/api/v1/stamps/void/",
        {"batch": ws.batch.pk, "number_from": 1, "reason": "Mất cuộn tem"},
        content_type="application/json",
    )
    assert void.status_code == 403
    # Reads need no CSRF token.
    assert client.get("/api/v1/anomaly-flags/").status_code == 200


# --- void -----------------------------------------------------------------------------------


def test_an_operator_voids_a_range_of_stamps(client, ws):
    stamps_of(ws.batch, 5)
    client.force_login(ws.operator)
    url = "/api/v1/stamps/void/"
    response = post(
        client,
        url,
        {"batch": ws.batch.pk, "number_from": 2, "number_to": 3, "reason": "Mất cuộn tem"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["voided"] == 2 and body["stamps"]["voided"] == 2 and body["stamps"]["total"] == 5
    assert list(
        Stamp.objects.filter(batch=ws.batch, status="voided").values_list("number", flat=True)
    ) == [2, 3]
    one = post(client, url, {"batch": ws.batch.pk, "number_from": 5, "reason": "Rách"})
    assert one.status_code == 200 and one.json()["voided"] == 1
    again = post(
        client, url, {"batch": ws.batch.pk, "number_from": 2, "number_to": 3, "reason": "x"}
    )
    assert again.status_code == 409

    for body, field in [
        ({"batch": ws.batch.pk, "number_from": 4, "number_to": 9, "reason": "x"}, "number_from"),
        ({"batch": ws.batch.pk, "number_from": 4, "number_to": 2, "reason": "x"}, "number_from"),
        ({"batch": ws.batch.pk, "number_from": 0, "reason": "x"}, "number_from"),
        ({"batch": ws.batch.pk, "number_from": 4, "reason": ""}, "reason"),
        ({"batch": ws.batch.pk, "number_from": 4}, "reason"),
        ({"batch": 999999, "number_from": 4, "reason": "x"}, "batch"),
        ({"batch": "LB2604P", "number_from": 4, "reason": "x"}, "batch"),
        ({"batch": ws.batch.pk, "number_from": 10**12, "reason": "x"}, "number_from"),
        ({"batch": ws.batch.pk, "number_from": 4, "reason": "a\x00"}, "reason"),
    ]:
        refused = post(client, url, body)
        assert refused.status_code == 400, (body, refused.content)
        assert field in refused.json()["fields"], (body, refused.json())
    assert Stamp.objects.filter(batch=ws.batch, status="voided").count() == 3


def test_inspectors_and_members_do_not_void(client, ws):
    stamps_of(ws.batch, 2)
    for user in (ws.inspector, ws.owner_a):
        client.force_login(user)
        body = {"batch": ws.batch.pk, "number_from": 1, "reason": "x"}
        assert post(client, "/api/v1/stamps/void/", body).status_code == 403
    assert not Stamp.objects.filter(batch=ws.batch, status="voided").exists()


# --- anomaly flags --------------------------------------------------------------------------


def test_operators_and_inspectors_read_the_anomaly_flags(client, ws):
    first, second = stamps_of(ws.batch, 2)
    now = timezone.now()
    old = flag(first, AnomalyFlag.Rule.TOO_MANY_SCANS, at=now - datetime.timedelta(days=1))
    new = flag(second, AnomalyFlag.Rule.TWO_PROVINCES, at=now, outcome="explained")
    other = batch_of(ws.apple_variant, "NA2604", status=Batch.Status.RELEASED)
    (theirs,) = stamps_of(other, 1)
    flag(theirs, AnomalyFlag.Rule.VOIDED, at=now - datetime.timedelta(days=2))
    url = "/api/v1/anomaly-flags/"
    for user in (ws.operator, ws.inspector):
        client.force_login(user)
        body = client.get(url).json()
        assert body["count"] == 3
        assert body["results"][0]["id"] == new.pk  # latest first
        row = body["results"][0]
        assert row["rule"] == "two_provinces" and row["outcome"] == "explained"
        assert row["stamp"]["number"] == 2 and row["batch"]["lot"] == "LB2604P"
        assert row["batch"]["cooperative"] == ws.a.name
    opened = client.get(f"{url}?outcome=open").json()["results"]
    assert old.pk in [r["id"] for r in opened] and new.pk not in [r["id"] for r in opened]
    rule = client.get(f"{url}?rule=too_many_scans").json()
    assert [r["id"] for r in rule["results"]] == [old.pk]
    assert client.get(f"{url}?batch={other.pk}").json()["count"] == 1
    for query, field in [
        ("outcome=maybe", "outcome"),
        ("rule=x", "rule"),
        ("batch=abc", "batch"),
        (f"batch={10**20}", "batch"),
        ("page=0", "page"),
    ]:
        refused = client.get(f"{url}?{query}")
        assert refused.status_code == 400 and field in refused.json()["fields"], query


def test_members_tokens_and_strangers_do_not_read_the_anomaly_flags(client, ws):
    url = "/api/v1/anomaly-flags/"
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"Authorization": f"Bearer {ws.raw_a}"}).status_code == 403
    client.force_login(ws.owner_a)
    assert client.get(url).status_code == 403
