"""EPCIS 2.0 JSON-LD export of a batch's trace events (GS1 EPCIS 2.0 / CBV 2.0).

Identifiers are GS1 Digital Link URIs on the canonical ``id.gs1.org`` domain: the lot as a
class-level identifier (``/01/{gtin}/10/{lot}``), stamps as instance-level ones
(``/01/{gtin}/10/{lot}/21/{serial}``). Read points are communes, named by our own URI
(EPCIS allows any URI where no GLN exists).
"""

from decimal import Decimal

from django.utils import timezone

from . import vocab
from .digital_link import stamp_path
from .models import Batch

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
GS1_DOMAIN = "https://id.gs1.org"
PLACE_URI = "https://ocop.vn/place/vn/ward/"
OCOP_CONTEXT = {"ocop": vocab.OCOP_VOCAB}


def lot_class_uri(batch: Batch) -> str:
    path = stamp_path(batch.gtin, batch.lot, "X")
    return GS1_DOMAIN + path[: -len("/21/X")]


def _quantity(value, unit: str, epc_class: str) -> dict:
    item = {"epcClass": epc_class, "quantity": float(Decimal(value))}
    if unit:
        item["uom"] = unit
    return item


def event_json(event, batch: Batch, lot_uri: str) -> dict:
    step = vocab.STEPS[event.step]
    data = {
        "type": step.event_type,
        "eventID": f"urn:uuid:{event.event_id}",
        "eventTime": event.event_time.astimezone(timezone.UTC).isoformat().replace("+00:00", "Z"),
        "eventTimeZoneOffset": event.time_zone_offset,
    }
    quantity = event.output_quantity or None
    if step.event_type == vocab.TRANSFORMATION:
        if event.input_quantity:
            data["inputQuantityList"] = [_quantity(event.input_quantity, event.unit, lot_uri)]
        if quantity:
            data["outputQuantityList"] = [_quantity(quantity, event.unit, lot_uri)]
    else:
        data["action"] = step.action
        data["quantityList"] = [
            _quantity(quantity, event.unit, lot_uri)
            if quantity
            else {"epcClass": lot_uri, "quantity": float(batch.quantity), "uom": "H87"}
        ]
    data["bizStep"] = step.biz_step
    data["disposition"] = event.effective_disposition
    data["readPoint"] = {"id": f"{PLACE_URI}{event.ward_code}"}
    if step.action == "ADD" and step.event_type == vocab.OBJECT:
        ilmd = {}
        ilmd["cbvmda:lotNumber"] = batch.lot
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
    events = [event_json(e, batch, lot_uri) for e in batch.events.all().order_by("event_time")]
    return {
        "@context": [EPCIS_CONTEXT, OCOP_CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": timezone.now().astimezone(timezone.UTC).isoformat().replace("+00:00", "Z"),
        "epcisBody": {"eventList": events},
    }
