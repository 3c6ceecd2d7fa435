"""Packing a sub-order: which lots and stamps went into each parcel (GS1's "one step down").

The packer scans the stamp on each unit (a phone's camera or a USB scanner typing the link);
a product the cooperative does not stamp records the batch it was filled from instead. Each
scan is checked at once, with ``stamp_verify`` and against the parcel's lines, and recorded
as data: ``LineLot`` (order line → batch, quantity) and ``ParcelStamp`` (stamp → order line).
A packed stamp moves to *shipped* through the stamp state machine (with its audit row).

``orders.services.suborder_pack`` allows *packed* only when ``missing_units`` is 0; cancelling
a sub-order before it ships calls ``unpack_all``, which frees its stamps and batch quantities.

Locks, always in this order: sub-order, its lines, the batch, the stamp. A recall locks the
batch first too, so a scan and a recall of the same batch never deadlock; the batch lock
also keeps two parcels from taking the last unit of a batch at once.
"""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Sum
from django.utils.translation import gettext as _

from marketplace.middleware import CONTROL
from marketplace.roles import member_cooperative_ids
from orders.models import OrderLine, SubOrder

from .digital_link import MalformedLink, parse_stamp_uri
from .models import Batch, LineLot, ParcelStamp, Stamp
from .services import TraceabilityError
from .states import stamp_transition
from .verification import FORGED, stamp_verify

# Packing happens between confirming and packed; a packed parcel can still be corrected
# until it ships (the packer opened the box again).
PACKABLE = (SubOrder.Status.CONFIRMED, SubOrder.Status.PACKED)
MAX_CODE_LENGTH = 400


class PackingError(TraceabilityError):
    """A scan or a choice refused; ``reason`` names the rule (tests, the screen's sound)."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


@dataclass
class LineProgress:
    line: OrderLine
    traced: bool  # has a GTIN: its lots must be recorded
    packed: int = 0
    stamped: int = 0  # of the packed units, those scanned by their stamps
    stamps: list = field(default_factory=list)  # ParcelStamp rows with their stamp and batch
    lots: list = field(default_factory=list)  # LineLot rows with their batch
    batches: list = field(default_factory=list)  # released batches with stock to choose from

    @property
    def missing(self) -> int:
        return max(self.line.quantity - self.packed, 0) if self.traced else 0


def _ensure_member(user, suborder: SubOrder) -> None:
    from django.core.exceptions import PermissionDenied

    ids = member_cooperative_ids(user) if user is not None else None
    if ids is not None and suborder.cooperative_id not in ids:
        raise PermissionDenied(_("This order belongs to another cooperative."))


def _locked_suborder(suborder: SubOrder) -> SubOrder:
    locked = SubOrder.objects.select_for_update().select_related("order").get(pk=suborder.pk)
    if locked.status not in PACKABLE:
        raise PackingError(
            _("Confirm the order before packing it; a shipped or cancelled one is closed."),
            "not_packable",
        )
    return locked


def batch_available(batch: Batch) -> int:
    """Units of the batch not yet packed into a parcel (its quantity less every parcel's)."""
    packed = LineLot.objects.filter(batch=batch).aggregate(n=Sum("quantity"))["n"] or 0
    return batch.quantity - packed


def packable_batches(variant_id: int | None) -> list[Batch]:
    """Released batches of the variant with units left, oldest first (first expired, first
    out), each with ``available`` set."""
    if variant_id is None:
        return []
    return packable_batches_by_variant([variant_id]).get(variant_id, [])


def packable_batches_by_variant(variant_ids) -> dict[int, list[Batch]]:
    """``packable_batches`` of several variants in one query (a packing screen's lines),
    each batch with ``available`` and ``stamped`` (stamps were issued for it) set."""
    ids = {pk for pk in variant_ids if pk is not None}
    if not ids:
        return {}
    batches = (
        Batch.objects.filter(variant_id__in=ids, status=Batch.Status.RELEASED)
        .annotate(
            packed=Sum("line_lots__quantity"),
            stamped=Exists(Stamp.objects.filter(batch=OuterRef("pk"))),
        )
        .order_by("production_date", "lot")
    )
    chosen: dict[int, list[Batch]] = {}
    for batch in batches:
        batch.available = batch.quantity - (batch.packed or 0)
        if batch.available > 0:
            chosen.setdefault(batch.variant_id, []).append(batch)
    return chosen


def progress(suborder: SubOrder, *, stamps: bool = True) -> list[LineProgress]:
    """Each line of the parcel with what is packed so far: its lots and counts in two queries
    for any size (a lot's ``stamped`` counts its units scanned by stamp, so no row per unit is
    read). With ``stamps``, each scanned unit's row too (one more query: what a screen lists)."""
    lines = list(suborder.lines.all().order_by("pk"))
    rows = {line.pk: LineProgress(line=line, traced=bool(line.gtin)) for line in lines}
    for lot in LineLot.objects.filter(line__in=lines).select_related("batch"):
        rows[lot.line_id].lots.append(lot)
        rows[lot.line_id].packed += lot.quantity
        rows[lot.line_id].stamped += lot.stamped
    if stamps:
        for parcel in (
            ParcelStamp.objects.filter(line__in=lines)
            .select_related("stamp__batch")
            .order_by("packed_at", "pk")
        ):
            rows[parcel.line_id].stamps.append(parcel)
    return list(rows.values())


def missing_units(suborder: SubOrder) -> int:
    return sum(row.missing for row in progress(suborder, stamps=False))


def _read_code(code) -> object:
    text = (code or "").strip() if isinstance(code, str) else ""
    if not text or len(text) > MAX_CODE_LENGTH or CONTROL.search(text):
        raise PackingError(_("This is not a stamp code."), "malformed")
    if text.startswith("/01/"):  # a path, as some scanner apps give it
        text = "https://x" + text
    try:
        return parse_stamp_uri(text)
    except MalformedLink as exc:
        raise PackingError(
            _("This is not a stamp code: %(reason)s") % {"reason": exc}, "malformed"
        ) from None


def pack_stamp(*, suborder: SubOrder, code: str, user=None) -> ParcelStamp:
    """Record the unit carrying the stamp ``code`` in this parcel, or raise ``PackingError``."""
    _ensure_member(user, suborder)
    parsed = _read_code(code)
    verdict = stamp_verify(parsed)
    if verdict.stamp is None:
        reason = verdict.reasons[0] if verdict.reasons else ""
        raise PackingError(
            _("Forged or unknown stamp: %(reason)s") % {"reason": reason},
            "forged" if verdict.verdict == FORGED else "malformed",
        )
    found = verdict.stamp
    if found.batch.cooperative_id != suborder.cooperative_id:
        raise PackingError(
            _("This stamp belongs to another cooperative's batch."), "other_cooperative"
        )
    with transaction.atomic():
        locked = _locked_suborder(suborder)
        lines = list(OrderLine.objects.select_for_update().filter(suborder=locked, gtin=found.gtin))
        if not lines:
            raise PackingError(
                _("Stamp of %(product)s (lot %(lot)s): that product is not in this parcel.")
                % {"product": found.batch.variant, "lot": found.batch.lot},
                "not_in_parcel",
            )
        batch = Batch.objects.select_for_update().get(pk=found.batch_id)
        stamp = Stamp.objects.select_for_update().get(pk=found.pk)
        _check_stamp(stamp, batch)
        packed = dict(
            LineLot.objects.filter(line__in=lines)
            .values("line_id")
            .annotate(n=Sum("quantity"))
            .values_list("line_id", "n")
        )
        line = next((li for li in lines if packed.get(li.pk, 0) < li.quantity), None)
        if line is None:
            raise PackingError(
                _("Every unit of %(product)s in this parcel is already packed.")
                % {"product": f"{lines[0].product_title} — {lines[0].unit_label}"},
                "line_full",
            )
        if batch_available(batch) < 1:
            raise PackingError(
                _("Batch %(lot)s has no units left to pack: check its quantity.")
                % {"lot": batch.lot},
                "no_stock",
            )
        try:
            with transaction.atomic():
                parcel = ParcelStamp.objects.create(stamp=stamp, line=line, packed_by=_actor(user))
        except IntegrityError:
            raise _already_packed(stamp) from None
        _add_to_lot(line, batch, 1, stamped=1, user=user)
        stamp_transition(
            stamp=stamp,
            to_status=Stamp.Status.SHIPPED,
            actor=user,
            reason=f"packed in {locked.order.number}",
        )
    stamp.batch = batch
    parcel.stamp = stamp
    return parcel


def _check_stamp(stamp: Stamp, batch: Batch) -> None:
    if stamp.status == Stamp.Status.VOIDED:
        raise PackingError(_("This stamp was voided: it must not be on a product."), "voided")
    if batch.status == Batch.Status.RECALLED or stamp.status == Stamp.Status.RECALLED:
        raise PackingError(
            _("Batch %(lot)s was recalled: set this unit aside.") % {"lot": batch.lot}, "recalled"
        )
    if stamp.status == Stamp.Status.SHIPPED:
        raise _already_packed(stamp)
    if batch.status != Batch.Status.RELEASED or stamp.status != Stamp.Status.ACTIVE:
        raise PackingError(
            _("Batch %(lot)s is not released for sale yet.") % {"lot": batch.lot}, "not_released"
        )


def _already_packed(stamp: Stamp) -> PackingError:
    parcel = ParcelStamp.objects.filter(stamp=stamp).select_related("line__suborder__order")
    parcel = parcel.first()
    where = parcel.line.suborder.order.number if parcel else "?"
    return PackingError(
        _("This stamp is already packed, in order %(order)s.") % {"order": where},
        "already_packed",
    )


def _actor(user):
    return user if getattr(user, "pk", None) else None


def _add_to_lot(line: OrderLine, batch: Batch, quantity: int, *, stamped: int, user) -> None:
    updated = LineLot.objects.filter(line=line, batch=batch).update(
        quantity=F("quantity") + quantity, stamped=F("stamped") + stamped, packed_by=_actor(user)
    )
    if not updated:
        LineLot.objects.create(
            line=line, batch=batch, quantity=quantity, stamped=stamped, packed_by=_actor(user)
        )


def pack_batch(*, suborder: SubOrder, line_id, batch_id, quantity, user=None) -> LineLot:
    """Record that ``quantity`` units of a line (a product without stamps) came from a batch."""
    _ensure_member(user, suborder)
    try:
        quantity = int(quantity)
        line_id, batch_id = int(line_id), int(batch_id)
    except (TypeError, ValueError):
        raise PackingError(_("Give a whole number of units."), "quantity") from None
    if quantity < 1:
        raise PackingError(_("Give a whole number of units."), "quantity")
    with transaction.atomic():
        locked = _locked_suborder(suborder)
        line = OrderLine.objects.select_for_update().filter(suborder=locked, pk=line_id).first()
        if line is None:
            raise PackingError(_("That line is not in this parcel."), "not_in_parcel")
        batch = Batch.objects.select_for_update().filter(pk=batch_id).first()
        if batch is None or batch.cooperative_id != locked.cooperative_id:
            raise PackingError(_("That batch belongs to another cooperative."), "other_cooperative")
        if batch.variant_id != line.variant_id:
            raise PackingError(
                _("Batch %(lot)s is of another product.") % {"lot": batch.lot}, "not_in_parcel"
            )
        if batch.status == Batch.Status.RECALLED:
            raise PackingError(
                _("Batch %(lot)s was recalled: set this unit aside.") % {"lot": batch.lot},
                "recalled",
            )
        if batch.status != Batch.Status.RELEASED:
            raise PackingError(
                _("Batch %(lot)s is not released for sale yet.") % {"lot": batch.lot},
                "not_released",
            )
        packed = line.lots.aggregate(n=Sum("quantity"))["n"] or 0
        if quantity > line.quantity - packed:
            raise PackingError(
                _("Only %(n)s unit(s) of this line are left to pack.")
                % {"n": line.quantity - packed},
                "quantity",
            )
        available = batch_available(batch)
        if quantity > available:
            raise PackingError(
                _("Batch %(lot)s has only %(n)s unit(s) left.")
                % {"lot": batch.lot, "n": available},
                "no_stock",
            )
        _add_to_lot(line, batch, quantity, stamped=0, user=user)
    return LineLot.objects.get(line=line, batch=batch)


def unpack_stamp(*, suborder: SubOrder, stamp_id, user=None, reason: str = "unpacked") -> None:
    """Take one stamped unit out of the parcel again (a packer's mistake)."""
    _ensure_member(user, suborder)
    with transaction.atomic():
        locked = _locked_suborder(suborder)
        parcel = (
            ParcelStamp.objects.select_related("stamp")
            .filter(line__suborder=locked, stamp_id=stamp_id)
            .first()
        )
        if parcel is None:
            raise PackingError(_("That stamp is not in this parcel."), "not_in_parcel")
        _unpack_stamps([parcel], user=user, reason=reason)


def unpack_lot(*, suborder: SubOrder, lot_id, user=None) -> None:
    """Take the units recorded by batch (not by stamp) of one line's lot out again."""
    _ensure_member(user, suborder)
    with transaction.atomic():
        locked = _locked_suborder(suborder)
        lot = LineLot.objects.select_for_update().filter(line__suborder=locked, pk=lot_id).first()
        if lot is None or lot.quantity == lot.stamped:
            raise PackingError(_("Nothing recorded by batch to take out."), "not_in_parcel")
        if lot.stamped:
            LineLot.objects.filter(pk=lot.pk).update(quantity=lot.stamped)
        else:
            lot.delete()


def unpack_all(suborder: SubOrder, *, user=None, reason: str = "cancelled") -> None:
    """A sub-order cancelled before shipping: its stamps are active again, its batch
    quantities free. Call inside the cancelling transaction."""
    parcels = list(ParcelStamp.objects.select_related("stamp").filter(line__suborder=suborder))
    _unpack_stamps(parcels, user=user, reason=reason)
    LineLot.objects.filter(line__suborder=suborder).delete()


def _unpack_stamps(parcels, *, user, reason: str) -> None:
    for parcel in parcels:
        stamp = parcel.stamp
        lot = LineLot.objects.select_for_update().get(
            line_id=parcel.line_id, batch_id=stamp.batch_id
        )
        if lot.quantity <= 1:
            lot.delete()
        else:
            LineLot.objects.filter(pk=lot.pk).update(
                quantity=F("quantity") - 1, stamped=F("stamped") - 1
            )
        parcel.delete()
        if Stamp.objects.filter(pk=stamp.pk, status=Stamp.Status.SHIPPED).exists():
            # A recalled or voided stamp stays so; a packed one is on the shelf again.
            stamp_transition(stamp=stamp, to_status=Stamp.Status.ACTIVE, actor=user, reason=reason)
