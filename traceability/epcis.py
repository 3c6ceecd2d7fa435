"""EPCIS 2.0 JSON-LD export of a batch's trace events (GS1 EPCIS 2.0 / CBV 2.0).

Identifiers are GS1 Digital Link URIs on the canonical ``id.gs1.org`` domain: the lot as a
class-level identifier (``/01/{gtin}/10/{lot}``), stamps as instance-level ones
(``/01/{gtin}/10/{lot}/21/{serial}``, without the signature: it is not part of the identity).
Read points are communes, named by our own URI (EPCIS allows any URI where no GLN exists).

Checked against the official EPCIS 2.0 JSON Schema in ``tests/traceability/test_epcis.py``.
"""

import datetime
import uuid
from decimal import Decimal

from django.utils import timezone

from . import vocab
from .digital_link import stamp_path
from .models import Batch, Stamp

# The context the EPCIS 2.0 standard pins (``schemaVersion`` "2.0"). It defines the ``cbvmda``
# prefix (``urn:epcglobal:cbv:mda:``) that the CBV master data attributes in ``ilmd`` use.
EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
GS1_DOMAIN = "https://id.gs1.org"
PLACE_URI = "https://ocop.vn/place/vn/ward/"
# Our own terms (``ocop:note``); a new prefix, so the protected EPCIS context allows it.
OCOP_CONTEXT = {"ocop": vocab.OCOP_VOCAB}

# Steps on finished units: from here on a unit may carry a stamp, its instance identifier.
STAMPED_STEPS = frozenset(
    {"commissioning", "packing", "inspecting", "storing", "shipping", "receiving"}
)
EPC_LIST_LIMIT = 10_000
# UN/CEFACT "piece": EPCIS expresses a count as a quantity without uom.
PIECES = "H87"


def _utc(value) -> str:
    return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def lot_class_uri(batch: Batch) -> str:
    path = stamp_path(batch.gtin, batch.lot, "X")
    return GS1_DOMAIN + path[: -len("/21/X")]


def stamp_uris(batch: Batch) -> list[str]:
    """Instance identifiers of the batch's stamps that are (or will be) on units: not voided."""
    # Serials are base32 (A-Z, 2-7): they never need percent-encoding after the prefix.
    prefix = GS1_DOMAIN + stamp_path(batch.gtin, batch.lot, "X")[: -len("X")]
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


def batch_document(batch: Batch) -> dict:
    """The EPCIS 2.0 document (a dict ready for ``json.dumps``)."""
    lot_uri = lot_class_uri(batch)
    # Instance identifiers while the list stays a reasonable size; a province-scale batch
    # (180,000 stamps) is described by its lot and a count instead of megabytes per event.
    stamps = stamp_uris(batch) if batch.stamps.count() <= EPC_LIST_LIMIT else []
    events = [
        event_json(e, batch, lot_uri, stamps)
        for e in batch.events.select_related("batch__cooperative").order_by("event_time", "pk")
    ]
    return {
        "@context": [EPCIS_CONTEXT, OCOP_CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": _utc(timezone.now()),
        "epcisBody": {"eventList": events},
    }
