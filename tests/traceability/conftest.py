import datetime

import pytest

from traceability.models import Batch, TraceEvent
from traceability.services import batch_create, batch_release, stamp_order_create

from ..factories import add_product


@pytest.fixture(autouse=True)
def _no_cached_batches():
    """Each process keeps batch payloads beside the shared cache (cleared for every test)."""
    from traceability.verification import forget_cached_batches

    forget_cached_batches()
    yield
    forget_cached_batches()


@pytest.fixture(autouse=True)
def _empty_scan_buffer():
    """The dev buffer is a process-wide list: no test sees another's scans."""
    from traceability import scans

    scans.discard()
    yield
    scans.discard()


@pytest.fixture
def product(tree):
    return add_product(tree.coop_page, title="Chè búp La Bằng", stock=100)


@pytest.fixture
def variant(product):
    return product.variants.get()


@pytest.fixture
def batch(variant) -> Batch:
    batch = batch_create(
        variant=variant,
        lot="LB2603A",
        production_date=datetime.date(2026, 3, 15),
        best_before=datetime.date(2027, 3, 15),
        quantity=2000,
        field_area="Đồi chè xóm Khuôn Ngàn",
    )
    tz = datetime.timezone(datetime.timedelta(hours=7))
    for step, day in [
        ("harvesting", 15),
        ("withering", 15),
        ("rolling", 16),
        ("drying", 16),
        ("packing", 18),
    ]:
        TraceEvent.objects.create(
            batch=batch,
            step=step,
            event_time=datetime.datetime(2026, 3, day, 8, 0, tzinfo=tz),
            input_quantity=400 if step in ("withering", "rolling", "drying") else None,
            output_quantity=80 if step == "drying" else None,
        )
    return batch


def issue(batch, count=10, user=None):
    """Order and issue ``count`` stamps (Celery runs eagerly in tests)."""
    from django.test import TestCase

    # Tasks are queued on commit; run them as a commit would (tests run inside a transaction).
    with TestCase.captureOnCommitCallbacks(execute=True):
        order = stamp_order_create(batch=batch, count=count, user=user)
    order.refresh_from_db()
    return order


@pytest.fixture
def released_batch(batch):
    issue(batch, 10)
    return batch_release(batch=batch)
