"""Whole-page cache: pages come from the cache until something shoppers see changes, and then
on the very next request they do not; nobody gets another user's page; Redis down serves
pages uncached."""

import logging

import pytest
from django.core.cache import caches

from catalog.models import OcopCertification, Stock
from catalog.stock import stock_reserve, stock_set_on_hand

from ..factories import add_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def cached(settings):
    settings.PAGE_CACHE_SECONDS = 600
    caches["pages"].clear()
    yield settings
    caches["pages"].clear()


@pytest.fixture
def product(tree):
    return add_product(tree.coop_page, title="Chè búp La Bằng", price=125_000, stock=20)


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response, response.content.decode()


def test_second_anonymous_request_is_a_hit(client, cached, product):
    first, _ = get(client, product.url)
    second, html = get(client, product.url)
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
    assert "125.000\u00a0₫" in html
    assert second["Content-Language"] == "vi"
    assert "public" in second["Cache-Control"]
    english, _ = get(client, "/en" + product.url)
    assert english["X-Page-Cache"] == "miss" and english["Content-Language"] == "en"


def test_publishing_a_new_price_shows_on_the_next_request(
    client, cached, product, django_capture_on_commit_callbacks
):
    get(client, product.url)
    page = product.get_latest_revision_as_object()
    variants = list(page.variants.all())
    variants[0].price = 99_000
    page.variants = variants
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()
    response, html = get(client, product.url)
    assert response["X-Page-Cache"] == "miss"
    assert "99.000\u00a0₫" in html and "125.000\u00a0₫" not in html


def test_unpublishing_removes_it_from_the_category_page(client, cached, tree, product):
    _, html = get(client, tree.category_page.url)
    assert "Chè búp La Bằng" in html
    product.unpublish()
    _, html = get(client, tree.category_page.url)
    assert "Chè búp La Bằng" not in html
    assert client.get(product.url).status_code == 404


def test_a_stock_change_that_changes_availability_shows_at_once(client, cached, product):
    variant = product.variants.get()
    get(client, product.url)
    stock_reserve(variant_id=variant.pk, quantity=2)  # 18 left: nothing shoppers see changes
    response, _ = get(client, product.url)
    assert response["X-Page-Cache"] == "hit"
    stock_set_on_hand(variant_id=variant.pk, on_hand=2)  # now: 0 available
    response, html = get(client, product.url)
    assert response["X-Page-Cache"] == "miss"
    assert Stock.objects.get(variant=variant).available == 0
    assert "availability--out_of_stock" in html


def test_a_new_certification_shows_at_once(client, cached, product):
    _, html = get(client, product.url)
    assert html.count('<span aria-hidden="true">★</span>') == 4
    cert = OcopCertification.objects.get(product=product)
    cert.stars = 5
    cert.save()
    _, html = get(client, product.url)
    assert html.count('<span aria-hidden="true">★</span>') == 5


def test_signed_in_users_are_not_served_or_stored_as_anonymous_pages(
    client, admin_client, cached, product
):
    # The cart page is never stored (never_cache), whoever asks.
    get(client, "/cart/")
    response, _ = get(client, "/cart/")
    assert "X-Page-Cache" not in response
    # An admin page is skipped entirely.
    response = admin_client.get("/admin/")
    assert response.status_code == 200 and "X-Page-Cache" not in response


def test_pages_that_read_the_session_are_never_stored(client, cached, product):
    """A page rendered with a CSRF token or the user varies on the cookie: not stored."""
    response = client.get("/account/login/")
    assert response.status_code == 200
    assert "X-Page-Cache" not in response
    response = client.get("/account/login/")
    assert "X-Page-Cache" not in response


def test_search_pages_are_cached_and_invalidated_too(
    client, cached, tree, product, django_capture_on_commit_callbacks
):
    get(client, "/search/?q=che")
    response, _ = get(client, "/search/?q=che")
    assert response["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        add_product(tree.coop_page, title="Chè móc câu La Bằng")
    _, html = get(client, "/search/?q=che")
    assert "Chè móc câu La Bằng" in html


def test_redis_down_pages_are_still_served(client, settings, product, caplog):
    import marketplace.pagecache as pagecache

    settings.PAGE_CACHE_SECONDS = 600
    settings.CACHES = {
        # As production configures Redis, with Redis unreachable.
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "IGNORE_EXCEPTIONS": True},
        },
        "pages": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        },
    }
    pagecache._down_until = 0.0
    try:
        with caplog.at_level(logging.WARNING, logger="marketplace.pagecache"):
            for url in ("/", product.url, "/search/?q=che"):
                response = client.get(url)
                assert response.status_code == 200, url
                assert "X-Page-Cache" not in response
        assert "page cache unavailable" in caplog.text
        # After the first failure the cache is left alone for a while (no timeout per page).
        assert pagecache._down_until > 0
    finally:
        pagecache._down_until = 0.0
