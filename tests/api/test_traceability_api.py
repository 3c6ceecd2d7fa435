"""A cooperative's packing or farm app keeps its batches with a token of the "traceability"
scope: creates batches (the admin's lot rules), records trace events, orders stamps, follows
the order and downloads its print files, releases the batch and exports EPCIS — through
``traceability.services``, 404 for another cooperative's batches, 403 without the scope, and
bad input a 400 naming the field with nothing written."""

import datetime

import pytest
from django.utils import timezone

from marketplace.api.tokens import token_create
from traceability.models import Batch, StampOrder, TraceEvent
from traceability.services import batch_recall

from ..traceability.test_epcis import schema_errors
from ..workspace import batch_of, two_cooperatives

pytestmark = pytest.mark.django_db

API = "/api/v1/cooperative/"
TZ = datetime.timezone(datetime.timedelta(hours=7))


@pytest.fixture
def ws(tree):
    ws = two_cooperatives(tree)
    _, ws.raw_a = token_create(
        cooperative=ws.a, user=ws.owner_a, name="Farm app", scopes=["traceability"]
    )
    _, ws.raw_b = token_create(cooperative=ws.b, user=ws.owner_b, name="B", scopes=["traceability"])
    _, ws.raw_orders = token_create(
        cooperative=ws.a, user=ws.owner_a, name="Packing", scopes=["orders", "catalog"]
    )
    ws.theirs = batch_of(ws.apple_variant, "NA2603")
    return ws


def auth(raw):
    return {"Authorization": f"Bearer {raw}"}


def post(client, path, raw, body=None):
    return client.post(path, body or {}, content_type="application/json", headers=auth(raw))


def get(client, path, raw, **headers):
    return client.get(path, headers={**auth(raw), **headers})


def new_batch(ws, **changes) -> dict:
    return {
        "variant": ws.tea_variant.sku,
        "lot": "LB2604A",
        "production_date": "2026-04-02",
        "best_before": "2027-04-02",
        "quantity": 100,
        "field_area": "Đồi chè xóm Khuôn Ngàn",
        "notes": "Vụ xuân",
        **changes,
    }


def test_a_cooperative_creates_a_batch_and_lists_its_own(client, ws):
    response = post(client, f"{API}batches/", ws.raw_a, new_batch(ws))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["lot"], body["status"], body["quantity"]) == ("LB2604A", "draft", 100)
    assert body["variant"]["sku"] == ws.tea_variant.sku and body["gtin"] == ws.tea_variant.gtin
    assert body["counts"]["stamps"]["total"] == 0 and body["counts"]["units"]["made"] == 100
    assert body["created_at"].endswith("+07:00")  # ISO 8601 with its offset
    batch = Batch.objects.get(pk=body["id"])
    # Recorded as the token's owner did it, as the admin records a member.
    assert batch.created_by == ws.owner_a and batch.cooperative == ws.a

    older = batch_of(ws.tea_variant, "LB2603Z", status=Batch.Status.RELEASED)
    Batch.objects.filter(pk=older.pk).update(created_at=timezone.now() - datetime.timedelta(1))
    rows = get(client, f"{API}batches/", ws.raw_a).json()
    assert [r["lot"] for r in rows["results"]] == ["LB2604A", "LB2603Z"]  # not B's, newest first
    drafts = get(client, f"{API}batches/?status=draft", ws.raw_a).json()
    assert [r["lot"] for r in drafts["results"]] == ["LB2604A"]
    by_sku = get(client, f"{API}batches/?variant={ws.tea_variant.sku}", ws.raw_a).json()
    assert by_sku["count"] == 2
    assert get(client, f"{API}batches/?variant={ws.apple_variant.sku}", ws.raw_a).json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }
    bad = get(client, f"{API}batches/?status=lost", ws.raw_a)
    assert bad.status_code == 400 and "status" in bad.json()["fields"]

    detail = get(client, f"{API}batches/{batch.pk}/", ws.raw_a).json()
    assert detail["field_area"] == "Đồi chè xóm Khuôn Ngàn" and detail["counts"]["events"] == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lot": "LB 2604"}, "lot"),  # a space: GS1 forbids it
        ({"lot": "Lô2604"}, "lot"),  # an accent
        ({"lot": "L" * 21}, "lot"),
        ({"lot": ".."}, "lot"),
        ({"lot": ""}, "lot"),
        ({"variant": "NO-SUCH-SKU"}, "variant"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": -5}, "quantity"),
        ({"quantity": 10**12}, "quantity"),
        ({"quantity": 1.5}, "quantity"),
        ({"quantity": "many"}, "quantity"),
        ({"best_before": "2026-04-01"}, "best_before"),  # before the production date
        ({"best_before": "2026-04-02"}, "best_before"),
        ({"production_date": "2026-13-01"}, "production_date"),
        ({"production_date": None}, "production_date"),
        ({"notes": "Vụ\x00xuân"}, "notes"),
        ({"field_area": "Đồi\x00chè"}, "field_area"),
        ({"field_area": "x" * 201}, "field_area"),
    ],
)
def test_a_bad_batch_is_a_400_naming_the_field_and_writes_nothing(client, ws, changes, field):
    response = post(client, f"{API}batches/", ws.raw_a, new_batch(ws, **changes))
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid" and field in body["fields"], body
    assert not Batch.objects.filter(cooperative=ws.a).exists()


def test_another_cooperatives_variant_a_variant_without_gtin_and_a_lot_taken(client, ws):
    theirs = post(client, f"{API}batches/", ws.raw_a, new_batch(ws, variant=ws.apple_variant.sku))
    assert theirs.status_code == 400 and "variant" in theirs.json()["fields"]
    batch_of(ws.tea_variant, "LB2604A")
    taken = post(client, f"{API}batches/", ws.raw_a, new_batch(ws))
    assert taken.status_code == 400 and "lot" in taken.json()["fields"]
    type(ws.tea_variant).objects.filter(pk=ws.tea_variant.pk).update(gtin=None)
    no_gtin = post(client, f"{API}batches/", ws.raw_a, new_batch(ws, lot="LB2604B"))
    assert no_gtin.status_code == 400 and "variant" in no_gtin.json()["fields"]
    assert Batch.objects.filter(cooperative=ws.a).count() == 1


def test_malformed_json_and_a_body_that_is_not_an_object(client, ws):
    broken = client.post(
        f"{API}batches/", "{lot:", content_type="application/json", headers=auth(ws.raw_a)
    )
    assert broken.status_code == 400 and broken.json()["code"] == "parse_error"
    listed = post(client, f"{API}batches/", ws.raw_a, ["LB1"])
    assert listed.status_code == 400
    nul = client.post(
        f"{API}batches/", '["a\\u0000"]', content_type="application/json", headers=auth(ws.raw_a)
    )
    assert nul.status_code == 400
    assert not Batch.objects.filter(cooperative=ws.a).exists()


def test_trace_events_are_added_with_the_edit_forms_rules(client, ws):
    batch = batch_of(ws.tea_variant, "LB2604E")
    before = Batch.objects.get(pk=batch.pk).updated_at
    url = f"{API}batches/{batch.pk}/events/"
    harvest = post(
        client,
        url,
        ws.raw_a,
        {
            "step": "harvesting",
            "event_time": "2026-04-02T06:30:00+07:00",
            "output_quantity": "320.5",
            "unit": "KGM",
            "note": "Hái một tôm hai lá",
        },
    )
    assert harvest.status_code == 201, harvest.content
    event = harvest.json()
    assert event["step"] == "harvesting" and event["disposition"] == "active"
    assert event["output_quantity"] == 320.5 and event["event_time"] == "2026-04-02T06:30:00+07:00"
    assert event["place"]  # the cooperative's commune
    withering = post(
        client,
        url,
        ws.raw_a,
        {"step": "withering", "event_time": "2026-04-02T14:00", "input_quantity": 320},
    )
    assert withering.status_code == 201, withering.content
    rows = get(client, url, ws.raw_a).json()["results"]
    assert [r["step"] for r in rows] == ["harvesting", "withering"]
    # The resolver's cached page of the batch is keyed by its updated_at: it moved.
    assert Batch.objects.get(pk=batch.pk).updated_at > before

    for body, field in [
        ({"step": "rolling", "event_time": "2026-04-03T08:00+07:00"}, "input_quantity"),
        ({"step": "cartoning", "event_time": "2026-04-03T08:00+07:00"}, "container_sscc"),
        (
            {
                "step": "cartoning",
                "event_time": "2026-04-03T08:00+07:00",
                "container_sscc": "123456789012345678",  # bad check digit
            },
            "container_sscc",
        ),
        (
            {"step": "sorting", "event_time": "2026-04-03T08:00", "read_point_ward_code": 99999},
            "read_point_ward_code",
        ),
        ({"step": "sorting", "event_time": "1990-04-03T08:00+07:00"}, "event_time"),
        ({"step": "sorting", "event_time": "yesterday"}, "event_time"),
        ({"step": "dancing", "event_time": "2026-04-03T08:00+07:00"}, "step"),
        ({"step": "sorting", "event_time": "2026-04-03T08:00", "note": "a\x00b"}, "note"),
        (
            {"step": "drying", "event_time": "2026-04-03T08:00", "input_quantity": "1e12"},
            "input_quantity",
        ),
        (
            {"step": "drying", "event_time": "2026-04-03T08:00", "input_quantity": -3},
            "input_quantity",
        ),
        ({"step": "sorting", "event_time": "2026-04-03T08:00", "unit": "XYZ"}, "unit"),
    ]:
        refused = post(client, url, ws.raw_a, body)
        assert refused.status_code == 400, (body, refused.content)
        assert field in refused.json()["fields"], (body, refused.json())
    assert TraceEvent.objects.filter(batch=batch).count() == 2


def test_release_once_then_409(client, ws):
    batch = batch_of(ws.tea_variant, "LB2604R")
    url = f"{API}batches/{batch.pk}/release/"
    released = post(client, url, ws.raw_a)
    assert released.status_code == 200 and released.json()["status"] == "released"
    assert released.json()["released_at"]
    again = post(client, url, ws.raw_a)
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    assert Batch.objects.get(pk=batch.pk).status_changes.filter(subject="batch").count() == 1


def test_stamp_order_runs_and_its_print_files_download(
    client, ws, django_capture_on_commit_callbacks
):
    batch = batch_of(ws.tea_variant, "LB2604S")
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, f"{API}batches/{batch.pk}/stamp-orders/", ws.raw_a, {"count": 3})
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["count"] == 3 and created["first_number"] == 1 and created["layout"] == "a4-65"
    order = get(client, f"{API}stamp-orders/{created['id']}/", ws.raw_a).json()
    assert (order["status"], order["issued"], order["percent"]) == ("done", 3, 100)
    assert order["files"]["labels"].endswith(f"/stamp-orders/{created['id']}/labels/")
    labels = client.get(order["files"]["labels"], headers=auth(ws.raw_a))
    assert labels.status_code == 200 and labels["Content-Type"] == "application/pdf"
    assert b"".join(labels.streaming_content).startswith(b"%PDF")
    assert "attachment" in labels["Content-Disposition"]
    codes = client.get(order["files"]["codes"], headers=auth(ws.raw_a))
    assert codes["Content-Type"].startswith("text/csv")
    text = b"".join(codes.streaming_content).decode()
    assert text.startswith("uri,gtin,lot,serial,number") and len(text.splitlines()) == 4
    # Asking for a file by Accept changes nothing: the file, or a JSON error.
    assert get(client, order["files"]["labels"], ws.raw_a, Accept="text/html").status_code == 200
    listed = get(client, f"{API}batches/{batch.pk}/stamp-orders/", ws.raw_a).json()
    assert [o["id"] for o in listed["results"]] == [created["id"]]
    detail = get(client, f"{API}batches/{batch.pk}/", ws.raw_a).json()
    assert detail["counts"]["stamps"] == {
        "total": 3,
        "issued": 3,
        "active": 0,
        "shipped": 0,
        "recalled": 0,
        "voided": 0,
    }
    assert detail["counts"]["stamp_orders"] == 1


def test_print_files_are_409_until_the_order_is_done(client, ws):
    batch = batch_of(ws.tea_variant, "LB2604Q")
    # Not run: the task is queued on commit, and this test's transaction never commits.
    created = post(client, f"{API}batches/{batch.pk}/stamp-orders/", ws.raw_a, {"count": 2}).json()
    order = get(client, f"{API}stamp-orders/{created['id']}/", ws.raw_a).json()
    assert order["status"] == "queued" and order["files"] == {"labels": None, "codes": None}
    for kind in ("labels", "codes"):
        waiting = get(client, f"{API}stamp-orders/{created['id']}/{kind}/", ws.raw_a)
        assert waiting.status_code == 409 and waiting.json()["code"] == "not_ready"
        assert waiting["Content-Type"] == "application/json"
    StampOrder.objects.filter(pk=created["id"]).update(status=StampOrder.Status.FAILED)
    failed = get(client, f"{API}stamp-orders/{created['id']}/labels/", ws.raw_a)
    assert failed.status_code == 409


def test_stamp_order_limits(client, ws, settings):
    settings.TRACE_MAX_STAMPS_PER_ORDER = 50
    batch = batch_of(ws.tea_variant, "LB2604L")  # 100 units: 105 stamps at most
    url = f"{API}batches/{batch.pk}/stamp-orders/"
    over = post(client, url, ws.raw_a, {"count": 51})
    assert over.status_code == 400 and "50" in over.json()["fields"]["count"][0]
    for count in (0, -1, 1.5, "ten", None, 10**30):
        refused = post(client, url, ws.raw_a, {"count": count})
        assert refused.status_code == 400 and "count" in refused.json()["fields"], count
    assert post(client, url, ws.raw_a, {"count": 1, "layout": "a3"}).status_code == 400
    assert post(client, url, ws.raw_a, {"count": 50}).status_code == 201
    assert post(client, url, ws.raw_a, {"count": 50}).status_code == 201
    beyond = post(client, url, ws.raw_a, {"count": 6})  # 100 + 5 % spare
    assert beyond.status_code == 409 and "5" in beyond.json()["detail"]
    batch_recall(batch=batch, reason="Dư lượng thuốc", user=ws.operator)
    recalled = post(client, url, ws.raw_a, {"count": 1})
    assert recalled.status_code == 409
    assert StampOrder.objects.filter(batch=batch).count() == 2


def test_epcis_export_validates(client, ws, django_capture_on_commit_callbacks):
    batch = batch_of(ws.tea_variant, "LB2604X")
    for step, day, extra in [
        ("harvesting", 2, {"output_quantity": 300}),
        ("drying", 3, {"input_quantity": 300, "output_quantity": 60}),
        ("packing", 4, {}),
    ]:
        TraceEvent.objects.create(
            batch=batch,
            step=step,
            event_time=datetime.datetime(2026, 4, day, 8, tzinfo=TZ),
            **extra,
        )
    with django_capture_on_commit_callbacks(execute=True):
        post(client, f"{API}batches/{batch.pk}/stamp-orders/", ws.raw_a, {"count": 3})
    response = get(client, f"{API}batches/{batch.pk}/epcis/", ws.raw_a)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json; charset=utf-8"
    document = response.json()
    assert document["type"] == "EPCISDocument"
    assert len(document["epcisBody"]["eventList"]) == 3
    assert schema_errors(document) == []


def test_another_cooperatives_batches_and_stamp_orders_are_404(
    client, ws, django_capture_on_commit_callbacks
):
    theirs = ws.theirs
    with django_capture_on_commit_callbacks(execute=True):
        order = post(
            client, f"{API}batches/{theirs.pk}/stamp-orders/", ws.raw_b, {"count": 2}
        ).json()
    one = f"{API}batches/{theirs.pk}/"
    for path in ("", "events/", "stamp-orders/", "epcis/"):
        assert get(client, one + path, ws.raw_a).status_code == 404, path
    for path in ("release/", "events/", "stamp-orders/"):
        body = {"count": 1} if path == "stamp-orders/" else {}
        assert post(client, one + path, ws.raw_a, body).status_code == 404, path
    for path in ("", "labels/", "codes/"):
        assert get(client, f"{API}stamp-orders/{order['id']}/{path}", ws.raw_a).status_code == 404
    assert get(client, f"{API}batches/{10**20}/", ws.raw_a).status_code == 404
    assert Batch.objects.get(pk=theirs.pk).status == Batch.Status.DRAFT
    assert StampOrder.objects.filter(batch=theirs).count() == 1
    # And B sees its own.
    assert get(client, one, ws.raw_b).status_code == 200
    assert get(client, f"{API}stamp-orders/{order['id']}/labels/", ws.raw_b).status_code == 200


def test_without_the_scope_or_a_token_the_answer_is_403_or_401(client, ws):
    batch = batch_of(ws.tea_variant, "LB2604T")
    paths = [
        "batches/",
        f"batches/{batch.pk}/",
        f"batches/{batch.pk}/events/",
        f"batches/{batch.pk}/stamp-orders/",
        f"batches/{batch.pk}/epcis/",
    ]
    for path in paths:
        assert get(client, API + path, ws.raw_orders).status_code == 403, path
        assert client.get(API + path).status_code == 401, path
    refused = post(client, f"{API}batches/", ws.raw_orders, new_batch(ws))
    assert refused.status_code == 403 and "traceability" in refused.json()["detail"]
    assert post(client, f"{API}batches/{batch.pk}/release/", ws.raw_orders).status_code == 403
    # A member's session is not a token.
    client.force_login(ws.owner_a)
    assert client.get(f"{API}batches/").status_code == 403
    assert Batch.objects.get(pk=batch.pk).status == Batch.Status.DRAFT


def test_errors_speak_the_requests_language(client, ws):
    response = post(
        client,
        f"{API}batches/",
        ws.raw_a,
        new_batch(ws, lot="LB 1"),
    )
    english = client.post(
        f"{API}batches/",
        new_batch(ws, lot="LB 1"),
        content_type="application/json",
        headers={**auth(ws.raw_a), "Accept-Language": "en"},
    )
    assert "A lot code may only use letters" in english.json()["fields"]["lot"][0]
    assert english["Content-Language"] == "en"
    assert response["Content-Language"] == "vi"
