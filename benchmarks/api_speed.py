#!/usr/bin/env python
"""The catalogue API's endpoints in process: SQL statements and time per request (a benchmark,
not a test). ``api_speed.sh`` runs it before the load test; alone:

    .venv/bin/python benchmarks/api_speed.py [--rounds 30] [--paths]

Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/ocop_bench, created, migrated and
given the demo catalogue when missing; ``catalog_10k.py`` grows it) and REDIS_URL (the cache, as
in production; without it Django's local memory cache). Each path is asked once to warm
renditions and caches, once under ``CaptureQueriesContext`` (statements and their database
time), then ``--rounds`` times: median and p95 in the Django test client (no network, no web
server), so figures compare code changes, not machines. Three times: ``cold`` (every answer
computed, every product loaded: after a deploy or a cache flush), ``computed`` (the answer
computed, the products' summaries from the cache: after a change, or a URL not asked before)
and ``cached`` (the whole answer from the cache: ``catalog.apis.cached_answer``).
``--paths`` prints the paths ``api_speed.sh`` measures and stops; ``--enough N`` exits 1 when
the database holds fewer than N live products.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _tracebench as tb


def bench_paths() -> dict[str, str]:
    """The list's first page and page 50, a filtered list, and the detail of the product with
    the most variants and images (the heaviest answer)."""
    from django.db.models import Count

    from catalog.selectors import live_products

    product = (
        live_products()
        .annotate(variant_count=Count("variants", distinct=True))
        .annotate(image_count=Count("gallery_images", distinct=True))
        .order_by("-image_count", "-variant_count", "pk")
        .first()
    )
    if product is None:
        sys.exit("No products: run benchmarks/catalog_10k.py first.")
    return {
        "list": "/api/v1/products/",
        "list p50": "/api/v1/products/?page=50",
        "filtered": "/api/v1/products/?q=che&stars=4&sort=price_asc",
        "detail": f"/api/v1/products/{product.pk}/",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--paths", action="store_true")
    parser.add_argument("--enough", type=int, metavar="N", help="exit 1 below N products")
    args = parser.parse_args()
    tb.setup_django("marketplace.settings.dev")
    if args.enough is not None:
        from catalog.selectors import live_products

        sys.exit(0 if live_products().count() >= args.enough else 1)
    if args.paths:
        print(" ".join(bench_paths().values()))
        return
    import gc

    gc.collect()
    gc.freeze()  # as marketplace/wsgi.py does in each worker after start-up
    from django.conf import settings
    from django.core.signals import request_finished
    from django.db import close_old_connections, connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from catalog.selectors import live_products

    paths = bench_paths()
    # One connection for the whole run, so that statements are counted per request.
    request_finished.disconnect(close_old_connections)
    client = Client(HTTP_HOST="127.0.0.1")

    def measure(path: str) -> tuple[int, float, float, float]:
        """Statements and their ms, then median and p95 ms of ``rounds`` requests."""
        first = client.get(path)  # renditions, once-per-process lookups, the cache filled
        assert first.status_code == 200, (path, first.status_code, first.content[:200])
        with CaptureQueriesContext(connection) as ctx:
            client.get(path)
        queries = list(ctx.captured_queries)  # a copy: the property slices the live log
        timings = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        timings.sort()
        return (
            len(queries),
            sum(float(q["time"]) for q in queries) * 1000,
            statistics.median(timings),
            timings[max(int(len(timings) * 0.95) - 1, 0)],
        )

    pages_seconds = settings.PAGE_CACHE_SECONDS or 600
    cards = settings.CARD_CACHE_SECONDS or 3600
    print(f"products: {live_products().count()}; {args.rounds} requests per row")
    print(
        f"{'endpoint':<9} {'answer':<8} {'queries':>7} {'sql ms':>7} {'median ms':>9}"
        f" {'p95 ms':>7}  path"
    )
    for name, path in paths.items():
        for label, pages, summaries in (
            ("cold", 0, 0),
            ("computed", 0, cards),
            ("cached", pages_seconds, cards),
        ):
            with override_settings(PAGE_CACHE_SECONDS=pages, CARD_CACHE_SECONDS=summaries):
                queries, sql_ms, median, p95 = measure(path)
            print(
                f"{name:<9} {label:<8} {queries:>7} {sql_ms:>7.1f} {median:>9.1f} {p95:>7.1f}"
                f"  {path}"
            )


if __name__ == "__main__":
    main()
