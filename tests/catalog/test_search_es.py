"""Elasticsearch mapping and query (unit), and a live round trip when ELASTICSEARCH_URL is set."""

import os

import pytest

from catalog.search_es import ProductDocument, build_query, vietnamese_folding


def test_analyzer_folds_vietnamese_diacritics():
    definition = vietnamese_folding.get_analysis_definition()
    analyzer = definition["analyzer"]["vietnamese_folding"]
    assert analyzer["tokenizer"] == "standard"
    assert analyzer["filter"][0] == "lowercase"
    assert definition["filter"]["vi_ascii"]["type"] == "asciifolding"


def test_product_mapping():
    mapping = ProductDocument._doc_type.mapping.to_dict()["properties"]
    assert mapping["title"]["analyzer"] == "vietnamese_folding"
    assert mapping["title"]["fields"]["suggest"]["analyzer"] == "vietnamese_autocomplete"
    assert mapping["category"]["type"] == "keyword"
    assert mapping["ocop_stars"]["type"] == "integer"


def test_query_requires_every_word_and_tolerates_typos():
    body = build_query("che la bang").to_dict()
    multi_match = body["query"]["multi_match"]
    assert multi_match["query"] == "che la bang"
    assert multi_match["operator"] == "and"
    assert multi_match["fuzziness"] == "AUTO"
    assert "title^3" in multi_match["fields"]


@pytest.mark.skipif(not os.environ.get("ELASTICSEARCH_URL"), reason="needs ELASTICSEARCH_URL")
@pytest.mark.django_db
def test_live_elasticsearch_folds_accents(tree):
    from elasticsearch_dsl import connections

    from ..factories import add_product

    connections.create_connection(hosts=[os.environ["ELASTICSEARCH_URL"]])
    ProductDocument._index.delete(ignore_unavailable=True)
    ProductDocument.init()
    ProductDocument.from_page(add_product(tree.coop_page, title="Chè búp La Bằng")).save(
        refresh=True
    )
    hits = build_query("che la bang").execute()
    assert [h.title for h in hits] == ["Chè búp La Bằng"]
