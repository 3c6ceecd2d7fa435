"""A shopper's account on a 360 px phone: sign up, confirm the address from the e-mail, forget
the password and set a new one from the e-mail, change it, and delete the account."""

import re

import pytest
from django.core import mail

from marketplace.models import User

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LINK = re.compile(r"http://testserver(/\S+)")


def link_from_last_mail(to: str) -> str:
    [message] = [m for m in mail.outbox if m.to == [to]][-1:]
    return LINK.search(message.body).group(1)


def sign_in(page, base, username, password):
    page.goto(base + "/account/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Đăng nhập").click()


def test_phone_shopper_signs_up_confirms_resets_changes_and_deletes(live_server, phone):
    from django.core.cache import cache

    cache.clear()  # the sign-up and reset limits count per address
    base = live_server.url
    phone.goto(base + "/account/signup/")
    phone.fill("#id_username", "lan")
    phone.fill("#id_email", "lan@example.vn")
    phone.fill("#id_password1", "Na-La-Hien-2026")
    phone.fill("#id_password2", "Na-La-Hien-2026")
    phone.get_by_role("button", name="Đăng ký").click()
    phone.wait_for_url(base + "/account/")
    assert phone.locator("[data-email-unconfirmed]").is_visible()
    assert "lan@example.vn" in phone.locator("[role=status]").inner_text()

    # The link in the e-mail confirms the address.
    phone.goto(base + link_from_last_mail("lan@example.vn"))
    phone.wait_for_url(base + "/account/")
    assert phone.locator("[data-email-unconfirmed]").count() == 0
    assert "đã được xác nhận" in phone.locator("[role=status]").inner_text()

    # Signed out, the password is forgotten: a link by e-mail sets a new one.
    phone.get_by_role("button", name="Đăng xuất").click()
    phone.goto(base + "/account/login/")
    phone.get_by_role("link", name="Quên mật khẩu?").click()
    phone.fill("#id_email", "lan@example.vn")
    phone.get_by_role("button", name="Gửi liên kết").click()
    phone.wait_for_url(base + "/account/password/reset/sent/")
    assert phone.locator("h1").inner_text() == "Hãy kiểm tra e-mail"
    phone.goto(base + link_from_last_mail("lan@example.vn"))
    phone.fill("#id_new_password1", "Che-La-Bang-77")
    phone.fill("#id_new_password2", "Che-La-Bang-77")
    phone.get_by_role("button", name="Lưu mật khẩu mới").click()
    phone.wait_for_url(base + "/account/")
    assert "Mật khẩu mới đã được đặt" in phone.locator("[role=status]").inner_text()

    # Change it again from the account page; a wrong old password is said beside the field.
    phone.get_by_role("link", name="Đổi mật khẩu").click()
    phone.fill("#id_old_password", "sai-mat-khau")
    phone.fill("#id_new_password1", "Mien-Dong-2027")
    phone.fill("#id_new_password2", "Mien-Dong-2027")
    phone.get_by_role("button", name="Đổi mật khẩu").click()
    assert phone.locator(".field-error").first.is_visible()
    phone.fill("#id_old_password", "Che-La-Bang-77")
    phone.fill("#id_new_password1", "Mien-Dong-2027")
    phone.fill("#id_new_password2", "Mien-Dong-2027")
    phone.get_by_role("button", name="Đổi mật khẩu").click()
    phone.wait_for_url(base + "/account/")
    assert User.objects.get(username="lan").check_password("Mien-Dong-2027")

    # Delete the account.
    phone.get_by_role("link", name="Xoá tài khoản").click()
    phone.fill("#id_password", "Mien-Dong-2027")
    phone.get_by_role("button", name="Xoá tài khoản của tôi").click()
    assert phone.locator("h1").inner_text() == "Tài khoản của bạn đã bị xoá."
    assert not User.objects.filter(username="lan").exists()
    sign_in(phone, base, "lan", "Mien-Dong-2027")
    assert phone.locator(".notice--error").is_visible()  # no such account any more


def test_english_shopper_resets_a_password_in_english(live_server, desktop):
    from django.core.cache import cache

    from ..factories import UserFactory

    cache.clear()
    user = UserFactory(username="minh", email="minh@example.vn")
    User.objects.filter(pk=user.pk).update(language="vi")
    base = live_server.url
    desktop.goto(base + "/en/account/password/reset/")
    desktop.fill("#id_email", "minh@example.vn")
    desktop.get_by_role("button", name="Send the link").click()
    desktop.wait_for_url(base + "/en/account/password/reset/sent/")
    [message] = mail.outbox
    assert message.subject == "Choose a new password for OCOP Market"
    path = link_from_last_mail("minh@example.vn")
    assert path.startswith("/en/")
    desktop.goto(base + path)
    assert desktop.locator("h1").inner_text() == "Choose a new password"
    desktop.fill("#id_new_password1", "short")
    desktop.fill("#id_new_password2", "short")
    desktop.get_by_role("button", name="Save the new password").click()
    assert "too short" in desktop.locator(".field-error").first.inner_text()
