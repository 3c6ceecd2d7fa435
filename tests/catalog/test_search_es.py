"""The Elasticsearch backend without a server: mapping, analyzers and request bodies
(``Search.to_dict()``), and what happens when the server is down. The contract suite in
``test_search.py`` runs against a real server when ELASTICSEARCH_URL is set."""

import logging

import pytest

from catalog.search import Filters, search_products
from catalog.search_es import (
    ProductDocument,
    build_query,
    build_search,
    stale_versions,
    vietnamese_folding,
)
from marketplace.models import OutboxMessage

from ..factories import add_product


def test_analyzer_folds_vietnamese_diacritics():
    definition = vietnamese_folding.get_analysis_definition()
    analyzer = definition["analyzer"]["vietnamese_folding"]
    assert analyzer["tokenizer"] == "standard"
    assert analyzer["filter"][0] == "lowercase"
    assert definition["filter"]["vi_ascii"]["type"] == "asciifolding"  # also đ -> d


def test_product_mapping():
    mapping = ProductDocument._doc_type.mapping.to_dict()["properties"]
    assert mapping["title"]["analyzer"] == "vietnamese_folding"
    assert mapping["title"]["fields"]["suggest"]["analyzer"] == "vietnamese_autocomplete"
    assert mapping["title_en"]["analyzer"] == "vietnamese_folding"
    assert mapping["places"]["analyzer"] == "vietnamese_folding"
    for keyword in ("availability",):
        assert mapping[keyword]["type"] == "keyword"
    for number in ("category_id", "cooperative_id", "province_code", "stars"):
        assert mapping[number]["type"] == "integer"
    assert mapping["price_min"]["type"] == "long"


def test_query_requires_every_word_and_tolerates_typos():
    body = build_query("che la bang").to_dict()
    multi_match = body["query"]["multi_match"]
    assert multi_match["query"] == "che la bang"
    assert multi_match["operator"] == "and"
    assert multi_match["fuzziness"] == "AUTO"
    assert {"title^3", "title_en^3", "places^2"} <= set(multi_match["fields"])


def test_search_body_filters_facets_sort_and_page():
    body = build_search(
        ["che"], Filters(stars=4, price_min=100_000, availability="in_stock"), "price_asc", 3, 24
    ).to_dict()
    filters = body["post_filter"]["bool"]["filter"]
    assert {"range": {"stars": {"gte": 4}}} in filters
    assert {"range": {"price_min": {"gte": 100_000}}} in filters
    assert {"term": {"availability": "in_stock"}} in filters
    # Disjunctive facets: the stars facet ignores the stars filter, keeps the others.
    stars_filter = body["aggs"]["f_stars"]["filter"]["bool"]["filter"]
    assert {"range": {"stars": {"gte": 4}}} not in stars_filter
    assert {"term": {"availability": "in_stock"}} in stars_filter
    assert body["aggs"]["f_category"]["aggs"]["values"]["terms"]["field"] == "category_id"
    ranges = body["aggs"]["f_price"]["aggs"]["values"]["range"]["ranges"]
    assert ranges[0] == {"key": "0", "from": 0, "to": 100_000}
    assert body["sort"] == [{"price_min": {"order": "asc", "missing": "_last"}}]
    assert (body["from"], body["size"], body["track_total_hits"]) == (48, 24, True)
    assert body["suggest"]["spelling"]["term"]["field"] == "title"


def test_blank_query_lists_featured_first():
    body = build_search([], Filters(), "relevance", 1, 24).to_dict()
    assert "query" not in body
    assert body["sort"] == [{"is_featured": "desc"}, {"stars": "desc"}]


@pytest.mark.django_db
def test_search_server_down_falls_back_to_the_database(tree, settings, caplog):
    add_product(tree.coop_page, title="Chè búp La Bằng")
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:1"
    settings.CATALOG_SEARCH_BACKEND = ""  # chosen by the URL
    with caplog.at_level(logging.WARNING, logger="catalog.search"):
        result = search_products("che la bang")
    assert [p.title for p in result.hits] == ["Chè búp La Bằng"]
    assert result.backend == "database"
    assert "elasticsearch search failed" in caplog.text


@pytest.mark.django_db
def test_search_server_down_never_breaks_publishing(
    tree, settings, django_capture_on_commit_callbacks
):
    product = add_product(tree.coop_page, title="Chè búp La Bằng")
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:1"
    product.title = "Chè búp La Bằng vụ xuân"
    with django_capture_on_commit_callbacks(execute=True):
        product.save_revision().publish()  # no exception reaches the editor
    from catalog.models import ProductSearchEntry

    assert ProductSearchEntry.objects.get(page=product).title_text.startswith("che bup la bang vu")
    waiting = OutboxMessage.objects.filter(
        task="catalog.tasks.index_products", sent_at=None, attempts__gte=1
    )
    assert waiting.exists()
    assert all("Connection" in m.last_error for m in waiting), [m.last_error for m in waiting]


def test_a_reindex_drops_only_its_own_stale_versions():
    names = [
        "ocop-products-20261206101010-abc123",  # the one being replaced
        "ocop-products-19990101000000",  # left by a reindex killed halfway (older naming)
        "ocop-products-20261207020000-0f0f0f",  # the new one
        "ocop-products-staging-20261206101010-abc123",  # another alias's
        "ocop-products-archive",
    ]
    stale = stale_versions("ocop-products", names, keep="ocop-products-20261207020000-0f0f0f")
    assert stale == {"ocop-products-20261206101010-abc123", "ocop-products-19990101000000"}


def test_a_cluster_is_several_addresses_separated_by_commas(settings):
    from catalog.search_es import connect, hosts

    settings.ELASTICSEARCH_URL = " http://10.0.0.1:9200, http://10.0.0.2:9200 ,http://10.0.0.3:9200"
    assert hosts() == ["http://10.0.0.1:9200", "http://10.0.0.2:9200", "http://10.0.0.3:9200"]
    assert len(connect().transport.node_pool.all()) == 3
