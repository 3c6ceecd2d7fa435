from django.urls import translate_url
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language
from wagtail.models import Page

from catalog.models import Category
from marketplace.admin_paths import is_admin_path

from .models import ArticleIndexPage, CooperativeIndexPage


def _section_pages() -> list[Page]:
    """The cooperatives and stories indexes, in one query, for the header and footer."""
    return list(Page.objects.live().type(CooperativeIndexPage, ArticleIndexPage).order_by("path"))


def storefront(request):
    """Navigation shared by every storefront page."""
    if is_admin_path(request.path):
        return {}
    current = get_language()
    return {
        "section_pages": SimpleLazyObject(_section_pages),
        "nav_categories": Category.objects.select_related("page").filter(page__live=True),
        "alternate_language": "en" if current == "vi" else "vi",
        "alternate_language_url": translate_url(
            request.get_full_path(), "en" if current == "vi" else "vi"
        ),
    }
