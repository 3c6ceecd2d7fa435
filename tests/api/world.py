"""The API's callers and their data, for the permission matrix and the fuzzed contract: two
cooperatives (A: La Bằng tea, B: La Hiên custard apples), their owners' tokens (and A's
revoked, expired and short-of-a-scope ones), two signed-in shoppers with an order and a
cart each (and shopper A's own API token), an inspector and an operator; A has a draft
batch (private), a released batch with a finished stamp order and a flagged stamp, and a
new sub-order of shopper A's order.

Private markers (shopper A's order number, the street of its address, A's draft lot) let a
test check that nobody else's answer shows them."""

import datetime
from types import SimpleNamespace

from django.contrib.auth.models import Group
from django.utils import timezone

from marketplace.api.tokens import personal_token_create, token_create, token_revoke
from marketplace.models import ApiToken
from marketplace.roles import INSPECTORS_GROUP
from orders import cart as carts
from orders.models import Cart, Order
from traceability.models import AnomalyFlag
from traceability.services import batch_release

from ..factories import UserFactory
from ..traceability.conftest import issue
from ..workspace import HANOI_WARD, batch_of, flag, sub_order, two_cooperatives

__all__ = ["HANOI_WARD", "build", "path_parameters"]

SCOPES = [s.value for s in ApiToken.Scope]
PRIVATE_STREET = "Ngõ 7 Hàng Bông"
DRAFT_LOT = "LBMXA01"
RELEASED_LOT = "LBMXA02"


def build(tree) -> SimpleNamespace:
    w = two_cooperatives(tree)
    w.inspector = UserFactory(username="inspector", email="inspector@example.vn")
    w.inspector.groups.add(Group.objects.get(name=INSPECTORS_GROUP))
    w.shopper_a = UserFactory(username="shopper-a", email="shopper-a@example.vn")
    w.shopper_b = UserFactory(username="shopper-b", email="shopper-b@example.vn")

    def token(cooperative, owner, name, scopes, **kwargs):
        return token_create(cooperative=cooperative, user=owner, name=name, scopes=scopes, **kwargs)

    in_a_year = timezone.now() + datetime.timedelta(days=365)
    _, w.raw_a = token(w.a, w.owner_a, "Packing app", SCOPES, expires_at=in_a_year)
    _, w.raw_b = token(w.b, w.owner_b, "Shop sync", SCOPES)
    revoked, w.raw_revoked = token(w.a, w.owner_a, "Old phone", SCOPES)
    token_revoke(token=revoked, user=w.owner_a)
    expired, w.raw_expired = token(w.a, w.owner_a, "Trial", SCOPES, expires_at=in_a_year)
    ApiToken.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    # A token of A short of each scope in turn.
    w.raw_without = {
        scope: token(w.a, w.owner_a, f"No {scope}", [s for s in SCOPES if s != scope])[1]
        for scope in SCOPES
    }

    _, w.raw_shopper_a = personal_token_create(user=w.shopper_a, name="Ứng dụng của Lan")

    # Shopper A's order (a new sub-order of A's tea), shopper B's (B's apples).
    w.suborder_a = sub_order(w.a, w.tea_variant)
    Order.objects.filter(pk=w.suborder_a.order_id).update(
        number="DHMTXA2345", user=w.shopper_a, email=w.shopper_a.email, address_line=PRIVATE_STREET
    )
    w.order_a = Order.objects.get(pk=w.suborder_a.order_id)
    w.suborder_b = sub_order(w.b, w.apple_variant)
    Order.objects.filter(pk=w.suborder_b.order_id).update(
        number="DHMTXB2345", user=w.shopper_b, email=w.shopper_b.email
    )
    w.order_b = Order.objects.get(pk=w.suborder_b.order_id)
    w.cart_line_a = carts.add(
        Cart.objects.create(user=w.shopper_a), variant_id=w.tea_variant.pk, quantity=1
    )
    w.cart_line_b = carts.add(
        Cart.objects.create(user=w.shopper_b), variant_id=w.apple_variant.pk, quantity=1
    )

    # A's batches: a draft, and a released one with stamps, one of them flagged.
    w.draft = batch_of(w.tea_variant, DRAFT_LOT)
    w.batch = batch_of(w.tea_variant, RELEASED_LOT)
    w.stamp_order = issue(w.batch, 3)  # signed stamps and their print files
    w.batch = batch_release(batch=w.batch)
    w.stamps = list(w.batch.stamps.order_by("number"))
    w.stamp_uri = w.stamps[0].uri  # signed, as printed
    w.flag = flag(w.stamps[0], AnomalyFlag.Rule.TOO_MANY_SCANS, at=timezone.now())
    w.markers = {w.order_a.number, PRIVATE_STREET, DRAFT_LOT}
    return w


def path_parameters(path: str, w) -> dict:
    """The world's objects (A's and shopper A's) for the parameters of an API path written
    as the schema writes it (``/api/v1/cooperative/batches/{pk}/``)."""
    if "/cart/lines/" in path:
        return {"pk": w.cart_line_a.pk}
    if "/orders/{number}" in path:
        return {"number": w.order_a.number}
    if "/stamp-orders/{pk}" in path:
        return {"pk": w.stamp_order.pk}
    if "/suborders/{pk}" in path:
        return {"pk": w.suborder_a.pk}
    if "/variants/{sku}" in path:
        return {"sku": w.tea_variant.sku}
    if "/products/{pk}" in path:
        return {"pk": w.tea.pk}
    if "/cooperatives/{slug}" in path:
        return {"slug": w.a.slug}
    if "{batch_id}" in path:
        return {"batch_id": w.batch.pk}
    if "/batches/{pk}" in path:
        return {"pk": (w.draft if path.endswith("/release/") else w.batch).pk}
    return {}
