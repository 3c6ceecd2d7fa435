"""Issuing stamps in bulk: random serials, Ed25519 signatures, rows streamed into the database.

Memory stays flat: one chunk of rows at a time. Signing runs in a thread pool (the
``cryptography`` library releases the GIL while it signs), one thread per core, while the
previous chunk is written (PostgreSQL ``COPY``; ``bulk_create`` elsewhere).

Idempotent per stamp order: each chunk commits in one transaction with the order row
locked, and the next number is read back from the database, so a crash and a re-run (or
two workers running the same order) neither duplicate nor skip stamp numbers.
"""

import base64
import os
import secrets
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from .digital_link import canonical_path
from .models import Batch, Stamp, StampOrder
from .signing import b64url, keyring

CHUNK_SIZE = 5000
SERIAL_BYTES = 10  # 80 random bits; base32 gives 16 characters of GS1's AI (21) set


def new_serials(n: int) -> list[str]:
    raw = secrets.token_bytes(SERIAL_BYTES * n)
    return [
        base64.b32encode(raw[i : i + SERIAL_BYTES]).decode("ascii")
        for i in range(0, len(raw), SERIAL_BYTES)
    ]


def _sign_slice(private_key, gtin: str, lot: str, serials: list[str]) -> list[str]:
    return [b64url(private_key.sign(canonical_path(gtin, lot, s).encode())) for s in serials]


class ChunkSigner:
    """Signs chunks of serials on every core."""

    def __init__(self, workers: int | None = None):
        self.workers = workers or os.cpu_count() or 1
        self.pool = ThreadPoolExecutor(max_workers=self.workers)
        self.ring = keyring()

    def submit(self, gtin: str, lot: str, serials: list[str]):
        step = -(-len(serials) // self.workers)
        parts = [serials[i : i + step] for i in range(0, len(serials), step)]
        futures = [
            self.pool.submit(_sign_slice, self.ring.private_key, gtin, lot, p) for p in parts
        ]
        return serials, futures

    @staticmethod
    def result(pending) -> tuple[list[str], list[str]]:
        serials, futures = pending
        return serials, [sig for f in futures for sig in f.result()]

    def close(self):
        self.pool.shutdown(wait=True)


COLUMNS = (
    "batch_id",
    "order_id",
    "number",
    "gtin",
    "serial",
    "key_id",
    "signature",
    "status",
    "activated_at",
    "scan_count",
)


def _write_rows(rows: list[tuple]) -> None:
    if connection.vendor == "postgresql":
        table = Stamp._meta.db_table
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    else:
        Stamp.objects.bulk_create(
            [Stamp(**dict(zip(COLUMNS, row, strict=True))) for row in rows], batch_size=1000
        )


def _next_number(order: StampOrder) -> int:
    last = Stamp.objects.filter(order=order).aggregate(n=Max("number"))["n"]
    return order.first_number if last is None else last + 1


def issue_stamps(
    order_id: int,
    *,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int, int], None] | None = None,
    signer: ChunkSigner | None = None,
) -> StampOrder:
    """Issue the stamps of one order that are not issued yet; returns the order."""
    order = StampOrder.objects.select_related("batch").get(pk=order_id)
    batch = order.batch
    if order.status in (StampOrder.Status.QUEUED, StampOrder.Status.FAILED):
        StampOrder.objects.filter(pk=order.pk).update(status=StampOrder.Status.ISSUING, error="")
    own_signer = signer is None
    signer = signer or ChunkSigner()
    key_id = signer.ring.key_id
    try:
        pending = None
        planned = _next_number(order)
        end = order.first_number + order.count  # exclusive
        while True:
            if pending is None and planned < end:
                pending = (
                    planned,
                    signer.submit(
                        batch.gtin, batch.lot, new_serials(min(chunk_size, end - planned))
                    ),
                )
                planned += len(pending[1][0])
            if pending is None:
                break
            start, job = pending
            serials, signatures = signer.result(job)
            # Sign the next chunk while this one is written.
            pending = None
            if planned < end:
                pending = (
                    planned,
                    signer.submit(
                        batch.gtin, batch.lot, new_serials(min(chunk_size, end - planned))
                    ),
                )
                planned += len(pending[1][0])
            start = _write_chunk(order, batch, start, serials, signatures, key_id)
            if start is None:  # another runner wrote this range meanwhile: re-plan
                pending, planned = None, _next_number(order)
                continue
            if progress:
                progress(start + len(serials) - order.first_number, order.count)
    finally:
        if own_signer:
            signer.close()
    order.refresh_from_db()
    return order


def _write_chunk(order, batch, start, serials, signatures, key_id) -> int | None:
    """Write one chunk at ``start``; None when the database already moved past it."""
    for attempt in range(3):
        try:
            with transaction.atomic():
                locked = StampOrder.objects.select_for_update().get(pk=order.pk)
                if _next_number(locked) != start:
                    return None
                batch_now = Batch.objects.only("status").get(pk=batch.pk)
                active = batch_now.status == Batch.Status.RELEASED
                status = Stamp.Status.ACTIVE if active else Stamp.Status.ISSUED
                if batch_now.status == Batch.Status.RECALLED:
                    status = Stamp.Status.RECALLED
                now = timezone.now() if active else None
                _write_rows(
                    [
                        (batch.pk, order.pk, start + i, batch.gtin, s, key_id, sig, status, now, 0)
                        for i, (s, sig) in enumerate(zip(serials, signatures, strict=True))
                    ]
                )
                issued = start + len(serials) - order.first_number
                StampOrder.objects.filter(pk=order.pk).update(issued=issued)
                return start
        except IntegrityError:
            # A serial collided with an existing one (80 random bits: practically never).
            if attempt == 2:
                raise
            serials = new_serials(len(serials))
            signatures = _sign_slice(keyring().private_key, batch.gtin, batch.lot, serials)
    return None


def iter_order_stamps(order: StampOrder, chunk_size: int = 2000) -> Iterator[tuple]:
    """(number, serial, key_id, signature) of an order's stamps, streamed in number order."""
    return (
        Stamp.objects.filter(order=order)
        .order_by("number")
        .values_list("number", "serial", "key_id", "signature")
        .iterator(chunk_size=chunk_size)
    )
