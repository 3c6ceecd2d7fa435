"""Scan logging and anomaly rules.

A resolver request never INSERTs: it pushes one record onto a buffer (a Redis list when the
cache is Redis, else an in-process list for the single-process dev server) and a task writes
the buffer in bulk, updates each stamp's scan summary and stores the anomaly flags. The same
rule function judges the scan being answered, so its warnings show at once.
"""

import contextlib
import json
import logging
import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from marketplace import redis_held
from marketplace.bulk_sql import update_rows

from .models import AnomalyFlag, Batch, Scan, Stamp

# Prefixed like the cache's keys, so two deployments sharing one Redis never mix their scans.
_PREFIX = settings.CACHES["default"].get("KEY_PREFIX", "ocop")
BUFFER_KEY = f"{_PREFIX}:trace:scan-buffer"
DROPPED_KEY = f"{_PREFIX}:trace:scans-dropped"
FLUSH_LOCK_KEY = "trace:scan-flush-queued"
_local_dropped = 0
logger = logging.getLogger(__name__)
_local_buffer: list[str] = []
_local_lock = threading.Lock()

Rule = AnomalyFlag.Rule


@dataclass
class ScanSummary:
    """What the rules need to know of a stamp before a scan."""

    status: str
    batch_status: str
    scan_count: int
    last_province_scan_at: datetime | None
    last_scan_province: int | None
    scans_explained: int = 0

    @classmethod
    def of(cls, stamp: Stamp) -> "ScanSummary":
        return cls(
            stamp.status,
            stamp.batch.status,
            stamp.scan_count,
            stamp.last_province_scan_at,
            stamp.last_scan_province,
            stamp.scans_explained,
        )


def anomaly_config() -> dict:
    return settings.TRACE_ANOMALY_RULES


def judge(summary: ScanSummary, *, at: datetime, province: int | None) -> list[tuple[str, str]]:
    """The rules a scan at ``at`` in ``province`` breaks: [(rule, detail)]."""
    config = anomaly_config()
    flags = []
    count = summary.scan_count + 1
    since = count - summary.scans_explained  # the scans an operator has not explained
    if since > config["max_scans"]:
        values = {"n": count, "since": since, "max": config["max_scans"]}
        if summary.scans_explained:
            detail = _(
                "Scanned %(n)s times, %(since)s of them since an operator's review (more than"
                " %(max)s)."
            )
        else:
            detail = _("Scanned %(n)s times (more than %(max)s).")
        flags.append((Rule.TOO_MANY_SCANS, detail % values))
    window = timedelta(hours=config["province_window_hours"])
    if (
        province
        and summary.last_scan_province
        and province != summary.last_scan_province
        and summary.last_province_scan_at
        and abs(at - summary.last_province_scan_at) <= window
    ):
        from marketplace.locations import UnknownLocation, get_province

        try:
            names = get_province(summary.last_scan_province).name, get_province(province).name
        except UnknownLocation:
            names = str(summary.last_scan_province), str(province)
        flags.append(
            (
                Rule.TWO_PROVINCES,
                _("Scanned in %(a)s and in %(b)s within %(h)s hours.")
                % {"a": names[0], "b": names[1], "h": config["province_window_hours"]},
            )
        )
    if summary.status == Stamp.Status.ISSUED and summary.batch_status == Batch.Status.DRAFT:
        flags.append((Rule.BEFORE_ACTIVATION, _("The batch has not been released for sale yet.")))
    if summary.batch_status == Batch.Status.RECALLED or summary.status == Stamp.Status.RECALLED:
        flags.append((Rule.RECALLED, _("The batch was recalled.")))
    if summary.status == Stamp.Status.VOIDED:
        flags.append((Rule.VOIDED, _("This stamp was voided (e.g. a lost label roll).")))
    return flags


def clean_location(province, latitude, longitude) -> dict:
    """Coarse location: a province code that exists, coordinates rounded to ~1 km."""
    from marketplace.locations import UnknownLocation, get_province

    result = {"province": None, "lat": None, "lon": None}
    if province is None and latitude is None and longitude is None:
        return result  # most scans: a shopper's phone sends no place
    try:
        code = int(province)
        get_province(code)
        result["province"] = code
    except (TypeError, ValueError, UnknownLocation):
        pass
    try:
        lat, lon = Decimal(str(latitude)), Decimal(str(longitude))
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            result["lat"], result["lon"] = str(round(lat, 2)), str(round(lon, 2))
    except (InvalidOperation, TypeError, ValueError):
        pass
    return result


# --- the buffer -----------------------------------------------------------------------


_client: tuple = (None, None)  # (the CACHES setting it was made for, the client)


def _redis():
    """The default cache's Redis client, or None when the cache is not Redis. Looked up once
    per CACHES setting (the lookup cost a tenth of a scan's logging)."""
    global _client
    caches_setting = settings.CACHES
    if _client[0] is not caches_setting:
        client = None
        if "RedisCache" in caches_setting["default"]["BACKEND"]:
            from django_redis import get_redis_connection

            client = get_redis_connection("default")
        _client = (caches_setting, client)
    return _client[1]


# Redis unreachable: scans wait in this process (bounded) and go to Redis with the first scan
# answered after it is back; beyond the bound they are counted as lost. /healthz says which.
_kept: list[str] = []
_kept_lost = 0
_outage_logged = False


def _keep(payload: str) -> None:
    global _kept_lost, _outage_logged
    with _local_lock:
        if len(_kept) < settings.TRACE_SCAN_KEEP_MAX:
            _kept.append(payload)
        else:
            _kept_lost += 1
        first = not _outage_logged
        _outage_logged = True
    if first:
        logger.warning(
            "scan buffer (Redis) unreachable: scans wait in this process, %s at most",
            settings.TRACE_SCAN_KEEP_MAX,
        )


def _release_kept(client) -> int:
    """Scans kept during an outage, pushed to Redis now that it answers (oldest first)."""
    global _outage_logged
    with _local_lock:
        items = list(_kept)
        _kept.clear()
        _outage_logged = False
    if items:
        try:
            redis_held.command(client, "RPUSH", BUFFER_KEY, *items)
        except Exception:
            with _local_lock:
                _kept[:0] = items
            raise
        logger.warning("%s scans kept during a Redis outage are buffered again", len(items))
    return len(items)


def kept_in_process() -> tuple[int, int]:
    """(scans waiting in this process for Redis, scans this process lost beyond its bound)."""
    return len(_kept), _kept_lost


def release_kept() -> int:
    """Try to hand this process's kept scans to Redis (``/healthz`` asks). Never raises."""
    client = _redis()
    if client is None or not _kept:
        return 0
    try:
        return _release_kept(client)
    except Exception:
        return 0


def record(entry: dict) -> None:
    """Buffer one scan; queue a flush when the buffer is full. Never raises: with Redis
    unreachable the scan waits in this process (``_keep``)."""
    payload = json.dumps(entry, separators=(",", ":"))
    size = settings.TRACE_SCAN_FLUSH_SIZE
    try:
        client = _redis()
        if client is not None:
            try:
                length = _push(client, payload)
            except Exception:
                _keep(payload)
                return
            if _kept:
                with contextlib.suppress(Exception):
                    length += _release_kept(client)
            if length > settings.TRACE_SCAN_BUFFER_MAX:
                _overflow(client, length)
        else:
            with _local_lock:
                full = len(_local_buffer) >= settings.TRACE_SCAN_BUFFER_MAX
                if not full:
                    _local_buffer.append(payload)
                length = len(_local_buffer) + full
            if full:
                _overflow(None, length)
                return
    except Exception:
        logger.warning("scan buffer unavailable; scan not logged")
        return
    # Queue a flush when the buffer fills up, and again at each further multiple of the size
    # should no flush have come since: not on every scan above it (one Redis round trip less).
    if length >= size and length % size == 0:
        _queue_flush()


def _overflow(client, length: int) -> None:
    """The buffer is full (flushes have not run for a long while): the newest scans are
    dropped and counted, so Redis memory stays bounded for the cache and the task queue it
    also serves. /healthz says "degraded" while scans are being dropped."""
    global _local_dropped
    maximum = settings.TRACE_SCAN_BUFFER_MAX
    if client is not None:
        pipe = client.pipeline(transaction=False)
        pipe.ltrim(BUFFER_KEY, 0, maximum - 1)
        pipe.incrby(DROPPED_KEY, length - maximum)
        pipe.execute()
    else:
        with _local_lock:
            _local_dropped += length - maximum
    logger.warning("scan buffer full (%s scans): scans are being dropped", maximum)


def dropped() -> int:
    """Scans dropped since the last flush (which logs them as an error)."""
    client = _redis()
    if client is not None:
        return int(client.get(DROPPED_KEY) or 0)
    return _local_dropped


def _reset_dropped() -> int:
    global _local_dropped
    client = _redis()
    if client is not None:
        pipe = client.pipeline(transaction=True)  # GET and DEL at once (GETDEL: Redis 6.2+)
        pipe.get(DROPPED_KEY)
        pipe.delete(DROPPED_KEY)
        return int(pipe.execute()[0] or 0)
    with _local_lock:
        lost, _local_dropped = _local_dropped, 0
    return lost


def _push(client, payload: str) -> int:
    """RPUSH on the connection this thread keeps (``marketplace.redis_held``)."""
    return redis_held.command(client, "RPUSH", BUFFER_KEY, payload)


def _queue_flush() -> None:
    from django.core.cache import cache

    from .tasks import flush_scan_buffer

    try:
        if settings.CELERY_TASK_ALWAYS_EAGER or cache.add(FLUSH_LOCK_KEY, 1, timeout=5):
            flush_scan_buffer.delay()
    except Exception:
        pass


def _take(limit: int) -> list[str]:
    client = _redis()
    if client is not None:
        items = client.lpop(BUFFER_KEY, limit) or []
        return [i.decode() if isinstance(i, bytes) else i for i in items]
    with _local_lock:
        items = _local_buffer[:limit]
        del _local_buffer[:limit]
    return items


def discard() -> None:
    """Drop buffered scans unwritten, and any this process kept (tests)."""
    global _kept_lost, _outage_logged
    while _take(10_000):
        pass
    with _local_lock:
        _kept.clear()
        _kept_lost, _outage_logged = 0, False


def _put_back(items: list[str]) -> None:
    client = _redis()
    if client is not None:
        client.lpush(BUFFER_KEY, *reversed(items))
        return
    with _local_lock:
        _local_buffer[:0] = items


def pending() -> int:
    client = _redis()
    if client is not None:
        return client.llen(BUFFER_KEY)
    return len(_local_buffer)


def flush(limit: int = 5000) -> int:
    """Write buffered scans: bulk INSERT, stamp summaries, anomaly flags. Returns the count."""
    from django.core.cache import cache

    total = 0
    while True:
        items = _take(limit)
        if not items:
            break
        try:
            total += _write([json.loads(i) for i in items])
        except Exception:
            # Nothing was written (one transaction): the scans go back for the next flush.
            _put_back(items)
            raise
    with contextlib.suppress(Exception):
        cache.delete(FLUSH_LOCK_KEY)
    lost = _reset_dropped()
    if lost:
        logger.error("%s scans were dropped while the scan buffer was full", lost)
    return total


def write(entries: list[dict]) -> int:
    """Store scan records (the buffer's format) in bulk: rows, summaries, anomaly flags."""
    return _write(entries)


def _write(entries: list[dict]) -> int:
    entries.sort(key=lambda e: e["at"])
    by_stamp: dict[int, list[dict]] = defaultdict(list)
    for e in entries:
        if e.get("stamp"):
            by_stamp[e["stamp"]].append(e)
    with transaction.atomic():
        # Lock the stamps in primary-key order (the fixed lock order of this app); a stamp
        # or an inspector gone since the scan leaves the scan without it, never fails the flush.
        stamps = {
            s.pk: s
            for s in Stamp.objects.select_for_update(of=("self",))
            .filter(pk__in=sorted(by_stamp))
            .select_related("batch")
            .order_by("pk")
        }
        inspectors = set(
            get_user_model()
            .objects.filter(pk__in={e["inspector"] for e in entries if e.get("inspector")})
            .values_list("pk", flat=True)
        )
        Scan.objects.bulk_create(
            [
                Scan(
                    stamp_id=e.get("stamp") if e.get("stamp") in stamps else None,
                    gtin=e.get("gtin", "")[:14],
                    lot=e.get("lot", "")[:20],
                    serial=e.get("serial", "")[:20],
                    verdict=e["verdict"],
                    scanned_at=parse_datetime(e["at"]),
                    province_code=e.get("province"),
                    latitude=e.get("lat"),
                    longitude=e.get("lon"),
                    user_agent=e.get("ua", "")[:200],
                    inspector_id=e.get("inspector") if e.get("inspector") in inspectors else None,
                )
                for e in entries
            ],
            batch_size=1000,
        )
        flags: dict[tuple[int, str], dict] = {}
        for stamp_id, scans in by_stamp.items():
            stamp = stamps.get(stamp_id)
            if stamp is None:
                continue
            for e in scans:
                at = parse_datetime(e["at"])
                summary = ScanSummary.of(stamp)
                for rule, detail in judge(summary, at=at, province=e.get("province")):
                    flag = flags.setdefault(
                        (stamp_id, rule),
                        {"detail": detail, "n": 0, "first": at, "batch": stamp.batch_id},
                    )
                    flag["n"] += 1
                    flag["detail"], flag["last"] = detail, at
                stamp.scan_count += 1
                if stamp.first_scanned_at is None:
                    stamp.first_scanned_at = at
                    stamp.first_scan_province = e.get("province")
                stamp.last_scanned_at = at
                if e.get("province"):
                    stamp.last_scan_province = e.get("province")
                    stamp.last_province_scan_at = at
        update_rows(
            Stamp,
            stamps.values(),
            [
                "scan_count",
                "first_scanned_at",
                "first_scan_province",
                "last_scanned_at",
                "last_scan_province",
                "last_province_scan_at",
            ],
        )
        _store_flags(flags)
    return len(entries)


def _store_flags(flags: dict) -> None:
    if not flags:
        return
    existing = {
        (f.stamp_id, f.rule): f
        for f in AnomalyFlag.objects.select_for_update().filter(
            stamp_id__in={k[0] for k in flags}, rule__in={k[1] for k in flags}
        )
    }
    new, changed = [], []
    for (stamp_id, rule), data in flags.items():
        flag = existing.get((stamp_id, rule))
        if flag is None:
            new.append(
                AnomalyFlag(
                    stamp_id=stamp_id,
                    batch_id=data["batch"],
                    rule=rule,
                    detail=data["detail"],
                    occurrences=data["n"],
                    first_seen=data["first"],
                    last_seen=data["last"],
                )
            )
        else:
            flag.occurrences += data["n"]
            flag.detail, flag.last_seen = data["detail"], data["last"]
            if flag.outcome == AnomalyFlag.Outcome.EXPLAINED:
                flag.outcome = AnomalyFlag.Outcome.OPEN  # broken again since the review
            changed.append(flag)
    AnomalyFlag.objects.bulk_create(new, ignore_conflicts=True)
    update_rows(AnomalyFlag, changed, ["occurrences", "detail", "last_seen", "outcome"])


def now_iso() -> str:
    return timezone.now().isoformat()
