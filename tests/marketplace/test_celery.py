"""The Celery app: eager in tests, and a real broker round trip when Redis is configured."""

import os

import pytest

from marketplace.celery import app


@app.task(name="tests.add")
def add(a: int, b: int) -> int:
    return a + b


def test_tasks_run_eagerly_in_tests():
    assert app.conf.task_always_eager
    assert add.delay(2, 3).get(timeout=1) == 5


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (CI sets it)")
@pytest.mark.django_db
def test_healthz_pings_the_real_broker(client, settings):
    app.conf.task_always_eager = False
    app.conf.broker_url = os.environ["REDIS_URL"]
    try:
        body = client.get("/healthz").json()
    finally:
        app.conf.task_always_eager = True
        app.conf.broker_url = "memory://"
    assert body["checks"]["queue"] == {"status": "ok", "mode": "broker"}
    assert body["checks"]["cache"]["backend"] == "RedisCache"
