"""The six endpoints /api/v1/ had before the framework (wards, stamp verification,
inspections, a batch's EPCIS export, the Stripe and bank webhooks) keep their paths, names and
bodies, and every answer they give, errors included, is one their OpenAPI operation documents:
its status, its content type, its body validated against the documented schema."""

import datetime
import functools
import json
import time
import uuid

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from openapi_schema_validator import OAS30Validator, oas30_format_checker

from marketplace.api.tokens import token_create
from marketplace.roles import INSPECTORS_GROUP, ensure_role_groups
from orders import vietqr
from traceability.models import Scan, TraceEvent
from traceability.services import batch_create, batch_recall, batch_release

from ..factories import UserFactory
from ..traceability.conftest import issue
from ..workspace import two_cooperatives

pytestmark = pytest.mark.django_db

WARDS = "/api/v1/wards"
VERIFY = "/api/v1/stamps/verify"
INSPECTIONS = "/api/v1/inspections/"
EPCIS = "/api/v1/batches/{batch_id}/epcis"
STRIPE = "/api/v1/payments/stripe/webhook"
VIETQR = "/api/v1/payments/vietqr/notify"


@functools.cache
def document() -> dict:
    generator = SchemaGenerator(urlconf=settings.SPECTACULAR_SETTINGS["SERVE_URLCONF"])
    # Through JSON, as a client reads it.
    return json.loads(json.dumps(generator.get_schema(request=None, public=True), default=str))


def conforms(response, path: str, method: str):
    """The response's body (parsed), once its status, content type and body are the ones the
    schema documents for ``method path``."""
    operation = document()["paths"][path][method]
    status = str(response.status_code)
    assert status in operation["responses"], f"{method} {path}: {status} is not documented"
    content = operation["responses"][status]["content"]
    media_type = response["Content-Type"].split(";")[0].strip()
    assert media_type in content, f"{method} {path} {status}: {media_type} is not documented"
    body = json.loads(response.content)
    schema = {**content[media_type]["schema"], "components": document()["components"]}
    validator = OAS30Validator(schema, format_checker=oas30_format_checker)
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)
    ]
    assert not errors, (method, path, status, errors)
    return body


def error_body(body: dict, code: str) -> None:
    """An error as the API writes them, with the message the first clients read."""
    assert body["code"] == code and body["detail"] and body["error"] == body["detail"]


@pytest.fixture
def ws(tree):
    ws = two_cooperatives(tree)
    batch = batch_create(
        variant=ws.tea_variant,
        lot="LB2603A",
        production_date=datetime.date(2026, 3, 15),
        best_before=datetime.date(2027, 3, 15),
        quantity=2000,
        field_area="Đồi chè xóm Khuôn Ngàn",
    )
    TraceEvent.objects.create(
        batch=batch,
        step="harvesting",
        event_time=datetime.datetime(2026, 3, 15, 8, tzinfo=datetime.UTC),
    )
    issue(batch, 3)
    ws.batch = batch_release(batch=batch)
    ws.stamps = list(ws.batch.stamps.order_by("number"))
    ws.inspector = UserFactory(username="inspector")
    ws.inspector.groups.add(ensure_role_groups()[INSPECTORS_GROUP])
    ws.shopper = UserFactory(username="shopper")
    return ws


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_the_six_keep_their_paths_and_names():
    assert reverse("orders_api:wards") == WARDS
    assert reverse("orders_api:stripe_webhook") == STRIPE
    assert reverse("orders_api:vietqr_notify") == VIETQR
    assert reverse("traceability:api_verify") == VERIFY
    assert reverse("traceability:api_inspections") == INSPECTIONS
    assert reverse("traceability:api_batch_epcis", args=[7]) == "/api/v1/batches/7/epcis"
    paths = document()["paths"]
    assert {WARDS, VERIFY, INSPECTIONS, EPCIS, STRIPE, VIETQR} <= set(paths)
    assert set(paths[VERIFY]) == {"get", "post"}
    assert set(paths[INSPECTIONS]) == {"post"} and set(paths[EPCIS]) == {"get"}


def test_wards_as_documented(client):
    response = client.get(WARDS, {"province": "19"})
    assert {"code": 5818, "name": "Xã La Bằng"} in conforms(response, WARDS, "get")["wards"]
    assert response["Cache-Control"] == "public, max-age=86400"
    assert "Cookie" not in response.get("Vary", "")  # no session read: caches may keep it
    bad = client.get(WARDS, {"province": "x"})
    assert bad.status_code == 400
    error_body(conforms(bad, WARDS, "get"), "invalid")
    assert bad.json()["error"] == "province must be a province code"
    unknown = client.get(WARDS, {"province": "999"})
    assert unknown.status_code == 404
    error_body(conforms(unknown, WARDS, "get"), "not_found")
    nul = client.get(WARDS, {"province": "\x00"})  # refused by the middleware, the same body
    error_body(conforms(nul, WARDS, "get"), "invalid")
    # JSON whatever the client accepts, as before (never a 406).
    page = client.get(WARDS, {"province": "19"}, HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and page["Content-Type"] == "application/json"
    assert client.get(WARDS, {"province": "19", "format": "xml"}).status_code == 200
    post = client.post(WARDS, {})
    assert post.status_code == 405
    error_body(post.json(), "method_not_allowed")


def test_verify_answers_every_verdict_as_documented(client, ws, settings):
    stamp = ws.stamps[0]
    genuine = client.get(VERIFY, {"uri": stamp.uri})
    data = conforms(genuine, VERIFY, "get")
    assert data["verdict"] == "genuine" and data["batch"]["lot"] == "LB2603A"
    assert data["events"][0]["step"] == "harvesting" and data["stamp"]["number"] == 1
    posted = client.post(VERIFY, {"uri": stamp.uri}, content_type="application/json")
    assert conforms(posted, VERIFY, "post")["verdict"] == "genuine"
    # The body's bytes as before: json.dumps's separators (scanning apps may read text).
    assert b'"verdict": "genuine"' in posted.content
    settings.TRACE_ANOMALY_RULES = {"max_scans": 1, "province_window_hours": 24}
    suspicious = conforms(client.get(VERIFY, {"uri": stamp.uri}), VERIFY, "get")
    assert suspicious["verdict"] == "suspicious" and suspicious["warnings"]
    forged = client.get(VERIFY, {"uri": stamp.uri[:-4] + "AAAA"})
    assert forged.status_code == 404
    assert conforms(forged, VERIFY, "get")["verdict"] == "forged"
    invalid = client.get(VERIFY, {"uri": "hello"})
    assert invalid.status_code == 400
    assert conforms(invalid, VERIFY, "get")["verdict"] == "invalid"
    missing = client.get(VERIFY)
    assert missing.status_code == 400
    error_body(conforms(missing, VERIFY, "get"), "invalid")
    broken = client.post(VERIFY, "{not json", content_type="application/json")
    assert broken.status_code == 400
    error_body(conforms(broken, VERIFY, "post"), "parse_error")
    odd = client.post(VERIFY, '{"uri": 5}', content_type="application/json")
    error_body(conforms(odd, VERIFY, "post"), "invalid")


def test_verify_of_a_recalled_batch_and_in_english(client, ws):
    batch_recall(batch=ws.batch, reason="Dư lượng thuốc trừ sâu", user=ws.operator)
    response = client.get(VERIFY, {"uri": ws.stamps[1].uri}, HTTP_ACCEPT_LANGUAGE="en")
    data = conforms(response, VERIFY, "get")
    assert data["verdict"] == "recalled" and data["batch"]["recalled_at"]
    assert response["Content-Language"] == "en"
    assert "Accept-Language" in response["Vary"] and "Cookie" in response["Vary"]
    missing = client.get(VERIFY, HTTP_ACCEPT_LANGUAGE="en")
    assert missing.json()["detail"] == "Give the stamp's URI in the uri parameter."
    revoked = client.get(VERIFY, {"uri": ws.stamps[1].uri}, **bearer("ocop_revoked"))
    assert revoked.status_code == 401
    error_body(conforms(revoked, VERIFY, "get"), "authentication_failed")


def rates(settings, **changes) -> None:
    framework = settings.REST_FRAMEWORK
    rates = {**framework["DEFAULT_THROTTLE_RATES"], **changes}
    settings.REST_FRAMEWORK = {**framework, "DEFAULT_THROTTLE_RATES": rates}


def test_verify_is_limited_per_address(client, ws, settings):
    rates(settings, verify="2/min")
    for _ in range(2):
        assert client.get(VERIFY, {"uri": ws.stamps[0].uri}).status_code == 200
    limited = client.get(VERIFY, {"uri": ws.stamps[0].uri})
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    error_body(conforms(limited, VERIFY, "get"), "throttled")


def test_a_signed_in_inspector_verifies_without_a_csrf_token(ws):
    phone = Client(enforce_csrf_checks=True)
    phone.force_login(ws.inspector)
    response = phone.post(VERIFY, {"uri": ws.stamps[0].uri}, content_type="application/json")
    assert conforms(response, VERIFY, "post")["verdict"] == "genuine"
    assert Scan.objects.filter(inspector=ws.inspector).exists()


def inspection(stamp, **changes) -> dict:
    data = {
        "client_id": str(uuid.uuid4()),
        "code": stamp.uri,
        "result": "pass",
        "note": "Kệ hàng chợ Thái Nguyên",
        "inspected_at": "2026-11-28T09:15:00+07:00",
        "offline_verdict": "genuine",
        "province": "19",
    }
    return {**data, **changes}


def test_inspections_as_documented(client, ws):
    data = inspection(ws.stamps[0])
    anonymous = client.post(INSPECTIONS, data, HTTP_ACCEPT_LANGUAGE="en")
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"]
    error_body(conforms(anonymous, INSPECTIONS, "post"), "not_authenticated")
    assert anonymous.json()["error"] == "Sign in as an inspector to record inspections."
    client.force_login(ws.shopper)
    shopper = client.post(INSPECTIONS, data)
    assert shopper.status_code == 403
    error_body(conforms(shopper, INSPECTIONS, "post"), "permission_denied")
    client.force_login(ws.inspector)
    created = client.post(INSPECTIONS, data)
    assert created.status_code == 201
    assert conforms(created, INSPECTIONS, "post")["server_verdict"] == "genuine"
    again = client.post(INSPECTIONS, data)
    assert again.status_code == 200 and conforms(again, INSPECTIONS, "post")["created"] is False
    bad = client.post(INSPECTIONS, inspection(ws.stamps[0], client_id="x"))
    assert bad.status_code == 400
    error_body(conforms(bad, INSPECTIONS, "post"), "invalid")
    as_json = client.post(INSPECTIONS, data, content_type="application/json")
    assert as_json.status_code == 415  # the phone sends multipart
    error_body(conforms(as_json, INSPECTIONS, "post"), "unsupported_media_type")


def test_inspections_want_the_csrf_token_of_the_session_and_no_token(ws):
    phone = Client(enforce_csrf_checks=True)
    phone.force_login(ws.inspector)
    refused = phone.post(INSPECTIONS, inspection(ws.stamps[0]))
    assert refused.status_code == 403
    error_body(conforms(refused, INSPECTIONS, "post"), "permission_denied")
    _, raw = token_create(cooperative=ws.a, user=ws.owner_a, name="App", scopes=["traceability"])
    cooperative = Client().post(INSPECTIONS, inspection(ws.stamps[0]), **bearer(raw))
    assert cooperative.status_code == 403
    error_body(conforms(cooperative, INSPECTIONS, "post"), "permission_denied")


def test_epcis_as_documented(client, ws):
    path = f"/api/v1/batches/{ws.batch.pk}/epcis"
    anonymous = client.get(path)
    assert anonymous.status_code == 401
    error_body(conforms(anonymous, EPCIS, "get"), "not_authenticated")
    client.force_login(ws.owner_a)
    response = client.get(path)
    assert response["Content-Type"] == "application/ld+json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="epcis-')
    assert conforms(response, EPCIS, "get")["epcisBody"]["eventList"]
    for accept in ("application/ld+json", "text/html", "application/json"):
        assert client.get(path, HTTP_ACCEPT=accept)["Content-Type"].startswith("application/ld")
    client.force_login(ws.owner_b)
    theirs = client.get(path)
    assert theirs.status_code == 404
    error_body(conforms(theirs, EPCIS, "get"), "not_found")
    client.force_login(ws.operator)
    assert client.get(path).status_code == 200


def test_epcis_with_a_cooperative_token(ws):
    path = f"/api/v1/batches/{ws.batch.pk}/epcis"
    _, own = token_create(cooperative=ws.a, user=ws.owner_a, name="A", scopes=["traceability"])
    _, shop = token_create(cooperative=ws.a, user=ws.owner_a, name="Shop", scopes=["catalog"])
    _, other = token_create(cooperative=ws.b, user=ws.owner_b, name="B", scopes=["traceability"])
    machine = Client()
    assert conforms(machine.get(path, **bearer(own)), EPCIS, "get")["type"] == "EPCISDocument"
    unscoped = machine.get(path, **bearer(shop))
    assert unscoped.status_code == 403
    error_body(conforms(unscoped, EPCIS, "get"), "permission_denied")
    assert machine.get(path, **bearer(other)).status_code == 404
    bad = machine.get(path, **bearer("ocop_nope"))
    assert bad.status_code == 401
    error_body(conforms(bad, EPCIS, "get"), "authentication_failed")


def stripe_signed(payload: dict, secret: str) -> tuple[bytes, str]:
    import hashlib
    import hmac

    body = json.dumps(payload).encode()
    timestamp = int(time.time())
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return body, f"t={timestamp},v1={digest.hexdigest()}"


def test_the_stripe_webhook_as_documented(client, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    off = client.post(STRIPE, b"{}", content_type="application/json")
    assert off.status_code == 404
    error_body(conforms(off, STRIPE, "post"), "not_found")
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test"
    unsigned = client.post(STRIPE, b"{}", content_type="application/json")
    assert unsigned.status_code == 400
    error_body(conforms(unsigned, STRIPE, "post"), "bad_signature")
    assert unsigned.json()["error"] == "bad signature or payload"
    # No limit on a provider's deliveries.
    rates(settings, anon="1/min")
    event = {"id": "evt_1", "type": "charge.refunded", "data": {"object": {"id": "ch_1"}}}
    for expected in ("ignored", "duplicate"):
        body, signature = stripe_signed(event, "whsec_test")
        response = client.post(
            STRIPE, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
        )
        assert conforms(response, STRIPE, "post") == {"status": expected}
    body, signature = stripe_signed({"id": "evt_2", "data": []}, "whsec_test")
    shapeless = client.post(
        STRIPE, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )
    assert shapeless.status_code == 400
    error_body(conforms(shapeless, STRIPE, "post"), "invalid")
    wrong_method = client.get(STRIPE)
    assert wrong_method.status_code == 405
    error_body(wrong_method.json(), "method_not_allowed")


def test_the_bank_webhook_as_documented(client, settings):
    settings.VIETQR_WEBHOOK_SECRET = "bank-secret"

    def notify(raw: bytes, signature: str | None = None):
        signature = signature or vietqr.sign(raw, int(time.time()), "bank-secret")
        return client.post(VIETQR, raw, content_type="application/json", HTTP_X_SIGNATURE=signature)

    transfer = {"transaction_id": "FT1", "amount": 1000, "description": "no order here"}
    raw = json.dumps(transfer).encode()
    forged = notify(raw, "t=1,v1=00")
    assert forged.status_code == 400
    error_body(conforms(forged, VIETQR, "post"), "bad_signature")
    unmatched = conforms(notify(raw), VIETQR, "post")
    assert unmatched["status"] == "unmatched" and unmatched["order"] is None
    assert conforms(notify(raw), VIETQR, "post") == {"status": "duplicate"}
    negative = notify(json.dumps({**transfer, "amount": -5}).encode())
    assert negative.status_code == 400
    error_body(conforms(negative, VIETQR, "post"), "invalid")
    assert negative.json()["error"] == "transaction_id must be text and amount a positive integer"
