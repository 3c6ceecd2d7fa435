"""A Celery worker killed with SIGKILL in the middle of issuing 50,000 stamps, and in the
middle of the nightly search reindex, under production settings on the real broker: the task
comes back (acks_late, the broker's visibility timeout) to the next worker, which finishes
the order with no serial missing and none twice, and the index with every product."""

import datetime
import os
import signal

import pytest
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db.models import Count, Max, Min

from catalog.models import ProductPage, ProductSearchEntry
from catalog.search_index import rebuild
from catalog.tasks import reindex_all
from traceability.models import Stamp, StampOrder
from traceability.services import batch_create, stamp_order_create
from traceability.signing import keyring

from ..factories import add_product
from .conftest import celery_worker, real_broker, served_database_url, wait_until

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
COUNT = 50_000


def needs_redis():
    if "RedisCache" not in settings.CACHES["default"]["BACKEND"]:
        pytest.skip("needs REDIS_URL (CI sets it)")


def test_a_killed_worker_leaves_no_stamp_missing_and_none_twice(production_env, tree, tmp_path):
    needs_redis()
    pem = keyring().private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    env = {
        **production_env,
        "DATABASE_URL": served_database_url(),
        # Its own Redis database: the test run's eager tasks never reach it.
        "REDIS_URL": production_env["REDIS_URL"].rsplit("/", 1)[0] + "/7",
        "TRACE_SIGNING_KEY_PEM": pem.decode(),
        "TRACE_SIGNING_KEY_ID": keyring().key_id,
        "TRACE_MAX_STAMPS_PER_ORDER": str(COUNT),
        "CELERY_VISIBILITY_TIMEOUT": "5",
    }
    variant = add_product(tree.coop_page, title="Chè búp La Bằng", stock=50).variants.get()
    batch = batch_create(
        variant=variant, lot="LB2603K", production_date=datetime.date(2026, 3, 15), quantity=COUNT
    )
    log = tmp_path / "worker.log"
    with real_broker(env["REDIS_URL"]):
        with celery_worker(env, queues="stamps", log=log) as first:
            order = stamp_order_create(batch=batch, count=COUNT)  # queued for the worker
            issued = wait_until(lambda: StampOrder.objects.get(pk=order.pk).issued, 120)
            assert 0 < issued < COUNT, f"could not catch the order in the middle ({issued})"
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
        killed_at = StampOrder.objects.get(pk=order.pk).issued
        with celery_worker(env, queues="stamps", log=log):

            def finished():
                order.refresh_from_db()
                return order.issued == COUNT and order.status != StampOrder.Status.ISSUING

            wait_until(finished, 180, every=0.5)
    assert order.issued == COUNT, (order.status, order.error, log.read_text()[-3000:])
    assert killed_at < COUNT
    stamps = Stamp.objects.filter(order=order).aggregate(
        n=Count("pk"),
        numbers=Count("number", distinct=True),
        serials=Count("serial", distinct=True),
        low=Min("number"),
        high=Max("number"),
    )
    assert stamps == {"n": COUNT, "numbers": COUNT, "serials": COUNT, "low": 1, "high": COUNT}


PRODUCTS = 400  # two of the reindex's chunks of 200: one done when it is killed


def test_a_reindex_killed_halfway_is_finished_by_the_next_worker(production_env, tree, tmp_path):
    needs_redis()
    env = {
        **production_env,
        "DATABASE_URL": served_database_url(),
        "REDIS_URL": production_env["REDIS_URL"].rsplit("/", 1)[0] + "/7",
        "CELERY_VISIBILITY_TIMEOUT": "5",
    }
    # Made quickly: created unpublished, then live at once, and indexed in this process.
    pages = [
        add_product(tree.coop_page, title=f"Chè búp La Bằng {n:03d}", publish=False).pk
        for n in range(PRODUCTS)
    ]
    ProductPage.objects.filter(pk__in=pages).update(live=True)
    rebuild()
    entries = ProductSearchEntry.objects.all()
    assert entries.count() == PRODUCTS
    # Rows gone stale (what the nightly reindex is for: changes no event announced).
    entries.update(title_text="cu", all_text="cu")
    log = tmp_path / "worker.log"
    with real_broker(env["REDIS_URL"]):
        with celery_worker(env, queues="search", log=log) as first:
            reindex_all.delay()
            stale = wait_until(
                lambda: (n := entries.filter(title_text="cu").count()) < PRODUCTS and n, 120
            )
            assert 0 < stale < PRODUCTS, f"could not catch the reindex in the middle ({stale})"
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
        assert entries.filter(title_text="cu").exists()  # left half done
        with celery_worker(env, queues="search", log=log):
            # Redelivered once older than the visibility timeout, at the transport's next
            # look for unacknowledged tasks (kombu: every 100 s).
            wait_until(lambda: not entries.filter(title_text="cu").exists(), 300, every=0.5)
    assert not entries.filter(title_text="cu").exists(), log.read_text()[-3000:]
    assert entries.count() == PRODUCTS
    print(log.read_text())
    assert entries.filter(title_text__startswith="che bup la bang").count() == PRODUCTS
