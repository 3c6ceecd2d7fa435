"""Production: every secret must come from the environment, or the process refuses to start."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import (
    PRIVATE_FILES_ROOT,
    TRACE_PRINT_FILES_ROOT,
    TRACE_RETIRED_PUBLIC_KEYS,
    env,
    env_bool,
    env_list,
)


def required(name: str) -> str:
    value = env(name)
    if not value:
        raise ImproperlyConfigured(f"Production settings need the {name} environment variable.")
    return value


DEBUG = False
SECRET_KEY = required("SECRET_KEY")
if SECRET_KEY.startswith("dev-only") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be a random string of at least 50 characters.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS") or required("ALLOWED_HOSTS").split(",")
# The site's own address, in e-mail links (password resets, tracking) and canonical links:
# SITE_URL, else https:// and the first allowed host (never the development default).
if env("SITE_URL"):
    WAGTAILADMIN_BASE_URL = env("SITE_URL").rstrip("/")
elif ALLOWED_HOSTS[0].lstrip(".") and "*" not in ALLOWED_HOSTS[0]:
    WAGTAILADMIN_BASE_URL = "https://" + ALLOWED_HOSTS[0].lstrip(".")
else:
    raise ImproperlyConfigured("Set SITE_URL (the site's address, e.g. https://ocop.example.vn).")
if not WAGTAILADMIN_BASE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured("SITE_URL must be an http(s):// address.")
required("DATABASE_URL")
# Persistent connections: a new PostgreSQL connection per request costs more than the
# request itself (measured: a one-insert view 1,560 req/s with them, 233 without).
for _database in DATABASES.values():  # noqa: F405 (the primary and a replica alike)
    _database["CONN_MAX_AGE"] = int(env("DB_CONN_MAX_AGE", "600"))
    _database["CONN_HEALTH_CHECKS"] = True
required("REDIS_URL")
TRACE_SIGNING_KEY_PEM = required("TRACE_SIGNING_KEY_PEM")
# Printed on every stamp for years: never the dev default.
TRACE_RESOLVER_BASE_URL = required("TRACE_RESOLVER_BASE_URL").rstrip("/")
TRACE_SIGNING_KEY_ID = required("TRACE_SIGNING_KEY_ID")


def _check_trace_keys() -> None:
    """Refuse to start with a key that would make every new stamp unverifiable."""
    import re

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    kid = re.compile(r"[A-Za-z0-9_-]{1,32}")  # as traceability.signing.KEY_ID_PATTERN
    if not kid.fullmatch(TRACE_SIGNING_KEY_ID):
        raise ImproperlyConfigured("TRACE_SIGNING_KEY_ID: 1-32 letters, digits, - or _.")
    retired = [
        i.split(":", 1)[0].strip() for i in TRACE_RETIRED_PUBLIC_KEYS.split(",") if i.strip()
    ]
    if TRACE_SIGNING_KEY_ID in retired:
        raise ImproperlyConfigured("TRACE_SIGNING_KEY_ID must differ from every retired key id.")
    if not TRACE_RESOLVER_BASE_URL.startswith("https://"):
        raise ImproperlyConfigured("TRACE_RESOLVER_BASE_URL must be an https:// address.")
    try:
        key = serialization.load_pem_private_key(
            TRACE_SIGNING_KEY_PEM.replace("\\n", "\n").encode(), password=None
        )
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"TRACE_SIGNING_KEY_PEM cannot be read: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured("TRACE_SIGNING_KEY_PEM must be an Ed25519 private key.")


_check_trace_keys()

# --- Media (product images, Wagtail renditions and documents) ---------------------------
# Django serves nothing under MEDIA_URL when DEBUG is off, so production names exactly one
# arrangement that really serves them, or refuses to start:
#   AWS_STORAGE_BUCKET_NAME=<bucket>  uploads go to S3-compatible object storage (AWS S3, MinIO,
#                                     Viettel / FPT object storage...) and are fetched from it;
#   MEDIA_SERVED_BY=webserver         uploads stay in MEDIA_ROOT on this machine and the web
#                                     server in front of gunicorn serves MEDIA_ROOT at MEDIA_URL.
# Stamp print files never follow: their own FileSystemStorage (traceability.storage) keeps them
# in TRACE_PRINT_FILES_ROOT, which must lie outside every publicly served folder.
MEDIA_SERVED_BY = env("MEDIA_SERVED_BY").strip().lower()
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME").strip()
if AWS_STORAGE_BUCKET_NAME and MEDIA_SERVED_BY:
    raise ImproperlyConfigured(
        "Set AWS_STORAGE_BUCKET_NAME (object storage) or MEDIA_SERVED_BY=webserver, not both."
    )
if not AWS_STORAGE_BUCKET_NAME and MEDIA_SERVED_BY != "webserver":
    raise ImproperlyConfigured(
        "Production settings need a media arrangement: the AWS_STORAGE_BUCKET_NAME environment "
        "variable (images in S3-compatible object storage) or MEDIA_SERVED_BY=webserver (your "
        "web server serves MEDIA_ROOT at MEDIA_URL)."
    )

# Registration documents and stamp print files in a private bucket (marketplace.storage), so
# web processes and stamp workers on different machines share them; unset: folders on disk.
PRIVATE_FILES_BUCKET = env("PRIVATE_FILES_BUCKET").strip()
if PRIVATE_FILES_BUCKET and PRIVATE_FILES_BUCKET == AWS_STORAGE_BUCKET_NAME:
    raise ImproperlyConfigured(
        "PRIVATE_FILES_BUCKET must not be the public media bucket (AWS_STORAGE_BUCKET_NAME): "
        "stamp print files are secrets."
    )

if AWS_STORAGE_BUCKET_NAME or PRIVATE_FILES_BUCKET:
    # django-storages reads AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from the environment itself
    # (or boto3 finds an instance role): secrets never become Django settings.
    AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL").strip() or None  # unset: AWS itself
    AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME").strip() or None
    # boto3 uses path-style URLs (endpoint/bucket/key) for a custom endpoint; "virtual" asks
    # for bucket.endpoint/key where a provider wants that.
    AWS_S3_ADDRESSING_STYLE = env("AWS_S3_ADDRESSING_STYLE").strip() or None
    if AWS_S3_ENDPOINT_URL and not AWS_S3_ENDPOINT_URL.startswith(("https://", "http://")):
        raise ImproperlyConfigured("AWS_S3_ENDPOINT_URL must be an http(s):// address.")

if AWS_STORAGE_BUCKET_NAME:
    # A CDN or public host in front of the bucket, e.g. "anh.ocop.example.vn" (https).
    AWS_S3_CUSTOM_DOMAIN = env("AWS_S3_CUSTOM_DOMAIN").strip().rstrip("/") or None
    if AWS_S3_CUSTOM_DOMAIN and "://" in AWS_S3_CUSTOM_DOMAIN:
        raise ImproperlyConfigured("AWS_S3_CUSTOM_DOMAIN is a host name, without https://.")
    # Images are public: plain URLs (no expiring signature, so pages and CDNs can cache them).
    AWS_QUERYSTRING_AUTH = False
    # Each object is uploaded public-read. Buckets with ACLs disabled ("bucket owner enforced",
    # the AWS default since 2023) reject that: set AWS_DEFAULT_ACL= (empty) and grant
    # s3:GetObject on the bucket's objects to everyone with a bucket policy instead.
    AWS_DEFAULT_ACL = env("AWS_DEFAULT_ACL", "public-read").strip() or None
    # A name is never reused while its object exists (an upload of "che.jpg" next to an existing
    # one gets a suffix) and rendition names carry their filter and focal point, so a URL's bytes
    # do not change: browsers and CDNs may keep them a year.
    AWS_S3_FILE_OVERWRITE = False
    AWS_S3_OBJECT_PARAMETERS = {"CacheControl": "public, max-age=31536000, immutable"}
    _default_storage = {"BACKEND": "storages.backends.s3.S3Storage"}
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}

STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


def _check_print_files_are_private() -> None:
    secrets = (
        ("TRACE_PRINT_FILES_ROOT", TRACE_PRINT_FILES_ROOT, "stamp print files are secrets"),
        ("PRIVATE_FILES_ROOT", PRIVATE_FILES_ROOT, "registration documents are private"),
    )
    for setting, folder, why in secrets:
        private = Path(folder).resolve()
        for name, served in (("MEDIA_ROOT", MEDIA_ROOT), ("STATIC_ROOT", STATIC_ROOT)):  # noqa: F405
            if private.is_relative_to(Path(served).resolve()):
                raise ImproperlyConfigured(f"{setting} must lie outside {name}: {why}.")


_check_print_files_are_private()

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_HOST = env("SECURE_SSL_HOST") or None
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")

# Wagtail's live preview shows the page in a same-origin iframe, so frames stay SAMEORIGIN.
SILENCED_SYSTEM_CHECKS = ["security.W019"]

# --- Logs and error reports ---------------------------------------------------------------
# One JSON object a line (time, level, logger, request_id, message), secrets and personal data
# masked (marketplace.logs); LOG_FORMAT=text for people reading a terminal.
LOG_FORMAT = env("LOG_FORMAT", "json")
LOGGING["handlers"]["console"]["formatter"] = "text" if LOG_FORMAT == "text" else "json"  # noqa: F405

# Error reports to Sentry (or a compatible service) when SENTRY_DSN is set: never personal
# data (no request bodies, cookies or users), messages masked as the logs are.
SENTRY_DSN = env("SENTRY_DSN")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    def _scrub(event, hint):
        from marketplace.logs import mask

        exceptions = (event.get("exception") or {}).get("values", [])
        for entry in (event.get("logentry") or {}, *exceptions):
            for key in ("message", "formatted", "value"):
                if isinstance(entry.get(key), str):
                    entry[key] = mask(entry[key])
        request = event.get("request") or {}
        for key in ("cookies", "data", "headers", "query_string"):
            request.pop(key, None)
        return event

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        environment=env("SENTRY_ENVIRONMENT", "production"),
        send_default_pii=False,
        max_request_body_size="never",
        before_send=_scrub,
        traces_sample_rate=float(env("SENTRY_TRACES_SAMPLE_RATE", "0")),
    )
