"""Builders for the admin workspace's tests: orders placed at a chosen time in a chosen state,
stamps, scans, flags and inspections — written straight to the tables (the figures under
test read them; how they got there is tested elsewhere)."""

import datetime
import itertools
import uuid
from types import SimpleNamespace

from django.contrib.auth.models import Group
from django.utils import timezone

from cms.services import cooperative_page_grant, operators_grant
from marketplace.models import Cooperative
from marketplace.roles import OPERATORS_GROUP, ensure_role_groups
from marketplace.services import membership_add
from orders.models import Order, OrderLine, StatusChange, SubOrder
from traceability.models import AnomalyFlag, Batch, Inspection, Scan, Stamp, StampOrder

from .factories import CooperativeFactory, UserFactory, add_cooperative_page, add_product

HANOI_WARD = 4  # Phường Ba Đình, Hà Nội (province 1)
_numbers = itertools.count(1)


def two_cooperatives(tree):
    """Cooperative A (the tree's, La Bằng tea) and B (La Hiên), a product each, an owner and
    a staff member of A, an owner of B and an operator."""
    ensure_role_groups()
    tea = add_product(tree.coop_page, title="Chè búp La Bằng", price=100_000, stock=50)
    coop_b = CooperativeFactory(name="HTX Na La Hiên", slug="htx-na-la-hien", ward_code=5740)
    page_b = add_cooperative_page(tree.index, coop_b)
    apples = add_product(page_b, title="Na La Hiên", price=60_000, stock=40)
    owner_a = UserFactory(username="owner-a", email="owner-a@example.vn")
    staff_a = UserFactory(username="staff-a", email="staff-a@example.vn")
    owner_b = UserFactory(username="owner-b", email="owner-b@example.vn")
    membership_add(user=owner_a, cooperative=tree.cooperative, role="owner")
    membership_add(user=staff_a, cooperative=tree.cooperative, role="staff")
    membership_add(user=owner_b, cooperative=coop_b, role="owner")
    # What the loader and an approval do: each cooperative's group gets its own subtree.
    cooperative_page_grant(page=tree.coop_page)
    cooperative_page_grant(page=page_b)
    operators_grant(root_page=tree.home)
    operator = UserFactory(username="operator", email="operator@example.vn")
    operator.groups.add(Group.objects.get(name=OPERATORS_GROUP))
    return SimpleNamespace(
        a=tree.cooperative,
        b=coop_b,
        page_b=page_b,
        tea=tea,
        tea_variant=tea.variants.get(),
        apples=apples,
        apple_variant=apples.variants.get(),
        owner_a=owner_a,
        staff_a=staff_a,
        owner_b=owner_b,
        operator=operator,
        tree=tree,
    )


def sub_order(
    cooperative: Cooperative,
    variant,
    *,
    status: str = SubOrder.Status.NEW,
    placed_at: datetime.datetime | None = None,
    entered_at: datetime.datetime | None = None,
    quantity: int = 1,
    payment_method: str = "cod",
    province_code: int = 1,
    ward_code: int = HANOI_WARD,
    paid: bool | None = None,
    order_status: str | None = None,
    shipping: int = 30_000,
    shipped_at=None,
    delivered_at=None,
) -> SubOrder:
    """One order with one sub-order of ``quantity`` of ``variant``, placed at ``placed_at``,
    in ``status`` since ``entered_at`` (its audit row)."""
    placed_at = placed_at or timezone.now()
    subtotal = variant.price * quantity
    if paid is None:
        paid = payment_method != "cod" and status not in ("awaiting_payment",)
    order = Order.objects.create(
        number=f"DHT{next(_numbers):07d}"[:10],
        full_name="Nguyễn Thị Lan",
        phone="0912345678",
        email="lan@example.vn",
        province_code=province_code,
        ward_code=ward_code,
        address_line="12 Hàng Bông",
        payment_method=payment_method,
        status=order_status
        or ("awaiting_payment" if status == "awaiting_payment" else "processing"),
        subtotal=subtotal,
        shipping_total=shipping,
        total=subtotal + shipping,
        paid_at=placed_at if paid else None,
    )
    suborder = SubOrder.objects.create(
        order=order,
        cooperative=cooperative,
        status=status,
        subtotal=subtotal,
        shipping=shipping,
        shipped_at=shipped_at,
        delivered_at=delivered_at,
    )
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
        line_total=subtotal,
    )
    Order.objects.filter(pk=order.pk).update(created_at=placed_at)
    SubOrder.objects.filter(pk=suborder.pk).update(
        created_at=placed_at, status_since=entered_at or placed_at
    )
    change = StatusChange.objects.create(
        order=order, suborder=suborder, subject="suborder", from_status="", to_status=status
    )
    StatusChange.objects.filter(pk=change.pk).update(created_at=entered_at or placed_at)
    suborder.refresh_from_db()
    return suborder


def batch_of(variant, lot: str, *, status: str = Batch.Status.DRAFT) -> Batch:
    batch = Batch(
        variant=variant,
        lot=lot,
        production_date=datetime.date(2026, 3, 15),
        quantity=100,
        status=status,
    )
    batch.save()
    return batch


def stamps_of(batch: Batch, count: int, *, status: str = StampOrder.Status.DONE) -> list[Stamp]:
    """A stamp order and ``count`` stamps (made-up signatures: nothing here verifies them)."""
    order = StampOrder.objects.create(
        batch=batch, count=count, first_number=1, issued=count, status=status
    )
    return Stamp.objects.bulk_create(
        Stamp(
            batch=batch,
            order=order,
            number=n,
            gtin=batch.gtin,
            serial=uuid.uuid4().hex[:16].upper(),
            key_id="test",
            signature="x" * 86,
        )
        for n in range(1, count + 1)
    )


def scan(stamp: Stamp, *, at: datetime.datetime, province: int | None = None) -> Scan:
    return Scan.objects.create(
        stamp=stamp,
        gtin=stamp.gtin,
        lot=stamp.batch.lot,
        serial=stamp.serial,
        verdict="genuine",
        scanned_at=at,
        province_code=province,
    )


def flag(stamp: Stamp, rule: str, *, at: datetime.datetime, outcome: str = "open") -> AnomalyFlag:
    return AnomalyFlag.objects.create(
        stamp=stamp,
        batch=stamp.batch,
        rule=rule,
        first_seen=at,
        last_seen=at,
        outcome=outcome,
    )


def inspection(stamp: Stamp, inspector, *, result: str, at: datetime.datetime) -> Inspection:
    return Inspection.objects.create(
        client_id=uuid.uuid4(),
        inspector=inspector,
        stamp=stamp,
        code=f"/01/{stamp.gtin}",
        result=result,
        inspected_at=at,
    )


def prefer_language(user, language: str):
    """The admin speaks the language of the user's Wagtail profile (Vietnamese by default)."""
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(user)
    profile.preferred_language = language
    profile.save()
    return user
