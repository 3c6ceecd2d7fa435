"""A Celery worker killed with SIGKILL in the middle of issuing 50,000 stamps, under production
settings on the real broker: the task comes back (acks_late, the broker's visibility timeout)
to the next worker, which finishes the order with no serial missing and none twice."""

import datetime
import os
import signal
import time

import pytest
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db.models import Count, Max, Min

from traceability.models import Stamp, StampOrder
from traceability.services import batch_create, stamp_order_create
from traceability.signing import keyring

from ..factories import add_product
from .conftest import celery_worker, served_database_url

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
COUNT = 50_000


def test_a_killed_worker_leaves_no_stamp_missing_and_none_twice(production_env, tree, tmp_path):
    if "RedisCache" not in settings.CACHES["default"]["BACKEND"]:
        pytest.skip("needs REDIS_URL (CI sets it)")
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
    from marketplace.celery import app

    log = tmp_path / "worker.log"

    def use_broker(url: str, eager: bool) -> None:
        app._pool = None  # the pools made for the last broker (left open: others hold them)
        app.amqp._producer_pool = None
        app.conf.broker_url, app.conf.task_always_eager = url, eager

    use_broker(env["REDIS_URL"], eager=False)
    try:
        with celery_worker(env, queues="stamps", log=log) as first:
            order = stamp_order_create(batch=batch, count=COUNT)  # queued for the worker
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                issued = StampOrder.objects.get(pk=order.pk).issued
                if issued > 0:
                    break
                time.sleep(0.02)
            from marketplace.models import OutboxMessage

            assert 0 < issued < COUNT, (
                f"could not catch the order in the middle ({issued})",
                list(OutboxMessage.objects.values("task", "sent_at", "last_error")),
            )
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
        killed_at = StampOrder.objects.get(pk=order.pk).issued
        with celery_worker(env, queues="stamps", log=log):
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                order.refresh_from_db()
                if order.issued == COUNT and order.status != StampOrder.Status.ISSUING:
                    break
                time.sleep(0.5)
    finally:
        use_broker("memory://", eager=True)
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
