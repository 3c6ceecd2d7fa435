"""Order e-mails, in the shopper's language (Vietnamese or English), plain text."""

from django.conf import settings
from django.urls import reverse

from marketplace.mail import absolute, send_templated

from .links import tracking_url
from .models import Order, SubOrder


def _send(template: str, context: dict, to: list[str], language: str) -> None:
    send_templated(f"orders/email/{template}", context, to, language)


def _order(order_id: int) -> Order:
    return Order.objects.prefetch_related("suborders__lines", "suborders__cooperative").get(
        pk=order_id
    )


def _order_context(order: Order) -> dict:
    from .vietqr import marketplace_transfer

    context = {"order": order, "tracking_url": tracking_url(order)}
    if order.payment_method == "vietqr" and order.status == Order.Status.AWAITING_PAYMENT:
        context["transfer"] = marketplace_transfer(amount=order.total, purpose=order.number)
    return context


def order_placed(order_id: int) -> None:
    order = _order(order_id)
    _send("order_placed", _order_context(order), [order.email], order.language)


def payment_received(order_id: int) -> None:
    order = _order(order_id)
    _send("payment_received", _order_context(order), [order.email], order.language)


def order_cancelled(order_id: int) -> None:
    order = _order(order_id)
    _send("order_cancelled", _order_context(order), [order.email], order.language)


def _cooperative_addresses(suborder: SubOrder) -> list[str]:
    return _addresses_of(suborder.cooperative)


def _addresses_of(coop) -> list[str]:
    members = coop.memberships.select_related("user").exclude(user__email="")
    return sorted({coop.email, *(m.user.email for m in members)} - {""})


def suborder_new(suborder_id: int) -> None:
    suborder = SubOrder.objects.select_related("order", "cooperative").get(pk=suborder_id)
    admin_url = absolute(reverse("wagtailsnippets_orders_suborder:detail", args=[suborder.pk]))
    _send(
        "suborder_new",
        {"suborder": suborder, "order": suborder.order, "admin_url": admin_url},
        _cooperative_addresses(suborder),
        settings.LANGUAGE_CODE,
    )


def suborder_shipped(suborder_id: int) -> None:
    suborder = SubOrder.objects.select_related("order", "cooperative").get(pk=suborder_id)
    order = suborder.order
    _send(
        "suborder_shipped",
        {"suborder": suborder, "order": order, "tracking_url": tracking_url(order)},
        [order.email],
        order.language,
    )


def suborder_cancelled(suborder_id: int) -> None:
    suborder = SubOrder.objects.select_related("order", "cooperative").get(pk=suborder_id)
    order = suborder.order
    reason = suborder.status_changes.filter(to_status="cancelled").last()
    _send(
        "suborder_cancelled",
        {
            "suborder": suborder,
            "order": order,
            "reason": reason.reason if reason else "",
            "tracking_url": tracking_url(order),
        },
        [order.email],
        order.language,
    )


def staff_attention(order_id: int) -> None:
    order = Order.objects.get(pk=order_id)
    admin_url = absolute(reverse("wagtailsnippets_orders_order:detail", args=[order.pk]))
    _send(
        "staff_attention",
        {"order": order, "admin_url": admin_url},
        settings.ORDER_STAFF_EMAILS,
        settings.LANGUAGE_CODE,
    )


def low_stock(variant_id: int) -> None:
    from catalog.models import ProductVariant

    variant = ProductVariant.objects.select_related("page__cooperative", "stock").get(pk=variant_id)
    stock_url = absolute(reverse("wagtailsnippets_catalog_stock:edit", args=[variant.pk]))
    _send(
        "low_stock",
        {"variant": variant, "available": variant.available_quantity, "stock_url": stock_url},
        _addresses_of(variant.page.cooperative),
        settings.LANGUAGE_CODE,
    )
