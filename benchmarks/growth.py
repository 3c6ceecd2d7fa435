"""Growth: the stamp resolver and the scan flush at 10,000 stored scans, then at 10,000,000
scans of 1,000,000 stamps (a benchmark that prints figures, not a test).

    .venv/bin/python benchmarks/growth.py                      # the whole run (about 15 min)
    .venv/bin/python benchmarks/growth.py --scans 2000000      # a smaller large phase
    .venv/bin/python benchmarks/growth.py --reuse              # measure the grown database again

What it does, all on 127.0.0.1:
1. A fresh PostgreSQL database (``GROWTH_DATABASE_URL``, default ``ocop_growth``) migrated
   under production settings, the demo catalogue, and one released batch of 1,000 stamps
   issued by the real issuer with a signing key made for the run (kept beside the database in
   ``$TMPDIR/ocop-growth/`` so ``--reuse`` can serve the same stamps). 10,000 scans of them are
   written with ``COPY``.
2. **Small**: the resolver under gunicorn (production settings, 2 workers) with wrk, every
   request a different stamp (JSON), ``--rounds`` times ``--seconds``; then the scan flush:
   ``--flush`` scans of the same 1,000 stamps pushed into the Redis buffer and written by
   ``scans.flush`` (the Celery task's function: rows, stamp summaries, the anomaly rules),
   rows per second.
3. **Growth**: stamps issued by the real issuer (batches of 200,000: ``TRACE_MAX_STAMPS_PER_ORDER``)
   up to ``--stamps``, and scans up to ``--scans`` with ``COPY`` over the last twelve months
   (a few stamps scanned often, most rarely, as shelves are), the stamps' scan summaries set
   from them, ``VACUUM ANALYZE``.
4. **Large**: the same measurements, the resolver's stamps now drawn from the whole million.

Prints both rows and the large/small ratios (target: within 20 %). Scans the resolver answers
are written by the flush like any others; the resolver reads only ``Stamp`` (its summary
columns), never the scan table, and the flush reads the stamps it updates.
"""

import argparse
import base64
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _tracebench as tb

ROOT = tb.ROOT
HERE = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ocop_growth"
REDIS_URL = "redis://127.0.0.1:6379/7"
PORT = 8766
WORK = Path(tempfile.gettempdir()) / "ocop-growth"
PER_ORDER = 200_000
SMALL_SCANS = 10_000


def signing_key() -> str:
    """The run's Ed25519 key (PEM), made once and kept with the database it signed."""
    path = WORK / "key.pem"
    if not path.exists():
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        WORK.mkdir(parents=True, exist_ok=True)
        path.write_bytes(
            Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return path.read_text()


def production_env(database_url: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "marketplace.settings.production",
        "SECRET_KEY": base64.urlsafe_b64encode(os.urandom(48)).decode(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "TRACE_SIGNING_KEY_PEM": signing_key(),
        "TRACE_SIGNING_KEY_ID": "growth-1",
        "TRACE_RESOLVER_BASE_URL": "https://127.0.0.1",
        "SECURE_SSL_REDIRECT": "False",
        "MEDIA_SERVED_BY": "webserver",
        "LOG_LEVEL": "WARNING",
        "STATIC_ROOT": str(WORK / "static"),  # nothing served from it: the resolver's JSON
    }


def fresh_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(
        host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    (WORK / "key.pem").unlink(missing_ok=True)


# --- data ------------------------------------------------------------------------------


def issue(count: int, prefix: str):
    """A released batch with ``count`` stamps from the real issuer (COPY inside)."""
    from django.db import transaction

    from traceability.issuing import issue_stamps
    from traceability.services import batch_release, stamp_order_create

    batch = tb.new_batch(count, prefix=prefix)
    for start in range(0, count, PER_ORDER):
        with transaction.atomic():
            order = stamp_order_create(batch=batch, count=min(PER_ORDER, count - start), run=False)
        issue_stamps(order.pk)
    batch_release(batch=batch)
    return batch


def stamp_count() -> int:
    from traceability.models import Stamp

    return Stamp.objects.count()


def scan_count() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM traceability_scan")
        return cursor.fetchone()[0]


def province(stamp: int, rng: random.Random) -> int:
    """Where a stamp is scanned: its shop's province, one scan in twenty elsewhere."""
    return rng.randint(1, 34) if rng.random() < 0.05 else stamp % 34 + 1


def copy_scans(total: int, now: datetime) -> float:
    """``total`` scans over the last year with COPY; the stamps' summaries follow. Seconds."""
    from django.db import connection, transaction

    from traceability.models import Scan, Stamp

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM traceability_stamp")
        low, high = cursor.fetchone()
    rng = random.Random(20261207)
    hot = [rng.randint(low, high) for _ in range(max(1, (high - low) // 100))]
    year = 365 * 24 * 3600
    columns = "stamp_id, gtin, lot, serial, verdict, scanned_at, province_code, user_agent"
    table = Scan._meta.db_table
    with connection.cursor() as cursor:
        # Secondary indexes are built once after the load (as a restore does), not row by row.
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s"
            " AND indexname NOT LIKE %s",
            [table, "%_pkey"],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    # The rows' foreign keys are checked at commit (Django's constraints are deferred): the
    # indexes come back after it.
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        chunk = 100_000
        for start in range(0, total, chunk):
            lines = []
            for _ in range(min(chunk, total - start)):
                # A fifth of the scans go to 1 % of the stamps (a shelf scanned daily).
                stamp = rng.choice(hot) if rng.random() < 0.2 else rng.randint(low, high)
                at = now - timedelta(seconds=rng.randrange(year))
                lines.append(
                    f"{stamp}\t\t\t\tgenuine\t{at.isoformat()}\t{province(stamp, rng)}"
                    "\tMozilla/5.0 (Linux; Android 14)\n"
                )
            copy.write("".join(lines))
    with transaction.atomic(), connection.cursor() as cursor:
        for _, definition in indexes:
            cursor.execute(definition)
        stamps = Stamp._meta.db_table
        cursor.execute(
            f"""
            UPDATE {stamps} s SET scan_count = agg.n, first_scanned_at = agg.first,
                   last_scanned_at = agg.last, last_province_scan_at = agg.last,
                   last_scan_province = agg.province, first_scan_province = agg.province
            FROM (SELECT stamp_id, count(*) n, min(scanned_at) first, max(scanned_at) last,
                         max(province_code) province
                  FROM {table} WHERE stamp_id IS NOT NULL GROUP BY stamp_id) agg
            WHERE s.id = agg.stamp_id
            """
        )
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute(f"VACUUM ANALYZE {stamps}")
    return time.perf_counter() - started


def sample(count: int, seed: int) -> tuple[Path, list[int]]:
    """``count`` stamps drawn from the whole table: their resolver paths (a file) and ids."""
    from django.db import connection

    from traceability.models import Stamp

    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM traceability_stamp")
        low, high = cursor.fetchone()
    rng = random.Random(seed)
    ids = {rng.randint(low, high) for _ in range(count * 2)}
    stamps = list(Stamp.objects.filter(pk__in=ids).select_related("batch")[:count])
    path = WORK / f"paths-{seed}.txt"
    path.write_text(
        "".join(urlsplit(s.uri)._replace(scheme="", netloc="").geturl() + "\n" for s in stamps)
    )
    return path, [s.pk for s in stamps]


# --- measurements ----------------------------------------------------------------------


def serve(env: dict, probe: str) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "marketplace.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "2",
            "--forwarded-allow-ips",
            "127.0.0.1",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(
                f"http://127.0.0.1:{PORT}{probe}",
                headers={"Accept": "application/json", "X-Forwarded-Proto": "https"},
            )
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    os.killpg(server.pid, signal.SIGTERM)
    sys.exit("gunicorn did not answer")


def resolver(env: dict, paths: Path, seconds: int, rounds: int) -> dict:
    """req/s and p99 of the JSON resolver, the median of ``rounds`` wrk runs."""
    probe = paths.read_text().split("\n", 1)[0]
    server = serve(env, probe)
    runs = []
    try:
        for n in range(rounds):
            out = subprocess.run(
                [
                    sys.executable,
                    str(HERE / "_resolver_tools.py"),
                    "measure",
                    f"JSON {n}",
                    f"http://127.0.0.1:{PORT}/",
                    "--paths",
                    str(paths),
                    "--json",
                    "--scans",
                    "--seconds",
                    str(seconds),
                    "--pids",
                    str(server.pid),
                ],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
            )
            if out.returncode:
                sys.exit(f"wrk run failed: {out.stderr[-2000:]}")
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return {
        "rps": statistics.median(r["rps"] for r in runs),
        "p99": statistics.median(r["p99"] for r in runs) * 1000,
        "errors": sum(r["errors"] for r in runs),
        "requests": sum(r["requests"] for r in runs),
        "others": max(r["rest"] for r in runs),
    }


def flush_rate(count: int, stamps: list[int], seed: int) -> tuple[float, int]:
    """Scans of ``stamps`` pushed into the Redis buffer, then written by ``scans.flush``:
    rows/s, new anomaly flags. The same number of stamps in both phases, so the figure moves
    with the tables' size, not with how many stamps a flush updates."""
    from django_redis import get_redis_connection

    from traceability import scans
    from traceability.models import AnomalyFlag

    scans.flush()  # the resolver's own scans first: not part of this figure
    rng = random.Random(seed)
    client = get_redis_connection("default")
    now = datetime.now(UTC)
    picks = [rng.choice(stamps) for _ in range(count)]
    payloads = [
        json.dumps(
            {
                "stamp": stamp,
                "gtin": "",
                "lot": "",
                "serial": "",
                "verdict": "genuine",
                "at": (now + timedelta(milliseconds=i)).isoformat(),
                "province": province(stamp, rng),
                "lat": None,
                "lon": None,
                "ua": "Mozilla/5.0 (Linux; Android 14)",
                "inspector": None,
            },
            separators=(",", ":"),
        )
        for i, stamp in enumerate(picks)
    ]
    for start in range(0, count, 10_000):
        client.rpush(scans.BUFFER_KEY, *payloads[start : start + 10_000])
    flags = AnomalyFlag.objects.count()
    started = time.perf_counter()
    written = scans.flush()
    seconds = time.perf_counter() - started
    if written != count:
        sys.exit(f"flushed {written} scans, pushed {count}")
    return count / seconds, AnomalyFlag.objects.count() - flags


def measure(env: dict, label: str, args, seed: int) -> dict:
    paths, stamps = sample(1000, seed)
    row = {"label": label, "stamps": stamp_count(), "scans": scan_count()}
    print(f"{label}: {row['stamps']:,} stamps, {row['scans']:,} scans; measuring…", file=sys.stderr)
    row.update(resolver(env, paths, args.seconds, args.rounds))
    row["flush"], row["flags"] = flush_rate(args.flush, stamps, seed)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stamps", type=int, default=1_000_000)
    parser.add_argument("--scans", type=int, default=10_000_000)
    parser.add_argument("--seconds", type=int, default=10, help="per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="wrk runs per phase (median)")
    parser.add_argument("--flush", type=int, default=20_000, help="scans flushed per phase")
    parser.add_argument(
        "--reuse", action="store_true", help="measure an already grown database again"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], capture_output=True)
    if not shutil.which("wrk"):
        sys.exit("growth.py needs wrk (apt-get install -y wrk)")

    url = os.environ.get("GROWTH_DATABASE_URL", DEFAULT_URL)
    if not args.reuse:
        fresh_database(url)
    env = production_env(url)
    os.environ.update(env)
    tb.setup_django("marketplace.settings.production", url)
    from django_redis import get_redis_connection

    get_redis_connection("default").flushdb()
    now = datetime.now(UTC)
    rows = []
    if not args.reuse:
        issue(1000, "GS")
        copy_scans(SMALL_SCANS, now)
        rows.append(measure(env, "small", args, seed=1))
        started = time.perf_counter()
        while (have := stamp_count()) < args.stamps:
            issue(min(PER_ORDER, args.stamps - have), "GL")
        issued = time.perf_counter() - started
        loaded = copy_scans(args.scans - scan_count(), now)
        print(
            f"grown: stamps issued in {issued:.0f} s, scans loaded in {loaded:.0f} s",
            file=sys.stderr,
        )
    rows.append(measure(env, "large", args, seed=2))

    print(
        f"\nGrowth: resolver under gunicorn (2 workers, production settings), wrk 2 threads"
        f" 8 connections, median of {args.rounds} x {args.seconds} s, JSON, each request a"
        f" different stamp; flush of {args.flush:,} buffered scans (rows, summaries, anomaly"
        f" rules); {tb.CORES} cores, {time.strftime('%Y-%m-%d %H:%M %Z')}\n"
    )
    print(
        tb.table(
            [
                (
                    r["label"],
                    f"{r['stamps']:,}",
                    f"{r['scans']:,}",
                    f"{r['rps']:,.0f}",
                    f"{r['p99']:.1f}",
                    r["errors"],
                    f"{r['flush']:,.0f}",
                    f"{r['flags']:,}",
                    f"{r['others']:.0%}",
                )
                for r in rows
            ],
            (
                "phase",
                "stamps",
                "scans",
                "resolver req/s",
                "p99 ms",
                "errors",
                "flush rows/s",
                "new flags",
                "others",
            ),
        )
    )
    if len(rows) == 2:
        small, large = rows
        for what, key, better in (
            ("resolver req/s", "rps", "higher"),
            ("resolver p99", "p99", "lower"),
            ("flush rows/s", "flush", "higher"),
        ):
            ratio = large[key] / small[key]
            worse = 1 - ratio if better == "higher" else ratio - 1
            verdict = "within 20 %" if worse <= 0.20 else "MORE THAN 20 % WORSE"
            print(f"{what}: large / small = {ratio:.2f} ({verdict})")
    print("others = the CPU other processes took during a wrk run, as a share of all cores")


if __name__ == "__main__":
    main()
