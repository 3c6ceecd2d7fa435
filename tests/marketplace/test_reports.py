"""Reports: aggregates against totals computed by hand, CSV with a BOM, the period and
cooperative in the URL, and a cooperative kept to its own figures."""

import csv
import datetime
import io
import zoneinfo

import pytest

from catalog.models import SearchTerm
from marketplace.periods import Period
from marketplace.workspace import Workspace
from orders import analytics
from orders.models import SubOrder
from traceability import analytics as trace_analytics
from traceability.models import AnomalyFlag, Batch, StampOrder

from ..workspace import (
    batch_of,
    flag,
    prefer_language,
    scan,
    stamps_of,
    sub_order,
    two_cooperatives,
)

pytestmark = pytest.mark.django_db
S = SubOrder.Status
VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
NOVEMBER = Period(datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
HCM_WARD = 26506  # Phường Vũng Tàu, Thành phố Hồ Chí Minh (79)


def at(day: int, hour: int = 10, minute: int = 0, month: int = 11) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=VN)


@pytest.fixture
def ws(tree):
    ws = two_cooperatives(tree)  # tea 100.000 ₫ (A), custard apples 60.000 ₫ (B)
    tea, apples = ws.tea_variant, ws.apple_variant
    # 23:30 in Hà Nội on 5 Nov is 16:30 UTC: it counts on 5 Nov.
    ws.card = sub_order(
        ws.a,
        tea,
        status=S.DELIVERED,
        quantity=2,
        placed_at=at(5, 23, 30),
        payment_method="card",
        shipped_at=at(6),
        delivered_at=at(8),
    )
    ws.cod = sub_order(
        ws.a, tea, status=S.NEW, quantity=1, placed_at=at(5, 8), payment_method="cod"
    )
    ws.cancelled = sub_order(
        ws.a,
        tea,
        status=S.CANCELLED,
        quantity=3,
        placed_at=at(6),
        payment_method="cod",
        order_status="cancelled",
    )
    ws.unpaid = sub_order(
        ws.a, tea, status=S.AWAITING_PAYMENT, quantity=1, placed_at=at(7), payment_method="vietqr"
    )
    ws.expired = sub_order(
        ws.a,
        tea,
        status=S.CANCELLED,
        quantity=1,
        placed_at=at(8),
        payment_method="vietqr",
        paid=False,
        order_status="expired",
    )
    ws.transfer = sub_order(
        ws.b,
        apples,
        status=S.SHIPPED,
        quantity=4,
        placed_at=at(5, 10),
        payment_method="vietqr",
        province_code=79,
        ward_code=HCM_WARD,
        shipped_at=at(6),
    )
    # Outside November, by a minute each side (local time).
    sub_order(ws.a, tea, status=S.DELIVERED, quantity=9, placed_at=at(31, 23, 59, month=10))
    sub_order(ws.a, tea, status=S.DELIVERED, quantity=9, placed_at=at(1, 0, 0, month=12))
    return ws


def everyone() -> Workspace:
    return Workspace(None, None)


def only(coop) -> Workspace:
    return Workspace(None, (coop.pk,))


def test_sales_per_day_count_local_days_and_only_sales(ws):
    days = {row["day"]: row for row in analytics.sales_by_day(everyone(), NOVEMBER)}
    assert len(days) == 30
    assert days[datetime.date(2026, 11, 5)] == {
        "day": datetime.date(2026, 11, 5),
        "orders": 3,
        "revenue": 200_000 + 100_000 + 240_000,
    }
    assert sum(row["orders"] for row in days.values()) == 3
    assert sum(row["revenue"] for row in days.values()) == 540_000


def test_sales_per_cooperative_province_and_destination(ws):
    per_coop = analytics.sales_by(everyone(), NOVEMBER, "cooperative")
    assert [(r["cooperative__name"], r["orders"], r["revenue"]) for r in per_coop] == [
        (ws.a.name, 2, 300_000),
        (ws.b.name, 1, 240_000),
    ]
    per_province = analytics.sales_by(everyone(), NOVEMBER, "province")
    assert [(r["cooperative__province_code"], r["orders"], r["revenue"]) for r in per_province] == [
        (19, 3, 540_000)
    ]
    destination = analytics.sales_by(everyone(), NOVEMBER, "destination")
    assert [(r["order__province_code"], r["revenue"], r["shipping"]) for r in destination] == [
        (1, 300_000, 60_000),
        (79, 240_000, 30_000),
    ]


def test_top_products_payment_mix_and_funnel(ws):
    top = analytics.top_products(everyone(), NOVEMBER)
    assert [(r["sku"], r["units"], r["revenue"], r["orders"]) for r in top] == [
        (ws.tea_variant.sku, 3, 300_000, 2),
        (ws.apple_variant.sku, 4, 240_000, 1),
    ]
    mix = {r["order__payment_method"]: r for r in analytics.payment_mix(everyone(), NOVEMBER)}
    assert (mix["card"]["placed"], mix["card"]["sold"], mix["card"]["amount"]) == (1, 1, 230_000)
    assert (mix["cod"]["placed"], mix["cod"]["sold"], mix["cod"]["amount"]) == (2, 1, 130_000)
    assert (mix["vietqr"]["placed"], mix["vietqr"]["sold"], mix["vietqr"]["amount"]) == (
        3,
        1,
        270_000,
    )
    assert analytics.funnel(everyone(), NOVEMBER) == {
        "placed": 6,
        "paid": 3,
        "shipped": 2,
        "delivered": 1,
        "cancelled": 1,
        "expired": 1,
    }
    assert analytics.funnel(only(ws.a), NOVEMBER) == {
        "placed": 5,
        "paid": 2,
        "shipped": 1,
        "delivered": 1,
        "cancelled": 1,
        "expired": 1,
    }


def test_stamps_per_province_and_flags_over_time(ws):
    batch = batch_of(ws.tea_variant, "LB01", status=Batch.Status.RELEASED)
    stamps = stamps_of(batch, 5)
    StampOrder.objects.filter(batch=batch).update(created_at=at(3))
    other = batch_of(ws.apple_variant, "NLH01", status=Batch.Status.RELEASED)
    other_stamps = stamps_of(other, 2)
    StampOrder.objects.filter(batch=other).update(created_at=at(3, month=10))  # October
    for province in (1, 1, 79, None):
        scan(stamps[0], at=at(10), province=province)
    scan(other_stamps[0], at=at(10), province=1)
    flag(stamps[0], AnomalyFlag.Rule.TOO_MANY_SCANS, at=at(10))
    flag(stamps[1], AnomalyFlag.Rule.TWO_PROVINCES, at=at(10, 23, 50))
    flag(other_stamps[0], AnomalyFlag.Rule.TOO_MANY_SCANS, at=at(12))

    assert trace_analytics.stamps_issued_by_province(everyone(), NOVEMBER) == {19: 5}
    assert trace_analytics.scans_by_province(everyone(), NOVEMBER) == {1: 3, 79: 1, None: 1}
    assert trace_analytics.scans_by_province(only(ws.a), NOVEMBER) == {1: 2, 79: 1, None: 1}
    flags = trace_analytics.flags_by_day(only(ws.a), NOVEMBER)
    assert [(f["day"].day, f["rule"], f["flags"]) for f in flags] == [
        (10, "too_many_scans", 1),
        (10, "two_provinces", 1),
    ]


def report(client, user, slug, **params):
    client.force_login(prefer_language(user, "en"))
    query = {"start": "2026-11-01", "end": "2026-11-30", **params}
    return client.get(f"/admin/ocop-reports/{slug}/", query)


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 byte-order mark"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_sales_csv_has_a_bom_and_the_raw_numbers(client, ws):
    response = report(client, ws.operator, "sales", by="cooperative", csv="per-cooperative")
    rows = read_csv(response)
    assert rows[0] == ["Cooperative", "orders", "revenue (đồng)", "shipping (đồng)"]
    assert rows[1:] == [[ws.a.name, "2", "300000", "60000"], [ws.b.name, "1", "240000", "30000"]]
    per_day = read_csv(report(client, ws.operator, "sales", by="day", csv="per-day"))
    assert per_day[0] == ["day", "orders", "revenue (đồng)"]
    assert ["2026-11-05", "3", "540000"] in per_day and len(per_day) == 31


def test_the_report_page_shows_the_table_beside_the_chart(client, ws):
    html = report(client, ws.operator, "sales", by="cooperative").content.decode()
    assert 'data-ocop-chart="ocop-sales-cooperative-data"' in html
    assert "300.000\xa0₫" in html and "240.000\xa0₫" in html
    assert "vendor/chartjs/chart.umd.min.js" in html
    assert "?start=2026-11-01&amp;end=2026-11-30&amp;by=cooperative&amp;csv=per-cooperative" in html


def test_operator_filters_one_cooperative(client, ws):
    rows = read_csv(
        report(client, ws.operator, "products", cooperative=str(ws.b.pk), csv="top-products")
    )
    assert [r[0] for r in rows[1:]] == [ws.apple_variant.sku]


def test_a_cooperative_reads_its_own_report_only(client, ws):
    rows = read_csv(report(client, ws.staff_a, "products", csv="top-products"))
    assert [r[0] for r in rows[1:]] == [ws.tea_variant.sku]
    assert report(client, ws.staff_a, "products", cooperative=str(ws.b.pk)).status_code == 404
    other = report(
        client,
        ws.staff_a,
        "sales",
        by="cooperative",
        cooperative=str(ws.b.pk),
        csv="per-cooperative",
    )
    assert other.status_code == 404
    # The market-wide query log is the office's: a member is turned away.
    assert report(client, ws.staff_a, "searches").status_code in (302, 403)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"start": "2026-11-30", "end": "2026-11-01"}, "must not be after"),
        ({"start": "1900-01-01", "end": "2026-11-01"}, "Choose dates between"),
        ({"start": "2020-01-01", "end": "2026-11-01"}, "at most"),
        ({"start": "yesterday", "end": "2026-11-01"}, "Enter a valid date"),
        ({"start": "2026-11-01\x00", "end": "2026-11-30"}, "NUL"),  # the middleware's
        ({"by": "week"}, "Select a valid choice"),
    ],
)
def test_bad_periods_get_a_message_not_a_500(client, ws, params, message):
    response = report(client, ws.operator, "sales", **{"by": "day", **params})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_zero_result_searches_for_operators(client, ws):
    SearchTerm.objects.create(
        term="mien dong", day=datetime.date(2026, 11, 3), searches=7, zero_results=5
    )
    SearchTerm.objects.create(
        term="mien dong", day=datetime.date(2026, 11, 4), searches=2, zero_results=2
    )
    SearchTerm.objects.create(
        term="che", day=datetime.date(2026, 11, 4), searches=50, zero_results=0
    )
    SearchTerm.objects.create(
        term="gao", day=datetime.date(2026, 10, 4), searches=3, zero_results=3
    )
    rows = read_csv(report(client, ws.operator, "searches", csv="zero-results"))
    assert rows[1:] == [["mien dong", "9", "7"]]


def test_every_report_renders_for_members_and_operators(client, ws):
    from marketplace.reports import all_reports

    for report_ in all_reports():
        assert report(client, ws.operator, report_.slug).status_code == 200
        expected = 200 if not report_.operators_only else 302
        assert report(client, ws.owner_a, report_.slug).status_code == expected
