"""A cooperative owner's API tokens in the admin: made with a name, scopes and an expiry, shown
once (only a digest is kept, nothing logs it), working at once on /api/v1/, refused at once
when revoked or expired; staff, inspectors and other cooperatives' owners neither see nor
revoke them; the office reads them and revokes a leaked one with a reason, which the owners
see; bad input makes nothing."""

import datetime
import hashlib
import logging
import re
import zoneinfo

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from marketplace.api.tokens import (
    BearerTokenAuthentication,
    TokenError,
    request_token,
    token_create,
    token_revoke,
)
from marketplace.models import ApiToken, Cooperative
from marketplace.roles import INSPECTORS_GROUP
from marketplace.services import membership_add

from ..factories import CooperativeFactory, UserFactory
from ..workspace import prefer_language, two_cooperatives

pytestmark = pytest.mark.django_db

VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
PRODUCTS = "/api/v1/products/"
LIST = reverse("ocop_api_tokens")
CREATE = reverse("ocop_api_token_create")
RAW = re.compile(r"data-new-token>(ocop_[A-Za-z0-9_-]+)</textarea>")
FORM_ID = re.compile(r'name="form_id" value="([^"]+)"')


@pytest.fixture
def ws(tree):
    ws = two_cooperatives(tree)
    ws.inspector = UserFactory(username="inspector", email="inspector@example.vn")
    ws.inspector.groups.add(Group.objects.get(name=INSPECTORS_GROUP))
    return ws


def today() -> datetime.date:
    return timezone.localdate(timezone=VN)


def revoke_url(token) -> str:
    return reverse("ocop_api_token_revoke", args=[token.pk])


def open_form(client, cooperative=None) -> str:
    """The create form's one-time id (a GET first, as a browser does)."""
    params = {"cooperative": cooperative.pk} if cooperative else {}
    page = client.get(CREATE, params)
    assert page.status_code == 200
    return FORM_ID.search(page.content.decode()).group(1)


def make(client, cooperative=None, *, form_id=None, **fields):
    data = {"name": "Packing app, warehouse 2", "scopes": ["catalog", "orders"], **fields}
    data["form_id"] = form_id or open_form(client, cooperative)
    query = f"?cooperative={cooperative.pk}" if cooperative else ""
    return client.post(CREATE + query, data)


def raw_of(response) -> str:
    match = RAW.search(response.content.decode())
    assert match, "the new token is on the page"
    return match.group(1)


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def service_token(ws, **kwargs) -> tuple[ApiToken, str]:
    return token_create(
        cooperative=ws.a, user=ws.owner_a, name="Shop", scopes=["catalog"], **kwargs
    )


# --- made and shown once -----------------------------------------------------------------


def test_owner_makes_a_token_sees_it_once_and_only_a_digest_is_kept(client, ws, caplog):
    caplog.set_level(logging.DEBUG)
    client.force_login(prefer_language(ws.owner_a, "en"))
    form = client.get(CREATE)
    assert form.status_code == 200
    body = form.content.decode()
    for value in ApiToken.Scope.values:
        assert f'value="{value}"' in body
    assert f'min="{today().isoformat()}"' in body

    expiry = today() + datetime.timedelta(days=30)
    form_id = FORM_ID.search(body).group(1)
    response = make(client, form_id=form_id, expires_on=expiry.isoformat())

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "will not be shown again" in page
    assert "<script>" not in page and "onclick" not in page  # CSP: the copy button is a file
    assert "marketplace/api-tokens" in page
    raw = raw_of(response)
    secret = raw[len("ocop_") :]
    assert len(secret) >= 40

    token = ApiToken.objects.get()
    assert token.cooperative == ws.a and token.created_by == ws.owner_a
    assert token.name == "Packing app, warehouse 2"
    assert token.scopes == ["catalog", "orders"]
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(token.prefix) and len(token.prefix) < len(raw) // 3
    assert token.expires_at == datetime.datetime.combine(expiry, datetime.time.max, tzinfo=VN)
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    for column, value in row.items():
        assert raw not in str(value), column
        assert secret[6:] not in str(value), column
    for record in caplog.records:
        assert raw not in record.getMessage() and secret[6:] not in record.getMessage()
        assert raw not in repr(record.args) and raw not in repr(record.__dict__)
    for key, value in client.session.items():
        assert raw not in str(value), key
    assert raw not in str(response.headers)

    # The list names it by its first characters, never whole.
    listing = client.get(LIST)
    assert listing.status_code == 200
    text = listing.content.decode()
    assert raw not in text and token.prefix in text and "Packing app, warehouse 2" in text
    assert 'data-token-status="active"' in text
    # Reloading the response sends the form again: no second token, no token shown.
    again = make(client, form_id=form_id, expires_on=expiry.isoformat())
    assert again.status_code == 302 and again["Location"].startswith(LIST)
    followed = client.get(again["Location"])
    assert raw not in followed.content.decode()
    assert "already sent" in followed.content.decode()
    assert ApiToken.objects.count() == 1


def test_a_token_without_expiry_and_one_that_ends_today(client, ws):
    client.force_login(ws.owner_a)
    assert make(client, expires_on="", name="Forever").status_code == 200
    assert make(client, expires_on=today().isoformat(), name="Today").status_code == 200
    assert ApiToken.objects.get(name="Forever").expires_at is None
    ends = ApiToken.objects.get(name="Today").expires_at
    assert ends > timezone.now()
    assert timezone.localtime(ends, VN).date() == today()
    assert timezone.localtime(ends, VN).time() == datetime.time.max
    # Yesterday, Vietnam time, is past.
    yesterday = today() - datetime.timedelta(days=1)
    assert make(client, expires_on=yesterday.isoformat(), name="Late").status_code == 400
    assert not ApiToken.objects.filter(name="Late").exists()
    # Typed the Vietnamese way too (dd/mm/yyyy).
    tomorrow = today() + datetime.timedelta(days=1)
    response = make(client, expires_on=tomorrow.strftime("%d/%m/%Y"), name="Typed")
    assert response.status_code == 200
    assert timezone.localtime(ApiToken.objects.get(name="Typed").expires_at, VN).date() == tomorrow


# --- used on the API, revoked, expired ---------------------------------------------------


def test_the_token_works_on_the_api_and_a_revoked_one_is_refused_at_once(client, ws):
    client.force_login(ws.owner_a)
    raw = raw_of(make(client))
    token = ApiToken.objects.get()
    assert token.last_used_at is None

    api = Client()
    response = api.get(PRODUCTS, **bearer(raw))
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None

    # request_token gives the views this token (and its cooperative).
    drf_request = Request(
        APIRequestFactory().get(PRODUCTS, **bearer(raw)),
        authenticators=[BearerTokenAuthentication()],
    )
    assert request_token(drf_request) == token
    assert drf_request.user.cooperative == ws.a

    confirm = client.get(revoke_url(token))
    assert confirm.status_code == 200
    assert "Packing app, warehouse 2" in confirm.content.decode()
    assert 'method="post"' in confirm.content.decode()
    assert ApiToken.objects.get().revoked_at is None  # a GET revokes nothing
    revoked = client.post(revoke_url(token))
    assert revoked.status_code == 302 and revoked["Location"] == f"{LIST}?cooperative={ws.a.pk}"
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == ws.owner_a
    assert not token.revoked_by_office and token.revoked_reason == ""

    refused = api.get(PRODUCTS, **bearer(raw))
    assert refused.status_code == 401
    assert refused.json()["code"] == "authentication_failed"
    assert refused["WWW-Authenticate"].startswith("Bearer")
    assert 'data-token-status="revoked"' in client.get(LIST).content.decode()
    # Revoking twice changes nothing.
    first = token.revoked_at
    assert client.post(revoke_url(token)).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at == first


def test_an_expired_token_is_refused(client, ws):
    token, raw = service_token(ws, expires_at=timezone.now() + datetime.timedelta(days=1))
    assert Client().get(PRODUCTS, **bearer(raw)).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert Client().get(PRODUCTS, **bearer(raw)).status_code == 401
    client.force_login(ws.owner_a)
    assert 'data-token-status="expired"' in client.get(LIST).content.decode()


def test_a_suspended_cooperatives_tokens_are_refused_and_its_owner_told(client, ws):
    _, raw = service_token(ws)
    Cooperative.objects.filter(pk=ws.a.pk).update(status=Cooperative.Status.SUSPENDED)
    assert Client().get(PRODUCTS, **bearer(raw)).status_code == 401
    client.force_login(prefer_language(ws.owner_a, "en"))
    assert "the API refuses its tokens" in client.get(LIST).content.decode()


# --- who sees what -----------------------------------------------------------------------


def test_the_menu_item_is_for_owners_only(client, ws):
    client.force_login(ws.owner_a)
    assert LIST in client.get("/admin/").content.decode()
    for user in (ws.staff_a, ws.inspector, ws.operator):
        client.force_login(user)
        assert LIST not in client.get("/admin/").content.decode(), user.username


def test_staff_inspectors_and_strangers_get_404_everywhere(client, ws):
    token, raw = service_token(ws)
    for user in (ws.staff_a, ws.inspector):
        client.force_login(user)
        assert client.get(LIST).status_code == 404, user.username
        assert client.get(LIST, {"cooperative": ws.a.pk}).status_code == 404
        assert client.get(CREATE).status_code == 404
        data = {"name": "Mine", "scopes": ["catalog"], "form_id": "x"}
        assert client.post(CREATE, data).status_code == 404
        assert client.get(revoke_url(token)).status_code == 404
        assert client.post(revoke_url(token)).status_code == 404
        assert client.post(revoke_url(token), LEAKED).status_code == 404
    client.logout()
    assert client.get(LIST).status_code == 302  # to the sign-in page
    assert client.post(revoke_url(token)).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is None and ApiToken.objects.count() == 1
    assert Client().get(PRODUCTS, **bearer(raw)).status_code == 200


def test_another_cooperatives_owner_neither_sees_nor_revokes(client, ws):
    token, _ = service_token(ws)
    theirs, _ = token_create(cooperative=ws.b, user=ws.owner_b, name="Na shop", scopes=["orders"])
    client.force_login(ws.owner_b)
    own = client.get(LIST).content.decode()
    assert "Na shop" in own and theirs.prefix in own
    assert "Shop<" not in own and token.prefix not in own
    assert client.get(LIST, {"cooperative": ws.a.pk}).status_code == 404
    assert client.get(CREATE, {"cooperative": ws.a.pk}).status_code == 404
    data = {"name": "Theirs", "scopes": ["catalog"], "form_id": open_form(client)}
    assert client.post(f"{CREATE}?cooperative={ws.a.pk}", data).status_code == 404
    assert client.get(revoke_url(token)).status_code == 404
    assert client.post(revoke_url(token)).status_code == 404
    assert client.post(revoke_url(token), LEAKED).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert not ApiToken.objects.filter(cooperative=ws.a, name="Theirs").exists()
    assert client.get(reverse("ocop_api_token_revoke", args=[10**6])).status_code == 404


def test_the_office_reads_every_list_and_makes_no_token(client, ws):
    token, _ = service_token(ws)
    token_create(cooperative=ws.b, user=ws.owner_b, name="Na shop", scopes=["orders"])
    client.force_login(ws.operator)
    every = client.get(LIST)
    assert every.status_code == 200
    text = every.content.decode()
    assert "Shop" in text and "Na shop" in text and ws.a.name in text
    assert revoke_url(token) in text and CREATE not in text
    narrowed = client.get(LIST, {"cooperative": ws.b.pk}).content.decode()
    assert "Na shop" in narrowed and token.prefix not in narrowed
    assert client.get(LIST, {"cooperative": 10**6}).status_code == 404
    # The Cooperatives listing links each row to its tokens.
    snippets = client.get(reverse("wagtailsnippets_marketplace_cooperative:list"))
    assert f"{LIST}?cooperative={ws.a.pk}" in snippets.content.decode()
    assert client.get(CREATE).status_code == 404
    data = {"name": "Office", "scopes": ["catalog"], "form_id": "x"}
    assert client.post(f"{CREATE}?cooperative={ws.a.pk}", data).status_code == 404
    assert ApiToken.objects.count() == 2


# --- the office revokes a leaked token -----------------------------------------------------

LEAKED = {"reason": "leaked", "note": "Seen in a public GitHub repository"}


def test_the_office_revokes_a_leaked_token_and_the_owners_see_who_and_why(client, ws):
    token, raw = service_token(ws)
    other, other_raw = token_create(
        cooperative=ws.b, user=ws.owner_b, name="Na shop", scopes=["catalog"]
    )
    api = Client()
    assert api.get(PRODUCTS, **bearer(raw)).status_code == 200
    client.force_login(prefer_language(ws.operator, "en"))

    confirm = client.get(revoke_url(token))
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert "Shop" in page and ws.a.name in page
    assert 'name="reason"' in page and 'value="leaked"' in page
    assert "owners will see that the province OCOP office revoked it" in page

    # No reason, or "other" without saying which: nothing is revoked.
    for data in ({}, {"note": "leaked"}, {"reason": "other"}, {"reason": "other", "note": " "}):
        refused = client.post(revoke_url(token), data)
        assert refused.status_code == 400, data
        assert "Say " in refused.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None
    assert api.get(PRODUCTS, **bearer(raw)).status_code == 200

    revoked = client.post(revoke_url(token), LEAKED)
    assert revoked.status_code == 302 and revoked["Location"] == f"{LIST}?cooperative={ws.a.pk}"
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == ws.operator
    assert token.revoked_by_office
    assert token.revoked_reason == "leaked"
    assert token.revoked_note == "Seen in a public GitHub repository"

    # Refused at once, with the API's error body.
    refused = api.get(PRODUCTS, **bearer(raw))
    assert refused.status_code == 401
    assert refused.json() == {"detail": "Mã này đã bị thu hồi.", "code": "authentication_failed"}
    english = api.get(PRODUCTS, headers={"Accept-Language": "en"}, **bearer(raw))
    assert english.json()["detail"] == "This token was revoked."
    assert refused["WWW-Authenticate"].startswith("Bearer")
    # The other cooperative's token still works.
    assert api.get(PRODUCTS, **bearer(other_raw)).status_code == 200
    other.refresh_from_db()
    assert other.revoked_at is None

    office_list = client.get(LIST, {"cooperative": ws.a.pk}).content.decode()
    assert 'data-token-status="revoked"' in office_list
    assert "It leaked" in office_list and "Seen in a public GitHub repository" in office_list

    client.force_login(prefer_language(ws.owner_a, "en"))
    own = client.get(LIST).content.decode()
    assert 'data-token-status="revoked"' in own
    assert "by the province OCOP office" in own and ws.operator.get_username() in own
    assert "It leaked" in own and "Seen in a public GitHub repository" in own
    assert revoke_url(token) not in own  # nothing left to revoke
    # Revoking again changes nothing, the reason included.
    first = token.revoked_at
    client.force_login(ws.operator)
    assert client.post(revoke_url(token), {"reason": "not_used"}).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at == first and token.revoked_reason == "leaked"


def test_an_owners_revocation_may_say_why_and_is_not_the_offices(client, ws):
    token, raw = service_token(ws)
    client.force_login(prefer_language(ws.owner_a, "en"))
    assert client.post(revoke_url(token), {"reason": "not_used"}).status_code == 302
    token.refresh_from_db()
    assert token.revoked_by == ws.owner_a and not token.revoked_by_office
    assert token.revoked_reason == "not_used"
    own = client.get(LIST).content.decode()
    assert "No longer used" in own and "province OCOP office" not in own
    assert Client().get(PRODUCTS, **bearer(raw)).status_code == 401


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"reason": "stolen"}, "reason"),
        ({"reason": "leaked\x00"}, "reason"),
        ({"reason": "leaked", "note": "On\x00line"}, "note"),
        ({"reason": "leaked", "note": "x" * 301}, "note"),
        ({"reason": "other"}, "note"),
    ],
)
def test_a_bad_reason_is_a_form_error_and_revokes_nothing(client, ws, data, field):
    token, raw = service_token(ws)
    client.force_login(ws.operator)
    response = client.post(revoke_url(token), data)
    assert response.status_code == 400
    assert re.search(
        rf'w-field--error" data-field data-contentpath="{field}"', response.content.decode()
    )
    token.refresh_from_db()
    assert token.revoked_at is None
    assert Client().get(PRODUCTS, **bearer(raw)).status_code == 200


def test_the_service_lets_owners_and_the_office_revoke_and_no_one_else(ws):
    for user in (ws.staff_a, ws.owner_b, ws.inspector):
        token, _ = service_token(ws)
        with pytest.raises(TokenError):
            token_revoke(token=token, user=user, reason="leaked")
        token.refresh_from_db()
        assert token.revoked_at is None, user.username
    token, _ = service_token(ws)
    for reason, note in (("", ""), ("stolen", ""), ("other", ""), ("leaked", "a\x00b")):
        with pytest.raises(TokenError):
            token_revoke(token=token, user=ws.operator, reason=reason, note=note)
    token.refresh_from_db()
    assert token.revoked_at is None
    token_revoke(token=token, user=ws.operator, reason="misused", note="  Scraping   orders ")
    token.refresh_from_db()
    assert token.revoked_by_office and token.revoked_note == "Scraping orders"
    # A deactivated office account revokes nothing.
    ws.operator.is_active = False
    ws.operator.save()
    token, _ = service_token(ws)
    with pytest.raises(TokenError):
        token_revoke(token=token, user=ws.operator, reason="leaked")


def test_long_lists_come_in_pages(client, ws):
    ApiToken.objects.bulk_create(
        ApiToken(cooperative=ws.a, name=f"App {n}", prefix="ocop_x", digest=f"{n:064x}", scopes=[])
        for n in range(55)
    )
    client.force_login(ws.operator)
    first = client.get(LIST, {"cooperative": ws.a.pk}).content.decode()
    assert first.count("data-token=") == 50
    assert "p=2" in first and f"cooperative={ws.a.pk}" in first
    second = client.get(LIST, {"cooperative": ws.a.pk, "p": 2}).content.decode()
    assert second.count("data-token=") == 5
    client.force_login(ws.owner_a)
    assert client.get(LIST, {"p": 99}).content.decode().count("data-token=") == 5


def test_an_owner_of_two_cooperatives_picks_one(client, ws):
    third = CooperativeFactory(name="HTX A Mật ong Mèo Vạc", slug="htx-meo-vac")
    membership_add(user=ws.owner_a, cooperative=third, role="owner")
    token_create(cooperative=third, user=ws.owner_a, name="Honey shop", scopes=["catalog"])
    service_token(ws)
    client.force_login(ws.owner_a)
    first = client.get(LIST).content.decode()  # the first by name
    assert "Honey shop" in first and ">Shop<" not in first
    assert f"?cooperative={ws.a.pk}" in first and f"?cooperative={third.pk}" in first
    other = client.get(LIST, {"cooperative": ws.a.pk}).content.decode()
    assert ">Shop<" in other and "Honey shop" not in other
    assert make(client, ws.a, name="Packing").status_code == 200
    assert ApiToken.objects.get(name="Packing").cooperative == ws.a
    assert client.get(LIST, {"cooperative": ws.b.pk}).status_code == 404


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "App\x00"}, "name"),
        ({"name": "App\x07"}, "name"),
        ({"scopes": []}, "scopes"),
        ({"scopes": ["admin"]}, "scopes"),
        ({"scopes": ["catalog\x00"]}, "scopes"),
        ({"expires_on": "2020-01-01"}, "expires_on"),
        ({"expires_on": "yesterday"}, "expires_on"),
        ({"expires_on": "31/02/2030"}, "expires_on"),
        ({"expires_on": "\x00"}, "expires_on"),
    ],
)
def test_bad_input_is_a_form_error_and_makes_nothing(client, ws, fields, field):
    client.force_login(ws.owner_a)
    response = make(client, **fields)
    assert response.status_code == 400
    page = response.content.decode()
    assert "data-api-token-form" in page  # the form again, with the message beside the field
    assert re.search(rf'w-field--error" data-field data-contentpath="{field}"', page)
    assert "data-new-token" not in page
    assert not ApiToken.objects.exists()


def test_hostile_query_values_never_make_a_500(client, ws):
    service_token(ws)
    for user in (ws.owner_a, ws.operator):
        client.force_login(user)
        for value in ("abc", "-1", "0", "9" * 30, "1e3", "%FF", "\x00"):
            for url in (LIST, CREATE):
                response = client.get(url, {"cooperative": value, "p": value})
                assert response.status_code in (200, 400, 404), (user, url, value)
    client.force_login(ws.owner_a)
    huge = reverse("ocop_api_token_revoke", args=[9_999_999_999_999_999_999])
    assert client.get(huge).status_code == 404
    assert client.post(huge).status_code == 404
    # A form posted without its one-time id (a replay, an old tab): nothing is made.
    response = client.post(CREATE, {"name": "Replay", "scopes": ["catalog"]})
    assert response.status_code == 302
    assert ApiToken.objects.count() == 1
