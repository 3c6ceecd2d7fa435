"""Production settings refuse to start without their secrets."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


GOOD = {
    "SECRET_KEY": "p" * 64,
    "ALLOWED_HOSTS": "ocop.example.vn",
    "DATABASE_URL": "postgres://u@127.0.0.1/db",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "TRACE_SIGNING_KEY_PEM": _pem(),
    "TRACE_SIGNING_KEY_ID": "k2026",
    "TRACE_RESOLVER_BASE_URL": "https://truyxuat.ocop.example.vn",
}


def load_production(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in GOOD}
    clean.update(env, DJANGO_SETTINGS_MODULE="marketplace.settings.production")
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def test_production_starts_with_all_secrets():
    result = load_production(GOOD)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_production_refuses_to_start_without_each_secret():
    for missing in GOOD:
        env = {k: v for k, v in GOOD.items() if k != missing}
        result = load_production(env)
        assert result.returncode != 0, missing
        assert missing in result.stderr


def test_production_refuses_the_development_key():
    result = load_production(
        {**GOOD, "SECRET_KEY": "dev-only-insecure-key-never-used-in-production"}
    )
    assert result.returncode != 0


def test_production_refuses_trace_settings_that_would_break_stamps():
    for bad in [
        {"TRACE_SIGNING_KEY_PEM": "not a key"},
        {"TRACE_SIGNING_KEY_ID": "k.2026"},  # a dot splits kid and signature
        {"TRACE_RESOLVER_BASE_URL": "http://127.0.0.1:8000"},
        {"TRACE_RETIRED_PUBLIC_KEYS": "k2026:AAAA"},  # the current id again
    ]:
        result = load_production({**GOOD, **bad})
        assert result.returncode != 0, bad
        assert "TRACE_" in result.stderr, bad
