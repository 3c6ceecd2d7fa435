#!/usr/bin/env python
"""Helpers of ``resolver_load.sh`` (not a benchmark by itself). Run with the environment the
gunicorn under test runs with (production settings, same database, Redis and signing key):

    _resolver_tools.py seed --stamps 1000 --out PATHS   demo batch, stamps, their URL paths
    _resolver_tools.py measure NAME URL [--paths PATHS] [--json] --seconds 10 --pids PID...
    _resolver_tools.py finish --batch ID --results FILE [--keep]   flush scans, print the table
    _resolver_tools.py drop --batch ID                  clean up after a failed run

``measure`` runs wrk (bounded by ``--seconds`` and a timeout) against 127.0.0.1 only, with a
Lua script that walks the path list (a different stamp on each request), and records req/s,
p99, errors, and the CPU seconds of wrk, of the gunicorn workers, of this database's
PostgreSQL backends, and of everything else on the machine (other users' work).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _tracebench as tb

LUA = r"""
local paths, i = {}, 0
local json = os.getenv("RESOLVER_JSON") == "1"
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  i = ((id or 1) * 7919) % #paths
end
function request()
  i = i % #paths + 1
  if json then
    return wrk.format("GET", paths[i], {["Accept"] = "application/json"})
  end
  return wrk.format("GET", paths[i])
end
"""


def _setup():
    tb.setup_django(os.environ.get("DJANGO_SETTINGS_MODULE", "marketplace.settings.production"))


def seed(args) -> None:
    """A released batch with its trace events and ``--stamps`` stamps; writes their paths."""
    _setup()
    import datetime

    from traceability import scans

    # Scans left in the buffer by earlier runs must not count as this run's.
    earlier = scans.flush()
    if earlier:
        print(f"flushed {earlier} scans buffered before this run", file=sys.stderr)

    from django.db import transaction

    from traceability.issuing import issue_stamps
    from traceability.models import TraceEvent
    from traceability.services import batch_release, stamp_order_create

    batch = tb.new_batch(max(args.stamps, 1000), prefix="BR")
    tz = datetime.timezone(datetime.timedelta(hours=7))
    for step, day in [("harvesting", 15), ("withering", 15), ("drying", 16), ("packing", 18)]:
        TraceEvent.objects.create(
            batch=batch,
            step=step,
            event_time=datetime.datetime(2026, 3, day, 8, 0, tzinfo=tz),
            input_quantity=400 if step in ("withering", "drying") else None,
            output_quantity=80 if step == "drying" else None,
        )
    with transaction.atomic():
        order = stamp_order_create(batch=batch, count=args.stamps, run=False)
    issue_stamps(order.pk)
    batch_release(batch=batch)
    lines = [
        urlsplit(s.uri)._replace(scheme="", netloc="").geturl()
        for s in batch.stamps.select_related("batch").order_by("number")
    ]
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(batch.pk)


def _proc_seconds(pids) -> float:
    return sum(tb._proc_seconds(p) for p in pids)


def _children(pid: int) -> list[int]:
    try:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True)
    except OSError:
        return []
    return [int(p) for p in out.stdout.split()]


def _db_backends() -> list[int]:
    """PostgreSQL backends of this database (gunicorn's persistent connections)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def _seconds(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value.strip())
    if not match:
        return float("nan")
    number, unit = float(match[1]), match[2]
    return number * {"us": 1e-6, "ms": 1e-3, "s": 1, "m": 60}[unit]


def measure(args) -> None:
    _setup()
    if urlsplit(args.url).hostname != "127.0.0.1":
        sys.exit("Load goes to 127.0.0.1 only.")
    workers = [p for pid in args.pids for p in [pid, *_children(pid)]]
    command = ["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "--latency"]
    env = dict(os.environ, RESOLVER_JSON="1" if args.json else "0")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(LUA)
    if args.paths:
        command += ["-s", lua.name, args.url, "--", args.paths]
    else:
        if args.json:
            command += ["-H", "Accept: application/json"]
        command.append(args.url)
    backends = _db_backends()
    start_servers = _proc_seconds(workers) + _proc_seconds(backends)
    start_machine = tb._machine_busy_seconds()
    wall = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        out, err = process.communicate(timeout=args.seconds + 30)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
    wall = time.perf_counter() - wall
    wrk_cpu = os.times().children_user + os.times().children_system
    servers = _proc_seconds(workers) + _proc_seconds(set(_db_backends()) | set(backends))
    servers -= start_servers
    machine = tb._machine_busy_seconds() - start_machine
    os.unlink(lua.name)
    text = out.decode()
    record = {
        "name": args.name,
        "scans": args.scans,
        "rps": 0.0,
        "p99": float("nan"),
        "requests": 0,
        "errors": 0,
    }
    for line in text.splitlines():
        parts = line.split()
        if line.startswith("Requests/sec:"):
            record["rps"] = float(parts[1])
        elif line.strip().startswith("99%"):
            record["p99"] = _seconds(parts[1])
        elif "requests in" in line:
            record["requests"] = int(parts[0])
        elif line.startswith("  Non-2xx or 3xx responses:"):
            record["errors"] += int(parts[-1])
        elif line.startswith("  Socket errors:"):
            record["errors"] += sum(int(n) for n in re.findall(r"\d+", line))
    record["rest"] = max(machine - servers - wrk_cpu, 0.0) / (wall * tb.CORES)
    record["server_cpu_per_request_ms"] = servers / max(record["requests"], 1) * 1000
    if not record["requests"]:
        record["error"] = (err.decode() or text)[-500:]
    print(json.dumps(record))


def finish(args) -> None:
    """Flush the scan buffer (what the Celery task does), count the scans, print the table."""
    _setup()
    from traceability import scans
    from traceability.models import Batch, Scan

    results = [json.loads(line) for line in Path(args.results).read_text().splitlines() if line]
    batch = Batch.objects.get(pk=args.batch)
    pending = scans.pending()
    flushed = scans.flush()
    written = Scan.objects.filter(stamp__batch=batch).count()
    sent = sum(r["requests"] for r in results if r.get("scans")) + args.warmups
    bare = next((r for r in results if r["name"].startswith("bare")), None)
    rows = []
    for r in results:
        ratio = r["rps"] / bare["rps"] if bare and bare["rps"] else float("nan")
        rows.append(
            (
                r["name"],
                f"{r['rps']:,.0f}",
                f"{r['p99'] * 1000:.1f}",
                f"{r['requests']:,}",
                r["errors"],
                f"{r['server_cpu_per_request_ms']:.2f}",
                "" if r["name"].startswith("bare") else f"{ratio:.2f}",
                f"{r['rest']:.0%}",
            )
        )
    print(
        f"Resolver under gunicorn (2 workers), {tb.CORES} cores, {time.strftime('%Y-%m-%d %H:%M')}"
    )
    print(
        tb.table(
            rows,
            (
                "what",
                "req/s",
                "p99 ms",
                "requests",
                "errors",
                "server CPU ms/req",
                "/bare",
                "others",
            ),
        )
    )
    json_run = next((r for r in results if r["name"].startswith("JSON")), None)
    if json_run and bare:
        print(f"target: JSON >= 0.50 of the bare view; reached {json_run['rps'] / bare['rps']:.2f}")
    print(
        f"scans: {sent:,} resolver requests answered ({args.warmups} of them warm-ups),"
        f" {pending:,} scans waiting in the Redis"
        f" buffer, {flushed:,} flushed, {written:,} Scan rows for the demo batch"
        f" ({written - sent:+,}: requests wrk cut off at the end are answered but not counted)"
    )
    print(
        "server CPU = gunicorn workers + this database's PostgreSQL backends; others = the"
        " rest of the machine (other users' work) as a share of all cores"
    )
    for r in results:
        if r["rest"] > 0.05:
            print(
                f"WARNING: {r['name']}: other processes used {r['rest']:.0%} of the CPU;"
                " its figures are low. Re-run on a quiet machine."
            )
        if r.get("error"):
            print(f"{r['name']}: wrk failed: {r['error']}")
    _drop_queued_flushes()
    if not args.keep:
        tb.drop_batch(batch)


def drop(args) -> None:
    """Flush the buffer and delete the demo batch (after a failed run)."""
    _setup()
    from traceability import scans
    from traceability.models import Batch

    scans.flush()
    _drop_queued_flushes()
    batch = Batch.objects.filter(pk=args.batch).first()
    if batch is not None:
        tb.drop_batch(batch)


def _drop_queued_flushes() -> None:
    """Remove the flush tasks this run queued on the broker (no worker runs here)."""
    from django_redis import get_redis_connection

    client = get_redis_connection("default")
    client.delete("bench:floor-scans")  # _resolver_floor.FLOOR_KEY
    for item in client.lrange("celery", 0, -1):
        try:
            task = json.loads(item)["headers"]["task"]
        except (ValueError, KeyError, TypeError):
            continue
        if task == "traceability.tasks.flush_scan_buffer":
            client.lrem("celery", 1, item)


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("seed")
    p.add_argument("--stamps", type=int, default=1000)
    p.add_argument("--out", required=True)
    p = sub.add_parser("measure")
    p.add_argument("name")
    p.add_argument("url")
    p.add_argument("--paths")
    p.add_argument("--json", action="store_true")
    p.add_argument("--scans", action="store_true")
    p.add_argument("--seconds", type=int, default=10)
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--pids", type=int, nargs="*", default=[])
    p = sub.add_parser("finish")
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--results", required=True)
    p.add_argument("--warmups", type=int, default=0)
    p.add_argument("--keep", action="store_true")
    p = sub.add_parser("drop")
    p.add_argument("--batch", type=int, required=True)
    args = parser.parse_args()
    {"seed": seed, "measure": measure, "finish": finish, "drop": drop}[args.command](args)


if __name__ == "__main__":
    main()
