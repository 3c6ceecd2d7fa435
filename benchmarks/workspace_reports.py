"""Reports and dashboards of the admin workspace on a busy province's data (figures, not a test).

    .venv/bin/python benchmarks/workspace_reports.py              # generate once, then measure
    .venv/bin/python benchmarks/workspace_reports.py --runs 9     # more runs per figure

Data (generated once into DATABASE_URL, default postgres://postgres@127.0.0.1:5432/
ocop_province, created and migrated when missing; deterministic): 100 cooperatives with a page
each, 2,000 products (one variant each, stock and alert levels), 200,000 order lines in
150,000 sub-orders of 100,000 orders over the last 365 days (every state, every payment
method, shoppers in every province), 200,000 stamps in 100 batches, 1,000,000 scans over the
year, 5,000 anomaly flags, 2,000 inspections, 20,000 search-log rows. Rows are written with
PostgreSQL COPY. ``--regenerate`` drops the generated rows and makes them again.

Prints, for each report's query at its widest range (366 days), the milliseconds over the runs
(min / median / max) for the whole market and for the largest cooperative (target: 300 ms);
then the admin home of the largest cooperative's owner and of an operator through Django's
test client (target: 100 ms), with its query count. Production-like settings for the cache
(the database is what is measured here, not Redis).
"""

import argparse
import datetime
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _tracebench as tb

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ocop_province"
COOPERATIVES, PRODUCTS = 100, 2_000
ORDERS, SUBORDERS, LINES = 100_000, 150_000, 200_000
BATCHES, STAMPS_PER_BATCH, SCANS = 100, 2_000, 1_000_000
MARK = "Bench HTX "


def copy_rows(cursor, table: str, columns: list[str], rows) -> int:
    """COPY ``rows`` (tuples) into ``table``; returns how many."""
    count = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def generate(rng: random.Random) -> None:
    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.utils import timezone
    from vietnam_provinces import Province, Ward
    from wagtail.models import Page

    import catalog.signals
    from catalog.models import ProductPage, ProductVariant, Stock
    from cms.models import CooperativeIndexPage, CooperativePage, HomePage
    from marketplace.models import Cooperative, User
    from marketplace.roles import OPERATORS_GROUP, ensure_role_groups
    from marketplace.services import membership_add
    from orders.models import Order, OrderLine, StatusChange, SubOrder
    from traceability.models import AnomalyFlag, Batch, Inspection, Scan, Stamp, StampOrder

    catalog.signals.changed = lambda *args, **kwargs: None
    ensure_role_groups()
    started = time.perf_counter()
    home = HomePage.objects.first()
    if home is None:
        home = HomePage(title="OCOP Market", slug="bench-home")
        Page.get_first_root_node().add_child(instance=home)
    index = CooperativeIndexPage.objects.first()
    if index is None:
        index = CooperativeIndexPage(title="Hợp tác xã", slug="hop-tac-xa")
        home.add_child(instance=index)
    from catalog.models import Category

    category, _ = Category.objects.get_or_create(slug="bench", defaults={"name": "Chè"})
    provinces = [p.code.value for p in Province.iter_all()]
    wards = {code: [w.code.value for w in Ward.iter_by_province(code)] for code in provinces}
    coops = []
    for n in range(COOPERATIVES):
        province = 19 if n < 60 else provinces[n % len(provinces)]
        coop = Cooperative.objects.create(
            name=f"{MARK}{n:03d}",
            slug=f"bench-htx-{n:03d}",
            registration_number=f"99{n:08d}",
            province_code=province,
            ward_code=wards[province][n % len(wards[province])],
            status=Cooperative.Status.APPROVED,
        )
        page = CooperativePage(title=coop.name, slug=coop.slug, cooperative=coop, live=True)
        index.add_child(instance=page)
        coops.append((coop, page))
        owner = User.objects.create_user(username=f"bench-owner-{n:03d}", password="bench")
        membership_add(user=owner, cooperative=coop, role="owner")
    operator, _ = User.objects.get_or_create(username="bench-operator", defaults={"is_staff": True})
    operator.set_password("bench")
    operator.save()
    operator.groups.add(Group.objects.get(name=OPERATORS_GROUP))
    print(f"  cooperatives: {time.perf_counter() - started:.0f} s", file=sys.stderr)

    # The largest cooperative (no. 0) has 10% of the products and a matching share of orders.
    variants = []
    for i in range(PRODUCTS):
        coop, page = coops[0] if i < PRODUCTS // 10 else coops[1 + i % (COOPERATIVES - 1)]
        with transaction.atomic():
            product = ProductPage(
                title=f"Chè búp số {i:04d}",
                slug=f"bench-p-{i:04d}",
                category=category,
                short_description="Chè búp",
                live=True,
            )
            page.add_child(instance=product)
            variant = ProductVariant(
                page=product,
                sku=f"BENCH-{i:04d}",
                unit_label="Túi 200 g",
                net_weight_g=200,
                price=50_000 + (i % 40) * 5_000,
            )
            variant.save()
            Stock.objects.filter(variant=variant).update(
                on_hand=rng.randrange(0, 60), low_stock_threshold=rng.choice([3, 5, 10])
            )
        variants.append((variant.pk, variant.sku, variant.price, coop.pk, coop.name, product.title))
    print(f"  products: {time.perf_counter() - started:.0f} s", file=sys.stderr)

    now = timezone.now()
    year = 365 * 24 * 3600
    by_coop = {}
    for variant in variants:
        by_coop.setdefault(variant[3], []).append(variant)
    coop_ids = list(by_coop)
    weights = [10 if pk == coops[0][0].pk else 1 for pk in coop_ids]
    S = SubOrder.Status
    # As a province sees it: the last days' orders still being worked, older ones finished.
    by_age = [
        (3, [(S.NEW, 3), (S.CONFIRMED, 2), (S.PACKED, 2), (S.SHIPPED, 2), (S.AWAITING_PAYMENT, 1)]),
        (10, [(S.SHIPPED, 5), (S.DELIVERED, 5), (S.CANCELLED, 1)]),
        (366, [(S.DELIVERED, 85), (S.CANCELLED, 10), (S.SHIPPED, 1)]),
    ]

    def status_for(age_days: float) -> str:
        choices = next(states for limit, states in by_age if age_days < limit)
        names, weights = zip(*choices, strict=True)
        return rng.choices(names, weights)[0]

    methods = ["cod", "vietqr", "card"]
    orders, suborders, lines, changes = [], [], [], []
    order_id0 = (Order.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    sub_id0 = (SubOrder.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    sub_id = sub_id0
    line_count = 0
    for n in range(ORDERS):
        order_id = order_id0 + n
        placed = now - datetime.timedelta(seconds=rng.randrange(year))
        method = rng.choice(methods)
        province = rng.choice(provinces)
        ward = wards[province][0]
        parts = 2 if n < SUBORDERS - ORDERS else 1
        chosen = rng.choices(coop_ids, weights, k=parts)
        if parts == 2 and chosen[0] == chosen[1]:
            chosen = [chosen[0], coop_ids[(coop_ids.index(chosen[0]) + 1) % len(coop_ids)]]
        status = status_for((now - placed).total_seconds() / 86400)
        order_status = {
            S.DELIVERED: "completed",
            S.CANCELLED: "cancelled",
            S.AWAITING_PAYMENT: "awaiting_payment",
        }.get(status, "processing")
        if status == S.CANCELLED and method != "cod" and rng.random() < 0.5:
            order_status = "expired"
        paid = method != "cod" and status != S.AWAITING_PAYMENT and order_status != "expired"
        subtotal_total = 0
        for coop_pk in chosen:
            subtotal = 0
            count = 2 if (sub_id - sub_id0) < LINES - SUBORDERS else 1
            for _ in range(count):
                vid, sku, price, _cpk, cname, title = rng.choice(by_coop[coop_pk])
                quantity = rng.randint(1, 4)
                lines.append(
                    (
                        sub_id,
                        vid,
                        title,
                        "Túi 200 g",
                        sku,
                        "",
                        cname,
                        price,
                        quantity,
                        price * quantity,
                        200 * quantity,
                        False,
                        0,
                    )
                )
                line_count += 1
                subtotal += price * quantity
            shipped = (
                placed + datetime.timedelta(days=1) if status in (S.SHIPPED, S.DELIVERED) else None
            )
            delivered = placed + datetime.timedelta(days=3) if status == S.DELIVERED else None
            suborders.append(
                (
                    sub_id,
                    order_id,
                    coop_pk,
                    status,
                    subtotal,
                    30_000,
                    "",
                    "",
                    shipped,
                    delivered,
                    None,
                    placed,
                    placed,
                    delivered or shipped or placed + datetime.timedelta(hours=rng.uniform(0, 40)),
                )
            )
            changes.append((order_id, sub_id, "suborder", "", status, "", placed))
            subtotal_total += subtotal
            sub_id += 1
        shipping = 30_000 * len(chosen)
        orders.append(
            (
                order_id,
                f"DHB{n:07d}",
                "Khách hàng",
                "0912345678",
                "khach@example.vn",
                province,
                ward,
                "1 Đường",
                "",
                method,
                order_status,
                subtotal_total,
                shipping,
                subtotal_total + shipping,
                "vi",
                None,
                placed if paid else None,
                False,
                "",
                placed,
                placed,
            )
        )
    with connection.cursor() as cursor:
        raw = cursor.cursor
        copy_rows(
            raw,
            Order._meta.db_table,
            [
                "id",
                "number",
                "full_name",
                "phone",
                "email",
                "province_code",
                "ward_code",
                "address_line",
                "delivery_note",
                "payment_method",
                "status",
                "subtotal",
                "shipping_total",
                "total",
                "language",
                "expires_at",
                "paid_at",
                "needs_attention",
                "attention_reason",
                "created_at",
                "updated_at",
            ],
            orders,
        )
        copy_rows(
            raw,
            SubOrder._meta.db_table,
            [
                "id",
                "order_id",
                "cooperative_id",
                "status",
                "subtotal",
                "shipping",
                "carrier",
                "tracking_number",
                "shipped_at",
                "delivered_at",
                "cod_collected_at",
                "created_at",
                "updated_at",
                "status_since",
            ],
            suborders,
        )
        copy_rows(
            raw,
            OrderLine._meta.db_table,
            [
                "suborder_id",
                "variant_id",
                "product_title",
                "unit_label",
                "sku",
                "gtin",
                "cooperative_name",
                "unit_price",
                "quantity",
                "line_total",
                "weight_g",
                "preorder",
                "reserved",
            ],
            lines,
        )
        copy_rows(
            raw,
            StatusChange._meta.db_table,
            [
                "order_id",
                "suborder_id",
                "subject",
                "from_status",
                "to_status",
                "reason",
                "created_at",
            ],
            changes,
        )
        for table in (Order, SubOrder):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table._meta.db_table}', 'id'), "
                f"(SELECT MAX(id) FROM {table._meta.db_table}))"
            )
    print(
        f"  {len(orders):,} orders, {len(suborders):,} sub-orders, {len(lines):,} lines: "
        f"{time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )

    # Traceability: batches of the first variants of each cooperative, their stamps and scans.
    batch_rows = []
    for n in range(BATCHES):
        coop_pk = coop_ids[n % len(coop_ids)]
        vid = by_coop[coop_pk][0][0]
        variant = ProductVariant.objects.get(pk=vid)
        if not variant.gtin:
            from biip.checksums import gs1_standard_check_digit

            from catalog.gtin import normalize_gtin

            body = f"0893999{vid:06d}"
            variant.gtin = normalize_gtin(body + str(gs1_standard_check_digit(body)))
            ProductVariant.objects.filter(pk=vid).update(gtin=variant.gtin)
        status = (
            Batch.Status.RECALLED
            if n % 25 == 0
            else (Batch.Status.RELEASED if n % 5 else Batch.Status.DRAFT)
        )
        batch = Batch.objects.create(
            variant=variant,
            cooperative_id=coop_pk,
            gtin=variant.gtin,
            lot=f"BENCH{n:03d}",
            production_date=datetime.date(2026, 1, 1),
            quantity=STAMPS_PER_BATCH,
            status=status,
            recalled_at=now - datetime.timedelta(days=10)
            if status == Batch.Status.RECALLED
            else None,
        )
        order = StampOrder.objects.create(
            batch=batch,
            count=STAMPS_PER_BATCH,
            first_number=1,
            issued=STAMPS_PER_BATCH,
            status=StampOrder.Status.DONE,
        )
        StampOrder.objects.filter(pk=order.pk).update(
            created_at=now - datetime.timedelta(days=rng.randrange(365))
        )
        batch_rows.append((batch.pk, order.pk, variant.gtin))
    with connection.cursor() as cursor:
        rows = []
        for batch_pk, order_pk, gtin in batch_rows:
            for number in range(1, STAMPS_PER_BATCH + 1):
                rows.append(
                    (
                        batch_pk,
                        order_pk,
                        number,
                        gtin,
                        f"B{batch_pk:05d}N{number:06d}",
                        "bench",
                        "x" * 86,
                        "",
                        "active",
                        0,
                        0,
                    )
                )
        copy_rows(
            cursor.cursor,
            Stamp._meta.db_table,
            [
                "batch_id",
                "order_id",
                "number",
                "gtin",
                "serial",
                "key_id",
                "signature",
                "tag",
                "status",
                "scan_count",
                "scans_explained",
            ],
            rows,
        )
        stamp_ids = list(
            Stamp.objects.filter(batch__lot__startswith="BENCH").values_list(
                "pk", "batch_id", "gtin", "serial"
            )
        )
        lots = dict(Batch.objects.filter(lot__startswith="BENCH").values_list("pk", "lot"))

        def scan_rows():
            for _ in range(SCANS):
                pk, batch_pk, gtin, serial = rng.choice(stamp_ids)
                province = rng.choice(provinces) if rng.random() < 0.85 else None
                yield (
                    pk,
                    gtin,
                    lots[batch_pk],
                    serial,
                    "genuine",
                    now - datetime.timedelta(seconds=rng.randrange(year)),
                    province,
                    "",
                )

        copy_rows(
            cursor.cursor,
            Scan._meta.db_table,
            [
                "stamp_id",
                "gtin",
                "lot",
                "serial",
                "verdict",
                "scanned_at",
                "province_code",
                "user_agent",
            ],
            scan_rows(),
        )
        rules = [r.value for r in AnomalyFlag.Rule]
        flags = {}
        while len(flags) < 5_000:
            pk, batch_pk, _g, _s = rng.choice(stamp_ids)
            rule = rng.choice(rules)
            seen = now - datetime.timedelta(seconds=rng.randrange(year))
            flags[(pk, rule)] = (
                pk,
                batch_pk,
                rule,
                "",
                1,
                seen,
                seen,
                rng.choice(["open", "open", "explained"]),
                "",
            )
        copy_rows(
            cursor.cursor,
            AnomalyFlag._meta.db_table,
            [
                "stamp_id",
                "batch_id",
                "rule",
                "detail",
                "occurrences",
                "first_seen",
                "last_seen",
                "outcome",
                "review_note",
            ],
            flags.values(),
        )
        import uuid

        copy_rows(
            cursor.cursor,
            Inspection._meta.db_table,
            [
                "client_id",
                "inspector_id",
                "stamp_id",
                "code",
                "offline_verdict",
                "server_verdict",
                "result",
                "note",
                "photo",
                "inspected_at",
                "received_at",
            ],
            (
                (
                    uuid.UUID(int=rng.getrandbits(128)),
                    operator.pk,
                    rng.choice(stamp_ids)[0],
                    "/01/x",
                    "",
                    "genuine",
                    rng.choice(["pass", "pass", "fail", "suspicious"]),
                    "",
                    "",
                    now - datetime.timedelta(seconds=rng.randrange(year)),
                    now,
                )
                for _ in range(2_000)
            ),
        )
        from catalog.models import SearchTerm

        terms = {}
        while len(terms) < 20_000:
            day = (now - datetime.timedelta(days=rng.randrange(365))).date()
            term = f"tu khoa {rng.randrange(3000)}"
            searches = rng.randint(1, 9)
            terms[(term, day)] = (term, day, searches, rng.randint(0, searches))
        copy_rows(
            cursor.cursor,
            SearchTerm._meta.db_table,
            ["term", "day", "searches", "zero_results"],
            terms.values(),
        )
        cursor.execute("VACUUM ANALYZE")  # as autovacuum leaves a table in steady use
    print(f"  traceability and search log: {time.perf_counter() - started:.0f} s", file=sys.stderr)


def drop_generated() -> None:
    from django.db import connection, transaction

    from marketplace.models import Cooperative

    ids = list(Cooperative.objects.filter(name__startswith=MARK).values_list("pk", flat=True))
    if not ids:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        placeholders = ",".join(["%s"] * len(ids))
        stamps_of = (
            "SELECT s.id FROM traceability_stamp s JOIN traceability_batch b"
            " ON b.id = s.batch_id WHERE b.cooperative_id IN ({p})"
        )
        batches_of = "SELECT id FROM traceability_batch WHERE cooperative_id IN ({p})"
        for statement in (
            f"DELETE FROM traceability_scan WHERE stamp_id IN ({stamps_of})",
            f"DELETE FROM traceability_anomalyflag WHERE batch_id IN ({batches_of})",
            f"DELETE FROM traceability_inspection WHERE stamp_id IN ({stamps_of})",
            f"DELETE FROM traceability_stamp WHERE batch_id IN ({batches_of})",
            f"DELETE FROM traceability_stamporder WHERE batch_id IN ({batches_of})",
            "DELETE FROM traceability_batch WHERE cooperative_id IN ({p})",
            "DELETE FROM orders_orderline WHERE suborder_id IN (SELECT id FROM orders_suborder"
            " WHERE order_id IN (SELECT id FROM orders_order WHERE number LIKE 'DHB%%'))",
            "DELETE FROM orders_statuschange WHERE order_id IN"
            " (SELECT id FROM orders_order WHERE number LIKE 'DHB%%')",
            "DELETE FROM orders_suborder WHERE order_id IN"
            " (SELECT id FROM orders_order WHERE number LIKE 'DHB%%')",
            "DELETE FROM orders_order WHERE number LIKE 'DHB%%'",
        ):
            cursor.execute(statement.format(p=placeholders), ids if "{p}" in statement else [])
        cursor.execute("DELETE FROM catalog_searchterm WHERE term LIKE 'tu khoa %%'")
    from wagtail.models import Page

    from cms.models import CooperativePage

    for page in CooperativePage.objects.filter(cooperative_id__in=ids):
        Page.objects.get(pk=page.pk).delete()
    from marketplace.models import User

    User.objects.filter(username__startswith="bench-").delete()
    Cooperative.objects.filter(pk__in=ids).delete()


def timed(fn, runs: int) -> tuple[float, float, float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return min(samples), statistics.median(samples), max(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--only", nargs="*", help="report names to time (default: all)")
    args = parser.parse_args()
    import os

    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    tb.setup_django()
    from django.conf import settings
    from django.db import connection
    from django.http import HttpRequest
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.ALLOWED_HOSTS = ["*"]
    from marketplace.models import Cooperative

    if args.regenerate:
        drop_generated()
    if not Cooperative.objects.filter(name__startswith=MARK).exists():
        print("generating the province (once)…", file=sys.stderr)
        generate(random.Random(2026))

    from catalog.reports import zero_result_searches
    from marketplace.periods import Period
    from marketplace.workspace import Workspace
    from orders import analytics
    from traceability import analytics as trace

    largest = Cooperative.objects.get(name=f"{MARK}000")
    period = Period.last_days(366)
    scopes = [("market", Workspace(None, None)), ("largest", Workspace(None, (largest.pk,)))]
    queries = [
        ("sales per day", lambda w: analytics.sales_by_day(w, period)),
        ("sales per cooperative", lambda w: analytics.sales_by(w, period, "cooperative")),
        ("sales per province", lambda w: analytics.sales_by(w, period, "province")),
        ("sales per destination", lambda w: analytics.sales_by(w, period, "destination")),
        ("top products", lambda w: analytics.top_products(w, period)),
        ("payment methods", lambda w: analytics.payment_mix(w, period)),
        ("order funnel", lambda w: analytics.funnel(w, period)),
        ("stamps issued / province", lambda w: trace.stamps_issued_by_province(w, period)),
        ("scans / province", lambda w: trace.scans_by_province(w, period)),
        ("flags per day", lambda w: trace.flags_by_day(w, period)),
        ("zero-result searches", lambda w: zero_result_searches(period)),
    ]
    from orders.models import OrderLine, SubOrder
    from traceability.models import Scan

    print(
        f"data: {Cooperative.objects.count()} cooperatives, {SubOrder.objects.count():,} "
        f"sub-orders, {OrderLine.objects.count():,} order lines, {Scan.objects.count():,} scans; "
        f"largest cooperative: {SubOrder.objects.filter(cooperative=largest).count():,} "
        f"sub-orders"
    )
    print(f"\nreport queries over {period.days} days, ms over {args.runs} runs (target 300)")
    print(f"{'report':26} {'scope':8} {'min':>7} {'median':>7} {'max':>7}")
    only = set(args.only or [])
    for name, query in queries:
        if only and name not in only:
            continue
        for label, workspace in scopes:
            query(workspace)  # warm the buffers once
            low, mid, high = timed(lambda q=query, w=workspace: q(w), args.runs)
            print(f"{name:26} {label:8} {low:7.1f} {mid:7.1f} {high:7.1f}")

    print(f"\nadmin pages through the test client, ms over {args.runs} runs (target 100)")
    print("(the account page is Wagtail's own, with no panel: the admin's floor on this machine)")
    for username in ("bench-owner-000", "bench-operator"):
        client = Client()
        client.login(request=HttpRequest(), username=username, password="bench")
        for path in (reverse("wagtailadmin_home"), reverse("wagtailadmin_account")):
            assert client.get(path).status_code == 200
            with CaptureQueriesContext(connection) as captured:
                client.get(path)
            count = len(captured)  # read now: the next requests reset the connection's log
            low, mid, high = timed(lambda c=client, p=path: c.get(p), args.runs)
            print(f"{username:18} {path:16} {count:3} queries {low:7.1f} {mid:7.1f} {high:7.1f}")


if __name__ == "__main__":
    main()
