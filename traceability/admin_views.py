"""Admin screens of a batch beyond its edit form: stamp orders with live progress, print-file
downloads, release, recall and void, EPCIS download. Every view checks the batch is in the
user's scope (cooperative members: their own) and calls a service for the rule."""

import os

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from marketplace.locations import province_name

from .forms import FlagReviewForm, RecallForm, StampOrderForm, VoidForm
from .models import AnomalyFlag, Batch, StampOrder
from .permissions import batch_permission_policy
from .services import (
    TraceabilityError,
    batch_recall,
    batch_release,
    flag_review,
    is_operator,
    stamp_order_create,
    stamp_order_retry,
    stamps_void,
)

URL_NAMESPACE = "wagtailsnippets_traceability_batch"


POLICY = batch_permission_policy()


def _batch_for(request, pk: int) -> Batch:
    """The batch, if this user may see it (operators: all; members: their own)."""
    batch = get_object_or_404(Batch.objects.select_related("variant__page", "cooperative"), pk=pk)
    if not POLICY.user_has_permission_for_instance(request.user, "view", batch):
        raise PermissionDenied
    return batch


def _can_manage(request, batch) -> bool:
    return POLICY.user_has_permission_for_instance(request.user, "change", batch)


def batch_url(batch) -> str:
    return reverse(f"{URL_NAMESPACE}:stamps", args=[batch.pk])


@require_GET
def batch_stamps(request, pk: int):
    return _render(request, _batch_for(request, pk))


def _render(request, batch, *, status=200, order_form=None, recall_form=None, void_form=None):
    operator = is_operator(request.user)
    context = {
        "batch": batch,
        "product": batch.variant.page,
        "orders": batch.stamp_orders.all(),
        "stamp_count": batch.stamps.count(),
        "flags": AnomalyFlag.objects.filter(batch=batch).select_related("stamp")[:50],
        "history": batch.status_changes.select_related("actor")[:30],
        "events": batch.events.all(),
        "can_manage": _can_manage(request, batch),
        "is_operator": operator,
        "order_form": order_form or StampOrderForm(),
        "recall_form": recall_form or RecallForm(),
        "void_form": void_form or VoidForm(),
        "edit_url": reverse(f"{URL_NAMESPACE}:edit", args=[batch.pk]),
        "list_url": reverse(f"{URL_NAMESPACE}:list"),
        "header_title": f"{batch.lot} · {batch.variant.page.title}",
    }
    from .input_views import inputs_context  # the "Made from" section (admin/_batch_inputs.html)

    context.update(inputs_context(batch))
    return TemplateResponse(request, "traceability/admin/batch_stamps.html", context, status=status)


@require_POST
def batch_order_stamps(request, pk: int):
    batch = _batch_for(request, pk)
    if not _can_manage(request, batch):
        raise PermissionDenied
    form = StampOrderForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                stamp_order_create(
                    batch=batch,
                    count=form.cleaned_data["count"],
                    layout=form.cleaned_data["layout"],
                    user=request.user,
                )
        except TraceabilityError as exc:
            form.add_error("count", str(exc))
        else:
            messages.success(request, _("Stamp order queued: watch its progress below."))
            return redirect(batch_url(batch))
    return _render(request, batch, status=400, order_form=form)


@require_POST
def batch_release_view(request, pk: int):
    batch = _batch_for(request, pk)
    if not _can_manage(request, batch):
        raise PermissionDenied
    try:
        batch_release(batch=batch, user=request.user)
    except TraceabilityError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Batch released: its stamps are active."))
    return redirect(batch_url(batch))


@require_POST
def batch_recall_view(request, pk: int):
    batch = _batch_for(request, pk)
    form = RecallForm(request.POST)
    if not is_operator(request.user):
        raise PermissionDenied
    if form.is_valid():
        try:
            batch_recall(batch=batch, reason=form.cleaned_data["reason"], user=request.user)
        except TraceabilityError as exc:
            form.add_error("reason", str(exc))
        else:
            messages.success(request, _("Batch recalled: every stamp of it now says RECALLED."))
            # Straight to the reach: who received it, what is still in stock.
            return redirect(reverse(f"{URL_NAMESPACE}:recall_reach", args=[batch.pk]))
    return _render(request, batch, status=400, recall_form=form)


@require_POST
def batch_void_view(request, pk: int):
    batch = _batch_for(request, pk)
    if not is_operator(request.user):
        raise PermissionDenied
    form = VoidForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            n = stamps_void(
                batch=batch,
                number_from=data["number_from"],
                number_to=data["number_to"],
                reason=data["reason"],
                user=request.user,
            )
        except TraceabilityError as exc:
            form.add_error("number_from", str(exc))
        else:
            messages.success(request, _("%(n)s stamps voided.") % {"n": n})
            return redirect(batch_url(batch))
    return _render(request, batch, status=400, void_form=form)


def _order_for(request, order_pk: int) -> StampOrder:
    order = get_object_or_404(StampOrder.objects.select_related("batch"), pk=order_pk)
    _batch_for(request, order.batch_id)
    return order


@require_POST
def stamp_order_retry_view(request, order_pk: int):
    order = _order_for(request, order_pk)
    if not _can_manage(request, order.batch):
        raise PermissionDenied
    try:
        stamp_order_retry(order=order, user=request.user)
    except TraceabilityError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The order runs again from where it stopped."))
    return redirect(batch_url(order.batch))


@require_GET
def stamp_order_progress(request, order_pk: int):
    order = _order_for(request, order_pk)
    return JsonResponse(
        {
            "status": order.status,
            "status_label": str(order.get_status_display()),
            "issued": order.issued,
            "rendered": order.rendered,
            "count": order.count,
            "percent": order.progress_percent,
            "error": order.error,
            "done": order.status in (StampOrder.Status.DONE, StampOrder.Status.FAILED),
        }
    )


@require_GET
def stamp_order_download(request, order_pk: int, kind: str):
    order = _order_for(request, order_pk)
    if not _can_manage(request, order.batch):
        raise PermissionDenied  # inspectors may look, not print
    field = {"pdf": order.pdf_file, "csv": order.csv_file}.get(kind)
    if not field:
        raise Http404(_("The print file is not ready yet."))
    return FileResponse(
        field.open("rb"),
        as_attachment=True,
        filename=field.name.rsplit("/", 1)[-1],
        content_type={
            ".pdf": "application/pdf",
            ".zip": "application/zip",  # a large order: several PDFs
            ".csv": "text/csv; charset=utf-8",
        }[os.path.splitext(field.name)[1]],
    )


@require_GET
def batch_epcis_download(request, pk: int):
    from .views import epcis_response

    return epcis_response(_batch_for(request, pk))


FLAG_NAMESPACE = "wagtailsnippets_traceability_anomalyflag"


def flag_review_view(request, pk: int):
    """An operator reviews one anomaly flag: explained (stops warning) or confirmed."""
    if not is_operator(request.user):
        raise PermissionDenied
    flag = get_object_or_404(
        AnomalyFlag.objects.select_related(
            "stamp__batch__variant__page", "stamp__batch__cooperative", "reviewed_by"
        ),
        pk=pk,
    )
    form = FlagReviewForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                flag_review(
                    flag=flag,
                    outcome=form.cleaned_data["outcome"],
                    note=form.cleaned_data["note"],
                    user=request.user,
                )
            except TraceabilityError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Review saved."))
                return redirect(reverse(f"{FLAG_NAMESPACE}:list"))
        status = 400
    batch = flag.stamp.batch
    context = {
        "flag": flag,
        "batch": batch,
        "form": form,
        "scans": [
            (scan, province_name(scan.province_code))
            for scan in flag.stamp.scans.order_by("-scanned_at")[:20]
        ],
        "batch_url": batch_url(batch),
        "list_url": reverse(f"{FLAG_NAMESPACE}:list"),
        "header_title": _("Review: %(rule)s") % {"rule": flag.get_rule_display()},
    }
    return TemplateResponse(request, "traceability/admin/flag_review.html", context, status=status)
