"""The admin screens staff use every day open without error."""

import pytest
from django.urls import reverse

from catalog.models import OcopCertification, Stock

from ..factories import add_product, make_image

pytestmark = pytest.mark.django_db


def test_operator_screens_render(admin_client, tree):
    product = add_product(tree.coop_page, image=make_image())
    stock = Stock.objects.filter(variant__page=product).first()
    cert = OcopCertification.objects.get(product=product)
    urls = [
        "/admin/",
        reverse("wagtailadmin_explore", args=(tree.coop_page.pk,)),
        reverse("wagtailadmin_pages:edit", args=(product.pk,)),
        reverse("wagtailadmin_pages:edit", args=(tree.coop_page.pk,)),
        reverse("wagtailadmin_pages:add", args=("catalog", "productpage", tree.coop_page.pk)),
        reverse("wagtailsnippets_marketplace_cooperative:list"),
        reverse("wagtailsnippets_marketplace_cooperative:add"),
        reverse("wagtailsnippets_marketplace_cooperative:edit", args=(tree.cooperative.pk,)),
        reverse("wagtailsnippets_catalog_stock:list"),
        reverse("wagtailsnippets_catalog_stock:edit", args=(stock.pk,)),
        reverse("wagtailsnippets_catalog_ocopcertification:list"),
        reverse("wagtailsnippets_catalog_ocopcertification:edit", args=(cert.pk,)),
        reverse("wagtailsnippets_catalog_category:list"),
    ]
    for url in urls:
        assert admin_client.get(url).status_code == 200, url


def test_commune_picker_lists_current_wards_by_province(admin_client, tree):
    html = admin_client.get(reverse("wagtailsnippets_marketplace_cooperative:add")).content
    html = html.decode()
    assert '<optgroup label="Thái Nguyên">' in html
    assert ">Xã La Bằng<" in html
