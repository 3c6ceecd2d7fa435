"""``stamp_verify``: the one place that decides what a scanned stamp is.

Signature first (no database needed: the same check the inspector's phone makes offline),
then what only the server knows: the stamp exists, its batch was not recalled, it was not
voided, it breaks no anomaly rule.
"""

import contextlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache as cache_for_process

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from .digital_link import StampCode
from .models import AnomalyFlag, Batch, Stamp
from .scans import ScanSummary, anomaly_config, judge
from .signing import verify

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
    if not verify(code.gtin, code.lot, code.serial, code.signature):
        return Verdict(
            FORGED,
            [_("The signature does not match this code: the stamp is forged or altered.")],
            code=code,
        )
    stamp = find_stamp(code)
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
        "status",
        "activated_at",
        "scan_count",
        "first_scanned_at",
        "first_scan_province",
        "last_scanned_at",
        "last_scan_province",
        "last_province_scan_at",
    },
)
BATCH_FIELDS = _in_model_order(
    Batch, {"id", "lot", "status", "recall_reason", "updated_at", "cooperative_id", "gtin"}
)


@cache_for_process
def _stamp_sql() -> str:
    stamp, batch = Stamp._meta.db_table, Batch._meta.db_table
    flag = AnomalyFlag._meta.db_table
    columns = [f"s.{f}" for f in STAMP_FIELDS] + [f"b.{f}" for f in BATCH_FIELDS]
    return (
        f"SELECT {', '.join(columns)}, EXISTS (SELECT 1 FROM {flag} f WHERE f.stamp_id = s.id"
        f" AND f.rule IN (%s, %s)) FROM {stamp} s JOIN {batch} b ON b.id = s.batch_id"
        " WHERE s.gtin = %s AND s.serial = %s AND b.lot = %s LIMIT 1"
    )


@cache_for_process
def _converters(alias: str) -> list[tuple]:
    """What the ORM would apply to each column (SQLite hands datetimes over as text)."""
    from django.db import connections

    connection = connections[alias]
    result = []
    for model, names in ((Stamp, STAMP_FIELDS), (Batch, BATCH_FIELDS)):
        fields = {f.attname: f for f in model._meta.concrete_fields}
        for name in names:
            col = fields[name].get_col(model._meta.db_table)
            result.append(
                (col, connection.ops.get_db_converters(col) + col.get_db_converters(connection))
            )
    return result


def _convert(value, col, converters):
    from django.db import connection

    for converter in converters:
        value = converter(value, col, connection)
    return value


def find_stamp(code: StampCode) -> Stamp | None:
    """The stamp with its batch and whether it has standing flags, in one query.

    The resolver's hottest line: plain SQL (built once) instead of composing an ORM query
    per scan, which cost more than the database itself. Fields not read here are deferred.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(_stamp_sql(), [*STANDING_RULES, code.gtin, code.serial, code.lot])
        row = cursor.fetchone()
    if row is None:
        return None
    values = [
        _convert(value, col, converters)
        for value, (col, converters) in zip(row, _converters(connection.alias), strict=False)
    ]
    n = len(STAMP_FIELDS)
    db = connection.alias
    stamp = Stamp.from_db(db, STAMP_FIELDS, values[:n])
    stamp.batch = Batch.from_db(db, BATCH_FIELDS, values[n : n + len(BATCH_FIELDS)])
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
    for rule, last_seen in AnomalyFlag.objects.filter(
        stamp=stamp, rule__in=STANDING_RULES
    ).values_list("rule", "last_seen"):
        if rule == AnomalyFlag.Rule.TWO_PROVINCES and at - last_seen > window:
            continue
        standing.append((rule, labels[rule]))
    return standing


BATCH_CACHE_SECONDS = 300


def batch_payload(batch: Batch) -> dict:
    """What the resolver shows of a batch, cached until the batch changes (or 5 minutes)."""
    from django.utils.translation import get_language

    key = f"trace:batch:{batch.pk}:{batch.updated_at.timestamp()}:{get_language()}"
    try:
        data = cache.get(key)
    except Exception:
        data = None
    if data is None:
        data = _build_batch_payload(batch)
        with contextlib.suppress(Exception):
            cache.set(key, data, BATCH_CACHE_SECONDS)
    return data


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
    }
