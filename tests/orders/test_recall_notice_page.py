"""The shopper's order page says a recall of a lot the order received: what, when, why and
what to do, in the page's language; at once, whatever the page cache; only on that order."""

import datetime
import html as htmllib

import pytest
from django.core.cache import caches
from django.test import Client, TestCase
from django.utils import timezone

from orders import services as order_services
from orders.links import tracking_path
from orders.models import Order, SubOrder, new_order_number
from traceability import packing
from traceability.services import batch_add_input, batch_create, batch_recall, batch_release

from ..factories import add_product
from ..workspace import sub_order

pytestmark = pytest.mark.django_db

REASON = "Dư lượng thuốc bảo vệ thực vật vượt ngưỡng cho phép"


def shipped_parcel(cooperative, batch, quantity=2) -> SubOrder:
    parcel = sub_order(
        cooperative, batch.variant, status=SubOrder.Status.CONFIRMED, quantity=quantity
    )
    # A number as checkout gives it (the order page's URL accepts only those).
    Order.objects.filter(pk=parcel.order_id).update(number=new_order_number())
    parcel.refresh_from_db()
    packing.pack_batch(
        suborder=parcel, line_id=parcel.lines.get().pk, batch_id=batch.pk, quantity=quantity
    )
    order_services.suborder_pack(parcel, actor=None)
    order_services.suborder_ship(parcel, actor=None, carrier="VNPost", tracking_number="EB7")
    return parcel


@pytest.fixture
def shop(tree):
    tree.cooperative.phone = "0208 3852 111"
    tree.cooperative.email = "htx-labang@example.vn"
    tree.cooperative.save()
    variant = add_product(tree.coop_page, title="Chè búp La Bằng", stock=50).variants.get()
    lot = batch_release(
        batch=batch_create(
            variant=variant, lot="LB2603A", production_date=datetime.date(2026, 3, 15), quantity=80
        )
    )
    return tree, lot


def recall(batch, reason=REASON):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return batch_recall(batch=batch, reason=reason)


def page(order, *, language: str = "vi") -> tuple:
    """The order page as a shopper opens it from the e-mail's link (no cookies yet)."""
    path = tracking_path(order)
    if language == "en":
        path = "/en" + path
    response = Client().get(path)
    assert response.status_code == 200
    return response, htmllib.unescape(response.content.decode())


def notices(html: str) -> list[str]:
    return [part.split("</section>", 1)[0] for part in html.split('class="recall-notice"')[1:]]


def test_the_notice_shows_in_vietnamese_with_the_reason_and_what_to_do(shop):
    tree, lot = shop
    parcel = shipped_parcel(tree.cooperative, lot)
    recall(lot)
    response, html = page(parcel.order)
    assert response["Content-Language"] == "vi"
    (notice,) = notices(html)
    assert "ĐÃ THU HỒI" in notice and "Lô LB2603A" in notice
    assert "Chè búp La Bằng" in notice
    assert f"Lý do thu hồi:</strong> {REASON}" in notice
    assert timezone.localdate().strftime("%d/%m/%Y") in notice  # the day it was recalled
    # Who to contact for a refund or a replacement.
    assert tree.cooperative.name in notice
    assert "0208 3852 111" in notice and "htx-labang@example.vn" in notice


def test_the_notice_shows_in_english_on_the_english_page(shop):
    tree, lot = shop
    parcel = shipped_parcel(tree.cooperative, lot)
    recall(lot)
    response, html = page(parcel.order, language="en")
    assert response["Content-Language"] == "en"
    (notice,) = notices(html)
    assert "RECALLED" in notice and "Lot LB2603A" in notice
    assert "the province OCOP office recalled lot LB2603A" in notice
    assert f"Reason for the recall:</strong> {REASON}" in notice
    assert "Stop eating or using these units and keep them aside, with their stamp." in notice
    assert "Scan the stamp on the package: it says RECALLED" in notice
    assert f"Contact {tree.cooperative.name} to return them" in notice
    assert "refunded or replaced" in notice


def test_a_recall_of_an_input_names_the_lot_the_order_received(shop):
    tree, lot = shop
    honey = add_product(tree.coop_page, title="Mật ong hoa nhãn", stock=5).variants.get()
    honey_lot = batch_release(
        batch=batch_create(
            variant=honey, lot="MO2602", production_date=datetime.date(2026, 2, 2), quantity=20
        )
    )
    batch_add_input(output=lot, input_batch=honey_lot, quantity="3", unit="KGM")
    parcel = shipped_parcel(tree.cooperative, lot)
    recall(honey_lot, reason="Mật ong lẫn tạp chất")
    (notice,) = notices(page(parcel.order, language="en")[1])
    assert "Mật ong hoa nhãn" in notice and "Lot MO2602" in notice
    assert "(lots: LB2603A)" in notice  # what the shopper has in hand
    assert "Mật ong lẫn tạp chất" in notice


def test_an_order_without_recalls_shows_no_notice(shop):
    tree, lot = shop
    recalled_parcel = shipped_parcel(tree.cooperative, lot)
    other_lot = batch_release(
        batch=batch_create(
            variant=lot.variant,
            lot="LB2603B",
            production_date=datetime.date(2026, 3, 16),
            quantity=10,
        )
    )
    untouched = shipped_parcel(tree.cooperative, other_lot)
    recall(lot)
    assert len(notices(page(recalled_parcel.order)[1])) == 1
    _response, html = page(untouched.order)
    assert notices(html) == [] and "recall-notice" not in html and REASON not in html


def test_a_new_recall_shows_at_once_with_the_page_cache_on(shop, settings):
    settings.PAGE_CACHE_SECONDS = 600
    caches["pages"].clear()
    tree, lot = shop
    parcel = shipped_parcel(tree.cooperative, lot)
    first, html = page(parcel.order)
    assert notices(html) == []
    # The order page is private: never stored, so never served stale.
    assert "no-cache" in first["Cache-Control"] and first.get("X-Page-Cache") != "hit"
    recall(lot)
    again, html = page(parcel.order)
    assert again.get("X-Page-Cache") != "hit"
    assert len(notices(html)) == 1 and REASON in html
    caches["pages"].clear()


def test_another_shoppers_order_page_stays_closed(shop, client):
    tree, lot = shop
    mine = shipped_parcel(tree.cooperative, lot)
    theirs = shipped_parcel(tree.cooperative, lot)
    recall(lot)
    # My link opens my order (and this browser remembers it), not theirs.
    assert client.get(tracking_path(mine.order)).status_code == 200
    response = client.get(f"/orders/{theirs.order.number}/")
    assert response.status_code == 403
    assert REASON not in response.content.decode()
    forged = client.get(f"/orders/{theirs.order.number}/?t=not-a-valid-token")
    assert forged.status_code == 403 and "recall-notice" not in forged.content.decode()
