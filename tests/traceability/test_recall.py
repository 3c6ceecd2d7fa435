"""A recall's reach, report, e-mails and drills: on a generated market the reach of each
recalled batch is exactly the set of parcels the generator put its lots (and its outputs'
lots) in; shoppers are told once per order, in their language, even across a broker outage;
a drill changes nothing; units in stock leave sale; each cooperative sees its own recalls only.
"""

import csv
import datetime
import io
import re
import zipfile
from collections import Counter

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.models import Stock
from marketplace.celery import app
from marketplace.models import OutboxMessage
from marketplace.outbox import drain
from marketplace.roles import INSPECTORS_GROUP, ensure_role_groups
from orders.models import SubOrder
from traceability import recall
from traceability.models import Batch, LineLot, ParcelStamp, RecallNotice, RecallRun, Stamp
from traceability.services import batch_add_input, batch_recall

from ..factories import UserFactory
from ..workspace import batch_of, prefer_language, scan, stamps_of, sub_order, two_cooperatives
from .recall_data import SHIPPED, build_market

pytestmark = pytest.mark.django_db
S = SubOrder.Status
NS = "wagtailsnippets_traceability_batch"
ORDER_NUMBER = re.compile(r"\bDH[A-Z0-9]{8}\b")


def url(name, batch, **query):
    path = reverse(f"{NS}:{name}", args=[batch.pk])
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _use_broker(broker_url: str, *, eager: bool) -> None:
    """Point the Celery app at another broker (as tests/orders/test_tasks.py does)."""
    app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_url = broker_url
    app.conf.task_always_eager = eager


@pytest.fixture
def broker_down():
    """A broker nobody listens on (Redis port 1): publishing fails at once."""
    _use_broker("redis://127.0.0.1:1/0", eager=False)
    yield
    _use_broker("memory://", eager=True)


# --- the generated market -------------------------------------------------------------------


@pytest.fixture
def market(tree):
    return build_market(tree)


def test_the_reach_of_each_recalled_batch_is_exactly_the_generated_one(
    market, django_capture_on_commit_callbacks
):
    m, ws = market, market.ws
    assert Batch.objects.count() == 50
    assert len({p.order_id for p in m.parcels}) == 1_000
    t00 = m.batches["T00"]
    # T00 went into GA00 and GA01, which went into GB00 and GB01; their units were sold.
    assert m.closure(t00.pk) >= {m.batches[lot].pk for lot in ("GA00", "GA01", "GB00", "GB01")}
    assert m.output_units(t00.pk) > 0
    # Parcels in every state, some cancelled ones holding lots (excluded), stamps and not.
    assert {p.status for p in m.parcels if p.lots} >= {S.SHIPPED, S.DELIVERED, S.PACKED}
    assert any(p.status == S.CANCELLED and p.lots for p in m.parcels)
    assert any(serials for p in m.parcels for _b, _n, serials in p.lots)

    checked = 0
    for lot in ("T00", "T09", "NA09", "MA03", "GA04", "ND05", "MB01"):
        batch = Batch.objects.get(pk=m.batches[lot].pk)
        expected = m.suborders(batch.pk)
        assert expected, lot
        rows_before = sum(m.report(batch.pk).values())
        # A drill first: the same figures, nothing changed.
        drill = recall.drill(batch)
        assert drill.counts["suborders"] == len(expected)
        assert drill.counts["report_rows"] == rows_before

        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            batch_recall(batch=batch, reason=f"Thu hồi lô {lot}", user=ws.operator)
        batch.refresh_from_db()
        found = recall.reach(batch)
        assert set(found.batch_ids) == m.closure(batch.pk), lot
        assert found.suborders == len(expected), lot
        assert found.shoppers == len(m.shoppers(batch.pk)), lot
        assert found.shipped == m.units(batch.pk, SHIPPED), lot
        assert found.packed == m.units(batch.pk, {S.CONFIRMED, S.PACKED}), lot
        assert found.output_units == m.output_units(batch.pk), lot
        assert found.used_in_outputs == m.used.get(batch.pk, 0), lot
        assert found.in_stock == (
            batch.quantity
            - m.units(batch.pk, {S.CONFIRMED, S.PACKED, *SHIPPED})
            - found.used_in_outputs
        )
        assert found.cooperatives == 1

        parcels = recall.parcels(found.batch_ids)
        assert [p["suborder_id"] for p in parcels if p["suborder_id"] in expected] == [
            p["suborder_id"] for p in parcels
        ], "a sub-order outside the generated reach"
        assert {p["suborder_id"] for p in parcels} == expected, lot
        assert len(parcels) == len(expected)
        report = list(recall.report_rows(batch))
        assert Counter(tuple(row[:5]) for row in report) == m.report(batch.pk), lot

        # The batch's own cooperative sees the same; another cooperative's member nothing.
        own = m.ws.a if batch.cooperative_id == m.ws.a.pk else None
        if own is not None:
            mine = recall.reach(batch, cooperative_ids=[own.pk])
            assert mine.suborders == len(expected)
            others = [m.ws.b.pk, m.coop_c.pk]
            assert recall.parcels(found.batch_ids, cooperative_ids=others) == []
            assert list(recall.report_rows(batch, cooperative_ids=others)) == []
        # Its own cooperative's view counts what the office's does (every parcel of its lots
        # is its own); another's counts none of the parcels or shoppers (the units in stock are
        # the batch's whoever looks), and the notices of orders that hold a parcel of its own.
        mine = recall.reach(batch, cooperative_ids=[batch.cooperative_id])
        assert mine.as_counts() == found.as_counts(), lot
        others = {c for c in (m.ws.a.pk, m.ws.b.pk, m.coop_c.pk) if c != batch.cooperative_id}
        theirs = recall.reach(batch, cooperative_ids=list(others)).as_counts()
        shared = {p.order_id for p in m.parcels if p.cooperative_id in others}
        assert theirs == {
            **found.as_counts(),
            **dict.fromkeys(
                ("packed", "shipped", "output_units", "suborders", "shoppers", "cooperatives"), 0
            ),
            "notified": len(m.notified_orders(batch.pk) & shared),
        }, lot

        # One notice and one e-mail per order with a shipped parcel of it.
        notified = m.notified_orders(batch.pk)
        assert set(RecallNotice.objects.filter(batch=batch).values_list("order_id", flat=True)) == (
            notified
        )
        numbers = {p.number for p in m.parcels if p.order_id in notified}
        told = Counter(ORDER_NUMBER.search(message.subject).group() for message in mail.outbox)
        assert told == Counter(numbers), lot
        assert found.notified == len(notified) and found.to_notify == 0
        checked += 1
    assert checked == 7


# --- e-mails through the outbox -------------------------------------------------------------


def _parcel(
    ws,
    batch,
    *,
    status,
    units,
    stamps=(),
    language="vi",
    name="Nguyễn Thị Lan",
    email=None,
    cooperative=None,
):
    """A sub-order of ``units`` of the batch's variant, ``stamps`` of them packed by stamp."""
    shipped = timezone.now() if status in SHIPPED else None
    suborder = sub_order(
        cooperative or batch.cooperative,
        batch.variant,
        status=status,
        quantity=units,
        shipped_at=shipped,
        delivered_at=shipped if status == S.DELIVERED else None,
    )
    order = suborder.order
    order.language, order.full_name = language, name
    order.email = email or f"{order.number.lower()}@example.vn"
    order.save(update_fields=["language", "full_name", "email"])
    line = suborder.lines.get()
    LineLot.objects.create(line=line, batch=batch, quantity=units, stamped=len(stamps))
    for stamp in stamps:
        ParcelStamp.objects.create(stamp=stamp, line=line)
        Stamp.objects.filter(pk=stamp.pk).update(status=Stamp.Status.SHIPPED)
    return suborder


@pytest.fixture
def ws(tree):
    ws = two_cooperatives(tree)
    ws.batch = batch_of(ws.tea_variant, "LB2701A", status=Batch.Status.RELEASED)
    ws.stamps = stamps_of(ws.batch, 6)
    Stamp.objects.filter(batch=ws.batch).update(status=Stamp.Status.ACTIVE)
    return ws


def test_shoppers_are_emailed_once_per_order_in_their_language_across_a_broker_outage(
    ws, broker_down, django_capture_on_commit_callbacks
):
    english = _parcel(ws, ws.batch, status=S.SHIPPED, units=2, stamps=ws.stamps[:2], language="en")
    vietnamese = _parcel(ws, ws.batch, status=S.DELIVERED, units=1, language="vi")
    packed = _parcel(ws, ws.batch, status=S.PACKED, units=1)  # not shipped: unpack, no e-mail
    _parcel(ws, ws.batch, status=S.CANCELLED, units=1)
    with django_capture_on_commit_callbacks(execute=True):
        batch_recall(batch=ws.batch, reason="Dư lượng thuốc BVTV vượt ngưỡng", user=ws.operator)
    # The broker is away: the notices wait, none is lost.
    waiting = OutboxMessage.objects.filter(sent_at__isnull=True, task__startswith="traceability.")
    assert list(waiting.values_list("task", flat=True)) == ["traceability.tasks.notify_recall"]
    assert waiting.get().attempts == 1 and waiting.get().last_error
    assert not mail.outbox
    assert set(RecallNotice.objects.values_list("order_id", "emailed_at")) == {
        (english.order_id, None),
        (vietnamese.order_id, None),
    }
    ws.batch.refresh_from_db()
    assert recall.reach(ws.batch).to_notify == 2

    # The broker is back: the beat's drain sends what waited.
    _use_broker("memory://", eager=True)
    with django_capture_on_commit_callbacks(execute=True):
        drain()
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
    by_order = {ORDER_NUMBER.search(m.subject).group(): m for m in mail.outbox}
    assert set(by_order) == {english.order.number, vietnamese.order.number}
    assert len(mail.outbox) == 2
    assert packed.order.number not in by_order
    en, vi = by_order[english.order.number], by_order[vietnamese.order.number]
    assert en.to == [english.order.email] and vi.to == [vietnamese.order.email]
    assert "Reason:" in en.body and "What to do" in en.body and "LB2701A" in en.subject
    assert "Lý do:" in vi.body and "Reason:" not in vi.body
    assert "Dư lượng thuốc BVTV vượt ngưỡng" in en.body and "Dư lượng thuốc BVTV" in vi.body
    assert "/en/" in en.body and "/en/" not in vi.body  # the order page in their language
    assert not RecallNotice.objects.filter(emailed_at__isnull=True).exists()
    ws.batch.refresh_from_db()
    found = recall.reach(ws.batch)
    assert (found.notified, found.to_notify) == (2, 0)

    # Run again, every way: nobody is e-mailed twice, nothing more is queued to send.
    with django_capture_on_commit_callbacks(execute=True):
        recall.on_recall(ws.batch)
        assert recall.record_notices(ws.batch) == 0
        assert recall.notify(ws.batch.pk) == 0
        from traceability.tasks import send_recall_notice

        for notice in RecallNotice.objects.all():
            assert send_recall_notice(notice.pk) is False
        drain()
    assert len(mail.outbox) == 2
    assert RecallNotice.objects.count() == 2


# --- a drill changes nothing ----------------------------------------------------------------


def _state(batch):
    batch.refresh_from_db()
    return {
        "batch": (batch.status, batch.recalled_at, batch.recall_reason, batch.updated_at),
        "stamps": sorted(batch.stamps.values_list("pk", "status")),
        "stock": Stock.objects.filter(variant=batch.variant).values_list("on_hand", "reserved")[0],
        "notices": RecallNotice.objects.count(),
        "outbox": OutboxMessage.objects.count(),
        "lots": sorted(LineLot.objects.values_list("pk", "quantity", "stamped")),
        "changes": batch.status_changes.count(),
    }


def test_a_drill_changes_nothing_and_is_recorded(ws, client, django_capture_on_commit_callbacks):
    _parcel(ws, ws.batch, status=S.SHIPPED, units=2, stamps=ws.stamps[:2])
    _parcel(ws, ws.batch, status=S.DELIVERED, units=3)
    before = _state(ws.batch)
    mail.outbox.clear()
    client.force_login(ws.operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("recall_drill", ws.batch))
    run = RecallRun.objects.get()
    assert response.status_code == 302
    assert response.url == url("recall_runs", ws.batch, run=run.pk)
    assert _state(ws.batch) == before
    assert not mail.outbox
    assert run.kind == RecallRun.Kind.DRILL and run.actor == ws.operator
    assert run.duration_ms >= 0 and run.started_at is not None
    assert run.counts["suborders"] == 2 and run.counts["shoppers"] == 2
    assert run.counts["shipped"] == 5 and run.counts["report_rows"] == 3
    assert run.counts["in_stock"] == ws.batch.quantity - 5
    page = client.get(response.url)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-chosen-run="{run.pk}"' in html
    assert '<dd data-count="report_rows">3</dd>' in html
    assert f'data-run="{run.pk}" data-run-kind="drill"' in html
    # A member of the batch's cooperative drills too, on a draft or a recalled batch alike.
    client.force_login(ws.owner_a)
    draft = batch_of(ws.tea_variant, "LB2701D")
    assert client.post(url("recall_drill", draft)).status_code == 302
    assert RecallRun.objects.filter(batch=draft, kind="drill", actor=ws.owner_a).exists()
    batch_recall(batch=ws.batch, reason="Nấm mốc", user=ws.operator)
    assert client.post(url("recall_drill", ws.batch)).status_code == 302
    runs = client.get(url("recall_runs", ws.batch)).content.decode()
    assert runs.count('data-run-kind="drill"') == 2 and runs.count('data-run-kind="recall"') == 1


# --- units in stock leave sale --------------------------------------------------------------


@pytest.mark.parametrize(
    ("on_hand", "reserved", "blocked"),
    [
        (200, 10, 65),  # more than the batch's units on the shelf: all 65 leave sale
        (50, 10, 40),  # fewer: everything not reserved leaves; reservations stay
        (10, 10, 0),
    ],
)
def test_a_recall_takes_the_batch_units_in_stock_off_sale(
    ws, client, django_capture_on_commit_callbacks, on_hand, reserved, blocked
):
    # 100 made: 20 shipped, 10 packed, 5 used to make another lot: 65 in stock.
    _parcel(ws, ws.batch, status=S.SHIPPED, units=20)
    _parcel(ws, ws.batch, status=S.PACKED, units=10)
    gift = batch_of(ws.tea_variant, "LB2701G")
    batch_add_input(output=gift, input_batch=ws.batch, quantity=5)
    Stock.objects.filter(variant=ws.tea_variant).update(on_hand=on_hand, reserved=reserved)
    assert recall.reach(ws.batch).in_stock == 65
    client.force_login(ws.operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("recall", ws.batch), {"reason": "Nhiễm nấm mốc"})
    assert response.status_code == 302 and response.url == url("recall_reach", ws.batch)
    stock = Stock.objects.get(variant=ws.tea_variant)
    assert (stock.on_hand, stock.reserved) == (on_hand - blocked, reserved)
    assert RecallRun.objects.get(kind="recall").counts["blocked"] == blocked
    page = client.get(response.url).content.decode()
    assert f'<dd data-count="blocked">{blocked}</dd>' in page
    assert '<dd data-count="in_stock">65</dd>' in page
    # Stock is per product: the office is told how units of other lots come back on sale.
    assert ("data-blocked-help" in page) == (blocked > 0)
    # Run again (a retried task): nothing more leaves the shelf.
    recall.on_recall(Batch.objects.get(pk=ws.batch.pk))
    assert Stock.objects.get(variant=ws.tea_variant).on_hand == on_hand - blocked


# --- who sees what --------------------------------------------------------------------------


def _csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_another_cooperative_sees_nothing_of_a_recall(ws, client):
    own = _parcel(ws, ws.batch, status=S.SHIPPED, units=2)
    # A parcel of cooperative B holding A's lot (bad data, or a resale): A's members don't see it.
    foreign = _parcel(ws, ws.batch, status=S.SHIPPED, units=1, cooperative=ws.b)
    batch_recall(batch=ws.batch, reason="Nấm mốc", user=ws.operator)
    inspector = UserFactory(username="inspector")
    inspector.groups.add(ensure_role_groups()[INSPECTORS_GROUP])
    for outsider in (ws.owner_b, inspector):
        client.force_login(outsider)
        for name in ("recall_reach", "recall_report", "recall_csv", "recall_xlsx", "recall_runs"):
            assert client.get(url(name, ws.batch)).status_code == 404, name
        assert client.post(url("recall_drill", ws.batch)).status_code == 404
    assert not RecallRun.objects.filter(kind="drill").exists()
    # Nor is the way there offered on the batch screen (the inspector may look at the batch).
    assert b"data-recall-reach" not in client.get(url("stamps", ws.batch)).content

    client.force_login(ws.staff_a)
    numbers = {row[4] for row in _csv_rows(client.get(url("recall_csv", ws.batch)))[1:]}
    assert numbers == {own.order.number}
    reach = client.get(url("recall_reach", ws.batch)).content.decode()
    assert own.order.number in reach and foreign.order.number not in reach
    assert b"data-recall-reach" in client.get(url("stamps", ws.batch)).content
    client.force_login(ws.operator)
    numbers = {row[4] for row in _csv_rows(client.get(url("recall_csv", ws.batch)))[1:]}
    assert numbers == {own.order.number, foreign.order.number}


def test_a_member_sees_the_parcels_of_their_recalled_batch(ws, client):
    shipped = _parcel(ws, ws.batch, status=S.SHIPPED, units=2, stamps=ws.stamps[:1])
    batch_recall(batch=ws.batch, reason="Nấm mốc", user=ws.operator)
    client.force_login(ws.owner_a)
    page = client.get(url("recall_reach", ws.batch))
    assert page.status_code == 200
    html = page.content.decode()
    link = reverse("wagtailsnippets_orders_suborder:detail", args=[shipped.pk])
    assert f'<a href="{link}">{shipped.order.number}</a>' in html
    assert '<dd data-count="shipped">2</dd>' in html
    assert client.get(link).status_code == 200  # the sub-order screen opens for them


def test_bad_addresses_answer_cleanly(ws, client):
    client.force_login(ws.operator)
    missing = reverse(f"{NS}:recall_reach", args=[999_999])
    assert client.get(missing).status_code == 404
    assert client.get(url("recall_drill", ws.batch)).status_code == 405
    assert client.post(url("recall_csv", ws.batch)).status_code == 405
    for page in ("abc", "0", "999", "-1"):
        assert client.get(url("recall_reach", ws.batch), {"p": page}).status_code == 200
    for run in ("x", "99999", "-1"):
        assert client.get(url("recall_runs", ws.batch), {"run": run}).status_code == 200
    # A NUL byte anywhere in the query: the site's guard answers 400 before any view.
    assert client.get(url("recall_reach", ws.batch), {"p": "1\x00"}).status_code == 400


# --- the report -----------------------------------------------------------------------------


def test_the_report_has_a_row_per_unit_and_parcel_lot_with_notices_and_scans(
    ws, client, django_capture_on_commit_callbacks
):
    first = _parcel(
        ws,
        ws.batch,
        status=S.SHIPPED,
        units=3,
        stamps=ws.stamps[:2],
        name='=HYPERLINK("http://evil.example","Lan")',
        language="en",
    )
    second = _parcel(ws, ws.batch, status=S.DELIVERED, units=2)
    packed = _parcel(ws, ws.batch, status=S.PACKED, units=1)
    scan(ws.stamps[0], at=timezone.now() - datetime.timedelta(days=1))  # before: not counted
    with django_capture_on_commit_callbacks(execute=True):
        batch_recall(batch=ws.batch, reason="Nấm mốc", user=ws.operator)
    ws.batch.refresh_from_db()
    later = ws.batch.recalled_at + datetime.timedelta(minutes=5)
    scan(ws.stamps[0], at=later)
    scan(ws.stamps[0], at=later)
    Stamp.objects.filter(pk=ws.stamps[0].pk).update(last_scanned_at=later, scan_count=3)
    prefer_language(ws.operator, "en")
    client.force_login(ws.operator)

    response = client.get(url("recall_csv", ws.batch))
    assert response.status_code == 200
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (f'attachment; filename="recall-LB2701A-{today}.csv"')
    header, *rows = _csv_rows(response)
    assert header == [
        "GTIN",
        "Lot",
        "Serial",
        "Units",
        "Order",
        "Cooperative",
        "Status",
        "Shopper",
        "Phone",
        "E-mail",
        "Address",
        "Shipped at",
        "Notified at",
        "Scans after recall",
    ]
    by_key = {(row[2], row[4]): row for row in rows}
    gtin = ws.batch.gtin
    assert sorted(by_key) == sorted(
        [
            (ws.stamps[0].serial, first.order.number),
            (ws.stamps[1].serial, first.order.number),
            ("", first.order.number),
            ("", second.order.number),
            ("", packed.order.number),
        ]
    )
    one = by_key[(ws.stamps[0].serial, first.order.number)]
    assert one[:4] == [gtin, "LB2701A", ws.stamps[0].serial, "1"]
    assert one[7] == '\'=HYPERLINK("http://evil.example","Lan")'  # text, not a formula
    assert one[9] == first.order.email and one[13] == "2"
    assert by_key[(ws.stamps[1].serial, first.order.number)][13] == "0"
    assert by_key[("", first.order.number)][3] == "1"  # the unit recorded by batch
    assert by_key[("", second.order.number)][3] == "2"
    for key in by_key:
        notified_at = by_key[key][12]
        if key[1] == packed.order.number:
            assert notified_at == ""  # not shipped: no e-mail
        else:
            assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", notified_at), notified_at
    assert by_key[("", second.order.number)][11] != ""  # shipped at
    assert "Hàng Bông" in by_key[("", second.order.number)][10]

    xlsx = client.get(url("recall_xlsx", ws.batch))
    assert xlsx.status_code == 200
    assert xlsx["Content-Disposition"].startswith(
        f'attachment; filename="recall-LB2701A-{today}.xlsx"'
    )
    data = b"".join(xlsx.streaming_content)
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert table[0] == header
    assert len(table) == 1 + len(rows)
    xrow = next(row for row in table[1:] if row[2] == ws.stamps[0].serial)
    assert xrow[3] == 1 and xrow[13] == 2
    assert xrow[7] == '=HYPERLINK("http://evil.example","Lan")'
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml  # stored as text, never a formula

    page = client.get(url("recall_report", ws.batch))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("data-report-row") == 5
    assert ws.stamps[0].serial in html and second.order.number in html


def test_the_report_page_shows_the_first_rows_only(ws, client):
    for _n in range(3):
        _parcel(ws, ws.batch, status=S.SHIPPED, units=1)
    client.force_login(ws.operator)
    from traceability import recall_views

    recall_views.PREVIEW_ROWS, saved = 2, recall_views.PREVIEW_ROWS
    try:
        html = client.get(url("recall_report", ws.batch)).content.decode()
    finally:
        recall_views.PREVIEW_ROWS = saved
    assert html.count("data-report-row") == 2
    assert len(_csv_rows(client.get(url("recall_csv", ws.batch)))) == 1 + 3


# --- the reach screen -----------------------------------------------------------------------


def test_the_reach_counts_cost_the_same_queries_for_3_or_30_parcels(ws):
    """Aggregates only: no query per parcel, shopper, notice or scan, in either view."""
    gift = batch_of(ws.tea_variant, "LB2701G", status=Batch.Status.RELEASED)
    batch_add_input(output=gift, input_batch=ws.batch, quantity=5)
    _parcel(ws, ws.batch, status=S.SHIPPED, units=2, stamps=ws.stamps[:1])
    _parcel(ws, ws.batch, status=S.PACKED, units=1)
    _parcel(ws, gift, status=S.DELIVERED, units=1)
    batch_recall(batch=ws.batch, reason="Nấm mốc", user=ws.operator)
    ws.batch.refresh_from_db()
    scan(ws.stamps[0], at=ws.batch.recalled_at + datetime.timedelta(minutes=5))

    def queries(cooperative_ids=None):
        with CaptureQueriesContext(connection) as captured:
            found = recall.reach(ws.batch, cooperative_ids=cooperative_ids)
        return len(captured), found

    office, found = queries()
    assert (found.suborders, found.shipped, found.packed, found.output_units) == (3, 2, 1, 1)
    assert (found.notified + found.to_notify, found.scans_after) == (2, 1)
    own, _found = queries([ws.a.pk])

    for n in range(27):
        status = (S.SHIPPED, S.DELIVERED, S.PACKED, S.CANCELLED)[n % 4]
        batch = gift if n % 5 == 0 else ws.batch
        stamps = ws.stamps[1 + n : 2 + n] if batch == ws.batch and n < 5 else ()
        _parcel(ws, batch, status=status, units=2, stamps=stamps)
    for stamp in ws.stamps[1:4]:
        scan(stamp, at=ws.batch.recalled_at + datetime.timedelta(minutes=5))
    assert recall.record_notices(ws.batch) > 0
    many, found = queries()
    assert found.suborders == 3 + 27 - 6  # six of them cancelled
    assert found.shoppers == found.suborders and found.scans_after == 4
    assert many == office, (office, many)
    assert queries([ws.a.pk])[0] == own, own


def test_the_reach_screen_costs_the_same_queries_for_5_or_50_parcels(ws, client):
    client.force_login(ws.operator)
    gift = batch_of(ws.tea_variant, "LB2701G", status=Batch.Status.RELEASED)
    batch_add_input(output=gift, input_batch=ws.batch, quantity=5)

    def parcels(n, batch):
        for _i in range(n):
            _parcel(ws, batch, status=S.SHIPPED, units=1)

    def queries() -> tuple[int, str]:
        client.get(url("recall_reach", ws.batch))  # warm caches (menus, site)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url("recall_reach", ws.batch))
        assert response.status_code == 200
        return len(captured), response.content.decode()

    parcels(4, ws.batch)
    parcels(1, gift)
    few, html = queries()
    assert html.count("data-parcel=") == 5
    assert '<tr data-output="LB2701G">' in html
    parcels(40, ws.batch)
    parcels(5, gift)
    many, html = queries()
    assert html.count("data-parcel=") == 50
    assert many == few, (few, many)
    # Fifty a page: the next five on page 2.
    parcels(5, ws.batch)
    html = client.get(url("recall_reach", ws.batch, p=2)).content.decode()
    assert html.count("data-parcel=") == 5
    assert '<dd data-count="suborders">55</dd>' in html
