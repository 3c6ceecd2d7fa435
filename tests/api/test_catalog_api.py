"""The public catalogue of /api/v1/: what a province portal or a cooperative's own shop reads
(products with the search page's filters, a product, categories, cooperatives, regions and
suggestions), its errors, pages, language and ETags."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Stock

from ..factories import CategoryFactory, CooperativeFactory, add_cooperative_page, add_product

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def shelf(tree):
    tea = tree.category
    honey = CategoryFactory(slug="mat-ong", name="Mật ong", name_en="Honey")
    la_bang = add_cooperative_page(
        tree.index,
        CooperativeFactory(
            name="HTX Chè La Bằng", slug="htx-la-bang", ward_code=5818, province_code=19
        ),
    )
    meo_vac = add_cooperative_page(
        tree.index,
        CooperativeFactory(
            name="HTX Mật ong Mèo Vạc", slug="htx-meo-vac", ward_code=769, province_code=8
        ),
    )
    products = {
        "tea": add_product(
            la_bang,
            title="Chè búp La Bằng",
            title_en="La Bang green tea",
            category=tea,
            price=125_000,
            stars=4,
            variants=2,
        ),
        "black": add_product(
            la_bang,
            title="Hồng trà La Bằng",
            title_en="La Bang black tea",
            category=tea,
            price=200_000,
            stars=5,
        ),
        "honey": add_product(
            meo_vac,
            title="Mật ong bạc hà Mèo Vạc",
            title_en="Meo Vac mint honey",
            category=honey,
            price=350_000,
            stars=None,
            stock=0,
        ),
    }
    return products


def get(client, path, language=None):
    headers = {"Accept-Language": language} if language else {}
    return client.get(f"{API}{path}", headers=headers)


def test_the_list_gives_products_with_prices_in_dong_and_facets(client, shelf):
    response = get(client, "/products/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["count"] == 3 and body["page"] == 1 and body["next"] is None
    by_title = {p["title"]: p for p in body["results"]}
    tea = by_title["Chè búp La Bằng"]
    assert tea["price_from"] == {"amount": 125_000, "currency": "VND"}
    assert tea["stars"] == 4
    assert tea["cooperative"]["slug"] == "htx-la-bang"
    assert tea["url"].startswith("http://testserver/")
    assert by_title["Mật ong bạc hà Mèo Vạc"]["availability"] == "out_of_stock"
    assert by_title["Mật ong bạc hà Mèo Vạc"]["stars"] is None
    categories = {f["value"]: f["count"] for f in body["facets"]["category"]}
    assert categories == {shelf["tea"].category.slug: 2, "mat-ong": 1}


def test_filters_and_sort_are_the_search_pages(client, shelf):
    body = get(client, "/products/?category=mat-ong").json()
    assert [p["id"] for p in body["results"]] == [shelf["honey"].pk]
    body = get(client, "/products/?stars=5").json()
    assert [p["id"] for p in body["results"]] == [shelf["black"].pk]
    body = get(client, "/products/?sort=price_desc").json()
    assert [p["id"] for p in body["results"]] == [
        shelf["honey"].pk,
        shelf["black"].pk,
        shelf["tea"].pk,
    ]
    body = get(client, "/products/?q=che la bang&price_max=150000").json()
    assert [p["id"] for p in body["results"]] == [shelf["tea"].pk]
    body = get(client, "/products/?cooperative=htx-meo-vac").json()
    assert [p["id"] for p in body["results"]] == [shelf["honey"].pk]


def test_pages_link_to_each_other(client, shelf):
    first = get(client, "/products/?page_size=2&sort=price_asc").json()
    assert first["pages"] == 2 and len(first["results"]) == 2 and first["previous"] is None
    second = client.get(first["next"]).json()
    assert [p["id"] for p in second["results"]] == [shelf["honey"].pk]
    assert second["next"] is None and client.get(second["previous"]).json() == first


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("colour=red", "colour"),  # an unknown filter
        ("sort=cheapest", "sort"),
        ("page=1000000000", "page"),
        ("page=0", "page"),
        ("page=two", "page"),
        ("page_size=1000", "page_size"),
        ("price_min=-5", "price_min"),
        ("price_max=12.5", "price_max"),
        ("price_min=300000&price_max=100", "price_min"),
        ("stars=9", "stars"),
        ("category=no-such", "category"),
        ("cooperative=" + "x" * 500, "cooperative"),
        ("province=77", "province"),
        ("availability=soon", "availability"),
        ("q=" + "chè " * 60, "q"),
    ],
)
def test_bad_parameters_are_400_naming_the_field(client, shelf, query, field):
    response = get(client, f"/products/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["detail"]
    assert field in body["fields"] and body["fields"][field][0]


def test_control_characters_never_reach_the_database(client, shelf):
    response = get(client, "/products/?q=ch%C3%A8%00")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and response.json()["detail"]


def test_a_page_past_the_last_is_404_with_the_error_body(client, shelf):
    response = get(client, "/products/?page=3&page_size=2")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_english_on_request_and_errors_in_that_language(client, shelf):
    response = get(client, f"/products/{shelf['tea'].pk}/", "en")
    assert response.json()["title"] == "La Bang green tea"
    assert response["Content-Language"] == "en"
    assert "Accept-Language" in response["Vary"]
    vi = get(client, "/products/?sort=x", "vi").json()["detail"]
    en = get(client, "/products/?sort=x", "en").json()["detail"]
    assert vi != en and en == "Some values are not valid."
    assert client.get(f"{API}/products/{shelf['tea'].pk}/").json()["title"] == "Chè búp La Bằng"


def test_a_product_has_its_variants_certificate_and_stock_state(client, shelf):
    Stock.objects.filter(variant__page=shelf["tea"]).update(on_hand=3, reserved=1)
    body = get(client, f"/products/{shelf['tea'].pk}/").json()
    assert [v["price"] for v in body["variants"]] == [
        {"amount": 125_000, "currency": "VND"},
        {"amount": 250_000, "currency": "VND"},
    ]
    assert {v["availability"] for v in body["variants"]} == {"low_stock"}
    assert body["certification"]["stars"] == 4
    assert body["certification"]["certificate_number"]
    assert body["variants"][0]["gtin"] == shelf["tea"].variants.first().gtin


def test_unknown_and_unpublished_products_are_404(client, shelf):
    assert get(client, "/products/999999/").status_code == 404
    shelf["black"].unpublish()
    response = get(client, f"/products/{shelf['black'].pk}/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_reads_carry_an_etag_and_answer_304(client, shelf):
    first = get(client, "/products/")
    etag = first["ETag"]
    assert etag
    again = client.get(f"{API}/products/", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    # The honey comes back in stock: the list changes, and so does its ETag.
    Stock.objects.filter(variant__page=shelf["honey"]).update(on_hand=50)
    assert client.get(f"{API}/products/", headers={"If-None-Match": etag}).status_code == 200


def test_writing_to_a_read_only_endpoint_is_405_with_the_error_body(client, shelf):
    response = client.post(f"{API}/products/", {}, content_type="application/json")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_the_lists_query_count_is_flat_in_the_number_of_products(client, tree):
    coop_page = tree.coop_page

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert get(client, "/products/?page_size=100").status_code == 200
        return len(captured)

    for i in range(3):
        add_product(coop_page, title=f"Chè {i}", category=tree.category)
    queries()  # once-per-process lookups (the site, the vocabulary) are not per product
    few = queries()
    for i in range(3, 30):
        add_product(coop_page, title=f"Chè {i}", category=tree.category)
    assert get(client, "/products/?page_size=100").json()["count"] == 30
    assert queries() == few


def test_categories_cooperatives_regions_and_suggestions(client, shelf):
    categories = get(client, "/categories/", "en").json()
    assert "Honey" in [c["name"] for c in categories["results"]]
    cooperatives = get(client, "/cooperatives/").json()["results"]
    counts = {c["slug"]: c["products"] for c in cooperatives}
    assert counts["htx-la-bang"] == 2 and counts["htx-meo-vac"] == 1
    one = get(client, "/cooperatives/htx-meo-vac/").json()
    assert one["name"] == "HTX Mật ong Mèo Vạc" and one["province_code"] == 8
    assert get(client, "/cooperatives/no-such/").status_code == 404
    regions = {r["province_code"]: r for r in get(client, "/regions/").json()}
    assert regions[19]["products"] == 2
    assert regions[19]["price_from"] == {"amount": 125_000, "currency": "VND"}
    suggestions = get(client, "/suggestions/?q=hong tra").json()
    assert suggestions[0]["label"] == "Hồng trà La Bằng"
    assert get(client, "/suggestions/?q=a&x=1").status_code == 400


def test_anonymous_reads_are_limited_per_address_with_retry_after(client, shelf, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "anon": "3/min"},
    }
    for _ in range(3):
        assert get(client, "/categories/").status_code == 200
    limited = get(client, "/categories/")
    assert limited.status_code == 429 and limited.json()["code"] == "throttled"
    assert 0 < int(limited["Retry-After"]) <= 60
    # Another address is not held back by this one.
    other = client.get(f"{API}/categories/", REMOTE_ADDR="203.0.113.9")
    assert other.status_code == 200
