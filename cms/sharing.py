"""How the storefront is shared and found: the Open Graph / Twitter tags a link pasted into
Zalo or Facebook is previewed from, canonical and ``hreflang`` links (every page exists in
Vietnamese at ``/…`` and in English at ``/en/…``), the sitemap with both languages, and
``robots.txt``.

Each page type that is shared says what it shows (``share(request)``: title, description,
image, type, price); the rest gets the site's defaults.
"""

from urllib.parse import urlsplit

from django.contrib.sitemaps import views as sitemap_views
from django.urls import translate_url
from django.utils import translation
from wagtail.contrib.sitemaps.sitemap_generator import Sitemap as WagtailSitemap
from wagtail.images.models import SourceImageIOError

from catalog.selectors import SHARE_IMAGE
from marketplace.mail import absolute

SITE_NAME = "OCOP Market"
LANGUAGES = ("vi", "en")
LOCALES = {"vi": "vi_VN", "en": "en_US"}
PREVIEW_FILTER = SHARE_IMAGE
# Paths robots must not crawl: private, per-visitor or endless (stamp lookups); and the
# admin sites' (settings: marketplace.admin_paths).
PRIVATE_PATHS = (
    "/cart/",
    "/checkout/",
    "/orders/",
    "/account/",
    "/api/",
    "/01/",
    "/inspect/",
)


# On the site's own address whichever host was asked: nginx serves the storefront on the
# traceability host too, and search engines must see one copy of each page.
site_url = absolute


def language_urls(request, path: str) -> dict[str, str]:
    """Absolute URLs of ``path`` in each language, and ``x-default`` (Vietnamese)."""
    urls = {code: site_url(translate_url(path, code)) for code in LANGUAGES}
    urls["x-default"] = urls["vi"]
    return urls


def preview_image(request, image) -> dict | None:
    """The image a shared link shows: an absolute URL of a rendition sized for previews."""
    if image is None:
        return None
    try:
        rendition = image.get_rendition(PREVIEW_FILTER)
    except SourceImageIOError:
        return None  # the original file is gone: the page still shows, without a preview
    return {
        "url": site_url(rendition.url),
        "width": rendition.width,
        "height": rendition.height,
        "alt": image.default_alt_text if hasattr(image, "default_alt_text") else image.title,
    }


class Sitemap(WagtailSitemap):
    """Wagtail's sitemap of live public pages, each listed in both languages with the other
    as its ``hreflang`` alternate (and Vietnamese as ``x-default``)."""

    limit = 25_000  # pages per sitemap file: twice as many URLs, the protocol's 50,000 at most

    def _urls(self, page, protocol, domain):
        urls, last_mods = [], set()
        with translation.override("vi"):
            for item in self.paginator.page(page).object_list.iterator():
                for info in item.get_sitemap_urls(self.request):
                    # On the site's own address, as the pages' canonical links.
                    path = urlsplit(info["location"]).path
                    located = {code: site_url(translate_url(path, code)) for code in LANGUAGES}
                    alternates = [
                        {"lang_code": code, "location": url} for code, url in located.items()
                    ]
                    alternates.append({"lang_code": "x-default", "location": located["vi"]})
                    for url in located.values():
                        urls.append({**info, "location": url, "alternates": alternates})
                    last_mods.add(info.get("lastmod"))
        if last_mods and None not in last_mods:
            self.latest_lastmod = max(last_mods)
        return urls


def sitemap(request):
    return sitemap_views.sitemap(request, {"pages": Sitemap(request)})


def share_of(request, page=None, product=None) -> dict:
    """What a shared link to this page shows. ``product`` is the product page's listing
    object (images, variants and stock already loaded)."""
    from django.utils.translation import gettext

    data = {
        "site_name": SITE_NAME,
        "type": "website",
        "title": SITE_NAME,
        "description": gettext(
            "OCOP products straight from the cooperatives of the northern midlands: tea,"
            " custard apples, dong vermicelli, honey, rice, mushrooms."
        ),
        "image": None,
        "price": None,
    }
    if product is not None:
        data.update(
            type="product",
            title=product.display_title,
            description=product.short_description,
            image=preview_image(request, product.main_image),
            price=product.price_from,
        )
    elif page is not None:
        category = getattr(page, "category", None)  # a category's page: its name, translated
        title = category.display_name if category is not None else (page.seo_title or page.title)
        description = (
            page.search_description or getattr(page, "intro", "") or getattr(page, "tagline", "")
        )
        image = getattr(page, "image", None) or getattr(page, "hero_image", None)
        data.update(
            type="article" if hasattr(page, "published_on") else "website",
            title=title,
            image=preview_image(request, image),
        )
        if description:
            data["description"] = description
        if hasattr(page, "published_on"):
            data["published"] = page.published_on
    return data
