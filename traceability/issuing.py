"""Issuing stamps in bulk: random serials, Ed25519 signatures, rows streamed into the database.

A pipeline of chunks: a thread pool (one thread per core) makes whole chunks ahead of the
writer (serials, signatures, the rows as bytes: ``cryptography`` releases the GIL while it
signs, and everything else is a handful of C-level calls per chunk, no Python loop per
stamp), while the calling thread writes the oldest finished chunk (PostgreSQL ``COPY``;
``bulk_create`` elsewhere). At most ``workers + 1`` chunks are in flight, so memory stays
flat however many stamps an order holds.

Idempotent per stamp order: each chunk commits in one transaction with the order row
locked, and the next number is read back from the database, so a crash and a re-run (or
two workers running the same order) neither duplicate nor skip stamp numbers.

``benchmarks/stamps_issue.py`` measures it against the machine's signing limit.
"""

import binascii
import logging
import os
import secrets
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from operator import methodcaller

from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from .digital_link import canonical_path
from .models import Batch, Stamp, StampOrder
from .signing import keyring, stamp_tag, tagger, verify

logger = logging.getLogger(__name__)

CHUNK_SIZE = 5000
SERIAL_BYTES = 10  # 80 random bits: 16 characters of base32 (A-Z 2-7), GS1's AI (21) set
SERIAL_LENGTH = 16
_BASE32 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
# One random byte per character: 256 is a multiple of 32, so ``byte % 32`` is uniform and
# each character carries 5 random bits (16 x 5 = 80), exactly like base32 of 10 random bytes.
_TO_BASE32 = bytes(_BASE32[i % 32] for i in range(256))
_URLSAFE = bytes.maketrans(b"+/", b"-_")
_DIGEST = methodcaller("digest")
# number, serial, signature, tag: standard base64 of 64 bytes is 86 characters and "==",
# of a 16-byte tag 22 and "==".
_ROW = b"%d\t%s\t%.86s\t%.22s\n"


def _serial_block(n: int) -> bytes:
    """``n`` serials back to back, ``SERIAL_LENGTH`` characters each."""
    return secrets.token_bytes(SERIAL_LENGTH * n).translate(_TO_BASE32)


def new_serials(n: int) -> list[str]:
    block = _serial_block(n).decode("ascii")
    return [block[i : i + SERIAL_LENGTH] for i in range(0, len(block), SERIAL_LENGTH)]


@dataclass(frozen=True)
class Chunk:
    """Consecutive stamps ready to write: one ``number\\tserial\\tsignature\\ttag\\n`` line
    each."""

    start: int
    count: int
    block: bytes  # ASCII; signatures and tags in base64url without padding

    def rows(self) -> Iterator[tuple[int, str, str, str]]:
        for line in self.block.decode("ascii").splitlines():
            number, serial, signature, tag = line.split("\t")
            yield int(number), serial, signature, tag


def _messages(gtin: str, lot: str) -> Callable[[list[bytes]], Iterator[bytes]]:
    """The signed message of each serial (``canonical_path``), built without a Python loop."""
    prefix = canonical_path(gtin, lot, "")
    if canonical_path(gtin, lot, "SERIAL") == prefix + "SERIAL":
        return partial(map, prefix.encode().__add__)
    return partial(
        map, lambda s: canonical_path(gtin, lot, s.decode()).encode()
    )  # pragma: no cover


def make_chunk(
    sign: Callable[[bytes], bytes], messages, start: int, count: int, tag_key: bytes
) -> Chunk:
    """Serials, signatures, tags and rows of stamps ``start .. start+count-1`` (thread-safe)."""
    block = _serial_block(count)
    serials = [block[i : i + SERIAL_LENGTH] for i in range(0, len(block), SERIAL_LENGTH)]
    signed = list(messages(serials))
    raw = list(map(sign, signed))
    tags = map(_DIGEST, map(tagger(tag_key), map(bytes.__add__, signed, raw)))  # row_tag
    rows = b"".join(
        map(
            _ROW.__mod__,
            zip(
                range(start, start + count),
                serials,
                map(binascii.b2a_base64, raw),
                map(binascii.b2a_base64, tags),
                strict=True,
            ),
        )
    )
    return Chunk(start, count, rows.translate(_URLSAFE))


@dataclass(frozen=True)
class Rows:
    """One chunk with the values every row of it shares (what ``_write_rows`` writes)."""

    chunk: Chunk
    batch_id: int
    order_id: int
    gtin: str
    key_id: str
    status: str
    activated_at: object  # datetime or None


COLUMNS = (
    "number",
    "serial",
    "signature",
    "tag",
    "batch_id",
    "order_id",
    "gtin",
    "key_id",
    "status",
    "activated_at",
    "scan_count",
)


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _write_rows(rows: Rows) -> None:
    if connection.vendor == "postgresql":
        shared = (rows.batch_id, rows.order_id, rows.gtin, rows.key_id, rows.status)
        tail = "\t" + "\t".join(map(_copy_text, (*shared, rows.activated_at, 0))) + "\n"
        data = rows.chunk.block.replace(b"\n", tail.encode())
        table = Stamp._meta.db_table
        sql = f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN"
        # The raw psycopg COPY bypasses Django's error wrapping: a duplicate serial must still
        # arrive as django.db.IntegrityError for the retry below.
        with (
            connection.wrap_database_errors,
            connection.cursor() as cursor,
            cursor.cursor.copy(sql) as copy,
        ):
            copy.write(data)
    else:
        Stamp.objects.bulk_create(
            [
                Stamp(
                    batch_id=rows.batch_id,
                    order_id=rows.order_id,
                    number=number,
                    gtin=rows.gtin,
                    serial=serial,
                    key_id=rows.key_id,
                    signature=signature,
                    tag=tag,
                    status=rows.status,
                    activated_at=rows.activated_at,
                    scan_count=0,
                )
                for number, serial, signature, tag in rows.chunk.rows()
            ],
            batch_size=1000,
        )


def _next_number(order: StampOrder) -> int:
    last = Stamp.objects.filter(order=order).aggregate(n=Max("number"))["n"]
    return order.first_number if last is None else last + 1


def issue_stamps(
    order_id: int,
    *,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> StampOrder:
    """Issue the stamps of one order that are not issued yet; returns the order."""
    order = StampOrder.objects.select_related("batch").get(pk=order_id)
    batch = order.batch
    if order.status in (StampOrder.Status.QUEUED, StampOrder.Status.FAILED):
        StampOrder.objects.filter(pk=order.pk).update(status=StampOrder.Status.ISSUING, error="")
    ring = keyring()
    make = partial(
        make_chunk, ring.private_key.sign, _messages(batch.gtin, batch.lot), tag_key=ring.tag_key
    )
    workers = workers or os.cpu_count() or 1
    end = order.first_number + order.count  # exclusive
    pending: deque = deque()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="stamp-sign") as pool:
        try:
            planned = _next_number(order)
            while True:
                # Keep every signing thread busy, and one chunk ready for the writer.
                while planned < end and len(pending) <= workers:
                    count = min(chunk_size, end - planned)
                    pending.append(pool.submit(make, planned, count))
                    planned += count
                if not pending:
                    break
                chunk = pending.popleft().result()
                if _write_chunk(order, batch, chunk, ring.key_id, make) is None:
                    # Another runner wrote this range meanwhile: drop what was made, re-plan.
                    _drop(pending)
                    planned = _next_number(order)
                    continue
                if progress:
                    progress(chunk.start + chunk.count - order.first_number, order.count)
        finally:
            _drop(pending)
    order.refresh_from_db()
    return order


def _drop(pending: deque) -> None:
    while pending:
        pending.popleft().cancel()


def _write_chunk(order, batch, chunk: Chunk, key_id: str, make) -> int | None:
    """Write one chunk at ``chunk.start``; None when the database already moved past it."""
    for attempt in range(3):
        try:
            with transaction.atomic():
                locked = StampOrder.objects.select_for_update().get(pk=order.pk)
                if _next_number(locked) != chunk.start:
                    return None
                # Locked (after the order: the one lock order of issuing), so a release or a
                # recall that is committing now is seen, and its stamps move with the batch.
                batch_status = (
                    Batch.objects.select_for_update()
                    .filter(pk=batch.pk)
                    .values_list("status", flat=True)
                    .get()
                )
                active = batch_status == Batch.Status.RELEASED
                status = Stamp.Status.ACTIVE if active else Stamp.Status.ISSUED
                if batch_status == Batch.Status.RECALLED:
                    status = Stamp.Status.RECALLED
                _write_rows(
                    Rows(
                        chunk,
                        batch.pk,
                        order.pk,
                        batch.gtin,
                        key_id,
                        status,
                        timezone.now() if active else None,
                    )
                )
                issued = chunk.start + chunk.count - order.first_number
                StampOrder.objects.filter(pk=order.pk).update(issued=issued)
                return chunk.start
        except IntegrityError:
            # A serial collided with an existing one (80 random bits: practically never).
            if attempt == 2:
                raise
            chunk = make(chunk.start, chunk.count)
    return None


def iter_order_stamps(
    order: StampOrder, chunk_size: int = 2000, numbers: tuple[int, int] | None = None
) -> Iterator[tuple]:
    """(number, serial, key_id, signature) of an order's stamps (or of the ``numbers``
    range, both ends included), streamed in number order."""
    stamps = Stamp.objects.filter(order=order)
    if numbers is not None:
        stamps = stamps.filter(number__gte=numbers[0], number__lte=numbers[1])
    return (
        stamps.order_by("number")
        .values_list("number", "serial", "key_id", "signature")
        .iterator(chunk_size=chunk_size)
    )


def tag_untagged_stamps(
    batch: Batch | None = None,
    *,
    chunk_size: int = 2000,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, int]:
    """Give stamps issued before row tags (migration 0003) their tag, so that their scans
    need no Ed25519 check either: (tagged, refused).

    Only stamps of the current signing key can be tagged (the tag key derives from it), and
    only after their stored signature verifies with Ed25519: a row whose signature does not
    is refused, left untagged (its scans keep being checked, and fail) and logged.
    Idempotent: a re-run finds only what is left.
    """
    ring = keyring()
    stamps = Stamp.objects.filter(tag="", key_id=ring.key_id)
    if batch is not None:
        stamps = stamps.filter(batch=batch)
    total = stamps.count()
    tagged = refused = done = 0
    last_id = 0
    while True:
        rows = list(
            stamps.filter(pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", "gtin", "batch__lot", "serial", "signature")[:chunk_size]
        )
        if not rows:
            break
        last_id = rows[-1][0]
        updates = []
        for pk, gtin, lot, serial, signature in rows:
            signed = f"{ring.key_id}.{signature}"
            if verify(gtin, lot, serial, signed):
                updates.append(Stamp(pk=pk, tag=stamp_tag(gtin, lot, serial, signed)))
            else:
                refused += 1
                logger.error("stamp %s (%s/%s) does not verify: left untagged", pk, lot, serial)
        with transaction.atomic():
            Stamp.objects.bulk_update(updates, ["tag"], batch_size=chunk_size)
        tagged += len(updates)
        done += len(rows)
        if progress:
            progress(done, total)
    return tagged, refused
