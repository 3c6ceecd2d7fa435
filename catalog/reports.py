"""Searches that found nothing (the query log): what shoppers look for and the market lacks.
Operators only: queries are typed by the public and may hold anything."""

from django.db.models import Sum
from django.utils.translation import gettext as _

from marketplace.charts import Chart, Series
from marketplace.reports import Report, ReportTable

from .models import SearchTerm


def zero_result_searches(period, *, limit: int = 100) -> list[dict]:
    return list(
        SearchTerm.objects.filter(day__gte=period.start, day__lte=period.end, zero_results__gt=0)
        .values("term")
        .annotate(nothing=Sum("zero_results"), searches=Sum("searches"))
        .order_by("-nothing", "term")[:limit]
    )


class SearchesReport(Report):
    def tables(self, workspace, period, choice):
        rows = zero_result_searches(period)
        chart = Chart(
            chart_id="ocop-zero-searches",
            title=_("Searches that found nothing"),
            label_heading=_("Search (as typed, without accents)"),
            labels=[r["term"] for r in rows],
            kind="hbar",
            series=[
                Series(_("Found nothing"), [r["nothing"] for r in rows]),
                Series(_("Searched"), [r["searches"] for r in rows]),
            ],
        )
        csv_rows = [[r["term"], r["searches"], r["nothing"]] for r in rows]
        headings = [_("search"), _("searches"), _("found nothing")]
        return [ReportTable(chart, headings, csv_rows, name="zero-results")]


def reports():
    return [
        SearchesReport(
            slug="searches",
            title=_("Searches that found nothing"),
            description=_(
                "The 100 searches most often without a result: products shoppers want, or "
                "names the search should learn."
            ),
            icon="search",
            order=70,
            operators_only=True,
            per_cooperative=False,
        )
    ]
