"""Demo orders: something for the cooperatives to fulfil in the admin after ``serve``.

A cash-on-delivery order of the demo shopper across two cooperatives (new: to confirm) and a
VietQR order paid by bank transfer, then packed with a stamp of lot LB2603A and shipped, so
the batch's EPCIS export shows its packing and shipping and a recall drill on LB2603A reaches
it. Idempotent: fixed order numbers.
"""

from django.contrib.auth import get_user_model
from django.db import transaction

from catalog.models import ProductVariant
from orders.models import Order, SubOrder
from orders.services import (
    CheckoutLine,
    Customer,
    payment_succeeded,
    place_order,
    suborder_confirm,
    suborder_pack,
    suborder_ship,
)

DEMO_ORDERS = [
    {
        "number": "DHDEMQ2345",
        "method": "cod",
        "lines": [("LB-TEA-BUP-200", 2), ("MV-MO-HR-500", 1)],
    },
    {
        "number": "DHDEMQ2346",
        "method": "vietqr",
        "lines": [("LB-TEA-BUP-200", 1)],
        "paid_by": "FT26332DEMO01",
        # Packed with stamp no. 20 of LB2603A (not one the README or the demo scans use).
        "ship": {"lot": "LB2603A", "stamp": 20, "carrier": "VNPost", "tracking": "EB125834261VN"},
    },
]


def load_orders_demo(log=print) -> None:
    shopper = get_user_model().objects.filter(username="shopper").first()
    customer = Customer(
        full_name="Nguyễn Thị Lan",
        phone="0912345678",
        email="shopper@ocop.local",
        province_code=1,
        ward_code=4,  # Phường Ba Đình, Hà Nội
        address_line="12 Phố Hàng Bông",
        delivery_note="Gọi trước khi giao",
    )
    for data in DEMO_ORDERS:
        if Order.objects.filter(number=data["number"]).exists():
            continue
        variants = {
            v.sku: v for v in ProductVariant.objects.filter(sku__in=[s for s, _ in data["lines"]])
        }
        if len(variants) != len(data["lines"]):
            log(f"demo order {data['number']}: a product is missing, skipped")
            continue
        with transaction.atomic():
            order = place_order(
                lines=[
                    CheckoutLine(variants[sku].pk, quantity, variants[sku].price)
                    for sku, quantity in data["lines"]
                ],
                customer=customer,
                payment_method=data["method"],
                user=shopper,
            )
            Order.objects.filter(pk=order.pk).update(number=data["number"])
            if data.get("paid_by"):
                payment_succeeded(
                    order.payments.get(), provider_ref=data["paid_by"], reason="demo transfer"
                )
    for data in DEMO_ORDERS:
        if data.get("ship"):
            _ship(data["number"], **data["ship"], log=log)


def _ship(number: str, *, lot: str, stamp: int, carrier: str, tracking: str, log) -> None:
    """Confirm, pack (by the stamp's link, as a packer's scanner types it) and ship."""
    from traceability.models import ParcelStamp, Stamp
    from traceability.packing import pack_stamp

    suborder = SubOrder.objects.filter(order__number=number).first()
    found = Stamp.objects.filter(batch__lot=lot, number=stamp).select_related("batch").first()
    if suborder is None or found is None:
        log(f"demo order {number}: not shipped (no order or no stamp {lot} #{stamp})")
        return
    with transaction.atomic():
        if suborder.status == SubOrder.Status.NEW:
            suborder = suborder_confirm(suborder, actor=None)
        if suborder.status == SubOrder.Status.CONFIRMED:
            if not ParcelStamp.objects.filter(stamp=found).exists():
                pack_stamp(suborder=suborder, code=found.uri)
            suborder = suborder_pack(suborder, actor=None)
        if suborder.status == SubOrder.Status.PACKED:
            suborder_ship(suborder, actor=None, carrier=carrier, tracking_number=tracking)
