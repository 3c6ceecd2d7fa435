"""EPCIS 2.0 JSON-LD export of a batch's trace events (GS1 EPCIS 2.0 / CBV 2.0).

Identifiers are GS1 Digital Link URIs on the canonical ``id.gs1.org`` domain: the lot as a
class-level identifier (``/01/{gtin}/10/{lot}``), stamps as instance-level ones
(``/01/{gtin}/10/{lot}/21/{serial}``, without the signature: it is not part of the identity).
Read points are communes, named by our own URI (EPCIS allows any URI where no GLN exists).

Beyond the events a cooperative records (``TraceEvent``), the document derives three kinds
from what the marketplace knows:

- one step up, a ``TransformationEvent`` from the lots the batch was made from
  (``BatchInput``) to the batch;
- one step down, for each shopper's parcel that shipped units of the batch, a packing
  ``AggregationEvent`` (its stamps and units recorded by batch into the parcel) and a shipping
  ``ObjectEvent`` naming the sub-order as a purchase order and the shopper's commune as the
  destination. Never the shopper's name, phone, e-mail or street address: the commune is
  what a recall needs to know of where the units went; who is in the recall report.

Their eventIDs are UUIDs derived from stable keys (the lot, the parcel), so a second export
gives the same ids and a partner's repository keeps one copy of each event.

Checked against the official EPCIS 2.0 JSON Schema in ``tests/traceability/test_epcis.py``.
"""

import datetime
import uuid
import zoneinfo
from decimal import Decimal

from django.utils import timezone

from . import vocab
from .digital_link import stamp_path
from .models import Batch, BatchInput, LineLot, ParcelStamp, Stamp
from .recall import SHIPPED

# The context the EPCIS 2.0 standard pins (``schemaVersion`` "2.0"). It defines the ``cbvmda``
# prefix (``urn:epcglobal:cbv:mda:``) that the CBV master data attributes in ``ilmd`` use.
EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
GS1_DOMAIN = "https://id.gs1.org"
PLACE_URI = "https://ocop.vn/place/vn/ward/"
# A shopper's parcel has no SSCC (the carrier's label is not GS1): named by a URI of our own,
# as EPCIS 2.0 allows for a parentID. One sub-order is one parcel.
PARCEL_URI = "https://ocop.vn/parcel/"
# The sub-order as a business transaction: the shopper's order number and the sub-order (an
# order to several cooperatives has one sub-order, and one parcel, per cooperative).
ORDER_URI = "https://ocop.vn/order/"
# Our own terms (``ocop:note``); a new prefix, so the protected EPCIS context allows it.
OCOP_CONTEXT = {"ocop": vocab.OCOP_VOCAB}

# Steps on finished units: from here on a unit may carry a stamp, its instance identifier.
STAMPED_STEPS = frozenset(
    {"commissioning", "packing", "inspecting", "storing", "shipping", "receiving"}
)
EPC_LIST_LIMIT = 10_000
# UN/CEFACT "piece": EPCIS expresses a count as a quantity without uom.
PIECES = "H87"
VIETNAM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def _utc(value) -> str:
    return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def lot_class_uri(batch: Batch) -> str:
    path = stamp_path(batch.gtin, batch.lot, "X")
    return GS1_DOMAIN + path[: -len("/21/X")]


def _stamp_prefix(batch: Batch) -> str:
    """A stamp's instance identifier less its serial."""
    # Serials are base32 (A-Z, 2-7): they never need percent-encoding after the prefix.
    return GS1_DOMAIN + stamp_path(batch.gtin, batch.lot, "X")[: -len("X")]


def stamp_uris(batch: Batch) -> list[str]:
    """Instance identifiers of the batch's stamps that are (or will be) on units: not voided."""
    prefix = _stamp_prefix(batch)
    serials = (
        batch.stamps.exclude(status=Stamp.Status.VOIDED)
        .order_by("number")
        .values_list("serial", flat=True)
    )
    return [prefix + serial for serial in serials]


def transformation_id(lot_uri: str) -> str:
    """One id for all processing steps of a lot (fresh leaves to finished tea), stable per lot.

    EPCIS links TransformationEvents that share a ``transformationID``; it also lets a step
    record only what went in (or only what came out).
    """
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, lot_uri + '#processing')}"


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _quantity(epc_class: str, value=None, unit: str = "") -> dict:
    """A QuantityElement; no value means "quantity not recorded" (EPCIS 2.0 allows it)."""
    item = {"epcClass": epc_class}
    if value is None:
        return item
    value = Decimal(value)
    if unit == PIECES and value == value.to_integral_value():
        item["quantity"] = int(value)  # a count: no uom
    else:
        item["quantity"] = _number(value)
        if unit:
            item["uom"] = unit
    return item


def event_json(event, batch: Batch, lot_uri: str, stamps: list[str] | None = None) -> dict:
    """One trace event as an EPCIS 2.0 event. ``stamps``: the batch's ``stamp_uris``."""
    step = vocab.STEPS[event.step]
    data = {
        "type": step.event_type,
        "eventID": f"urn:uuid:{event.event_id}",
        "eventTime": _utc(event.event_time),
        "eventTimeZoneOffset": event.time_zone_offset,
    }
    recorded = event.output_quantity
    if step.event_type == vocab.TRANSFORMATION:
        # Both lists name the lot: its inputs (e.g. fresh leaves) have no GTIN of their own.
        if event.input_quantity is not None:
            data["inputQuantityList"] = [_quantity(lot_uri, event.input_quantity, event.unit)]
        if recorded is not None:
            data["outputQuantityList"] = [_quantity(lot_uri, recorded, event.unit)]
        data["transformationID"] = transformation_id(lot_uri)
    elif step.event_type == vocab.AGGREGATION:
        # Units of the lot packed into a logistic unit named by its SSCC.
        data["parentID"] = f"{GS1_DOMAIN}/00/{event.container_sscc}"
        data["action"] = step.action
        data["childQuantityList"] = [
            _quantity(lot_uri, recorded, event.unit) if recorded is not None else _quantity(lot_uri)
        ]
    else:
        data["action"] = step.action
        if recorded is not None:
            data["quantityList"] = [_quantity(lot_uri, recorded, event.unit)]
        elif event.step in STAMPED_STEPS:
            # The whole lot: stamped units by their serial, the rest by the lot (a count).
            if stamps:
                data["epcList"] = list(stamps)
            unstamped = batch.quantity - len(stamps or [])
            if unstamped > 0:
                data["quantityList"] = [_quantity(lot_uri, unstamped, PIECES)]
        else:
            data["quantityList"] = [_quantity(lot_uri)]
    data["bizStep"] = step.biz_step
    data["disposition"] = event.effective_disposition
    if event.ward_code:
        data["readPoint"] = {"id": f"{PLACE_URI}{event.ward_code}"}
    if step.action == "ADD" and step.event_type == vocab.OBJECT:
        # CBV 2.0 instance/lot master data, named with the context's cbvmda prefix.
        ilmd = {"cbvmda:lotNumber": batch.lot}
        if batch.best_before:
            ilmd["cbvmda:bestBeforeDate"] = batch.best_before.isoformat()
        ilmd["cbvmda:harvestStartDate"] = batch.production_date.isoformat()
        data["ilmd"] = ilmd
    if event.note:
        data["ocop:note"] = event.note
    return data


def _event_id(key: str) -> str:
    """A derived event's (or transformation's) id: the same on every export (uuid5 of a
    stable key)."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, key)}"


def _offset(value) -> str:
    """The ±hh:mm offset of ``value`` in Vietnam (where every step here happens)."""
    text = value.astimezone(VIETNAM).strftime("%z")
    return f"{text[:3]}:{text[3:]}"


def inputs_event(batch: Batch, lot_uri: str, rows: list[BatchInput]) -> dict:
    """The batch made from other lots (``BatchInput``), as one TransformationEvent.

    Its own transformationID (not the processing one: fresh leaves to made tea is another
    transformation, of the lot's own material). Time: the output's production date, at the
    start of that day in Vietnam. That is when the lots were combined (recording it may come
    days later: ``recorded_at`` is when someone typed it, not when it happened), and the
    product cannot be made before its own date; a recorded time of day is not known.
    """
    made = datetime.datetime.combine(batch.production_date, datetime.time(), tzinfo=VIETNAM)
    data = {
        "type": vocab.TRANSFORMATION,
        "eventID": _event_id(lot_uri + "#inputs-event"),
        "eventTime": _utc(made),
        "eventTimeZoneOffset": _offset(made),
        "inputQuantityList": [
            _quantity(lot_class_uri(row.input), row.quantity, row.unit) for row in rows
        ],
        "outputQuantityList": [_quantity(lot_uri, batch.quantity, PIECES)],
        "transformationID": _event_id(lot_uri + "#inputs"),
        # CBV 2.0 "creating_class_instance": a step where an instance, or a quantity, of a
        # class-level identifier is produced. That is what this records: a new lot (GTIN +
        # lot, a class-level identifier) made from other lots, its units counted by the lot.
        # Not "commissioning", which gives instance-level identifiers their first use (the
        # stamps are issued and activated on their own), nor "assembling", which puts parts
        # together into one product instance (a gift box is one lot of many boxes here).
        "bizStep": "creating_class_instance",
        "disposition": "active",
    }
    if batch.cooperative.ward_code:
        data["readPoint"] = {"id": f"{PLACE_URI}{batch.cooperative.ward_code}"}
    return data


def parcel_events(batch: Batch, lot_uri: str) -> list[dict]:
    """For each shopper's parcel that shipped units of the batch: its packing (stamps and
    units recorded by batch into the parcel) and its shipping, in the order they shipped.

    Only shipped parcels: until it ships a parcel may be opened again or cancelled (its units
    go back on the shelf), and an event once shared cannot be taken back.
    """
    lots = (
        LineLot.objects.filter(batch=batch, line__suborder__status__in=SHIPPED)
        .values(
            "line__suborder_id",
            "line__suborder__shipped_at",
            "line__suborder__order__number",
            "line__suborder__order__ward_code",
            "quantity",
            "stamped",
            "packed_at",
        )
        .order_by("line__suborder__shipped_at", "line__suborder_id", "pk")
    )
    parcels: dict[int, dict] = {}
    for row in lots:
        parcel = parcels.setdefault(
            row["line__suborder_id"],
            {
                "shipped_at": row["line__suborder__shipped_at"],
                "number": row["line__suborder__order__number"],
                "ward_code": row["line__suborder__order__ward_code"],
                "unstamped": 0,
                "packed_at": row["packed_at"],
                "stamps": [],
            },
        )
        parcel["unstamped"] += row["quantity"] - row["stamped"]
        parcel["packed_at"] = max(parcel["packed_at"], row["packed_at"])
    if not parcels:
        return []
    prefix = _stamp_prefix(batch)
    for suborder_id, serial, packed_at in (
        ParcelStamp.objects.filter(stamp__batch=batch, line__suborder_id__in=parcels)
        .order_by("stamp__number")
        .values_list("line__suborder_id", "stamp__serial", "packed_at")
    ):
        parcel = parcels[suborder_id]
        parcel["stamps"].append(prefix + serial)
        parcel["packed_at"] = max(parcel["packed_at"], packed_at)
    origin = batch.cooperative.ward_code
    events = []
    for suborder_id, parcel in parcels.items():
        parcel_uri = f"{PARCEL_URI}{suborder_id}"
        packed_at = parcel["packed_at"]
        shipped_at = parcel["shipped_at"] or packed_at
        units = [_quantity(lot_uri, parcel["unstamped"], PIECES)] if parcel["unstamped"] else []
        packing = {
            "type": vocab.AGGREGATION,
            "eventID": _event_id(f"{parcel_uri}#packing#{lot_uri}"),
            "eventTime": _utc(packed_at),
            "eventTimeZoneOffset": _offset(packed_at),
            "parentID": parcel_uri,
            "action": "ADD",
        }
        if parcel["stamps"]:
            packing["childEPCs"] = list(parcel["stamps"])
        if units:
            packing["childQuantityList"] = units
        packing["bizStep"] = "packing"
        packing["disposition"] = "in_progress"
        shipping = {
            "type": vocab.OBJECT,
            "eventID": _event_id(f"{parcel_uri}#shipping#{lot_uri}"),
            "eventTime": _utc(shipped_at),
            "eventTimeZoneOffset": _offset(shipped_at),
            "action": "OBSERVE",
        }
        if parcel["stamps"]:
            shipping["epcList"] = list(parcel["stamps"])
        if units:
            shipping["quantityList"] = units
        shipping["bizStep"] = "shipping"
        shipping["disposition"] = "in_transit"
        shipping["bizTransactionList"] = [
            {"type": "po", "bizTransaction": f"{ORDER_URI}{parcel['number']}/{suborder_id}"}
        ]
        # Where the parcel went: the shopper's commune, nothing finer.
        shipping["destinationList"] = [
            {"type": "location", "destination": f"{PLACE_URI}{parcel['ward_code']}"}
        ]
        if origin:
            place = {"id": f"{PLACE_URI}{origin}"}
            packing["readPoint"] = shipping["readPoint"] = place
            shipping["sourceList"] = [{"type": "location", "source": f"{PLACE_URI}{origin}"}]
        events += [packing, shipping]
    return events


def batch_document(batch: Batch) -> dict:
    """The EPCIS 2.0 document (a dict ready for ``json.dumps``): the batch's own trace events,
    then the transformation from its inputs, then its parcels' packing and shipping."""
    batch = Batch.objects.select_related("cooperative").get(pk=batch.pk)
    lot_uri = lot_class_uri(batch)
    # Instance identifiers while the list stays a reasonable size; a province-scale batch
    # (180,000 stamps) is described by its lot and a count instead of megabytes per event.
    stamps = stamp_uris(batch) if batch.stamps.count() <= EPC_LIST_LIMIT else []
    events = [
        event_json(e, batch, lot_uri, stamps)
        for e in batch.events.select_related("batch__cooperative").order_by("event_time", "pk")
    ]
    inputs = list(BatchInput.objects.filter(output=batch).select_related("input"))
    if inputs:
        events.append(inputs_event(batch, lot_uri, inputs))
    events += parcel_events(batch, lot_uri)
    return {
        "@context": [EPCIS_CONTEXT, OCOP_CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": _utc(timezone.now()),
        "epcisBody": {"eventList": events},
    }
