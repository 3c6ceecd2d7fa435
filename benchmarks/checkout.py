"""Checkouts per second on PostgreSQL, and the 100-buyers / 10-units race (a benchmark, not a test).

    .venv/bin/python benchmarks/checkout.py               # 400 checkouts per measurement
    .venv/bin/python benchmarks/checkout.py --count 1000

Each checkout is ``orders.services.place_order`` as the checkout view calls it: two lines from
two cooperatives (so two sub-orders), stock reserved with conditional UPDATEs, the order, its
sub-orders, lines, payment and audit rows written in one transaction, and its side effects
(e-mails) handed to Celery through the outbox after commit — published to Redis
(``redis://127.0.0.1:6379/5``, purged afterwards; no worker runs, so no e-mail is sent).

Prints, with how much CPU other processes took meanwhile:
  1. uncontended: one process, checkouts one after another (target >= 50/s on 2 cores);
  2. two processes at once (one per core);
  3. SQL statements per checkout;
  4. the race: 100 threads (at most 50 connected at once) for 10 units of one variant.
Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/ocop_bench, created, migrated
and given the demo catalogue when missing). Deletes the orders it made.
"""

import argparse
import multiprocessing
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _tracebench as tb

REDIS = "redis://127.0.0.1:6379/5"


def prepare():
    from catalog.models import ProductVariant, Stock

    tb.demo_variant()  # loads the demo catalogue when the database has none
    by_coop = {}
    for variant in ProductVariant.objects.select_related("page__cooperative").order_by("pk"):
        if variant.page.live and variant.page.cooperative.is_approved:
            by_coop.setdefault(variant.page.cooperative_id, variant)
    variants = list(by_coop.values())[:2]
    saved = {s.pk: (s.on_hand, s.reserved) for s in Stock.objects.filter(variant__in=variants)}
    Stock.objects.filter(variant__in=variants).update(on_hand=10_000_000, reserved=0)
    return [v.pk for v in variants], saved


def customer():
    from orders.services import Customer

    return Customer(
        full_name="Nguyễn Thị Lan",
        phone="0912345678",
        email="lan@example.vn",
        province_code=1,
        ward_code=4,
        address_line="12 Phố Hàng Bông",
    )


def lines(variant_ids, quantity=1):
    from catalog.models import ProductVariant
    from orders.services import CheckoutLine

    prices = dict(ProductVariant.objects.filter(pk__in=variant_ids).values_list("pk", "price"))
    return [CheckoutLine(v, quantity, prices[v]) for v in variant_ids]


def checkouts(variant_ids, count: int) -> list[str]:
    from orders.services import place_order

    wanted, buyer = lines(variant_ids), customer()
    numbers = []
    for _ in range(count):
        order = place_order(lines=wanted, customer=buyer, payment_method="vietqr")
        numbers.append(order.number)
    return numbers


def _child(variant_ids, count, queue):
    from django.db import connections

    connections.close_all()
    queue.put(checkouts(variant_ids, count))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=400)
    args = parser.parse_args()
    tb.setup_django()

    from django.db import connection, connections
    from django.test.utils import CaptureQueriesContext

    from catalog.models import Stock
    from marketplace.celery import app
    from marketplace.models import OutboxMessage
    from orders.models import Order
    from orders.services import OutOfStock, place_order

    app.conf.task_always_eager = False
    app.conf.broker_url = REDIS
    variant_ids, saved_stock = prepare()
    made: list[str] = []
    rows = []
    try:
        checkouts(variant_ids, 5)  # warm up: imports, templates, connection
        with tb.CpuMeter([tb.backend_pid()]) as meter:
            made += checkouts(variant_ids, args.count)
        rows.append(
            (
                "1 process",
                args.count,
                f"{meter.wall:.2f}",
                f"{args.count / meter.wall:.0f}",
                f"{meter.own / args.count * 1000:.2f}",
                f"{meter.servers / args.count * 1000:.2f}",
                f"{meter.rest / max(meter.wall * tb.CORES, 1e-9):.0%}",
            )
        )
        warning = meter.busy_warning()

        connections.close_all()
        queue = multiprocessing.get_context("fork").Queue()
        half = args.count // 2
        children = [
            multiprocessing.get_context("fork").Process(
                target=_child, args=(variant_ids, half, queue)
            )
            for _ in range(2)
        ]
        with tb.CpuMeter() as meter:
            for child in children:
                child.start()
            for _ in children:
                made += queue.get()
            for child in children:
                child.join()
        rows.append(
            (
                "2 processes",
                half * 2,
                f"{meter.wall:.2f}",
                f"{half * 2 / meter.wall:.0f}",
                "-",
                "-",
                "-",
            )
        )

        with CaptureQueriesContext(connection) as queries:
            order = place_order(
                lines=lines(variant_ids), customer=customer(), payment_method="vietqr"
            )
        made.append(order.number)
        print(
            tb.table(
                rows,
                (
                    "run",
                    "checkouts",
                    "seconds",
                    "checkouts/s",
                    "ms CPU/checkout",
                    "ms postgres",
                    "others",
                ),
            )
        )
        if warning:
            print(warning)
        print(
            f"SQL statements per checkout (2 lines, 2 cooperatives, after commit): "
            f"{len(queries.captured_queries)}"
        )

        # The race.
        Stock.objects.filter(pk=variant_ids[0]).update(on_hand=10, reserved=0)
        race_lines = lines(variant_ids[:1])
        barrier, gate, lock = (
            threading.Barrier(100),
            threading.BoundedSemaphore(50),
            threading.Lock(),
        )
        outcomes: list[str] = []

        def buyer():
            barrier.wait()
            with gate:
                try:
                    number = place_order(
                        lines=race_lines, customer=customer(), payment_method="vietqr"
                    ).number
                    result = "ordered"
                except OutOfStock:
                    number, result = None, "out of stock"
                finally:
                    connections.close_all()
            with lock:
                outcomes.append(result)
                if number:
                    made.append(number)

        threads = [threading.Thread(target=buyer) for _ in range(100)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
        stock = Stock.objects.get(pk=variant_ids[0])
        print(
            f"race: 100 buyers, 10 units -> {outcomes.count('ordered')} orders, "
            f"{outcomes.count('out of stock')} 'out of stock', stock on hand {stock.on_hand} "
            f"reserved {stock.reserved} available {stock.available}, in {seconds:.2f} s"
        )
    finally:
        Order.objects.filter(number__in=made).delete()
        OutboxMessage.objects.filter(kwargs__order_id__isnull=False).delete()
        OutboxMessage.objects.filter(kwargs__suborder_id__isnull=False).delete()
        for pk, (on_hand, reserved) in saved_stock.items():
            Stock.objects.filter(pk=pk).update(on_hand=on_hand, reserved=reserved)
        app.control.purge()


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.test")
    main()
