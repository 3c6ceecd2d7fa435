"""Grow the benchmark catalogue to N products, deterministically (a generator, not a test).

    .venv/bin/python benchmarks/catalog_10k.py                 # 10,000 products
    .venv/bin/python benchmarks/catalog_10k.py --products 2000

Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/ocop_bench; created, migrated
and given the demo catalogue when missing). Product i is a copy of demo product
``i % len(demo)`` under the same cooperative, titled ``<demo title> · lô <i>``, with that
product's variants at a price that varies with i, stock ``(i * 7) % 60`` and its OCOP
certification; pages are created live (no revisions, as an import would). Existing generated
products are kept, so running it again only adds the missing ones; then the search index is
rebuilt. Prints how long each step took.
"""

import argparse
import datetime
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _tracebench as tb

MARK = " · lô "


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    args = parser.parse_args()
    tb.setup_django()
    from django.conf import settings
    from django.db import transaction

    import catalog.signals
    from catalog.models import OcopCertification, ProductPage, ProductVariant, Stock
    from catalog.search_index import rebuild

    # An import, not editing: no per-save index task or page-cache bump (the index is rebuilt
    # once at the end), no Wagtail search-index update per page.
    catalog.signals.changed = lambda *args, **kwargs: None
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}

    tb.demo_variant()  # the demo catalogue, once
    demo = list(
        ProductPage.objects.live()
        .exclude(title__contains=MARK)
        .select_related("cooperative")
        .prefetch_related("variants", "certifications")
        .order_by("pk")
    )
    have = ProductPage.objects.filter(title__contains=MARK).count()
    want = args.products - len(demo)
    started = time.perf_counter()
    today = datetime.date.today()
    created = 0
    for i in range(have, max(want, 0)):
        source = demo[i % len(demo)]
        parent = source.get_parent()
        with transaction.atomic():
            page = ProductPage(
                title=f"{source.title}{MARK}{i:05d}",
                title_en=f"{source.title_en} lot {i:05d}" if source.title_en else "",
                slug=f"{source.slug}-lo-{i:05d}",
                category_id=source.category_id,
                short_description=source.short_description,
                story=source.story,
                origin_ward_code=source.origin_ward_code,
                harvest_start_month=source.harvest_start_month,
                harvest_end_month=source.harvest_end_month,
                is_featured=False,
                live=True,
                first_published_at=source.first_published_at,
            )
            parent.add_child(instance=page)
            for n, variant in enumerate(source.variants.all()):
                copy = ProductVariant(
                    page=page,
                    sku=f"{variant.sku}-{i:05d}"[:40],
                    gtin=None,
                    unit_label=variant.unit_label,
                    net_weight_g=variant.net_weight_g,
                    price=variant.price + (i % 50) * 1000,
                    sort_order=n,
                )
                copy.save()
                Stock.objects.filter(variant=copy).update(on_hand=(i * 7 + n) % 60)
            for cert in source.certifications.all():
                OcopCertification.objects.create(
                    product=page,
                    stars=cert.stars,
                    certificate_number=f"{cert.certificate_number}-{i}",
                    issuing_level=cert.issuing_level,
                    issued_on=cert.issued_on,
                    expires_on=max(cert.expires_on, today + datetime.timedelta(days=365)),
                )
        created += 1
        if created % 500 == 0:
            rate = created / (time.perf_counter() - started)
            print(f"  {have + created} generated ({rate:.0f}/s)", file=sys.stderr)
    made = time.perf_counter() - started
    started = time.perf_counter()
    count = rebuild()
    print(
        f"catalogue: {ProductPage.objects.live().count()} live products "
        f"({created} created in {made:.0f} s); search index: {count} rows in "
        f"{time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
