"""Stamp scans with Redis cut off, under production settings and gunicorn: every scan is still
answered, the scans wait in the web process (/healthz says how many), and once Redis is back
they reach the buffer and the scan table: none lost, none twice."""

import datetime
import json
import urllib.request

import pytest
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.test import TestCase

from traceability import scans
from traceability.models import Scan
from traceability.services import batch_create, batch_release, stamp_order_create
from traceability.signing import keyring

from ..factories import add_product
from .conftest import TcpProxy, gunicorn, served_database_url

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def stamps(tree):
    variant = add_product(tree.coop_page, title="Chè búp La Bằng", stock=50).variants.get()
    batch = batch_create(
        variant=variant, lot="LB2603A", production_date=datetime.date(2026, 3, 15), quantity=100
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        stamp_order_create(batch=batch, count=3)
    batch_release(batch=batch)
    return list(batch.stamps.order_by("number"))


@pytest.fixture
def redis_proxy():
    if "RedisCache" not in settings.CACHES["default"]["BACKEND"]:
        pytest.skip("needs REDIS_URL (CI sets it)")
    relay = TcpProxy(("127.0.0.1", 6379))
    yield relay
    relay.close()


def scan(base: str, stamp) -> dict:
    path = stamp.uri.split("127.0.0.1:8000", 1)[1]
    request = urllib.request.Request(
        base + path, headers={"Accept": "application/json", "X-Forwarded-Proto": "https"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        return json.loads(response.read())


def health(base: str) -> dict:
    request = urllib.request.Request(base + "/healthz", headers={"X-Forwarded-Proto": "https"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        return json.loads(error.read())


def test_scans_wait_in_the_process_while_redis_is_away_and_none_is_lost(
    production_env, redis_proxy, stamps
):
    scans.discard()
    pem = keyring().private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    database = settings.CACHES["default"]["LOCATION"].rsplit("/", 1)[-1]
    env = {
        **production_env,
        "DATABASE_URL": served_database_url(),
        "REDIS_URL": f"redis://127.0.0.1:{redis_proxy.port}/{database}",
        "CACHE_KEY_PREFIX": settings.CACHES["default"].get("KEY_PREFIX", "ocop"),
        "TRACE_SIGNING_KEY_PEM": pem.decode(),
        "TRACE_SIGNING_KEY_ID": keyring().key_id,
        "TRACE_RESOLVER_BASE_URL": settings.TRACE_RESOLVER_BASE_URL.replace("http:", "https:"),
        "TRACE_SCAN_FLUSH_SIZE": "1000",  # no flush from the web process during the test
    }
    with gunicorn(env, timeout=20, workers=1) as (base, log):
        assert scan(base, stamps[0])["verdict"] == "genuine"
        redis_proxy.cut()
        for stamp in stamps:
            assert scan(base, stamp)["verdict"] == "genuine"  # answered all the same
        away = health(base)["checks"]["scans"]
        assert away["status"] == "error" and away["kept_in_process"] == 3, away
        redis_proxy.restore()
        back = health(base)["checks"]["scans"]  # hands the kept scans over
        assert back == {
            "status": "ok",
            "pending": 4,
            "dropped": 0,
            "kept_in_process": 0,
            "lost_in_process": 0,
        }, back
        logged = log()
    assert logged.count("scan buffer (Redis) unreachable") == 1
    assert scans.flush() == 4
    assert Scan.objects.filter(stamp__in=stamps).count() == 4
    assert sorted(Scan.objects.values_list("stamp__number", flat=True)) == [1, 1, 2, 3]
