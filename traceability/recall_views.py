"""Admin screens of a recall: a batch's reach (counts, outputs, parcels), its report (a
preview, CSV and XLSX downloads) and recall drills with the runs so far.

Who sees them: operators (every batch) and the members of the batch's cooperative (their own
batches, and only their own cooperative's parcels). Everyone else gets a 404: another
cooperative's recall is none of their business, not even its existence. The report holds
shoppers' contact details, so inspectors (who may look at every batch) are not let in either.
"""

import csv
import itertools
import re
import tempfile
import time

from django.contrib import messages
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from wagtail.admin.paginator import WagtailPaginator

from marketplace.reports import FORMULA_START, safe_cell
from marketplace.roles import member_cooperative_ids

from . import recall
from .models import Batch, RecallRun

URL_NAMESPACE = "wagtailsnippets_traceability_batch"
PARCELS_PER_PAGE = 50
PREVIEW_ROWS = 50
CSV_CHUNK_ROWS = 500

# The counts of a reach or a run, in the order the screens show them.
COUNT_LABELS = [
    ("made", gettext_lazy("Units made")),
    ("stamped", gettext_lazy("Stamps issued (not voided)")),
    ("released", gettext_lazy("Units released for sale")),
    ("packed", gettext_lazy("Units packed, not shipped yet")),
    ("shipped", gettext_lazy("Units shipped")),
    ("used_in_outputs", gettext_lazy("Units used to make other lots")),
    ("output_units", gettext_lazy("Units of lots made from it, packed or shipped")),
    ("in_stock", gettext_lazy("Units still in stock")),
    ("blocked", gettext_lazy("Units taken off sale at the recall")),
    ("suborders", gettext_lazy("Sub-orders that received it")),
    ("shoppers", gettext_lazy("Shoppers")),
    ("cooperatives", gettext_lazy("Cooperatives")),
    ("scanned_after", gettext_lazy("Stamps scanned after the recall")),
    ("scans_after", gettext_lazy("Scans after the recall")),
    ("notified", gettext_lazy("Orders told by e-mail")),
    ("to_notify", gettext_lazy("E-mails still to send")),
    ("notices", gettext_lazy("Orders to tell")),
    ("report_rows", gettext_lazy("Report rows")),
]


def _recall_scope(request, pk: int) -> tuple[Batch, list[int] | None]:
    """The batch and the cooperatives whose parcels this user sees (``None``: all)."""
    batch = get_object_or_404(Batch.objects.select_related("variant__page", "cooperative"), pk=pk)
    ids = member_cooperative_ids(request.user)
    if ids is not None and batch.cooperative_id not in ids:
        raise Http404(_("No such batch among your cooperative's."))
    return batch, ids


def _labelled(counts: dict) -> list[tuple[str, str, object]]:
    return [(key, label, counts[key]) for key, label in COUNT_LABELS if counts.get(key) is not None]


def _urls(batch: Batch) -> dict:
    def url(name):
        return reverse(f"{URL_NAMESPACE}:{name}", args=[batch.pk])

    return {
        "batch_url": url("stamps"),
        "reach_url": url("recall_reach"),
        "report_url": url("recall_report"),
        "csv_url": url("recall_csv"),
        "xlsx_url": url("recall_xlsx"),
        "drill_url": url("recall_drill"),
        "runs_url": url("recall_runs"),
        "recalled_list_url": reverse(f"{URL_NAMESPACE}:list") + "?status=recalled",
    }


class KnownCountPaginator(WagtailPaginator):
    """Pages of parcels: their number is the reach's sub-order count already (no second
    grouping query over every parcel)."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known = count

    @cached_property
    def count(self):
        return self._known

    @cached_property
    def verbose_name(self):
        return _("parcel")

    @cached_property
    def verbose_name_plural(self):
        return _("parcels")


@require_GET
def reach_view(request, pk: int):
    batch, ids = _recall_scope(request, pk)
    started = time.perf_counter()
    found = recall.reach(batch, cooperative_ids=ids)
    took = int((time.perf_counter() - started) * 1000)
    paginator = KnownCountPaginator(
        recall.parcel_rows(found.batch_ids, cooperative_ids=ids),
        PARCELS_PER_PAGE,
        count=found.suborders,
    )
    try:
        page = paginator.page(request.GET.get("p", 1))
    except PageNotAnInteger:
        page = paginator.page(1)
    except EmptyPage:
        page = paginator.page(paginator.num_pages)
    parcels = [recall.parcel_dict(row) for row in page.object_list]
    lots = recall.parcel_lots(found.batch_ids, [p["suborder_id"] for p in parcels])
    for parcel in parcels:
        parcel["lots"] = lots.get(parcel["suborder_id"], [])
        parcel["url"] = reverse(
            "wagtailsnippets_orders_suborder:detail", args=[parcel["suborder_id"]]
        )
    run = (
        RecallRun.objects.filter(batch=batch, kind=RecallRun.Kind.RECALL)
        .select_related("actor")
        .order_by("started_at", "pk")
        .first()
    )
    counts = found.as_counts()
    if run is not None:
        counts["blocked"] = run.counts.get("blocked", 0)
    context = {
        **_urls(batch),
        "batch": batch,
        "reach": found,
        "counts": _labelled(counts),
        "took_ms": took,
        "outputs": [
            (
                output,
                reverse(f"{URL_NAMESPACE}:recall_reach", args=[output.pk]),
                reverse(f"{URL_NAMESPACE}:stamps", args=[output.pk]),
            )
            for output in found.outputs
        ],
        "parcels": parcels,
        "page_obj": page,
        "paginator": paginator,
        "elided_page_range": paginator.get_elided_page_range(page.number),
        "recall_run": run,
        "own_view": ids is not None,
        "header_title": _("Recall reach: %(lot)s · %(product)s")
        % {"lot": batch.lot, "product": batch.variant.page.title},
    }
    return TemplateResponse(request, "traceability/admin/recall_reach.html", context)


@require_GET
def report_view(request, pk: int):
    batch, ids = _recall_scope(request, pk)
    rows = recall.report_rows(batch, cooperative_ids=ids)
    try:
        preview = list(itertools.islice(rows, PREVIEW_ROWS + 1))
    finally:
        rows.close()
    context = {
        **_urls(batch),
        "batch": batch,
        "headers": recall.report_headers(),
        "rows": preview[:PREVIEW_ROWS],
        "more": len(preview) > PREVIEW_ROWS,
        "preview_rows": PREVIEW_ROWS,
        "header_title": _("Recall report: %(lot)s · %(product)s")
        % {"lot": batch.lot, "product": batch.variant.page.title},
    }
    return TemplateResponse(request, "traceability/admin/recall_report.html", context)


def _filename(batch: Batch, extension: str) -> str:
    lot = re.sub(r"[^A-Za-z0-9._-]+", "-", batch.lot).strip("-.") or "lot"
    return f"recall-{lot}-{timezone.localdate().isoformat()}.{extension}"


class _Line:
    """What ``csv.writer`` writes to: hands back the line instead of storing it."""

    def write(self, value: str) -> str:
        return value


# A cell a spreadsheet could run as a formula (``safe_cell``'s rule) in written CSV: a field
# starting like one where fields start, after a line break or a comma (quoted or not). A
# chunk without one is written as is; one with one (or what only looks like one: a comma in a
# quoted cell) is written again with every cell through ``safe_cell``.
_FORMULA_FIELD = re.compile('[\n,]"?[' + "".join(re.escape(start) for start in FORMULA_START) + "]")


def csv_chunks(batch: Batch, ids, language: str):
    """The report as CSV bytes, a few hundred rows at a time (BOM first)."""
    writer = csv.writer(_Line())
    with translation.override(language):
        yield ("\ufeff" + writer.writerow(recall.report_headers())).encode("utf-8")
        rows = recall.report_rows(batch, cooperative_ids=ids)
        while chunk := list(itertools.islice(rows, CSV_CHUNK_ROWS)):
            text = "".join(map(writer.writerow, chunk))
            if _FORMULA_FIELD.search("\n" + text):
                text = "".join(writer.writerow([safe_cell(cell) for cell in row]) for row in chunk)
            yield text.encode("utf-8")


@require_GET
def report_csv(request, pk: int):
    """The whole report as CSV (UTF-8 with a BOM for Excel), streamed: 100,000 rows never sit
    in memory at once."""
    batch, ids = _recall_scope(request, pk)
    response = StreamingHttpResponse(
        csv_chunks(batch, ids, translation.get_language()),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(batch, "csv")}"'
    return response


def write_xlsx(batch: Batch, ids, output) -> None:
    """The whole report as an XLSX workbook into ``output`` (openpyxl's write-only mode: rows
    are written as they come; text that looks like a formula is stored as text)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Recall")[:31])
    sheet.append(recall.report_headers())

    def text(value: str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if not value:
            return None  # no cell at all
        if value.startswith("="):  # a shopper named "=HYPERLINK(…)" stays a name
            cell = WriteOnlyCell(sheet, value)
            cell.data_type = "s"
            return cell
        return value

    for row in recall.report_rows(batch, cooperative_ids=ids):
        # Plain values go through the sheet's one reused cell; only text needs a look.
        sheet.append([text(value) if isinstance(value, str) else value for value in row])
    workbook.save(output)


@require_GET
def report_xlsx(request, pk: int):
    batch, ids = _recall_scope(request, pk)
    # Closed by the response once sent.
    output = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115
    write_xlsx(batch, ids, output)
    output.seek(0)
    return FileResponse(
        output,
        as_attachment=True,
        filename=_filename(batch, "xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@require_POST
def drill_view(request, pk: int):
    """A recall drill: the reach and the whole report, timed and recorded; nothing changes."""
    batch, ids = _recall_scope(request, pk)
    run = recall.drill(batch, user=request.user, cooperative_ids=ids)
    messages.success(
        request,
        _("Recall drill done in %(ms)s ms: nothing was changed and nobody was e-mailed.")
        % {"ms": run.duration_ms},
    )
    return redirect(f"{reverse(f'{URL_NAMESPACE}:recall_runs', args=[batch.pk])}?run={run.pk}")


@require_GET
def runs_view(request, pk: int):
    batch, _ids = _recall_scope(request, pk)
    runs = list(RecallRun.objects.filter(batch=batch).select_related("actor")[:100])
    chosen = None
    wanted = request.GET.get("run", "")
    if wanted.isdigit():
        chosen = next((run for run in runs if run.pk == int(wanted)), None)
    context = {
        **_urls(batch),
        "batch": batch,
        "runs": runs,
        "chosen": chosen,
        "chosen_counts": _labelled(chosen.counts) if chosen else [],
        "header_title": _("Recalls and drills: %(lot)s · %(product)s")
        % {"lot": batch.lot, "product": batch.variant.page.title},
    }
    return TemplateResponse(request, "traceability/admin/recall_runs.html", context)
