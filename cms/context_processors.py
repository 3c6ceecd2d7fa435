from django.urls import translate_url
from django.utils.translation import get_language

from catalog.models import Category


def storefront(request):
    """Navigation shared by every storefront page."""
    if request.path.startswith(("/admin/", "/django-admin/")):
        return {}
    current = get_language()
    return {
        "nav_categories": Category.objects.select_related("page").filter(page__live=True),
        "alternate_language": "en" if current == "vi" else "vi",
        "alternate_language_url": translate_url(
            request.get_full_path(), "en" if current == "vi" else "vi"
        ),
    }
