"""Admin screens of orders: a cooperative's sub-order (confirm → pack → ship → deliver, cash
collected, cancel), the operator's order (transfer confirmed, refunds, cancel), and the
market-stall VietQR of a cooperative. Every view checks scope, then calls a service."""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.permissions import CooperativeScopedPermissionPolicy
from marketplace.middleware import forms_check_control_characters
from marketplace.models import Cooperative
from marketplace.roles import member_cooperative_ids
from traceability import packing

from . import services, vietqr
from .forms import ConfirmTransferForm, HandledForm, ReasonForm, RefundForm, ShipForm
from .models import Order, PaymentMethod, SubOrder, WebhookEvent
from .states import ForbiddenTransition, can_move

SUBORDER_NS = "wagtailsnippets_orders_suborder"
ORDER_NS = "wagtailsnippets_orders_order"
# The packing screen opens from confirming on; once shipped it shows what went in, read-only.
PACKING_SHOWN = (
    SubOrder.Status.CONFIRMED,
    SubOrder.Status.PACKED,
    SubOrder.Status.SHIPPED,
    SubOrder.Status.DELIVERED,
)


class NoAddDeleteMixin:
    """Orders are made by checkouts and moved by actions, never typed in or deleted."""

    def user_has_permission(self, user, action):
        return action not in ("add", "delete") and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return super().user_has_any_permission(
            user, [a for a in actions if a not in ("add", "delete")]
        )


class SubOrderPolicy(NoAddDeleteMixin, CooperativeScopedPermissionPolicy):
    pass


def suborder_policy() -> SubOrderPolicy:
    return SubOrderPolicy(
        SubOrder, cooperative_lookup="cooperative", cooperative_of=lambda s: s.cooperative_id
    )


POLICY = suborder_policy()


def _suborder_for(request, pk: int, action: str = "view", *, lines: bool = True) -> SubOrder:
    queryset = SubOrder.objects.select_related("order", "cooperative")
    suborder = get_object_or_404(queryset.prefetch_related("lines") if lines else queryset, pk=pk)
    if not POLICY.user_has_permission_for_instance(request.user, action, suborder):
        raise PermissionDenied
    return suborder


def suborder_url(suborder) -> str:
    return reverse(f"{SUBORDER_NS}:detail", args=[suborder.pk])


@require_GET
def suborder_detail(request, pk: int):
    return _render_suborder(request, _suborder_for(request, pk))


def _render_suborder(request, suborder, *, ship_form=None, cancel_form=None, status=200):
    S = SubOrder.Status
    can_manage = POLICY.user_has_permission_for_instance(request.user, "change", suborder)
    order = suborder.order
    context = {
        "suborder": suborder,
        "order": order,
        "can_manage": can_manage,
        "can_confirm": can_manage and can_move(suborder, S.CONFIRMED),
        "can_pack": can_manage and can_move(suborder, S.PACKED),
        "can_ship": can_manage and can_move(suborder, S.SHIPPED),
        "can_deliver": can_manage and can_move(suborder, S.DELIVERED),
        "can_collect": can_manage
        and order.payment_method == PaymentMethod.COD
        and suborder.status in (S.SHIPPED, S.DELIVERED)
        and not suborder.cod_collected_at,
        "can_cancel": can_manage and suborder.status in services.CANCELLABLE,
        "ship_form": ship_form or ShipForm(),
        "cancel_form": cancel_form or ReasonForm(),
        "history": suborder.status_changes.select_related("actor"),
        "list_url": reverse(f"{SUBORDER_NS}:list"),
        "header_title": f"{order.number} · {suborder.cooperative.name}",
        "packing_url": reverse(f"{SUBORDER_NS}:packing", args=[suborder.pk]),
        "can_open_packing": can_manage and suborder.status in PACKING_SHOWN,
        "packable": suborder.status in packing.PACKABLE,
        "missing": packing.missing_units(suborder)
        if can_manage and suborder.status in packing.PACKABLE
        else 0,
    }
    return TemplateResponse(request, "orders/admin/suborder_detail.html", context, status=status)


@require_POST
def suborder_action(request, pk: int, action: str):
    suborder = _suborder_for(request, pk, "change")
    try:
        if action == "confirm":
            services.suborder_confirm(suborder, actor=request.user)
        elif action == "pack":
            services.suborder_pack(suborder, actor=request.user)
        elif action == "ship":
            form = ShipForm(request.POST)
            if not form.is_valid():
                return _render_suborder(request, suborder, ship_form=form, status=400)
            services.suborder_ship(suborder, actor=request.user, **form.cleaned_data)
        elif action == "deliver":
            services.suborder_deliver(suborder, actor=request.user)
        elif action == "collect":
            services.suborder_collect_cash(suborder, actor=request.user)
        elif action == "cancel":
            form = ReasonForm(request.POST)
            if not form.is_valid():
                return _render_suborder(request, suborder, cancel_form=form, status=400)
            services.suborder_cancel(
                suborder, actor=request.user, reason=form.cleaned_data["reason"]
            )
        else:
            raise PermissionDenied
    except (services.OrderActionError, ForbiddenTransition) as exc:
        messages.error(request, str(exc))
        return redirect(suborder_url(suborder))
    messages.success(request, _("Done."))
    return redirect(suborder_url(suborder))


# --- packing a sub-order: its stamps and lots (traceability.packing) -------------------


def packing_url(suborder) -> str:
    return reverse(f"{SUBORDER_NS}:packing", args=[suborder.pk])


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _packing_rows(suborder, rows=None) -> list[packing.LineProgress]:
    """Each line as the screen draws it: what is packed and, while units are missing, the
    batches to choose from (one query for every line's batches). ``rows`` (some of
    ``packing.progress``'s) draws only those."""
    rows = packing.progress(suborder) if rows is None else rows
    if suborder.status in packing.PACKABLE:
        wanted = [row.line.variant_id for row in rows if row.traced and row.missing]
        batches = packing.packable_batches_by_variant(wanted)
        for row in rows:
            if row.traced and row.missing:
                row.batches = batches.get(row.line.variant_id, [])
    for row in rows:
        row.by_batch = [lot for lot in row.lots if lot.quantity > lot.stamped]
        for lot in row.by_batch:
            lot.unstamped = lot.quantity - lot.stamped
        # A product never stamped is recorded by batch; a stamped one is scanned, and its
        # batch is chosen only for a unit whose stamp cannot be read.
        row.stamped_product = bool(row.stamped) or any(b.stamped for b in row.batches)
    return rows


def _summary(rows) -> dict:
    """The numbers the screen shows above and below the lines (progress, *Packed*)."""
    traced = [row for row in rows if row.traced]
    return {
        "missing": sum(row.missing for row in rows),
        "units": sum(row.line.quantity for row in traced),
        "packed": sum(min(row.packed, row.line.quantity) for row in traced),
    }


def _line_numbers(row) -> dict:
    return {
        "id": row.line.pk,
        "quantity": row.line.quantity,
        "packed": row.packed,
        "missing": row.missing,
    }


def _counts(rows) -> dict:
    return {**_summary(rows), "lines": [_line_numbers(row) for row in rows]}


def _packing_context(request, suborder, rows) -> dict:
    counts = _summary(rows)
    return {
        "suborder": suborder,
        "order": suborder.order,
        "rows": rows,
        "counts": counts,
        "packable": suborder.status in packing.PACKABLE,
        "can_pack": can_move(suborder, SubOrder.Status.PACKED),
        "detail_url": suborder_url(suborder),
    }


@require_GET
def suborder_packing(request, pk: int):
    """The packing screen: scan each unit's stamp (camera or USB scanner), or record the
    batch of a product without stamps; *Packed* once every unit is recorded."""
    suborder = _suborder_for(request, pk, "change")
    if suborder.status not in PACKING_SHOWN:
        messages.error(request, _("Confirm the order before packing it."))
        return redirect(suborder_url(suborder))
    context = _packing_context(request, suborder, _packing_rows(suborder))
    context.update(
        header_title=_("Packing %(order)s") % {"order": suborder.order.number},
        scan_url=reverse(f"{SUBORDER_NS}:pack_scan", args=[suborder.pk]),
        camera_url=static("traceability/qr-camera.js"),
        jsqr_url=static("vendor/jsqr/jsQR.js"),
    )
    return TemplateResponse(request, "orders/admin/suborder_packing.html", context)


def _packing_answer(request, suborder, *, ok: bool, message: str, reason: str = ""):
    """JSON for a script: a refusal with the screen's numbers, or after a change every line
    re-drawn (a batch chosen, a unit taken out: the screen's script sends only scans, see
    ``_scan_answer``); without one, a message and back to the screen."""
    if not _wants_json(request):
        (messages.success if ok else messages.error)(request, message)
        return redirect(packing_url(suborder))
    if not ok:
        return _refusal_answer(suborder, message=message, reason=reason)
    rows = _packing_rows(suborder)
    data = {"ok": ok, "message": message, "reason": reason, **_counts(rows)}
    data["html"] = render_to_string(
        "orders/admin/_packing_lines.html",
        _packing_context(request, suborder, rows),
        request=request,
    )
    return JsonResponse(data)


def _refusal_answer(suborder, *, message: str, reason: str):
    """A refusal for the script: the reason and the screen's numbers (nothing is re-drawn;
    no row per unit is read)."""
    rows = packing.progress(suborder, stamps=False)
    data = {"ok": False, "message": message, "reason": reason, **_summary(rows)}
    return JsonResponse(data, status=400)


def _scan_answer(request, suborder, parcel, *, message: str):
    """A unit packed, for the screen's script (``static/orders/packing.js``): the screen's
    numbers and the one line that changed, ``line.html`` drawn with the unit just scanned
    (``line.stamp``) as its only scanned unit; the script keeps those already on the page.
    Its cost does not grow with the units packed (no row per unit is read or drawn)."""
    if not _wants_json(request):
        return _packing_answer(request, suborder, ok=True, message=message)
    rows = packing.progress(suborder, stamps=False)
    [row] = [row for row in rows if row.line.pk == parcel.line_id]
    row.stamps = [parcel]
    _packing_rows(suborder, [row])
    context = {"suborder": suborder, "row": row, "packable": suborder.status in packing.PACKABLE}
    line = {
        **_line_numbers(row),
        "stamp": parcel.stamp_id,
        "html": render_to_string("orders/admin/_packing_line.html", context, request=request),
    }
    data = {"ok": True, "message": message, "reason": "", **_summary(rows), "line": line}
    return JsonResponse(data)


def _packing_refused(request):
    """Another cooperative's sub-order: a JSON 403 for the script, else Wagtail's refusal."""
    if _wants_json(request):
        return JsonResponse(
            {
                "ok": False,
                "message": _("This order belongs to another cooperative."),
                "reason": "forbidden",
            },
            status=403,
        )
    raise PermissionDenied


@require_POST
@forms_check_control_characters  # a NUL in a scanned code is packing's "not a stamp code"
def suborder_pack_scan(request, pk: int):
    """One scanned stamp: ``packing.pack_stamp`` checks it and records the unit."""
    try:
        suborder = _suborder_for(request, pk, "change", lines=False)
    except PermissionDenied:
        return _packing_refused(request)
    try:
        parcel = packing.pack_stamp(
            suborder=suborder, code=request.POST.get("code", ""), user=request.user
        )
    except packing.PackingError as exc:
        return _packing_answer(request, suborder, ok=False, message=str(exc), reason=exc.reason)
    stamp = parcel.stamp
    message = _("Packed: %(product)s, lot %(lot)s, stamp no. %(number)s.") % {
        "product": f"{parcel.line.product_title} — {parcel.line.unit_label}",
        "lot": stamp.batch.lot,
        "number": stamp.number,
    }
    return _scan_answer(request, suborder, parcel, message=message)


@require_POST
@forms_check_control_characters  # packing reads the numbers: a NUL is "not a number"
def suborder_pack_batch(request, pk: int):
    """Units of a line without stamps, recorded by the batch they were filled from."""
    suborder = _suborder_for(request, pk, "change")
    try:
        lot = packing.pack_batch(
            suborder=suborder,
            line_id=request.POST.get("line"),
            batch_id=request.POST.get("batch"),
            quantity=request.POST.get("quantity"),
            user=request.user,
        )
    except packing.PackingError as exc:
        return _packing_answer(request, suborder, ok=False, message=str(exc), reason=exc.reason)
    message = _("Recorded: %(n)s unit(s) of %(product)s from lot %(lot)s.") % {
        "n": int(request.POST["quantity"]),
        "product": f"{lot.line.product_title} — {lot.line.unit_label}",
        "lot": lot.batch.lot,
    }
    return _packing_answer(request, suborder, ok=True, message=message)


@require_POST
def suborder_unpack_stamp(request, pk: int, stamp_id: int):
    """Take one scanned unit out of the parcel again (its stamp is back on the shelf)."""
    suborder = _suborder_for(request, pk, "change")
    try:
        packing.unpack_stamp(
            suborder=suborder, stamp_id=stamp_id, user=request.user, reason="taken out of parcel"
        )
    except packing.PackingError as exc:
        return _packing_answer(request, suborder, ok=False, message=str(exc), reason=exc.reason)
    return _packing_answer(request, suborder, ok=True, message=_("Unit taken out of the parcel."))


@require_POST
def suborder_unpack_lot(request, pk: int, lot_id: int):
    """Take the units recorded by batch for a line's lot out again."""
    suborder = _suborder_for(request, pk, "change")
    try:
        packing.unpack_lot(suborder=suborder, lot_id=lot_id, user=request.user)
    except packing.PackingError as exc:
        return _packing_answer(request, suborder, ok=False, message=str(exc), reason=exc.reason)
    return _packing_answer(
        request, suborder, ok=True, message=_("Units recorded by batch taken out.")
    )


# --- the operator's order screen -----------------------------------------------------


def _operator_only(request) -> None:
    if member_cooperative_ids(request.user) is not None:
        raise PermissionDenied


def order_url(order) -> str:
    return reverse(f"{ORDER_NS}:detail", args=[order.pk])


@require_GET
def order_detail(request, pk: int):
    _operator_only(request)
    order = get_object_or_404(Order, pk=pk)
    return _render_order(request, order)


def _render_order(request, order, *, transfer_form=None, refund_form=None, status=200):
    payment = order.payment
    context = {
        "order": order,
        "payment": payment,
        "suborders": order.suborders.select_related("cooperative").prefetch_related("lines"),
        "history": order.status_changes.select_related("actor", "suborder__cooperative"),
        "can_confirm_transfer": order.payment_method == PaymentMethod.VIETQR
        and payment is not None
        and payment.status != payment.Status.SUCCEEDED
        and payment.status != payment.Status.REFUNDED,
        "can_refund": payment is not None and payment.status == payment.Status.SUCCEEDED,
        "can_cancel": services.can_cancel(order),
        "transfer_form": transfer_form or ConfirmTransferForm(),
        "refund_form": refund_form or RefundForm(),
        "list_url": reverse(f"{ORDER_NS}:list"),
        "header_title": order.number,
    }
    return TemplateResponse(request, "orders/admin/order_detail.html", context, status=status)


@require_POST
def order_action(request, pk: int, action: str):
    _operator_only(request)
    order = get_object_or_404(Order, pk=pk)
    try:
        if action == "confirm_transfer":
            form = ConfirmTransferForm(request.POST)
            if not form.is_valid():
                return _render_order(request, order, transfer_form=form, status=400)
            services.confirm_transfer(
                order, actor=request.user, reference=form.cleaned_data["reference"]
            )
        elif action == "refund":
            form = RefundForm(request.POST)
            if not form.is_valid():
                return _render_order(request, order, refund_form=form, status=400)
            services.refund(order.payment, actor=request.user, **form.cleaned_data)
        elif action == "cancel":
            services.cancel_order(order, actor=request.user, reason=_("Cancelled by staff"))
        elif action == "resolve":
            Order.objects.filter(pk=order.pk).update(needs_attention=False)
        else:
            raise PermissionDenied
    except (services.OrderActionError, ForbiddenTransition) as exc:
        messages.error(request, str(exc))
        return redirect(order_url(order))
    messages.success(request, _("Done."))
    return redirect(order_url(order))


# --- market-stall VietQR ----------------------------------------------------------------


@require_GET
def stall_vietqr(request):
    """A static VietQR (no amount) per cooperative the user manages, to print for a stall."""
    ids = member_cooperative_ids(request.user)
    cooperatives = (
        Cooperative.objects.all() if ids is None else Cooperative.objects.filter(pk__in=ids)
    )
    if ids is not None and not ids:
        raise PermissionDenied
    codes = []
    for cooperative in cooperatives.order_by("name"):
        try:
            transfer = vietqr.cooperative_transfer(cooperative)
        except vietqr.VietQRError:
            codes.append({"cooperative": cooperative, "transfer": None})
            continue
        codes.append(
            {
                "cooperative": cooperative,
                "transfer": transfer,
                "svg": vietqr.svg(transfer.payload, scale=8),
            }
        )
    return TemplateResponse(
        request,
        "orders/admin/stall_vietqr.html",
        {"codes": codes, "header_title": _("Market-stall VietQR")},
    )


# --- bank notifications nobody matched ---------------------------------------------------


@require_http_methods(["GET", "POST"])
def webhook_handle(request, pk: int):
    """An operator looks at a notification that matched no order (a mistyped transfer code)
    and, once dealt with (matched by hand on the order, refunded), marks it handled."""
    _operator_only(request)
    event = get_object_or_404(WebhookEvent, pk=pk)
    form = HandledForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        WebhookEvent.objects.filter(pk=event.pk, handled_at__isnull=True).update(
            handled_at=timezone.now(),
            handled_by=request.user,
            handled_note=form.cleaned_data["note"],
        )
        messages.success(request, _("Marked as handled."))
        return redirect(reverse("wagtailadmin_home"))
    payload = json.dumps(event.payload, ensure_ascii=False, indent=2, sort_keys=True)
    return TemplateResponse(
        request,
        "orders/admin/webhook_handle.html",
        {"event": event, "payload": payload, "form": form, "header_title": str(event)},
        status=400 if request.method == "POST" else 200,
    )
