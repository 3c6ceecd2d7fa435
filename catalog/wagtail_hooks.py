from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import Category, OcopCertification, Stock
from .permissions import (
    CooperativeScopedEditView,
    CooperativeScopedHistoryView,
    CooperativeScopedPermissionPolicy,
    CooperativeScopedUsageView,
    FoldedSearchIndexView,
    ScopedChooserMixin,
    StockEditView,
    scoped_queryset,
)


class CategoryViewSet(SnippetViewSet):
    model = Category
    icon = "tag"
    menu_label = _("Categories")
    list_display = ["name", "name_en", "slug", "sort_order"]


class StockViewSet(ScopedChooserMixin, SnippetViewSet):
    model = Stock
    icon = "clipboard-list"
    menu_label = _("Stock")
    list_display = ["variant", "on_hand", "reserved", "available", "updated_at"]
    search_fields = ["variant__sku", "variant__page__title"]
    index_view_class = FoldedSearchIndexView
    panels = [FieldPanel("on_hand")]
    edit_view_class = StockEditView
    history_view_class = CooperativeScopedHistoryView
    usage_view_class = CooperativeScopedUsageView
    ordering = ["variant__page__title", "variant__sort_order"]

    @cached_property
    def permission_policy(self):
        return CooperativeScopedPermissionPolicy(
            Stock,
            cooperative_lookup="variant__page__cooperative",
            cooperative_of=lambda stock: stock.variant.page.cooperative_id,
        )

    def get_queryset(self, request):
        return scoped_queryset(self, request).select_related("variant__page")


class CertificationViewSet(ScopedChooserMixin, SnippetViewSet):
    model = OcopCertification
    icon = "pick"
    menu_label = _("OCOP certifications")
    list_display = ["product", "stars", "certificate_number", "issued_on", "expires_on"]
    list_filter = ["stars", "issuing_level"]
    edit_view_class = CooperativeScopedEditView
    history_view_class = CooperativeScopedHistoryView
    usage_view_class = CooperativeScopedUsageView

    @cached_property
    def permission_policy(self):
        return CooperativeScopedPermissionPolicy(
            OcopCertification,
            cooperative_lookup="product__cooperative",
            cooperative_of=lambda cert: cert.product.cooperative_id,
        )

    def get_queryset(self, request):
        return scoped_queryset(self, request).select_related("product")


class CatalogGroup(SnippetViewSetGroup):
    items = (StockViewSet, CertificationViewSet, CategoryViewSet)
    menu_icon = "folder-open-inverse"
    menu_label = _("Catalog")
    menu_order = 210


register_snippet(CatalogGroup)


@hooks.register("construct_homepage_panels")
def catalog_panels(request, panels):
    from marketplace.dashboard import add_panels

    from .dashboard import PANELS

    add_panels(request, panels, PANELS)


@hooks.register("construct_homepage_summary_items")
def catalog_summary(request, items):
    from marketplace.dashboard import SummaryCount
    from marketplace.workspace import workspace_for

    from .models import ProductPage

    workspace = workspace_for(request)
    if not (workspace.is_member or workspace.is_operator):
        return
    live = workspace.scope(ProductPage.objects.live()).count()
    items.append(
        SummaryCount(
            icon="doc-full-inverse",
            text=ngettext("%(n)s product on sale", "%(n)s products on sale", live) % {"n": live},
            url=reverse("ocop_quick_stock"),
            order=10,
        )
    )


@hooks.register("register_ocop_reports")
def ocop_reports():
    from .reports import reports

    return reports()


@hooks.register("register_admin_urls")
def quick_stock_urls():
    from django.urls import path

    from . import admin_views

    return [
        path("catalog/quick-stock/", admin_views.quick_stock, name="ocop_quick_stock"),
        path(
            "catalog/quick-stock/export.csv",
            admin_views.quick_stock_export,
            name="ocop_quick_stock_export",
        ),
        path(
            "catalog/quick-stock/import/",
            admin_views.quick_stock_import,
            name="ocop_quick_stock_import",
        ),
    ]


class QuickStockMenuItem(MenuItem):
    def is_shown(self, request):
        from marketplace.workspace import workspace_for

        workspace = workspace_for(request)
        return (workspace.is_operator or workspace.is_member) and request.user.has_perm(
            "catalog.change_stock"
        )


@hooks.register("register_admin_menu_item")
def quick_stock_menu_item():
    return QuickStockMenuItem(
        _("Stock and prices"), reverse("ocop_quick_stock"), icon_name="clipboard-list", order=209
    )


@hooks.register("register_log_actions")
def price_log_action(actions):
    """A price set outside the page editor (quick table, CSV) shows in the page's history."""
    from wagtail.log_actions import LogFormatter

    from marketplace.money import format_vnd

    from .prices import PRICE_CHANGED

    @actions.register_action(PRICE_CHANGED)
    class PriceChanged(LogFormatter):
        label = _("Change price")

        def format_message(self, log_entry):
            data = log_entry.data or {}
            try:
                return _("Price of %(sku)s: %(old)s → %(new)s") % {
                    "sku": data["sku"],
                    "old": format_vnd(int(data["from"])),
                    "new": format_vnd(int(data["to"])),
                }
            except (KeyError, TypeError, ValueError):
                return _("Price changed")
