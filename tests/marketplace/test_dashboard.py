"""The admin home is each user's workspace: a cooperative sees its own day's work (exact
numbers, its own rows only), the province office the whole market's; panels cost the same
number of queries at 10 and 100 sub-orders."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import OcopCertification, ProductVariant, Stock
from marketplace.models import CooperativeApplication
from orders.models import Order, SubOrder, WebhookEvent
from traceability.models import AnomalyFlag, Batch, Inspection, StampOrder

from ..factories import UserFactory
from ..workspace import (
    batch_of,
    flag,
    inspection,
    prefer_language,
    scan,
    stamps_of,
    sub_order,
    two_cooperatives,
)

pytestmark = pytest.mark.django_db
S = SubOrder.Status


@pytest.fixture
def ws(tree):
    return two_cooperatives(tree)


def panel(html: str, panel_id: str) -> str:
    """The HTML of one dashboard panel (up to the next panel)."""
    start = html.index(f'id="{panel_id}')
    following = html.find("w-panel--dashboard", start + 50)
    return html[start : following if following != -1 else len(html)]


def counter(html: str, label: str) -> int:
    match = re.search(
        r'ocop-counter__value">([^<]+)</span>\s*<span class="ocop-counter__label">'
        + re.escape(label)
        + "<",
        html,
    )
    assert match, f"no counter {label!r}"
    return int(match.group(1).replace(".", ""))


def home(client, user) -> str:
    client.force_login(prefer_language(user, "en"))
    response = client.get("/admin/")
    assert response.status_code == 200
    return response.content.decode()


def test_cooperative_sees_its_sub_orders_to_handle_overdue_first(client, ws):
    now = timezone.now()
    hours = datetime.timedelta(hours=1)
    overdue_new = sub_order(ws.a, ws.tea_variant, status=S.NEW, entered_at=now - 30 * hours)
    sub_order(ws.a, ws.tea_variant, status=S.NEW, entered_at=now - 2 * hours)
    sub_order(ws.a, ws.tea_variant, status=S.CONFIRMED, entered_at=now - 3 * hours)
    overdue_packed = sub_order(ws.a, ws.tea_variant, status=S.PACKED, entered_at=now - 72 * hours)
    sub_order(ws.a, ws.tea_variant, status=S.SHIPPED)
    sub_order(ws.a, ws.tea_variant, status=S.AWAITING_PAYMENT, payment_method="vietqr")
    others = [sub_order(ws.b, ws.apple_variant, status=S.NEW) for _ in range(3)]

    html = panel(home(client, ws.staff_a), "ocop-suborders")
    assert counter(html, "overdue") == 2
    assert counter(html, "to confirm") == 2
    assert counter(html, "to pack") == 1
    assert counter(html, "to ship") == 1
    rows = re.findall(r"(DHT\d+) ·", html)
    assert len(rows) == 4
    # Overdue first, the longest waiting of them first.
    assert rows[:2] == [overdue_packed.order.number, overdue_new.order.number]
    assert not {o.order.number for o in others} & set(rows)


def test_cooperative_sees_its_low_and_sold_out_stock(client, ws):
    from ..factories import add_product

    three = add_product(ws.tree.coop_page, title="Hồng trà La Bằng", variants=3, stock=0)
    variants = list(ProductVariant.objects.filter(page=three).order_by("sort_order", "pk"))
    Stock.objects.filter(variant=variants[0]).update(on_hand=0)  # sold out
    Stock.objects.filter(variant=variants[1]).update(on_hand=3)  # at or below 5: low
    Stock.objects.filter(variant=variants[2]).update(on_hand=9, low_stock_threshold=10)  # low
    Stock.objects.filter(variant=ws.apple_variant).update(on_hand=0)  # B's: not A's business

    html = panel(home(client, ws.owner_a), "ocop-stock")
    assert counter(html, "sold out") == 1
    assert counter(html, "running low") == 2
    assert variants[0].sku in html and ws.apple_variant.sku not in html


def test_cooperative_sees_batches_stamp_orders_scans_flags_and_inspections(client, ws):
    now = timezone.now()
    draft = batch_of(ws.tea_variant, "LB01")
    batch_of(ws.tea_variant, "LB02")
    released = batch_of(ws.tea_variant, "LB03", status=Batch.Status.RELEASED)
    stamps_of(draft, 3, status=StampOrder.Status.ISSUING)
    stamps = stamps_of(released, 5)
    for days in (0, 1, 6):
        scan(stamps[0], at=now - datetime.timedelta(days=days))
    scan(stamps[1], at=now - datetime.timedelta(days=8))  # last week: not counted
    flag(stamps[0], AnomalyFlag.Rule.TOO_MANY_SCANS, at=now)
    flag(stamps[1], AnomalyFlag.Rule.TWO_PROVINCES, at=now, outcome="explained")
    inspector = UserFactory(username="inspector-1")
    inspection(stamps[0], inspector, result=Inspection.Result.PASS, at=now)
    inspection(stamps[1], inspector, result=Inspection.Result.FAIL, at=now)
    inspection(
        stamps[2], inspector, result=Inspection.Result.FAIL, at=now - datetime.timedelta(days=40)
    )
    other = batch_of(ws.apple_variant, "NLH01", status=Batch.Status.RELEASED)
    other_stamps = stamps_of(other, 2)
    scan(other_stamps[0], at=now)
    flag(other_stamps[0], AnomalyFlag.Rule.TOO_MANY_SCANS, at=now)

    page = home(client, ws.staff_a)
    batches = panel(page, "ocop-batches")
    assert counter(batches, "waiting for release") == 2
    assert counter(batches, "stamp orders running") == 1
    assert "LB01" in batches and "NLH01" not in batches
    scans = panel(page, "ocop-scans")
    assert counter(scans, "scans in 7 days") == 3
    assert counter(scans, "open warnings") == 1
    inspections = panel(page, "ocop-inspections")
    assert counter(inspections, "conforming") == 1
    assert counter(inspections, "not conforming or suspicious") == 1


def test_cooperative_sees_its_sales_of_the_last_30_days(client, ws):
    now = timezone.now()
    sub_order(
        ws.a,
        ws.tea_variant,
        status=S.DELIVERED,
        quantity=2,
        placed_at=now - datetime.timedelta(days=3),
    )
    sub_order(ws.a, ws.tea_variant, status=S.NEW, quantity=1, placed_at=now)
    sub_order(ws.a, ws.tea_variant, status=S.CANCELLED, quantity=5, placed_at=now)
    sub_order(
        ws.a,
        ws.tea_variant,
        status=S.DELIVERED,
        quantity=7,
        placed_at=now - datetime.timedelta(days=40),
    )
    sub_order(ws.b, ws.apple_variant, status=S.DELIVERED, quantity=9, placed_at=now)
    html = panel(home(client, ws.owner_a), "ocop-sales")
    assert counter(html, "orders") == 2
    assert "300.000\xa0₫" in html  # 3 x 100.000 ₫ (cancelled and older ones left out)
    assert 'data-ocop-chart="ocop-dashboard-sales-data"' in html


def test_zero_data_states_say_what_to_do_next(client, ws):
    page = home(client, ws.owner_a)
    assert "No batch yet" in panel(page, "ocop-batches")
    assert "/admin/snippets/traceability/batch/add/" in panel(page, "ocop-batches")
    assert "No order is waiting for you" in panel(page, "ocop-suborders")


def test_operator_sees_the_whole_market(client, ws):
    now = timezone.now()
    today = timezone.localdate()
    for n, status in enumerate(["pending", "pending", "approved"]):
        CooperativeApplication.objects.create(
            name=f"HTX số {n}",
            registration_number=f"460000000{n}",
            tax_code=f"460000000{n}",
            province_code=19,
            ward_code=5818,
            contact_name="Chị Hoa",
            phone="0912345678",
            email=f"htx{n}@example.vn",
            document="registrations/x.pdf",
            status=status,
        )
    flagged = sub_order(ws.a, ws.tea_variant).order
    flagged.flag("amount does not match")
    WebhookEvent.objects.create(
        provider="vietqr", event_id="T1", event_type="transfer", outcome="unmatched: no order"
    )
    WebhookEvent.objects.create(
        provider="vietqr",
        event_id="T2",
        event_type="transfer",
        outcome="unmatched: no order",
        handled_at=now,
    )
    WebhookEvent.objects.create(
        provider="vietqr", event_id="T3", event_type="transfer", outcome="paid"
    )
    cert = OcopCertification.objects.get(product=ws.tea)
    cert.expires_on = today + datetime.timedelta(days=20)
    cert.save()
    later = OcopCertification.objects.get(product=ws.apples)
    later.expires_on = today + datetime.timedelta(days=90)
    later.save()
    recalled = batch_of(ws.apple_variant, "NLH2608R", status=Batch.Status.RECALLED)
    Batch.objects.filter(pk=recalled.pk).update(recalled_at=now, recall_reason="Nấm mốc")
    stamp = stamps_of(recalled, 1)[0]
    recall_flag = flag(stamp, AnomalyFlag.Rule.RECALLED, at=now)
    AnomalyFlag.objects.filter(pk=recall_flag.pk).update(occurrences=4)

    page = home(client, ws.operator)
    assert re.findall(r"HTX số (\d)", panel(page, "ocop-registrations")) == ["0", "1"]
    assert counter(panel(page, "ocop-attention"), "need attention") == 1
    assert counter(panel(page, "ocop-unmatched"), "unmatched") == 1
    listings = panel(page, "ocop-listings")
    assert counter(listings, "certificates lapsing in 60 days") == 1
    recalls = panel(page, "ocop-recalls")
    assert "NLH2608R" in recalls and "4 scans since the recall" in recalls
    assert counter(panel(page, "ocop-scans"), "open warnings") == 1
    # Every cooperative's work, not a cooperative's panels.
    assert 'id="ocop-stock' not in page and 'id="ocop-batches' not in page
    assert Order.objects.filter(needs_attention=True).count() == 1


def test_a_member_sees_no_operator_panel_and_an_inspector_no_workspace_panel(client, ws):
    page = home(client, ws.owner_a)
    for operator_panel in (
        "ocop-registrations",
        "ocop-attention",
        "ocop-unmatched",
        "ocop-recalls",
    ):
        assert f'id="{operator_panel}' not in page
    from django.contrib.auth.models import Group

    from marketplace.roles import INSPECTORS_GROUP

    inspector = UserFactory(username="inspector-x")
    inspector.groups.add(Group.objects.get(name=INSPECTORS_GROUP))
    assert "ocop-counter" not in home(client, inspector)


def _dashboard_queries(client, user) -> int:
    client.force_login(user)
    client.get("/admin/")  # warm per-process caches (content types, site root)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/admin/").status_code == 200
    return len(queries)


def test_dashboard_queries_do_not_grow_with_sub_orders(client, ws):
    now = timezone.now()
    statuses = [S.NEW, S.CONFIRMED, S.PACKED, S.DELIVERED]

    def add(n):
        for i in range(n):
            sub_order(
                ws.a,
                ws.tea_variant,
                status=statuses[i % 4],
                placed_at=now - datetime.timedelta(hours=i),
                entered_at=now - datetime.timedelta(hours=i * 3),
            )

    add(10)
    at_10 = _dashboard_queries(client, ws.owner_a)
    add(90)
    at_100 = _dashboard_queries(client, ws.owner_a)
    assert at_100 == at_10
    operator_10 = _dashboard_queries(client, ws.operator)
    add(100)
    assert _dashboard_queries(client, ws.operator) == operator_10


def test_a_members_panel_links_open_and_counters_are_not_capped_by_the_rows(client, ws):
    Stock.objects.filter(variant=ws.tea_variant).update(on_hand=0)
    batch = batch_of(ws.tea_variant, "LB09")
    for n in range(7):
        StampOrder.objects.create(
            batch=batch, count=10, first_number=1 + 10 * n, status=StampOrder.Status.ISSUING
        )
    page = home(client, ws.owner_a)
    batches = panel(page, "ocop-batches")
    assert counter(batches, "stamp orders running") == 7
    assert batches.count("Stamp order:") == 5  # the rows show the latest five
    stock = panel(page, "ocop-stock")
    links = re.findall(r'<a href="([^"]+)">', stock)
    assert links
    for link in links:
        response = client.get(link.replace("&amp;", "&"))
        assert response.status_code == 200, link
    quick = client.get(re.search(r'href="([^"]*sku=[^"]+)"', stock).group(1)).content.decode()
    assert quick.count("data-sku=") == 1 and ws.tea_variant.sku in quick
