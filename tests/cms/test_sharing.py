"""A link shared in Zalo or Facebook shows a preview, and search engines see one page in two
languages: Open Graph / Twitter tags, canonical and hreflang on product, cooperative, category
and story pages in both languages; sitemap.xml, robots.txt, favicon and the web manifest."""

import io
import json
import re
from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest
from PIL import Image as PILImage

from cms.models import ArticleIndexPage, ArticlePage

from ..factories import add_product

pytestmark = pytest.mark.django_db

HOST = "http://testserver"


class Head(HTMLParser):
    """The <head>'s meta properties/names and links, as a shopper's browser or a scraper
    reads them."""

    def __init__(self, html: str):
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: list[dict] = []
        self.feed(html[: html.index("</head>")])

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and ("property" in attrs or "name" in attrs):
            self.meta[attrs.get("property") or attrs["name"]] = attrs.get("content")
        elif tag == "link":
            self.links.append(attrs)

    def link(self, rel: str, hreflang: str | None = None) -> str:
        found = [
            a["href"]
            for a in self.links
            if a.get("rel") == rel and (hreflang is None or a.get("hreflang") == hreflang)
        ]
        assert len(found) == 1, (rel, hreflang, found)
        return found[0]


def photo(title: str):
    """A photo as cooperatives upload them (larger than a preview)."""
    from django.core.files.images import ImageFile
    from wagtail.images import get_image_model

    buffer = io.BytesIO()
    PILImage.new("RGB", (1600, 1200), (40, 120, 60)).save(buffer, "JPEG")
    image = get_image_model()(title=title, file=ImageFile(buffer, name="photo.jpg"))
    image.save()
    return image


@pytest.fixture
def site(tree):
    tree.cooperative_image = photo("Đồi chè La Bằng")
    tree.coop_page.image = tree.cooperative_image
    tree.coop_page.tagline = "Chè sạch dưới chân núi Tam Đảo"
    tree.coop_page.save_revision().publish()
    tree.category_page.intro = "Chè búp, chè móc câu của các hợp tác xã."
    tree.category_page.image = photo("Chè")
    tree.category_page.save_revision().publish()
    tree.product = add_product(
        tree.coop_page,
        title="Chè búp La Bằng",
        title_en="La Bang green tea buds",
        image=photo("Búp chè"),
        price=125_000,
        variants=2,
    )
    stories = ArticleIndexPage(title="Câu chuyện", slug="cau-chuyen")
    tree.home.add_child(instance=stories)
    stories.save_revision().publish()
    tree.article = ArticlePage(
        title="Chè La Bằng lên sàn",
        slug="che-la-bang-len-san",
        intro="Hợp tác xã bán 100 đơn mỗi ngày.",
        image=photo("Phiên chợ"),
        body=[("paragraph", "<p>Mùa dịch, hợp tác xã chuyển sang bán online.</p>")],
    )
    stories.add_child(instance=tree.article)
    tree.article.save_revision().publish()
    return tree


def _head(client, path: str) -> Head:
    response = client.get(path)
    assert response.status_code == 200, path
    return Head(response.content.decode())


def _path(page) -> str:
    """The page's Vietnamese path (``/en`` + it is the English one)."""
    from django.utils import translation

    with translation.override("vi"):
        return page.url


def _expected(site):
    """(page, og:type, title vi, title en, description) per shared page type."""
    return [
        (
            site.product,
            "product",
            "Chè búp La Bằng",
            "La Bang green tea buds",
            site.product.short_description,
        ),
        (
            site.coop_page,
            "website",
            site.coop_page.title,
            site.coop_page.title,
            "Chè sạch dưới chân núi Tam Đảo",
        ),
        (site.category_page, "website", "Chè", "Tea", "Chè búp, chè móc câu của các hợp tác xã."),
        (
            site.article,
            "article",
            "Chè La Bằng lên sàn",
            "Chè La Bằng lên sàn",
            "Hợp tác xã bán 100 đơn mỗi ngày.",
        ),
    ]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_each_page_type_carries_its_sharing_tags(client, site, language):
    for page, kind, title_vi, title_en, description in _expected(site):
        vi_url = HOST + _path(page)
        en_url = HOST + "/en" + _path(page)
        own = vi_url if language == "vi" else en_url
        head = _head(client, own[len(HOST) :])
        where = (page.specific_class.__name__, language)
        assert head.link("canonical") == own, where
        assert head.link("alternate", "vi") == vi_url, where
        assert head.link("alternate", "en") == en_url, where
        assert head.link("alternate", "x-default") == vi_url, where
        meta = head.meta
        assert meta["og:type"] == kind, where
        assert meta["og:title"] == (title_vi if language == "vi" else title_en), where
        assert meta["twitter:title"] == meta["og:title"], where
        assert meta["og:description"] == description == meta["twitter:description"], where
        assert meta["og:url"] == own, where
        assert meta["og:site_name"] == "OCOP Market", where
        assert meta["og:locale"] == {"vi": "vi_VN", "en": "en_US"}[language], where
        assert meta["og:locale:alternate"] == {"vi": "en_US", "en": "vi_VN"}[language], where
        # The photo: an absolute URL of a JPEG rendition sized for link previews.
        image = meta["og:image"]
        assert image.startswith(HOST + "/media/images/") and image.endswith(".jpg"), where
        assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "630"), where
        assert meta["twitter:card"] == "summary_large_image", where
        assert meta["twitter:image"] == image, where
        assert meta["og:image:alt"], where
        if kind == "product":
            assert meta["product:price:amount"] == "125000", where  # the lowest variant
            assert meta["product:price:currency"] == "VND", where
        else:
            assert "product:price:amount" not in meta, where
        if kind == "article":
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", meta["article:published_time"]), where


def test_the_preview_image_is_a_real_1200_by_630_jpeg(client, site, settings):
    meta = _head(client, site.product.url).meta
    path = str(settings.MEDIA_ROOT) + meta["og:image"][len(HOST + "/media") :]
    with PILImage.open(path) as picture:
        assert picture.format == "JPEG" and picture.size == (1200, 630)


def test_a_page_without_a_photo_has_a_text_card(client, site):
    site.coop_page.image = None
    site.coop_page.save_revision().publish()
    meta = _head(client, site.coop_page.url).meta
    assert "og:image" not in meta and meta["twitter:card"] == "summary"


def test_search_and_cart_pages_have_canonical_and_alternates_too(client, site):
    for path, en in (("/search/?q=che", "/en/search/"), ("/cart/", "/en/cart/")):
        head = _head(client, path)
        assert head.link("canonical") == HOST + path.split("?")[0]
        assert head.link("alternate", "en") == HOST + en
        assert head.meta["og:title"] == "OCOP Market"


def test_sitemap_lists_every_live_page_in_both_languages(client, site):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    root = ElementTree.fromstring(response.content)
    entries = {
        url.find("s:loc", ns).text: (
            getattr(url.find("s:lastmod", ns), "text", None),
            {a.get("hreflang"): a.get("href") for a in url.findall("x:link", ns)},
        )
        for url in root.findall("s:url", ns)
    }
    for page, *_ in _expected(site):
        vi_url, en_url = HOST + _path(page), HOST + "/en" + _path(page)
        for url in (vi_url, en_url):
            lastmod, alternates = entries[url]
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", lastmod or ""), url
            assert alternates == {"vi": vi_url, "en": en_url, "x-default": vi_url}
    draft = add_product(site.coop_page, title="Chè chưa bán", publish=False)
    again = ElementTree.fromstring(client.get("/sitemap.xml").content)
    assert not [u for u in again.findall("s:url/s:loc", ns) if draft.slug in u.text]


def test_robots_keep_crawlers_out_of_private_paths_and_name_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    disallowed = {line.split(": ", 1)[1] for line in lines if line.startswith("Disallow: ")}
    for path in ("/admin/", "/cart/", "/en/cart/", "/checkout/", "/en/checkout/", "/orders/"):
        assert path in disallowed
    assert {"/account/", "/en/account/", "/01/"} <= disallowed  # accounts, stamp lookups
    assert "/" not in disallowed
    assert f"Sitemap: {HOST}/sitemap.xml" in lines


def test_favicon_and_app_icons(client):
    from django.contrib.staticfiles import finders

    response = client.get("/favicon.ico")
    assert response.status_code == 302
    icon = finders.find(response["Location"].removeprefix("/static/"))
    with PILImage.open(icon) as picture:
        assert picture.format == "ICO" and (32, 32) in picture.ico.sizes()
    manifest = client.get("/manifest.webmanifest")
    assert manifest["Content-Type"] == "application/manifest+json"
    data = json.loads(manifest.content)
    assert data["name"] == "OCOP Market" and data["start_url"] == "/"
    for entry in data["icons"]:
        size = tuple(int(n) for n in entry["sizes"].split("x"))
        with PILImage.open(finders.find(entry["src"].removeprefix("/static/"))) as picture:
            assert picture.size == size and picture.format == "PNG"


def test_a_small_photo_is_shared_at_its_own_size_not_blown_up(client, site):
    from ..factories import make_image

    site.coop_page.image = make_image("nhỏ")  # 64 x 64
    site.coop_page.save_revision().publish()
    meta = _head(client, site.coop_page.url).meta
    assert (meta["og:image:width"], meta["og:image:height"]) == ("64", "34")


HOSTILE = '"><img src=x onerror=alert(1)><script>alert(1)</script>'


def test_hostile_names_are_escaped_in_the_sharing_tags(client, site):
    """A product named (and described) with markup: the tags carry it as text, the page never
    carries it as markup."""
    site.product.title = site.product.title_en = "Chè " + HOSTILE
    site.product.short_description = "javascript:alert(1) " + HOSTILE
    site.product.save_revision().publish()
    for path in (_path(site.product), "/en" + _path(site.product)):
        html = client.get(path).content.decode()
        head = Head(html)
        assert head.meta["og:title"] == head.meta["twitter:title"] == "Chè " + HOSTILE
        assert head.meta["og:description"] == "javascript:alert(1) " + HOSTILE
        assert "<script>alert(1)" not in html and "<img src=x" not in html


def test_a_photo_whose_file_is_gone_leaves_the_page_up_without_a_preview(client, site):
    import os

    image = site.coop_page.image
    image.renditions.all().delete()
    os.remove(image.file.path)
    response = client.get(_path(site.coop_page))
    assert response.status_code == 200
    assert "og:image" not in Head(response.content.decode()).meta


def test_every_host_names_the_site_address_as_canonical(client, site, settings):
    """nginx serves the storefront on the traceability host too: search engines must see one
    copy, on the site's address (SITE_URL), whichever host a page was asked on."""
    settings.ALLOWED_HOSTS = ["testserver", "truyxuat.ocop.example.vn"]
    settings.WAGTAILADMIN_BASE_URL = "https://ocop.example.vn"
    other = {"HTTP_HOST": "truyxuat.ocop.example.vn"}
    url = _path(site.product)
    html = client.get(url, **other).content.decode()
    head = Head(html)
    assert head.link("canonical") == "https://ocop.example.vn" + url
    assert head.link("alternate", "en") == "https://ocop.example.vn/en" + url
    assert head.meta["og:url"] == "https://ocop.example.vn" + url
    assert head.meta["og:image"].startswith("https://ocop.example.vn/")
    sitemap = client.get("/sitemap.xml", **other).content.decode()
    assert "https://ocop.example.vn/" in sitemap and "truyxuat" not in sitemap
    robots = client.get("/robots.txt", **other).content.decode()
    assert "Sitemap: https://ocop.example.vn/sitemap.xml" in robots
