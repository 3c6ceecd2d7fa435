"""The catalogue API at scale: a product's answer costs the same statements whatever its
variants and photos, and the products' answers come from the cache until what a caller sees
changes (a price, a product selling out, a publish), then on the very next request they do
not; languages and hosts never share an answer."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import ProductImage
from catalog.prices import variant_price_set
from catalog.stock import stock_set_on_hand

from ..factories import add_product, make_image

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def cached(settings):
    settings.PAGE_CACHE_SECONDS = 600
    caches["pages"].clear()
    yield settings
    caches["pages"].clear()


def statements(client, path, **headers) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, headers=headers)
    assert response.status_code == 200, response.content
    return len(captured), response.json()


def test_a_products_statements_are_flat_in_its_variants_and_photos(client, tree):
    plain = add_product(
        tree.coop_page, title="Chè búp", category=tree.category, image=make_image("plain")
    )
    rich = add_product(
        tree.coop_page, title="Chè hộp quà", category=tree.category, variants=5, image=make_image()
    )
    for n in range(3):
        ProductImage.objects.create(page=rich, image=make_image(f"photo {n}"), sort_order=n + 1)
    statements(client, f"{API}/products/{plain.pk}/")  # once-per-process lookups, renditions
    statements(client, f"{API}/products/{rich.pk}/")

    few, plain_body = statements(client, f"{API}/products/{plain.pk}/")
    many, rich_body = statements(client, f"{API}/products/{rich.pk}/")
    assert len(plain_body["variants"]) == 1 and len(plain_body["images"]) == 1
    assert len(rich_body["variants"]) == 5 and len(rich_body["images"]) == 4
    assert many == few


def test_answers_come_from_the_cache_until_a_price_stock_or_publish_changes(client, tree, cached):
    tea = add_product(
        tree.coop_page, title="Chè búp La Bằng", price=125_000, stock=20, category=tree.category
    )
    other = add_product(tree.coop_page, title="Hồng trà", price=200_000, category=tree.category)
    variant = tea.variants.get()
    detail = f"{API}/products/{tea.pk}/"
    listing = f"{API}/products/?sort=price_asc"

    for path in (detail, listing):
        statements(client, path)
        assert statements(client, path)[0] == 0, path  # a hit asks the database nothing

    variant_price_set(variant=variant, price=99_000)
    assert statements(client, detail)[1]["price_from"]["amount"] == 99_000
    assert statements(client, listing)[1]["results"][0]["price_from"]["amount"] == 99_000

    stock_set_on_hand(variant_id=variant.pk, on_hand=0)  # sold out
    assert statements(client, detail)[1]["availability"] == "out_of_stock"
    first = statements(client, listing)[1]["results"][0]
    assert first["id"] == tea.pk and first["availability"] == "out_of_stock"
    assert statements(client, detail)[0] == 0  # cached again

    tea.unpublish()
    assert client.get(detail).status_code == 404
    assert [p["id"] for p in statements(client, listing)[1]["results"]] == [other.pk]


def test_languages_and_hosts_get_their_own_answers(client, tree, cached, settings):
    settings.ALLOWED_HOSTS = ["testserver", "portal.example.vn"]
    tea = add_product(tree.coop_page, title="Chè búp La Bằng", title_en="La Bang green tea")
    path = f"{API}/products/{tea.pk}/"
    assert statements(client, path)[1]["title"] == "Chè búp La Bằng"
    assert statements(client, path, **{"Accept-Language": "en"})[1]["title"] == "La Bang green tea"
    assert statements(client, path)[1]["title"] == "Chè búp La Bằng"
    portal = client.get(path, headers={"Host": "portal.example.vn"}).json()
    assert portal["url"].startswith("http://portal.example.vn/")
    assert statements(client, path)[1]["url"].startswith("http://testserver/")


def test_a_list_computed_again_loads_only_the_products_that_changed(client, tree, settings):
    settings.CARD_CACHE_SECONDS = 3600  # product summaries kept; whole answers not
    caches["pages"].clear()
    tea = add_product(tree.coop_page, title="Chè búp", price=125_000, category=tree.category)
    black = add_product(tree.coop_page, title="Hồng trà", price=200_000, category=tree.category)
    honey = add_product(tree.coop_page, title="Mật ong", price=300_000, category=tree.category)
    listing = f"{API}/products/?sort=price_asc"
    statements(client, listing)  # once-per-process lookups
    caches["pages"].clear()
    cold, first = statements(client, listing)
    warm, again = statements(client, listing)
    assert warm < cold and again == first

    variant_price_set(variant=black.variants.get(), price=99_000)
    stock_set_on_hand(variant_id=honey.variants.get().pk, on_hand=0)
    tree.category.name = "Trà"
    tree.category.save()
    _, body = statements(client, listing)
    by_id = {p["id"]: p for p in body["results"]}
    assert set(by_id) == {tea.pk, black.pk, honey.pk}  # (the order follows the index task)
    assert by_id[black.pk]["price_from"]["amount"] == 99_000
    assert by_id[tea.pk]["price_from"]["amount"] == 125_000
    assert by_id[honey.pk]["availability"] == "out_of_stock"
    assert by_id[tea.pk]["availability"] == "in_stock"
    assert {p["category"]["name"] for p in body["results"]} == {"Trà"}
