"""The number of SQL queries of the busiest storefront pages does not grow with the catalog."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ..factories import add_product, make_image

pytestmark = pytest.mark.django_db

# Search: the facet scan with its names, the hits, the query log. Home: one load of the
# featured and spotlight cards together (ProductCards.together).
MAX_QUERIES = {"home": 20, "category": 20, "product": 20, "cooperative": 20, "search": 20}


def build_catalog(tree, size: int):
    image = make_image()
    products = [
        add_product(
            tree.coop_page,
            title=f"Chè La Bằng số {i}",
            image=image,
            variants=1 + i % 3,
            stars=(3, 4, 5, None)[i % 4],
            is_featured=i % 5 == 0,
        )
        for i in range(size)
    ]
    return products[-1]


def page_urls(tree, product):
    return {
        "home": tree.home.url,
        "category": tree.category_page.url,
        "product": product.url,
        "cooperative": tree.coop_page.url,
        "search": "/search/?q=che+la+bang",
    }


def count_queries(client, url: str) -> int:
    client.get(url)  # first view renders image renditions once; later views reuse them
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("size", [10, 200])
def test_queries_are_bounded_whatever_the_catalog_size(client, tree, size):
    product = build_catalog(tree, size)
    counts = {name: count_queries(client, url) for name, url in page_urls(tree, product).items()}
    for name, count in counts.items():
        assert count <= MAX_QUERIES[name], (name, count)


def test_query_counts_equal_at_10_and_200_products(client, tree):
    """Same page, ten times the products on the shelf: exactly the same number of queries."""
    small = build_catalog(tree, 10)
    small_counts = {n: count_queries(client, u) for n, u in page_urls(tree, small).items()}
    large = build_catalog(tree, 190)
    large_counts = {n: count_queries(client, u) for n, u in page_urls(tree, large).items()}
    assert large_counts == small_counts
