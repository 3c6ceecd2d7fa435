"""Orders in the Wagtail admin: each cooperative sees and works its own sub-orders; operators
see every order (with payments, refunds, audit) and the bank notifications nobody matched."""

from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import ListingButton
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import EditView, SnippetViewSet, SnippetViewSetGroup

from catalog.permissions import FoldedSearchIndexView, ScopedChooserMixin, scoped_queryset
from marketplace.columns import money_column
from marketplace.roles import member_cooperative_ids

from . import admin_views
from .models import Order, SubOrder, WebhookEvent


class NoCreateDeletePolicy(admin_views.NoAddDeleteMixin, ModelPermissionPolicy):
    pass


def _to_screen(url_for):
    class ToScreen(EditView):
        """No edit form: statuses move only through the screen's actions."""

        def dispatch(self, request, *args, **kwargs):
            return redirect(url_for(kwargs["pk"]))

    return ToScreen


class SubOrderViewSet(ScopedChooserMixin, SnippetViewSet):
    model = SubOrder
    icon = "list-ul"
    menu_label = _("Orders to fulfil")
    list_display = ["__str__", "status", money_column("total", _("Total")), "created_at"]
    list_filter = ["status"]
    search_fields = ["order__number", "order__full_name", "order__phone"]
    index_view_class = FoldedSearchIndexView
    ordering = ["-created_at"]
    edit_view_class = _to_screen(lambda pk: reverse(f"{admin_views.SUBORDER_NS}:detail", args=[pk]))

    @cached_property
    def permission_policy(self):
        return admin_views.suborder_policy()

    def get_queryset(self, request):
        return scoped_queryset(self, request).select_related("order", "cooperative")

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("screen/<int:pk>/", admin_views.suborder_detail, name="detail"),
            # Packing (before the actions: "packing" is not an action).
            path("screen/<int:pk>/packing/", admin_views.suborder_packing, name="packing"),
            path("screen/<int:pk>/packing/scan/", admin_views.suborder_pack_scan, name="pack_scan"),
            path(
                "screen/<int:pk>/packing/batch/",
                admin_views.suborder_pack_batch,
                name="pack_batch",
            ),
            path(
                "screen/<int:pk>/packing/stamp/<int:stamp_id>/remove/",
                admin_views.suborder_unpack_stamp,
                name="unpack_stamp",
            ),
            path(
                "screen/<int:pk>/packing/lot/<int:lot_id>/remove/",
                admin_views.suborder_unpack_lot,
                name="unpack_lot",
            ),
            path("screen/<int:pk>/<str:action>/", admin_views.suborder_action, name="action"),
        ]


class OperatorOnlyMixin:
    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if member_cooperative_ids(request.user) is None else qs.none()


class OrderViewSet(SnippetViewSet):
    model = Order
    icon = "doc-full"
    menu_label = _("All orders")
    list_display = [
        "number",
        "full_name",
        money_column("total", _("Total")),
        "payment_method",
        "status",
        "created_at",
    ]
    list_filter = ["status", "payment_method", "needs_attention"]
    search_fields = ["number", "full_name", "phone", "email"]
    edit_view_class = _to_screen(lambda pk: reverse(f"{admin_views.ORDER_NS}:detail", args=[pk]))

    @cached_property
    def permission_policy(self):
        return NoCreateDeletePolicy(Order)

    def get_queryset(self, request):
        qs = Order.objects.all()
        return qs if member_cooperative_ids(request.user) is None else qs.none()

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("screen/<int:pk>/", admin_views.order_detail, name="detail"),
            path("screen/<int:pk>/<str:action>/", admin_views.order_action, name="action"),
        ]


class WebhookEventViewSet(SnippetViewSet):
    model = WebhookEvent
    icon = "mail"
    menu_label = _("Payment notifications")
    list_display = ["received_at", "provider", "event_type", "event_id", "outcome"]
    list_filter = ["provider", "event_type"]
    search_fields = ["event_id", "outcome"]
    ordering = ["-received_at"]
    inspect_view_enabled = True

    @cached_property
    def permission_policy(self):
        class ViewOnly(ModelPermissionPolicy):
            def user_has_permission(self, user, action):
                return action in ("view",) and super().user_has_permission(user, action)

            def user_has_any_permission(self, user, actions):
                return "view" in actions and super().user_has_permission(user, "view")

        return ViewOnly(WebhookEvent)

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("handle/<int:pk>/", admin_views.webhook_handle, name="handle"),
        ]


class OrdersGroup(SnippetViewSetGroup):
    items = (SubOrderViewSet, OrderViewSet, WebhookEventViewSet)
    menu_icon = "list-ul"
    menu_label = _("Orders")
    menu_order = 205


register_snippet(OrdersGroup)


@hooks.register("register_snippet_listing_buttons")
def order_screen_button(snippet, user, next_url=None):
    if isinstance(snippet, SubOrder):
        yield ListingButton(
            _("Open"),
            url=reverse(f"{admin_views.SUBORDER_NS}:detail", args=[snippet.pk]),
            priority=5,
        )
    elif isinstance(snippet, Order):
        yield ListingButton(
            _("Open"), url=reverse(f"{admin_views.ORDER_NS}:detail", args=[snippet.pk]), priority=5
        )


@hooks.register("register_admin_urls")
def stall_vietqr_urls():
    return [path("orders/stall-vietqr/", admin_views.stall_vietqr, name="orders_stall_vietqr")]


@hooks.register("register_admin_menu_item")
def stall_vietqr_menu_item():
    return MenuItem(
        _("Market-stall VietQR"),
        reverse("orders_stall_vietqr"),
        icon_name="grip",
        order=206,
    )


@hooks.register("construct_homepage_panels")
def orders_panels(request, panels):
    from marketplace.dashboard import add_panels

    from .dashboard import PANELS

    add_panels(request, panels, PANELS)


@hooks.register("register_ocop_reports")
def ocop_reports():
    from .reports import reports

    return reports()
