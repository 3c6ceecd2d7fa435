"""Elasticsearch mapping for products (used when ``ELASTICSEARCH_URL`` is set).

The analyzer folds Vietnamese diacritics (``asciifolding`` maps đ to d), so the same
queries work as on the database backend. The Search capability builds facets,
autocomplete and index tasks on this document.
"""

from elasticsearch_dsl import Document, Integer, Keyword, Text, analyzer, token_filter

vietnamese_folding = analyzer(
    "vietnamese_folding",
    tokenizer="standard",
    filter=["lowercase", token_filter("vi_ascii", type="asciifolding", preserve_original=False)],
)
autocomplete = analyzer(
    "vietnamese_autocomplete",
    tokenizer="standard",
    filter=[
        "lowercase",
        "asciifolding",
        token_filter("edge", type="edge_ngram", min_gram=1, max_gram=20),
    ],
)


class ProductDocument(Document):
    title = Text(
        analyzer=vietnamese_folding,
        fields={"suggest": Text(analyzer=autocomplete, search_analyzer=vietnamese_folding)},
    )
    short_description = Text(analyzer=vietnamese_folding)
    story = Text(analyzer=vietnamese_folding)
    cooperative = Text(analyzer=vietnamese_folding, fields={"raw": Keyword()})
    category = Keyword()
    province_code = Integer()
    ocop_stars = Integer()
    price_from = Integer()
    url = Keyword(index=False)

    class Index:
        name = "ocop-products"
        settings = {"number_of_shards": 1, "number_of_replicas": 0}

    @classmethod
    def from_page(cls, page) -> "ProductDocument":
        cert = page.current_certification
        return cls(
            meta={"id": page.pk},
            title=page.title,
            short_description=page.short_description,
            story=page.story,
            cooperative=page.cooperative.name if page.cooperative else "",
            category=page.category.slug,
            province_code=page.cooperative.province_code if page.cooperative else None,
            ocop_stars=cert.stars if cert else 0,
            price_from=page.price_from,
            url=page.url,
        )


def build_query(text: str):
    """Every word must match, typos of one letter tolerated, title weighted first."""
    return (
        ProductDocument.search()
        .query(
            "multi_match",
            query=text,
            fields=["title^3", "title.suggest", "cooperative^2", "short_description", "story"],
            operator="and",
            fuzziness="AUTO",
        )
        .extra(size=48)
    )
