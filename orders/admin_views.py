"""Admin screens of orders: a cooperative's sub-order (confirm → pack → ship → deliver, cash
collected, cancel), the operator's order (transfer confirmed, refunds, cancel), and the
market-stall VietQR of a cooperative. Every view checks scope, then calls a service."""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.permissions import CooperativeScopedPermissionPolicy
from marketplace.models import Cooperative
from marketplace.roles import member_cooperative_ids

from . import services, vietqr
from .forms import ConfirmTransferForm, HandledForm, ReasonForm, RefundForm, ShipForm
from .models import Order, PaymentMethod, SubOrder, WebhookEvent
from .states import ForbiddenTransition, can_move

SUBORDER_NS = "wagtailsnippets_orders_suborder"
ORDER_NS = "wagtailsnippets_orders_order"


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


def _suborder_for(request, pk: int, action: str = "view") -> SubOrder:
    suborder = get_object_or_404(
        SubOrder.objects.select_related("order", "cooperative").prefetch_related("lines"), pk=pk
    )
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
