#!/usr/bin/env python
"""Time the storefront's busiest pages on the demo data (a benchmark, not a test).

    .venv/bin/python manage.py load_demo   # once
    .venv/bin/python benchmarks/storefront_pages.py [--rounds 20]

Prints, per page, the SQL query count and the median / p95 response time in the Django
test client (no network, no web server), so figures compare code changes, not machines.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.dev")


def main() -> None:
    import django

    django.setup()
    import gc

    gc.collect()
    gc.freeze()  # as marketplace/wsgi.py does in each worker after start-up
    from django.core.signals import request_finished
    from django.db import close_old_connections, connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from catalog.models import ProductPage
    from cms.models import CategoryPage, CooperativePage

    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    product = ProductPage.objects.live().first()
    if product is None:
        sys.exit("No products: run `manage.py load_demo` first.")
    pages = {
        "home": "/",
        "category": CategoryPage.objects.live().first().url,
        "cooperative": CooperativePage.objects.live().first().url,
        "product": product.url,
        "search": "/search/?q=che+la+bang",
    }
    # Keep one connection for the whole run, so queries can be counted per request.
    request_finished.disconnect(close_old_connections)
    client = Client()
    print(f"{'page':<12} {'queries':>7} {'median ms':>10} {'p95 ms':>8}")
    for name, url in pages.items():
        client.get(url)  # warm renditions and caches
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        queries = len(ctx.captured_queries)  # read now: the property slices the live log
        timings = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        timings.sort()
        p95 = timings[max(int(len(timings) * 0.95) - 1, 0)]
        print(f"{name:<12} {queries:>7} {statistics.median(timings):>10.1f} {p95:>8.1f}")


if __name__ == "__main__":
    main()
