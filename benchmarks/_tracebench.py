"""Shared set-up of the traceability benchmarks (not a benchmark itself).

A PostgreSQL database (``DATABASE_URL``, default ``ocop_bench`` on 127.0.0.1, created when
missing and migrated), the demo catalogue in it (``load_demo --no-images``), fresh batches
with unique lot codes, and a CPU meter that tells this process, its PostgreSQL backend and
the rest of the machine apart (a benchmark on a shared machine must say when others ran).
"""

import os
import resource
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ocop_bench"
CORES = os.cpu_count() or 1
TICK = os.sysconf("SC_CLK_TCK")


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database of ``url`` when it does not exist."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    host = parts.hostname or "127.0.0.1"
    if host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit(f"Benchmarks only talk to 127.0.0.1, not {host}.")
    admin = {
        "host": host,
        "port": parts.port or 5432,
        "user": parts.username or "postgres",
        "password": parts.password or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**admin) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}", file=sys.stderr)


def setup_django(settings: str = "marketplace.settings.test", database_url: str | None = None):
    """Point Django at the benchmark database, set it up and migrate it."""
    url = database_url or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("These benchmarks measure PostgreSQL: give a postgres:// DATABASE_URL.")
    ensure_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    _check_schema(url)
    return url


def _check_schema(url: str) -> None:
    """Stop when a migration was edited after this database applied it (columns missing)."""
    from django.apps import apps
    from django.db import connection

    with connection.cursor() as cursor:
        for model in apps.get_app_config("traceability").get_models():
            table = model._meta.db_table
            columns = {
                c.name for c in connection.introspection.get_table_description(cursor, table)
            }
            missing = [
                f.column for f in model._meta.local_concrete_fields if f.column not in columns
            ]
            if missing:
                name = urlsplit(url).path.lstrip("/")
                sys.exit(
                    f"{table} lacks {', '.join(missing)}: a migration changed after this database"
                    f" applied it. It is a benchmark database: `dropdb -h 127.0.0.1 -U postgres"
                    f" {name}` and run again."
                )


def demo_variant():
    """A product variant with a GTIN (loads the demo catalogue once when there is none)."""
    from django.core.management import call_command

    from catalog.models import ProductVariant

    variants = ProductVariant.objects.exclude(gtin="").select_related("page").order_by("pk")
    if not variants.exists():
        with open(os.devnull, "w") as devnull:
            call_command("load_demo", no_images=True, stdout=devnull)
    return variants.first()


def new_batch(quantity: int, prefix: str = "BX", variant=None):
    """A draft batch with a lot code no earlier run used."""
    import datetime

    from traceability.services import batch_create

    stamp = format(time.time_ns() // 1000, "x").upper()[-12:]
    return batch_create(
        variant=variant or demo_variant(),
        lot=f"{prefix}{stamp}",
        production_date=datetime.date(2026, 3, 15),
        best_before=datetime.date(2027, 3, 15),
        quantity=quantity,
        field_area="Đồi chè xóm Khuôn Ngàn",
    )


def drop_batch(batch) -> None:
    """Delete a benchmark batch with its stamps and orders (plain SQL: 180,000 rows)."""
    from django.db import connection, transaction

    from traceability.models import (
        AnomalyFlag,
        Batch,
        Inspection,
        Scan,
        Stamp,
        StampOrder,
        StatusChange,
        TraceEvent,
    )

    def table(model):
        return model._meta.db_table

    stamps = f"SELECT id FROM {table(Stamp)} WHERE batch_id = %s"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table(Scan)} WHERE stamp_id IN ({stamps})", [batch.pk])
        cursor.execute(
            f"UPDATE {table(Inspection)} SET stamp_id = NULL WHERE stamp_id IN ({stamps})",
            [batch.pk],
        )
        for model in (AnomalyFlag, Stamp, StampOrder, StatusChange, TraceEvent):
            cursor.execute(f"DELETE FROM {table(model)} WHERE batch_id = %s", [batch.pk])
        cursor.execute(f"DELETE FROM {table(Batch)} WHERE id = %s", [batch.pk])


def _proc_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def _machine_busy_seconds() -> float:
    with open("/proc/stat") as fh:
        values = [int(v) for v in fh.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / TICK


def _self_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class CpuMeter:
    """CPU seconds of this process, of given other pids (PostgreSQL backends), and the rest."""

    def __init__(self, pids=()):
        self.pids = list(pids)

    def __enter__(self):
        self.wall = time.perf_counter()
        self.start = (_self_seconds(), [_proc_seconds(p) for p in self.pids])
        self.machine = _machine_busy_seconds()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        own, others = self.start
        self.own = _self_seconds() - own
        self.servers = sum(_proc_seconds(p) for p in self.pids) - sum(others)
        self.total = _machine_busy_seconds() - self.machine
        # Everything else that ran on the machine meanwhile (other users, their tests...).
        self.rest = max(self.total - self.own - self.servers, 0.0)
        return False

    def busy_warning(self) -> str:
        share = self.rest / max(self.wall * CORES, 1e-9)
        if share > 0.05:
            return (
                f"WARNING: other processes used {share:.0%} of the machine's CPU during this"
                " measurement; the figure is low by about that much. Re-run on a quiet machine."
            )
        return ""


def backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def table(rows: list[tuple], headers: tuple) -> str:
    """A small fixed-width text table."""
    cells = [tuple(str(c) for c in headers)] + [tuple(str(c) for c in row) for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
