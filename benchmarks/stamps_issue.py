#!/usr/bin/env python
"""Bulk stamp issuing on PostgreSQL against this machine's Ed25519 signing limit (a benchmark,
not a test).

    .venv/bin/python benchmarks/stamps_issue.py [--sizes 20000,180000] [--chunk-size 5000]
        [--workers N] [--no-tracemalloc] [--keep]

``DATABASE_URL`` (default postgres://postgres@127.0.0.1:5432/ocop_bench) is created when
missing, migrated (``marketplace.settings.test``, or ``--settings``) and given the demo
catalogue. For each size a fresh batch of 200,000 units gets one stamp order
(``stamp_order_create(run=False)``), issued by ``traceability.issuing.issue_stamps`` in a
fresh child process, so that its peak RSS belongs to that run alone. Prints:

- stamps/s, and its ratio to the signing limit: Ed25519 signatures/s on one core x cores
  (measured in the same run; also measured with one thread per core);
- memory: ``ru_maxrss`` growth of the child during issuing, and, in a second child run of the
  same size, the ``tracemalloc`` peak (Python allocations only; tracemalloc slows the run, so
  that run is not timed). Flat memory: the 180,000 run peaks no higher than the 20,000 one;
- CPU seconds per stamp of the issuing process and of its PostgreSQL backend (from /proc),
  the ceiling they imply when PostgreSQL shares the same cores, and how busy the rest of the
  machine was (a warning when other processes took more than 5% of it);
- checks: every number once, every serial distinct, a sample of signatures verified.

The stamps are deleted afterwards (``--keep`` keeps them).
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _tracebench as tb


def signing_limit(private_key, rounds: int = 3, n: int = 15000) -> dict:
    """Ed25519 signatures/s: one thread, and one thread per core (messages like stamps)."""
    messages = [f"/01/08930000000017/10/LB2603A/21/{i:016X}".encode() for i in range(n)]
    sign = private_key.sign
    one = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        list(map(sign, messages))
        one = max(one, n / (time.perf_counter() - start))
    threads = 0.0
    with ThreadPoolExecutor(tb.CORES) as pool:
        for _ in range(rounds):
            start = time.perf_counter()
            list(pool.map(lambda ms: list(map(sign, ms)), [messages] * tb.CORES))
            threads = max(threads, n * tb.CORES / (time.perf_counter() - start))
    return {"one_core": one, "limit": one * tb.CORES, "threads": threads}


def child(args) -> None:
    """One issuing run in this (fresh) process; prints a JSON line."""
    tb.setup_django(args.settings, args.database_url)
    from django.db import connection

    from traceability import issuing
    from traceability.models import Stamp
    from traceability.services import stamp_order_create
    from traceability.signing import verify

    batch = tb.new_batch(200_000, prefix="BI")
    order = stamp_order_create(batch=batch, count=args.child, run=False)
    pid = tb.backend_pid()
    if args.trace:
        tracemalloc.start()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with tb.CpuMeter([pid]) as cpu:
        issuing.issue_stamps(order.pk, chunk_size=args.chunk_size, workers=args.workers)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak = tracemalloc.get_traced_memory()[1] if args.trace else None
    tracemalloc.stop()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), min(number), max(number), count(DISTINCT serial),"
            f" min(length(serial)), max(length(signature))"
            f" FROM {Stamp._meta.db_table} WHERE order_id = %s",
            [order.pk],
        )
        count, low, high, serials, serial_len, sig_len = cursor.fetchone()
    sample = random.sample(range(1, args.child + 1), min(200, args.child))
    bad = sum(
        not verify(s.gtin, batch.lot, s.serial, f"{s.key_id}.{s.signature}")
        for s in Stamp.objects.filter(order=order, number__in=sample)
    )
    ok = (count, low, high, serials) == (args.child, 1, args.child, args.child) and not bad
    if not args.keep:
        tb.drop_batch(batch)
    print(
        json.dumps(
            {
                "n": args.child,
                "seconds": cpu.wall,
                "rss_kb": rss_after - rss_before,
                "tracemalloc": peak,
                "cpu_own": cpu.own,
                "cpu_pg": cpu.servers,
                "cpu_rest": cpu.rest,
                "warning": cpu.busy_warning(),
                "ok": ok,
                "checks": f"{count} stamps, numbers {low}-{high}, {serials} distinct serials of"
                f" {serial_len} chars, signatures {sig_len} chars, {len(sample) - bad}/"
                f"{len(sample)} sampled signatures verify",
            }
        )
    )


def run_child(args, n: int, trace: bool) -> dict:
    command = [
        sys.executable,
        __file__,
        "--child",
        str(n),
        "--chunk-size",
        str(args.chunk_size),
        "--settings",
        args.settings,
        "--database-url",
        args.database_url,
    ]
    if args.workers:
        command += ["--workers", str(args.workers)]
    if trace:
        command.append("--trace")
    if args.keep:
        command.append("--keep")
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="20000,180000")
    parser.add_argument("--chunk-size", type=int, default=None)
    parser.add_argument("--workers", type=int, default=None, help="signing threads (cores)")
    parser.add_argument("--no-tracemalloc", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the issued stamps")
    parser.add_argument("--settings", default="marketplace.settings.test")
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL") or tb.DEFAULT_DATABASE_URL
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    tb.setup_django(args.settings, args.database_url)
    from traceability import issuing
    from traceability.signing import keyring

    args.chunk_size = args.chunk_size or issuing.CHUNK_SIZE
    tb.demo_variant()
    sizes = [int(s) for s in args.sizes.split(",")]

    with tb.CpuMeter() as cpu:
        limit = signing_limit(keyring().private_key)
    warnings = [w for w in [cpu.busy_warning()] if w]
    results = []
    for n in sizes:
        result = run_child(args, n, trace=False)
        if not args.no_tracemalloc:
            result["tracemalloc"] = run_child(args, n, trace=True)["tracemalloc"]
        results.append(result)
        if result["warning"]:
            warnings.append(f"{n}: {result['warning']}")

    print(
        f"Stamp issuing on PostgreSQL, {tb.CORES} cores, chunk {args.chunk_size}, "
        f"{args.workers or tb.CORES} signing threads ({time.strftime('%Y-%m-%d %H:%M')})"
    )
    print(
        f"Ed25519 signing limit: {limit['one_core']:,.0f}/s on one core x {tb.CORES} = "
        f"{limit['limit']:,.0f}/s; measured with {tb.CORES} threads: {limit['threads']:,.0f}/s"
    )
    rows = []
    for r in results:
        rate = r["n"] / r["seconds"]
        rows.append(
            (
                f"{r['n']:,}",
                f"{r['seconds']:.2f}",
                f"{rate:,.0f}",
                f"{rate / limit['limit']:.2f}",
                f"{rate / limit['threads']:.2f}",
                f"{r['rss_kb'] / 1024:.1f}",
                "-" if r["tracemalloc"] is None else f"{r['tracemalloc'] / 2**20:.1f}",
                f"{r['cpu_own'] / r['n'] * 1e6:.1f}",
                f"{r['cpu_pg'] / r['n'] * 1e6:.1f}",
                f"{r['cpu_rest'] / (r['seconds'] * tb.CORES):.0%}",
            )
        )
    print(
        tb.table(
            rows,
            (
                "stamps",
                "seconds",
                "stamps/s",
                "/limit",
                "/threads",
                "maxrss+ MB",
                "tracemalloc MB",
                "issuer us/stamp",
                "postgres us/stamp",
                "others",
            ),
        )
    )
    largest = max(results, key=lambda r: r["n"])
    pg_per_stamp = largest["cpu_pg"] / largest["n"]
    ceiling = tb.CORES / (1 / limit["one_core"] + pg_per_stamp)
    rate = largest["n"] / largest["seconds"]
    print(
        f"target: >= 0.80 of the limit ({0.8 * limit['limit']:,.0f}/s); reached "
        f"{rate / limit['limit']:.2f}. PostgreSQL's own CPU per stamp "
        f"({pg_per_stamp * 1e6:.1f} us) on the same {tb.CORES} cores caps issuing at "
        f"{ceiling:,.0f}/s = {ceiling / limit['limit']:.2f} of the limit; reached "
        f"{rate / ceiling:.2f} of that cap."
    )
    print("memory: maxrss+ = ru_maxrss growth of the issuing process; tracemalloc = its peak")
    for r in results:
        print(f"check {r['n']:,}: {'OK' if r['ok'] else 'FAILED'} ({r['checks']})")
    for warning in warnings:
        print(warning)
    if not all(r["ok"] for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
