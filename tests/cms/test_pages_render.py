"""Every storefront page type renders for a shopper, in Vietnamese by default and in English."""

import pytest
from wagtail.models import Page

from cms.models import ArticleIndexPage, ArticlePage, RegionPage

from ..factories import add_product, make_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(tree):
    image = make_image()
    tree.product = add_product(tree.coop_page, image=image, price=125_000, stars=4)
    region = RegionPage(title="Thái Nguyên", slug="thai-nguyen", province_code=19)
    tree.home.add_child(instance=region)
    region.save_revision().publish()
    stories = ArticleIndexPage(title="Câu chuyện", slug="cau-chuyen")
    tree.home.add_child(instance=stories)
    stories.save_revision().publish()
    article = ArticlePage(
        title="Chè La Bằng lên sàn",
        slug="che-la-bang-len-san",
        intro="Hợp tác xã bán 100 đơn mỗi ngày.",
        body=[("paragraph", "<p>Mùa dịch, hợp tác xã chuyển sang bán online.</p>")],
        related_cooperative=tree.coop_page,
    )
    stories.add_child(instance=article)
    article.save_revision().publish()
    tree.region, tree.stories, tree.article = region, stories, article
    return tree


def test_every_page_type_renders(client, shop):
    for page in Page.objects.live().descendant_of(shop.home, inclusive=True):
        response = client.get(page.url)
        assert response.status_code == 200, (page.specific_class.__name__, page.url)


def test_home_is_vietnamese_by_default(client, shop):
    response = client.get("/")
    html = response.content.decode()
    assert '<html lang="vi">' in html
    assert "Sản phẩm nổi bật" in html
    assert "Chè búp La Bằng" in html


def test_english_under_en_prefix(client, shop):
    html = client.get("/en/").content.decode()
    assert '<html lang="en">' in html
    assert "Featured products" in html


def test_product_page_shows_price_stars_origin_and_stock(client, shop):
    html = client.get(shop.product.url).content.decode()
    assert "125.000\u00a0₫" in html
    assert "OCOP" in html and html.count("★") >= 4
    assert "Xã La Bằng, Thái Nguyên" in html
    assert "Còn hàng" in html


def test_unknown_page_is_a_404_not_a_500(client, shop):
    assert client.get("/khong-co-trang-nay/").status_code == 404


def test_suspended_cooperative_pages_are_not_served(client, shop):
    from marketplace.models import Cooperative

    Cooperative.objects.filter(pk=shop.cooperative.pk).update(status="suspended")
    assert client.get(shop.product.url).status_code == 404
    assert client.get(shop.coop_page.url).status_code == 404
    assert "Chè búp La Bằng" not in client.get("/").content.decode()


def test_product_page_carries_schema_org_offers(client, shop):
    import json
    import re

    html = client.get(shop.product.url).content.decode()
    payload = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    data = json.loads(payload.group(1))
    assert data["name"] == "Chè búp La Bằng"
    offer = data["offers"][0]
    assert (offer["price"], offer["priceCurrency"]) == (125_000, "VND")
    assert offer["availability"] == "https://schema.org/InStock"
    assert len(offer["gtin14"]) == 14


def test_footer_links_to_cooperatives_and_stories(client, shop):
    html = client.get("/").content.decode()
    assert f'href="{shop.index.url}"' in html
    assert f'href="{shop.stories.url}"' in html


def test_spotlight_shows_the_best_stars_first(client, shop):
    from ..factories import add_product

    for i in range(14):
        add_product(shop.coop_page, title=f"Chè A{i:02d}", stars=3)
    add_product(shop.coop_page, title="Chè Z năm sao", stars=5)
    html = client.get("/").content.decode()
    spotlight = html[html.index("Sản phẩm OCOP tiêu biểu") :]
    assert spotlight.index("Chè Z năm sao") < spotlight.index("Chè búp La Bằng")
