"""Product search: ``search_products`` is the one entry point (the search page, autocomplete
and later the API), with two backends chosen by the ``CATALOG_SEARCH_BACKEND`` setting:

* ``database`` (default, embedded): the ``ProductSearchEntry`` rows of ``search_index``.
  On PostgreSQL a weighted full-text vector (``simple`` configuration over folded text,
  every word must match, the last one as a prefix) with a GIN index, and ``pg_trgm`` word
  similarity when no product matches (one wrong letter: ``che la bamg``). On SQLite the same
  folded text with ``LIKE`` and a ``difflib`` fallback for typos.
* ``elasticsearch`` (when ``ELASTICSEARCH_URL`` is set): ``search_es`` — a folding analyzer,
  fuzziness, aggregations. If the server fails, the query is answered by the database and a
  warning is logged.

Facet counts are disjunctive: each facet counts the products that match the query and every
*other* selected filter, so a shopper sees what choosing another value would give.
"""

import difflib
import logging
import math
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from marketplace.locations import UnknownLocation, get_province
from marketplace.models import Cooperative

from .models import Availability, Category, ProductPage, ProductSearchEntry, SearchTerm
from .selectors import live_products, product_cards
from .text import search_terms

logger = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 100
PER_PAGE = 24
MAX_PAGE = 400  # 400 x 24 = 9,600 products deep: beyond that, refine the search
FUZZY_SIMILARITY = 0.4

SORTS = {
    "relevance": gettext_lazy("Best match"),
    "price_asc": gettext_lazy("Price: low to high"),
    "price_desc": gettext_lazy("Price: high to low"),
    "newest": gettext_lazy("Newest"),
    "stars": gettext_lazy("OCOP stars"),
}
PRICE_BUCKETS = [(0, 100_000), (100_000, 200_000), (200_000, 500_000), (500_000, None)]


@dataclass
class Filters:
    category: Category | None = None
    province: int | None = None
    cooperative: Cooperative | None = None
    stars: int | None = None  # at least
    price_min: int | None = None
    price_max: int | None = None
    availability: str | None = None  # in_stock | preorder

    def params(self) -> dict[str, str]:
        """The GET parameters that reproduce these filters (for links)."""
        out = {}
        if self.category:
            out["category"] = self.category.slug
        if self.province:
            out["province"] = str(self.province)
        if self.cooperative:
            out["cooperative"] = self.cooperative.slug
        if self.stars:
            out["stars"] = str(self.stars)
        if self.price_min is not None:
            out["price_min"] = str(self.price_min)
        if self.price_max is not None:
            out["price_max"] = str(self.price_max)
        if self.availability:
            out["availability"] = self.availability
        return out

    @classmethod
    def from_params(cls, params) -> tuple["Filters", list[str]]:
        """Read filters from GET parameters; an unknown or bad value is dropped with a note."""
        notes: list[str] = []
        filters = cls()
        slug = params.get("category", "").strip()
        if slug:
            filters.category = Category.objects.filter(slug=slug[:80]).first()
            if filters.category is None:
                notes.append(_("Unknown category: showing all categories."))
        slug = params.get("cooperative", "").strip()
        if slug:
            filters.cooperative = Cooperative.objects.filter(
                slug=slug[:100], status=Cooperative.Status.APPROVED
            ).first()
            if filters.cooperative is None:
                notes.append(_("Unknown cooperative: showing all cooperatives."))
        for name, low, high in (("province", 1, 99), ("stars", 3, 5)):
            raw = params.get(name, "").strip()
            if not raw:
                continue
            try:
                value = int(raw)
                if not low <= value <= high:
                    raise ValueError
                if name == "province":
                    get_province(value)
                setattr(filters, name, value)
            except (ValueError, UnknownLocation):
                notes.append(_("Ignored an unknown filter value: %(value)s.") % {"value": raw[:20]})
        for name in ("price_min", "price_max"):
            raw = params.get(name, "").strip()
            if not raw:
                continue
            try:
                value = int(raw)
            except ValueError:
                notes.append(_("Prices are whole numbers of đồng."))
                continue
            if value < 0 or value > 10**12:
                notes.append(_("Prices cannot be negative."))
                continue
            setattr(filters, name, value)
        if (
            filters.price_min is not None
            and filters.price_max is not None
            and filters.price_min > filters.price_max
        ):
            notes.append(_("The lowest price was above the highest: swapped."))
            filters.price_min, filters.price_max = filters.price_max, filters.price_min
        availability = params.get("availability", "").strip()
        if availability in (Availability.IN_STOCK, Availability.PREORDER):
            filters.availability = availability
        elif availability:
            notes.append(
                _("Ignored an unknown filter value: %(value)s.") % {"value": availability[:20]}
            )
        return filters, notes


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class SearchResult:
    query: str
    hits: list[ProductPage] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = PER_PAGE
    sort: str = "relevance"
    filters: Filters = field(default_factory=Filters)
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    suggestion: str = ""  # "did you mean": the query as we corrected it
    corrected: bool = False  # the hits are for ``suggestion``, not the words typed
    popular: list[ProductPage] = field(default_factory=list)  # when nothing matched
    notes: list[str] = field(default_factory=list)
    backend: str = "database"

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    # Names the templates and callers used before facets existed.
    @property
    def products(self) -> list[ProductPage]:
        return self.hits

    @property
    def count(self) -> int:
        return self.total

    @property
    def category(self) -> Category | None:
        return self.filters.category


def normalize_query(query: str) -> str:
    return " ".join((query or "").split())[:MAX_QUERY_LENGTH]


def search_products(
    query: str,
    filters: Filters | None = None,
    sort: str = "relevance",
    page: int = 1,
    *,
    per_page: int = PER_PAGE,
    category: Category | None = None,
) -> SearchResult:
    """Live products of approved cooperatives matching every word of ``query`` (folded),
    filtered, sorted and paged, with facet counts; a blank query lists everything."""
    query = normalize_query(query)
    filters = filters or Filters()
    if category is not None:
        filters.category = category
    result = SearchResult(query=query, filters=filters, per_page=per_page)
    result.sort = sort if sort in SORTS else "relevance"
    if sort not in SORTS:
        result.notes.append(_("Unknown sort order: sorted by best match."))
    if page < 1 or page > MAX_PAGE:
        result.notes.append(
            _("Page %(page)s does not exist: showing page 1.") % {"page": page}
            if page < 1
            else _("Results stop at page %(max)s: refine your search.") % {"max": MAX_PAGE}
        )
        page = 1 if page < 1 else MAX_PAGE
    result.page = page
    words = search_terms(query).split()
    backend = _backend()
    if backend == "elasticsearch":
        try:
            from .search_es import es_search

            ids = es_search(result, words)
            result.backend = "elasticsearch"
        except Exception as exc:  # the search server is down: the database answers
            logger.warning("elasticsearch search failed, using the database: %s", exc)
            ids = DatabaseSearch(result, words).run()
    else:
        ids = DatabaseSearch(result, words).run()
    if result.total and page > result.pages:
        result.notes.append(
            _("Page %(page)s is past the last page (%(pages)s).")
            % {"page": page, "pages": result.pages}
        )
    result.hits = cards_in_order(ids)
    if not result.total and words:
        result.popular = popular_products()
    return result


def _backend() -> str:
    return getattr(settings, "CATALOG_SEARCH_BACKEND", "") or (
        "elasticsearch" if settings.ELASTICSEARCH_URL else "database"
    )


def cards_in_order(ids: list[int]) -> list[ProductPage]:
    if not ids:
        return []
    by_id = {p.pk: p for p in product_cards(live_products().filter(pk__in=ids))}
    return [by_id[i] for i in ids if i in by_id]


def popular_products(limit: int = 8) -> list[ProductPage]:
    """Shown when nothing matched: featured first, then the best OCOP stars."""
    ids = list(
        ProductSearchEntry.objects.order_by("-is_featured", "-stars", "page__title").values_list(
            "page_id", flat=True
        )[:limit]
    )
    return cards_in_order(ids)


class DatabaseSearch:
    """The database backend over ``ProductSearchEntry`` (PostgreSQL or SQLite)."""

    def __init__(self, result: SearchResult, words: list[str]):
        self.result, self.words = result, words
        self.postgres = connection.vendor == "postgresql"

    def run(self) -> list[int]:
        matched, rank = self.text_match(self.words)
        filtered = self.apply(matched, self.result.filters)
        self.result.total = filtered.count()
        if self.words and not self.result.total and not matched.exists():
            matched, rank, corrected = self.fuzzy_match(self.words)
            if corrected:
                self.result.suggestion, self.result.corrected = corrected, True
            filtered = self.apply(matched, self.result.filters)
            self.result.total = filtered.count()
        self.result.facets = self.facets(matched)
        start = (self.result.page - 1) * self.result.per_page
        ordered = self.order(filtered, rank)
        return list(ordered.values_list("page_id", flat=True)[start : start + self.result.per_page])

    # --- matching -------------------------------------------------------------------

    def text_match(self, words):
        entries = ProductSearchEntry.objects.all()
        if not words:
            return entries, None
        if self.postgres:
            from django.contrib.postgres.search import SearchQuery, SearchRank

            tsquery = " & ".join(
                f"{w}:*" if i == len(words) - 1 else w for i, w in enumerate(words)
            )
            query = SearchQuery(tsquery, search_type="raw", config="simple")
            return (
                entries.filter(search_vector=query),
                SearchRank(F("search_vector"), query),
            )
        for word in words:
            entries = entries.filter(all_text__contains=word)
        rank = sum((_contains_score(word) for word in words), Value(0, output_field=IntegerField()))
        return entries, rank

    def fuzzy_match(self, words):
        """No product has every word: allow a wrong letter or two per word."""
        entries = ProductSearchEntry.objects.all()
        if self.postgres:
            from django.contrib.postgres.search import TrigramWordSimilarity

            score = Value(0.0, output_field=FloatField())
            for i, word in enumerate(words):
                name = f"sim{i}"
                entries = entries.annotate(
                    **{name: TrigramWordSimilarity(word, "all_text")}
                ).filter(**{f"{name}__gte": FUZZY_SIMILARITY})
                score = score + F(name)
            top = list(
                entries.annotate(score=score)
                .order_by("-score")
                .values_list("all_text", flat=True)[:1]
            )
            corrected = _correct(words, top[0]) if top else ""
            return entries, score, corrected
        # SQLite (dev): compare in Python; the catalogue of a dev machine is small.
        texts = dict(ProductSearchEntry.objects.values_list("page_id", "all_text"))
        scores = {}
        for page_id, text in texts.items():
            vocabulary = set(text.split())
            best = [
                max((difflib.SequenceMatcher(None, w, v).ratio() for v in vocabulary), default=0)
                for w in words
            ]
            if best and min(best) >= 0.75:
                scores[page_id] = sum(best)
        ranked = sorted(scores, key=lambda pk: -scores[pk])
        corrected = _correct(words, texts[ranked[0]]) if ranked else ""
        whens = [When(page_id=pk, then=Value(scores[pk])) for pk in ranked]
        rank = Case(*whens, default=Value(0.0), output_field=FloatField()) if whens else None
        return entries.filter(page_id__in=ranked), rank, corrected

    # --- filters, facets, order -------------------------------------------------------

    @staticmethod
    def conditions(filters: Filters) -> dict[str, Q]:
        c = {}
        if filters.category:
            c["category"] = Q(category=filters.category)
        if filters.province:
            c["province"] = Q(province_code=filters.province)
        if filters.cooperative:
            c["cooperative"] = Q(cooperative=filters.cooperative)
        if filters.stars:
            c["stars"] = Q(stars__gte=filters.stars)
        price = Q()
        if filters.price_min is not None:
            price &= Q(price_min__gte=filters.price_min)
        if filters.price_max is not None:
            price &= Q(price_min__lte=filters.price_max)
        if price:
            c["price"] = price
        if filters.availability:
            c["availability"] = Q(availability=filters.availability)
        return c

    def apply(self, entries, filters: Filters, *, skip: str = ""):
        for name, condition in self.conditions(filters).items():
            if name != skip:
                entries = entries.filter(condition)
        return entries

    def facets(self, matched) -> dict[str, list[FacetValue]]:
        f = self.result.filters
        out = {}

        def grouped(name, column, *labels):
            rows = (
                self.apply(matched, f, skip=name)
                .values(column, *labels)
                .annotate(n=Count("pk"))
                .order_by()
            )
            if labels:  # the names come with the counts: no second query
                return {row[column]: (row["n"], *(row[label] for label in labels)) for row in rows}
            return {row[column]: row["n"] for row in rows}

        english = get_language() == "en"
        counts = grouped(
            "category", "category_id", "category__slug", "category__name", "category__name_en"
        )
        out["category"] = sorted(
            (
                FacetValue(
                    slug,
                    (name_en if english and name_en else name),
                    n,
                    bool(f.category and f.category.pk == pk),
                )
                for pk, (n, slug, name, name_en) in counts.items()
            ),
            key=lambda v: (-v.count, v.label),
        )
        counts = grouped("province", "province_code")
        out["province"] = sorted(
            (
                FacetValue(str(code), _province_label(code), n, f.province == code)
                for code, n in counts.items()
            ),
            key=lambda v: (-v.count, v.label),
        )
        counts = grouped("cooperative", "cooperative_id", "cooperative__slug", "cooperative__name")
        out["cooperative"] = sorted(
            (
                FacetValue(slug, name, n, bool(f.cooperative and f.cooperative.pk == pk))
                for pk, (n, slug, name) in counts.items()
            ),
            key=lambda v: (-v.count, v.label),
        )
        counts = grouped("stars", "stars")
        out["stars"] = [
            FacetValue(
                str(s),
                _("%(n)s stars or more") % {"n": s},
                sum(n for stars, n in counts.items() if stars >= s),
                f.stars == s,
            )
            for s in (5, 4, 3)
            if any(stars >= s for stars in counts)
        ]
        counts = grouped("availability", "availability")
        labels = dict(Availability.choices)
        out["availability"] = [
            FacetValue(state, str(labels[state]), counts[state], f.availability == state)
            for state in (Availability.IN_STOCK, Availability.PREORDER)
            if counts.get(state)
        ]
        base = self.apply(matched, f, skip="price")
        aggregates = {}
        for i, (low, high) in enumerate(PRICE_BUCKETS):
            condition = Q(price_min__gte=low)
            if high is not None:
                condition &= Q(price_min__lt=high)
            aggregates[f"b{i}"] = Count("pk", filter=condition)
        totals = base.aggregate(**aggregates)
        out["price"] = [
            FacetValue(
                f"{low}-{'' if high is None else high - 1}",
                _price_label(low, high),
                totals[f"b{i}"],
                f.price_min == low and f.price_max == (None if high is None else high - 1),
            )
            for i, (low, high) in enumerate(PRICE_BUCKETS)
            if totals[f"b{i}"]
        ]
        return out

    def order(self, entries, rank):
        sort = self.result.sort
        if sort == "price_asc":
            return entries.order_by(F("price_min").asc(nulls_last=True), "page_id")
        if sort == "price_desc":
            return entries.order_by(F("price_min").desc(nulls_last=True), "page_id")
        if sort == "newest":
            return entries.order_by(F("published_at").desc(nulls_last=True), "page_id")
        if sort == "stars":
            return entries.order_by("-stars", "-is_featured", "page_id")
        if rank is not None:
            return entries.annotate(rank=rank).order_by("-rank", "-is_featured", "page_id")
        return entries.order_by("-is_featured", "-stars", "page_id")


def _contains_score(word: str):
    # A word in the name counts more than one in the description.
    return Case(
        When(title_text__contains=word, then=Value(3)),
        default=Value(1),
        output_field=IntegerField(),
    )


def _correct(words: list[str], text: str) -> str:
    vocabulary = sorted(set(text.split()))
    fixed = []
    for word in words:
        close = difflib.get_close_matches(word, vocabulary, n=1, cutoff=0.5)
        fixed.append(close[0] if close else word)
    return " ".join(fixed)


def _province_label(code: int) -> str:
    try:
        return get_province(code).name
    except UnknownLocation:
        return str(code)


def _price_label(low: int, high: int | None) -> str:
    from marketplace.money import format_vnd

    if high is None:
        return _("From %(low)s") % {"low": format_vnd(low)}
    if low == 0:
        return _("Under %(high)s") % {"high": format_vnd(high)}
    return f"{format_vnd(low)} \u2013 {format_vnd(high)}"


# --- autocomplete ---------------------------------------------------------------------


def autocomplete(query: str, limit: int = 8) -> list[dict]:
    """Products, cooperatives and categories whose names start words with what was typed."""
    words = search_terms(normalize_query(query)).split()
    if not words or len(" ".join(words)) < 2:
        return []
    *leading, last = words

    def word_prefix(column: str) -> Q:
        return Q(**{f"{column}__startswith": last}) | Q(**{f"{column}__contains": f" {last}"})

    entries = ProductSearchEntry.objects.filter(word_prefix("title_text"))
    for word in leading:
        entries = entries.filter(title_text__contains=word)
    suggestions = []
    ids = list(
        entries.order_by("-is_featured", "-stars", "title_text").values_list("page_id", flat=True)[
            :limit
        ]
    )
    pages = {p.pk: p for p in ProductPage.objects.filter(pk__in=ids).select_related("cooperative")}
    for pk in ids:
        if pk in pages:
            page = pages[pk]
            suggestions.append(
                {
                    "kind": "product",
                    "label": page.display_title,
                    "detail": page.cooperative.name,
                    "url": page.url,
                }
            )
    typed = " ".join(words)
    for coop in _cooperative_pages():
        if len(suggestions) >= limit:
            break
        if _starts_words(coop["folded"], typed):
            suggestions.append(
                {"kind": "cooperative", "label": coop["name"], "detail": "", "url": coop["url"]}
            )
    for cat in _category_pages():
        if len(suggestions) >= limit:
            break
        if _starts_words(cat["folded"], typed):
            suggestions.append(
                {"kind": "category", "label": cat["label"], "detail": "", "url": cat["url"]}
            )
    return suggestions[:limit]


def _starts_words(folded: str, typed: str) -> bool:
    return folded.startswith(typed) or f" {typed}" in folded


def _cooperative_pages() -> list[dict]:
    from cms.models import CooperativePage  # cms builds on catalog: imported when used

    from .text import fold

    return [
        {"name": p.title, "folded": fold(p.title), "url": p.url}
        for p in CooperativePage.objects.live()
        .filter(cooperative__status=Cooperative.Status.APPROVED)
        .order_by("title")
    ]


def _category_pages() -> list[dict]:
    from .text import fold

    out = []
    for category in Category.objects.select_related("page").filter(page__live=True):
        out.append(
            {
                "label": category.display_name,
                "folded": fold(f"{category.name} {category.name_en}"),
                "url": category.page.url,
            }
        )
    return out


# --- query log --------------------------------------------------------------------------


def log_search(query: str, total: int) -> None:
    """Count a search (folded) per day, and whether it found nothing: for operator reports."""
    term = search_terms(query)[:100]
    if not term:
        return
    day = timezone.localdate()
    zero = 1 if total == 0 else 0
    changes = {"searches": F("searches") + 1, "zero_results": F("zero_results") + zero}
    if SearchTerm.objects.filter(term=term, day=day).update(**changes):
        return
    try:
        with transaction.atomic():
            SearchTerm.objects.create(term=term, day=day, searches=1, zero_results=zero)
    except IntegrityError:  # another request created it meanwhile
        SearchTerm.objects.filter(term=term, day=day).update(**changes)


def zero_result_terms(days: int = 30, limit: int = 50) -> QuerySet:
    since = timezone.localdate() - timezone.timedelta(days=days)
    return (
        SearchTerm.objects.filter(day__gte=since, zero_results__gt=0)
        .values("term")
        .annotate(n=Sum("zero_results"))
        .order_by("-n")[:limit]
    )
