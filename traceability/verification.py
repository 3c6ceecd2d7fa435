"""``stamp_verify``: the one place that decides what a scanned stamp is.

The signature first: a code whose signature is not even written as we print it, under a
published key, is forged without a database query. Then the stamp is looked up: the signature
it was issued with, vouched for by its row tag (``signing.vouched_for``), needs no Ed25519
check; any other is checked against the published keys, as the inspector's phone does
offline. Then what only the server knows: the stamp exists, its batch was not recalled, it
was not voided, it breaks no anomaly rule.
"""

import contextlib
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache as cache_for_process

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .digital_link import StampCode
from .models import AnomalyFlag, Batch, Stamp
from .scans import ScanSummary, anomaly_config, judge
from .signing import verify, vouched_for, well_formed

GENUINE = "genuine"
SUSPICIOUS = "suspicious"
RECALLED = "recalled"
VOIDED = "voided"
FORGED = "forged"
INVALID = "invalid"

HTTP_STATUS = {GENUINE: 200, SUSPICIOUS: 200, RECALLED: 200, VOIDED: 200, FORGED: 404, INVALID: 400}


@dataclass
class Verdict:
    verdict: str
    reasons: list[str] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    code: StampCode | None = None
    stamp: Stamp | None = None
    signature_valid: bool = False

    @property
    def http_status(self) -> int:
        return HTTP_STATUS[self.verdict]


def stamp_verify(code: StampCode, *, at: datetime | None = None, province: int | None = None):
    at = at or timezone.now()
    if not code.signature:
        return Verdict(FORGED, [_("The code has no signature: it was not issued here.")], code=code)
    forged = Verdict(
        FORGED,
        [_("The signature does not match this code: the stamp is forged or altered.")],
        code=code,
    )
    if not well_formed(code.signature):
        return forged
    # Gtin, serial and lot are compared byte for byte (PostgreSQL's default collations are
    # deterministic), so the stored signature is this very code's.
    stamp = find_stamp(code)
    vouched = stamp is not None and vouched_for(
        code.gtin, code.lot, code.serial, code.signature, stamp
    )
    if not vouched and not verify(code.gtin, code.lot, code.serial, code.signature):
        return forged
    if stamp is None:
        return Verdict(
            FORGED,
            [_("The signature is valid but no such stamp was issued.")],
            code=code,
            signature_valid=True,
        )
    result = Verdict(GENUINE, [], code=code, stamp=stamp, signature_valid=True)
    live = judge(ScanSummary.of(stamp), at=at, province=province)
    seen = set()
    for rule, detail in [*live, *_standing_flags(stamp, at)]:
        if rule not in seen:
            seen.add(rule)
            result.warnings.append({"rule": str(rule), "message": str(detail)})
    if stamp.batch.status == Batch.Status.RECALLED or stamp.status == Stamp.Status.RECALLED:
        result.verdict = RECALLED
        # The verdict says it already; the other warnings (copied codes...) stay.
        result.warnings = [w for w in result.warnings if w["rule"] != AnomalyFlag.Rule.RECALLED]
        result.reasons.append(
            _("Batch %(lot)s was recalled: %(reason)s")
            % {"lot": stamp.batch.lot, "reason": stamp.batch.recall_reason}
        )
    elif stamp.status == Stamp.Status.VOIDED:
        result.verdict = VOIDED
        result.warnings = [w for w in result.warnings if w["rule"] != AnomalyFlag.Rule.VOIDED]
        result.reasons.append(_("This stamp was voided and must not be on a product."))
    elif result.warnings:
        result.verdict = SUSPICIOUS
        result.reasons.append(_("Genuine stamp, but its scans look wrong: see the warnings."))
    else:
        result.reasons.append(_("Genuine stamp issued by OCOP Market."))
    return result


STANDING_RULES = [AnomalyFlag.Rule.TOO_MANY_SCANS, AnomalyFlag.Rule.TWO_PROVINCES]


def _in_model_order(model, names: set[str]) -> tuple[str, ...]:
    """``Model.from_db`` reads a subset of values in the model's field order."""
    return tuple(f.attname for f in model._meta.concrete_fields if f.attname in names)


STAMP_FIELDS = _in_model_order(
    Stamp,
    {
        "id",
        "batch_id",
        "number",
        "gtin",
        "serial",
        "key_id",
        "signature",
        "tag",
        "status",
        "activated_at",
        "scan_count",
        "scans_explained",
        "first_scanned_at",
        "first_scan_province",
        "last_scanned_at",
        "last_scan_province",
        "last_province_scan_at",
    },
)
BATCH_FIELDS = _in_model_order(
    Batch,
    {
        "id",
        "lot",
        "status",
        "recall_reason",
        "updated_at",
        "cooperative_id",
        "gtin",
        # The page shows them (deferred, each would cost a query of its own).
        "production_date",
        "best_before",
    },
)


@cache_for_process
def _stamp_sql() -> str:
    stamp, batch = Stamp._meta.db_table, Batch._meta.db_table
    flag = AnomalyFlag._meta.db_table
    columns = [f"s.{f}" for f in STAMP_FIELDS] + [f"b.{f}" for f in BATCH_FIELDS]
    return (
        f"SELECT {', '.join(columns)}, EXISTS (SELECT 1 FROM {flag} f WHERE f.stamp_id = s.id"
        f" AND f.rule IN (%s, %s) AND f.outcome <> %s) FROM {stamp} s"
        f" JOIN {batch} b ON b.id = s.batch_id"
        " WHERE s.gtin = %s AND s.serial = %s AND b.lot = %s LIMIT 1"
    )


@cache_for_process
def _converters(alias: str) -> list[tuple]:
    """What the ORM would apply to the columns that need it: [(index, col, converters)]
    (none on PostgreSQL; SQLite hands datetimes over as text)."""
    connection = connections[alias]
    result = []
    index = 0
    for model, names in ((Stamp, STAMP_FIELDS), (Batch, BATCH_FIELDS)):
        fields = {f.attname: f for f in model._meta.concrete_fields}
        for name in names:
            col = fields[name].get_col(model._meta.db_table)
            converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if converters:
                result.append((index, col, converters))
            index += 1
    return result


# Prepared on first use in each database session, then only executed: planning the query
# each time cost PostgreSQL four times what running it does (about 200 against 45 us).
_PREPARE_ONLY_WHAT_ASKS = 1 << 30


@cache_for_process
def _prepared_statements_usable(alias: str) -> bool:
    """psycopg 3 on PostgreSQL, and no transaction pooler in between: Django's documented
    sign of one (``DISABLE_SERVER_SIDE_CURSORS``) turns them off, as PgBouncer in transaction
    mode would route an EXECUTE to a server that never saw its PREPARE."""
    connection = connections[alias]
    if connection.vendor != "postgresql" or connection.settings_dict.get(
        "DISABLE_SERVER_SIDE_CURSORS"
    ):
        return False
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return is_psycopg3


@cache_for_process
def _preparing_cursor_class():
    import psycopg

    class PreparingCursor(psycopg.Cursor):
        """Server-side binding, the statement prepared once per session, binary results
        (the same values as text, read in C: Django's text timestamp loader is Python)."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=True)

        def _convert_query(self, query, params=None):
            # Django's query log reads cursor._query, which psycopg leaves unset when it
            # runs a prepared statement.
            self._query = super()._convert_query(query, params)
            return self._query

    return PreparingCursor


_held = threading.local()


def _held_cursor(raw):
    """This thread's cursor on the raw connection ``raw``, made once per database session."""
    cursor = getattr(_held, "cursor", None)
    if cursor is None or cursor.connection is not raw:
        cursor = _held.cursor = _preparing_cursor_class()(raw)
    return cursor


def _fetch_prepared(connection, params) -> tuple | None:
    if connection.connection is None:
        connection.ensure_connection()
    raw = connection.connection
    # Django turns psycopg's automatic preparing off (None). Preparing only what asks for it
    # (prepare=True) leaves every ORM query (client-side binding) as it was.
    if raw.prepare_threshold is None:
        raw.prepare_threshold = _PREPARE_ONLY_WHAT_ASKS
    connection.validate_thread_sharing()
    if connection.queries_logged or connection.execute_wrappers:
        # Django's cursor wrapper: the query is counted, logged and wrapped like any other.
        cursor = _preparing_cursor_class()(raw)
        with connection.wrap_database_errors:
            if connection.queries_logged:
                cursor = connection.make_debug_cursor(cursor)
            else:
                cursor = connection.make_cursor(cursor)
        with cursor:
            cursor.execute(_stamp_sql(), params)
            return cursor.fetchone()
    # The same without the wrapper's cost (a third of the lookup's).
    cursor = _held_cursor(raw)
    with connection.wrap_database_errors:
        cursor.execute(_stamp_sql(), params)
        return cursor.fetchone()


def _fetch_stamp_row(connection, params) -> tuple | None:
    from django.db import InterfaceError, OperationalError, ProgrammingError

    if not _prepared_statements_usable(connection.alias):
        with connection.cursor() as cursor:
            cursor.execute(_stamp_sql(), params)
            return cursor.fetchone()
    # No per-request health check (a "SELECT 1" round trip before the query, CONN_HEALTH_CHECKS):
    # a connection the server dropped since the last request fails here, and is replaced once.
    reused = connection.connection is not None
    try:
        return _fetch_prepared(connection, params)
    except (OperationalError, InterfaceError, ProgrammingError) as exc:
        if not reused or connection.in_atomic_block or not _worth_a_new_connection(exc):
            raise
        connection.close()
    return _fetch_prepared(connection, params)


def _worth_a_new_connection(exc) -> bool:
    """The connection died, or its prepared statement is gone (someone ran DISCARD ALL)."""
    from django.db import ProgrammingError
    from psycopg.errors import InvalidSqlStatementName

    return not isinstance(exc, ProgrammingError) or isinstance(
        exc.__cause__, InvalidSqlStatementName
    )


def _loaded(model, db: str, names: tuple[str, ...], values) -> models.Model:
    """``model.from_db(db, names, values)`` for a row of only these fields, without running
    ``__init__`` (a third of the lookup's Python time with Batch's ClusterableModel), as
    long as nothing listens to the model's init signals."""
    if pre_init.has_listeners(model) or post_init.has_listeners(model):
        return model.from_db(db, names, values)
    instance = model.__new__(model)
    instance.__dict__.update(zip(names, values, strict=True))
    instance._state = state = ModelState()
    state.adding = False
    state.db = db
    return instance


def stamp_sql_params(gtin: str, serial: str, lot: str) -> list:
    """The parameters of ``_stamp_sql()``, in its order."""
    return [*STANDING_RULES, AnomalyFlag.Outcome.EXPLAINED, gtin, serial, lot]


def find_stamp(code: StampCode) -> Stamp | None:
    """The stamp with its batch and whether it has standing flags, in one query.

    The resolver's hottest line: plain SQL (built once, prepared once per database session)
    instead of composing an ORM query per scan, which cost more than the database itself.
    Fields not read here are deferred.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    row = _fetch_stamp_row(connection, stamp_sql_params(code.gtin, code.serial, code.lot))
    if row is None:
        return None
    db = connection.alias
    values = list(row)
    for index, col, converters in _converters(db):
        value = values[index]
        for converter in converters:
            value = converter(value, col, connection)
        values[index] = value
    n = len(STAMP_FIELDS)
    stamp = _loaded(Stamp, db, STAMP_FIELDS, values[:n])
    stamp.batch = _loaded(Batch, db, BATCH_FIELDS, values[n : n + len(BATCH_FIELDS)])
    stamp.flagged = bool(row[-1])
    return stamp


def _standing_flags(stamp: Stamp, at: datetime) -> list[tuple[str, str]]:
    """Stored flags that still speak about this stamp, worded in the reader's language.

    State rules (before release, recalled, voided) are judged live from the stamp as it is
    now, so a test scan before release does not mark a stamp for ever. "Two provinces" stands
    for its time window after the last such scan; "too many scans" stands for good.
    """
    if not getattr(stamp, "flagged", True):
        return []
    window = timedelta(hours=anomaly_config()["province_window_hours"])
    labels = dict(AnomalyFlag.Rule.choices)
    standing = []
    for rule, last_seen in (
        AnomalyFlag.objects.filter(stamp=stamp, rule__in=STANDING_RULES)
        .exclude(outcome=AnomalyFlag.Outcome.EXPLAINED)
        .values_list("rule", "last_seen")
    ):
        if rule == AnomalyFlag.Rule.TWO_PROVINCES and at - last_seen > window:
            continue
        standing.append((rule, labels[rule]))
    return standing


BATCH_CACHE_SECONDS = 300
# Each process keeps the payloads it used last in front of the shared cache (a batch is asked
# for on every scan of its stamps and changes seldom). The key holds the batch's updated_at,
# read with the stamp on every scan, so a release or a recall shows on the next scan; what it
# cannot see (a product renamed) shows within BATCH_CACHE_SECONDS + PROCESS_CACHE_SECONDS.
PROCESS_CACHE_SECONDS = 30
PROCESS_CACHE_SIZE = 256
_process_cache: dict[tuple, tuple[float, dict]] = {}


def batch_payload(batch: Batch) -> dict:
    """What the resolver shows of a batch, cached until the batch changes (or 5 minutes).

    The dict is shared by the requests of this process: read it, never change it.
    """
    language = get_language()
    key = (batch.pk, batch.updated_at, language)
    now = time.monotonic()
    hit = _process_cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    shared_key = f"trace:batch:{batch.pk}:{batch.updated_at.timestamp()}:{language}"
    try:
        data = cache.get(shared_key)
    except Exception:
        data = None
    if data is None:
        data = _build_batch_payload(batch)
        with contextlib.suppress(Exception):
            cache.set(shared_key, data, BATCH_CACHE_SECONDS)
    _process_cache_put(key, (now + PROCESS_CACHE_SECONDS, data), now)
    return data


def _process_cache_put(key, entry, now: float) -> None:
    if len(_process_cache) >= PROCESS_CACHE_SIZE:
        for old in [k for k, (expires, _data) in list(_process_cache.items()) if expires <= now]:
            _process_cache.pop(old, None)
        while len(_process_cache) >= PROCESS_CACHE_SIZE:
            _process_cache.pop(next(iter(_process_cache)), None)
    _process_cache[key] = entry


def forget_cached_batches() -> None:
    """Drop this process's copies of batch payloads (tests; the shared cache is separate)."""
    _process_cache.clear()


def _build_batch_payload(batch: Batch) -> dict:
    batch = Batch.objects.select_related("variant__page", "cooperative").get(pk=batch.pk)
    product = batch.variant.page
    cooperative = batch.cooperative
    certification = product.current_certification
    events = []
    for event in batch.events.all():
        local = timezone.localtime(event.event_time)
        events.append(
            {
                "step": event.step,
                "label": str(event.get_step_display()),
                "time": local.isoformat(),
                "place": event.place_name,
                "disposition": event.effective_disposition,
                "note": event.note,
            }
        )
    return {
        "product": {
            "name": product.title,
            "variant": batch.variant.unit_label,
            "gtin": batch.gtin,
            "url": product.url or "",
            "ocop_stars": certification.stars if certification else None,
            "certificate": certification.certificate_number if certification else None,
        },
        "cooperative": {
            "name": cooperative.name,
            "slug": cooperative.slug,
            "place": cooperative.location_label,
            "former_place": cooperative.old_place_name,
        },
        "batch": {
            "lot": batch.lot,
            "status": batch.status,
            "production_date": batch.production_date.isoformat(),
            "best_before": batch.best_before.isoformat() if batch.best_before else None,
            "quantity": batch.quantity,
            "field_area": batch.field_area,
            "recalled_at": batch.recalled_at.isoformat() if batch.recalled_at else None,
            "recall_reason": batch.recall_reason,
        },
        "events": events,
        "inputs": _inputs_payload(batch),
    }


def _inputs_payload(batch: Batch) -> list[dict]:
    """The lots the batch was made from (one step up), each with its origin and whether it
    was recalled: one query, however many there are."""
    from . import vocab
    from .models import BatchInput

    units = dict(vocab.UNIT_CHOICES)
    rows = BatchInput.objects.filter(output=batch).select_related(
        "input__variant__page", "input__cooperative"
    )
    inputs = []
    for row in rows.order_by("pk"):
        lot = row.input
        quantity = row.quantity.normalize()
        inputs.append(
            {
                "lot": lot.lot,
                "gtin": lot.gtin,
                "product": lot.variant.page.display_title,
                "variant": lot.variant.unit_label,
                "cooperative": lot.cooperative.name,
                "place": lot.cooperative.location_label,
                "production_date": lot.production_date.isoformat(),
                "status": lot.status,
                "recalled_at": lot.recalled_at.isoformat() if lot.recalled_at else None,
                "recall_reason": lot.recall_reason if lot.is_recalled else "",
                # A number in JSON; "12.5", not "12.500" (three decimals are stored).
                "quantity": int(quantity)
                if quantity == quantity.to_integral()
                else float(quantity),
                "unit": row.unit,
                "unit_label": str(units.get(row.unit, row.unit)),
            }
        )
    return inputs
