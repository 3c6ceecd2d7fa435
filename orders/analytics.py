"""Sales figures for dashboards and reports: each function is one grouped query in the database
(never a Python loop over order rows), scoped by a ``Workspace`` and a ``Period``.

A *sale* is a sub-order the shopper committed to: paid (card, transfer) or placed with cash on
delivery, and not cancelled — statuses ``SOLD``. Revenue is the goods (``subtotal``, đồng),
shipping apart. Days are local days in Asia/Ho_Chi_Minh.
"""

from django.db.models import Count, F, Max, Q, Sum
from django.db.models.functions import Coalesce, TruncDate

from marketplace.periods import Period
from marketplace.workspace import Workspace

from .models import Order, OrderLine, PaymentMethod, SubOrder

S = SubOrder.Status
SOLD = (S.NEW, S.CONFIRMED, S.PACKED, S.SHIPPED, S.DELIVERED)
WAITING = (S.NEW, S.CONFIRMED, S.PACKED)


def placed(workspace: Workspace, period: Period):
    return period.filter(workspace.scope(SubOrder.objects.all()), "created_at")


def sold(workspace: Workspace, period: Period):
    return placed(workspace, period).filter(status__in=SOLD)


def _money(field):
    return Coalesce(Sum(field), 0)


def _orders(workspace: Workspace):
    """Orders counted on sub-orders: one cooperative has one sub-order per order (a unique
    constraint), so its sub-orders are its orders; across cooperatives, distinct orders."""
    ids = workspace.cooperative_ids
    if ids is not None and len(ids) == 1:
        return Count("pk")
    return Count("order_id", distinct=True)


def sales_by_day(workspace: Workspace, period: Period) -> list[dict]:
    """Every day of the period (zeros included): ``day``, ``orders``, ``revenue``."""
    rows = {
        row["day"]: row
        for row in sold(workspace, period)
        .annotate(day=TruncDate("created_at", tzinfo=period.tz))
        .values("day")
        .annotate(orders=_orders(workspace), revenue=_money("subtotal"))
        .order_by("day")
    }
    return [rows.get(day, {"day": day, "orders": 0, "revenue": 0}) for day in period.each_day()]


SALES_GROUPS = {
    # key: (values, label of a row)
    "cooperative": ("cooperative_id", "cooperative__name"),
    "province": ("cooperative__province_code",),
    "destination": ("order__province_code",),
}


def sales_by(workspace: Workspace, period: Period, group: str) -> list[dict]:
    """Sales per cooperative, per the cooperative's province, or per the shopper's province
    (``destination``), best first: the group's fields, ``orders``, ``revenue``, ``shipping``."""
    fields = SALES_GROUPS[group]
    return list(
        sold(workspace, period)
        .values(*fields)
        .annotate(
            orders=_orders(workspace) if group != "cooperative" else Count("pk"),
            revenue=_money("subtotal"),
            shipping=_money("shipping"),
        )
        .order_by("-revenue", *fields)
    )


def top_products(workspace: Workspace, period: Period, *, limit: int = 50) -> list[dict]:
    """Best-selling variants by revenue: ``sku``, ``title``, ``unit``, ``units``, ``revenue``,
    ``orders``. Titles are the ones shoppers bought (snapshots), latest spelling."""
    lines = OrderLine.objects.filter(suborder__in=sold(workspace, period).values("pk"))
    return list(
        lines.values("sku")
        .annotate(
            title=Max("product_title"),
            unit=Max("unit_label"),
            cooperative=Max("cooperative_name"),
            units=Coalesce(Sum("quantity"), 0),
            revenue=_money("line_total"),
            # A sub-order holds one line per variant (carts hold a variant once), so its lines
            # of one SKU are its sub-orders: no DISTINCT, which would sort every line.
            orders=Count("pk"),
        )
        .order_by("-revenue", "sku")[:limit]
    )


def payment_mix(workspace: Workspace, period: Period) -> list[dict]:
    """Per payment method: orders ``placed``, orders ``sold`` and their ``amount`` (goods and
    shipping), in the order of ``PaymentMethod``."""
    rows = {
        row["order__payment_method"]: row
        for row in placed(workspace, period)
        .values("order__payment_method")
        .annotate(
            placed=Count("order_id", distinct=True),
            sold=Count("order_id", distinct=True, filter=Q(status__in=SOLD)),
            amount=Coalesce(Sum(F("subtotal") + F("shipping"), filter=Q(status__in=SOLD)), 0),
        )
    }
    return [
        rows.get(method, {"order__payment_method": method, "placed": 0, "sold": 0, "amount": 0})
        for method in PaymentMethod.values
    ]


def funnel(workspace: Workspace, period: Period) -> dict[str, int]:
    """Sub-orders placed in the period and how far they went: ``placed`` → ``paid`` (card or
    transfer received, or cash on delivery accepted) → ``shipped`` → ``delivered``; and the
    ones ``cancelled`` or ``expired`` (not paid in time)."""
    cod = Q(order__payment_method=PaymentMethod.COD)
    return placed(workspace, period).aggregate(
        placed=Count("pk"),
        paid=Count(
            "pk",
            filter=Q(order__paid_at__isnull=False)
            | (cod & (Q(status__in=SOLD) | Q(shipped_at__isnull=False))),
        ),
        shipped=Count("pk", filter=Q(shipped_at__isnull=False)),
        delivered=Count("pk", filter=Q(delivered_at__isnull=False)),
        cancelled=Count(
            "pk", filter=Q(status=S.CANCELLED) & ~Q(order__status=Order.Status.EXPIRED)
        ),
        expired=Count("pk", filter=Q(order__status=Order.Status.EXPIRED)),
    )
