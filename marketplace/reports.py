"""Reports of the admin (Reports menu): a period and a cooperative in the URL, a chart per
table, every table beside its chart and downloadable as CSV (UTF-8 with a BOM, so Excel opens
Vietnamese text correctly).

Each app registers its reports with the ``register_ocop_reports`` hook (a function returning
``Report`` instances); a report's ``tables`` runs one grouped query per chart through the
app's analytics module. Operators see every cooperative (or one, by the filter); a
cooperative's members see their own, and asking for another's is refused (403).
"""

import csv
import datetime
import io
from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail import hooks

from .charts import Chart
from .models import Cooperative
from .periods import Period
from .workspace import Workspace, id_from

MAX_REPORT_DAYS = 3 * 366
EARLIEST_REPORT_DATE = datetime.date(2020, 1, 1)
# What makes Excel or LibreOffice read a text cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A CSV cell no spreadsheet runs as a formula ("CSV injection": names and searches are
    typed by cooperatives and shoppers): text starting with ``= + - @`` (or a tab or carriage
    return) gets a leading apostrophe, which spreadsheets show as text. Numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def neutralise_wagtail_csv_exports() -> None:
    """Wagtail's own CSV exports (its reports: aging pages, locked pages, site history,
    workflows) write page titles as typed; pass every cell through ``safe_cell``. (Its XLSX
    exports already store formulas as text.)"""
    from wagtail.admin.views.mixins import SpreadsheetExportMixin

    original = SpreadsheetExportMixin.preprocess_field_value
    if getattr(original, "ocop_safe_cells", False):
        return

    def preprocess_field_value(self, field, value, export_format):
        value = original(self, field, value, export_format)
        return safe_cell(value) if export_format == self.FORMAT_CSV else value

    preprocess_field_value.ocop_safe_cells = True
    SpreadsheetExportMixin.preprocess_field_value = preprocess_field_value


@dataclass
class ReportTable:
    """A chart, the table beside it and the same numbers as a CSV file (raw values: money in
    đồng as integers, dates as ISO 8601)."""

    chart: Chart
    csv_headings: list[str]
    csv_rows: list[list]
    name: str = ""

    @property
    def slug(self) -> str:
        return slugify(self.name or self.chart.chart_id)


@dataclass
class Report:
    slug: str
    title: str
    description: str
    icon: str = "table"
    order: int = 100
    operators_only: bool = False
    # False: the numbers are the whole market's (a cooperative filter would mean nothing).
    per_cooperative: bool = True
    # Extra choice of the report (e.g. sales grouped by day / cooperative / province).
    choices: list[tuple[str, str]] = field(default_factory=list)
    choice_label: str = ""

    def tables(self, workspace: Workspace, period: Period, choice: str) -> list[ReportTable]:
        raise NotImplementedError

    def shown_to(self, workspace: Workspace) -> bool:
        return workspace.is_operator or (workspace.is_member and not self.operators_only)


def all_reports() -> list[Report]:
    reports = []
    for fn in hooks.get_hooks("register_ocop_reports"):
        reports.extend(fn())
    return sorted(reports, key=lambda r: (r.order, r.slug))


def get_report(slug: str) -> Report:
    for report in all_reports():
        if report.slug == slug:
            return report
    raise Http404("No such report")


class ReportFilterForm(forms.Form):
    start = forms.DateField(
        label=pgettext_lazy("period", "From"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=pgettext_lazy("period", "To"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    cooperative = forms.ModelChoiceField(
        label=_("Cooperative"),
        queryset=Cooperative.objects.none(),
        required=False,
        empty_label=_("All cooperatives"),
    )
    by = forms.ChoiceField(required=False)

    def __init__(self, data, *, workspace: Workspace, report: Report):
        super().__init__(data)
        self.fields["cooperative"].queryset = workspace.cooperatives()
        if not report.per_cooperative or (
            workspace.is_member and len(workspace.cooperative_ids) == 1
        ):
            del self.fields["cooperative"]
        if report.choices:
            self.fields["by"].choices = report.choices
            self.fields["by"].label = report.choice_label
            self.fields["by"].required = True
        else:
            del self.fields["by"]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            today = timezone.localdate()
            if start > end:
                raise forms.ValidationError(_("“From” must not be after “To”."))
            if start < EARLIEST_REPORT_DATE or end > today + datetime.timedelta(days=366):
                raise forms.ValidationError(
                    _("Choose dates between %(first)s and next year.")
                    % {"first": EARLIEST_REPORT_DATE.strftime("%d/%m/%Y")}
                )
            if (end - start).days + 1 > MAX_REPORT_DAYS:
                raise forms.ValidationError(
                    _("A report covers at most %(days)s days: choose a shorter period.")
                    % {"days": MAX_REPORT_DAYS}
                )
        return data


def default_params(report: Report) -> dict:
    period = Period.last_days(30)
    params = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    if report.choices:
        params["by"] = report.choices[0][0]
    return params


def requested_cooperative(request, workspace: Workspace) -> None:
    """A member naming another cooperative in the URL gets a 404 (``Workspace.narrowed``),
    not an error form that would confirm the cooperative exists."""
    cooperative = id_from(request.GET.get("cooperative"))
    if cooperative and workspace.cooperative_ids is not None:
        workspace.narrowed(cooperative)


def csv_response(table: ReportTable, *, report: Report, period: Period) -> HttpResponse:
    """The table as CSV: UTF-8 with a byte-order mark (Excel then reads Vietnamese right),
    comma-separated, raw numbers, no text read as a formula (``safe_cell``)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(str(h)) for h in table.csv_headings])
    for row in table.csv_rows:
        writer.writerow(
            [
                value.isoformat() if isinstance(value, datetime.date) else safe_cell(value)
                for value in row
            ]
        )
    filename = f"ocop-{report.slug}-{table.slug}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"
    response = HttpResponse(
        buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def language_of(request) -> str:
    return getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
