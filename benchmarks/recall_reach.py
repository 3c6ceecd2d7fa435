"""A recall's reach and report at 100,000 shipped units among 1,000,000 order lines on
PostgreSQL (figures, not a test).

    .venv/bin/python benchmarks/recall_reach.py --scale 0.1   # 100,000 lines, 10,000 units
    .venv/bin/python benchmarks/recall_reach.py               # 1,000,000 lines, 100,000 units
    .venv/bin/python benchmarks/recall_reach.py --runs 9 --explain
    .venv/bin/python benchmarks/recall_reach.py --rebuild     # drop the data set, make it again

Data (generated once per scale into its own database, ``ocop_bench_recall`` at full scale,
``ocop_bench_recall_0_1`` at ``--scale 0.1``…, created and migrated when missing, kept for the
next run; ``--database-url`` names another): ten cooperatives with a product each (one variant
with a GTIN); 1,000,000 orders of one sub-order and one line each (shoppers ordering about
three times each, every state of a sub-order, half the lines from the last 365 days); the
recalled batch with 100,000 units shipped in 50,000 parcels of two, each unit packed by its
stamp (100,000 stamps and packed stamps, 20 % more stamps unsold), a lot made from it with
10,000 more units shipped (recorded by batch), 200 other batches filling the other packed
and shipped lines; the recall a day ago, its notices (three quarters e-mailed), 24,000 scans
since of a tenth of its stamps (two each; one each before). Rows are written with INSERT …
SELECT generate_series in one transaction, then vacuumed and analysed; a marker on the
recalled batch says the set is complete.

Prints, over ``--runs`` runs after one warm-up (min / median / max ms): the reach counts
(``recall.reach``: target 200 ms) for the office and for the batch's cooperative, the first
page of parcels, the reach screen through Django's test client, then the whole CSV
(``recall_views.csv_chunks`` into /dev/null: target 3 s) and the whole XLSX
(``recall_views.write_xlsx`` into a temporary file). ``--explain`` prints EXPLAIN ANALYZE of
every reach query slower than 10 ms, for the office and for the cooperative. The ``others``
column is the share of the machine's CPU other processes used meanwhile (a warning above 5 %;
PostgreSQL's parallel workers are this benchmark's, not others).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _tracebench as tb

BASE_URL = "postgres://postgres@127.0.0.1:5432/ocop_bench_recall"
LINES, UNITS = 1_000_000, 100_000
BIG_LOT, OUTPUT_LOT = "RCLBIG", "RCLOUT"
MARK = "bench data set complete"
COOPERATIVES = 10
OTHER_BATCHES = 200
# Sub-order states of the other lines, one per i % 20.
STATES = (
    ["delivered"] * 10
    + ["shipped"] * 3
    + ["packed", "confirmed"]
    + ["cancelled"] * 2
    + ["new", "new", "awaiting_payment"]
)


def database_url(scale: float, given: str | None) -> str:
    if given:
        return given
    if scale == 1:
        return BASE_URL
    tag = f"{scale:g}".replace(".", "_")
    parts = urlsplit(BASE_URL)
    return urlunsplit(parts._replace(path=f"{parts.path}_{tag}"))


def drop_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.startswith("ocop_bench_recall"):
        sys.exit(f"--rebuild drops only ocop_bench_recall* databases, not {name}.")
    with psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        print(f"dropped database {name}", file=sys.stderr)


def _gtin(n: int) -> str:
    from biip.checksums import gs1_standard_check_digit

    body = f"0893997{n:06d}"
    return body + str(gs1_standard_check_digit(body))


def _catalogue():
    """Ten cooperatives with a product page and a variant (with a GTIN) each; an operator."""
    from django.contrib.auth.models import Group
    from wagtail.models import Page

    from catalog.models import Category, ProductPage, ProductVariant
    from cms.models import CooperativeIndexPage, CooperativePage, HomePage
    from marketplace.models import Cooperative, User
    from marketplace.roles import OPERATORS_GROUP, ensure_role_groups

    ensure_role_groups()
    home = HomePage.objects.first()
    if home is None:
        home = HomePage(title="OCOP Market", slug="bench-home")
        Page.get_first_root_node().add_child(instance=home)
    index = CooperativeIndexPage.objects.first()
    if index is None:
        index = CooperativeIndexPage(title="Hợp tác xã", slug="hop-tac-xa")
        home.add_child(instance=index)
    category, _ = Category.objects.get_or_create(slug="bench", defaults={"name": "Chè"})
    variants = []
    for n in range(COOPERATIVES):
        coop, _ = Cooperative.objects.get_or_create(
            slug=f"bench-recall-{n:02d}",
            defaults={
                "name": f"HTX Thu hồi {n:02d}",
                "registration_number": f"98{n:08d}",
                "province_code": 19,
                "ward_code": 5818,
                "status": Cooperative.Status.APPROVED,
            },
        )
        variant = ProductVariant.objects.filter(page__cooperative=coop).first()
        if variant is None:
            page = CooperativePage.objects.filter(cooperative=coop).first()
            if page is None:
                page = CooperativePage(title=coop.name, slug=coop.slug, cooperative=coop)
                index.add_child(instance=page)
            product = ProductPage(
                title=f"Chè búp số {n:02d}",
                slug=f"bench-recall-p-{n:02d}",
                category=category,
                short_description="Chè búp",
                live=True,
            )
            page.add_child(instance=product)
            variant = ProductVariant(
                page=product,
                sku=f"RCL-{n:02d}",
                gtin=_gtin(n),
                unit_label="Túi 200 g",
                net_weight_g=200,
                price=50_000 + n * 5_000,
            )
            variant.save()
        variants.append(variant)
    operator, _ = User.objects.get_or_create(username="bench-operator")
    operator.groups.add(Group.objects.get(name=OPERATORS_GROUP))
    return variants


def build(scale: float) -> None:
    import datetime

    from django.db import connection, transaction
    from django.utils import timezone

    from traceability.models import Batch, BatchInput, StampOrder

    lines = int(LINES * scale)
    units = int(UNITS * scale)
    big_parcels = units // 2
    out_parcels = units // 20
    started = time.perf_counter()
    variants = _catalogue()
    # The recalled batch and a lot made from it (inputs are the same cooperative's: another
    # lot of the same product, repacked).
    big_variant = variants[0]
    with transaction.atomic():
        big = Batch.objects.create(
            variant=big_variant,
            lot=BIG_LOT,
            production_date=datetime.date(2026, 1, 10),
            quantity=int(units * 1.2),
            status=Batch.Status.RELEASED,
            released_at=timezone.now() - datetime.timedelta(days=200),
        )
        output = Batch.objects.create(
            variant=big_variant,
            lot=OUTPUT_LOT,
            production_date=datetime.date(2026, 1, 20),
            quantity=int(out_parcels * 2 * 1.1) + 1,
            status=Batch.Status.RELEASED,
            released_at=timezone.now() - datetime.timedelta(days=190),
        )
        BatchInput.objects.create(output=output, input=big, quantity=out_parcels * 2)
        others = [
            Batch.objects.create(
                variant=variants[1 + n % (COOPERATIVES - 1)],
                lot=f"RCLO{n:04d}",
                production_date=datetime.date(2026, 1, 1) + datetime.timedelta(days=n % 300),
                quantity=lines,
                status=Batch.Status.RELEASED,
                released_at=timezone.now() - datetime.timedelta(days=100),
            )
            for n in range(OTHER_BATCHES)
        ]
        stamp_order = StampOrder.objects.create(
            batch=big,
            count=int(units * 1.2),
            first_number=1,
            issued=int(units * 1.2),
            status=StampOrder.Status.DONE,
        )
        params = {
            "n": lines,
            "pbig": big_parcels,
            "pout": out_parcels,
            "units": units,
            "stamps": int(units * 1.2),
            "big": big.pk,
            "output": output.pk,
            "stamp_order": stamp_order.pk,
            "gtin": big.gtin,
            "pool": max(lines // 3, 1),
            "nother": COOPERATIVES - 1,
            "others": OTHER_BATCHES,
            "states": STATES,
        }
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE bench_variants (k int PRIMARY KEY, variant_id int, coop_id int,"
                " coop_name text, price bigint, sku text, gtin text, title text) ON COMMIT DROP"
            )
            for k, variant in enumerate(variants):
                cursor.execute(
                    "INSERT INTO bench_variants VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    [
                        k,
                        variant.pk,
                        variant.page.cooperative_id,
                        variant.page.cooperative.name,
                        variant.price,
                        variant.sku,
                        variant.gtin,
                        variant.page.title,
                    ],
                )
            cursor.execute(
                "CREATE TEMP TABLE bench_other_batches (j int PRIMARY KEY, batch_id int, k int)"
                " ON COMMIT DROP"
            )
            for j, batch in enumerate(others):
                cursor.execute(
                    "INSERT INTO bench_other_batches VALUES (%s, %s, %s)",
                    [j, batch.pk, 1 + j % (COOPERATIVES - 1)],
                )
            base = {}
            for name in ("orders_order", "orders_suborder", "orders_orderline"):
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {name}")
                base[name] = cursor.fetchone()[0]
            params.update(
                o=base["orders_order"], s=base["orders_suborder"], l=base["orders_orderline"]
            )
            # One row per line: which product, which state, how many units, when.
            cursor.execute(
                """
                CREATE TEMP TABLE bench_lines ON COMMIT DROP AS
                SELECT i,
                  CASE WHEN i <= %(pbig)s + %(pout)s THEN 0
                       ELSE 1 + (i %% %(nother)s) END AS k,
                  CASE WHEN i <= %(pbig)s + %(pout)s
                       THEN (CASE WHEN i %% 2 = 0 THEN 'delivered' ELSE 'shipped' END)
                       ELSE (%(states)s::text[])[1 + i %% 20] END AS status,
                  CASE WHEN i <= %(pbig)s + %(pout)s THEN 2 ELSE 1 + i %% 3 END AS qty,
                  CASE WHEN i <= %(pbig)s THEN %(big)s
                       WHEN i <= %(pbig)s + %(pout)s THEN %(output)s
                       ELSE NULL END AS batch_id,
                  now() - (i %% 730) * interval '1 day' AS placed
                FROM generate_series(1, %(n)s) AS i
                """,
                params,
            )
            cursor.execute(
                """
                UPDATE bench_lines b SET batch_id = o.batch_id
                FROM bench_other_batches o
                WHERE b.batch_id IS NULL AND o.k = b.k
                  AND o.j = (b.k - 1) + (%(nother)s) * ((b.i / 7) %% (%(others)s / %(nother)s))
                """,
                params,
            )
            print(f"  plan: {time.perf_counter() - started:.0f} s", file=sys.stderr)
            cursor.execute(
                """
                INSERT INTO orders_order (id, number, user_id, full_name, phone, email,
                  province_code, ward_code, address_line, delivery_note, payment_method, status,
                  subtotal, shipping_total, total, language, expires_at, paid_at,
                  needs_attention, attention_reason, created_at, updated_at)
                SELECT %(o)s + i, 'RB' || lpad(i::text, 8, '0'), NULL,
                  'Khách hàng ' || (i %% %(pool)s), '0912345678',
                  'shopper' || (i %% %(pool)s) || '@example.vn', 1, 4, i || ' Hàng Bông', '',
                  'cod',
                  CASE status WHEN 'delivered' THEN 'completed' WHEN 'cancelled' THEN 'cancelled'
                    WHEN 'awaiting_payment' THEN 'awaiting_payment' ELSE 'processing' END,
                  v.price * qty, 30000, v.price * qty + 30000,
                  CASE WHEN i %% 3 = 0 THEN 'en' ELSE 'vi' END, NULL, NULL, false, '',
                  placed, placed
                FROM bench_lines JOIN bench_variants v USING (k)
                """,
                params,
            )
            print(f"  orders: {time.perf_counter() - started:.0f} s", file=sys.stderr)
            cursor.execute(
                """
                INSERT INTO orders_suborder (id, order_id, cooperative_id, status, status_since,
                  subtotal, shipping, carrier, tracking_number, shipped_at, delivered_at,
                  cod_collected_at, created_at, updated_at)
                SELECT %(s)s + i, %(o)s + i, v.coop_id, status, placed, v.price * qty, 30000,
                  CASE WHEN status IN ('shipped', 'delivered') THEN 'VNPost' ELSE '' END,
                  CASE WHEN status IN ('shipped', 'delivered') THEN 'EV' || i ELSE '' END,
                  CASE WHEN status IN ('shipped', 'delivered')
                    THEN placed + interval '1 day' END,
                  CASE WHEN status = 'delivered' THEN placed + interval '3 days' END,
                  NULL, placed, placed
                FROM bench_lines JOIN bench_variants v USING (k)
                """,
                params,
            )
            cursor.execute(
                """
                INSERT INTO orders_orderline (id, suborder_id, variant_id, product_title,
                  unit_label, sku, gtin, cooperative_name, unit_price, quantity, line_total,
                  weight_g, preorder, reserved)
                SELECT %(l)s + i, %(s)s + i, v.variant_id, v.title, 'Túi 200 g', v.sku, v.gtin,
                  v.coop_name, v.price, qty, v.price * qty, 200 * qty, false, 0
                FROM bench_lines JOIN bench_variants v USING (k)
                """,
                params,
            )
            print(f"  sub-orders and lines: {time.perf_counter() - started:.0f} s", file=sys.stderr)
            # Lots: every line packed so far (some cancelled ones left theirs, as old data).
            cursor.execute(
                """
                INSERT INTO traceability_linelot (line_id, batch_id, quantity, stamped, packed_at,
                  packed_by_id)
                SELECT %(l)s + i, batch_id, qty, CASE WHEN i <= %(pbig)s THEN qty ELSE 0 END,
                  placed, NULL
                FROM bench_lines
                WHERE status IN ('confirmed', 'packed', 'shipped', 'delivered')
                   OR (status = 'cancelled' AND i %% 40 = 0)
                """,
                params,
            )
            # The recalled batch's stamps (all recalled now), its packed ones in the parcels.
            cursor.execute(
                """
                INSERT INTO traceability_stamp (batch_id, order_id, number, gtin, serial, key_id,
                  signature, tag, status, activated_at, scan_count, first_scanned_at,
                  first_scan_province, last_scanned_at, last_scan_province,
                  last_province_scan_at, scans_explained)
                SELECT %(big)s, %(stamp_order)s, n, %(gtin)s, 'RCL' || lpad(n::text, 12, '0'),
                  'bench', repeat('x', 86), '', 'recalled', now() - interval '200 days',
                  CASE WHEN n %% 10 = 0 THEN 3 ELSE 0 END,
                  CASE WHEN n %% 10 = 0 THEN now() - interval '100 days' END,
                  NULL,
                  CASE WHEN n %% 10 = 0 THEN now() - interval '22 hours' END, NULL, NULL, 0
                FROM generate_series(1, %(stamps)s) AS n
                """,
                params,
            )
            cursor.execute(
                """
                INSERT INTO traceability_parcelstamp (stamp_id, line_id, packed_at, packed_by_id)
                SELECT id, %(l)s + (number + 1) / 2, now() - interval '150 days', NULL
                FROM traceability_stamp WHERE batch_id = %(big)s AND number <= %(units)s
                """,
                params,
            )
            print(f"  lots and stamps: {time.perf_counter() - started:.0f} s", file=sys.stderr)
            # The recall, a day ago: its notices, and scans of its stamps since (and before).
            cursor.execute(
                "UPDATE traceability_batch SET status = 'recalled',"
                " recalled_at = now() - interval '1 day', recall_reason = 'Bench: nấm mốc'"
                " WHERE id = %(big)s",
                params,
            )
            cursor.execute(
                """
                INSERT INTO traceability_recallnotice (batch_id, order_id, lots, created_at,
                  emailed_at)
                SELECT %(big)s, %(o)s + i,
                  CASE WHEN i <= %(pbig)s THEN 'RCLBIG' ELSE 'RCLOUT' END,
                  now() - interval '1 day',
                  CASE WHEN i %% 4 = 0 THEN NULL ELSE now() - interval '23 hours' END
                FROM bench_lines WHERE i <= %(pbig)s + %(pout)s
                """,
                params,
            )
            cursor.execute(
                """
                INSERT INTO traceability_scan (stamp_id, gtin, lot, serial, verdict, scanned_at,
                  province_code, latitude, longitude, user_agent, inspector_id)
                SELECT id, gtin, 'RCLBIG', serial,
                  CASE WHEN g = 0 THEN 'genuine' ELSE 'recalled' END,
                  CASE WHEN g = 0 THEN now() - interval '100 days'
                       ELSE now() - interval '1 day' + g * interval '1 hour' END,
                  1, NULL, NULL, '', NULL
                FROM traceability_stamp, generate_series(0, 2) AS g
                WHERE batch_id = %(big)s AND number %% 10 = 0
                """,
                params,
            )
            cursor.execute("UPDATE traceability_batch SET notes = %s WHERE id = %s", [MARK, big.pk])
            for name in ("orders_order", "orders_suborder", "orders_orderline"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'),"
                    f" (SELECT MAX(id) FROM {name}))"
                )
    # VACUUM too: a market's tables are vacuumed long before a recall (autovacuum; off on some
    # development servers), which sets the visibility map that index-only scans read.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    print(f"  built in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def _reaped_seconds(pid: int) -> float:
    """CPU of the children ``pid`` waited for (/proc stat's cutime + cstime)."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / tb.TICK


class Meter(tb.CpuMeter):
    """``tb.CpuMeter`` that also counts PostgreSQL's parallel workers as the server's: the
    reach queries run on three processes (Gather, two workers), and a worker lives for one
    query, so its CPU is read from the postmaster when it has exited (its children's time).
    A backend of another session ending meanwhile would count too: ``others`` is a floor."""

    def __init__(self, pids):
        super().__init__(pids)
        with open(f"/proc/{pids[0]}/stat") as fh:
            self.postmaster = int(fh.read().rsplit(")", 1)[1].split()[1])

    def __enter__(self):
        self.reaped = _reaped_seconds(self.postmaster)
        return super().__enter__()

    def __exit__(self, *exc):
        reaped = _reaped_seconds(self.postmaster) - self.reaped
        super().__exit__(*exc)
        self.servers += reaped
        self.rest = max(self.total - self.own - self.servers, 0.0)
        return False


def measure(fn, runs: int, pids) -> tuple[list[float], object, tb.CpuMeter]:
    result = fn()  # warm-up
    times = []
    with Meter(pids) as meter:
        for _run in range(runs):
            started = time.perf_counter()
            result = fn()
            times.append((time.perf_counter() - started) * 1000)
    return times, result, meter


def explain_reach(batch, *, cooperative_ids=None, slower_than_ms: float = 10.0) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from traceability import recall

    with CaptureQueriesContext(connection) as captured:
        recall.reach(batch, cooperative_ids=cooperative_ids)
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            if float(query["time"]) * 1000 < slower_than_ms:
                continue
            print(f"\n-- {float(query['time']) * 1000:.0f} ms\n{query['sql']}")
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            print("\n".join(row[0] for row in cursor.fetchall()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--file-runs", type=int, default=3, help="runs of the CSV and XLSX")
    parser.add_argument("--database-url")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    if not 0 < args.scale <= 1:
        sys.exit("--scale is a share of the full data set: above 0, at most 1.")
    url = database_url(args.scale, args.database_url)
    if args.rebuild:
        drop_database(url)
    os.environ["DJANGO_SETTINGS_MODULE"] = "marketplace.settings.test"
    tb.setup_django(database_url=url)

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    from marketplace.models import User
    from orders.models import OrderLine
    from traceability import recall, recall_views
    from traceability.models import Batch, LineLot

    batch = Batch.objects.filter(lot=BIG_LOT).first()
    if batch is not None and batch.notes != MARK:
        sys.exit("The data set of an earlier run is incomplete: run again with --rebuild.")
    if batch is None:
        print(f"building the data set (scale {args.scale:g}) in {url}", file=sys.stderr)
        build(args.scale)
        batch = Batch.objects.get(lot=BIG_LOT)
    pids = [tb.backend_pid()]
    lines = LineLot.objects.count()

    print(
        f"data: {OrderLine.objects.count():,} order lines, {lines:,} packed lots;"
        f" batch {batch.lot}: {batch.quantity:,} units made"
    )
    found = recall.reach(batch)
    print(
        "reach: "
        + ", ".join(f"{key} {value:,}" for key, value in found.as_counts().items() if value)
    )
    with CaptureQueriesContext(connection) as captured:
        recall.reach(batch)
    reach_queries = len(captured)

    rows = []
    warnings = []

    def add(name, times, meter, note=""):
        share = meter.rest / max(meter.wall * tb.CORES, 1e-9)
        rows.append(
            (
                name,
                f"{min(times):.0f}",
                f"{statistics.median(times):.0f}",
                f"{max(times):.0f}",
                f"{share:.0%}",
                note,
            )
        )
        if meter.busy_warning():
            warnings.append(f"{name}: {meter.busy_warning()}")

    times, _r, meter = measure(lambda: recall.reach(batch), args.runs, pids)
    add("reach counts (office)", times, meter, f"{reach_queries} queries; target 200 ms")
    coop = [batch.cooperative_id]
    times, _r, meter = measure(lambda: recall.reach(batch, cooperative_ids=coop), args.runs, pids)
    add("reach counts (its cooperative)", times, meter)
    ids = found.batch_ids
    times, _r, meter = measure(
        lambda: list(recall.parcel_rows(ids)[: recall_views.PARCELS_PER_PAGE]), args.runs, pids
    )
    add("parcels, first page of 50", times, meter)

    setup_test_environment()
    client = Client()
    client.force_login(User.objects.get(username="bench-operator"))
    path = reverse(f"{recall_views.URL_NAMESPACE}:recall_reach", args=[batch.pk])

    def screen():
        response = client.get(path)
        assert response.status_code == 200, response.status_code
        return response

    times, _r, meter = measure(screen, args.runs, pids)
    add("reach screen (admin page)", times, meter)

    counted = {}

    def whole_csv():
        size = 0
        with open(os.devnull, "wb") as devnull:
            for chunk in recall_views.csv_chunks(batch, None, "vi"):
                devnull.write(chunk)
                size += len(chunk)
        counted["csv"] = size
        return size

    times, _r, meter = measure(whole_csv, args.file_runs, pids)
    report_rows = found.shipped + found.output_units  # an upper bound, for the note only
    add(
        "whole CSV",
        times,
        meter,
        f"{counted['csv'] / 1e6:.1f} MB; target 3 s",
    )

    def whole_xlsx():
        with tempfile.TemporaryFile() as output:
            recall_views.write_xlsx(batch, None, output)
            counted["xlsx"] = output.tell()

    times, _r, meter = measure(whole_xlsx, args.file_runs, pids)
    add("whole XLSX", times, meter, f"{counted['xlsx'] / 1e6:.1f} MB")
    rows_in_report = sum(1 for _row in recall.report_rows(batch))
    print(
        f"report: {rows_in_report:,} rows (units shipped directly and through outputs:"
        f" {report_rows:,})\n"
    )
    print(tb.table(rows, ("ms", "min", "median", "max", "others", "")))
    for warning in warnings:
        print(warning)
    if args.explain:
        print("\nEXPLAIN, reach counts (office):")
        explain_reach(batch)
        print("\nEXPLAIN, reach counts (its cooperative):")
        explain_reach(batch, cooperative_ids=coop)


if __name__ == "__main__":
    main()
