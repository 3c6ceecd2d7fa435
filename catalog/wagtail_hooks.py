from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import Category, OcopCertification, Stock


def _member_cooperative_ids(user) -> list[int] | None:
    """None means "all" (operators and superusers)."""
    from marketplace.roles import OPERATORS_GROUP

    if user.is_superuser or user.groups.filter(name=OPERATORS_GROUP).exists():
        return None
    return list(user.memberships.values_list("cooperative_id", flat=True))


class CategoryViewSet(SnippetViewSet):
    model = Category
    icon = "tag"
    menu_label = _("Categories")
    list_display = ["name", "name_en", "slug", "sort_order"]


class StockViewSet(SnippetViewSet):
    model = Stock
    icon = "clipboard-list"
    menu_label = _("Stock")
    list_display = ["variant", "on_hand", "reserved", "available", "updated_at"]
    search_fields = ["variant__sku", "variant__page__title"]
    panels = [FieldPanel("on_hand")]
    ordering = ["variant__page__title", "variant__sort_order"]

    def get_queryset(self, request):
        qs = Stock.objects.select_related("variant__page")
        ids = _member_cooperative_ids(request.user)
        return qs if ids is None else qs.filter(variant__page__cooperative_id__in=ids)


class CertificationViewSet(SnippetViewSet):
    model = OcopCertification
    icon = "pick"
    menu_label = _("OCOP certifications")
    list_display = ["product", "stars", "certificate_number", "issued_on", "expires_on"]
    list_filter = ["stars", "issuing_level"]

    def get_queryset(self, request):
        qs = OcopCertification.objects.select_related("product")
        ids = _member_cooperative_ids(request.user)
        return qs if ids is None else qs.filter(product__cooperative_id__in=ids)


class CatalogGroup(SnippetViewSetGroup):
    items = (StockViewSet, CertificationViewSet, CategoryViewSet)
    menu_icon = "folder-open-inverse"
    menu_label = _("Catalog")
    menu_order = 210


register_snippet(CatalogGroup)
