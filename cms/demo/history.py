"""Three months of past trade for the demo, so the dashboards and reports have something to
show: finished orders of every cooperative (delivered, cancelled, expired; every payment
method; shoppers across the country) and a few weeks of stamp scans in several provinces.

Written straight to the tables (the checkout and the scan buffer are what made such rows; they
are tested on their own): finished orders hold no stock, so the catalogue's stock is left as
the seeds give it. Deterministic (a fixed seed), dated back from the day of loading, and
idempotent: orders have fixed numbers, scans a marker, and neither is written twice.
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from catalog.models import ProductVariant
from orders.models import ORDER_NUMBER_ALPHABET, Order, OrderLine, Payment, StatusChange, SubOrder
from traceability import scans
from traceability.models import Batch, Scan, Stamp

ORDERS = 160
DAYS = 90
SCAN_MARK = "OCOP demo history"
# Where shoppers live: (province code, a ward of it, weight).
DESTINATIONS = [
    (1, 4, 30),  # Hà Nội, Phường Ba Đình
    (79, 25747, 20),  # Thành phố Hồ Chí Minh, Phường Thủ Dầu Một
    (19, 1840, 12),  # Thái Nguyên, Phường Đức Xuân
    (48, 20195, 8),  # Thành phố Đà Nẵng, Phường Hải Vân
    (31, 10510, 6),  # Thành phố Hải Phòng, Phường Thành Đông
    (8, 691, 4),  # Tuyên Quang, Phường Hà Giang 2
    (92, 31120, 5),  # Thành phố Cần Thơ, Phường Cái Khế
]
STATES = [("delivered", 75), ("cancelled", 10), ("expired", 8), ("shipped", 7)]
METHODS = [("cod", 45), ("vietqr", 40), ("card", 15)]


def _number(n: int) -> str:
    digits = []
    for _ in range(4):
        n, rest = divmod(n, len(ORDER_NUMBER_ALPHABET))
        digits.append(ORDER_NUMBER_ALPHABET[rest])
    return "DHDEMH" + "".join(reversed(digits))


def _pick(rng: random.Random, weighted: list[tuple]) -> tuple:
    return rng.choices(weighted, weights=[w[-1] for w in weighted])[0]


@transaction.atomic
def load_history_demo(log=print) -> None:
    rng = random.Random(2026)
    now = timezone.now()
    variants = list(
        ProductVariant.objects.filter(is_active=True, page__live=True)
        .select_related("page__cooperative")
        .order_by("sku")
    )
    if not variants:
        return
    made = 0
    for n in range(ORDERS):
        number = _number(n)
        if Order.objects.filter(number=number).exists():
            continue
        placed = now - datetime.timedelta(days=rng.uniform(1, DAYS), hours=rng.uniform(0, 12))
        province, ward, _ = _pick(rng, DESTINATIONS)
        method = _pick(rng, METHODS)[0]
        state = _pick(rng, STATES)[0]
        chosen = rng.sample(variants, k=rng.choice([1, 1, 2, 3]))
        by_coop: dict = {}
        for variant in chosen:
            by_coop.setdefault(variant.page.cooperative, []).append(variant)
        subtotal = 0
        quantities = {v.pk: rng.choice([1, 1, 2, 3]) for v in chosen}
        for variant in chosen:
            subtotal += variant.price * quantities[variant.pk]
        shipping = 30_000 * len(by_coop)
        paid = method != "cod" and state != "expired"
        order = Order.objects.create(
            number=number,
            full_name=rng.choice(["Nguyễn Thị Lan", "Trần Văn Minh", "Lê Thu Hà", "Phạm Quốc Bảo"]),
            phone="0912345678",
            email="khach.demo@ocop.local",
            province_code=province,
            ward_code=ward,
            address_line="Số 1, phố demo",
            payment_method=method,
            status={"delivered": "completed", "shipped": "processing"}.get(state, "cancelled")
            if state != "expired"
            else "expired",
            subtotal=subtotal,
            shipping_total=shipping,
            total=subtotal + shipping,
            paid_at=placed + datetime.timedelta(minutes=5) if paid else None,
        )
        if method != "cod":
            Payment.objects.create(
                order=order,
                method=method,
                status=Payment.Status.SUCCEEDED if paid else Payment.Status.CANCELLED,
                amount=order.total,
                provider_ref=f"DEMO-{number}" if paid else "",
            )
        for cooperative, items in by_coop.items():
            part = sum(v.price * quantities[v.pk] for v in items)
            status = {"expired": "cancelled"}.get(state, state)
            suborder = SubOrder.objects.create(
                order=order,
                cooperative=cooperative,
                status=status,
                subtotal=part,
                shipping=30_000,
                carrier="GHN" if state in ("shipped", "delivered") else "",
                tracking_number=f"GHN{number[-4:]}" if state in ("shipped", "delivered") else "",
                shipped_at=placed + datetime.timedelta(days=1)
                if state in ("shipped", "delivered")
                else None,
                delivered_at=placed + datetime.timedelta(days=3) if state == "delivered" else None,
                cod_collected_at=placed + datetime.timedelta(days=3)
                if state == "delivered" and method == "cod"
                else None,
            )
            for variant in items:
                quantity = quantities[variant.pk]
                OrderLine.objects.create(
                    suborder=suborder,
                    variant=variant,
                    product_title=variant.page.title,
                    unit_label=variant.unit_label,
                    sku=variant.sku,
                    gtin=variant.gtin or "",
                    cooperative_name=cooperative.name,
                    unit_price=variant.price,
                    quantity=quantity,
                    line_total=variant.price * quantity,
                    weight_g=variant.net_weight_g * quantity,
                )
            change = StatusChange.objects.create(
                order=order,
                suborder=suborder,
                subject="suborder",
                from_status="",
                to_status=status,
                reason="demo history",
            )
            StatusChange.objects.filter(pk=change.pk).update(created_at=placed)
            SubOrder.objects.filter(pk=suborder.pk).update(created_at=placed, status_since=placed)
        Order.objects.filter(pk=order.pk).update(created_at=placed)
        made += 1
    _scans(rng, now)
    if made:
        log(f"Demo history: {made} past orders")


def _scans(rng: random.Random, now) -> None:
    """Scans of released demo stamps over the last 45 days, one province per stamp."""
    if Scan.objects.filter(user_agent=SCAN_MARK).exists():
        return
    stamps = list(
        Stamp.objects.filter(batch__status=Batch.Status.RELEASED, number__gt=20)
        .select_related("batch")
        .order_by("batch_id", "number")[:150]
    )
    entries = []
    for stamp in stamps:
        province = _pick(rng, DESTINATIONS)[0]
        for _ in range(rng.choice([1, 1, 2, 3])):
            at = now - datetime.timedelta(days=rng.uniform(0, 45))
            entries.append(
                {
                    "stamp": stamp.pk,
                    "gtin": stamp.gtin,
                    "lot": stamp.batch.lot,
                    "serial": stamp.serial,
                    "verdict": "genuine",
                    "at": at.isoformat(),
                    "province": province,
                    "lat": None,
                    "lon": None,
                    "ua": SCAN_MARK,
                    "inspector": None,
                }
            )
    scans.write(sorted(entries, key=lambda e: e["at"]))
