"""Every traceability operation answers what the served OpenAPI schema says: a documented
status, its content type, and a JSON body valid against the documented schema (successes and
errors alike), walked through once with a cooperative's token and an operator's session."""

import pytest
from django.utils import timezone
from openapi_schema_validator import OAS30Validator

from marketplace.api.tokens import token_create
from traceability.models import AnomalyFlag, Batch

from ..workspace import batch_of, flag, stamps_of, two_cooperatives

pytestmark = pytest.mark.django_db

PREFIX = "/api/v1/"


@pytest.fixture
def document(client):
    response = client.get("/api/v1/schema/", headers={"Accept": "application/vnd.oai.openapi+json"})
    return response.json()


def check(document: dict, template: str, method: str, response) -> None:
    operation = document["paths"][PREFIX + template][method]
    documented = operation["responses"]
    status = str(response.status_code)
    assert status in documented, (method, template, status, documented.keys())
    if status == "304":
        return
    content = documented[status]["content"]
    media_type = response["Content-Type"].split(";")[0].strip()
    assert media_type in content, (method, template, media_type, list(content))
    if "json" not in media_type:
        return
    body = response.json()
    schema = {"allOf": [content[media_type]["schema"]], "components": document["components"]}
    errors = [e.message for e in OAS30Validator(schema).iter_errors(body)]
    assert not errors, (method, template, status, errors[:3])


def test_every_traceability_operation_keeps_to_the_schema(
    client, tree, document, django_capture_on_commit_callbacks
):
    ws = two_cooperatives(tree)
    _, raw = token_create(cooperative=ws.a, user=ws.owner_a, name="App", scopes=["traceability"])
    token = {"Authorization": f"Bearer {raw}"}
    calls = []

    def call(method, template, path=None, body=None, headers=None, **kwargs):
        path = PREFIX + (path or template)
        headers = {**token, **(headers or {})} if kwargs.get("auth", True) else headers or {}
        if method == "get":
            response = client.get(path, headers=headers)
        else:
            response = client.post(
                path, body or {}, content_type="application/json", headers=headers
            )
        check(document, template, method, response)
        calls.append((method, template, response.status_code))
        return response

    created = call(
        "post",
        "cooperative/batches/",
        body={
            "variant": ws.tea_variant.sku,
            "lot": "LB2605C",
            "production_date": "2026-05-01",
            "quantity": 40,
        },
    ).json()
    pk = created["id"]
    call("post", "cooperative/batches/", body={"lot": "LB 1"})
    call("get", "cooperative/batches/", "cooperative/batches/?status=draft")
    call("get", "cooperative/batches/", "cooperative/batches/?status=nope")
    call("get", "cooperative/batches/{pk}/", f"cooperative/batches/{pk}/")
    call("get", "cooperative/batches/{pk}/", "cooperative/batches/999999/")
    events = "cooperative/batches/{pk}/events/"
    call(
        "post",
        events,
        f"cooperative/batches/{pk}/events/",
        {"step": "harvesting", "event_time": "2026-05-01T07:00:00+07:00", "output_quantity": 12.5},
    )
    call(
        "post",
        events,
        f"cooperative/batches/{pk}/events/",
        {"step": "rolling", "event_time": "2026-05-01T07:00:00+07:00"},
    )
    call("get", events, f"cooperative/batches/{pk}/events/")
    orders = "cooperative/batches/{pk}/stamp-orders/"
    with django_capture_on_commit_callbacks(execute=True):
        order = call("post", orders, f"cooperative/batches/{pk}/stamp-orders/", {"count": 2})
    call("post", orders, f"cooperative/batches/{pk}/stamp-orders/", {"count": 0})
    call("post", orders, f"cooperative/batches/{pk}/stamp-orders/", {"count": 1000})
    call("get", orders, f"cooperative/batches/{pk}/stamp-orders/")
    order_id = order.json()["id"]
    call("get", "cooperative/stamp-orders/{pk}/", f"cooperative/stamp-orders/{order_id}/")
    call(
        "get",
        "cooperative/stamp-orders/{pk}/labels/",
        f"cooperative/stamp-orders/{order_id}/labels/",
    )
    call(
        "get", "cooperative/stamp-orders/{pk}/codes/", f"cooperative/stamp-orders/{order_id}/codes/"
    )
    call("get", "cooperative/stamp-orders/{pk}/codes/", "cooperative/stamp-orders/999999/codes/")
    with django_capture_on_commit_callbacks(execute=False):
        waiting = call("post", orders, f"cooperative/batches/{pk}/stamp-orders/", {"count": 1})
    waiting_id = waiting.json()["id"]
    call(
        "get",
        "cooperative/stamp-orders/{pk}/labels/",
        f"cooperative/stamp-orders/{waiting_id}/labels/",
    )
    call("get", "cooperative/batches/{pk}/epcis/", f"cooperative/batches/{pk}/epcis/")
    release = "cooperative/batches/{pk}/release/"
    call("post", release, f"cooperative/batches/{pk}/release/")
    call("post", release, f"cooperative/batches/{pk}/release/")
    call("get", "cooperative/batches/", auth=False)

    trace = "batches/{pk}/trace/"
    first = call("get", trace, f"batches/{pk}/trace/", auth=False)
    call("get", trace, f"batches/{pk}/trace/", auth=False, headers={"If-None-Match": first["ETag"]})
    draft = batch_of(ws.tea_variant, "LB2605D")
    call("get", trace, f"batches/{draft.pk}/trace/", auth=False)

    client.force_login(ws.operator)
    stamps_of(draft, 3)
    flag(draft.stamps.first(), AnomalyFlag.Rule.BEFORE_ACTIVATION, at=timezone.now())
    call("get", "anomaly-flags/", auth=False)
    call("get", "anomaly-flags/", "anomaly-flags/?rule=nope", auth=False)
    void = {"batch": draft.pk, "number_from": 1, "number_to": 2, "reason": "Mất cuộn tem"}
    call("post", "stamps/void/", body=void, auth=False)
    call("post", "stamps/void/", body=void, auth=False)
    call("post", "stamps/void/", body={"batch": draft.pk}, auth=False)
    recall = "batches/{pk}/recall/"
    call("post", recall, f"batches/{pk}/recall/", {"reason": "Dư lượng"}, auth=False)
    call("post", recall, f"batches/{pk}/recall/", {"reason": "Dư lượng"}, auth=False)
    call("post", recall, f"batches/{pk}/recall/", {}, auth=False)
    call("get", trace, f"batches/{pk}/trace/", auth=False)
    client.logout()
    call("post", recall, f"batches/{pk}/recall/", {"reason": "x"}, auth=False)  # 401
    call("post", recall, f"batches/{pk}/recall/", {"reason": "x"})  # a cooperative: 403

    assert Batch.objects.get(pk=pk).status == Batch.Status.RECALLED
    statuses = {status for _m, _t, status in calls}
    assert {200, 201, 304, 400, 401, 403, 404, 409} <= statuses
    traced = {t for _m, t, _s in calls}
    others = (PREFIX + "batches/{pk}/trace/", PREFIX + "batches/{pk}/recall/")
    others += (PREFIX + "stamps/void/", PREFIX + "anomaly-flags/")
    mine = (PREFIX + "cooperative/batches", PREFIX + "cooperative/stamp-orders")
    ours = {p[len(PREFIX) :] for p in document["paths"] if p.startswith(mine) or p in others}
    assert ours == traced, ours ^ traced
