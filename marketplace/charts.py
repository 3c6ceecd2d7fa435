"""Charts of the admin's dashboards and reports: the numbers, as a table and as data for the
vendored Chart.js (``static/vendor/chartjs``, drawn by ``static/marketplace/charts.js``).

The table is the chart's text: it is always in the page (screen readers, printing, no
JavaScript), the canvas only draws it. Values are what the database summed (integers; money
in đồng), formatted here once for the table and sent raw to the canvas.
"""

from dataclasses import dataclass, field

from django.forms import Media
from django.utils.formats import number_format

from .money import format_vnd

# Chart.js from npm (vendored, no CDN) and the script that draws every chart of a page.
CHART_MEDIA = Media(js=["vendor/chartjs/chart.umd.min.js", "marketplace/charts.js"])


@dataclass
class Series:
    label: str
    values: list[int]
    money: bool = False
    # Drawn on a second axis (a count beside an amount in đồng).
    secondary: bool = False

    def formatted(self) -> list[str]:
        if self.money:
            return [format_vnd(int(v or 0)) for v in self.values]
        return [number_format(v or 0, force_grouping=True) for v in self.values]


@dataclass
class Chart:
    chart_id: str
    title: str
    label_heading: str
    labels: list[str]
    series: list[Series]
    kind: str = "bar"  # bar, line, hbar (ranked lists), doughnut
    stacked: bool = False
    note: str = ""
    extra_columns: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def data_id(self) -> str:
        return f"{self.chart_id}-data"

    @property
    def table_headings(self) -> list[str]:
        extra = [heading for heading, _ in self.extra_columns]
        return [self.label_heading, *(s.label for s in self.series), *extra]

    @property
    def table_rows(self) -> list[list[str]]:
        columns = [s.formatted() for s in self.series] + [c for _, c in self.extra_columns]
        return [[label, *(column[i] for column in columns)] for i, label in enumerate(self.labels)]

    @property
    def config(self) -> dict:
        """What charts.js needs: no formatting, no HTML."""
        return {
            "kind": self.kind,
            "stacked": self.stacked,
            "labels": [str(label) for label in self.labels],
            "series": [
                {
                    "label": str(s.label),
                    "values": [int(v or 0) for v in s.values],
                    "money": s.money,
                    "secondary": s.secondary,
                }
                for s in self.series
            ],
        }

    @property
    def is_empty(self) -> bool:
        """Nothing to draw: no rows, or only zeros."""
        return not self.labels or not any(v for s in self.series for v in s.values)
