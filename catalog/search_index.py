"""Keeping the search index in step with the catalog.

``index_products(page_ids)`` rewrites the database search rows of those products (and their
Elasticsearch documents when ``ELASTICSEARCH_URL`` is set): a product that is no longer
findable (unpublished, deleted, cooperative suspended) loses its row. It runs as a Celery
task (``catalog.tasks.index_products``) queued through the outbox after the change commits:
publishing, unpublishing, price, stock and certification changes. ``rebuild`` (``manage.py
reindex``) writes every row again.

Text is folded in Python (``marketplace.text.fold``: diacritics off, đ → d) for both backends,
so PostgreSQL, SQLite and the queries agree on what a word is.
"""

import contextlib
import logging
import re
from collections.abc import Iterable

from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.db import connection, transaction
from django.db.models import Value
from django.utils.html import strip_tags

from marketplace.locations import UnknownLocation, get_province, get_ward
from marketplace.pagecache import bump
from marketplace.text import fold

from .models import Availability, ProductPage, ProductSearchEntry
from .selectors import with_listing_data

logger = logging.getLogger(__name__)
_SPACES = re.compile(r"\s+")


def _clean(*parts: str) -> str:
    return _SPACES.sub(" ", fold(" ".join(p for p in parts if p))).strip()


def place_names(page: ProductPage) -> str:
    """Commune and province of origin, and the former place name the stories use."""
    names = []
    coop = page.cooperative
    for code in {page.origin_ward_code, coop.ward_code} - {None}:
        try:
            ward = get_ward(code)
            names += [ward.name, get_province(ward.province_code.value).name]
        except UnknownLocation:
            continue
    with contextlib.suppress(UnknownLocation):
        names.append(get_province(coop.province_code).name)
    names.append(coop.old_place_name)
    return " ".join(names)


def availability_of(page: ProductPage) -> str:
    """The facet value: in stock (a few left counts as in stock), pre-order, or out."""
    state = page.availability
    return Availability.IN_STOCK if state == Availability.LOW_STOCK else state


def entry_fields(page: ProductPage) -> dict:
    cert = page.current_certification
    category = page.category
    return {
        "title_text": _clean(page.title, page.title_en),
        "category_text": _clean(category.name, category.name_en),
        "cooperative_text": _clean(page.cooperative.name),
        "place_text": _clean(place_names(page)),
        "description_text": _clean(page.short_description, strip_tags(page.story or "")),
        "category_id": page.category_id,
        "cooperative_id": page.cooperative_id,
        "province_code": page.cooperative.province_code,
        "stars": cert.stars if cert else 0,
        "price_min": page.price_from,
        "availability": availability_of(page),
        "is_featured": page.is_featured,
        "published_at": page.first_published_at,
    }


def findable(page_ids: Iterable[int]):
    from .selectors import live_products

    return with_listing_data(live_products().filter(pk__in=list(page_ids)))


def index_products(page_ids: Iterable[int], *, stock_only: bool = False) -> int:
    """Write the search rows of ``page_ids`` (delete those no longer findable).

    ``stock_only``: only their stock state changed, so only the cached pages that show them
    are invalidated afterwards (``catalog.signals.stock_tags``), not every page."""
    page_ids = list(dict.fromkeys(int(pk) for pk in page_ids))
    pages = list(findable(page_ids))
    written = {page.pk for page in pages}
    with transaction.atomic():
        ProductSearchEntry.objects.filter(page_id__in=set(page_ids) - written).delete()
        for page in pages:
            fields = entry_fields(page)
            texts = {k: fields.pop(k) for k in list(fields) if k.endswith("_text")}
            fields["title_text"] = texts["title_text"]
            fields["all_text"] = " ".join(
                texts[k]
                for k in (
                    "title_text",
                    "category_text",
                    "cooperative_text",
                    "place_text",
                    "description_text",
                )
            )
            ProductSearchEntry.objects.update_or_create(page=page, defaults=fields)
            if connection.vendor == "postgresql":
                ProductSearchEntry.objects.filter(page=page).update(
                    search_vector=SearchVector(
                        Value(texts["title_text"]), weight="A", config="simple"
                    )
                    + SearchVector(
                        Value(f"{texts['category_text']} {texts['cooperative_text']}"),
                        weight="B",
                        config="simple",
                    )
                    + SearchVector(Value(texts["place_text"]), weight="B", config="simple")
                    + SearchVector(Value(texts["description_text"]), weight="C", config="simple")
                )
    from django.core.cache import cache

    from .search import VOCABULARY_KEY

    cache.delete(VOCABULARY_KEY)  # spelling corrections learn the new words
    # Listings, facets and cards read these rows: pages rendered from the old rows (between
    # the change's commit, which invalidated already, and this task) must not be served again.
    stale = _invalidate_for(page_ids, stock_only)
    stale()
    if settings.ELASTICSEARCH_URL:
        from .search_es import index_documents

        try:
            index_documents(pages, removed=set(page_ids) - written)
        except Exception as exc:  # the search server being away never breaks publishing
            logger.warning("elasticsearch: index update failed, will retry: %s", exc)
            raise
        stale()  # and again for pages rendered from Elasticsearch's old documents meanwhile
    return len(pages)


def _invalidate_for(page_ids: list[int], stock_only: bool):
    if not stock_only:
        return bump
    from marketplace.pagecache import invalidate

    from .signals import stock_tags

    return lambda: invalidate(stock_tags(page_ids))


def rebuild(progress=None, chunk: int = 200) -> int:
    """Every findable product again, and no row for anything else."""
    from .selectors import live_products

    ids = list(live_products().order_by("pk").values_list("pk", flat=True))
    ProductSearchEntry.objects.exclude(page_id__in=ids).delete()
    done = 0
    for start in range(0, len(ids), chunk):
        index_products(ids[start : start + chunk])
        done = min(start + chunk, len(ids))
        if progress:
            progress(done, len(ids))
    return done
