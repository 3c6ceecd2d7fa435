from urllib.parse import urlencode

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from catalog.search import (
    MAX_QUERY_LENGTH,
    SORTS,
    Filters,
    autocomplete,
    log_search,
    search_products,
)
from catalog.templatetags.catalog_tags import JSON_SCRIPT_ESCAPES
from marketplace.pagecache import shows


class MarkupFreeJSONEncoder(DjangoJSONEncoder):
    """JSON with ``<``, ``>`` and ``&`` written ``\\u003C``…: the same data for any parser,
    and nothing a browser could take for markup (names are typed by cooperatives)."""

    def encode(self, o) -> str:
        return super().encode(o).translate(JSON_SCRIPT_ESCAPES)


FACET_PARAMS = {
    "category": "category",
    "province": "province",
    "cooperative": "cooperative",
    "stars": "stars",
    "availability": "availability",
}


def _page_number(raw: str) -> tuple[int, str]:
    try:
        return int(raw or 1), ""
    except ValueError:
        return 1, _("Page numbers are whole numbers: showing page 1.")


@require_GET
def search(request):
    """``/search/?q=&category=&province=&cooperative=&stars=&price_min=&price_max=
    &availability=&sort=&page=``: a plain GET form, so every result page has a shareable URL
    and works without JavaScript."""
    shows("search")  # availability facets count every product: any stock change shows
    query = request.GET.get("q", "")
    filters, notes = Filters.from_params(request.GET)
    page, page_note = _page_number(request.GET.get("page", ""))
    sort = request.GET.get("sort", "relevance")
    result = search_products(query, filters, sort, page)
    result.notes[:0] = [n for n in [*notes, page_note] if n]
    if result.query and page == 1 and not request.GET.get("page"):
        log_search(result.query, result.total)
    base = {"q": result.query, **filters.params()}
    if result.sort != "relevance":
        base["sort"] = result.sort

    def url(**changes) -> str:
        params = {**base, **changes}
        return "?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})

    for name, values in result.facets.items():
        for value in values:
            if name == "price":
                low, _sep, high = value.value.partition("-")
                value.url = (
                    url(price_min=None, price_max=None, page=None)
                    if value.selected
                    else url(price_min=low, price_max=high, page=None)
                )
            else:
                param = FACET_PARAMS[name]
                value.url = url(**{param: None if value.selected else value.value, "page": None})
    pages = []
    if result.pages > 1:
        for number in sorted({1, result.page - 1, result.page, result.page + 1, result.pages}):
            if 1 <= number <= result.pages:
                pages.append((number, url(page=number if number > 1 else None)))
    return render(
        request,
        "cms/search.html",
        {
            "result": result,
            "query": result.query,
            "too_long": len(query) > MAX_QUERY_LENGTH,
            "sorts": list(SORTS.items()),
            "hidden_filters": filters.params(),
            "pages": pages,
            "clear_url": url(
                category=None,
                province=None,
                cooperative=None,
                stars=None,
                availability=None,
                price_min=None,
                price_max=None,
            ),
            "any_filter": bool(filters.params()),
            "suggestion_url": "?" + urlencode({"q": result.suggestion})
            if result.suggestion
            else "",
        },
    )


@require_GET
def suggest(request):
    """Autocomplete: JSON ``{"suggestions": [{kind, label, detail, url}]}`` from 2 characters."""
    shows("search")
    response = JsonResponse(
        {"suggestions": autocomplete(request.GET.get("q", ""))}, encoder=MarkupFreeJSONEncoder
    )
    response["Cache-Control"] = "public, max-age=60"
    return response


@require_GET
def robots_txt(request):
    """``/robots.txt``: private and per-visitor paths (both languages) kept out of crawlers,
    and where the sitemap is."""
    from marketplace.admin_paths import admin_prefixes

    from .sharing import PRIVATE_PATHS, site_url

    lines = ["User-agent: *"]
    for path in (*admin_prefixes(), *PRIVATE_PATHS):
        lines.append(f"Disallow: {path}")
        if path in ("/cart/", "/checkout/", "/orders/", "/account/"):
            lines.append(f"Disallow: /en{path}")
    lines.append(f"Sitemap: {site_url('/sitemap.xml')}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_GET
def favicon(request):
    """``/favicon.ico`` (browsers and link scrapers ask for it at the root)."""
    response = HttpResponseRedirect(static("img/favicon.ico"))
    patch_cache_control(response, public=True, max_age=86400)
    return response


@require_GET
def web_manifest(request):
    """``/manifest.webmanifest``: name, colours and icons for "Add to home screen"."""
    from .sharing import SITE_NAME

    data = {
        "name": SITE_NAME,
        "short_name": "OCOP",
        "description": _("OCOP products sold by the cooperatives that make them"),
        "lang": "vi",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1f5f3a",
        "icons": [
            {"src": static(f"img/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
            for size in (192, 512)
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    patch_cache_control(response, public=True, max_age=86400)
    return response
