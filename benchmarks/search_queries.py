"""Search speed at catalogue scale, beside the raw SQL of the same queries (a benchmark, not a
test).

    .venv/bin/python benchmarks/catalog_10k.py       # once: 10,000 products
    .venv/bin/python benchmarks/search_queries.py    # 200 mixed queries

For each of 200 queries (folded and accented words, typos, places, English words, blank
queries with filters; half of them with facets, half asking for a filtered page) it times
``catalog.search.search_products`` — the database backend as the search page calls it: ids,
total, facets, suggestion — and then re-executes exactly the SQL statements that call sent,
through a plain cursor: the floor any Python code over this database has. Prints p50/p95/max
of both, their ratio (target: p95 <= 30 ms and <= 1.5x raw SQL) and the statements per
query; and, apart, loading the products of the page's 24 cards from the database (what the
search page does for the cards its fragment cache does not have).
DATABASE_URL as the other benchmarks (default ocop_bench).
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _tracebench as tb

WORDS = [
    "che la bang",
    "chè la bằng",
    "CHE LA BANG",
    "la bang tea",
    "che la bamg",
    "mien dong",
    "mat ong",
    "mật ong bạc hà",
    "honey",
    "custard apple",
    "vermicelli",
    "che thai nguyen",
    "bac kan",
    "ha giang",
    "dai tu",
    "gao bao thai",
    "nam huong",
    "quyt",
    "shan tuyet",
    "hop qua",
]


def queries(count: int):
    """Deterministic mix: (text, filter params, sort, page)."""
    from catalog.models import Category

    slugs = list(Category.objects.values_list("slug", flat=True))
    mix = []
    for i in range(count):
        text = WORDS[i % len(WORDS)] if i % 10 else ""
        params = {}
        if i % 2:
            params["category"] = slugs[i % len(slugs)] if i % 4 == 1 else ""
            params["stars"] = "4" if i % 3 == 0 else ""
            params["price_max"] = "300000" if i % 5 == 0 else ""
        sort = ["relevance", "price_asc", "newest", "stars"][i % 4]
        mix.append((text, {k: v for k, v in params.items() if v}, sort, 1 + (i % 3 == 2)))
    return mix


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    tb.setup_django()
    import gc

    gc.collect()
    gc.freeze()  # as marketplace/wsgi.py does in each worker after start-up
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from catalog.models import ProductSearchEntry
    from catalog.search import Filters, search_products

    rows = ProductSearchEntry.objects.count()
    mix = queries(args.queries)
    for text, params, sort, page in mix[:20]:  # warm up
        search_products(text, Filters.from_params(params)[0], sort, page)
    ours, raw, loads, statements = [], [], [], []
    with tb.CpuMeter([tb.backend_pid()]) as meter:
        for text, params, sort, page in mix:
            filters = Filters.from_params(params)[0]
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                result = search_products(text, filters, sort, page)
                ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            list(result.hits)  # the products of the cards, loaded from the database
            loads.append(time.perf_counter() - start)
            sql = [q["sql"] for q in captured.captured_queries]
            statements.append(len(sql))
            with connection.cursor() as cursor:
                start = time.perf_counter()
                for statement in sql:
                    cursor.execute(statement)
                    if cursor.description:
                        cursor.fetchall()
                raw.append(time.perf_counter() - start)
    both = [a + b for a, b in zip(ours, loads, strict=True)]
    print(f"{rows} products in the search index; {len(mix)} queries")
    print(
        tb.table(
            [
                (name, f"{pct(v, 0.5):.1f}", f"{pct(v, 0.95):.1f}", f"{max(v) * 1000:.1f}")
                for name, v in (
                    ("search_products", ours),
                    ("raw SQL of the same statements", raw),
                    ("cards: their products loaded", loads),
                    ("search + cards loaded", both),
                )
            ],
            ("", "p50 ms", "p95 ms", "max ms"),
        )
    )
    print(
        f"p95 ratio {pct(ours, 0.95) / pct(raw, 0.95):.2f}x raw SQL; statements per query: "
        f"median {statistics.median(statements):.0f}, max {max(statements)}; "
        f"others {meter.rest / max(meter.wall * tb.CORES, 1e-9):.0%}"
    )
    print(
        "search_products answers ids, total, facets and the suggestion; the search page then"
        " renders the cards from the fragment cache (catalog/cards.py) and loads products only"
        " for cards not cached, which the 'cards' row times for all of them."
    )
    warning = meter.busy_warning()
    if warning:
        print(warning)


if __name__ == "__main__":
    main()
