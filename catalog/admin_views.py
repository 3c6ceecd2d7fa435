"""The quick stock and price table of the admin, and its CSV export and import. Every change
goes through ``catalog.bulk`` (checked whole first, applied all or nothing)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from marketplace.text import folded_search
from marketplace.workspace import id_from, workspace_for

from . import bulk

ROWS_PER_PAGE = 50
SEARCH_FIELDS = ["page__title", "sku", "unit_label"]


def _workspace(request):
    workspace = workspace_for(request)
    if not (workspace.is_operator or workspace.is_member):
        raise PermissionDenied
    if not request.user.has_perm("catalog.change_stock"):
        raise PermissionDenied
    return workspace


def _listed(request, workspace):
    """The variants the table lists: the workspace's, narrowed by ``cooperative`` (operators)
    and ``q`` (accents ignored)."""
    variants = bulk.variants_for(workspace)
    cooperative = id_from(request.GET.get("cooperative"))
    if cooperative:
        workspace = workspace.narrowed(cooperative)
        variants = workspace.scope(variants, "page__cooperative")
    sku = request.GET.get("sku", "")[:40].strip()
    if sku:  # a dashboard row's link: exactly that variant
        variants = variants.filter(sku__iexact=sku)
    query = request.GET.get("q", "")[:100]
    if query:
        variants = folded_search(variants, SEARCH_FIELDS, query)
    return variants.order_by("page__title", "sort_order", "pk")


def _row(index: int, variant, values: dict, problems=()) -> dict:
    stock = getattr(variant, "stock", None)
    return {
        "index": index,
        "variant": variant,
        "reserved": stock.reserved if stock else 0,
        "values": values,
        "problems": list(problems),
    }


def _table_rows(variants) -> list[dict]:
    rows = []
    for index, variant in enumerate(variants, start=1):
        stock = getattr(variant, "stock", None)
        values = {
            "price": variant.price,
            "on_hand": stock.on_hand if stock else 0,
            "low_stock_threshold": stock.low_stock_threshold if stock else 5,
        }
        rows.append(_row(index, variant, values))
    return rows


def _posted_rows(workspace, rows: list[tuple[int, dict]], problems: dict) -> list[dict]:
    """The rows as they were posted (by their SKU, not by where a product now sorts), with
    what was typed and what is wrong, so a correction goes to the right product."""
    skus = [row["sku"].strip().upper() for _index, row in rows]
    readable = [sku for sku in skus if bulk.readable_sku(sku)]
    variants = {v.sku: v for v in bulk.variants_for(workspace).filter(sku__in=readable)}
    shown = []
    for (index, row), sku in zip(rows, skus, strict=True):
        variant = variants.get(sku)
        if variant is None:
            continue  # not one of this workspace's: its problem is listed above the table
        values = {column: row.get(column, "") for column in bulk.EDITABLE}
        shown.append(_row(index, variant, values, problems.get(index, [])))
    return shown


def _render(request, workspace, *, rows=None, file_problems=None, status=200):
    variants = _listed(request, workspace)
    page = Paginator(variants, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "header_title": _("Stock and prices"),
        "page_obj": page,
        "rows": rows if rows is not None else _table_rows(page.object_list),
        "query": request.GET.get("q", "")[:100],
        "cooperatives": workspace.cooperatives() if workspace.is_operator else None,
        "cooperative": request.GET.get("cooperative", ""),
        "file_problems": file_problems or [],
        "max_kb": settings.CATALOG_IMPORT_MAX_BYTES // 1024,
        "max_rows": settings.CATALOG_IMPORT_MAX_ROWS,
        "columns": bulk.COLUMNS,
    }
    return TemplateResponse(request, "catalog/admin/quick_stock.html", context, status=status)


@require_http_methods(["GET", "POST"])
def quick_stock(request):
    workspace = _workspace(request)
    if request.method == "GET":
        return _render(request, workspace)
    try:
        count = min(int(request.POST.get("rows", "0")), ROWS_PER_PAGE)
    except ValueError:
        count = 0
    rows = [
        (
            index,
            {
                "sku": request.POST.get(f"sku-{index}", ""),
                **{c: request.POST.get(f"{c}-{index}", "") for c in bulk.EDITABLE},
            },
        )
        for index in range(1, count + 1)
    ]
    outcome = bulk.apply_rows(rows, workspace=workspace, actor=request.user)
    if not outcome.ok:
        by_row = {}
        for problem in outcome.problems:
            by_row.setdefault(problem.line, []).append(problem.message)
        shown = _posted_rows(workspace, rows, by_row)
        unshown = [str(p) for p in outcome.problems if p.line not in {r["index"] for r in shown}]
        messages.error(request, _("Nothing was saved: correct the rows marked below."))
        return _render(request, workspace, rows=shown, file_problems=unshown, status=400)
    _say_saved(request, len(outcome.changes))
    return redirect(request.get_full_path())


def _say_saved(request, changed: int) -> None:
    if changed:
        messages.success(
            request,
            ngettext("%(n)s variant updated.", "%(n)s variants updated.", changed) % {"n": changed},
        )
    else:
        messages.info(request, _("Nothing to change."))


def quick_stock_export(request):
    workspace = _workspace(request)
    body = bulk.export_csv(_listed(request, workspace))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="ocop-stock-{stamp}.csv"'
    return response


@require_POST
def quick_stock_import(request):
    workspace = _workspace(request)
    upload = request.FILES.get("file")
    if upload is None:
        problems = [_("Choose a CSV file to import.")]
        return _render(request, workspace, file_problems=problems, status=400)
    if upload.size > settings.CATALOG_IMPORT_MAX_BYTES:
        # Not read into memory at all.
        problems = [
            _("The file is %(size)s KB; files up to %(limit)s KB are accepted. Split it.")
            % {"size": upload.size // 1024, "limit": settings.CATALOG_IMPORT_MAX_BYTES // 1024}
        ]
        return _render(request, workspace, file_problems=problems, status=400)
    try:
        rows = bulk.read_csv(upload.read())
    except bulk.ImportRefused as exc:
        return _render(request, workspace, file_problems=[str(exc)], status=400)
    outcome = bulk.apply_rows(rows, workspace=workspace, actor=request.user)
    if not outcome.ok:
        problems = [_("Nothing was imported. Correct these lines and import the file again:")]
        problems += [str(p) for p in outcome.problems[:200]]
        if len(outcome.problems) > 200:
            problems.append(_("… and %(n)s more.") % {"n": len(outcome.problems) - 200})
        return _render(request, workspace, file_problems=problems, status=400)
    _say_saved(request, len(outcome.changes))
    return redirect(reverse("ocop_quick_stock"))
