"""A cooperative member on a 360 px phone: signs in, finds the new sub-order on the dashboard,
confirms it, records its batch on the packing screen and packs it, and changes a stock level
in the quick table; screenshots of each step are kept in ``test-artifacts/`` (never
committed)."""

from pathlib import Path

import pytest
from django.conf import settings

from catalog.models import Stock
from orders.models import SubOrder
from traceability.models import Batch

from ..workspace import batch_of, sub_order, two_cooperatives

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "cooperative-workspace"


def snap(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.fixture
def ws(tree):
    ws = two_cooperatives(tree)
    ws.owner_a.set_password("La-bang-2026!")
    ws.owner_a.save()
    ws.new = sub_order(ws.a, ws.tea_variant, status=SubOrder.Status.NEW, quantity=2)
    batch_of(ws.tea_variant, "LB2603A", status=Batch.Status.RELEASED)
    ws.others = sub_order(ws.b, ws.apple_variant, status=SubOrder.Status.NEW)
    return ws


def test_cooperative_member_works_a_new_order_and_the_stock_on_a_phone(live_server, phone, ws):
    base = live_server.url
    phone.goto(f"{base}/admin/login/")
    phone.fill("#id_username", "owner-a")
    phone.fill("#id_password", "La-bang-2026!")
    phone.click("button[type=submit]")
    phone.wait_for_url(f"{base}/admin/")
    snap(phone, "1-dashboard")
    assert phone.locator("html").get_attribute("lang") == "vi"
    orders_panel = phone.locator("#ocop-suborders-section, [id^=ocop-suborders]").first
    assert ws.new.order.number in orders_panel.inner_text()
    assert ws.others.order.number not in phone.content()
    assert "Đơn hàng cần xử lý" in phone.content()

    phone.get_by_role("link", name=f"{ws.new.order.number} · Nguyễn Thị Lan").click()
    phone.wait_for_url(f"**/screen/{ws.new.pk}/")
    snap(phone, "2-sub-order")
    assert fits_the_screen(phone)
    phone.get_by_role("button", name="Xác nhận đơn hàng").click()
    phone.wait_for_selector('[data-suborder-status="confirmed"]')
    snap(phone, "3-confirmed")
    # Packed waits for the packing screen: the tea is not stamped, its batch is recorded.
    assert phone.locator("#mark-packed").is_disabled()
    phone.click("#open-packing")
    phone.wait_for_url(f"**/screen/{ws.new.pk}/packing/")
    assert fits_the_screen(phone)
    assert phone.locator("#pack-done").is_disabled()
    phone.locator(".pack-batch__form button[type=submit]").click()
    phone.wait_for_selector(".pack-line--done")
    snap(phone, "4-packing")
    phone.get_by_role("button", name="Đánh dấu đã đóng gói").click()
    phone.wait_for_selector('[data-suborder-status="packed"]')
    snap(phone, "5-packed")
    ws.new.refresh_from_db()
    assert ws.new.status == SubOrder.Status.PACKED

    phone.goto(f"{base}/admin/catalog/quick-stock/")
    row = phone.locator(f'tr[data-sku="{ws.tea_variant.sku}"]')
    row.locator("input[name^=on_hand]").fill("33")
    snap(phone, "6-quick-table")
    assert fits_the_screen(phone)
    phone.get_by_role("button", name="Lưu tất cả thay đổi").click()
    phone.wait_for_load_state("networkidle")
    snap(phone, "7-saved")
    assert Stock.objects.get(variant=ws.tea_variant).on_hand == 33
    assert (
        phone.locator(f'tr[data-sku="{ws.tea_variant.sku}"] input[name^=on_hand]').input_value()
        == "33"
    )
