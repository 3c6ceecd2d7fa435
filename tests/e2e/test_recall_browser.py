"""An operator on a 360 px phone recalls a batch from its screen and lands on the recall's
reach, with the parcel that received it; the cooperative's member then finds that parcel on
their own reach screen. Screenshots of each step go to ``test-artifacts/`` (never committed).
"""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail

from orders import services as order_services
from orders.models import SubOrder
from traceability import packing
from traceability.models import Batch, RecallNotice
from traceability.services import batch_create, batch_release

from ..traceability.conftest import issue
from ..workspace import sub_order, two_cooperatives

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "recall"
PASSWORD = "Thu-hoi-2026!"


def snap(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def sign_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/admin/")


@pytest.fixture
def shipped(tree):
    """A released tea batch and a sub-order of two of its units, scanned, packed, shipped."""
    ws = two_cooperatives(tree)
    for user in (ws.operator, ws.owner_a):
        user.set_password(PASSWORD)
        user.save()
    batch = batch_create(
        variant=ws.tea_variant,
        lot="LB2609R",
        production_date=datetime.date(2026, 9, 1),
        quantity=40,
    )
    issue(batch, 4)
    batch = batch_release(batch=batch)
    suborder = sub_order(ws.a, ws.tea_variant, status=SubOrder.Status.CONFIRMED, quantity=2)
    for stamp in batch.stamps.order_by("number")[:2]:
        packing.pack_stamp(suborder=suborder, code=stamp.uri, user=ws.staff_a)
    order_services.suborder_pack(suborder, actor=ws.staff_a)
    order_services.suborder_ship(
        suborder, actor=ws.staff_a, carrier="VNPost", tracking_number="EV123456789VN"
    )
    ws.batch, ws.suborder = batch, suborder
    return ws


def test_operator_recalls_a_batch_and_sees_its_reach_then_the_cooperative_sees_its_parcel(
    live_server, phone, shipped
):
    base, ws = live_server.url, shipped
    number = ws.suborder.order.number
    sign_in(phone, base, "operator")
    phone.goto(f"{base}/admin/snippets/traceability/batch/stamps/{ws.batch.pk}/")
    snap(phone, "1-batch")
    recall_form = phone.locator(f"form[action$='/stamps/{ws.batch.pk}/recall/']")
    recall_form.locator("textarea[name=reason]").fill("Dư lượng thuốc BVTV vượt ngưỡng")
    recall_form.locator("button[type=submit]").click()
    phone.wait_for_url(f"**/admin/snippets/traceability/batch/recall/{ws.batch.pk}/")
    phone.wait_for_selector('[data-batch-status="recalled"]')
    snap(phone, "2-reach")
    assert fits_the_screen(phone)
    parcel = phone.locator(f'tr[data-parcel="{number}"]')
    parcel.scroll_into_view_if_needed()
    snap(phone, "2b-reach-parcels")
    assert parcel.locator("a").inner_text() == number
    assert parcel.locator("[data-units]").inner_text() == "2"
    assert phone.locator('[data-count="shipped"]').inner_text() == "2"
    assert phone.locator('[data-count="suborders"]').inner_text() == "1"
    assert phone.locator('[data-count="shoppers"]').inner_text() == "1"
    assert phone.locator('[data-count="in_stock"]').inner_text() == "38"
    assert "Dư lượng thuốc BVTV vượt ngưỡng" in phone.content()
    assert phone.locator("[data-recall-run]").count() == 1
    batch = Batch.objects.get(pk=ws.batch.pk)
    assert batch.status == Batch.Status.RECALLED
    # The shopper was told (the live server runs the outbox's tasks at once here).
    assert RecallNotice.objects.filter(order=ws.suborder.order).exclude(emailed_at=None).exists()
    assert [m.to for m in mail.outbox if "LB2609R" in m.subject] == [[ws.suborder.order.email]]

    # The cooperative's member finds it from the batch's screen.
    sign_in(phone, base, "owner-a")
    phone.goto(f"{base}/admin/snippets/traceability/batch/stamps/{ws.batch.pk}/")
    phone.locator("[data-recall-reach]").click()
    phone.wait_for_url(f"**/admin/snippets/traceability/batch/recall/{ws.batch.pk}/")
    snap(phone, "3-member-reach")
    assert fits_the_screen(phone)
    parcel = phone.locator(f'tr[data-parcel="{number}"]')
    assert parcel.count() == 1
    parcel.locator("a").click()
    phone.wait_for_url(f"**/screen/{ws.suborder.pk}/")
    snap(phone, "4-member-sub-order")
    assert number in phone.content()
