"""Demo traceability data, drawn from the seeds: the La Bằng tea batch with its processing
steps and 500 active stamps, a La Hiên custard apple batch from the August harvest, and a
recalled batch. Idempotent: each part is made only when missing.

Stamp no. 1 of each batch gets a fixed serial so the README can link a genuine stamp (the
dev signing key is derived from SECRET_KEY, so its signature is the same on every machine).
"""

import datetime

from django.contrib.auth import get_user_model
from django.db.models import Q

from catalog.models import ProductVariant
from traceability import scans
from traceability.issuing import issue_stamps
from traceability.models import Batch, Scan, Stamp, TraceEvent
from traceability.services import (
    batch_add_input,
    batch_recall,
    batch_release,
    stamp_order_create,
)
from traceability.signing import sign_path, stamp_tag
from traceability.tasks import render_print_files

ICT = datetime.timezone(datetime.timedelta(hours=7))
LA_BANG, LA_HIEN = 5818, 5740
THAI_NGUYEN, HA_NOI, HO_CHI_MINH = 19, 1, 79


def _at(day: str, hour: str = "08:00") -> datetime.datetime:
    return datetime.datetime.fromisoformat(f"{day}T{hour}").replace(tzinfo=ICT)


BATCHES = [
    {
        "sku": "LB-TEA-BUP-200",
        "lot": "LB2603A",
        "production_date": "2026-03-20",
        "best_before": "2027-03-20",
        "quantity": 2000,
        "field_area": "Đồi chè xóm Khuôn Ngàn và Đồng Kiệm, xã La Bằng (dưới chân núi Tam Đảo)",
        "notes": "Chè búp vụ xuân: hái một tôm hai lá, sao suốt bằng tôn quay.",
        "stamps": 500,
        "serial": "DEMOLB2603A00001",
        "events": [
            ("harvesting", "2026-03-18", "06:30", LA_BANG, None, "620", "Hái tay một tôm hai lá"),
            ("withering", "2026-03-18", "14:00", LA_BANG, "620", "560", "Làm héo 4 giờ"),
            ("rolling", "2026-03-19", "07:00", LA_BANG, "560", "540", "Vò bằng máy vò chè"),
            ("drying", "2026-03-19", "10:00", LA_BANG, "540", "410", "Sao khô bằng tôn quay"),
            ("packing", "2026-03-20", "08:00", LA_BANG, None, None, "Đóng túi 200 g hút chân"),
            ("inspecting", "2026-03-22", "09:00", LA_BANG, None, None, "Cảm quan, độ ẩm đạt"),
        ],
        "release": True,
    },
    {
        "sku": "LH-NA-L1-5KG",
        "lot": "LH2608A",
        "production_date": "2026-08-18",
        "best_before": "2026-08-28",
        "quantity": 700,
        "field_area": "Vườn na xóm Khuôn Loông, xã La Hiên",
        "notes": "Na dai vụ tháng 8, hái khi vừa già.",
        "stamps": 100,
        "serial": "DEMOLH2608A00001",
        "events": [
            ("harvesting", "2026-08-18", "05:30", LA_HIEN, None, "3500", "Hái na vừa già"),
            ("sorting", "2026-08-18", "10:00", LA_HIEN, None, "3500", "Phân loại quả từ 300 g"),
            ("packing", "2026-08-18", "15:00", LA_HIEN, None, None, "Đóng thùng 5 kg"),
            ("shipping", "2026-08-19", "06:00", LA_HIEN, None, None, "Giao cho đơn vị vận chuyển"),
        ],
        "release": True,
    },
    {
        "sku": "LH-NA-L1-5KG",
        "lot": "NLH2608R",
        "production_date": "2026-08-25",
        "best_before": "2026-09-04",
        "quantity": 300,
        "field_area": "Vườn na xóm Đồng Dong, xã La Hiên",
        "notes": "",
        "stamps": 50,
        "serial": "DEMONLH2608R0001",
        "events": [
            ("harvesting", "2026-08-25", "05:30", LA_HIEN, None, "1500", ""),
            ("packing", "2026-08-25", "14:00", LA_HIEN, None, None, ""),
        ],
        "release": True,
        "recall": (
            "Mẫu kiểm tra của Chi cục Quản lý chất lượng phát hiện dư lượng thuốc bảo vệ thực vật "
            "vượt ngưỡng cho phép; thu hồi toàn bộ lô để kiểm tra lại."
        ),
    },
    {
        # Gift boxes packed from the spring tea (two 100 g tins each): its input is LB2603A.
        "sku": "LB-TEA-QUA-200",
        "lot": "LBQ2604A",
        "production_date": "2026-04-06",
        "best_before": "2027-03-20",
        "quantity": 60,
        "field_area": "Xưởng đóng gói HTX chè La Bằng",
        "notes": "Hộp quà Tết: hai hộp thiếc 100 g chè lô LB2603A.",
        "stamps": 60,
        "serial": "DEMOLBQ2604A0001",
        "events": [
            ("packing", "2026-04-06", "08:00", LA_BANG, None, None, "Đóng hộp quà 2 x 100 g"),
        ],
        "inputs": [("LB2603A", "120", "H87")],
        "release": True,
    },
]


def _batch(data: dict) -> Batch:
    variant = ProductVariant.objects.select_related("page").get(sku=data["sku"])
    batch = Batch.objects.filter(gtin=variant.gtin, lot=data["lot"]).first()
    if batch is None:
        batch = Batch(variant=variant, lot=data["lot"])
    for field in ("production_date", "best_before"):
        setattr(batch, field, datetime.date.fromisoformat(data[field]))
    batch.quantity = data["quantity"]
    batch.field_area, batch.notes = data["field_area"], data["notes"]
    batch.full_clean()
    batch.save()
    if not batch.events.exists():
        for step, day, hour, ward, qty_in, qty_out, note in data["events"]:
            TraceEvent.objects.create(
                batch=batch,
                step=step,
                event_time=_at(day, hour),
                read_point_ward_code=ward,
                input_quantity=qty_in,
                output_quantity=qty_out,
                unit="KGM" if (qty_in or qty_out) else "",
                note=note,
            )
    return batch


def _inputs(batch: Batch, inputs) -> None:
    for lot, quantity, unit in inputs:
        source = Batch.objects.get(lot=lot, cooperative=batch.cooperative)
        if not batch.inputs.filter(input=source).exists():
            batch_add_input(output=batch, input_batch=source, quantity=quantity, unit=unit)


def _stamps(batch: Batch, data: dict) -> None:
    if batch.stamps.exists():
        return
    order = stamp_order_create(batch=batch, count=data["stamps"], run=False)
    issue_stamps(order.pk)
    first = batch.stamps.get(number=1)
    signed = sign_path(batch.gtin, batch.lot, data["serial"])
    key_id, _, signature = signed.partition(".")
    Stamp.objects.filter(pk=first.pk).update(
        serial=data["serial"],
        key_id=key_id,
        signature=signature,
        tag=stamp_tag(batch.gtin, batch.lot, data["serial"], signed),
    )
    render_print_files(order.pk)


def _scans(batch: Batch) -> None:
    """A few days of scans, written through the same bulk path as live ones."""
    if Scan.objects.filter(stamp__batch=batch).exists():
        return
    stamps = {s.number: s for s in batch.stamps.filter(number__lte=12)}
    entries = []

    def scan(number, at, province, ua="Mozilla/5.0 (Linux; Android 14) Zalo"):
        stamp = stamps[number]
        entries.append(
            {
                "stamp": stamp.pk,
                "gtin": stamp.gtin,
                "lot": batch.lot,
                "serial": stamp.serial,
                "verdict": "genuine",
                "at": at.isoformat(),
                "province": province,
                "lat": None,
                "lon": None,
                "ua": ua,
                "inspector": None,
            }
        )

    scan(1, _at("2026-04-02", "19:10"), HA_NOI)
    scan(1, _at("2026-04-05", "08:45"), HA_NOI)
    scan(2, _at("2026-04-03", "10:00"), THAI_NGUYEN)
    # The same stamp in Thái Nguyên and in Hồ Chí Minh City three hours apart: a copied code.
    scan(9, _at("2026-04-10", "09:00"), THAI_NGUYEN)
    scan(9, _at("2026-04-10", "12:00"), HO_CHI_MINH)
    # One stamp scanned 25 times in a day: a photocopied label on many bags.
    for minute in range(25):
        scan(12, _at("2026-04-12", f"10:{minute:02d}"), HA_NOI)
    scans.write(entries)


def load_traceability_demo(log=print) -> None:
    operator = get_user_model().objects.filter(Q(username="operator")).first()
    for data in BATCHES:
        batch = _batch(data)
        _inputs(batch, data.get("inputs", ()))
        _stamps(batch, data)
        if data.get("release") and batch.status == Batch.Status.DRAFT:
            batch = batch_release(batch=batch, user=operator)
        if data.get("recall") and batch.status != Batch.Status.RECALLED:
            batch = batch_recall(batch=batch, reason=data["recall"], user=operator)
        if batch.lot == "LB2603A":
            _scans(batch)
    log(f"Traceability: {Batch.objects.count()} batches, {Stamp.objects.count()} stamps")
