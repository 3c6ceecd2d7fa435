"""Side effects survive a broker outage (outbox), and a real Celery worker with beat on Redis
expires unpaid reservations."""

import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from catalog.models import Stock
from marketplace.celery import app
from marketplace.models import OutboxMessage
from marketplace.outbox import drain
from orders import services
from orders.models import Order

from .conftest import line
from .test_storefront import add, checkout_data

ROOT = Path(__file__).resolve().parents[2]


def _use_broker(url: str, *, eager: bool) -> None:
    """Point the Celery app at another broker: forget (without closing: other code may still
    hold them) the connection and producer pools made for the last one."""
    app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_url = url
    app.conf.task_always_eager = eager


@pytest.fixture
def broker_down():
    """A broker nobody listens on (Redis port 1): publishing fails at once."""
    _use_broker("redis://127.0.0.1:1/0", eager=False)
    yield
    _use_broker("memory://", eager=True)


@pytest.mark.django_db
def test_checkout_succeeds_with_the_broker_down_and_mail_follows_later(
    client, shop, broker_down, django_capture_on_commit_callbacks
):
    add(client, shop.tea_variant, 1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/checkout/", checkout_data())
    assert response.status_code == 302
    order = Order.objects.get()
    assert Stock.objects.get(variant=shop.tea_variant).reserved == 1
    waiting = OutboxMessage.objects.filter(sent_at__isnull=True, task__startswith="orders.")
    assert set(waiting.values_list("task", flat=True)) == {
        "orders.tasks.send_order_placed",
        "orders.tasks.send_suborder_new",
    }
    assert all(m.attempts == 1 and m.last_error for m in waiting)
    assert not mail.outbox
    # The broker is back: the beat's drain sends what waited.
    app.conf.task_always_eager = True
    drain()
    assert not OutboxMessage.objects.filter(
        sent_at__isnull=True, task__startswith="orders."
    ).exists()
    assert any(order.number in m.subject for m in mail.outbox)


@pytest.mark.django_db
def test_a_checkout_and_its_order_moving_on_queue_only_their_emails(
    client, shop, broker_down, django_capture_on_commit_callbacks, settings
):
    """No Wagtail reference-index task per order, sub-order or bank notification (the admin's
    viewsets register their models for it): a checkout's side effects are its e-mails."""
    from django.urls import resolve

    # Wagtail's tasks through the outbox, and the admin's viewsets set up, as in production.
    settings.TASKS = {"default": {"BACKEND": "marketplace.tasks_backend.CeleryOutboxBackend"}}
    resolve("/admin/")
    add(client, shop.tea_variant, 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/checkout/", checkout_data()).status_code == 302
        order = Order.objects.get()
        order.status = Order.Status.PROCESSING
        order.save()
        order.suborders.update(status="confirmed")
        for part in order.suborders.all():
            part.save()
    queued = set(OutboxMessage.objects.values_list("task", flat=True))
    # (The product's stock state may change too: its search row is then rewritten.)
    assert queued - {"catalog.tasks.index_products"} == {
        "orders.tasks.send_order_placed",
        "orders.tasks.send_suborder_new",
    }


@pytest.mark.django_db
def test_an_smtp_outage_delays_the_email_and_does_not_lose_it(shop, customer, monkeypatch):
    """The mail server refuses twice (down, then dropping the session); the task tries again
    and the shopper's confirmation goes once it answers."""
    import smtplib

    from django.core.mail.backends.locmem import EmailBackend

    from orders.tasks import send_order_placed

    order = services.place_order(
        lines=[line(shop.tea_variant)], customer=customer, payment_method="cod"
    )
    mail.outbox.clear()
    failures = [ConnectionRefusedError(111, "Connection refused"), smtplib.SMTPServerDisconnected()]
    real = EmailBackend.send_messages

    def flaky(self, messages):
        if failures:
            raise failures.pop(0)
        return real(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", flaky)
    # As a worker runs it: a failure is a retry, not an error raised here (eager retries
    # come at once, without the wait).
    propagates, app.conf.task_eager_propagates = app.conf.task_eager_propagates, False
    try:
        result = send_order_placed.apply(args=[order.pk])
    finally:
        app.conf.task_eager_propagates = propagates
    assert result.successful()
    assert not failures
    assert [m.to for m in mail.outbox] == [[order.email]]
    assert order.number in mail.outbox[0].subject

    # A refusal that would fail the same way again (the recipient refused) is not retried.
    mail.outbox.clear()
    failures[:] = [smtplib.SMTPRecipientsRefused({order.email: (550, b"no such user")})]
    tries = []
    monkeypatch.setattr(
        EmailBackend, "send_messages", lambda self, m: tries.append(1) or flaky(self, m)
    )
    propagates, app.conf.task_eager_propagates = app.conf.task_eager_propagates, False
    try:
        refused = send_order_placed.apply(args=[order.pk])
    finally:
        app.conf.task_eager_propagates = propagates
    assert refused.failed() and len(tries) == 1 and not mail.outbox


@pytest.mark.django_db
def test_drain_stops_while_the_broker_is_still_away(shop, customer, broker_down):
    services.place_order(lines=[line(shop.tea_variant)], customer=customer, payment_method="cod")
    assert drain() == 0
    orders_waiting = OutboxMessage.objects.filter(sent_at__isnull=True, task__startswith="orders.")
    assert orders_waiting.count() == 2


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (CI sets it)")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_with_beat_expires_unpaid_reservations(shop, customer):
    if connection.vendor != "postgresql":
        pytest.skip("the worker shares the test database: PostgreSQL only")
    order = services.place_order(
        lines=[line(shop.tea_variant, 3)], customer=customer, payment_method="vietqr"
    )
    Order.objects.filter(pk=order.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    db = connection.settings_dict
    redis = os.environ["REDIS_URL"].rsplit("/", 1)[0] + "/7"  # a database of its own
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "marketplace.settings.dev",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": redis,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "ORDER_EXPIRY_SWEEP_SECONDS": "1",
        "TRACE_SCAN_FLUSH_SECONDS": "3600",
    }
    subprocess.run(
        ["redis-cli", "-u", redis, "flushdb"], check=False, capture_output=True, timeout=10
    )
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "marketplace",
            "worker",
            "-B",
            "--pool=solo",
            "--loglevel=WARNING",
            "--schedule",
            f"/tmp/ocop-beat-{os.getpid()}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if Order.objects.get(pk=order.pk).status == Order.Status.EXPIRED:
                break
            if worker.poll() is not None:
                break
            time.sleep(0.5)
    finally:
        worker.terminate()
        try:
            output = worker.communicate(timeout=20)[0].decode(errors="replace")
        except subprocess.TimeoutExpired:
            worker.kill()
            output = ""
    order.refresh_from_db()
    assert order.status == Order.Status.EXPIRED, output[-3000:]
    assert Stock.objects.get(variant=shop.tea_variant).reserved == 0
    change = order.status_changes.get(subject="order", to_status="expired")
    assert change.reason == "not paid in time"


@pytest.mark.django_db
def test_checkout_with_redis_down_for_cache_and_broker(
    client, shop, settings, broker_down, django_capture_on_commit_callbacks
):
    """Redis unreachable (cache and Celery broker): the shopper still buys; mail waits."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "IGNORE_EXCEPTIONS": True},
        }
    }
    assert client.get(shop.tea.url).status_code == 200
    add(client, shop.tea_variant, 1)
    assert client.get("/cart/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/checkout/", checkout_data())
    assert response.status_code == 302
    order = Order.objects.get()
    assert client.get(response["Location"]).status_code == 200
    assert (
        OutboxMessage.objects.filter(sent_at__isnull=True, task__startswith="orders.").count() == 2
    )
    assert order.status == Order.Status.PROCESSING
