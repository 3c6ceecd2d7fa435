"""Reports on stamps: issued vs scanned per province (all 34, ranked), anomaly flags over
time. Numbers from ``traceability.analytics``."""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from marketplace.charts import Chart, Series
from marketplace.locations import province_choices
from marketplace.reports import Report, ReportTable

from . import analytics
from .models import AnomalyFlag


class StampsReport(Report):
    def tables(self, workspace, period, choice):
        issued = analytics.stamps_issued_by_province(workspace, period)
        scanned = analytics.scans_by_province(workspace, period)
        provinces = sorted(
            province_choices(),
            key=lambda p: (-scanned.get(p[0], 0), -issued.get(p[0], 0), p[1]),
        )
        labels = [name for _code, name in provinces]
        unplaced = scanned.get(None, 0)
        chart = Chart(
            chart_id="ocop-stamps-provinces",
            title=_("Stamps issued and scanned, per province"),
            note=_("%(n)s scans gave no place.") % {"n": unplaced} if unplaced else "",
            label_heading=pgettext("place", "Province"),
            labels=labels if (issued or scanned) else [],
            kind="hbar",
            series=[
                Series(
                    _("Scans (where the phone was)"), [scanned.get(c, 0) for c, _n in provinces]
                ),
                Series(
                    _("Stamps issued (cooperative's province)"),
                    [issued.get(c, 0) for c, _n in provinces],
                ),
            ],
        )
        rows = [[code, name, issued.get(code, 0), scanned.get(code, 0)] for code, name in provinces]
        rows.append(["", _("no place given"), 0, unplaced])
        headings = [_("province code"), _("province"), _("stamps issued"), _("scans")]
        return [ReportTable(chart, headings, rows, name="per-province")]


class AnomaliesReport(Report):
    def tables(self, workspace, period, choice):
        rows = analytics.flags_by_day(workspace, period)
        days = period.each_day()
        rules = list(AnomalyFlag.Rule)
        counts = {(r["day"], r["rule"]): r["flags"] for r in rows}
        chart = Chart(
            chart_id="ocop-flags-days",
            title=_("Anomaly flags raised per day"),
            label_heading=_("Day"),
            labels=[d.strftime("%d/%m/%Y") for d in days] if rows else [],
            stacked=True,
            series=[
                Series(rule.label, [counts.get((d, rule.value), 0) for d in days]) for rule in rules
            ],
        )
        csv_rows = [
            [r["day"], r["rule"], AnomalyFlag.Rule(r["rule"]).label, r["flags"]] for r in rows
        ]
        headings = [_("day"), _("rule"), _("name"), _("flags")]
        return [ReportTable(chart, headings, csv_rows, name="flags-per-day")]


def reports() -> list[Report]:
    return [
        StampsReport(
            slug="stamps",
            title=_("Stamps and scans by province"),
            description=_(
                "Stamps issued (by the province of the cooperative) and scanned (by where the "
                "phone was), for the 34 provinces, most scanned first."
            ),
            icon="tasks",
            order=50,
        ),
        AnomaliesReport(
            slug="anomalies",
            title=_("Anomaly flags over time"),
            description=_("Warnings raised on stamps per day, by rule."),
            icon="warning",
            order=60,
        ),
    ]
