from django.core.validators import slug_re
from django.shortcuts import render
from django.views.decorators.http import require_GET

from catalog.models import Category
from catalog.search import MAX_QUERY_LENGTH, search_products


@require_GET
def search(request):
    """``/search/?q=``: the one search entry point of the storefront."""
    query = request.GET.get("q", "")
    category = None
    category_slug = request.GET.get("category", "")
    if slug_re.fullmatch(category_slug):
        category = Category.objects.filter(slug=category_slug).first()
    result = search_products(query, category=category)
    return render(
        request,
        "cms/search.html",
        {
            "result": result,
            "query": result.query,
            "too_long": len(query) > MAX_QUERY_LENGTH,
            "categories": Category.objects.all(),
        },
    )
