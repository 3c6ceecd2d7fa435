"""The Elasticsearch backend (``elasticsearch.dsl``), used when ``ELASTICSEARCH_URL`` is set.

* Documents: one per findable product, the same folded fields as the database rows plus the
  original titles. The analyzer folds Vietnamese (``asciifolding`` turns đ into d as well),
  ``title.suggest`` has edge n-grams for autocomplete.
* Queries: every word must match (``operator: and``) with ``fuzziness: AUTO`` for typos,
  names weighted first; filters go to ``post_filter`` and each facet's aggregation is
  filtered by the *other* filters, so facet counts are disjunctive like the database's.
* Versioned indexes behind an alias (``ELASTICSEARCH_INDEX``): ``manage.py reindex`` builds
  ``<alias>-<timestamp>``, fills it, then moves the alias in one ``update_aliases`` call and
  drops the old index; shoppers never see a half-built index.
"""

import re
import time
import uuid

from django.conf import settings
from elasticsearch.dsl import (
    Date,
    Document,
    Integer,
    Keyword,
    Long,
    Text,
    analyzer,
    connections,
    token_filter,
)
from elasticsearch.dsl import Q as ES_Q

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

TEXT_FIELDS = ["title^3", "title_en^3", "category^2", "cooperative^2", "places^2", "description"]


class ProductDocument(Document):
    title = Text(
        analyzer=vietnamese_folding,
        fields={"suggest": Text(analyzer=autocomplete, search_analyzer=vietnamese_folding)},
    )
    title_en = Text(analyzer=vietnamese_folding)
    description = Text(analyzer=vietnamese_folding)
    category = Text(analyzer=vietnamese_folding)
    cooperative = Text(analyzer=vietnamese_folding, fields={"raw": Keyword()})
    places = Text(analyzer=vietnamese_folding)
    category_id = Integer()
    cooperative_id = Integer()
    province_code = Integer()
    stars = Integer()
    price_min = Long()
    availability = Keyword()
    is_featured = Integer()
    published_at = Date()

    class Index:
        name = "ocop-products"  # the alias; see index_name()
        settings = {"number_of_shards": 1, "number_of_replicas": 0}

    @classmethod
    def from_page(cls, page) -> "ProductDocument":
        from .search_index import entry_fields, place_names

        fields = entry_fields(page)
        return cls(
            meta={"id": page.pk},
            title=page.title,
            title_en=page.title_en,
            description=page.short_description,
            category=f"{page.category.name} {page.category.name_en}",
            cooperative=page.cooperative.name,
            places=place_names(page),
            category_id=fields["category_id"],
            cooperative_id=fields["cooperative_id"],
            province_code=fields["province_code"],
            stars=fields["stars"],
            price_min=fields["price_min"],
            availability=fields["availability"],
            is_featured=int(fields["is_featured"]),
            published_at=fields["published_at"],
        )


def hosts() -> list[str]:
    """``ELASTICSEARCH_URL``: one address, or the nodes of a cluster separated by commas."""
    return [url.strip() for url in settings.ELASTICSEARCH_URL.split(",") if url.strip()]


def connect():
    # No retries inside a web request: a failed query falls back to the database, a failed
    # index update is retried by Celery.
    return connections.create_connection(
        alias="default", hosts=hosts(), request_timeout=3, max_retries=0
    )


def alias() -> str:
    return settings.ELASTICSEARCH_INDEX


def text_query(text: str):
    """Every word must match, one or two wrong letters tolerated, names weighted first."""
    return ES_Q(
        "multi_match",
        query=text,
        fields=[*TEXT_FIELDS, "title.suggest"],
        operator="and",
        fuzziness="AUTO",
    )


def build_query(text: str):
    return ProductDocument.search(index=alias()).query(text_query(text)).extra(size=48)


FACET_TERMS = {
    "category": "category_id",
    "province": "province_code",
    "cooperative": "cooperative_id",
    "stars": "stars",
    "availability": "availability",
}


def filter_clauses(filters) -> dict:
    """One clause per selected filter, named like the database backend's conditions."""
    clauses = {}
    if filters.category:
        clauses["category"] = ES_Q("term", category_id=filters.category.pk)
    if filters.province:
        clauses["province"] = ES_Q("term", province_code=filters.province)
    if filters.cooperative:
        clauses["cooperative"] = ES_Q("term", cooperative_id=filters.cooperative.pk)
    if filters.stars:
        clauses["stars"] = ES_Q("range", stars={"gte": filters.stars})
    price = {}
    if filters.price_min is not None:
        price["gte"] = filters.price_min
    if filters.price_max is not None:
        price["lte"] = filters.price_max
    if price:
        clauses["price"] = ES_Q("range", price_min=price)
    if filters.availability:
        clauses["availability"] = ES_Q("term", availability=filters.availability)
    return clauses


def build_search(words: list[str], filters, sort: str, page: int, per_page: int):
    """The whole request: query, post_filter, disjunctive facet aggregations, sort, page."""
    from .search import PRICE_BUCKETS

    search = ProductDocument.search(index=alias())
    if words:
        search = search.query(text_query(" ".join(words)))
    clauses = filter_clauses(filters)
    if clauses:
        search = search.post_filter("bool", filter=list(clauses.values()))

    def others(name):
        return [clause for key, clause in clauses.items() if key != name]

    for name, field in FACET_TERMS.items():
        facet = search.aggs.bucket(f"f_{name}", "filter", filter=ES_Q("bool", filter=others(name)))
        facet.bucket("values", "terms", field=field, size=100)
    ranges = [
        {"key": str(i), "from": low, **({"to": high} if high is not None else {})}
        for i, (low, high) in enumerate(PRICE_BUCKETS)
    ]
    search.aggs.bucket("f_price", "filter", filter=ES_Q("bool", filter=others("price"))).bucket(
        "values", "range", field="price_min", ranges=ranges
    )
    order = {
        "price_asc": [{"price_min": {"order": "asc", "missing": "_last"}}],
        "price_desc": [{"price_min": {"order": "desc", "missing": "_last"}}],
        "newest": [{"published_at": {"order": "desc", "missing": "_last"}}],
        "stars": [{"stars": "desc"}, {"is_featured": "desc"}],
    }.get(sort)
    if order:
        search = search.sort(*order)
    elif not words:
        search = search.sort({"is_featured": "desc"}, {"stars": "desc"})
    if words:
        search = search.suggest("spelling", " ".join(words), term={"field": "title"})
    start = (page - 1) * per_page
    return search.extra(from_=start, size=per_page, track_total_hits=True)


def _stars_label(stars: int) -> str:
    from django.utils.translation import gettext as _

    return _("%(n)s stars or more") % {"n": stars}


def es_search(result, words: list[str]) -> list[int]:
    """Fill ``result`` (total, facets, suggestion) from Elasticsearch; return the page's ids."""
    from marketplace.models import Cooperative

    from .models import Availability, Category
    from .search import FacetValue, _price_label, _province_label

    connect()
    response = build_search(
        words, result.filters, result.sort, result.page, result.per_page
    ).execute()
    result.total = response.hits.total.value
    f = result.filters
    aggs = response.aggregations
    facets = {}
    buckets = {name: aggs[f"f_{name}"]["values"]["buckets"] for name in FACET_TERMS}
    counts = {b["key"]: b["doc_count"] for b in buckets["category"]}
    facets["category"] = [
        FacetValue(c.slug, c.display_name, counts[c.pk], f.category == c)
        for c in Category.objects.filter(pk__in=counts)
    ]
    facets["province"] = [
        FacetValue(str(b["key"]), _province_label(b["key"]), b["doc_count"], f.province == b["key"])
        for b in buckets["province"]
    ]
    counts = {b["key"]: b["doc_count"] for b in buckets["cooperative"]}
    facets["cooperative"] = [
        FacetValue(c.slug, c.name, counts[c.pk], f.cooperative == c)
        for c in Cooperative.objects.filter(pk__in=counts)
    ]
    stars = {b["key"]: b["doc_count"] for b in buckets["stars"]}
    facets["stars"] = [
        FacetValue(
            str(s), _stars_label(s), sum(n for k, n in stars.items() if k >= s), f.stars == s
        )
        for s in (5, 4, 3)
        if any(k >= s for k in stars)
    ]
    labels = dict(Availability.choices)
    facets["availability"] = [
        FacetValue(
            b["key"],
            str(labels.get(b["key"], b["key"])),
            b["doc_count"],
            f.availability == b["key"],
        )
        for b in buckets["availability"]
        if b["key"] in (Availability.IN_STOCK, Availability.PREORDER)
    ]
    from .search import PRICE_BUCKETS

    facets["price"] = [
        FacetValue(
            f"{low}-{'' if high is None else high - 1}",
            _price_label(low, high),
            b["doc_count"],
            False,
        )
        for b, (low, high) in zip(aggs["f_price"]["values"]["buckets"], PRICE_BUCKETS, strict=True)
        if b["doc_count"]
    ]
    result.facets = facets
    if words and not result.total and "suggest" in response:
        options = [
            (entry.options[0].text if entry.options else entry.text)
            for entry in response.suggest.spelling
        ]
        result.suggestion = " ".join(options)
    return [int(hit.meta.id) for hit in response]


# --- indexing ---------------------------------------------------------------------------


def index_documents(pages, removed=()) -> None:
    """Write the documents of ``pages`` and delete ``removed`` ids, through the alias."""
    from elasticsearch.helpers import bulk

    client = connect()
    actions = [
        {**ProductDocument.from_page(page).to_dict(include_meta=True), "_index": alias()}
        for page in pages
    ]
    actions += [{"_op_type": "delete", "_index": alias(), "_id": pk} for pk in removed]
    if actions:
        bulk(client, actions, raise_on_error=False, refresh="wait_for")


def reindex(progress=None, chunk: int = 500) -> str:
    """Build a new versioned index, fill it, move the alias to it atomically, drop the old."""
    from elasticsearch.helpers import bulk

    from .search_index import findable
    from .selectors import live_products

    client = connect()
    name = f"{alias()}-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}"
    ProductDocument._index.clone(name).create(using=client)
    ids = list(live_products().order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), chunk):
        pages = findable(ids[start : start + chunk])
        bulk(
            client,
            [
                {**ProductDocument.from_page(page).to_dict(include_meta=True), "_index": name}
                for page in pages
            ],
        )
        if progress:
            progress(min(start + chunk, len(ids)), len(ids))
    client.indices.refresh(index=name)
    old = list(client.indices.get_alias(name=alias(), ignore_unavailable=True) or {})
    actions = [{"add": {"index": name, "alias": alias()}}]
    actions += [{"remove": {"index": index, "alias": alias()}} for index in old]
    client.indices.update_aliases(actions=actions)
    versions = client.indices.get(index=f"{alias()}-*", ignore_unavailable=True) or {}
    for index in set(old) | stale_versions(alias(), versions, keep=name):
        client.indices.delete(index=index, ignore_unavailable=True)
    return name


def stale_versions(alias_name: str, names, *, keep: str) -> set[str]:
    """Versions of the index that ``reindex`` made and no longer needs — the one it replaced,
    any a reindex killed halfway left behind (never aliased) — but ``keep``, and never an
    index of another alias that shares the prefix (``ocop-products-staging-…``)."""
    version = re.compile(rf"{re.escape(alias_name)}-\d{{14}}(-[0-9a-f]{{6}})?")
    return {name for name in names if version.fullmatch(name) and name != keep}
