"""Product search: ``search_products`` is the one entry point (the search page, autocomplete
and later the API), with two backends chosen by the ``CATALOG_SEARCH_BACKEND`` setting:

* ``database`` (default, embedded): the ``ProductSearchEntry`` rows of ``search_index``.
  On PostgreSQL a weighted full-text vector (``simple`` configuration over folded text,
  every word must match, the last one as a prefix) with a GIN index; on SQLite the same
  folded text with ``LIKE``. When no product has every word, each unknown word is replaced
  by the closest word of the index's vocabulary (``che la bamg`` → ``che la bang``).
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
    IntegerField,
    Q,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from marketplace.db_router import replica_reads
from marketplace.locations import UnknownLocation, get_province, province_name
from marketplace.models import Cooperative
from marketplace.text import search_terms

from .cards import ProductCards
from .models import (
    SEARCH_DEFAULT_ORDER,
    Availability,
    Category,
    ProductPage,
    ProductSearchEntry,
    SearchTerm,
)

logger = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 100
PER_PAGE = 24
MAX_PAGE = 400  # 400 x 24 = 9,600 products deep: beyond that, refine the search

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
    hits: ProductCards | list = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = PER_PAGE
    sort: str = "relevance"
    filters: Filters = field(default_factory=Filters)
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    suggestion: str = ""  # "did you mean": the query as we corrected it
    corrected: bool = False  # the hits are for ``suggestion``, not the words typed
    popular: ProductCards | list = field(default_factory=list)  # when nothing matched
    notes: list[str] = field(default_factory=list)
    backend: str = "database"

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    # Names the templates and callers used before facets existed.
    @property
    def products(self) -> ProductCards | list:
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
            with replica_reads():
                ids = DatabaseSearch(result, words).run()
    else:
        with replica_reads():  # the replica, when there is one: a second behind is fine
            ids = DatabaseSearch(result, words).run()
    if result.total and page > result.pages:
        result.notes.append(
            _("Page %(page)s is past the last page (%(pages)s).")
            % {"page": page, "pages": result.pages}
        )
    result.hits = ProductCards(ids)
    if not result.total and words:
        result.popular = popular_products()
    return result


def _backend() -> str:
    return getattr(settings, "CATALOG_SEARCH_BACKEND", "") or (
        "elasticsearch" if settings.ELASTICSEARCH_URL else "database"
    )


def popular_products(limit: int = 8) -> ProductCards:
    """Shown when nothing matched: featured first, then the best OCOP stars."""
    return ProductCards.first(limit)


class DatabaseSearch:
    """The database backend over ``ProductSearchEntry`` (PostgreSQL or SQLite)."""

    def __init__(self, result: SearchResult, words: list[str]):
        self.result, self.words = result, words
        self.postgres = connection.vendor == "postgresql"

    def run(self) -> list[int]:
        matched, rank = self.text_match(self.words)
        combos = self.combinations(matched)
        if self.words and not combos:
            corrected = correct(self.words)
            if corrected != self.words:
                self.result.suggestion, self.result.corrected = " ".join(corrected), True
                matched, rank = self.text_match(corrected)
                combos = self.combinations(matched)
        self.result.total, self.result.facets = self.count(combos)
        if not self.result.total:
            return []
        filtered = self.apply(matched, self.result.filters)
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

    def apply(self, entries, filters: Filters):
        for condition in self.conditions(filters).values():
            entries = entries.filter(condition)
        return entries

    def combinations(self, matched) -> list[dict]:
        """One scan of the matching rows: how many products share each combination of facet
        values (and whether they pass the price filter). Total and every facet's disjunctive
        counts are sums over these rows, so one query does the work of seven. Ids only: the
        names come from the two small tables afterwards (a join per matching row and a wider
        sort cost three times the grouping itself at 10,000 products)."""
        whens = [
            When(price_min__lt=high, then=Value(i))
            for i, (_, high) in enumerate(PRICE_BUCKETS[:-1])
        ]
        whens.append(When(price_min__isnull=False, then=Value(len(PRICE_BUCKETS) - 1)))
        f = self.result.filters
        price = self.conditions(f).get("price")
        return list(
            matched.annotate(
                bucket=Case(*whens, default=Value(None), output_field=IntegerField()),
                price_ok=Case(When(price, then=Value(True)), default=Value(False))
                if price
                else Value(True),
            )
            .values(
                "category_id",
                "cooperative_id",
                "province_code",
                "stars",
                "availability",
                "bucket",
                "price_ok",
            )
            .annotate(n=Count("pk"))
            .order_by()
        )

    def count(self, combos: list[dict]) -> tuple[int, dict[str, list[FacetValue]]]:
        f = self.result.filters
        tests = {}
        if f.category:
            tests["category"] = lambda r: r["category_id"] == f.category.pk
        if f.province:
            tests["province"] = lambda r: r["province_code"] == f.province
        if f.cooperative:
            tests["cooperative"] = lambda r: r["cooperative_id"] == f.cooperative.pk
        if f.stars:
            tests["stars"] = lambda r: r["stars"] >= f.stars
        if f.price_min is not None or f.price_max is not None:
            tests["price"] = lambda r: r["price_ok"]
        if f.availability:
            tests["availability"] = lambda r: r["availability"] == f.availability

        def passing(skip: str = ""):
            return [r for r in combos if all(t(r) for k, t in tests.items() if k != skip)]

        def tally(rows, key):
            out = {}
            for r in rows:
                out[key(r)] = out.get(key(r), 0) + r["n"]
            return out

        def ranked(values):
            return sorted(values, key=lambda v: (-v.count, v.label))

        total = sum(r["n"] for r in passing())
        english = get_language() == "en"
        facets = {}
        counts = tally(passing("category"), lambda r: r["category_id"])
        facets["category"] = ranked(
            FacetValue(
                c["slug"],
                (c["name_en"] if english else "") or c["name"],
                counts[c["id"]],
                bool(f.category and f.category.pk == c["id"]),
            )
            for c in Category.objects.filter(pk__in=counts).values("id", "slug", "name", "name_en")
        )
        counts = tally(passing("province"), lambda r: r["province_code"])
        facets["province"] = ranked(
            FacetValue(str(code), _province_label(code), n, f.province == code)
            for code, n in counts.items()
        )
        counts = tally(passing("cooperative"), lambda r: r["cooperative_id"])
        facets["cooperative"] = ranked(
            FacetValue(
                c["slug"],
                c["name"],
                counts[c["id"]],
                bool(f.cooperative and f.cooperative.pk == c["id"]),
            )
            for c in Cooperative.objects.filter(pk__in=counts).values("id", "slug", "name")
        )
        counts = tally(passing("stars"), lambda r: r["stars"])
        facets["stars"] = [
            FacetValue(
                str(s),
                _("%(n)s stars or more") % {"n": s},
                sum(n for stars, n in counts.items() if stars >= s),
                f.stars == s,
            )
            for s in (5, 4, 3)
            if any(stars >= s for stars in counts)
        ]
        counts = tally(passing("availability"), lambda r: r["availability"])
        labels = dict(Availability.choices)
        facets["availability"] = [
            FacetValue(state, str(labels[state]), counts[state], f.availability == state)
            for state in (Availability.IN_STOCK, Availability.PREORDER)
            if counts.get(state)
        ]
        counts = tally(passing("price"), lambda r: r["bucket"])
        facets["price"] = [
            FacetValue(
                f"{low}-{'' if high is None else high - 1}",
                _price_label(low, high),
                counts[i],
                f.price_min == low and f.price_max == (None if high is None else high - 1),
            )
            for i, (low, high) in enumerate(PRICE_BUCKETS)
            if counts.get(i)
        ]
        return total, facets

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
        return entries.order_by(*SEARCH_DEFAULT_ORDER)


def _contains_score(word: str):
    # A word in the name counts more than one in the description.
    return Case(
        When(title_text__contains=word, then=Value(3)),
        default=Value(1),
        output_field=IntegerField(),
    )


VOCABULARY_KEY = "search:vocabulary"


def vocabulary() -> list[str]:
    """The words of product names, categories, cooperatives and places (not descriptions),
    cached for ten minutes and dropped when the index changes."""
    from django.core.cache import cache

    words = cache.get(VOCABULARY_KEY)
    if words is None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT word FROM ts_stat("
                    "'SELECT search_vector FROM catalog_productsearchentry', 'AB')"
                )
                found = {row[0] for row in cursor.fetchall()}
        else:
            found = set()
            for text in ProductSearchEntry.objects.values_list("title_text", flat=True):
                found.update(text.split())
        words = sorted(w for w in found if not w.isdigit() and len(w) > 1)
        cache.set(VOCABULARY_KEY, words, 600)
    return words


def correct(words: list[str]) -> list[str]:
    """Replace each word no product has by the closest one that some product has.

    ``difflib`` (stdlib), not pg_trgm: trigram similarity of short Vietnamese syllables with
    one wrong letter is too low to rank (``bamg``/``bang`` = 0.25), while the edit ratio is
    0.75.
    """
    known = vocabulary()
    known_set = set(known)
    fixed = []
    for word in words:
        if word in known_set or word.isdigit():
            fixed.append(word)
            continue
        close = difflib.get_close_matches(word, known, n=1, cutoff=0.7)
        fixed.append(close[0] if close else word)
    return fixed


def _province_label(code: int) -> str:
    return province_name(code) or str(code)


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
    from marketplace.text import fold

    return [
        {"name": p.title, "folded": fold(p.title), "url": p.url}
        for p in CooperativePage.objects.live()
        .filter(cooperative__status=Cooperative.Status.APPROVED)
        .order_by("title")
    ]


def _category_pages() -> list[dict]:
    from marketplace.text import fold

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
