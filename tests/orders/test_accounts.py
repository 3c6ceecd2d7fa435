"""Shopper accounts: sign-up with e-mail confirmation, password reset by e-mail, change
password, delete the account (orders kept without personal data), in Vietnamese and English."""

import dataclasses
import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.http import HttpRequest
from django.test import Client
from django.utils import timezone

from marketplace.models import User
from orders.models import Order

from ..factories import UserFactory
from .test_storefront import add, checkout_data

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver(/\S+)")


@pytest.fixture(autouse=True)
def _fresh_limits():
    """The rate limits count in the cache: each test starts from zero."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def link_in(message) -> str:
    return LINK.search(message.body).group(1)


def html_of(message) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


def sign_up(client, prefix="", capture=None, **overrides):
    data = {
        "username": "lan",
        "email": "lan@example.vn",
        "password1": "Na-La-Hien-2026",
        "password2": "Na-La-Hien-2026",
        **overrides,
    }
    with capture(execute=True):
        return client.post(f"{prefix}/account/signup/", data)


def test_sign_up_asks_to_confirm_the_address_and_the_link_confirms_it(
    client, django_capture_on_commit_callbacks
):
    response = sign_up(client, capture=django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"] == "/account/"
    user = User.objects.get(username="lan")
    assert user.language == "vi" and user.email_confirmed_at is None

    [message] = mail.outbox
    assert message.to == ["lan@example.vn"]
    assert message.subject == "Xác nhận địa chỉ e-mail của bạn cho OCOP Market"
    path = link_in(message)
    assert path.startswith("/account/confirm/")
    html = html_of(message)
    assert "Xác nhận địa chỉ e-mail" in html and f'href="http://testserver{path}"' in html

    page = client.get("/account/").content.decode()
    assert "data-email-unconfirmed" in page and "chưa được xác nhận" in page

    response = client.get(path)
    assert response.status_code == 302 and response["Location"] == "/account/"
    user.refresh_from_db()
    assert user.email_confirmed_at is not None
    page = client.get("/account/").content.decode()
    assert "data-email-unconfirmed" not in page
    assert "đã được xác nhận" in page  # the message after the link


def test_english_sign_up_gets_english_mail_and_pages(client, django_capture_on_commit_callbacks):
    sign_up(client, prefix="/en", capture=django_capture_on_commit_callbacks)
    assert User.objects.get(username="lan").language == "en"
    [message] = mail.outbox
    assert message.subject == "Confirm your e-mail address for OCOP Market"
    assert link_in(message).startswith("/en/account/confirm/")
    assert '<html lang="en">' in html_of(message)
    page = client.get("/en/account/").content.decode()
    assert "is not confirmed yet" in page


def test_a_confirmation_link_is_for_one_address_and_cannot_be_forged(
    client, django_capture_on_commit_callbacks
):
    sign_up(client, capture=django_capture_on_commit_callbacks)
    path = link_in(mail.outbox[0])
    user = User.objects.get(username="lan")

    forged = path.rstrip("/")[:-3] + "AAA/"
    response = client.get(forged)
    assert response.status_code == 400
    assert "Liên kết này không còn dùng được" in response.content.decode()

    user.email = "lan.moi@example.vn"
    user.save()
    assert client.get(path).status_code == 400  # the link was for the old address
    user.refresh_from_db()
    assert user.email_confirmed_at is None


def test_the_link_expires(client, settings, django_capture_on_commit_callbacks):
    sign_up(client, capture=django_capture_on_commit_callbacks)
    path = link_in(mail.outbox[0])
    settings.EMAIL_CONFIRMATION_DAYS = 0
    assert client.get(path).status_code == 400


def test_an_address_used_by_another_account_is_refused_with_a_message(
    client, django_capture_on_commit_callbacks
):
    UserFactory(username="minh", email="Lan@Example.vn")
    response = sign_up(client, capture=django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert "Đã có tài khoản dùng địa chỉ e-mail này" in response.content.decode()
    assert not User.objects.filter(username="lan").exists()
    assert mail.outbox == []


def test_orders_work_before_confirmation(client, shop, django_capture_on_commit_callbacks):
    sign_up(client, capture=django_capture_on_commit_callbacks)
    add(client, shop.tea_variant)
    response = client.post("/checkout/", checkout_data())
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.user.username == "lan"


def test_asking_for_the_link_again_sends_a_new_one_a_few_times_an_hour(
    client, django_capture_on_commit_callbacks
):
    sign_up(client, capture=django_capture_on_commit_callbacks)
    mail.outbox.clear()
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/en/account/confirm/resend/")
        assert response.status_code == 302
    assert len(mail.outbox) == 3  # CONFIRMATION_RESEND_RATE_LIMIT 3/h
    assert mail.outbox[0].subject == "Confirm your e-mail address for OCOP Market"
    assert "several links already" in client.get("/en/account/").content.decode()


# --- password reset ----------------------------------------------------------------------


def ask_for_reset(client, email, capture, prefix=""):
    with capture(execute=True):
        return client.post(f"{prefix}/account/password/reset/", {"email": email})


def test_password_reset_by_email_in_english(client, django_capture_on_commit_callbacks):
    user = UserFactory(username="lan", email="lan@example.vn")
    response = ask_for_reset(client, "LAN@example.vn", django_capture_on_commit_callbacks, "/en")
    assert response.status_code == 302
    assert response["Location"] == "/en/account/password/reset/sent/"
    assert "Check your e-mail" in client.get(response["Location"]).content.decode()

    [message] = mail.outbox
    assert message.subject == "Choose a new password for OCOP Market"
    path = link_in(message)
    assert path.startswith("/en/account/password/reset/")
    assert "Choose a new password" in html_of(message)

    form = client.get(path, follow=True)
    assert "Save the new password" in form.content.decode()
    set_url = form.redirect_chain[-1][0]
    response = client.post(
        set_url, {"new_password1": "Che-La-Bang-77", "new_password2": "Che-La-Bang-77"}
    )
    assert response.status_code == 302 and response["Location"] == "/en/account/"
    assert "Your new password is set" in client.get("/en/account/").content.decode()
    user.refresh_from_db()
    assert user.check_password("Che-La-Bang-77")
    assert user.email_confirmed_at is not None  # the link reached the inbox

    again = Client().get(path, follow=True).content.decode()
    assert "This link no longer works" in again  # once only


def test_reset_page_says_the_same_for_an_unknown_address(
    client, django_capture_on_commit_callbacks
):
    response = ask_for_reset(client, "nobody@example.vn", django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"] == "/account/password/reset/sent/"
    assert mail.outbox == []


def test_one_address_gets_a_few_reset_links_an_hour(client, django_capture_on_commit_callbacks):
    UserFactory(username="lan", email="lan@example.vn")
    for _ in range(5):
        response = ask_for_reset(client, "lan@example.vn", django_capture_on_commit_callbacks)
        assert response.status_code == 302
    assert len(mail.outbox) == 3  # PASSWORD_RESET_EMAIL_RATE_LIMIT


def test_reset_requests_from_one_address_are_limited(
    client, settings, django_capture_on_commit_callbacks
):
    settings.PASSWORD_RESET_RATE_LIMIT = "2/h"
    for n in range(2):
        ask_for_reset(client, f"x{n}@example.vn", django_capture_on_commit_callbacks)
    response = ask_for_reset(client, "x9@example.vn", django_capture_on_commit_callbacks)
    assert response.status_code == 429
    assert "Quá nhiều yêu cầu" in response.content.decode()


def test_a_new_password_lifts_the_login_lock(client, django_capture_on_commit_callbacks):
    UserFactory(username="lan", email="lan@example.vn")
    for _ in range(5):
        client.post("/account/login/", {"username": "lan", "password": "wrong"})
    assert AccessAttempt.objects.filter(username="lan").exists()
    locked = client.post("/account/login/", {"username": "lan", "password": "pass-1234"})
    assert locked.status_code == 429

    ask_for_reset(client, "lan@example.vn", django_capture_on_commit_callbacks)
    form = client.get(link_in(mail.outbox[0]), follow=True)
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Che-La-Bang-77", "new_password2": "Che-La-Bang-77"},
    )
    assert not AccessAttempt.objects.filter(username="lan").exists()
    fresh = Client()
    response = fresh.post("/account/login/", {"username": "lan", "password": "Che-La-Bang-77"})
    assert response.status_code == 302 and response["Location"] == "/account/"


def test_change_password(client):
    user = UserFactory(username="lan")
    client.force_login(user)
    wrong = client.post(
        "/account/password/",
        {
            "old_password": "nope",
            "new_password1": "Che-La-Bang-77",
            "new_password2": "Che-La-Bang-77",
        },
    )
    assert wrong.status_code == 200
    assert "Mật khẩu cũ" in wrong.content.decode()
    response = client.post(
        "/account/password/",
        {
            "old_password": "pass-1234",
            "new_password1": "Che-La-Bang-77",
            "new_password2": "Che-La-Bang-77",
        },
    )
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200  # still signed in
    user.refresh_from_db()
    assert user.check_password("Che-La-Bang-77")
    assert Client().get("/account/password/").status_code == 302  # sign in first


# --- deleting the account ----------------------------------------------------------------


def test_delete_account_keeps_orders_without_personal_data(client, shop):
    user = UserFactory(username="lan", email="lan@example.vn")
    client.force_login(user)
    add(client, shop.tea_variant)
    client.post("/checkout/", checkout_data())
    order = Order.objects.get()

    blocked = client.post("/account/delete/", {"password": "pass-1234"})
    assert blocked.status_code == 409
    assert "đơn hàng vẫn đang trên đường" in blocked.content.decode()
    assert User.objects.filter(pk=user.pk).exists()

    Order.objects.filter(pk=order.pk).update(status=Order.Status.COMPLETED)
    wrong = client.post("/account/delete/", {"password": "nope"})
    assert wrong.status_code == 200 and "Đó không phải mật khẩu của bạn" in wrong.content.decode()
    assert User.objects.filter(pk=user.pk).exists()

    response = client.post("/account/delete/", {"password": "pass-1234"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Tài khoản của bạn đã bị xoá" in page and "không còn tên" in page
    assert not User.objects.filter(pk=user.pk).exists()
    order.refresh_from_db()
    assert order.user is None
    assert (order.full_name, order.phone, order.email, order.address_line) == ("", "", "", "")
    assert order.total == 125_000 + order.shipping_total  # the books are intact
    assert order.suborders.get().lines.get().product_title == "Chè búp La Bằng"
    assert client.get("/account/").status_code == 302  # signed out
    assert not client.login(request=HttpRequest(), username="lan", password="pass-1234")


def test_staff_accounts_are_closed_by_an_operator(client):
    staff = UserFactory(username="op", is_staff=True)
    client.force_login(staff)
    page = client.get("/en/account/delete/")
    assert "ask an operator" in page.content.decode()
    assert client.post("/en/account/delete/", {"password": "pass-1234"}).status_code == 409
    assert User.objects.filter(pk=staff.pk).exists()


def test_account_pages_need_sign_in_and_offer_the_settings(client):
    for path in ("/account/", "/account/password/", "/account/delete/"):
        response = Client().get(path)
        assert response.status_code == 302 and "/account/login/" in response["Location"]
    user = UserFactory(username="lan", email="lan@example.vn")
    User.objects.filter(pk=user.pk).update(email_confirmed_at=timezone.now())
    client.force_login(user)
    page = client.get("/account/").content.decode()
    assert "Đổi mật khẩu" in page and "Xoá tài khoản" in page


def test_every_email_has_an_html_part_with_values_escaped(
    shop, customer, django_capture_on_commit_callbacks
):
    from orders import services

    from .conftest import line

    hostile = dataclasses.replace(
        customer,
        full_name='<img src=x onerror="alert(1)">Lan',
        delivery_note="Xem http://evil.example/x",
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.place_order(
            lines=[line(shop.tea_variant, 1)], customer=hostile, payment_method="cod"
        )
    [message] = [m for m in mail.outbox if m.to == ["lan@example.vn"]]
    html = html_of(message)
    assert "<img src=x" not in html and "&lt;img src=x" in html
    assert '<a href="http://testserver/orders/' in html  # the tracking link is clickable
    assert "http://evil.example/x" in html and 'href="http://evil.example' not in html


@pytest.mark.parametrize("value", ["%00", "a%00b", "%FF%FE", "x" * 5000])
def test_signed_in_forms_refuse_hostile_values_without_a_server_error(client, value):
    user = UserFactory(username="lan")
    client.force_login(user)
    for path, names in {
        "/account/password/": ["old_password", "new_password1", "new_password2"],
        "/account/delete/": ["password"],
        "/account/confirm/resend/": ["x"],
    }.items():
        for name in names:
            body = f"{name}={value}"
            response = client.post(path, body, content_type="application/x-www-form-urlencoded")
            assert response.status_code < 500, (path, name)
    assert User.objects.filter(pk=user.pk).exists()
    user.refresh_from_db()
    assert user.check_password("pass-1234")


def test_past_the_signup_limit_the_page_says_nothing_of_the_address(client, settings):
    settings.SIGNUP_RATE_LIMIT = "1/h"
    UserFactory(username="minh", email="minh@example.vn")
    data = {"username": "x1", "email": "a@example.vn", "password1": "p", "password2": "q"}
    client.post("/en/account/signup/", data)
    response = client.post("/en/account/signup/", {**data, "email": "minh@example.vn"})
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many new accounts" in page and "already uses" not in page


def test_an_account_named_in_kept_records_is_closed_by_an_operator(client, shop):
    """A former inspector (no group any more) whose inspections are kept: a message, not a
    server error, and nothing deleted."""
    from ..workspace import batch_of, inspection, stamps_of

    user = UserFactory(username="former-inspector")
    [stamp] = stamps_of(batch_of(shop.tea_variant, "LB2603A", status="released"), 1)
    inspection(stamp, user, result="pass", at=timezone.now())
    client.force_login(user)
    response = client.post("/en/account/delete/", {"password": "pass-1234"})
    assert response.status_code == 409
    assert "ask an operator" in response.content.decode()
    assert User.objects.filter(pk=user.pk).exists()
