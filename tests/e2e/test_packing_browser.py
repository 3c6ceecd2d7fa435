"""A cooperative member on a 360 px phone packs a two-line sub-order: the tea's stamps typed
into the scan field as a USB scanner does (the whole link, then Enter), a stamp of a product
not in the parcel refused with its message, the honey (not stamped) recorded by its batch;
Packed, then handed to the carrier. An operator then recalls the tea's batch and finds that
parcel's order on the recall's reach. Screenshots go to ``test-artifacts/`` (never committed).
"""

import datetime
from pathlib import Path

import pytest
from django.conf import settings

from orders.models import OrderLine, SubOrder
from traceability.models import LineLot, ParcelStamp, Stamp
from traceability.services import batch_create, batch_release

from ..factories import add_product
from ..traceability.conftest import issue
from ..workspace import sub_order, two_cooperatives
from .conftest import browser_tab

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "packing"
PASSWORD = "Dong-goi-2026!"


def snap(page, name: str) -> None:
    """The whole page at 360 px (the admin scrolls inside its own frame: a tall window)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": 1600})
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    page.set_viewport_size(size)


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/admin/")


def released(variant, lot: str, *, stamps: int = 0):
    batch = batch_create(
        variant=variant, lot=lot, production_date=datetime.date(2026, 9, 1), quantity=40
    )
    if stamps:
        issue(batch, stamps)
    return batch_release(batch=batch)


@pytest.fixture
def ws(tree):
    ws = two_cooperatives(tree)
    for user in (ws.owner_a, ws.operator):
        user.set_password(PASSWORD)
        user.save()
    honey = add_product(tree.coop_page, title="Mật ong bạc hà", price=250_000, stock=10)
    noodles = add_product(tree.coop_page, title="Miến dong Na Rì", price=80_000, stock=10)
    ws.honey_variant = honey.variants.get()
    ws.tea_batch = released(ws.tea_variant, "LB2609P", stamps=4)
    ws.honey_batch = released(ws.honey_variant, "MO2609")
    ws.noodle_batch = released(noodles.variants.get(), "MD2609", stamps=1)
    so = sub_order(ws.a, ws.tea_variant, status=SubOrder.Status.CONFIRMED, quantity=2)
    OrderLine.objects.create(
        suborder=so,
        variant=ws.honey_variant,
        product_title="Mật ong bạc hà",
        unit_label=ws.honey_variant.unit_label,
        sku=ws.honey_variant.sku,
        gtin=ws.honey_variant.gtin,
        cooperative_name=ws.a.name,
        unit_price=250_000,
        quantity=1,
        line_total=250_000,
    )
    ws.suborder = so
    return ws


def scan_like_a_usb_scanner(page, uri: str) -> None:
    """The scanner types the whole link into the focused field, then presses Enter."""
    page.keyboard.type(uri)
    page.keyboard.press("Enter")


def wait_for_answer(page, state: str, count: int) -> None:
    """The page's script has sent ``count`` scans and shows the last answer in ``state``."""
    page.wait_for_function(
        "([state, count]) => {"
        " const form = document.getElementById('pack-scan-form');"
        " const result = document.getElementById('pack-result');"
        " return form.dataset.pending === '0' && result.dataset.state === state"
        " && result.textContent.length > 0 && Number(form.dataset.sent || 0) >= count; }",
        arg=[state, count],
    )


def test_member_packs_by_scanner_and_batch_ships_then_operator_recalls_and_sees_the_parcel(
    live_server, phone, browser, ws
):
    base = live_server.url
    so, number = ws.suborder, ws.suborder.order.number
    tea = list(ws.tea_batch.stamps.order_by("number"))
    tea_line = so.lines.get(variant=ws.tea_variant)

    sign_in(phone, base, "owner-a")
    phone.goto(f"{base}/admin/snippets/orders/suborder/screen/{so.pk}/")
    assert phone.locator("#mark-packed").is_disabled()
    phone.click("#open-packing")
    phone.wait_for_url(f"**/screen/{so.pk}/packing/")
    phone.wait_for_selector("#pack-scan-form[data-ready='1']")
    assert phone.evaluate("document.activeElement.id") == "pack-code"  # autofocus
    assert fits_the_screen(phone)
    snap(phone, "1-packing")

    # First tea unit: ticked, with the lot and number on the line.
    scan_like_a_usb_scanner(phone, tea[0].uri)
    wait_for_answer(phone, "ok", 1)
    line = phone.locator(f'.pack-line[data-line="{tea_line.pk}"]')
    assert line.get_attribute("data-packed") == "1"
    assert f'data-stamp="{tea[0].pk}"' in line.inner_html()
    assert "LB2609P" in line.inner_text()
    assert phone.evaluate("document.documentElement.dataset.lastSound") == "ok"
    assert phone.input_value("#pack-code") == ""  # ready for the next scan

    # A stamp of a product not in this parcel: refused, said, and a different sound.
    noodle = ws.noodle_batch.stamps.get()
    scan_like_a_usb_scanner(phone, noodle.uri)
    wait_for_answer(phone, "refused", 2)
    result = phone.locator("#pack-result")
    assert "MD2609" in result.inner_text()
    assert result.get_attribute("aria-live") == "assertive"
    assert result.get_attribute("data-reason") == "not_in_parcel"
    assert phone.evaluate("document.documentElement.dataset.lastSound") == "error"
    assert Stamp.objects.get(pk=noodle.pk).status == Stamp.Status.ACTIVE
    snap(phone, "2-refused")

    # Second tea unit: the tea line is complete; Packed still waits for the honey. The answer
    # re-draws that line only: the unit scanned first stays listed, before the new one.
    scan_like_a_usb_scanner(phone, tea[1].uri)
    wait_for_answer(phone, "ok", 3)
    assert line.get_attribute("data-missing") == "0"
    units = line.locator(".pack-unit[data-stamp]")
    assert [units.nth(n).get_attribute("data-stamp") for n in range(units.count())] == [
        str(tea[0].pk),
        str(tea[1].pk),
    ]
    assert phone.locator("#pack-progress-text").get_attribute("data-packed") == "2"
    assert phone.locator("#pack-done").is_disabled()
    assert phone.locator("#pack-missing").is_visible()

    # The honey is not stamped: its batch is chosen, with the quantity.
    honey_line = phone.locator(
        f'.pack-line[data-line="{so.lines.get(variant=ws.honey_variant).pk}"]'
    )
    form = honey_line.locator(".pack-batch__form")
    form.locator("select[name=batch]").select_option(str(ws.honey_batch.pk))
    form.locator("input[name=quantity]").fill("1")
    form.locator("button[type=submit]").click()
    phone.wait_for_selector(".pack-line--done >> nth=1")
    assert phone.locator(".pack-line--done").count() == 2
    assert phone.locator("#pack-done").is_enabled()
    assert fits_the_screen(phone)
    snap(phone, "3-all-units")

    phone.click("#pack-done")
    phone.wait_for_selector('[data-suborder-status="packed"]')
    ship = phone.locator("form[action$='/ship/']")
    ship.locator("input[name=carrier]").fill("Viettel Post")
    ship.locator("input[name=tracking_number]").fill("VTP20260907")
    ship.locator("button[type=submit]").click()
    phone.wait_for_selector('[data-suborder-status="shipped"]')
    snap(phone, "4-shipped")

    so.refresh_from_db()
    assert (so.status, so.tracking_number) == (SubOrder.Status.SHIPPED, "VTP20260907")
    assert set(ParcelStamp.objects.values_list("stamp_id", flat=True)) == {tea[0].pk, tea[1].pk}
    assert set(Stamp.objects.filter(status=Stamp.Status.SHIPPED)) == {tea[0], tea[1]}
    honey_lot = LineLot.objects.get(batch=ws.honey_batch)
    assert (honey_lot.quantity, honey_lot.stamped) == (1, 0)

    # The operator recalls the tea's batch from its screen and lands on the reach.
    with browser_tab(browser, 360, 740) as office:
        sign_in(office, base, "operator")
        office.goto(f"{base}/admin/snippets/traceability/batch/stamps/{ws.tea_batch.pk}/")
        recall = office.locator(f"form[action$='/stamps/{ws.tea_batch.pk}/recall/']")
        recall.locator("textarea[name=reason]").fill("Dư lượng thuốc BVTV vượt ngưỡng")
        recall.locator("button[type=submit]").click()
        office.wait_for_url(f"**/recall/{ws.tea_batch.pk}/")
        parcel = office.locator(f'[data-parcel="{number}"]')
        parcel.wait_for()
        assert number in parcel.inner_text()
        snap(office, "5-reach")
