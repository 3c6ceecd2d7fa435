"""A shopper's own API tokens: made on the account page and shown once (only a digest is
kept), they let an app of the shopper's read the cart and orders and check out without the
password or a CSRF token; they act as that shopper and no one else, never as a cooperative
or the office, and a revoked one is refused at once."""

import datetime
import hashlib

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from marketplace.models import ApiToken
from orders.models import Order

from ..factories import UserFactory
from . import world

pytestmark = pytest.mark.django_db

CHECKOUT = {
    "full_name": "Nguyễn Thị Lan",
    "phone": "0912345678",
    "email": "lan@example.vn",
    "province": 1,
    "ward": world.HANOI_WARD,
    "address_line": "12 Phố Hàng Bông",
    "payment_method": "cod",
}


def make_token(client: Client, name: str = "Ứng dụng điện thoại", **fields) -> str:
    page = client.get(reverse("orders:app_tokens"))
    form_id = page.context["form_id"]
    response = client.post(
        reverse("orders:app_tokens"), {"name": name, "form_id": form_id, **fields}
    )
    assert response.status_code == 201, response.content.decode()[:2000]
    return response.context["raw"]


def bearer(raw: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {raw}", "Accept-Language": "en"})


@pytest.fixture
def w(tree):
    return world.build(tree)


@pytest.fixture
def lan(client, w):
    ApiToken.objects.filter(shopper=w.shopper_a).delete()  # the world's own: none yet here
    client.force_login(w.shopper_a)
    return client


def test_a_shopper_makes_a_token_sees_it_once_and_only_its_digest_is_kept(lan, w):
    raw = make_token(lan)
    assert raw.startswith("ocop_")
    token = ApiToken.objects.get(shopper=w.shopper_a)
    assert token.cooperative is None and token.scopes == ["shopper"]
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(token.prefix) and len(token.prefix) < 16 < len(raw)
    # The list shows its name and first characters, never the token again.
    again = lan.get(reverse("orders:app_tokens"))
    text = again.content.decode()
    assert "Ứng dụng điện thoại" in text and token.prefix in text and raw not in text
    # The account page links to it.
    assert reverse("orders:app_tokens") in lan.get(reverse("orders:account")).content.decode()


def test_a_form_sent_twice_makes_one_token(lan, w):
    page = lan.get(reverse("orders:app_tokens"))
    body = {"name": "Sổ tay", "form_id": page.context["form_id"]}
    assert lan.post(reverse("orders:app_tokens"), body).status_code == 201
    resent = lan.post(reverse("orders:app_tokens"), body)
    assert resent.status_code == 302
    assert ApiToken.objects.filter(shopper=w.shopper_a).count() == 1


def test_with_the_token_an_app_reads_fills_and_checks_out_the_shoppers_cart(lan, w):
    app = bearer(make_token(lan))
    mine = app.get("/api/v1/orders/").json()["results"]
    assert [o["number"] for o in mine] == [w.order_a.number]  # never shopper B's
    assert app.get(f"/api/v1/orders/{w.order_b.number}/").status_code == 404
    cart = app.get("/api/v1/cart/").json()
    assert cart["count"] == 1  # the account's cart (the tea in world)
    # No session, no CSRF token: the bearer token is the credential.
    changed = app.patch(
        f"/api/v1/cart/lines/{w.cart_line_a.pk}/", {"quantity": 2}, content_type="application/json"
    )
    assert changed.status_code == 200 and changed.json()["count"] == 2
    placed = app.post("/api/v1/checkout/", CHECKOUT, content_type="application/json")
    assert placed.status_code == 201, placed.json()
    order = Order.objects.get(number=placed.json()["number"])
    assert order.user == w.shopper_a
    # The shopper sees it on the site too.
    assert order.number in lan.get(reverse("orders:account")).content.decode()


def test_the_token_is_a_shoppers_not_a_cooperatives_nor_the_offices(lan, w):
    app = bearer(make_token(lan))
    for path in ("/api/v1/cooperative/variants/", "/api/v1/cooperative/batches/"):
        response = app.get(path)
        assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    w.shopper_a.groups.add(*w.operator.groups.all())  # even an operator's token is no session
    recall = app.post(
        f"/api/v1/batches/{w.batch.pk}/recall/", {"reason": "x"}, content_type="application/json"
    )
    assert recall.status_code == 403
    assert app.post("/api/v1/inspections/", {}).status_code == 403


def test_revoked_at_once_expired_refused_and_others_cannot_revoke_it(lan, w):
    raw = make_token(lan)
    token = ApiToken.objects.get(shopper=w.shopper_a)
    assert bearer(raw).get("/api/v1/orders/").status_code == 200
    # Shopper B cannot revoke it (or see it).
    other = Client()
    other.force_login(w.shopper_b)
    assert other.post(reverse("orders:app_token_revoke", args=[token.pk])).status_code == 404
    assert token.prefix not in other.get(reverse("orders:app_tokens")).content.decode()
    assert bearer(raw).get("/api/v1/orders/").status_code == 200
    # Its owner can, and it stops working at once.
    response = lan.post(reverse("orders:app_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    refused = bearer(raw).get("/api/v1/orders/")
    assert refused.status_code == 401 and refused.json()["code"] == "authentication_failed"
    assert "revoked" in refused.json()["detail"]
    # An expired one too.
    raw2 = make_token(lan, name="Thử")
    ApiToken.objects.filter(shopper=w.shopper_a, revoked_at=None).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert bearer(raw2).get("/api/v1/cart/").status_code == 401


def test_an_expiry_day_is_the_end_of_that_day_in_vietnam(lan, w):
    day = timezone.localdate() + datetime.timedelta(days=30)
    make_token(lan, expires_on=day.isoformat())
    expires = timezone.localtime(ApiToken.objects.get(shopper=w.shopper_a).expires_at)
    assert (expires.date(), expires.hour, expires.minute) == (day, 23, 59)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "Tên\x00lạ"}, None),  # refused before the form: the site's 400 page
        ({"name": "Cũ", "expires_on": "2020-01-01"}, "expires_on"),
        ({"name": "Sai ngày", "expires_on": "31/02/2027"}, "expires_on"),
    ],
)
def test_bad_input_is_a_form_error_and_makes_nothing(lan, w, fields, field):
    page = lan.get(reverse("orders:app_tokens"))
    response = lan.post(
        reverse("orders:app_tokens"), {"form_id": page.context["form_id"], **fields}
    )
    assert response.status_code == 400
    if field:
        assert response.context["form"].errors[field]
    assert not ApiToken.objects.filter(shopper=w.shopper_a).exists()


def test_a_shopper_keeps_a_few_live_tokens_at_most(lan, w, settings):
    settings.SHOPPER_TOKENS_MAX = 2
    make_token(lan, name="Một")
    make_token(lan, name="Hai")
    page = lan.get(reverse("orders:app_tokens"))
    third = lan.post(
        reverse("orders:app_tokens"), {"name": "Ba", "form_id": page.context["form_id"]}
    )
    assert third.status_code == 400 and third.context["form"].non_field_errors()
    assert ApiToken.objects.filter(shopper=w.shopper_a).count() == 2


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("orders:app_tokens"))
    assert response.status_code == 302 and reverse("orders:login") in response["Location"]


def test_deleting_the_account_deletes_its_tokens(client, w):
    someone = UserFactory(username="chi-mai", email="mai@example.vn")
    someone.set_password("mật-khẩu-dài-1")
    someone.save()
    client.force_login(someone)
    raw = make_token(client)
    assert bearer(raw).get("/api/v1/orders/").status_code == 200
    response = client.post(reverse("orders:delete_account"), {"password": "mật-khẩu-dài-1"})
    assert response.status_code == 200
    assert not ApiToken.objects.filter(prefix=raw[:11]).exists()
    assert bearer(raw).get("/api/v1/orders/").status_code == 401


def test_a_cooperative_members_own_token_sees_only_their_own_orders(client, w):
    # Cooperative B's owner is staff (the admin): neither their token nor their session
    # opens shopper A's order; the office's session does, its token does not.
    client.force_login(w.owner_b)
    raw = make_token(client, name="Điện thoại riêng")
    for path in (
        f"/api/v1/orders/{w.order_a.number}/",
        f"/api/v1/orders/{w.order_a.number}/cancel/",
    ):
        call = bearer(raw).post if path.endswith("cancel/") else bearer(raw).get
        assert call(path).status_code == 404
    page = client.get(reverse("orders:detail", args=[w.order_a.number]))
    assert page.status_code == 403 and world.PRIVATE_STREET not in page.content.decode()
    assert Order.objects.get(pk=w.order_a.pk).status != Order.Status.CANCELLED
    office = Client()
    office.force_login(w.operator)
    assert office.get(reverse("orders:detail", args=[w.order_a.number])).status_code == 200
    office_raw = make_token(office, name="Văn phòng")
    assert bearer(office_raw).get(f"/api/v1/orders/{w.order_a.number}/").status_code == 404


def test_a_new_password_revokes_the_shoppers_tokens(lan, w):
    raw = make_token(lan)
    w.shopper_a.set_password("mật-khẩu-cũ-1")
    w.shopper_a.save()
    lan.force_login(w.shopper_a)
    response = lan.post(
        reverse("orders:password_change"),
        {
            "old_password": "mật-khẩu-cũ-1",
            "new_password1": "Chè-La-Bằng-2026!",
            "new_password2": "Chè-La-Bằng-2026!",
        },
        follow=True,
    )
    assert response.status_code == 200
    with translation.override("vi"):
        told = ngettext(
            "Your app token was revoked with the old password: make a new one if an app "
            "of yours needs it.",
            "Your %(count)s app tokens were revoked with the old password: make new ones "
            "if apps of yours need them.",
            1,
        ) % {"count": 1}
    assert told in [str(m) for m in response.context["messages"]]
    assert bearer(raw).get("/api/v1/orders/").status_code == 401
