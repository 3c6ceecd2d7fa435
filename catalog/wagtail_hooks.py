from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import Category, OcopCertification, Stock
from .permissions import (
    CooperativeScopedEditView,
    CooperativeScopedHistoryView,
    CooperativeScopedPermissionPolicy,
    CooperativeScopedUsageView,
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
