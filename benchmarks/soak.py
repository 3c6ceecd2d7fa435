"""Soak: the production stack under a mixed load for minutes, then an exact reconciliation
(a benchmark that prints figures, not a test).

    .venv/bin/pip install -e '.[bench]'                 # locust
    .venv/bin/python benchmarks/soak.py                 # 5 minutes, 24 users
    .venv/bin/python benchmarks/soak.py --minutes 1 --users 8

What it does, all on 127.0.0.1:
1. A fresh PostgreSQL database (``SOAK_DATABASE_URL``, default ``ocop_soak``, dropped and made
   again) with the demo data, loaded under production settings with a signing key made for
   the run (so the demo stamps verify), and Redis database 6 emptied. Stock of the variants the
   shoppers buy is raised to 100,000 so the run measures the shop, not sold-out answers.
2. The ``Procfile``'s processes through honcho under ``marketplace.settings.production``:
   gunicorn (``WEB_CONCURRENCY`` 2 x cores + 1, as ``tasks.py prod``), the worker (default,
   email, search), the stamps worker
   and beat.
3. locust, headless (``benchmarks/_soak_locustfile.py``): browse 70 % (home, categories,
   cooperatives, products), search 15 %, add to cart and check out 5 % (cash on delivery or
   VietQR; half the VietQR orders then get the bank's signed notification), stamp scans 10 %
   (JSON and the HTML page). Meanwhile a cooperative changes a product's stock state every 10
   seconds (sold out ↔ in stock, through ``catalog.stock``), as the issue's page-cache target
   is stated for.
4. After the run: the outbox drained, the scan buffer flushed, then the reconciliation —
   every order the shoppers were told about exists once with its lines; every variant's
   reservation moved by exactly the quantities ordered; every order has one payment and every
   notified transfer paid its order once; every scan answered is one row (table + buffer);
   nothing left in the outbox.

Prints per route: requests, errors, req/s, p50 / p95 / p99 ms (targets: no error, p99 ≤ 200
ms), the page cache's hit rate over the run (target ≥ 95 %), the reconciliation, and the CPU
others took meanwhile.
"""

import argparse
import base64
import csv
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _tracebench as tb

ROOT = tb.ROOT
VENV_BIN = Path(sys.executable).parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ocop_soak"
REDIS_URL = "redis://127.0.0.1:6379/6"
PORT = 8765
SMTP_PORT = 8025
BANK_SECRET = "soak-bank-secret-0123456789"
STOCK = 100_000
QUERIES = ["che", "chè la bằng", "mat ong", "miến dong", "na la hien", "gao", "nam", "tra"]


def production_env(database_url: str, web_workers: int = 2 * tb.CORES + 1) -> dict:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    pem = (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    static = Path(tempfile.gettempdir()) / "ocop-soak-static"
    return {
        **os.environ,
        "PATH": os.pathsep.join([str(VENV_BIN), os.environ.get("PATH", "")]),
        "DJANGO_SETTINGS_MODULE": "marketplace.settings.production",
        "SECRET_KEY": base64.urlsafe_b64encode(os.urandom(48)).decode(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "TRACE_SIGNING_KEY_PEM": pem,
        "TRACE_SIGNING_KEY_ID": "soak-1",
        "TRACE_RESOLVER_BASE_URL": "https://127.0.0.1",
        "SECURE_SSL_REDIRECT": "False",
        "MEDIA_SERVED_BY": "webserver",
        "STATIC_ROOT": str(static),
        "VIETQR_WEBHOOK_SECRET": BANK_SECRET,
        # Every simulated shopper comes from 127.0.0.1: the per-address checkout limit would
        # otherwise measure itself.
        "CHECKOUT_RATE_LIMIT": "1000000/m",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(SMTP_PORT),
        "BIND": f"127.0.0.1:{PORT}",
        "WEB_CONCURRENCY": str(web_workers),
        "LOG_LEVEL": "WARNING",
        "BEAT_SCHEDULE_FILE": str(Path(tempfile.gettempdir()) / "ocop-soak-beat"),
    }


class MailSink:
    """The soak's SMTP server (aiosmtpd on 127.0.0.1): counts what the workers deliver."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.delivered = 0
        self.controller = Controller(self, hostname="127.0.0.1", port=SMTP_PORT)

    async def handle_DATA(self, server, session, envelope):
        self.delivered += 1
        return "250 Message accepted for delivery"


def fresh_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(
        host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def prepare(env: dict) -> None:
    for command in (
        ["manage.py", "migrate", "--noinput", "-v0"],
        ["manage.py", "collectstatic", "--noinput", "-v0"],
        ["manage.py", "load_demo", "--no-images"],
    ):
        subprocess.run([sys.executable, *command], cwd=ROOT, env=env, check=True)
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def plan(path: Path) -> dict:
    """URLs, variants and stamps for the users; the product whose stock state changes."""
    from catalog.models import ProductPage, Stock
    from cms.models import CategoryPage, CooperativePage
    from traceability.models import Batch, Stamp

    products = list(ProductPage.objects.live().order_by("pk"))
    toggled = products[-1]
    buyable = [p for p in products[:-1] if p.preorder_opens is None]
    variants = [v.pk for p in buyable for v in p.variants.all()]
    Stock.objects.filter(variant_id__in=variants).update(on_hand=STOCK, reserved=0)
    stamps = Stamp.objects.filter(batch__status=Batch.Status.RELEASED).order_by("pk")[:500]
    data = {
        "pages": {
            "home": ["/", "/en/"],
            "category": [p.url for p in CategoryPage.objects.live()],
            "cooperative": [p.url for p in CooperativePage.objects.live()],
            "product": [p.url for p in products],
        },
        "queries": QUERIES,
        "variants": variants,
        "stamps": [s.uri.split("127.0.0.1", 1)[1] for s in stamps],
        "vietqr_secret": BANK_SECRET,
        "toggled_variant": toggled.variants.first().pk,
    }
    path.write_text(json.dumps(data))
    return data


def state() -> dict:
    from django.db.models import Sum

    from catalog.models import Stock
    from marketplace.models import OutboxMessage
    from orders.models import Order, Payment
    from traceability import scans
    from traceability.models import Scan

    return {
        "reserved": dict(Stock.objects.values_list("variant_id", "reserved")),
        "orders": set(Order.objects.values_list("number", flat=True)),
        "payments": Payment.objects.count(),
        "scan_rows": Scan.objects.count(),
        "buffer": scans.pending(),
        "outbox": OutboxMessage.objects.filter(sent_at__isnull=True).count(),
        "lines": Order.objects.aggregate(n=Sum("suborders__lines__quantity"))["n"] or 0,
    }


def outbox_high_water() -> int:
    from marketplace.models import OutboxMessage

    return OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def emails_queued(after_pk: int) -> int:
    """E-mail tasks queued since ``after_pk`` (each sends one message when it has an address)."""
    from marketplace.models import OutboxMessage

    return OutboxMessage.objects.filter(pk__gt=after_pk, task__contains=".send_").count()


def toggle_stock(variant_id: int, stop: threading.Event, every: float, log: list) -> None:
    """A cooperative's stock edits: sold out, then back in stock, every ``every`` seconds."""
    from django.db import close_old_connections

    from catalog.stock import stock_set_on_hand

    on_hand = 0
    while not stop.wait(every):
        on_hand = 0 if on_hand else 50
        stock_set_on_hand(variant_id=variant_id, on_hand=on_hand)
        log.append(time.time())
        close_old_connections()


def wait_healthy(seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(
                f"http://127.0.0.1:{PORT}/healthz", headers={"X-Forwarded-Proto": "https"}
            )
            with urllib.request.urlopen(request, timeout=5) as response:
                body = json.loads(response.read())
                if body.get("status") == "ok":
                    return
        except OSError:
            pass
        time.sleep(1)
    sys.exit("the stack did not report ok on /healthz")


def warm(plan: dict) -> int:
    """Each page and search of the plan requested once: a shop that has been running has its
    cache warm, so the figures are of its steady state, not of its first seconds."""
    urls = [url for urls in plan["pages"].values() for url in urls]
    urls += [f"/search/?q={urllib.parse.quote(q)}" for q in plan["queries"]]
    for url in urls:
        request = urllib.request.Request(
            f"http://127.0.0.1:{PORT}{url}", headers={"X-Forwarded-Proto": "https"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
    return len(urls)


def drain(seconds: float = 120) -> None:
    """Wait for the outbox to be sent and the worker idle; flush the scan buffer."""
    from marketplace.models import OutboxMessage
    from traceability import scans

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not OutboxMessage.objects.filter(sent_at__isnull=True).exists():
            break
        time.sleep(1)
    time.sleep(5)  # the last tasks published finish
    while scans.flush():
        pass


def percentiles(stats_csv: Path) -> list[tuple]:
    rows = []
    with stats_csv.open() as handle:
        for row in csv.DictReader(handle):
            rows.append(
                (
                    row["Name"],
                    int(row["Request Count"]),
                    int(row["Failure Count"]),
                    float(row["Requests/s"]),
                    row["50%"],
                    row["95%"],
                    row["99%"],
                )
            )
    return rows


def reconcile(before: dict, after: dict, seen: dict) -> list[tuple[str, str, bool]]:
    from django.db.models import Count, Sum

    from orders.models import Order, OrderLine, Payment, StatusChange

    checks = []
    told = {number for number, *_ in seen["orders"]}
    new = after["orders"] - before["orders"]
    checks.append(
        ("orders the shoppers were told of = new orders", f"{len(told)} = {len(new)}", told == new)
    )
    ordered: dict[int, int] = {}
    for row in (
        OrderLine.objects.filter(suborder__order__number__in=new)
        .values("variant_id")
        .annotate(q=Sum("quantity"))
    ):
        ordered[row["variant_id"]] = row["q"]
    told_quantity: dict[int, int] = {}
    for _, _, quantity, variant in seen["orders"]:
        told_quantity[variant] = told_quantity.get(variant, 0) + quantity
    checks.append(
        (
            "units ordered per variant = units in the new orders' lines",
            f"{sum(told_quantity.values())} = {sum(ordered.values())}",
            told_quantity == ordered,
        )
    )
    moved = {
        variant: after["reserved"].get(variant, 0) - before["reserved"].get(variant, 0)
        for variant in set(after["reserved"]) | set(before["reserved"])
    }
    moved = {k: v for k, v in moved.items() if v}
    live = dict(ordered)
    for row in (
        OrderLine.objects.filter(suborder__order__number__in=new)
        .exclude(
            suborder__order__status__in=[Order.Status.AWAITING_PAYMENT, Order.Status.PROCESSING]
        )
        .values("variant_id")
        .annotate(q=Sum("quantity"))
    ):
        live[row["variant_id"]] -= row["q"]  # released by a cancellation or an expiry
    live = {k: v for k, v in live.items() if v}
    checks.append(
        (
            "reservations moved = units of the orders still open",
            f"{sum(moved.values())} = {sum(live.values())}",
            moved == live,
        )
    )
    payments = Payment.objects.filter(order__number__in=new)
    one_each = payments.values("order_id").annotate(n=Count("pk")).filter(
        n__gt=1
    ).count() == 0 and payments.count() == len(new)
    checks.append(("one payment per new order", f"{payments.count()} for {len(new)}", one_each))
    notified = {number for number, _, _, status in seen["notified"] if status == "paid"}
    paid = set(
        payments.filter(status=Payment.Status.SUCCEEDED).values_list("order__number", flat=True)
    )
    twice = (
        StatusChange.objects.filter(payment__in=payments, to_status="succeeded")
        .values("payment_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    checks.append(
        (
            "transfers the bank notified = orders paid, each once",
            f"{len(notified)} = {len(paid)}, {twice} twice",
            notified == paid and twice == 0,
        )
    )
    written = after["scan_rows"] + after["buffer"] - before["scan_rows"] - before["buffer"]
    checks.append(
        (
            "scans answered = scan rows written",
            f"{seen['scans']} = {written}",
            seen["scans"] == written,
        )
    )
    checks.append(("outbox empty", str(after["outbox"]), after["outbox"] == 0))
    return checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--users", type=int, default=24)
    parser.add_argument("--change-every", type=float, default=10.0)
    parser.add_argument(
        "--web-workers",
        type=int,
        default=2 * tb.CORES + 1,
        help="gunicorn workers (default as `tasks.py prod`: 2 x cores + 1)",
    )
    parser.add_argument(
        "--pace",
        type=float,
        default=0,
        help="tasks per second per user (0: as fast as answers come, 0.05-0.3 s apart)",
    )
    args = parser.parse_args()

    url = os.environ.get("SOAK_DATABASE_URL", DEFAULT_URL)
    fresh_database(url)
    env = production_env(url, args.web_workers)
    print("preparing the database (demo data under production settings)…", file=sys.stderr)
    prepare(env)
    os.environ.update({k: v for k, v in env.items() if k != "PATH"})
    tb.setup_django("marketplace.settings.production", url)

    work = Path(tempfile.mkdtemp(prefix="ocop-soak-"))
    the_plan = plan(work / "plan.json")
    sink = MailSink()
    sink.controller.start()
    stack_log = (work / "stack.log").open("w")
    stack = subprocess.Popen(
        [str(VENV_BIN / "honcho"), "start", "-f", str(ROOT / "Procfile")],
        cwd=ROOT,
        env=env,
        stdout=stack_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_healthy()
        warmed = warm(the_plan)
        before = state()
        before_outbox = outbox_high_water()
        stop, changes = threading.Event(), []
        changer = threading.Thread(
            target=toggle_stock,
            args=(the_plan["toggled_variant"], stop, args.change_every, changes),
            daemon=True,
        )
        started = time.monotonic()
        busy, own = tb._machine_busy_seconds(), resource.getrusage(resource.RUSAGE_CHILDREN)
        changer.start()
        subprocess.run(
            [
                str(VENV_BIN / "locust"),
                "-f",
                str(Path(__file__).with_name("_soak_locustfile.py")),
                "--headless",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(max(1, args.users // 5)),
                "--run-time",
                f"{int(args.minutes * 60)}s",
                "--host",
                f"http://127.0.0.1:{PORT}",
                "--csv",
                str(work / "locust"),
                "--only-summary",
                "--stop-timeout",  # a checkout under way when the time is up finishes
                "30",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={
                **env,
                "SOAK_PLAN": str(work / "plan.json"),
                "SOAK_OUT": str(work / "seen.json"),
                "SOAK_PACE": str(args.pace),
            },
            check=False,
        )
        elapsed = time.monotonic() - started
        busy = tb._machine_busy_seconds() - busy
        done = resource.getrusage(resource.RUSAGE_CHILDREN)
        load = (done.ru_utime + done.ru_stime) - (own.ru_utime + own.ru_stime)  # locust's
        stop.set()
        changer.join()
        drain()
        after = state()
        emails = emails_queued(before_outbox)
    finally:
        sink.controller.stop()
        os.killpg(stack.pid, signal.SIGTERM)
        try:
            stack.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(stack.pid, signal.SIGKILL)
    seen = json.loads((work / "seen.json").read_text())

    pace = f"{args.pace:g} tasks/s each" if args.pace else "0.05-0.3 s between answers"
    print(
        f"\nSoak: {args.users} users ({pace}) for {elapsed:.0f} s, production settings,"
        f" gunicorn {args.web_workers} workers,"
    )
    print(
        f"a worker, the stamps worker and beat; {len(changes)} stock-state changes; {warmed}"
        " pages requested once before (a running shop's cache is warm).\n"
    )
    rows = percentiles(work / "locust_stats.csv")
    print(
        tb.table(
            [
                (n, f"{r:,}", f"{e:,}", f"{s:,.1f}", p50, p95, p99)
                for n, r, e, s, p50, p95, p99 in rows
            ],
            ("route", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms"),
        )
    )
    hits, misses = seen["cache"]["hit"], seen["cache"]["miss"]
    rate = hits / (hits + misses) if hits + misses else 0
    print(f"\npage cache: {hits:,} hits, {misses:,} misses: hit rate {rate:.1%} (target >= 95 %)")
    print(f"checkouts refused as sold out: {seen['refused']}")
    print(
        f"e-mails: {emails:,} e-mail tasks queued,"
        f" {sink.delivered:,} delivered to the SMTP server\n"
    )
    checks = reconcile(before, after, seen)
    for what, figures, ok in checks:
        print(f"{'OK ' if ok else 'MISMATCH'}  {what}: {figures}")
    errors = sum(e for _, _, e, *_ in rows if _ != "Aggregated")
    worst = max(
        (float(p99) for n, *_, p99 in rows if n != "Aggregated" and p99 not in ("N/A", "")),
        default=0,
    )
    print(f"\nerrors {errors}; worst p99 {worst:.0f} ms (target 200); logs in {work}")
    cpu = elapsed * tb.CORES
    print(
        f"CPU during the run: {busy / cpu:.0%} of {tb.CORES} cores busy, of which the load"
        f" generator (locust) {load / cpu:.0%} and the stack (gunicorn, Celery, PostgreSQL,"
        f" Redis) with everything else {(busy - load) / cpu:.0%}"
    )


if __name__ == "__main__":
    main()
