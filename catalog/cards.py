"""Product cards for listings (home, categories, cooperatives, regions, search), rendered
through a fragment cache keyed on what changes.

A listing knows its products' ids from the search rows. Each card's HTML is cached under the
product's search row stamp (``ProductSearchEntry.indexed_at``), the language, the host, the
local date and the digest of the card's templates and code: every change a card shows (name,
image, cooperative, price, variants, OCOP stars, availability) goes through
``catalog.signals.changed``, which moves the stamp in the change's own transaction (and the
index task moves it again when it rewrites the row); dates that open pre-order windows or
lapse certificates are in the key.
So the page cache's global version can move on every change while the cards of products
that did not change are reused: a page rendered after a publish loads and renders only the
card that changed.

Products load (six queries for any number of cards) only for the cards not found, and only
when the listing is rendered. ``CARD_CACHE_SECONDS = 0`` turns the fragments off; the cache
is the page cache's, behind the same breaker (Redis down: every card renders, nothing waits).
"""

import hashlib
import importlib
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from django.conf import settings
from django.template import engines
from django.utils import timezone
from django.utils.translation import get_language

from marketplace import pagecache

from .models import SEARCH_DEFAULT_ORDER, ProductPage, ProductSearchEntry
from .selectors import cards_in_order

CARD_TEMPLATE = "includes/product_card.html"
CARD_PARTS = (CARD_TEMPLATE, "includes/stars.html", "includes/availability.html")


# The code that shapes what a card says, besides its templates.
CARD_CODE = ("catalog.models", "catalog.templatetags.catalog_tags", "marketplace.money")


@cache
def _templates_digest() -> str:
    """A deploy that changes the card markup or the code behind it starts new fragments."""
    digest = hashlib.sha256()
    for name in CARD_PARTS:
        digest.update(engines["django"].engine.get_template(name).source.encode())
    for module in CARD_CODE:
        digest.update(Path(importlib.import_module(module).__file__).read_bytes())
    return digest.hexdigest()[:12]


class ProductCards(Sequence):
    """The cards of ``ids``, in that order. Iterating gives the products (loaded once, on
    first use); ``{% product_cards %}`` renders them through the fragment cache. Truthiness
    and ``len`` count the ids, so ``{% if %}`` loads nothing."""

    def __init__(self, ids):
        self.ids = list(ids)
        self._products: list[ProductPage] | None = None
        self._batch: list[ProductCards] | None = None
        self._html: str | None = None

    @classmethod
    def first(cls, limit: int, **filters) -> "ProductCards":
        """The first ``limit`` findable products (search rows) matching ``filters``, featured
        first, then best OCOP stars, then by name."""
        return cls(
            ProductSearchEntry.objects.filter(**filters)
            .order_by(*SEARCH_DEFAULT_ORDER)
            .values_list("page_id", flat=True)[:limit]
        )

    @classmethod
    def of(cls, products: list[ProductPage]) -> "ProductCards":
        """Cards of products already loaded."""
        cards = cls(p.pk for p in products)
        cards._products = products
        return cards

    def products(self) -> list[ProductPage]:
        if self._products is None:
            self._products = cards_in_order(self.ids)
        return self._products

    def __getitem__(self, index):
        return self.products()[index]

    def __iter__(self):
        return iter(self.products())

    def __len__(self) -> int:
        return len(self.ids) if self._products is None else len(self._products)

    def __bool__(self) -> bool:
        return bool(self.ids)

    def __eq__(self, other) -> bool:
        return list(self) == list(other)

    def __repr__(self) -> str:
        return f"ProductCards({self.ids!r})"

    @staticmethod
    def together(*lists: "ProductCards") -> None:
        """Lists shown on the same page (the home page's featured and spotlight): the first
        one rendered looks up, loads and draws the cards of all of them at once."""
        for cards in lists:
            cards._batch = list(lists)

    def render(self, context) -> str:
        """The cards' HTML, in order; ``context`` is the page's template context."""
        # The cached page goes when one of these products changes what its card says.
        pagecache.shows(*(f"product:{pk}" for pk in self.ids))
        if self._html is None:
            batch = self._batch or [self]
            drawn = _draw([pk for cards in batch for pk in cards.ids], batch, context)
            for cards in batch:
                cards._html = "".join(drawn[pk] for pk in cards.ids if pk in drawn)
        return self._html


def _draw(ids: list[int], batch: list[ProductCards], context) -> dict[int, str]:
    """{product id: card HTML} for ``ids``: from the fragment cache, else drawn (products
    loaded in one go, or taken from lists that loaded them already)."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return {}
    request = context.get("request")
    template = context.template.engine.get_template(CARD_TEMPLATE)

    def load(wanted: list[int]) -> list[ProductPage]:
        known = {p.pk: p for cards in batch if cards._products is not None for p in cards._products}
        rest = [pk for pk in wanted if pk not in known]
        if rest:
            known.update((p.pk, p) for p in cards_in_order(rest))
        return [known[pk] for pk in wanted if pk in known]

    def draw(products: list[ProductPage]) -> dict[int, str]:
        drawn = {}
        for product in products:
            with context.push(product=product, request=request):
                drawn[product.pk] = template.render(context)
        return drawn

    seconds = getattr(settings, "CARD_CACHE_SECONDS", 0)
    if seconds <= 0:
        return draw(load(ids))
    stamps = dict(
        ProductSearchEntry.objects.filter(page_id__in=ids).values_list("page_id", "indexed_at")
    )
    base = "|".join(
        (
            get_language() or "",
            request.get_host() if request is not None else "",
            timezone.localdate().isoformat(),
            _templates_digest(),
        )
    )
    keys = {
        pk: "card:" + hashlib.sha256(f"{pk}|{stamp.isoformat()}|{base}".encode()).hexdigest()
        for pk in ids
        if (stamp := stamps.get(pk)) is not None
    }
    found = pagecache.get_fragments(list(keys.values()))
    drawn = draw(load([pk for pk, key in keys.items() if key not in found]))
    pagecache.set_fragments({keys[pk]: html for pk, html in drawn.items()}, seconds)
    return {pk: found.get(key) or drawn.get(pk, "") for pk, key in keys.items()}
