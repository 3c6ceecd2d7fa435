"""Dashboard panels of orders: what a cooperative must confirm, pack and ship (overdue
first), its sales of the last 30 days; for operators, orders that need attention and bank
notifications that matched no order."""

import datetime

from django.conf import settings
from django.db.models import Case, Count, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace.charts import CHART_MEDIA, Chart, Series
from marketplace.dashboard import Counter, DashboardPanel, Row
from marketplace.money import format_vnd
from marketplace.periods import Period

from . import analytics
from .models import Order, SubOrder, WebhookEvent

S = SubOrder.Status
SUBORDER_LIST = "wagtailsnippets_orders_suborder:list"


def overdue_condition(now: datetime.datetime) -> Q:
    """Waiting longer than ``ORDER_FULFILMENT_HOURS`` allows in its state."""
    hours = settings.ORDER_FULFILMENT_HOURS
    condition = Q(pk__in=[])
    for status in analytics.WAITING:
        limit = now - datetime.timedelta(hours=hours[status])
        condition |= Q(status=status, status_since__lt=limit)
    return condition


class SubOrdersPanel(DashboardPanel):
    panel_id = "ocop-suborders"
    heading = gettext_lazy("Orders to handle")
    order = 10
    empty_text = gettext_lazy(
        "No order is waiting for you. Paid orders (and cash-on-delivery ones) appear here at once."
    )

    def load(self):
        now = timezone.now()
        overdue = overdue_condition(now)
        waiting = self.workspace.scope(SubOrder.objects.filter(status__in=analytics.WAITING))
        counts = waiting.aggregate(
            new=Count("pk", filter=Q(status=S.NEW)),
            confirmed=Count("pk", filter=Q(status=S.CONFIRMED)),
            packed=Count("pk", filter=Q(status=S.PACKED)),
            overdue=Count("pk", filter=overdue),
        )
        listing = reverse(SUBORDER_LIST)
        counters = [
            Counter(_("overdue"), counts["overdue"], tone="critical" if counts["overdue"] else ""),
            Counter(_("to confirm"), counts["new"], f"{listing}?status={S.NEW}"),
            Counter(_("to pack"), counts["confirmed"], f"{listing}?status={S.CONFIRMED}"),
            Counter(_("to ship"), counts["packed"], f"{listing}?status={S.PACKED}"),
        ]
        first = (
            waiting.annotate(is_overdue=Case(When(overdue, then=Value(1)), default=Value(0)))
            .select_related("order")
            .order_by("-is_overdue", "status_since", "pk")[:8]
        )
        rows = []
        for suborder in first:
            rows.append(
                Row(
                    title=f"{suborder.order.number} · {suborder.order.full_name}",
                    url=reverse("wagtailsnippets_orders_suborder:detail", args=[suborder.pk]),
                    meta=_("%(total)s · waiting %(age)s")
                    % {
                        "total": format_vnd(suborder.subtotal + suborder.shipping),
                        "age": timesince(suborder.status_since, now, depth=1),
                    },
                    badge=_("Overdue: %(status)s") % {"status": suborder.get_status_display()}
                    if suborder.is_overdue
                    else suborder.get_status_display(),
                    tone="critical" if suborder.is_overdue else "",
                )
            )
        return {"counters": counters, "rows": rows, "more_url": listing if rows else ""}


class SalesPanel(DashboardPanel):
    panel_id = "ocop-sales"
    heading = gettext_lazy("Sales, last 30 days")
    order = 60
    empty_text = gettext_lazy(
        "No sales in the last 30 days yet. Products that are published, priced and in stock "
        "can be bought."
    )

    audience = "both"

    @property
    def media(self):
        return CHART_MEDIA

    def load(self):
        period = Period.last_days(30)
        days = analytics.sales_by_day(self.workspace, period)
        orders = sum(d["orders"] for d in days)
        revenue = sum(d["revenue"] for d in days)
        chart = Chart(
            chart_id="ocop-dashboard-sales",
            title=_("Revenue per day (goods, đồng)"),
            label_heading=_("Day"),
            labels=[d["day"].strftime("%d/%m") for d in days],
            series=[
                Series(_("Revenue"), [d["revenue"] for d in days], money=True),
                Series(_("Orders"), [d["orders"] for d in days], secondary=True),
            ],
        )
        return {
            "counters": [
                Counter(_("orders"), orders),
                Counter(_("revenue"), revenue, display=format_vnd(revenue)),
            ],
            "chart": chart if orders else None,
            "chart_collapsed": True,
            "more_url": reverse("ocop_report", args=["sales"]),
        }


class AttentionPanel(DashboardPanel):
    """Operators: orders flagged (wrong amount, late payment, refund due)."""

    panel_id = "ocop-attention"
    heading = gettext_lazy("Orders that need attention")
    order = 20
    empty_text = gettext_lazy("No order needs attention.")

    audience = "operators"

    def load(self):
        flagged = Order.objects.filter(needs_attention=True)
        count = flagged.count()
        rows = [
            Row(
                title=f"{order.number} · {order.full_name}",
                url=reverse("wagtailsnippets_orders_order:detail", args=[order.pk]),
                meta=(order.attention_reason or "").splitlines()[-1][:140]
                if order.attention_reason
                else "",
                badge=order.get_status_display(),
                tone="warning",
            )
            for order in flagged.order_by("-updated_at")[:6]
        ]
        listing = reverse("wagtailsnippets_orders_order:list") + "?needs_attention=true"
        return {
            "counters": [Counter(_("need attention"), count, listing, "warning" if count else "")],
            "rows": rows,
        }


PROVIDERS = {"vietqr": "VietQR", "stripe": "Stripe"}


def unmatched_notifications():
    prefixes = Q(pk__in=[])
    for prefix in WebhookEvent.UNMATCHED_PREFIXES:
        prefixes |= Q(outcome__startswith=prefix)
    return WebhookEvent.objects.filter(prefixes, handled_at__isnull=True)


class UnmatchedPaymentsPanel(DashboardPanel):
    """Operators: money that arrived for no order (a mistyped transfer code)."""

    panel_id = "ocop-unmatched"
    heading = gettext_lazy("Payment notifications nobody matched")
    order = 25
    empty_text = gettext_lazy("Every payment notification matched an order.")

    audience = "operators"

    def load(self):
        unmatched = unmatched_notifications()
        count = unmatched.count()
        rows = [
            Row(
                title=f"{PROVIDERS.get(event.provider, event.provider)} · {event.event_id}",
                url=reverse("wagtailsnippets_orders_webhookevent:handle", args=[event.pk]),
                meta=event.outcome[:140],
                badge=timezone.localtime(event.received_at).strftime("%d/%m/%Y %H:%M"),
                tone="warning",
            )
            for event in unmatched.order_by("-received_at")[:6]
        ]
        return {
            "counters": [Counter(_("unmatched"), count, tone="warning" if count else "")],
            "rows": rows,
        }


PANELS = (SubOrdersPanel, AttentionPanel, UnmatchedPaymentsPanel, SalesPanel)
