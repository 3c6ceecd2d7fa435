"""A recall's reach: from one batch to every parcel, shopper and unit that received it.

The reach of a batch covers the batch and every batch made from it (``BatchInput``, followed
down any number of steps): the parcels whose lines were filled from them (``LineLot``), the
stamps packed in them (``ParcelStamp``), the units still in stock, and the stamps scanned
after the recall. ``reach`` gives the counts a recall screen shows at once; ``report_rows``
the one-row-per-unit-or-parcel report a food-safety authority asks for; ``drill`` runs both
for a batch without recalling it and records how long it took; ``on_recall`` (called by
``services.batch_recall`` inside its transaction) takes the batch's units off sale, records
a notice for each order that received it and queues their e-mails through the outbox.
"""

import functools
import time
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Collate
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import Order, SubOrder

from .models import Batch, BatchInput, LineLot, ParcelStamp, RecallNotice, RecallRun, Scan, Stamp

S = SubOrder.Status
SHIPPED = (S.SHIPPED, S.DELIVERED)
IN_PARCEL = (S.CONFIRMED, S.PACKED)
# Batch inputs form a DAG; a chain deeper than this is a data error, not a product.
MAX_DEPTH = 50
# Rows of the report fetched at a time (a server-side cursor).
REPORT_CHUNK = 2000


def reached_batches(batch: Batch) -> list[int]:
    """The batch and every batch made from it, directly or through other outputs (one query
    per level of the chain)."""
    seen = [batch.pk]
    frontier = [batch.pk]
    for _level in range(MAX_DEPTH):
        outputs = set(
            BatchInput.objects.filter(input_id__in=frontier).values_list("output_id", flat=True)
        ) - set(seen)
        if not outputs:
            break
        seen.extend(sorted(outputs))
        frontier = list(outputs)
    return seen


def input_closure(batch: Batch) -> set[int]:
    """Every batch ``batch`` was made from, directly or not (for the cycle check)."""
    seen: set[int] = set()
    frontier = {batch.pk}
    for _level in range(MAX_DEPTH):
        inputs = (
            set(
                BatchInput.objects.filter(output_id__in=frontier).values_list("input_id", flat=True)
            )
            - seen
        )
        if not inputs:
            break
        seen |= inputs
        frontier = inputs
    return seen


@dataclass
class Reach:
    batch: Batch
    batch_ids: list[int]
    outputs: list[Batch] = field(default_factory=list)
    made: int = 0
    stamped: int = 0
    released: int = 0
    packed: int = 0  # in parcels not shipped yet (to unpack)
    shipped: int = 0
    output_units: int = 0  # units of batches made from it, packed or shipped
    used_in_outputs: int = 0  # units of this batch that went into outputs (counted pieces)
    in_stock: int = 0
    suborders: int = 0
    shoppers: int = 0
    cooperatives: int = 0
    scanned_after: int | None = None  # stamps scanned after the recall (None: not recalled)
    scans_after: int | None = None
    notified: int = 0
    to_notify: int = 0

    def as_counts(self) -> dict:
        return {
            name: getattr(self, name)
            for name in (
                "made",
                "stamped",
                "released",
                "packed",
                "shipped",
                "output_units",
                "used_in_outputs",
                "in_stock",
                "suborders",
                "shoppers",
                "cooperatives",
                "scanned_after",
                "scans_after",
                "notified",
                "to_notify",
            )
        }


def _lots(batch_ids, cooperative_ids=None):
    lots = LineLot.objects.filter(batch_id__in=batch_ids).exclude(
        line__suborder__status=S.CANCELLED
    )
    if cooperative_ids is not None:
        lots = lots.filter(line__suborder__cooperative_id__in=cooperative_ids)
    return lots


def _bytewise(name: str):
    """``name`` compared byte by byte (PostgreSQL's "C" collation): a ``COUNT(DISTINCT …)`` of
    e-mails sorts them, and a language's collation sorts text slowly. The same values are
    distinct either way (a database's default collation is deterministic: two strings are
    equal only when their bytes are)."""
    return Collate(F(name), "C") if connection.vendor == "postgresql" else F(name)


def reach(batch: Batch, *, cooperative_ids=None) -> Reach:
    """The counts of a batch's reach: a handful of aggregate queries, whatever its size.

    ``cooperative_ids``: a cooperative member's view (its own parcels only).

    The lots are counted in one pass that starts from the reached batches' ``LineLot`` rows
    and looks each one's line, sub-order and order up by key (the covering indexes of
    ``orders`` make these index-only), never from all the order lines.
    """
    ids = reached_batches(batch)
    result = Reach(batch=batch, batch_ids=ids, made=batch.quantity)
    result.outputs = list(
        Batch.objects.filter(pk__in=ids[1:]).select_related("variant__page").order_by("lot")
    )
    result.released = batch.quantity if batch.released_at else 0
    # Stamps: issued (not voided) and scanned after the recall, in one pass over the batch's.
    wanted = {"stamped": Count("pk", filter=~Q(status=Stamp.Status.VOIDED))}
    if batch.recalled_at:
        wanted["scanned_after"] = Count("pk", filter=Q(last_scanned_at__gte=batch.recalled_at))
    stamps = Stamp.objects.filter(batch=batch).aggregate(**wanted)
    result.stamped = stamps["stamped"]
    if batch.recalled_at:
        result.scanned_after = stamps["scanned_after"]
        result.scans_after = Scan.objects.filter(
            stamp__batch=batch, scanned_at__gte=batch.recalled_at
        ).count()
    # The lots, in one pass: this user's parcels (``own``) and, for the units still in stock,
    # every parcel of the batch itself (a cancelled parcel's units are back on the shelf).
    own = Q()
    if cooperative_ids is not None:
        own = Q(line__suborder__cooperative_id__in=cooperative_ids)
    direct = Q(batch_id=batch.pk)
    counts = _lots(ids).aggregate(
        packed=Sum("quantity", filter=own & direct & Q(line__suborder__status__in=IN_PARCEL)),
        shipped=Sum("quantity", filter=own & direct & Q(line__suborder__status__in=SHIPPED)),
        outputs=Sum("quantity", filter=own & ~direct),
        allocated=Sum("quantity", filter=direct),
        suborders=Count("line__suborder", distinct=True, filter=own or None),
        shoppers=Count(
            _bytewise("line__suborder__order__email"), distinct=True, filter=own or None
        ),
        cooperatives=Count("line__suborder__cooperative", distinct=True, filter=own or None),
    )
    result.packed = counts["packed"] or 0
    result.shipped = counts["shipped"] or 0
    result.output_units = counts["outputs"] or 0
    result.suborders, result.shoppers = counts["suborders"], counts["shoppers"]
    result.cooperatives = counts["cooperatives"]
    result.used_in_outputs = int(
        BatchInput.objects.filter(input=batch, unit="H87").aggregate(n=Sum("quantity"))["n"] or 0
    )
    allocated = counts["allocated"] or 0
    result.in_stock = max(batch.quantity - allocated - result.used_in_outputs, 0)
    notices = RecallNotice.objects.filter(batch=batch)
    if cooperative_ids is not None:
        notices = notices.filter(
            Exists(
                SubOrder.objects.filter(
                    order_id=OuterRef("order_id"), cooperative_id__in=cooperative_ids
                )
            )
        )
    told = notices.aggregate(
        notified=Count("pk", filter=Q(emailed_at__isnull=False)),
        to_notify=Count("pk", filter=Q(emailed_at__isnull=True)),
    )
    result.notified, result.to_notify = told["notified"], told["to_notify"]
    return result


PARCEL_FIELDS = (
    "line__suborder_id",
    "line__suborder__status",
    "line__suborder__shipped_at",
    "line__suborder__cooperative__name",
    "line__suborder__order_id",
    "line__suborder__order__number",
    "line__suborder__order__full_name",
)


def parcel_rows(batch_ids, *, cooperative_ids=None):
    """The query behind ``parcels``: one row per sub-order, latest shipped first (parcels not
    shipped yet, to unpack, come first). A screen pages it; ``parcel_dict`` reads a row."""
    return (
        _lots(batch_ids, cooperative_ids)
        .values(*PARCEL_FIELDS)
        .annotate(units=Sum("quantity"))
        .order_by(F("line__suborder__shipped_at").desc(nulls_first=True), "line__suborder_id")
    )


def parcel_dict(row: dict) -> dict:
    return {
        "suborder_id": row["line__suborder_id"],
        "status": row["line__suborder__status"],
        "status_label": dict(S.choices).get(row["line__suborder__status"], ""),
        "shipped_at": row["line__suborder__shipped_at"],
        "cooperative": row["line__suborder__cooperative__name"],
        "order_id": row["line__suborder__order_id"],
        "order_number": row["line__suborder__order__number"],
        "shopper": row["line__suborder__order__full_name"],
        "units": row["units"],
    }


def parcels(batch_ids, *, cooperative_ids=None, limit: int | None = None) -> list[dict]:
    """The sub-orders that received the lots, with their units."""
    rows = parcel_rows(batch_ids, cooperative_ids=cooperative_ids)
    if limit is not None:
        rows = rows[:limit]
    return [parcel_dict(row) for row in rows]


def parcel_lots(batch_ids, suborder_ids) -> dict[int, list[str]]:
    """The lots (of ``batch_ids``) in each of these sub-orders: one query for a page."""
    found: dict[int, set[str]] = {}
    for suborder_id, lot in (
        LineLot.objects.filter(batch_id__in=batch_ids, line__suborder_id__in=suborder_ids)
        .values_list("line__suborder_id", "batch__lot")
        .distinct()
    ):
        found.setdefault(suborder_id, set()).add(lot)
    return {key: sorted(lots) for key, lots in found.items()}


REPORT_COLUMNS = [
    ("gtin", "GTIN"),
    ("lot", "Lot"),
    ("serial", "Serial"),
    ("units", "Units"),
    ("order", "Order"),
    ("cooperative", "Cooperative"),
    ("status", "Status"),
    ("shopper", "Shopper"),
    ("phone", "Phone"),
    ("email", "E-mail"),
    ("address", "Address"),
    ("shipped_at", "Shipped at"),
    ("notified_at", "Notified at"),
    ("scans_after_recall", "Scans after recall"),
]


def report_headers() -> list[str]:
    labels = {
        "gtin": _("GTIN"),
        "lot": _("Lot"),
        "serial": _("Serial"),
        "units": _("Units"),
        "order": _("Order"),
        "cooperative": _("Cooperative"),
        "status": _("Status"),
        "shopper": _("Shopper"),
        "phone": _("Phone"),
        "email": _("E-mail"),
        "address": _("Address"),
        "shipped_at": _("Shipped at"),
        "notified_at": _("Notified at"),
        "scans_after_recall": _("Scans after recall"),
    }
    return [str(labels[key]) for key, _label in REPORT_COLUMNS]


MINUTE = "%Y-%m-%d %H:%M"

ORDER_FIELDS = (
    "suborder__order_id",
    "suborder__order__number",
    "suborder__cooperative__name",
    "suborder__status",
    "suborder__order__full_name",
    "suborder__order__phone",
    "suborder__order__email",
    "suborder__order__address_line",
    "suborder__order__ward_code",
    "suborder__shipped_at",
)


def report_rows(batch: Batch, *, cooperative_ids=None):
    """One row per stamped unit (its serial) and per parcel's units recorded by batch, for
    the batch and its outputs: the columns of ``REPORT_COLUMNS``. A generator: a report of
    100,000 units streams.

    What is the same for many rows is worked out once: the time zone and the status labels
    (in the current language), each order's notice time, each ward's name, each shipping
    time (a parcel's units come one after the other)."""
    from marketplace.locations import UnknownLocation, get_ward

    ids = reached_batches(batch)
    lots = {
        pk: (gtin, lot)
        for pk, gtin, lot in Batch.objects.filter(pk__in=ids)
        .order_by()
        .values_list("pk", "gtin", "lot")
    }
    zone = timezone.get_current_timezone()

    @functools.lru_cache(maxsize=4096)
    def local(value) -> str:
        return value.astimezone(zone).strftime(MINUTE) if value else ""

    notified = {
        order_id: local(emailed_at)
        for order_id, emailed_at in RecallNotice.objects.filter(batch=batch)
        .order_by()
        .values_list("order_id", "emailed_at")
    }
    scans_after = {}
    if batch.recalled_at:
        scans_after = dict(
            Scan.objects.filter(stamp__batch_id__in=ids, scanned_at__gte=batch.recalled_at)
            .values("stamp_id")
            .annotate(n=Count("pk"))
            .values_list("stamp_id", "n")
        )
    labels = {value: str(label) for value, label in S.choices}
    wards: dict[int, str] = {}

    def place(ward_code) -> str:
        if ward_code not in wards:
            try:
                wards[ward_code] = get_ward(ward_code).name
            except UnknownLocation:
                wards[ward_code] = ""
        return wards[ward_code]

    def row(values, batch_id, serial, units, scans) -> list:
        order_id, number, coop, status, name, phone, email, line, ward, shipped = values
        gtin, lot = lots[batch_id]
        ward_name = place(ward)
        return [
            gtin,
            lot,
            serial,
            units,
            number,
            coop,
            labels.get(status, status),
            name,
            phone,
            email,
            f"{line}, {ward_name}" if line and ward_name else line or ward_name,
            local(shipped),
            notified.get(order_id, ""),
            scans,
        ]

    prefix = tuple(f"line__{name}" for name in ORDER_FIELDS)
    stamped = ParcelStamp.objects.filter(stamp__batch_id__in=ids).exclude(
        line__suborder__status=S.CANCELLED
    )
    if cooperative_ids is not None:
        stamped = stamped.filter(line__suborder__cooperative_id__in=cooperative_ids)
    for values in (
        stamped.order_by("stamp__batch_id", "stamp__number")
        .values_list("stamp_id", "stamp__batch_id", "stamp__serial", *prefix)
        .iterator(chunk_size=REPORT_CHUNK)
    ):
        stamp_id, batch_id, serial = values[:3]
        yield row(values[3:], batch_id, serial, 1, scans_after.get(stamp_id, 0))
    unstamped = _lots(ids, cooperative_ids).filter(quantity__gt=F("stamped"))
    for values in (
        unstamped.order_by("batch_id", "pk")
        .values_list("batch_id", "quantity", "stamped", *prefix)
        .iterator(chunk_size=REPORT_CHUNK)
    ):
        batch_id, quantity, done = values[:3]
        yield row(values[3:], batch_id, "", quantity - done, "")


def drill(batch: Batch, *, user=None, cooperative_ids=None) -> RecallRun:
    """A mock recall: the reach and the whole report, timed and recorded; nothing changes."""
    started = time.perf_counter()
    found = reach(batch, cooperative_ids=cooperative_ids)
    rows = sum(1 for _row in report_rows(batch, cooperative_ids=cooperative_ids))
    took = int((time.perf_counter() - started) * 1000)
    counts = {**found.as_counts(), "report_rows": rows}
    return RecallRun.objects.create(
        batch=batch,
        kind=RecallRun.Kind.DRILL,
        actor=user if getattr(user, "pk", None) else None,
        duration_ms=took,
        counts=counts,
    )


def on_recall(batch: Batch, *, user=None) -> RecallRun:
    """The effects of recalling ``batch`` (inside ``batch_recall``'s transaction): its units
    still in stock leave sale, every order that received it (or an output of it) gets a
    notice and, through the outbox, one e-mail; the reach is recorded."""
    from catalog.models import Stock
    from catalog.stock import InsufficientStock, stock_take
    from marketplace.outbox import enqueue

    started = time.perf_counter()
    found = reach(batch)
    blocked = 0
    stock = Stock.objects.select_for_update().filter(variant_id=batch.variant_id).first()
    # Once: a recall run again (a retried task, the shell) takes nothing off sale twice.
    done = RecallRun.objects.filter(batch=batch, kind=RecallRun.Kind.RECALL).exists()
    if stock is not None and found.in_stock and not done:
        blocked = min(found.in_stock, stock.on_hand - stock.reserved)
        if blocked > 0:
            try:
                stock_take(variant_id=batch.variant_id, quantity=blocked)
            except InsufficientStock:  # pragma: no cover - the row is locked
                blocked = 0
    created = record_notices(batch)
    if created:
        enqueue("traceability.tasks.notify_recall", batch_id=batch.pk)
    took = int((time.perf_counter() - started) * 1000)
    counts = {**found.as_counts(), "blocked": max(blocked, 0), "notices": created}
    return RecallRun.objects.create(
        batch=batch,
        kind=RecallRun.Kind.RECALL,
        actor=user if getattr(user, "pk", None) else None,
        duration_ms=took,
        counts=counts,
    )


def record_notices(batch: Batch) -> int:
    """A notice for each order with a shipped parcel holding the batch or an output of it
    (once per order: a recall run again adds none)."""
    ids = reached_batches(batch)
    lots_by_order: dict[int, set[str]] = {}
    for order_id, lot in (
        LineLot.objects.filter(batch_id__in=ids, line__suborder__status__in=SHIPPED)
        .values_list("line__suborder__order_id", "batch__lot")
        .distinct()
    ):
        lots_by_order.setdefault(order_id, set()).add(lot)
    known = set(
        RecallNotice.objects.filter(batch=batch, order_id__in=lots_by_order).values_list(
            "order_id", flat=True
        )
    )
    new = [
        RecallNotice(batch=batch, order_id=order_id, lots=", ".join(sorted(lots))[:200])
        for order_id, lots in lots_by_order.items()
        if order_id not in known
    ]
    RecallNotice.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
    return len(new)


NOTIFY_CHUNK = 500


def notify(batch_id: int) -> int:
    """Queue one e-mail per notice not sent yet (through the outbox, in chunks)."""
    from marketplace.outbox import enqueue

    queued = 0
    pending = RecallNotice.objects.filter(batch_id=batch_id, emailed_at__isnull=True)
    ids = list(pending.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), NOTIFY_CHUNK):
        with transaction.atomic():
            for notice_id in ids[start : start + NOTIFY_CHUNK]:
                enqueue("traceability.tasks.send_recall_notice", notice_id=notice_id)
                queued += 1
    return queued


def send_notice(notice_id: int) -> bool:
    """E-mail one shopper about a recall, in the language they ordered in; once."""
    from marketplace.mail import send_templated
    from orders.links import tracking_url

    with transaction.atomic():
        notice = (
            RecallNotice.objects.select_for_update()
            .select_related("batch__variant__page", "order")
            .filter(pk=notice_id)
            .first()
        )
        if notice is None or notice.emailed_at is not None:
            return False
        order = notice.order
        send_templated(
            "orders/email/recall_notice",
            {
                "order": order,
                "batch": notice.batch,
                "lots": notice.lots,
                "tracking_url": tracking_url(order),
            },
            [order.email],
            order.language,
        )
        notice.emailed_at = timezone.now()
        notice.save(update_fields=["emailed_at"])
    return True


def notices_for(order: Order) -> list[RecallNotice]:
    """What the shopper's order page says of recalls."""
    return list(
        RecallNotice.objects.filter(order=order)
        .select_related("batch__variant__page", "batch__cooperative")
        .order_by("-batch__recalled_at")
    )


def recalled_in_parcel(suborder: SubOrder) -> list[str]:
    """Lots of the parcel that were recalled since packing (shipping them is refused)."""
    return sorted(
        set(
            LineLot.objects.filter(
                line__suborder=suborder, batch__status=Batch.Status.RECALLED
            ).values_list("batch__lot", flat=True)
        )
    )
