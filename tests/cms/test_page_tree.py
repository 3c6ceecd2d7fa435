"""Editors can only build the tree the right way."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from catalog.models import ProductPage
from cms.models import (
    ArticleIndexPage,
    ArticlePage,
    CategoryPage,
    CooperativeIndexPage,
    CooperativePage,
    HomePage,
    RegionPage,
)

from ..factories import add_product

pytestmark = pytest.mark.django_db


def test_allowed_parents(tree):
    allowed = {
        CooperativeIndexPage: [tree.home],
        CooperativePage: [tree.index],
        ProductPage: [tree.coop_page],
        CategoryPage: [tree.home],
        RegionPage: [tree.home],
        ArticleIndexPage: [tree.home],
    }
    candidates = [tree.home, tree.index, tree.coop_page, tree.category_page]
    for page_type, parents in allowed.items():
        for candidate in candidates:
            assert page_type.can_create_at(candidate) == (candidate in parents), (
                page_type.__name__,
                candidate,
            )
    assert not ArticlePage.can_create_at(tree.home)
    assert not HomePage.can_create_at(tree.home)  # only one home page


def test_product_saved_outside_a_cooperative_is_rejected(tree):
    page = ProductPage(
        title="Lạc chỗ", slug="lac-cho", category=tree.category, short_description="x"
    )
    with pytest.raises(ValidationError):
        tree.category_page.add_child(instance=page)
    assert not ProductPage.objects.filter(slug="lac-cho").exists()


def test_product_takes_its_cooperative_from_the_parent_page(tree):
    product = add_product(tree.coop_page)
    assert product.cooperative == tree.cooperative


def test_preorder_window_must_be_ordered(tree):
    product = add_product(tree.coop_page)
    product.preorder_opens = datetime.date(2027, 8, 1)
    product.preorder_closes = datetime.date(2027, 7, 1)
    with pytest.raises(ValidationError) as err:
        product.full_clean()
    assert "preorder_closes" in err.value.message_dict


def test_expired_certification_shows_no_stars(client, tree):
    today = datetime.date.today()
    product = add_product(tree.coop_page, stars=5, cert_expires=today - datetime.timedelta(days=1))
    html = client.get(product.url).content.decode()
    assert "★" not in html
    assert "hết hạn" in html
