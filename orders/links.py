"""Signed tracking links: ``/orders/DH…/?t=…`` opens an order without an account."""

from django.core import signing
from django.urls import reverse
from django.utils import translation

from marketplace.mail import absolute

SALT = "orders.tracking"


def tracking_token(order) -> str:
    return signing.Signer(salt=SALT).sign(order.number).rsplit(":", 1)[1]


def token_is_valid(order, token: str) -> bool:
    try:
        return signing.Signer(salt=SALT).unsign(f"{order.number}:{token}") == order.number
    except signing.BadSignature:
        return False


def tracking_path(order) -> str:
    with translation.override(order.language):
        path = reverse("orders:detail", args=[order.number])
    return f"{path}?t={tracking_token(order)}"


def tracking_url(order) -> str:
    return absolute(tracking_path(order))
