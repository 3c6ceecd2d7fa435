"""Hostile values in every parameter of the workspace's screens: a clear 4xx or a plain miss,
never a 500, nothing saved half-way."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog.models import Stock
from marketplace.models import CooperativeApplication, Invitation

from ..workspace import two_cooperatives

pytestmark = pytest.mark.django_db
HOSTILE = ["\x00", "%FF", "A" * 5000, "-1", "99999999999999999999", "1e9", "' OR 1=1 --"]


@pytest.fixture
def ws(tree):
    return two_cooperatives(tree)


def test_get_parameters_of_the_workspace_screens(client, ws):
    screens = {
        reverse("ocop_report", args=["sales"]): ["start", "end", "cooperative", "by", "csv"],
        reverse("ocop_report", args=["stamps"]): ["start", "cooperative", "csv"],
        reverse("ocop_quick_stock"): ["q", "cooperative", "page"],
        reverse("ocop_quick_stock_export"): ["q", "cooperative"],
        reverse("ocop_members"): ["cooperative"],
        reverse("ocop_registrations"): ["status"],
    }
    for user in (ws.owner_a, ws.operator):
        client.force_login(user)
        for url, names in screens.items():
            for name in names:
                for value in HOSTILE:
                    response = client.get(url, {name: value})
                    assert response.status_code < 500, (user.username, url, name, value)
    # Invalid UTF-8 in the query string itself.
    client.force_login(ws.operator)
    response = client.get(reverse("ocop_report", args=["sales"]) + "?start=%FF%FE&cooperative=%C0")
    assert response.status_code in (200, 400)


def test_posted_values_of_the_workspace_forms(client, ws):
    client.force_login(ws.owner_a)
    quick = reverse("ocop_quick_stock")
    tea = ws.tea_variant.sku
    before = list(Stock.objects.order_by("pk").values_list("on_hand", "low_stock_threshold"))
    prices = list(ws.tea.variants.values_list("price", flat=True))
    for value in [*HOSTILE, "2147483648", "9" * 13]:
        row = {"rows": "1", "price-1": "1000", "on_hand-1": "1", "low_stock_threshold-1": "1"}
        response = client.post(quick, {**row, "sku-1": value})
        assert response.status_code == 400, ("sku", value)
        numbers = {"price-1": value, "on_hand-1": value, "low_stock_threshold-1": value}
        response = client.post(quick, {"rows": "1", "sku-1": tea, **numbers})
        assert response.status_code == 400, ("numbers", value)
        assert client.post(quick, {"rows": value}).status_code in (302, 400), ("rows", value)
        response = client.post(reverse("ocop_members"), {"action": "invite", "email": value})
        assert response.status_code == 400, value
        for action in ("remove", "revoke", "make_owner", value):
            data = {"action": action, "user": value, "invitation": value}
            assert client.post(reverse("ocop_members"), data).status_code < 500, (action, value)
        response = client.post(
            reverse("ocop_bank_account"),
            {"bank_bin": value, "bank_account_number": value, "bank_account_name": value},
        )
        assert response.status_code == 400, value
    assert (
        list(Stock.objects.order_by("pk").values_list("on_hand", "low_stock_threshold")) == before
    )
    assert list(ws.tea.variants.values_list("price", flat=True)) == prices
    assert not Invitation.objects.exists()


def test_join_links_and_registration_with_hostile_values(client, ws):
    for token in ("\x00", "x" * 5000, "%FF", "abc:def:ghi"):
        assert client.get(
            reverse("ocop_join", args=["t"]).replace("/t/", f"/{token}/")
        ).status_code in (400, 404)
    data = {
        "name": "HTX\x00",
        "registration_number": "\x00" * 30,
        "tax_code": "x" * 5000,
        "province": "\x00",
        "ward": "99999999999999999999",
        "contact_name": "A" * 5000,
        "phone": "\x00",
        "email": "a@\x00.vn",
        "document": SimpleUploadedFile("a\x00.pdf", b"%PDF-1.4\n", content_type="application/pdf"),
    }
    response = client.post(reverse("cooperative_register"), data)
    assert response.status_code == 400
    assert not CooperativeApplication.objects.exists()


def test_a_10_mb_stock_file_is_refused_with_the_limit_and_not_read(client, ws, settings):
    client.force_login(ws.owner_a)
    header = b"sku,price,on_hand,low_stock_threshold\n"
    body = header + b"X-1,1000,1,1\n" * (10 * 1024 * 1024 // 13)
    upload = SimpleUploadedFile("big.csv", body, content_type="text/csv")
    response = client.post(reverse("ocop_quick_stock_import"), {"file": upload})
    assert response.status_code == 400
    limit_kb = settings.CATALOG_IMPORT_MAX_BYTES // 1024
    assert f"{limit_kb} KB" in response.content.decode()
