"""Guessing passwords is stopped (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for
one username from one address, that pair gets a 429 page in the shopper's language until the
cool-off passes or an operator unlocks it; other shoppers and other addresses are not
affected; behind a proxy the address is the one the proxy saw."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Che-la-bang-2026!"
SHOPPER_LOGIN = "/account/login/"
ADMIN_LOGIN = "/admin/login/"


@pytest.fixture
def lan():
    user = UserFactory(username="lan")
    user.set_password(PASSWORD)
    user.save()
    return user


def attempt(client, path, username, password, **extra):
    return client.post(path, {"username": username, "password": password}, **extra)


def fail(client, path, username, times, **extra):
    for _ in range(times):
        response = attempt(client, path, username, "sai-mat-khau", **extra)
        assert response.status_code == 200  # the form again, with its error


def lock(client, path, username, **extra):
    """Four wrong passwords answered with the form, the fifth with the lock."""
    fail(client, path, username, 4, **extra)
    assert attempt(client, path, username, "sai-mat-khau", **extra).status_code == 429


def test_the_fifth_wrong_password_locks_that_username_from_that_address(client, lan, settings):
    assert settings.AXES_FAILURE_LIMIT == 5 and settings.AXES_COOLOFF_TIME.seconds == 15 * 60
    fail(client, SHOPPER_LOGIN, "lan", 4)
    response = attempt(client, SHOPPER_LOGIN, "lan", "sai-mat-khau")
    assert response.status_code == 429
    html = response.content.decode()
    assert "Quá nhiều lần đăng nhập sai" in html and "15 phút" in html
    assert response["Retry-After"] == "900"
    # Even the right password waits now: a guesser cannot tell it found it.
    locked = attempt(client, SHOPPER_LOGIN, "lan", PASSWORD)
    assert locked.status_code == 429 and "_auth_user_id" not in client.session


def test_the_lock_page_is_english_under_en(client, lan):
    fail(client, "/en" + SHOPPER_LOGIN, "lan", 4)
    response = attempt(client, "/en" + SHOPPER_LOGIN, "lan", "sai-mat-khau")
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()


def test_other_shoppers_and_other_addresses_are_not_locked(client, lan):
    other = UserFactory(username="minh")
    other.set_password(PASSWORD)
    other.save()
    lock(client, SHOPPER_LOGIN, "lan", REMOTE_ADDR="203.0.113.7")
    assert (
        attempt(client, SHOPPER_LOGIN, "lan", PASSWORD, REMOTE_ADDR="203.0.113.7").status_code
        == 429
    )
    # Many shoppers share a carrier's address: another username from it logs in.
    assert (
        attempt(client, SHOPPER_LOGIN, "minh", PASSWORD, REMOTE_ADDR="203.0.113.7").status_code
        == 302
    )
    client.logout()
    # The owner of the account, from their own connection, is not locked out by the guesser.
    assert (
        attempt(client, SHOPPER_LOGIN, "lan", PASSWORD, REMOTE_ADDR="198.51.100.9").status_code
        == 302
    )


def test_the_lock_lifts_after_the_cool_off(client, lan):
    lock(client, SHOPPER_LOGIN, "lan")
    assert attempt(client, SHOPPER_LOGIN, "lan", PASSWORD).status_code == 429
    # Sixteen minutes later (the failures' time moved back rather than the clock forward).
    AccessAttempt.objects.update(
        attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=16)
    )
    assert attempt(client, SHOPPER_LOGIN, "lan", PASSWORD).status_code == 302


def test_an_operator_unlocks_at_once(client, lan):
    lock(client, SHOPPER_LOGIN, "lan")
    assert attempt(client, SHOPPER_LOGIN, "lan", PASSWORD).status_code == 429
    call_command("axes_reset_username", "lan")
    assert attempt(client, SHOPPER_LOGIN, "lan", PASSWORD).status_code == 302


def test_a_right_password_resets_the_count(client, lan):
    fail(client, SHOPPER_LOGIN, "lan", 4)
    assert attempt(client, SHOPPER_LOGIN, "lan", PASSWORD).status_code == 302
    client.logout()
    fail(client, SHOPPER_LOGIN, "lan", 4)  # four more are allowed again
    assert attempt(client, SHOPPER_LOGIN, "lan", PASSWORD).status_code == 302


def test_the_admin_login_is_throttled_too(client, lan):
    lan.is_staff = True
    lan.save()
    fail(client, ADMIN_LOGIN, "lan", 4)
    response = attempt(client, ADMIN_LOGIN, "lan", "sai-mat-khau")
    assert (
        response.status_code == 429 and "Quá nhiều lần đăng nhập sai" in response.content.decode()
    )
    assert attempt(client, ADMIN_LOGIN, "lan", PASSWORD).status_code == 429


def test_a_forged_forwarded_for_is_not_believed_without_a_proxy(client, lan):
    """Without TRUSTED_PROXY_COUNT a guesser cannot dodge the lock by inventing addresses."""
    for n in range(5):
        attempt(client, SHOPPER_LOGIN, "lan", "sai", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert (
        attempt(
            client, SHOPPER_LOGIN, "lan", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99"
        ).status_code
        == 429
    )


def test_behind_a_proxy_the_address_the_proxy_saw_counts(client, lan, settings):
    settings.TRUSTED_PROXY_COUNT = 1  # nginx in front, as deploy/ sets it
    # An ordinary browser: nginx sends the one address it saw. Two shoppers behind nginx
    # (the same REMOTE_ADDR, nginx's) are told apart by it.
    lock(client, SHOPPER_LOGIN, "lan", HTTP_X_FORWARDED_FOR="203.0.113.7")
    other = "198.51.100.9"
    assert (
        attempt(client, SHOPPER_LOGIN, "lan", PASSWORD, HTTP_X_FORWARDED_FOR=other).status_code
        == 302
    )
    client.logout()
    # A guesser writing its own X-Forwarded-For: nginx appends the real address after it.
    spoofed = "10.9.9.99, 203.0.113.7"
    assert (
        attempt(client, SHOPPER_LOGIN, "lan", PASSWORD, HTTP_X_FORWARDED_FOR=spoofed).status_code
        == 429
    )
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"


def test_the_client_address_function():
    from django.test import RequestFactory, override_settings

    from marketplace.client_ip import client_ip

    def ip(count, forwarded=None, remote="10.0.0.2"):
        extra = {"REMOTE_ADDR": remote}
        if forwarded is not None:
            extra["HTTP_X_FORWARDED_FOR"] = forwarded
        with override_settings(TRUSTED_PROXY_COUNT=count):
            return client_ip(RequestFactory().get("/", **extra))

    assert ip(0, "203.0.113.7") == "10.0.0.2"  # no proxy: the header is not believed
    assert ip(1, "203.0.113.7") == "203.0.113.7"
    assert ip(1, "1.2.3.4, 203.0.113.7") == "203.0.113.7"
    assert ip(2, "203.0.113.7, 10.0.0.9") == "203.0.113.7"  # a load balancer, then nginx
    assert ip(1, "") == ip(1) == "10.0.0.2"  # nothing forwarded: the connection's
    assert ip(1, "not-an-address") == "10.0.0.2"
    assert ip(1, "2001:db8::1") == "2001:db8::1"


def test_an_operator_sees_and_lifts_a_lock_in_the_admin(client, lan, tree):
    from django.test import Client

    from ..workspace import prefer_language, two_cooperatives

    people = two_cooperatives(tree)
    lock(client, SHOPPER_LOGIN, "lan")
    lock(client, SHOPPER_LOGIN, "owner-a")
    [row] = AccessAttempt.objects.filter(username="lan")

    office = Client()
    office.force_login(prefer_language(people.operator, "en"))
    listing = office.get("/admin/login-locks/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "Login locks" in html and "lan" in html and "owner-a" in html
    assert "Not locked" not in html  # both are held back now
    assert "/admin/login-locks/new/" not in html and "/edit/" not in html  # lift, nothing else
    assert office.get("/admin/login-locks/new/").status_code in (302, 403)
    found = office.get("/admin/login-locks/?q=owner").content.decode()
    assert "owner-a" in found and f"/admin/login-locks/delete/{row.pk}/" not in found

    confirm = office.get(f"/admin/login-locks/delete/{row.pk}/").content.decode()
    assert "Lift the lock on lan from 127.0.0.1?" in confirm
    response = office.post(f"/admin/login-locks/delete/{row.pk}/")
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="lan").exists()
    assert AccessAttempt.objects.filter(username="owner-a").exists()
    assert attempt(client, SHOPPER_LOGIN, "lan", PASSWORD).status_code == 302

    from wagtail.models import ModelLogEntry

    entry = ModelLogEntry.objects.get(action="wagtail.delete")
    assert entry.user == people.operator and entry.label == "lan · 127.0.0.1"

    # A cooperative's owner sees no locks.
    owner = Client()
    owner.force_login(people.owner_a)
    assert owner.get("/admin/login-locks/").status_code in (302, 403)
