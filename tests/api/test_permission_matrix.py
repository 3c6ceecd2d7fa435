"""Who may call what: every endpoint under ``/api/v1/`` (found by walking the URL conf), by
every kind of caller, by its methods, with the status each caller gets, in one table.

The objects in the paths are cooperative A's and shopper A's (``world.py``). Each call runs
in a savepoint rolled back afterwards, so every cell starts from the same data. Adding an
endpoint without its rows fails ``test_every_endpoint_has_a_row``; a caller who gets
another status fails ``test_each_caller_gets_the_status_in_the_table``, which also checks
that nobody but shopper A, cooperative A and the office ever sees A's private markers."""

import json
import re
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLResolver, get_resolver

from . import world

pytestmark = pytest.mark.django_db

CALLERS = (
    "anonymous",
    "shopper_a",
    "shopper_b",
    "shopper_a_token",
    "coop_a",
    "coop_b",
    "revoked",
    "expired",
    "no_scope",
    "inspector",
    "operator",
)
# Who must never see shopper A's order number and address, or A's draft lot.
STRANGERS = {"anonymous", "shopper_b", "coop_b", "revoked", "expired", "inspector"}
METHODS = ("get", "post", "put", "patch", "delete")
CONVERTER = re.compile(r"<\w+:(\w+)>")

# "METHOD /path under /api/v1": the status of each caller, in the order of CALLERS.
MATRIX = {
    # Columns: anonymous, shopper A, shopper B, shopper A's token, coop A, coop B, revoked,
    # expired, no scope, inspector, operator.
    # The root, the schema, its docs and the public catalogue: anyone; a revoked or expired token is
    # refused everywhere it is read.
    "GET /": "200 200 200 200 200 200 401 401 200 200 200",
    "GET /schema/": "200 200 200 200 200 200 401 401 200 200 200",
    "GET /docs/": "200 200 200 200 200 200 401 401 200 200 200",
    "GET /products/": "200 200 200 200 200 200 401 401 200 200 200",
    "GET /products/{pk}/": "200 200 200 200 200 200 401 401 200 200 200",
    "GET /categories/": "200 200 200 200 200 200 401 401 200 200 200",
    "GET /cooperatives/": "200 200 200 200 200 200 401 401 200 200 200",
    "GET /cooperatives/{slug}/": "200 200 200 200 200 200 401 401 200 200 200",
    "GET /regions/": "200 200 200 200 200 200 401 401 200 200 200",
    "GET /suggestions/": "200 200 200 200 200 200 401 401 200 200 200",
    "GET /batches/{pk}/trace/": "200 200 200 200 200 200 401 401 200 200 200",
    # Stamp verification (the resolver's verdict) and wards: anyone; wards reads no credentials.
    "GET /stamps/verify": "200 200 200 200 200 200 401 401 200 200 200",
    "POST /stamps/verify": "200 200 200 200 200 200 401 401 200 200 200",
    "GET /wards": "200 200 200 200 200 200 200 200 200 200 200",
    # Shoppers: a session's cart and orders (a guest's too); shopper A's cart line and order are A's
    # alone, and the office's sessions' (support); a cooperative's token is no shopper.
    "GET /cart/": "200 200 200 200 403 403 401 401 403 200 200",
    "POST /cart/lines/": "201 201 201 201 403 403 401 401 403 201 201",
    "PATCH /cart/lines/{pk}/": "404 200 404 200 403 403 401 401 403 404 404",
    "DELETE /cart/lines/{pk}/": "404 200 404 200 403 403 401 401 403 404 404",
    "POST /cart/accept-prices/": "200 200 200 200 403 403 401 401 403 200 200",
    "POST /checkout/": "409 201 201 201 403 403 401 401 403 409 409",
    "GET /orders/": "200 200 200 200 403 403 401 401 403 200 200",
    "GET /orders/{number}/": "404 200 404 200 403 403 401 401 403 404 200",
    "POST /orders/{number}/cancel/": "404 200 404 200 403 403 401 401 403 404 200",
    # A cooperative's token, its scope and its own objects: A's objects are a 404 to B.
    "GET /cooperative/variants/": "401 403 403 403 200 200 401 401 403 403 403",
    "GET /cooperative/variants/{sku}/": "401 403 403 403 200 404 401 401 403 403 403",
    "PATCH /cooperative/variants/{sku}/": "401 403 403 403 200 404 401 401 403 403 403",
    "GET /cooperative/suborders/": "401 403 403 403 200 200 401 401 403 403 403",
    "GET /cooperative/suborders/{pk}/": "401 403 403 403 200 404 401 401 403 403 403",
    "POST /cooperative/suborders/{pk}/confirm/": "401 403 403 403 200 404 401 401 403 403 403",
    "POST /cooperative/suborders/{pk}/pack/": "401 403 403 403 409 404 401 401 403 403 403",
    "POST /cooperative/suborders/{pk}/ship/": "401 403 403 403 400 404 401 401 403 403 403",
    "POST /cooperative/suborders/{pk}/deliver/": "401 403 403 403 409 404 401 401 403 403 403",
    "POST /cooperative/suborders/{pk}/cancel/": "401 403 403 403 200 404 401 401 403 403 403",
    "POST /cooperative/suborders/{pk}/packing/stamps/": "401 403 403 403 400 404 401 401 403 403 403",  # noqa: E501
    "POST /cooperative/suborders/{pk}/packing/lots/": "401 403 403 403 400 404 401 401 403 403 403",
    "GET /cooperative/batches/": "401 403 403 403 200 200 401 401 403 403 403",
    "POST /cooperative/batches/": "401 403 403 403 400 400 401 401 403 403 403",
    "GET /cooperative/batches/{pk}/": "401 403 403 403 200 404 401 401 403 403 403",
    "POST /cooperative/batches/{pk}/release/": "401 403 403 403 200 404 401 401 403 403 403",
    "GET /cooperative/batches/{pk}/events/": "401 403 403 403 200 404 401 401 403 403 403",
    "POST /cooperative/batches/{pk}/events/": "401 403 403 403 400 404 401 401 403 403 403",
    "GET /cooperative/batches/{pk}/stamp-orders/": "401 403 403 403 200 404 401 401 403 403 403",
    "POST /cooperative/batches/{pk}/stamp-orders/": "401 403 403 403 400 404 401 401 403 403 403",
    "GET /cooperative/batches/{pk}/epcis/": "401 403 403 403 200 404 401 401 403 403 403",
    "GET /cooperative/stamp-orders/{pk}/": "401 403 403 403 200 404 401 401 403 403 403",
    "GET /cooperative/stamp-orders/{pk}/labels/": "401 403 403 403 200 404 401 401 403 403 403",
    "GET /cooperative/stamp-orders/{pk}/codes/": "401 403 403 403 200 404 401 401 403 403 403",
    # The legacy EPCIS file: the batch's cooperative, inspectors and operators.
    "GET /batches/{batch_id}/epcis": "401 404 404 403 200 404 401 401 403 200 200",
    # The province office: operators recall and void, inspectors record inspections and read the
    # flags.
    "POST /inspections/": "401 403 403 403 403 403 401 401 403 400 400",
    "POST /batches/{pk}/recall/": "401 403 403 403 403 403 401 401 403 403 200",
    "POST /stamps/void/": "401 403 403 403 403 403 401 401 403 403 400",
    "GET /anomaly-flags/": "401 403 403 403 403 403 401 401 403 200 200",
    # Webhooks: the signature alone decides (none here is valid), whoever calls.
    "POST /payments/stripe/webhook": "400 400 400 400 400 400 400 400 400 400 400",
    "POST /payments/vietqr/notify": "400 400 400 400 400 400 400 400 400 400 400",
}


def endpoints():
    """(route, URL name, view class) of every URL under api/v1/."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), pattern

    for route, pattern in walk(get_resolver().url_patterns):
        if route.startswith("api/v1/"):
            callback = pattern.callback
            view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
            yield route, pattern.name, view


def row_key(method: str, route: str) -> str:
    """``GET /cooperative/batches/{pk}/`` for ``cooperative/batches/<int:pk>/``."""
    path = CONVERTER.sub(r"{\1}", route.removeprefix("api/v1/"))
    return f"{method.upper()} /{path}"


def operations():
    for route, name, view in endpoints():
        for method in METHODS:
            if hasattr(view, method):
                yield method.upper(), route, name


def test_every_endpoint_has_a_row():
    found = {row_key(method, route) for method, route, _ in operations()}
    assert found - set(MATRIX) == set(), "endpoints without a row in MATRIX"
    assert set(MATRIX) - found == set(), "rows of endpoints that no longer exist"
    for key, row in MATRIX.items():
        assert len(row.split()) == len(CALLERS), key


# --- the calls ------------------------------------------------------------------------------


def path_of(method: str, route: str, name: str, w) -> str:
    """The route with the objects of A (and shopper A) in it."""
    path = "/" + CONVERTER.sub(r"{\1}", route)
    path = path.format(**world.path_parameters(path, w))
    query = {"api_verify": {"uri": w.stamp_uri}, "wards": {"province": 1}}.get(name)
    if query and method == "GET":
        path += "?" + urlencode(query)
    return path


def body_of(method: str, name: str, w):
    """A body that would pass if the caller may call (most), as JSON."""
    if method == "GET" or method == "DELETE":
        return None
    return {
        "cooperative_variant": {"on_hand": 30},
        "cooperative_suborder_cancel": {"reason": "Hết hàng"},
        "cart_lines": {"variant": w.tea_variant.pk, "quantity": 1},
        "cart_line": {"quantity": 2},
        "checkout": {
            "full_name": "Nguyễn Thị Lan",
            "phone": "0912345678",
            "email": "lan@example.vn",
            "province": 1,
            "ward": world.HANOI_WARD,
            "address_line": "12 Phố Hàng Bông",
            "payment_method": "cod",
        },
        "order_cancel": {"reason": "Đặt nhầm"},
        "batch_recall": {"reason": "Dư lượng thuốc bảo vệ thực vật vượt ngưỡng"},
        "api_verify": {"uri": w.stamp_uri},
    }.get(name, {})


def callers(w) -> dict[str, Client]:
    def signed_in(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    def bearer(raw) -> Client:
        return Client(headers={"Authorization": f"Bearer {raw}"})

    return {
        "anonymous": Client(),
        "shopper_a": signed_in(w.shopper_a),
        "shopper_b": signed_in(w.shopper_b),
        "shopper_a_token": bearer(w.raw_shopper_a),
        "coop_a": bearer(w.raw_a),
        "coop_b": bearer(w.raw_b),
        "revoked": bearer(w.raw_revoked),
        "expired": bearer(w.raw_expired),
        "inspector": signed_in(w.inspector),
        "operator": signed_in(w.operator),
    }


def without_scope(view, w) -> Client:
    """A's token short of the scope the view needs (of traceability where it needs none)."""
    needed = "traceability"
    for permission in getattr(view, "permission_classes", []):
        needed = getattr(permission, "scope", "") or needed
    return Client(headers={"Authorization": f"Bearer {w.raw_without[needed]}"})


def call(client: Client, method: str, path: str, body) -> tuple[int, str]:
    """One call in a savepoint rolled back afterwards: no cell sees another's changes."""
    with transaction.atomic():
        if name_is_multipart(path):
            response = client.generic(method, path) if body is None else client.post(path, body)
        elif body is None:
            response = client.generic(method, path)
        else:
            response = client.generic(
                method, path, json.dumps(body), content_type="application/json"
            )
        transaction.set_rollback(True)
    content = b"" if getattr(response, "streaming", False) else response.content
    return response.status_code, content.decode("utf-8", "replace")


def name_is_multipart(path: str) -> bool:
    return path.endswith("/inspections/")


@pytest.fixture
def matrix_settings(settings):
    # About 550 calls from one address: lift the rate limits (the numbers only).
    rates = dict.fromkeys(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "100000/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    settings.CHECKOUT_RATE_LIMIT = "100000/m"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_matrix"  # configured: the signature decides
    return settings


def test_each_caller_gets_the_status_in_the_table(tree, matrix_settings):
    w = world.build(tree)
    clients = callers(w)
    views = {route: view for route, _, view in endpoints()}
    wrong, leaks, seen = [], [], {}
    for method, route, name in operations():
        key = row_key(method, route)
        path = path_of(method, route, name, w)
        body = body_of(method, name, w)
        clients["no_scope"] = without_scope(views[route], w)
        expected = dict(zip(CALLERS, MATRIX.get(key, "").split(), strict=False))
        got = []
        for caller in CALLERS:
            status, text = call(clients[caller], method, path, body)
            got.append(str(status))
            if expected.get(caller) != str(status):
                wrong.append(f"{key} {caller}: {status} (table: {expected.get(caller)})")
            if caller in STRANGERS and status < 300:
                leaks += [f"{key} {caller} sees {m!r}" for m in w.markers if m in text]
        seen[key] = " ".join(f"{s:<5}" for s in got).strip()
    print("\n".join(f'    "{key}": "{row}",' for key, row in seen.items()))
    assert leaks == []
    assert wrong == []
