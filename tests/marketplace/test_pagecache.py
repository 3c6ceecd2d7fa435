"""Whole-page cache: pages come from the cache until something shoppers see changes, and then
on the very next request they do not; nobody gets another user's page; Redis down serves
pages uncached."""

import logging
import re
from types import SimpleNamespace

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


def test_a_listing_rendered_before_the_index_task_is_not_served_after_it(
    client, cached, tree, product
):
    """In production a change's commit bumps the version and queues the index task; a page
    rendered in between reads the old search rows. When the task has rewritten them, that
    page must not be served again."""
    from catalog.models import ProductVariant
    from catalog.search_index import index_products
    from marketplace.pagecache import bump

    url = "/search/?q=che&sort=price_asc"
    _, html = get(client, url)
    assert "price_max=199999" in html  # the price facet, from the search row
    ProductVariant.objects.filter(page=product).update(price=99_000)  # committed...
    bump()  # ...which bumps; the index task has not run yet
    stale, html = get(client, url)
    assert stale["X-Page-Cache"] == "miss" and "price_max=199999" in html
    assert get(client, url)[0]["X-Page-Cache"] == "hit"
    index_products([product.pk])  # the task
    response, html = get(client, url)
    assert response["X-Page-Cache"] == "miss"
    assert "price_max=99999" in html and "price_max=199999" not in html
    assert "99.000\u00a0₫" in html


@pytest.fixture
def cards_cached(settings):
    """Card fragments on, whole pages off: every request renders the page."""
    settings.CARD_CACHE_SECONDS = 600
    caches["pages"].clear()
    yield settings
    caches["pages"].clear()


def cards_of(html: str) -> list[str]:
    parts = html.split('<article class="product-card">')[1:]
    return [part.split("</article>")[0] for part in parts]


def test_cards_come_from_the_fragment_cache_with_the_same_html(
    client, cards_cached, tree, product, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(3):
        add_product(tree.coop_page, title=f"Chè xanh {i}", category=product.category)
    with CaptureQueriesContext(connection) as first:
        _, cold = get(client, tree.category_page.url)
    with CaptureQueriesContext(connection) as second:
        _, warm = get(client, tree.category_page.url)
    assert len(cards_of(cold)) == 4 and cards_of(warm) == cards_of(cold)
    # The products are not loaded again: variants, certifications, images, renditions...
    assert len(second.captured_queries) <= len(first.captured_queries) - 5
    english = client.get("/en" + tree.category_page.url).content.decode()
    assert "Chè búp La Bằng" in english and cards_of(english) != cards_of(cold)


def test_a_cached_card_changes_with_its_product(
    client, cards_cached, tree, product, django_capture_on_commit_callbacks
):
    other = add_product(
        tree.coop_page, title="Chè móc câu", category=product.category, price=90_000
    )
    _, html = get(client, tree.category_page.url)
    assert "125.000\u00a0₫" in html and "90.000\u00a0₫" in html
    page = product.get_latest_revision_as_object()
    variants = list(page.variants.all())
    variants[0].price = 99_000
    page.variants = variants
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()
    _, html = get(client, tree.category_page.url)
    assert "99.000\u00a0₫" in html and "125.000\u00a0₫" not in html
    assert "90.000\u00a0₫" in html  # the other card, untouched
    # Stock running out, a new certification: each shows on the card at once.
    with django_capture_on_commit_callbacks(execute=True):
        stock_set_on_hand(variant_id=other.variants.get().pk, on_hand=0)
    _, html = get(client, tree.category_page.url)
    card = next(c for c in cards_of(html) if "Chè móc câu" in c)
    assert "availability--out_of_stock" in card
    cert = OcopCertification.objects.get(product=other)
    with django_capture_on_commit_callbacks(execute=True):
        cert.stars = 5
        cert.save()
    _, html = get(client, tree.category_page.url)
    card = next(c for c in cards_of(html) if "Chè móc câu" in c)
    assert card.count('<span aria-hidden="true">★</span>') == 5


def test_cards_change_before_the_index_task_runs(
    client, cards_cached, tree, product, django_capture_on_commit_callbacks
):
    """In production the index task runs later: a card must not wait for it. An unpublished
    product's card goes at once; a new price shows at once."""
    other = add_product(
        tree.coop_page, title="Chè móc câu", category=product.category, price=90_000
    )
    _, html = get(client, tree.category_page.url)
    assert len(cards_of(html)) == 2
    with django_capture_on_commit_callbacks(execute=False):  # no index task
        other.unpublish()
        page = product.get_latest_revision_as_object()
        variants = list(page.variants.all())
        variants[0].price = 99_000
        page.variants = variants
        page.save_revision().publish()
    _, html = get(client, tree.category_page.url)
    assert [("99.000\u00a0₫" in c) for c in cards_of(html)] == [True]
    assert "Chè móc câu" not in "".join(cards_of(html))


def test_a_replaced_image_file_changes_its_products_cards(tree, cards_cached):
    from catalog.models import ProductSearchEntry

    from ..factories import make_image

    image = make_image()
    product = add_product(tree.coop_page, title="Na La Hiên", image=image)
    before = ProductSearchEntry.objects.get(page=product).indexed_at
    image.file_hash = "0" * 40
    image.save(update_fields=["file_hash"])  # Wagtail's bookkeeping while serving a page
    assert ProductSearchEntry.objects.get(page=product).indexed_at == before
    image.title = "Na La Hiên, ảnh mới"
    image.save()  # the image edited (a new file, a focal point)
    assert ProductSearchEntry.objects.get(page=product).indexed_at > before


def test_entry_keys_never_collide(rf):
    from marketplace.pagecache import _key

    a = rf.get("/search/", {"q": "a|b"}).META
    b = rf.get("/search/|q=a", QUERY_STRING="b").META
    b["QUERY_STRING"] = "b"
    assert (a["PATH_INFO"], b["PATH_INFO"]) == ("/search/", "/search/|q=a")
    assert _key(a) != _key(b)


def test_redis_down_pages_are_still_served(client, settings, product, caplog):
    import marketplace.pagecache as pagecache

    settings.PAGE_CACHE_SECONDS = 600
    settings.CARD_CACHE_SECONDS = 600
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


# --- the WSGI short way (marketplace.wsgi serves CachedPages) ---------------------------


def call(app, path, query="", **extra):
    import io

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        **extra,
    }
    answer = {}

    def start_response(status, headers):
        answer["status"], answer["headers"] = status, headers

    chunks = app(environ, start_response)
    body = b"".join(chunks)
    getattr(chunks, "close", lambda: None)()
    return answer["status"], dict(answer["headers"]), body


@pytest.fixture
def app(cached):
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from marketplace.pagecache import CachedPages

    app = CachedPages(WSGIHandler())
    assert app.enabled, "MIDDLEWARE changed in front of the page cache: see CachedPages"
    # As Django's test client: the test's transaction keeps its connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield app
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_short_way_serves_a_hit_as_the_whole_stack_does(app, settings, product):
    status, headers, body = call(app, product.url)
    assert (status, headers["X-Page-Cache"]) == ("200 OK", "miss")
    assert "125.000\u00a0₫".encode() in body
    short = call(app, product.url)
    app.enabled = False  # the same hit through Django's request cycle and middleware
    usual = call(app, product.url)
    assert short[2] == usual[2] == body
    assert short[1] == {**usual[1], "Content-Length": str(len(body))}
    assert short[1]["X-Page-Cache"] == "hit" and short[1]["X-Content-Type-Options"] == "nosniff"


def test_the_short_way_keeps_https_rules(app, settings, product):
    from django.core.handlers.wsgi import WSGIHandler

    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 3600
    app.app = WSGIHandler()  # its middleware read the settings when built
    https = {"HTTP_X_FORWARDED_PROTO": "https"}
    call(app, product.url, **https)
    short = call(app, product.url, **https)
    assert short[1]["X-Page-Cache"] == "hit"
    assert short[1]["Strict-Transport-Security"] == "max-age=3600"
    app.enabled = False
    assert call(app, product.url, **https)[1] == {
        k: v for k, v in short[1].items() if k != "Content-Length"
    }
    app.enabled = True
    # Plain HTTP is another entry, without HSTS; with SECURE_SSL_REDIRECT it is redirected.
    status, headers, _ = call(app, product.url)
    assert headers["X-Page-Cache"] == "miss" and "Strict-Transport-Security" not in headers
    settings.SECURE_SSL_REDIRECT = True
    app.app = WSGIHandler()
    status, headers, _ = call(app, product.url)
    assert status.startswith("301") and headers["Location"].startswith("https://")


def test_the_short_way_leaves_the_rest_to_django(app, settings, product, tree):
    call(app, product.url)
    assert call(app, product.url)[1]["X-Page-Cache"] == "hit"
    # A preview, another method, a path the cache skips, a host Django refuses.
    assert "X-Page-Cache" not in call(app, product.url, "preview=1")[1]
    status, headers, _ = call(app, product.url, REQUEST_METHOD="POST")
    assert "X-Page-Cache" not in headers
    assert "X-Page-Cache" not in call(app, "/api/v1/wards", "province=19")[1]
    status, _, _ = call(app, product.url, HTTP_HOST="evil.example")
    assert status.startswith("400")
    # A new middleware in front of the page cache turns the short way off.
    from django.core.handlers.wsgi import WSGIHandler

    from marketplace.pagecache import CachedPages

    settings.MIDDLEWARE = ["django.middleware.gzip.GZipMiddleware", *settings.MIDDLEWARE]
    assert not CachedPages(WSGIHandler()).enabled


# --- invalidation by what a page shows (django-redis: CI runs these on Redis) -------------


@pytest.fixture
def redis_pages(cached):
    if "RedisCache" not in cached.CACHES["pages"]["BACKEND"]:
        pytest.skip("needs REDIS_URL: tag invalidation is Redis scripts (CI sets it)")
    return cached


@pytest.fixture
def shop(tree):
    """Two teas of the same cooperative and category, and the pages that show them."""
    from cms.models import RegionPage

    tea = add_product(tree.coop_page, title="Chè búp La Bằng", price=125_000, stock=20)
    oolong = add_product(tree.coop_page, title="Hồng trà La Bằng", price=180_000, stock=20)
    region = RegionPage(title="Thái Nguyên", slug="thai-nguyen", province_code=19)
    tree.home.add_child(instance=region)
    region.save_revision().publish()
    return SimpleNamespace(tree=tree, tea=tea, oolong=oolong, region=region)


def storefront_urls(shop) -> list[str]:
    from django.utils import translation

    with translation.override("vi"):  # page URLs follow the active language
        return _storefront_urls(shop)


def _storefront_urls(shop) -> list[str]:
    urls = [
        "/",
        shop.tree.category_page.url,
        shop.tree.coop_page.url,
        shop.region.url,
        shop.tea.url,
        shop.oolong.url,
        "/search/?q=che",
        "/search/?q=hong+tra",
        "/search/suggest/?q=che",
    ]
    return urls + ["/en" + url for url in urls]


def test_a_stock_state_change_drops_only_the_pages_that_show_the_product(
    client, redis_pages, shop, django_capture_on_commit_callbacks
):
    urls = storefront_urls(shop)
    for url in urls:
        get(client, url)
    with django_capture_on_commit_callbacks(execute=True):  # the index task runs too
        stock_set_on_hand(variant_id=shop.tea.variants.get().pk, on_hand=0)  # sold out
    state = {url: get(client, url)[0]["X-Page-Cache"] for url in urls}
    oolong = urls[5]
    # Its own page, every page with its card (the home page, the category, the cooperative,
    # the region) and search results: everything but the other tea's page.
    assert {url for url, hit in state.items() if hit == "hit"} == {oolong, "/en" + oolong}, state
    _, html = get(client, urls[4])
    assert "Hết hàng" in html or "hết hàng" in html


def test_after_a_stock_state_change_every_cached_page_is_what_a_fresh_render_shows(
    client, redis_pages, shop, django_capture_on_commit_callbacks
):
    """What a shopper is served from the cache equals the page rendered afresh (another
    query string is another entry), for every page, after each kind of stock change."""
    urls = storefront_urls(shop)
    variant = shop.tea.variants.get().pk
    for on_hand in (0, 3, 40):  # sold out, a few left, in stock
        for url in urls:
            get(client, url)
        with django_capture_on_commit_callbacks(execute=True):
            stock_set_on_hand(variant_id=variant, on_hand=on_hand)
        for url in urls:
            served = get(client, url)[1]
            fresh = get(client, url + ("&" if "?" in url else "?") + f"fresh={on_hand}")[1]
            # Links to the same page in the other language keep the query string.
            fresh = re.sub(rf"(\?|&amp;|&)fresh={on_hand}", "", fresh)
            assert served == fresh, (url, on_hand)


def test_a_page_rendered_across_an_invalidation_is_not_stored(redis_pages):
    """The render read the epoch, an invalidation came, then the render tried to store."""
    from marketplace import pagecache

    key = "pagecache:page:test-across"
    version, entry, epoch = pagecache._fetch(key)
    assert entry is None
    pagecache._invalidate_now(["product:1"])  # meanwhile
    pagecache._store(key, (version, 200, [], b"old"), {"product:1"}, epoch)
    assert pagecache._fetch(key)[1] is None  # not stored: the next request renders again
    version, _, epoch = pagecache._fetch(key)
    pagecache._store(key, (version, 200, [], b"new"), {"product:1"}, epoch)
    assert pagecache._fetch(key)[1] == (version, 200, [], b"new")
    pagecache._invalidate_now(["product:2"])  # not shown on it: still there
    assert pagecache._fetch(key)[1] is not None
    pagecache._invalidate_now(["product:1"])
    assert pagecache._fetch(key)[1] is None
