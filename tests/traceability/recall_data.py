"""A generated market for the recall tests: three cooperatives, seven variants with GTINs, 50
batches (some made from others, chains up to three lots deep), 1,000 orders in every state,
and the lots and stamps packed into their parcels.

Most rows are written in bulk (the figures under test read them; packing itself is tested in
``test_packing``), but a few parcels go through the real path: stamps issued and signed,
scanned with ``packing.pack_stamp``, batches chosen with ``packing.pack_batch``, packed and
shipped by ``orders.services``. Every parcel is also recorded here, in plain Python
(``Parcel``), so a test computes what a recall must reach without asking the database the
same question the code under test asks.
"""

import datetime
import random
from collections import Counter
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.utils import timezone

from orders import services as order_services
from orders.models import Order, OrderLine, SubOrder
from traceability import packing
from traceability.models import Batch, LineLot, ParcelStamp, Stamp
from traceability.services import batch_add_input, batch_release

from ..factories import CooperativeFactory, add_cooperative_page, add_product
from ..workspace import stamps_of, sub_order, two_cooperatives
from .conftest import issue

S = SubOrder.Status
SHIPPED = {S.SHIPPED, S.DELIVERED}
ORDERS = 1_000
BATCH_QUANTITY = 5_000
# Sub-order states, weighted as a market some weeks old sees them.
STATES = [
    (S.SHIPPED, 30),
    (S.DELIVERED, 30),
    (S.PACKED, 10),
    (S.CONFIRMED, 5),
    (S.CANCELLED, 10),
    (S.NEW, 10),
    (S.AWAITING_PAYMENT, 5),
]
# Lots per variant: (key, lot prefix, batches, first production date).
LOTS = [
    ("tea", "T", 10, datetime.date(2026, 1, 5)),
    ("box_small", "GA", 6, datetime.date(2026, 2, 5)),
    ("box_large", "GB", 4, datetime.date(2026, 3, 5)),
    ("apples", "NA", 10, datetime.date(2026, 1, 5)),
    ("dried", "ND", 6, datetime.date(2026, 2, 5)),
    ("noodles_small", "MA", 8, datetime.date(2026, 1, 5)),
    ("noodles_large", "MB", 6, datetime.date(2026, 2, 5)),
]
# Batch inputs (input lot -> output lot): chains T -> GA -> GB (three deep), NA -> ND, MA -> MB.
INPUTS = [
    *[(f"T{i:02d}", f"GA{i:02d}") for i in range(6)],
    *[(f"T{i:02d}", f"GA{i + 1:02d}") for i in range(0, 6, 2)],
    *[(f"GA{j:02d}", f"GB{j:02d}") for j in range(4)],
    ("GA04", "GB00"),
    *[(f"NA{i:02d}", f"ND{i:02d}") for i in range(6)],
    ("NA06", "ND00"),
    *[(f"MA{i:02d}", f"MB{i:02d}") for i in range(6)],
]
MADE_UP_STAMPS = 8  # per stamped batch (most batches): enough for some stamped units
REAL_LOTS = ("T09", "NA09")  # real signed stamps, packed through packing.pack_stamp


@dataclass
class Parcel:
    """One sub-order as generated: who, where, what state, which units of which lots."""

    suborder_id: int
    order_id: int
    number: str
    email: str
    language: str
    cooperative_id: int
    status: str
    # (batch id, units, serials of the stamped units among them)
    lots: list[tuple[int, int, list[str]]] = field(default_factory=list)

    @property
    def counted(self) -> bool:
        return self.status != S.CANCELLED


@dataclass
class Market:
    ws: SimpleNamespace
    coop_c: object
    variants: dict
    batches: dict[str, Batch]  # by lot
    outputs: dict[int, set[int]]  # input batch id -> output batch ids, as generated
    used: dict[int, int]  # batch id -> units used to make other lots
    parcels: list[Parcel]
    real: list[Parcel]

    @property
    def lot_of(self) -> dict[int, str]:
        return {batch.pk: lot for lot, batch in self.batches.items()}

    @property
    def gtin_of(self) -> dict[int, str]:
        return {batch.pk: batch.gtin for batch in self.batches.values()}

    def closure(self, batch_id: int) -> set[int]:
        found, todo = {batch_id}, [batch_id]
        while todo:
            for output in self.outputs.get(todo.pop(), ()):
                if output not in found:
                    found.add(output)
                    todo.append(output)
        return found

    def reached(self, batch_id: int, cooperative_ids=None) -> list[Parcel]:
        ids = self.closure(batch_id)
        return [
            p
            for p in self.parcels
            if p.counted
            and any(b in ids for b, _n, _s in p.lots)
            and (cooperative_ids is None or p.cooperative_id in cooperative_ids)
        ]

    def suborders(self, batch_id: int, cooperative_ids=None) -> set[int]:
        return {p.suborder_id for p in self.reached(batch_id, cooperative_ids)}

    def shoppers(self, batch_id: int) -> set[str]:
        return {p.email for p in self.reached(batch_id)}

    def notified_orders(self, batch_id: int) -> set[int]:
        return {p.order_id for p in self.reached(batch_id) if p.status in SHIPPED}

    def units(self, batch_id: int, statuses) -> int:
        return sum(
            n for p in self.parcels if p.status in statuses for b, n, _s in p.lots if b == batch_id
        )

    def output_units(self, batch_id: int) -> int:
        ids = self.closure(batch_id) - {batch_id}
        return sum(n for p in self.parcels if p.counted for b, n, _s in p.lots if b in ids)

    def report(self, batch_id: int, cooperative_ids=None) -> Counter:
        """(GTIN, lot, serial, units, order number): one per stamped unit, one per parcel's
        units of a lot recorded by batch."""
        ids, lots, gtins = self.closure(batch_id), self.lot_of, self.gtin_of
        rows = Counter()
        for parcel in self.reached(batch_id, cooperative_ids):
            for b, n, serials in parcel.lots:
                if b not in ids:
                    continue
                for serial in serials:
                    rows[(gtins[b], lots[b], serial, 1, parcel.number)] += 1
                if n > len(serials):
                    rows[(gtins[b], lots[b], "", n - len(serials), parcel.number)] += 1
        return rows


def _variants(tree):
    ws = two_cooperatives(tree)
    coop_c = CooperativeFactory(name="HTX Miến dong Na Rì", slug="htx-mien-na-ri")
    page_c = add_cooperative_page(tree.index, coop_c)
    stock = 100_000
    box = add_product(tree.coop_page, title="Hộp quà chè La Bằng", variants=2, stock=stock)
    dried = add_product(ws.page_b, title="Na sấy dẻo", stock=stock)
    noodles = add_product(page_c, title="Miến dong Na Rì", variants=2, stock=stock)
    from catalog.models import Stock

    Stock.objects.filter(variant__in=[ws.tea_variant, ws.apple_variant]).update(on_hand=stock)
    box_small, box_large = box.variants.order_by("pk")
    noodles_small, noodles_large = noodles.variants.order_by("pk")
    variants = {
        "tea": ws.tea_variant,
        "box_small": box_small,
        "box_large": box_large,
        "apples": ws.apple_variant,
        "dried": dried.variants.get(),
        "noodles_small": noodles_small,
        "noodles_large": noodles_large,
    }
    return ws, coop_c, variants


def _batches(variants) -> dict[str, Batch]:
    batches = {}
    now = timezone.now()
    for key, prefix, count, first in LOTS:
        for i in range(count):
            lot = f"{prefix}{i:02d}"
            real = lot in REAL_LOTS
            batch = Batch(
                variant=variants[key],
                lot=lot,
                production_date=first + datetime.timedelta(days=i),
                quantity=BATCH_QUANTITY,
                status=Batch.Status.DRAFT if real else Batch.Status.RELEASED,
                released_at=None if real else now,
            )
            batch.save()
            batches[lot] = batch
    return batches


def build_market(tree, *, seed: int = 17) -> Market:
    rng = random.Random(seed)
    ws, coop_c, variants = _variants(tree)
    batches = _batches(variants)
    outputs: dict[int, set[int]] = {}
    used: dict[int, int] = {}
    for source, made in INPUTS:
        quantity = rng.randint(20, 200)
        batch_add_input(output=batches[made], input_batch=batches[source], quantity=quantity)
        outputs.setdefault(batches[source].pk, set()).add(batches[made].pk)
        used[batches[source].pk] = used.get(batches[source].pk, 0) + quantity

    # Made-up stamps (bulk) on most batches; real signed ones on REAL_LOTS.
    free: dict[int, list[Stamp]] = {}
    for lot, batch in batches.items():
        if lot in REAL_LOTS or rng.random() < 0.25:
            continue
        free[batch.pk] = stamps_of(batch, MADE_UP_STAMPS)
    Stamp.objects.filter(batch_id__in=free).update(status=Stamp.Status.ACTIVE)
    for lot in REAL_LOTS:
        issue(batches[lot], 8)
        batches[lot] = batch_release(batch=batches[lot])

    by_variant: dict[int, list[Batch]] = {}
    for batch in batches.values():
        by_variant.setdefault(batch.variant_id, []).append(batch)
    coops = [
        (ws.a, [variants["tea"], variants["box_small"], variants["box_large"]]),
        (ws.b, [variants["apples"], variants["dried"]]),
        (coop_c, [variants["noodles_small"], variants["noodles_large"]]),
    ]

    real = _real_parcels(ws, batches)
    plans = []  # (order fields, [(cooperative, status, [(variant, quantity)])])
    names, weights = zip(*STATES, strict=True)
    for n in range(ORDERS - len({p.order_id for p in real})):
        shopper = rng.randrange(700)  # some shoppers order more than once
        parts = []
        for cooperative, offered in rng.sample(coops, 2 if rng.random() < 0.35 else 1):
            chosen = rng.sample(offered, min(len(offered), rng.choice([1, 1, 2])))
            parts.append(
                (
                    cooperative,
                    rng.choices(names, weights)[0],
                    [(variant, rng.randint(1, 3)) for variant in chosen],
                )
            )
        plans.append((n, shopper, parts))

    orders = Order.objects.bulk_create(
        [
            Order(
                number=f"DHR{n:07d}",
                full_name=f"Khách hàng {shopper}",
                phone="0912345678",
                email=f"shopper{shopper}@example.vn",
                province_code=1,
                ward_code=4,
                address_line=f"{n} Hàng Bông",
                payment_method="cod",
                status=Order.Status.PROCESSING,
                subtotal=sum(v.price * q for _c, _s, lines in parts for v, q in lines),
                shipping_total=30_000 * len(parts),
                total=sum(v.price * q for _c, _s, lines in parts for v, q in lines)
                + 30_000 * len(parts),
                language="en" if shopper % 3 == 0 else "vi",
            )
            for n, shopper, parts in plans
        ]
    )
    now = timezone.now()
    suborders = SubOrder.objects.bulk_create(
        [
            SubOrder(
                order=order,
                cooperative=cooperative,
                status=status,
                subtotal=sum(v.price * q for v, q in lines),
                shipping=30_000,
                shipped_at=now - datetime.timedelta(hours=n % 500) if status in SHIPPED else None,
                delivered_at=now if status == S.DELIVERED else None,
            )
            for order, (n, _shopper, parts) in zip(orders, plans, strict=True)
            for cooperative, status, lines in parts
        ]
    )
    line_plans = []
    iterator = iter(suborders)
    for order, (_n, _shopper, parts) in zip(orders, plans, strict=True):
        for _cooperative, _status, lines in parts:
            suborder = next(iterator)
            for variant, quantity in lines:
                line_plans.append((order, suborder, variant, quantity))
    lines = OrderLine.objects.bulk_create(
        [
            OrderLine(
                suborder=suborder,
                variant=variant,
                product_title=variant.page.title,
                unit_label=variant.unit_label,
                sku=variant.sku,
                gtin=variant.gtin,
                cooperative_name=suborder.cooperative.name,
                unit_price=variant.price,
                quantity=quantity,
                line_total=variant.price * quantity,
            )
            for _order, suborder, variant, quantity in line_plans
        ]
    )

    parcels: dict[int, Parcel] = {}
    lots, packed_stamps, shipped_stamps = [], [], []
    for line, (order, suborder, variant, quantity) in zip(lines, line_plans, strict=True):
        parcel = parcels.setdefault(
            suborder.pk,
            Parcel(
                suborder_id=suborder.pk,
                order_id=order.pk,
                number=order.number,
                email=order.email,
                language=order.language,
                cooperative_id=suborder.cooperative_id,
                status=suborder.status,
            ),
        )
        if suborder.status in (S.NEW, S.AWAITING_PAYMENT):
            continue  # nothing packed yet
        if suborder.status == S.CONFIRMED and rng.random() < 0.5:
            quantity = rng.randint(0, quantity)  # packing half done
        if suborder.status == S.CANCELLED and rng.random() < 0.5:
            continue  # unpacked when cancelled; the others left lots behind (old data)
        candidates = [b for b in by_variant[variant.pk] if b.lot not in REAL_LOTS]
        split = []
        if quantity >= 2 and rng.random() < 0.3:
            first = rng.randint(1, quantity - 1)
            split = [(rng.choice(candidates), first)]
            second = rng.choice([b for b in candidates if b.pk != split[0][0].pk])
            split.append((second, quantity - first))
        elif quantity:
            split = [(rng.choice(candidates), quantity)]
        for batch, units in split:
            serials = []
            if free.get(batch.pk) and rng.random() < 0.4:
                take = min(units, len(free[batch.pk]), rng.randint(1, units))
                for stamp in [free[batch.pk].pop() for _ in range(take)]:
                    serials.append(stamp.serial)
                    packed_stamps.append(ParcelStamp(stamp=stamp, line=line))
                    shipped_stamps.append(stamp.pk)
            lots.append(LineLot(line=line, batch=batch, quantity=units, stamped=len(serials)))
            parcel.lots.append((batch.pk, units, serials))
    LineLot.objects.bulk_create(lots)
    ParcelStamp.objects.bulk_create(packed_stamps)
    Stamp.objects.filter(pk__in=shipped_stamps).update(status=Stamp.Status.SHIPPED)
    return Market(
        ws=ws,
        coop_c=coop_c,
        variants=variants,
        batches=batches,
        outputs=outputs,
        used=used,
        parcels=[*real, *parcels.values()],
        real=real,
    )


def _real_parcels(ws, batches) -> list[Parcel]:
    """Parcels packed and shipped through the services, with real signed stamps."""
    tea, apples = batches["T09"], batches["NA09"]
    tea_stamps = list(tea.stamps.order_by("number"))
    apple_stamps = list(apples.stamps.order_by("number"))
    made = []

    def parcel(suborder, status, lots):
        made.append(
            Parcel(
                suborder_id=suborder.pk,
                order_id=suborder.order_id,
                number=suborder.order.number,
                email=suborder.order.email,
                language=suborder.order.language,
                cooperative_id=suborder.cooperative_id,
                status=status,
                lots=lots,
            )
        )

    def ship(suborder, actor):
        order_services.suborder_pack(suborder, actor=actor)
        order_services.suborder_ship(suborder, actor=actor, carrier="VNPost", tracking_number="X")

    # Two tea units scanned by their stamps; shipped.
    one = sub_order(ws.a, ws.tea_variant, status=S.CONFIRMED, quantity=2)
    for stamp in tea_stamps[:2]:
        packing.pack_stamp(suborder=one, code=stamp.uri, user=ws.staff_a)
    ship(one, ws.staff_a)
    parcel(one, S.SHIPPED, [(tea.pk, 2, [s.serial for s in tea_stamps[:2]])])
    # One scanned, one recorded by batch; shipped, then delivered.
    two = sub_order(ws.a, ws.tea_variant, status=S.CONFIRMED, quantity=2)
    packing.pack_stamp(suborder=two, code=tea_stamps[2].uri, user=ws.owner_a)
    packing.pack_batch(
        suborder=two,
        line_id=two.lines.get().pk,
        batch_id=tea.pk,
        quantity=1,
        user=ws.owner_a,
    )
    ship(two, ws.owner_a)
    order_services.suborder_deliver(two, actor=ws.owner_a)
    parcel(two, S.DELIVERED, [(tea.pk, 2, [tea_stamps[2].serial])])
    # Recorded by batch only, packed, not shipped yet.
    three = sub_order(ws.a, ws.tea_variant, status=S.CONFIRMED, quantity=3)
    packing.pack_batch(
        suborder=three,
        line_id=three.lines.get().pk,
        batch_id=tea.pk,
        quantity=3,
        user=ws.owner_a,
    )
    order_services.suborder_pack(three, actor=ws.owner_a)
    parcel(three, S.PACKED, [(tea.pk, 3, [])])
    # Packed, then cancelled: unpacked, reaches nobody.
    four = sub_order(ws.a, ws.tea_variant, status=S.CONFIRMED, quantity=1)
    packing.pack_stamp(suborder=four, code=tea_stamps[3].uri, user=ws.owner_a)
    order_services.suborder_cancel(four, actor=ws.owner_a, reason="khách đổi ý")
    parcel(four, S.CANCELLED, [])
    # Apples (cooperative B): three stamped units, shipped.
    five = sub_order(ws.b, ws.apple_variant, status=S.CONFIRMED, quantity=3)
    for stamp in apple_stamps[:3]:
        packing.pack_stamp(suborder=five, code=stamp.uri, user=ws.owner_b)
    ship(five, ws.owner_b)
    parcel(five, S.SHIPPED, [(apples.pk, 3, [s.serial for s in apple_stamps[:3]])])
    return made
