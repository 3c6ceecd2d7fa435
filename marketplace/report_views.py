"""The admin's report screens: a list of reports and one report (filters, charts, tables,
CSV downloads). The numbers come from each app's ``Report.tables``."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, QueryDict
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .charts import CHART_MEDIA
from .db_router import replica_reads
from .periods import Period
from .reports import (
    ReportFilterForm,
    all_reports,
    csv_response,
    default_params,
    get_report,
    requested_cooperative,
)
from .workspace import workspace_for


def _workspace(request):
    workspace = workspace_for(request)
    if not (workspace.is_operator or workspace.is_member):
        raise PermissionDenied
    return workspace


@require_GET
def report_index(request):
    workspace = _workspace(request)
    reports = [r for r in all_reports() if r.shown_to(workspace)]
    return TemplateResponse(
        request,
        "marketplace/admin/report_index.html",
        {"reports": reports, "header_title": _("Reports")},
    )


@require_GET
def report_view(request, slug: str):
    workspace = _workspace(request)
    report = get_report(slug)
    if not report.shown_to(workspace):
        raise PermissionDenied
    requested_cooperative(request, workspace)
    # What the URL leaves out takes its default (the last 30 days, the first grouping).
    params = QueryDict(mutable=True)
    params.update(default_params(report))
    for key, value in request.GET.items():
        params[key] = value
    form = ReportFilterForm(params, workspace=workspace, report=report)
    context = {
        "report": report,
        "reports": [r for r in all_reports() if r.shown_to(workspace)],
        "form": form,
        "header_title": report.title,
        "media": CHART_MEDIA,
    }
    if not form.is_valid():
        return TemplateResponse(request, "marketplace/admin/report.html", context, status=400)
    data = form.cleaned_data
    period = Period(data["start"], data["end"])
    cooperative = data.get("cooperative")
    scoped = workspace.narrowed(cooperative.pk if cooperative else None)
    with replica_reads():  # figures a second old are fine: the replica, when there is one
        tables = report.tables(scoped, period, data.get("by") or "")
    export = request.GET.get("csv")
    if export:
        table = next((t for t in tables if t.slug == export), None)
        if table is None:
            raise Http404("No such table in this report")
        return csv_response(table, report=report, period=period)
    query = params.copy()
    context.update(
        period=period,
        cooperative=cooperative,
        tables=[
            {"table": table, "csv_url": _csv_url(request, query, table.slug)} for table in tables
        ],
    )
    return TemplateResponse(request, "marketplace/admin/report.html", context)


def _csv_url(request, query: QueryDict, slug: str) -> str:
    query = query.copy()
    query["csv"] = slug
    return f"{request.path}?{query.urlencode()}"


def report_url(slug: str) -> str:
    return reverse("ocop_report", args=[slug])
