"""Product search: one entry point (``search_products``) for the page, the API and later
facets. The database backend (Wagtail search: PostgreSQL full text or SQLite FTS) is the
embedded default and, for now, the only one in use; ``catalog.search_es`` holds the
Elasticsearch mapping and query that the Search capability will route to when
``ELASTICSEARCH_URL`` is set.

Vietnamese diacritics are folded on both sides (``ProductPage.search_text_folded`` and the
query), so ``che la bang`` finds ``Chè La Bằng``.
"""

from dataclasses import dataclass

from .models import Category, ProductPage
from .selectors import live_products, product_cards
from .text import search_terms

MAX_QUERY_LENGTH = 100


@dataclass
class SearchResult:
    query: str
    products: list[ProductPage]
    category: Category | None = None

    @property
    def count(self) -> int:
        return len(self.products)


def search_products(
    query: str, *, category: Category | None = None, limit: int = 48
) -> SearchResult:
    """Live products matching every word of ``query`` (accent-insensitive), best first."""
    query = " ".join((query or "").split())[:MAX_QUERY_LENGTH]
    folded = search_terms(query)
    if not folded:
        return SearchResult(query=query, products=[], category=category)
    base = live_products()
    if category is not None:
        base = base.filter(category=category)
    hits = list(base.search(folded, operator="and", fields=None)[:limit])
    ids = [hit.pk for hit in hits]
    by_id = {p.pk: p for p in product_cards(ProductPage.objects.filter(pk__in=ids))}
    return SearchResult(
        query=query, products=[by_id[i] for i in ids if i in by_id], category=category
    )
