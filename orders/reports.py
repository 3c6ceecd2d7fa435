"""Reports on sales: per day / cooperative / province, best-selling products, payment methods
and the order funnel. Numbers from ``orders.analytics`` (one grouped query per chart)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from marketplace.charts import Chart, Series
from marketplace.locations import province_name
from marketplace.money import format_vnd
from marketplace.reports import Report, ReportTable

from . import analytics
from .models import PaymentMethod


class SalesReport(Report):
    def tables(self, workspace, period, choice):
        if choice == "day":
            days = analytics.sales_by_day(workspace, period)
            chart = Chart(
                chart_id="ocop-sales-day",
                title=_("Sales per day"),
                label_heading=_("Day"),
                labels=[d["day"].strftime("%d/%m/%Y") for d in days],
                series=[
                    Series(_("Revenue (goods)"), [d["revenue"] for d in days], money=True),
                    Series(_("Orders"), [d["orders"] for d in days], secondary=True),
                ],
            )
            rows = [[d["day"], d["orders"], d["revenue"]] for d in days]
            return [
                ReportTable(
                    chart, [_("day"), _("orders"), _("revenue (đồng)")], rows, name="per-day"
                )
            ]
        rows = analytics.sales_by(workspace, period, choice)
        if choice == "cooperative":
            labels = [r["cooperative__name"] for r in rows]
            heading = _("Cooperative")
        else:
            key = "cooperative__province_code" if choice == "province" else "order__province_code"
            labels = [province_name(r[key]) or "—" for r in rows]
            heading = pgettext("place", "Province")
        title = {
            "cooperative": _("Sales per cooperative"),
            "province": _("Sales per province of the cooperative"),
            "destination": _("Sales per province of the shopper"),
        }[choice]
        chart = Chart(
            chart_id=f"ocop-sales-{choice}",
            title=title,
            label_heading=heading,
            labels=labels,
            kind="hbar",
            series=[
                Series(_("Revenue (goods)"), [r["revenue"] for r in rows], money=True),
                Series(_("Orders"), [r["orders"] for r in rows], secondary=True),
            ],
            extra_columns=[
                (pgettext("fee", "Shipping"), [format_vnd(r["shipping"]) for r in rows])
            ],
        )
        csv_rows = [
            [label, r["orders"], r["revenue"], r["shipping"]]
            for label, r in zip(labels, rows, strict=True)
        ]
        return [
            ReportTable(
                chart,
                [heading, _("orders"), _("revenue (đồng)"), _("shipping (đồng)")],
                csv_rows,
                name=f"per-{choice}",
            )
        ]


class ProductsReport(Report):
    def tables(self, workspace, period, choice):
        rows = analytics.top_products(workspace, period, limit=50)
        labels = [f"{r['title']} — {r['unit']}" for r in rows]
        chart = Chart(
            chart_id="ocop-top-products",
            title=_("Best-selling products (by revenue)"),
            label_heading=_("Product"),
            labels=labels,
            kind="hbar",
            series=[
                Series(_("Revenue"), [r["revenue"] for r in rows], money=True),
                Series(_("Units"), [r["units"] for r in rows], secondary=True),
            ],
            extra_columns=[(_("SKU"), [r["sku"] for r in rows])],
        )
        csv_rows = [
            [
                r["sku"],
                r["title"],
                r["unit"],
                r["cooperative"],
                r["units"],
                r["orders"],
                r["revenue"],
            ]
            for r in rows
        ]
        headings = [
            _("SKU"),
            _("product"),
            _("unit"),
            _("cooperative"),
            _("units"),
            _("orders"),
            _("revenue (đồng)"),
        ]
        return [ReportTable(chart, headings, csv_rows, name="top-products")]


class PaymentsReport(Report):
    def tables(self, workspace, period, choice):
        rows = analytics.payment_mix(workspace, period)
        labels = [str(PaymentMethod(r["order__payment_method"]).label) for r in rows]
        chart = Chart(
            chart_id="ocop-payment-mix",
            title=_("Payment methods"),
            label_heading=_("Payment method"),
            labels=labels,
            series=[
                Series(_("Amount paid or accepted"), [r["amount"] for r in rows], money=True),
                Series(_("Orders placed"), [r["placed"] for r in rows], secondary=True),
                Series(_("Orders paid or accepted"), [r["sold"] for r in rows], secondary=True),
            ],
        )
        csv_rows = [
            [r["order__payment_method"], label, r["placed"], r["sold"], r["amount"]]
            for label, r in zip(labels, rows, strict=True)
        ]
        headings = [_("method"), _("name"), _("placed"), _("paid or accepted"), _("amount (đồng)")]
        return [ReportTable(chart, headings, csv_rows, name="payment-methods")]


FUNNEL_STEPS = (
    ("placed", pgettext_lazy("funnel", "Placed")),
    ("paid", gettext_lazy("Paid (or cash on delivery accepted)")),
    ("shipped", pgettext_lazy("funnel", "Shipped")),
    ("delivered", pgettext_lazy("funnel", "Delivered")),
    ("cancelled", pgettext_lazy("funnel", "Cancelled")),
    ("expired", gettext_lazy("Expired (not paid in time)")),
)


class FunnelReport(Report):
    def tables(self, workspace, period, choice):
        counts = analytics.funnel(workspace, period)
        placed = counts["placed"] or 0
        labels = [str(label) for _key, label in FUNNEL_STEPS]
        values = [counts[key] for key, _label in FUNNEL_STEPS]
        shares = [f"{round(100 * v / placed)} %" if placed else "—" for v in values]
        chart = Chart(
            chart_id="ocop-funnel",
            title=_("Order funnel (sub-orders placed in the period)"),
            label_heading=pgettext("funnel", "Step"),
            labels=labels if placed else [],
            kind="hbar",
            series=[Series(_("Sub-orders"), values)],
            extra_columns=[(_("Share of placed"), shares)],
        )
        csv_rows = [[key, str(label), counts[key]] for key, label in FUNNEL_STEPS]
        return [
            ReportTable(
                chart,
                [pgettext("funnel", "step"), _("name"), _("sub-orders")],
                csv_rows,
                name="funnel",
            )
        ]


def reports() -> list[Report]:
    return [
        SalesReport(
            slug="sales",
            title=_("Sales"),
            description=_(
                "Orders and revenue (goods, without shipping) of paid and cash-on-delivery "
                "sub-orders, by the day they were placed."
            ),
            icon="list-ul",
            order=10,
            choices=[
                ("day", _("per day")),
                ("cooperative", _("per cooperative")),
                ("province", _("per province of the cooperative")),
                ("destination", _("per province of the shopper")),
            ],
            choice_label=pgettext("report", "Show"),
        ),
        ProductsReport(
            slug="products",
            title=_("Top products"),
            description=_("The 50 best-selling products by revenue, with units and orders."),
            icon="doc-full-inverse",
            order=20,
        ),
        PaymentsReport(
            slug="payments",
            title=_("Payment methods"),
            description=_("How shoppers chose to pay, and how many of those orders were paid."),
            icon="tick",
            order=30,
        ),
        FunnelReport(
            slug="funnel",
            title=_("Order funnel"),
            description=_(
                "How far the sub-orders placed in the period went: paid, shipped, delivered — "
                "or cancelled or expired."
            ),
            icon="arrow-down",
            order=40,
        ),
    ]
