"""The search contract, run against every available backend: the database backend always
(PostgreSQL in CI, SQLite locally), Elasticsearch when ELASTICSEARCH_URL is set (skipped, and
said so, otherwise: no server can be installed on these machines)."""

import os

import pytest
from django.utils import timezone

from catalog.models import ProductSearchEntry, Stock
from catalog.search import Filters, autocomplete, search_products
from marketplace.models import Cooperative

from ..factories import CategoryFactory, CooperativeFactory, add_cooperative_page, add_product

pytestmark = pytest.mark.django_db

BACKENDS = [
    "database",
    pytest.param(
        "elasticsearch",
        marks=pytest.mark.skipif(
            not os.environ.get("ELASTICSEARCH_URL"),
            reason="Elasticsearch contract: set ELASTICSEARCH_URL to run (no server here)",
        ),
    ),
]


@pytest.fixture(params=BACKENDS)
def backend(request, settings):
    settings.CATALOG_SEARCH_BACKEND = request.param
    if request.param == "elasticsearch":
        settings.ELASTICSEARCH_URL = os.environ["ELASTICSEARCH_URL"]
        settings.ELASTICSEARCH_INDEX = f"ocop-test-{os.getpid()}"
    return request.param


def coop(tree, name, slug, ward, province, old=""):
    cooperative = CooperativeFactory(
        name=name, slug=slug, ward_code=ward, province_code=province, old_place_name=old
    )
    return add_cooperative_page(tree.index, cooperative)


@pytest.fixture
def catalog(tree, backend):
    today = timezone.localdate()
    tea = tree.category
    honey = CategoryFactory(slug="mat-ong", name="Mật ong", name_en="Honey")
    noodles = CategoryFactory(slug="mien", name="Miến, gạo", name_en="Noodles, vermicelli & rice")
    fruit = CategoryFactory(slug="qua", name="Quả", name_en="Fruit")
    la_bang = coop(
        tree, "HTX Chè La Bằng", "htx-la-bang", 5818, 19, "huyện Đại Từ, tỉnh Thái Nguyên"
    )
    tan_cuong = coop(tree, "HTX Chè Tân Cương", "htx-tan-cuong", 5503, 19)
    meo_vac = coop(
        tree, "HTX Mật ong Mèo Vạc", "htx-meo-vac", 769, 8, "huyện Mèo Vạc, tỉnh Hà Giang"
    )
    na_ri = coop(tree, "HTX Miến dong Na Rì", "htx-na-ri", 2155, 19, "huyện Na Rì, tỉnh Bắc Kạn")
    la_hien = coop(tree, "HTX Na La Hiên", "htx-la-hien", 5740, 19)
    p = {
        "tea": add_product(
            la_bang,
            title="Chè búp La Bằng",
            title_en="La Bang green tea",
            category=tea,
            price=125_000,
            stars=4,
        ),
        "black": add_product(
            la_bang,
            title="Hồng trà La Bằng",
            title_en="La Bang black tea",
            category=tea,
            price=200_000,
            stars=5,
        ),
        "tan_cuong": add_product(
            tan_cuong, title="Chè móc câu Tân Cương", category=tea, price=150_000, stars=4
        ),
        "honey": add_product(
            meo_vac,
            title="Mật ong bạc hà Mèo Vạc",
            title_en="Meo Vac mint honey",
            category=honey,
            price=350_000,
            stars=None,
        ),
        "vermicelli": add_product(
            na_ri,
            title="Miến dong Na Rì",
            title_en="Na Ri dong vermicelli",
            category=noodles,
            price=90_000,
            stars=3,
        ),
        "apples": add_product(
            la_hien,
            title="Na La Hiên",
            title_en="La Hien custard apples",
            category=fruit,
            price=60_000,
            stock=0,
            stars=None,
            preorder_opens=today - timezone.timedelta(days=3),
            preorder_closes=today + timezone.timedelta(days=30),
        ),
    }
    if backend == "elasticsearch":
        from catalog import search_es

        search_es.reindex()
    tree.p, tree.coops = p, {"la_bang": la_bang, "meo_vac": meo_vac}
    tree.categories = {"tea": tea, "honey": honey, "noodles": noodles, "fruit": fruit}
    return tree


def titles(result):
    return [p.title for p in result.hits]


@pytest.mark.parametrize("query", ["che la bang", "chè la bằng", "CHE LA BANG", "La Bang tea"])
def test_la_bang_tea_first_however_it_is_typed(catalog, query):
    found = titles(search_products(query))
    assert found[:2] == ["Chè búp La Bằng", "Hồng trà La Bằng"] or found[:2] == [
        "Hồng trà La Bằng",
        "Chè búp La Bằng",
    ]
    assert "Mật ong bạc hà Mèo Vạc" not in found


def test_d_with_stroke_and_accents_fold(catalog):
    assert titles(search_products("mien dong"))[0] == "Miến dong Na Rì"
    assert titles(search_products("mat ong")) == ["Mật ong bạc hà Mèo Vạc"]
    assert titles(search_products("mật ong")) == ["Mật ong bạc hà Mèo Vạc"]


def test_one_wrong_letter_still_finds_it(catalog):
    result = search_products("che la bamg")
    assert "Chè búp La Bằng" in titles(result)
    assert result.suggestion == "che la bang"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("che thai nguyen", {"Chè búp La Bằng", "Hồng trà La Bằng", "Chè móc câu Tân Cương"}),
        ("bac kan", {"Miến dong Na Rì"}),
        ("ha giang", {"Mật ong bạc hà Mèo Vạc"}),
        ("dai tu", {"Chè búp La Bằng", "Hồng trà La Bằng"}),
    ],
)
def test_places_and_their_former_names(catalog, query, expected):
    assert set(titles(search_products(query))) == expected


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("honey", "Mật ong bạc hà Mèo Vạc"),
        ("custard apple", "Na La Hiên"),
        ("vermicelli", "Miến dong Na Rì"),
    ],
)
def test_english_words_find_vietnamese_products(catalog, query, first):
    assert titles(search_products(query))[0] == first


def test_facets_count_each_value_with_the_other_filters(catalog):
    result = search_products("", Filters(category=catalog.categories["tea"]))
    assert result.total == 3
    categories = {v.value: (v.count, v.selected) for v in result.facets["category"]}
    # Disjunctive: other categories still show what choosing them would give.
    assert categories == {
        "che": (3, True),
        "mat-ong": (1, False),
        "mien": (1, False),
        "qua": (1, False),
    }
    provinces = {v.label: v.count for v in result.facets["province"]}
    assert provinces == {"Thái Nguyên": 3}
    stars = {v.value: v.count for v in result.facets["stars"]}
    assert stars == {"5": 1, "4": 3, "3": 3}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"stars": 4}, {"Chè búp La Bằng", "Hồng trà La Bằng", "Chè móc câu Tân Cương"}),
        (
            {"price_min": 100_000, "price_max": 160_000},
            {"Chè búp La Bằng", "Chè móc câu Tân Cương"},
        ),
        ({"availability": "preorder"}, {"Na La Hiên"}),
        ({"province": 8}, {"Mật ong bạc hà Mèo Vạc"}),
    ],
)
def test_filters(catalog, filters, expected):
    assert set(titles(search_products("", Filters(**filters)))) == expected


def test_cooperative_filter(catalog):
    meo_vac = Cooperative.objects.get(slug="htx-meo-vac")
    assert titles(search_products("", Filters(cooperative=meo_vac))) == ["Mật ong bạc hà Mèo Vạc"]


def test_sorting(catalog):
    prices = [p.price_from for p in search_products("", sort="price_asc").hits]
    assert prices == sorted(prices) and len(prices) == 6
    prices = [p.price_from for p in search_products("", sort="price_desc").hits]
    assert prices == sorted(prices, reverse=True)
    assert titles(search_products("", sort="stars"))[0] == "Hồng trà La Bằng"
    assert titles(search_products("", sort="newest"))[0] == "Na La Hiên"  # published last


def test_pagination(catalog):
    first = search_products("", sort="price_asc", per_page=4)
    second = search_products("", sort="price_asc", page=2, per_page=4)
    assert (first.total, first.pages, len(first.hits), len(second.hits)) == (6, 2, 4, 2)
    assert not set(titles(first)) & set(titles(second))
    beyond = search_products("", page=5, per_page=4)
    assert beyond.hits == [] and beyond.notes


def test_autocomplete_after_two_characters(catalog):
    assert autocomplete("c") == []
    labels = [(s["kind"], s["label"]) for s in autocomplete("ch")]
    assert ("product", "Chè búp La Bằng") in labels
    assert ("cooperative", "HTX Chè La Bằng") in [
        (s["kind"], s["label"]) for s in autocomplete("htx che")
    ]
    assert [s["label"] for s in autocomplete("mat o") if s["kind"] == "product"] == [
        "Mật ong bạc hà Mèo Vạc"
    ]
    assert ("category", "Chè") in [(s["kind"], s["label"]) for s in autocomplete("ch")]
    assert all(s["url"].startswith("/") for s in autocomplete("ch"))


def test_nothing_found_offers_popular_products(catalog):
    result = search_products("xyzzy plugh")
    assert result.total == 0 and result.popular


def test_unpublished_and_suspended_never_found_after_the_task(
    catalog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        catalog.p["honey"].unpublish()
    assert titles(search_products("mat ong")) == []
    with django_capture_on_commit_callbacks(execute=True):
        la_bang = Cooperative.objects.get(slug="htx-la-bang")
        la_bang.status = Cooperative.Status.SUSPENDED
        la_bang.save()
    assert titles(search_products("che la bang")) == []
    assert not ProductSearchEntry.objects.filter(cooperative=la_bang).exists()


def test_price_and_stock_changes_are_visible_after_the_task(
    catalog, django_capture_on_commit_callbacks
):
    from catalog.stock import stock_set_on_hand

    tea = catalog.p["tea"]
    variant = tea.variants.get()
    revision_page = tea.get_latest_revision_as_object()
    variants = list(revision_page.variants.all())
    variants[0].price = 40_000
    revision_page.variants = variants
    with django_capture_on_commit_callbacks(execute=True):
        revision_page.save_revision().publish()
    assert titles(search_products("", sort="price_asc"))[0] == "Chè búp La Bằng"
    with django_capture_on_commit_callbacks(execute=True):
        stock_set_on_hand(variant_id=variant.pk, on_hand=0)
    in_stock = search_products("", Filters(availability="in_stock"))
    assert "Chè búp La Bằng" not in titles(in_stock)
    assert Stock.objects.get(variant=variant).available == 0


def test_old_keyword_category_argument_still_works(catalog):
    found = titles(search_products("la bang", category=catalog.categories["tea"]))
    assert set(found) == {"Chè búp La Bằng", "Hồng trà La Bằng"}


# --- the search page ------------------------------------------------------------------------


def test_search_page_with_facets_and_shareable_urls(client, catalog):
    html = client.get("/search/", {"q": "che", "stars": "4"}).content.decode()
    assert "Chè búp La Bằng" in html and "Mật ong" not in html
    assert 'href="?q=che&amp;stars=4&amp;category=che"' in html or "category=che" in html
    assert "Tìm thấy 3 sản phẩm" in html


@pytest.mark.parametrize(
    "params",
    [
        {"q": ""},
        {"q": "a" * 1000},
        {"q": '"'},
        {"q": "*"},
        {"q": ":"},
        {"q": "("},
        {"q": "\\"},
        {"q": "che & | ! :* <->"},
        {"q": "che", "category": "no-such-category"},
        {"q": "che", "province": "999"},
        {"q": "che", "province": "x"},
        {"q": "che", "cooperative": "../etc"},
        {"q": "che", "stars": "9"},
        {"q": "che", "price_min": "-5"},
        {"q": "che", "price_min": "abc"},
        {"q": "che", "price_min": "500000", "price_max": "100"},
        {"q": "che", "availability": "soon"},
        {"q": "che", "sort": "random"},
        {"q": "che", "page": "10000"},
        {"q": "che", "page": "-1"},
        {"q": "che", "page": "two"},
    ],
)
def test_search_page_bad_input_is_a_clear_message_never_a_500(client, catalog, params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    result = response.context["result"]
    if any(k != "q" for k in params):  # a bad filter, sort or page: said, not silently dropped
        assert result.notes, params


def test_a_nul_in_the_search_box_is_refused_on_a_page_of_the_market(client, catalog):
    response = client.get("/search/", {"q": "che\u0000"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "NUL" in html and 'href="/"' in html and "<h1>" in html


def test_suggest_endpoint(client, catalog):
    data = client.get("/search/suggest/", {"q": "mat"}).json()
    assert data["suggestions"][0]["label"] == "Mật ong bạc hà Mèo Vạc"
    assert client.get("/search/suggest/", {"q": "x" * 500}).status_code == 200
    english = client.get("/en/search/suggest/", {"q": "meo"}).json()["suggestions"]
    assert english[0]["label"] == "Meo Vac mint honey"
    assert english[0]["url"].startswith("/en/")


def test_queries_and_zero_results_are_recorded(client, catalog):
    from catalog.models import SearchTerm

    client.get("/search/", {"q": "Chè La Bằng"})
    client.get("/search/", {"q": "che la bang"})
    client.get("/search/", {"q": "khong co gi"})
    rows = {t.term: (t.searches, t.zero_results) for t in SearchTerm.objects.all()}
    assert rows == {"che la bang": (2, 0), "khong co gi": (1, 1)}


@pytest.mark.skipif(
    not os.environ.get("ELASTICSEARCH_URL"),
    reason="Elasticsearch contract: set ELASTICSEARCH_URL to run (no server here)",
)
def test_a_reindex_cleans_up_after_one_killed_halfway(tree, settings):
    from catalog import search_es

    settings.ELASTICSEARCH_URL = os.environ["ELASTICSEARCH_URL"]
    settings.ELASTICSEARCH_INDEX = f"ocop-test-{os.getpid()}-orphans"
    add_product(tree.coop_page, title="Chè búp La Bằng")
    client = search_es.connect()
    first = search_es.reindex()
    orphan = f"{search_es.alias()}-19990101000000"  # what a killed reindex leaves: no alias
    client.indices.create(index=orphan)
    second = search_es.reindex()
    names = set(client.indices.get(index=f"{search_es.alias()}-*"))
    assert names == {second} and first != second
    assert list(client.indices.get_alias(name=search_es.alias())) == [second]
    client.indices.delete(index=second)
