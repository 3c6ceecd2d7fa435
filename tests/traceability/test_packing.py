"""Packing a sub-order in the admin: each scanned stamp or chosen batch checked at once and
recorded as data (traceability.packing behind orders/admin_views.py's packing screen).

Every refusal goes through the screen's scan (or batch) view as the page's script sends it
(JSON), and leaves nothing recorded: no LineLot, no ParcelStamp, the stamp's status as it was.
"""

import re

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders import services as order_services
from orders.models import SubOrder
from traceability import packing
from traceability.models import Batch, LineLot, ParcelStamp, Stamp, StatusChange
from traceability.services import batch_recall, batch_release, stamps_void

from ..factories import add_product
from ..workspace import batch_of, sub_order, two_cooperatives
from .conftest import issue

pytestmark = pytest.mark.django_db
SUB = "wagtailsnippets_orders_suborder"
JSON = {"HTTP_ACCEPT": "application/json", "HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


@pytest.fixture
def ws(tree):
    ws = two_cooperatives(tree)
    ws.tea_batch = released(ws.tea_variant, "LB2603A", stamps=5)
    return ws


def released(variant, lot: str, *, stamps: int = 0, quantity: int = 100) -> Batch:
    batch = batch_of(variant, lot)
    Batch.objects.filter(pk=batch.pk).update(quantity=quantity)
    batch.refresh_from_db()
    if stamps:
        issue(batch, stamps)
    return batch_release(batch=batch)


def stamps(batch) -> list[Stamp]:
    return list(batch.stamps.select_related("batch").order_by("number"))


def audit_rows(stamp):
    """The stamp's audit rows (traceability.states.stamp_transition)."""
    return StatusChange.objects.filter(
        batch=stamp.batch_id, subject="stamp", number_from=stamp.number, number_to=stamp.number
    )


def scan_url(suborder) -> str:
    return reverse(f"{SUB}:pack_scan", args=[suborder.pk])


def scan(client, suborder, code: str, **extra):
    return client.post(scan_url(suborder), {"code": code}, **{**JSON, **extra})


def choose(client, suborder, *, line, batch, quantity):
    return client.post(
        reverse(f"{SUB}:pack_batch", args=[suborder.pk]),
        {"line": line, "batch": batch, "quantity": quantity},
        **JSON,
    )


def recorded() -> tuple[int, int, list]:
    return (
        LineLot.objects.count(),
        ParcelStamp.objects.count(),
        list(Stamp.objects.order_by("pk").values_list("status", flat=True)),
    )


def assert_refused(response, reason: str, before, *, words: str = ""):
    assert response.status_code == 400, response.content[:300]
    data = response.json()
    assert data["ok"] is False and data["reason"] == reason, data
    assert data["message"]
    if words:
        assert words in data["message"], data["message"]
    assert recorded() == before


@pytest.fixture
def parcel(ws, client):
    """A confirmed sub-order of 2 tea units; a member of cooperative A signed in."""
    client.force_login(ws.staff_a)
    return sub_order(ws.a, ws.tea_variant, status=SubOrder.Status.CONFIRMED, quantity=2)


# --- a correct scan ---------------------------------------------------------------------


def test_a_correct_scan_ticks_a_unit_and_ships_the_stamp(ws, client, parcel):
    stamp = stamps(ws.tea_batch)[0]
    response = scan(client, parcel, stamp.uri)
    assert response.status_code == 200
    data = response.json()
    assert data["ok"] is True and "LB2603A" in data["message"]
    assert (data["missing"], data["packed"], data["units"]) == (1, 1, 2)
    assert data["line"]["stamp"] == stamp.pk
    assert f'data-stamp="{stamp.pk}"' in data["line"]["html"]
    assert Stamp.objects.get(pk=stamp.pk).status == Stamp.Status.SHIPPED
    lot = LineLot.objects.get()
    assert (lot.batch_id, lot.quantity, lot.stamped) == (ws.tea_batch.pk, 1, 1)
    audit = audit_rows(stamp).get(to_status=Stamp.Status.SHIPPED)
    assert audit.from_status == Stamp.Status.ACTIVE and audit.actor == ws.staff_a
    # A scanner app may give only the path; a scanner types surrounding spaces or a CR.
    second = stamps(ws.tea_batch)[1]
    path = second.uri.split("://", 1)[1].split("/", 1)[1]
    assert scan(client, parcel, f"  /{path}\r\n").json()["missing"] == 0


def test_without_javascript_a_scan_redirects_with_a_message(ws, client, parcel):
    stamp = stamps(ws.tea_batch)[0]
    response = client.post(scan_url(parcel), {"code": stamp.uri}, follow=True)
    assert response.redirect_chain[-1][0] == reverse(f"{SUB}:packing", args=[parcel.pk])
    assert any("LB2603A" in str(m) for m in response.context["messages"])
    response = client.post(scan_url(parcel), {"code": "not a stamp"}, follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert ParcelStamp.objects.count() == 1


def test_the_packing_screen_lists_lines_units_and_batches(ws, client, parcel):
    honey = add_product(ws.tree.coop_page, title="Mật ong bạc hà", price=250_000, stock=10)
    honey_batch = released(honey.variants.get(), "MO2604", quantity=30)
    from orders.models import OrderLine

    OrderLine.objects.create(
        suborder=parcel,
        variant=honey.variants.get(),
        product_title="Mật ong bạc hà",
        unit_label="500 ml",
        sku="MO-500",
        gtin=honey.variants.get().gtin,
        cooperative_name=ws.a.name,
        unit_price=250_000,
        quantity=1,
        line_total=250_000,
    )
    packing.pack_stamp(suborder=parcel, code=stamps(ws.tea_batch)[0].uri, user=ws.staff_a)
    html = client.get(reverse(f"{SUB}:packing", args=[parcel.pk])).content.decode()
    assert 'id="pack-code"' in html and "autofocus" in html
    tea_line = parcel.lines.get(variant=ws.tea_variant)
    assert f'data-line="{tea_line.pk}" data-packed="1" data-missing="1"' in html
    # The honey has no stamps: its batch is offered with what is left.
    assert f'<option value="{honey_batch.pk}">' in html and "30" in html
    assert 'id="pack-done"' in html and "disabled" in html.split('id="pack-done"')[1][:80]
    # The sub-order screen links to it and explains why Packed waits.
    detail = client.get(reverse(f"{SUB}:detail", args=[parcel.pk])).content.decode()
    assert reverse(f"{SUB}:packing", args=[parcel.pk]) in detail
    assert 'id="pack-missing"' in detail


# --- refusals, one per reason -------------------------------------------------------------


def test_malformed_code_is_refused(ws, client, parcel):
    before = recorded()
    assert_refused(scan(client, parcel, "hello, not a link"), "malformed", before)
    assert_refused(scan(client, parcel, ""), "malformed", before)
    # A GS1 link without a serial is not a stamp either.
    assert_refused(
        scan(client, parcel, f"https://x/01/{ws.tea_batch.gtin}/10/LB2603A"), "malformed", before
    )


def test_nul_byte_and_overlong_codes_are_refused_never_a_500(ws, client, parcel):
    before = recorded()
    uri = stamps(ws.tea_batch)[0].uri
    for code in (uri + "\x00", uri.replace("/21/", "/21/\x00"), uri + "&x=" + "A" * 500):
        assert_refused(scan(client, parcel, code), "malformed", before)
    for code in ("\x00", "A" * 5000):
        with pytest.raises(packing.PackingError) as error:
            packing.pack_stamp(suborder=parcel, code=code, user=ws.staff_a)
        assert error.value.reason == "malformed"
    # The batch form's numbers too.
    line = parcel.lines.get()
    response = choose(client, parcel, line=line.pk, batch=ws.tea_batch.pk, quantity="1\x00")
    assert_refused(response, "quantity", before)
    response = choose(client, parcel, line="9" * 40, batch=ws.tea_batch.pk, quantity=1)
    assert response.status_code == 400 and recorded() == before


def test_forged_signature_is_refused(ws, client, parcel):
    before = recorded()
    uri = stamps(ws.tea_batch)[0].uri
    last = uri[-2]
    forged = uri[:-2] + ("B" if last != "B" else "C") + uri[-1]
    assert_refused(scan(client, parcel, forged), "forged", before, words="")
    # A well-formed code no stamp was issued for is as good as forged.
    unknown = uri.replace("/21/", "/21/Z")
    assert_refused(scan(client, parcel, unknown), "forged", before)


def test_another_cooperatives_stamp_is_refused(ws, client, parcel):
    apples = released(ws.apple_variant, "NLH2608", stamps=2)
    before = recorded()
    assert_refused(scan(client, parcel, stamps(apples)[0].uri), "other_cooperative", before)


def test_a_product_not_in_the_parcel_is_refused(ws, client, parcel):
    honey = add_product(ws.tree.coop_page, title="Mật ong bạc hà", price=250_000, stock=10)
    honey_batch = released(honey.variants.get(), "MO2604", stamps=2)
    before = recorded()
    assert_refused(
        scan(client, parcel, stamps(honey_batch)[0].uri), "not_in_parcel", before, words="MO2604"
    )


def test_a_full_line_is_refused(ws, client, parcel):
    tea = stamps(ws.tea_batch)
    for stamp in tea[:2]:
        assert scan(client, parcel, stamp.uri).status_code == 200
    before = recorded()
    assert_refused(scan(client, parcel, tea[2].uri), "line_full", before)


def test_a_batch_not_released_is_refused(ws, client, parcel):
    draft = batch_of(ws.tea_variant, "LB2605D")
    issue(draft, 2)
    before = recorded()
    assert_refused(scan(client, parcel, stamps(draft)[0].uri), "not_released", before)
    line = parcel.lines.get()
    assert_refused(
        choose(client, parcel, line=line.pk, batch=draft.pk, quantity=1), "not_released", before
    )


def test_a_recalled_batch_is_refused(ws, client, parcel):
    batch_recall(batch=ws.tea_batch, reason="Dư lượng thuốc BVTV", user=ws.operator)
    before = recorded()
    assert_refused(scan(client, parcel, stamps(ws.tea_batch)[0].uri), "recalled", before)
    line = parcel.lines.get()
    assert_refused(
        choose(client, parcel, line=line.pk, batch=ws.tea_batch.pk, quantity=1),
        "recalled",
        before,
    )


def test_a_voided_stamp_is_refused(ws, client, parcel):
    stamps_void(batch=ws.tea_batch, number_from=3, reason="Cuộn tem mất", user=ws.operator)
    before = recorded()
    assert_refused(scan(client, parcel, stamps(ws.tea_batch)[2].uri), "voided", before)


def test_a_stamp_packed_in_another_parcel_is_refused(ws, client, parcel):
    other = sub_order(ws.a, ws.tea_variant, status=SubOrder.Status.CONFIRMED)
    stamp = stamps(ws.tea_batch)[0]
    assert scan(client, other, stamp.uri).status_code == 200
    before = recorded()
    assert_refused(
        scan(client, parcel, stamp.uri), "already_packed", before, words=other.order.number
    )


def test_a_batch_with_no_units_left_is_refused(ws, client, parcel):
    small = released(ws.tea_variant, "LB2606S", stamps=2, quantity=2)
    other = sub_order(ws.a, ws.tea_variant, status=SubOrder.Status.CONFIRMED, quantity=2)
    packing.pack_batch(suborder=other, line_id=other.lines.get().pk, batch_id=small.pk, quantity=2)
    before = recorded()
    # Both its units went into the other parcel by batch: no unit is left behind its stamps.
    assert_refused(scan(client, parcel, stamps(small)[0].uri), "no_stock", before, words="LB2606S")
    line = parcel.lines.get()
    assert_refused(
        choose(client, parcel, line=line.pk, batch=small.pk, quantity=1), "no_stock", before
    )
    # Nor is an empty batch offered to choose.
    assert small.pk not in [b.pk for b in packing.packable_batches(ws.tea_variant.pk)]


def test_a_quantity_above_the_lines_remaining_is_refused(ws, client, parcel):
    line = parcel.lines.get()
    assert scan(client, parcel, stamps(ws.tea_batch)[0].uri).status_code == 200
    before = recorded()
    response = choose(client, parcel, line=line.pk, batch=ws.tea_batch.pk, quantity=2)
    assert_refused(response, "quantity", before, words="1")
    for bad in (0, -1, "two", ""):
        assert_refused(
            choose(client, parcel, line=line.pk, batch=ws.tea_batch.pk, quantity=bad),
            "quantity",
            before,
        )


@pytest.mark.parametrize("status", [SubOrder.Status.NEW, SubOrder.Status.SHIPPED])
def test_a_sub_order_not_packable_is_refused(ws, client, status):
    client.force_login(ws.staff_a)
    closed = sub_order(ws.a, ws.tea_variant, status=status)
    before = recorded()
    assert_refused(scan(client, closed, stamps(ws.tea_batch)[0].uri), "not_packable", before)
    assert_refused(
        choose(client, closed, line=closed.lines.get().pk, batch=ws.tea_batch.pk, quantity=1),
        "not_packable",
        before,
    )


# --- the resolver, unpacking, packed and shipped ------------------------------------------


def test_a_packed_stamp_resolves_shipped_and_genuine(ws, client, parcel):
    stamp = stamps(ws.tea_batch)[0]
    assert scan(client, parcel, stamp.uri).status_code == 200
    path = stamp.uri.split("://", 1)[1]
    path = path[path.index("/") :]
    client.logout()
    response = client.get(path, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    data = response.json()
    assert data["verdict"] == "genuine"
    assert data["stamp"]["status"] == "shipped"


def test_cancelling_before_shipping_frees_stamps_and_batch_quantities(ws, client):
    client.force_login(ws.staff_a)
    plain = released(ws.tea_variant, "LB2607P", quantity=10)
    for status in (SubOrder.Status.CONFIRMED, SubOrder.Status.PACKED):
        so = sub_order(ws.a, ws.tea_variant, status=SubOrder.Status.CONFIRMED, quantity=3)
        stamp = Stamp.objects.filter(batch=ws.tea_batch, status=Stamp.Status.ACTIVE).first()
        assert scan(client, so, stamp.uri).status_code == 200
        line = so.lines.get()
        assert choose(client, so, line=line.pk, batch=plain.pk, quantity=2).status_code == 200
        assert packing.batch_available(plain) == 8
        if status == SubOrder.Status.PACKED:
            order_services.suborder_pack(so, actor=ws.staff_a)
        so.refresh_from_db()
        assert so.status == status
        order_services.suborder_cancel(so, actor=ws.staff_a, reason="Khách đổi ý")
        stamp.refresh_from_db()
        assert stamp.status == Stamp.Status.ACTIVE
        assert not ParcelStamp.objects.filter(stamp=stamp).exists()
        assert not LineLot.objects.filter(line__suborder=so).exists()
        assert packing.batch_available(plain) == 10
        assert packing.batch_available(ws.tea_batch) == 100
        audit = audit_rows(stamp).filter(
            from_status=Stamp.Status.SHIPPED, to_status=Stamp.Status.ACTIVE
        )
        assert audit.filter(reason="Khách đổi ý").exists()


def test_removing_units_frees_them(ws, client, parcel):
    plain = released(ws.tea_variant, "LB2607P", quantity=10)
    stamp = stamps(ws.tea_batch)[0]
    scan(client, parcel, stamp.uri)
    line = parcel.lines.get()
    choose(client, parcel, line=line.pk, batch=plain.pk, quantity=1)
    lot = LineLot.objects.get(batch=plain)
    response = client.post(reverse(f"{SUB}:unpack_lot", args=[parcel.pk, lot.pk]), **JSON)
    assert response.json()["missing"] == 1 and packing.batch_available(plain) == 10
    response = client.post(reverse(f"{SUB}:unpack_stamp", args=[parcel.pk, stamp.pk]), **JSON)
    assert response.json()["missing"] == 2
    assert Stamp.objects.get(pk=stamp.pk).status == Stamp.Status.ACTIVE
    assert recorded()[:2] == (0, 0)


def test_packed_is_refused_while_units_are_missing_then_allowed(ws, client, parcel):
    action = reverse(f"{SUB}:action", args=[parcel.pk, "pack"])
    tea = stamps(ws.tea_batch)
    scan(client, parcel, tea[0].uri)
    response = client.post(action, follow=True)
    assert SubOrder.objects.get(pk=parcel.pk).status == SubOrder.Status.CONFIRMED
    [message] = response.context["messages"]
    assert message.level_tag == "error" and "1" in str(message)
    scan(client, parcel, tea[1].uri)
    client.post(action)
    assert SubOrder.objects.get(pk=parcel.pk).status == SubOrder.Status.PACKED
    # The packing screen now says so and offers the carrier.
    html = client.get(reverse(f"{SUB}:packing", args=[parcel.pk])).content.decode()
    assert 'id="pack-done"' not in html and reverse(f"{SUB}:detail", args=[parcel.pk]) in html


def test_shipping_a_parcel_with_a_lot_recalled_after_packing_is_refused(ws, client, parcel):
    for stamp in stamps(ws.tea_batch)[:2]:
        scan(client, parcel, stamp.uri)
    client.post(reverse(f"{SUB}:action", args=[parcel.pk, "pack"]))
    with TestCase.captureOnCommitCallbacks(execute=True):
        batch_recall(batch=ws.tea_batch, reason="Dư lượng thuốc BVTV", user=ws.operator)
    response = client.post(
        reverse(f"{SUB}:action", args=[parcel.pk, "ship"]),
        {"carrier": "VNPost", "tracking_number": "EB123"},
        follow=True,
    )
    assert SubOrder.objects.get(pk=parcel.pk).status == SubOrder.Status.PACKED
    messages = " ".join(str(m) for m in response.context["messages"])
    assert "LB2603A" in messages


# --- cross-cooperative ----------------------------------------------------------------------


def test_another_cooperative_cannot_open_or_pack_a_parcel(ws, client):
    a_parcel = sub_order(ws.a, ws.tea_variant, status=SubOrder.Status.CONFIRMED)
    b_parcel = sub_order(ws.b, ws.apple_variant, status=SubOrder.Status.CONFIRMED)
    client.force_login(ws.owner_b)
    before = recorded()
    page = client.get(reverse(f"{SUB}:packing", args=[a_parcel.pk]))
    assert page.status_code in (302, 403, 404)
    assert a_parcel.order.number not in page.content.decode()
    # A's stamp into B's own parcel: refused as another cooperative's.
    assert_refused(scan(client, b_parcel, stamps(ws.tea_batch)[0].uri), "other_cooperative", before)
    # A's parcel's scan URL: refused before anything is read.
    response = scan(client, a_parcel, stamps(ws.tea_batch)[0].uri)
    assert response.status_code == 403 and response.json()["ok"] is False
    plain = client.post(scan_url(a_parcel), {"code": stamps(ws.tea_batch)[0].uri})
    assert plain.status_code in (302, 403)
    response = choose(
        client, a_parcel, line=a_parcel.lines.get().pk, batch=ws.tea_batch.pk, quantity=1
    )
    assert response.status_code in (302, 403)
    # B's batch chosen for B's parcel is fine; A's batch for B's line is refused.
    b_line = b_parcel.lines.get()
    assert_refused(
        choose(client, b_parcel, line=b_line.pk, batch=ws.tea_batch.pk, quantity=1),
        "other_cooperative",
        before,
    )
    assert recorded() == before
    # The operator may act for any cooperative.
    client.force_login(ws.operator)
    assert client.get(reverse(f"{SUB}:packing", args=[a_parcel.pk])).status_code == 200


# --- query count --------------------------------------------------------------------------


def _scan_queries(client, suborder, code) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = scan(client, suborder, code)
    assert response.status_code == 200, response.content[:300]
    return len(queries)


def test_one_scan_costs_the_same_queries_however_full_the_parcel(
    ws, client, django_assert_max_num_queries
):
    big = released(ws.tea_variant, "LB2608B", stamps=24)
    tea = stamps(big)
    honey = add_product(ws.tree.coop_page, title="Mật ong bạc hà", price=250_000, stock=10)
    released(honey.variants.get(), "MO2604", quantity=30)
    client.force_login(ws.staff_a)
    small = sub_order(ws.a, ws.tea_variant, status=SubOrder.Status.CONFIRMED, quantity=30)
    full = sub_order(ws.a, ws.tea_variant, status=SubOrder.Status.CONFIRMED, quantity=30)
    from orders.models import OrderLine

    for n in range(5):  # more lines in the full parcel: honey units by batch
        OrderLine.objects.create(
            suborder=full,
            variant=honey.variants.get(),
            product_title=f"Mật ong {n}",
            unit_label="500 ml",
            sku=f"MO-{n}",
            gtin=honey.variants.get().gtin,
            cooperative_name=ws.a.name,
            unit_price=250_000,
            quantity=2,
            line_total=500_000,
        )
    assert scan(client, small, tea[0].uri).status_code == 200  # warms the batch cache
    for stamp in tea[1:21]:
        packing.pack_stamp(suborder=full, code=stamp.uri, user=ws.staff_a)
    assert ParcelStamp.objects.filter(line__suborder=full).count() == 20
    one = _scan_queries(client, small, tea[21].uri)
    twenty = _scan_queries(client, full, tea[22].uri)
    assert one == twenty, (one, twenty)
    # Measured: 31 statements, 6 of them SAVEPOINT / RELEASE (the test's transaction): the
    # session and user (5), the sub-order and scope (5), the stamp's check (1), the locks and
    # rows of pack_stamp (9), the stamp's move and audit (3), the line re-drawn (3).
    with django_assert_max_num_queries(31):
        scan(client, full, tea[23].uri)


def test_a_scans_answer_costs_the_same_with_3_or_30_units_already_packed(ws, client):
    big = released(ws.tea_variant, "LB2608B", stamps=31)
    tea = stamps(big)
    client.force_login(ws.staff_a)
    parcel = sub_order(ws.a, ws.tea_variant, status=SubOrder.Status.CONFIRMED, quantity=40)
    assert scan(client, parcel, tea[0].uri).status_code == 200  # warms the batch cache
    for stamp in tea[1:3]:
        packing.pack_stamp(suborder=parcel, code=stamp.uri, user=ws.staff_a)

    def measured(code, status=200):
        with CaptureQueriesContext(connection) as queries:
            response = scan(client, parcel, code)
        assert response.status_code == status, response.content[:300]
        return len(queries), response.json()

    after_3, answer_3 = measured(tea[3].uri)
    refused_3, _ = measured(tea[0].uri, status=400)  # already packed
    for stamp in tea[4:30]:
        packing.pack_stamp(suborder=parcel, code=stamp.uri, user=ws.staff_a)
    after_30, answer_30 = measured(tea[30].uri)
    refused_30, _ = measured(tea[0].uri, status=400)
    assert (answer_3["packed"], answer_30["packed"]) == (4, 31)
    assert after_3 == after_30, (after_3, after_30)
    assert refused_3 == refused_30, (refused_3, refused_30)
    # Nor does the answer grow: the line's numbers change by a digit or two, no unit is added.
    size_3, size_30 = len(answer_3["line"]["html"]), len(answer_30["line"]["html"])
    assert abs(size_30 - size_3) < 20, (size_3, size_30)


def _article_tag(html: str, line_pk: int) -> str:
    """The opening tag of a line's ``<article>``: its state (done) and numbers."""
    found = re.search(rf'<article class="pack-line[^"]*" data-line="{line_pk}"[^>]*>', html)
    assert found, html[:300]
    return found.group(0)


def test_a_scans_answer_carries_only_the_line_that_changed(ws, client):
    client.force_login(ws.staff_a)
    parcel = sub_order(ws.a, ws.tea_variant, status=SubOrder.Status.CONFIRMED, quantity=3)
    honey = add_product(ws.tree.coop_page, title="Mật ong bạc hà", price=250_000, stock=10)
    released(honey.variants.get(), "MO2604", quantity=30)
    from orders.models import OrderLine

    honey_line = OrderLine.objects.create(
        suborder=parcel,
        variant=honey.variants.get(),
        product_title="Mật ong bạc hà",
        unit_label="500 ml",
        sku="MO-500",
        gtin=honey.variants.get().gtin,
        cooperative_name=ws.a.name,
        unit_price=250_000,
        quantity=1,
        line_total=250_000,
    )
    tea_line = parcel.lines.get(variant=ws.tea_variant)
    tea = stamps(ws.tea_batch)
    for stamp in tea[:2]:
        assert scan(client, parcel, stamp.uri).status_code == 200

    data = scan(client, parcel, tea[2].uri).json()
    # The screen's numbers: 3 of 4 units recorded, the honey still missing (Packed waits).
    assert (data["ok"], data["packed"], data["units"], data["missing"]) == (True, 3, 4, 1)
    line = data["line"]
    assert (line["id"], line["packed"], line["missing"]) == (tea_line.pk, 3, 0)
    assert line["stamp"] == tea[2].pk
    # One line, the tea's, complete, with only the unit just scanned among its stamps.
    html = line["html"]
    assert html.count("<article") == 1 and "pack-line--done" in html
    assert f'data-stamp="{tea[2].pk}"' in html and 'data-packed="3" data-missing="0"' in html
    assert f'data-stamp="{tea[0].pk}"' not in html and f'data-stamp="{tea[1].pk}"' not in html
    assert "Mật ong" not in html and "html" not in data and "lines" not in data

    # Reloaded, the screen shows every line and unit, the tea's line as the answer drew it.
    page = client.get(reverse(f"{SUB}:packing", args=[parcel.pk])).content.decode()
    assert all(f'data-stamp="{stamp.pk}"' in page for stamp in tea[:3])
    assert f'data-line="{honey_line.pk}" data-packed="0" data-missing="1"' in page
    assert _article_tag(page, tea_line.pk) == _article_tag(html, tea_line.pk)
    assert f'data-packed="{data["packed"]}" data-units="{data["units"]}"' in page
