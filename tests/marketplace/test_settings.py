"""Production settings refuse to start without their secrets."""

import json
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
    "MEDIA_SERVED_BY": "webserver",
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


def site_url_of(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in GOOD and k != "SITE_URL"}
    clean.update(env, DJANGO_SETTINGS_MODULE="marketplace.settings.production")
    code = (
        "import django; django.setup(); from django.conf import settings;"
        "print(settings.WAGTAILADMIN_BASE_URL)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def test_production_links_use_the_sites_own_address_never_the_development_one():
    """Password-reset and tracking links in e-mails, canonical links: SITE_URL, else the
    first allowed host over https."""
    assert site_url_of(GOOD).stdout.strip() == "https://ocop.example.vn"
    given = site_url_of({**GOOD, "SITE_URL": "https://cho.ocop.example.vn/"})
    assert given.stdout.strip() == "https://cho.ocop.example.vn"
    for bad in ({"ALLOWED_HOSTS": "*"}, {"SITE_URL": "ocop.example.vn"}):
        result = site_url_of({**GOOD, **bad})
        assert result.returncode != 0 and "SITE_URL" in result.stderr, bad


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


def production_settings(env: dict, *names: str) -> dict:
    """Production settings loaded with ``env`` only; ``names`` (``PREFIX_*`` for all) as JSON."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in GOOD and not k.startswith(("AWS_", "MEDIA_"))
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="marketplace.settings.production")
    code = (
        "import json, sys, django; django.setup(); from django.conf import settings as s\n"
        "names = [n for a in sys.argv[1:] for n in ([k for k in dir(s) if k.startswith(a[:-1])]"
        " if a.endswith('*') else [a])]\n"
        "print(json.dumps({n: getattr(s, n, '<unset>') for n in names}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *names], cwd=ROOT, env=clean, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


NO_MEDIA = {k: v for k, v in GOOD.items() if k != "MEDIA_SERVED_BY"}
BUCKET = {
    **NO_MEDIA,
    "AWS_STORAGE_BUCKET_NAME": "ocop-media",
    "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "secret-from-the-environment",
}


def test_production_refuses_to_start_without_a_media_arrangement():
    result = load_production(NO_MEDIA)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "AWS_STORAGE_BUCKET_NAME" in result.stderr
    assert "MEDIA_SERVED_BY=webserver" in result.stderr


def test_production_refuses_unclear_media_arrangements():
    for bad in [
        {**NO_MEDIA, "MEDIA_SERVED_BY": "django"},  # Django does not serve media with DEBUG off
        {**BUCKET, "MEDIA_SERVED_BY": "webserver"},  # both: which one holds the images?
        {**BUCKET, "AWS_S3_ENDPOINT_URL": "s3.example.vn"},
        {**BUCKET, "AWS_S3_CUSTOM_DOMAIN": "https://anh.ocop.example.vn"},
    ]:
        result = load_production(bad)
        assert result.returncode != 0, bad
        assert "ImproperlyConfigured" in result.stderr, bad


def test_production_keeps_media_on_disk_when_the_web_server_serves_it():
    values = production_settings(GOOD, "STORAGES", "AWS_*")
    assert values["STORAGES"]["default"] == {
        "BACKEND": "django.core.files.storage.FileSystemStorage"
    }
    assert values["STORAGES"]["staticfiles"]["BACKEND"].startswith("whitenoise.")
    assert set(values) == {"STORAGES", "AWS_STORAGE_BUCKET_NAME"}
    assert values["AWS_STORAGE_BUCKET_NAME"] == ""


def test_production_stores_media_in_the_bucket_when_one_is_set():
    values = production_settings(
        {**BUCKET, "AWS_S3_ENDPOINT_URL": "https://s3.example.vn", "AWS_S3_REGION_NAME": "hn-1"},
        "STORAGES",
        "AWS_*",
        "MEDIA_SERVED_BY",
    )
    assert values["STORAGES"]["default"] == {"BACKEND": "storages.backends.s3.S3Storage"}
    assert values["AWS_STORAGE_BUCKET_NAME"] == "ocop-media"
    assert values["AWS_S3_ENDPOINT_URL"] == "https://s3.example.vn"
    assert values["AWS_S3_REGION_NAME"] == "hn-1"
    assert values["AWS_QUERYSTRING_AUTH"] is False
    assert values["AWS_DEFAULT_ACL"] == "public-read"
    assert values["AWS_S3_FILE_OVERWRITE"] is False
    assert values["AWS_S3_OBJECT_PARAMETERS"] == {
        "CacheControl": "public, max-age=31536000, immutable"
    }
    assert values["AWS_S3_CUSTOM_DOMAIN"] is None
    # Credentials stay in the environment (django-storages reads them there), never settings.
    assert "AWS_ACCESS_KEY_ID" not in values and "AWS_SECRET_ACCESS_KEY" not in values
    assert "secret-from-the-environment" not in json.dumps(values)

    policy = production_settings(
        {**BUCKET, "AWS_DEFAULT_ACL": "", "AWS_S3_CUSTOM_DOMAIN": "anh.ocop.example.vn/"},
        "AWS_DEFAULT_ACL",
        "AWS_S3_CUSTOM_DOMAIN",
        "AWS_S3_ENDPOINT_URL",
    )
    # Empty: no per-object ACL, a bucket policy makes the objects public.
    assert policy == {
        "AWS_DEFAULT_ACL": None,
        "AWS_S3_CUSTOM_DOMAIN": "anh.ocop.example.vn",
        "AWS_S3_ENDPOINT_URL": None,
    }


def test_production_refuses_print_files_under_a_served_folder(tmp_path):
    for folders in [
        {"MEDIA_ROOT": str(tmp_path / "media"), "TRACE_PRINT_FILES_ROOT": str(tmp_path / "media")},
        {"MEDIA_ROOT": str(tmp_path / "m"), "TRACE_PRINT_FILES_ROOT": str(tmp_path / "m/stamps")},
        {"STATIC_ROOT": str(tmp_path / "s"), "TRACE_PRINT_FILES_ROOT": str(tmp_path / "s/p")},
    ]:
        for arrangement in (GOOD, BUCKET):
            result = load_production({**arrangement, **folders})
            assert result.returncode != 0, folders
            assert "TRACE_PRINT_FILES_ROOT must lie outside" in result.stderr, folders
    values = production_settings(
        {
            **GOOD,
            "MEDIA_ROOT": str(tmp_path / "media"),
            "TRACE_PRINT_FILES_ROOT": str(tmp_path / "private-media"),
        },
        "MEDIA_ROOT",
        "TRACE_PRINT_FILES_ROOT",
    )
    assert values["TRACE_PRINT_FILES_ROOT"] == str(tmp_path / "private-media")


def test_production_refuses_registration_documents_under_a_served_folder(tmp_path):
    for folders in [
        {
            "MEDIA_ROOT": str(tmp_path / "m"),
            "PRIVATE_FILES_ROOT": str(tmp_path / "m/registrations"),
        },
        {"STATIC_ROOT": str(tmp_path / "s"), "PRIVATE_FILES_ROOT": str(tmp_path / "s")},
    ]:
        result = load_production({**GOOD, **folders})
        assert result.returncode != 0, folders
        assert "PRIVATE_FILES_ROOT must lie outside" in result.stderr, folders
    values = production_settings(
        {**GOOD, "MEDIA_ROOT": str(tmp_path / "media"), "PRIVATE_FILES_ROOT": str(tmp_path / "p")},
        "PRIVATE_FILES_ROOT",
    )
    assert values["PRIVATE_FILES_ROOT"] == str(tmp_path / "p")


def test_static_files_collect_with_the_production_storage(tmp_path):
    """WhiteNoise's manifest storage follows every file a static file names (a vendored
    library's source map, say): one missing would stop every deployment's collectstatic."""
    clean = {k: v for k, v in os.environ.items() if k not in GOOD}
    clean.update(
        GOOD,
        DJANGO_SETTINGS_MODULE="marketplace.settings.production",
        STATIC_ROOT=str(tmp_path / "static"),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    paths = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
    for name in ("vendor/chartjs/chart.umd.min.js", "marketplace/admin.css", "css/site.css"):
        assert name in paths, name


def test_sentry_is_set_up_only_with_a_dsn_and_never_with_personal_data():
    code = (
        "import django; django.setup(); import sentry_sdk; c = sentry_sdk.get_client();"
        "print(c.is_active(), c.options.get('send_default_pii'),"
        " c.options.get('before_send') is not None)"
    )

    def run(env):
        clean = {k: v for k, v in os.environ.items() if k not in GOOD and k != "SENTRY_DSN"}
        clean.update(env, DJANGO_SETTINGS_MODULE="marketplace.settings.production")
        return subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True
        )

    off = run(GOOD)
    assert off.returncode == 0, off.stderr
    assert off.stdout.split()[0] == "False"
    on = run({**GOOD, "SENTRY_DSN": "https://public@127.0.0.1:9/1"})
    assert on.returncode == 0, on.stderr
    assert on.stdout.split() == ["True", "False", "True"]


def test_production_logs_are_json_lines_by_default():
    clean = {k: v for k, v in os.environ.items() if k not in GOOD and k != "LOG_FORMAT"}
    clean.update(GOOD, DJANGO_SETTINGS_MODULE="marketplace.settings.production")
    code = (
        "import django; django.setup(); import logging;"
        "logging.getLogger('orders').warning('order for 0912345678 placed')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True
    )
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["level"] == "WARNING" and line["logger"] == "orders"
    assert line["message"] == "order for 0912***78 placed" and line["request_id"] == "-"


def test_a_replica_is_used_only_when_configured_and_keeps_its_connections():
    alone = production_settings(GOOD, "DATABASES")["DATABASES"]
    assert list(alone) == ["default"]
    both = production_settings(
        {**GOOD, "DATABASE_REPLICA_URL": "postgres://reader@10.0.0.2/db"}, "DATABASES"
    )["DATABASES"]
    assert list(both) == ["default", "replica"]
    assert both["replica"]["HOST"] == "10.0.0.2" and both["replica"]["USER"] == "reader"
    assert both["replica"]["CONN_MAX_AGE"] == 600 and both["replica"]["CONN_HEALTH_CHECKS"]


def test_behind_a_transaction_pooler_no_server_side_cursors_anywhere():
    databases = production_settings(
        {**GOOD, "DB_TRANSACTION_POOLER": "1", "DATABASE_REPLICA_URL": "postgres://r@10.0.0.2/db"},
        "DATABASES",
    )["DATABASES"]
    assert all(db["DISABLE_SERVER_SIDE_CURSORS"] for db in databases.values())
    assert not production_settings(GOOD, "DATABASES")["DATABASES"]["default"].get(
        "DISABLE_SERVER_SIDE_CURSORS"
    )


def test_production_cookies_are_secure_and_passwords_are_checked():
    values = production_settings(
        GOOD,
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_SAMESITE",
        "AUTH_PASSWORD_VALIDATORS",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
    )
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True  # no script reads the session cookie
    assert values["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert values["SECURE_SSL_REDIRECT"] is True and values["SECURE_HSTS_SECONDS"] >= 31536000
    validators = {v["NAME"].rsplit(".", 1)[1] for v in values["AUTH_PASSWORD_VALIDATORS"]}
    assert validators == {
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    }


def test_production_takes_the_admin_paths_from_the_environment():
    moved = {**GOOD, "WAGTAIL_ADMIN_PATH": "/quan-tri-7f3", "DJANGO_ADMIN_PATH": "he-thong/"}
    values = production_settings(moved, "WAGTAIL_ADMIN_PATH", "DJANGO_ADMIN_PATH", "LOGIN_URL")
    assert values == {
        "WAGTAIL_ADMIN_PATH": "quan-tri-7f3/",
        "DJANGO_ADMIN_PATH": "he-thong/",
        "LOGIN_URL": "wagtailadmin_login",  # a URL name: it follows the path
    }
    assert production_settings(GOOD, "WAGTAIL_ADMIN_PATH")["WAGTAIL_ADMIN_PATH"] == "admin/"
    refused = load_production({**GOOD, "WAGTAIL_ADMIN_PATH": "../static"})
    assert refused.returncode != 0 and "WAGTAIL_ADMIN_PATH" in refused.stderr


def test_production_enforces_the_content_security_policy_unless_report_only():
    enforced = production_settings(GOOD, "CONTENT_SECURITY_POLICY*")
    directives = enforced["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
    assert directives["script-src"] == ["'self'"] and directives["frame-ancestors"] == ["'none'"]
    assert enforced["CONTENT_SECURITY_POLICY_REPORT_ONLY"] is None
    assert (
        "'unsafe-inline'" in enforced["CONTENT_SECURITY_POLICY_ADMIN"]["DIRECTIVES"]["script-src"]
    )
    reported = production_settings({**GOOD, "CSP_REPORT_ONLY": "1"}, "CONTENT_SECURITY_POLICY*")
    assert reported["CONTENT_SECURITY_POLICY"] is None
    assert reported["CONTENT_SECURITY_POLICY_REPORT_ONLY"] == enforced["CONTENT_SECURITY_POLICY"]
