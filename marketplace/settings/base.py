"""Settings shared by every environment.

Every value comes from the environment with a safe local default; production.py
refuses to start without its secrets.
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


# First path segments the site answers itself: an admin there would hide them (or they it).
SITE_PATHS = {
    *("01", "api", "account", "cart", "checkout", "cooperatives", "csp-report", "documents", "en"),
    *("favicon.ico", "healthz", "i18n", "inspect", "manifest.webmanifest", "media"),
    *("orders", "robots.txt", "search", "sitemap.xml", "static", ".well-known"),
}


def env_admin_path(name: str, default: str) -> str:
    """An admin site's path from the environment, as ``urls.py`` wants it: ``"office-7f3/"``
    (slashes around it dropped); refused unless plain URL-safe segments, none of them ``.`` or
    ``..``, and not one of the site's own paths."""
    value = env(name, default).strip().strip("/")
    segment = r"[A-Za-z0-9_~-][A-Za-z0-9._~-]*"
    if not re.fullmatch(rf"{segment}(/{segment})*", value) or value.split("/")[0] in SITE_PATHS:
        raise ImproperlyConfigured(
            f"{name} must be a path such as office-7f3/ (letters, digits, - _ . ~), "
            f"not one of the site's own paths ({', '.join(sorted(SITE_PATHS))})."
        )
    return value + "/"


# --- Core -----------------------------------------------------------------

SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key-never-used-in-production")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# A POST under /api/ without its CSRF token is refused in the API's error body (pages: Django's).
CSRF_FAILURE_VIEW = "marketplace.views.csrf_failure"

INSTALLED_APPS = [
    # Project apps (dependencies point one way: cms/orders -> catalog/traceability
    # -> marketplace).
    "marketplace",
    "catalog",
    "traceability",
    "orders",
    "cms",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "axes",
    "csp",  # django-csp's checks of its settings
    "django.contrib.postgres",
    # The REST API /api/v1/ (marketplace/api/), its schema and the docs' assets
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The Content-Security-Policy header, on cached pages too (marketplace/csp.py).
    "marketplace.csp.CSPMiddleware",
    # Cached public pages are answered here, before the rest of the stack.
    "marketplace.pagecache.PageCacheMiddleware",
    # A parameter holding NUL (or another control character) is refused before any view
    # (no such request was ever answered, so none is in the page cache).
    "marketplace.middleware.RejectControlCharacters",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Answers a locked-out login (django-axes), after everything that may log someone in.
    "axes.middleware.AxesMiddleware",
]

# --- Login throttling (django-axes) --------------------------------------------------
# The admin's and the shoppers' logins: after LOGIN_FAILURE_LIMIT wrong passwords for one
# username from one address, that pair is refused (429, the page in templates/axes/) for
# LOGIN_COOLOFF_MINUTES; a right password resets the count. Per pair, not per address: many
# shoppers share a mobile carrier's address. Operators unlock in Django's admin (Access
# attempts) or with ``manage.py axes_reset_username`` / ``axes_reset_ip``.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(env("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "axes/locked.html"
AXES_LOCKOUT_CALLABLE = "marketplace.login_lock.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
# Behind TRUSTED_PROXY_COUNT proxies (nginx: 1) the client is the address the nearest ones
# appended to X-Forwarded-For; without one, the header is the client's own and is not
# believed (marketplace/client_ip.py).
TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "marketplace.client_ip.client_ip"
# Checkouts and cooperative registrations sent from one address (marketplace/throttle.py):
# generous, since many shoppers share a mobile carrier's address.
CHECKOUT_RATE_LIMIT = env("CHECKOUT_RATE_LIMIT", "20/m")
REGISTRATION_RATE_LIMIT = env("REGISTRATION_RATE_LIMIT", "5/h")
# Shopper accounts (orders/account_views.py): new accounts and password-reset requests per
# address, reset e-mails per address asked for (nobody can flood an inbox), confirmation
# links a signed-in shopper may ask for again.
SIGNUP_RATE_LIMIT = env("SIGNUP_RATE_LIMIT", "10/h")
PASSWORD_RESET_RATE_LIMIT = env("PASSWORD_RESET_RATE_LIMIT", "10/h")
PASSWORD_RESET_EMAIL_RATE_LIMIT = env("PASSWORD_RESET_EMAIL_RATE_LIMIT", "3/h")
CONFIRMATION_RESEND_RATE_LIMIT = env("CONFIRMATION_RESEND_RATE_LIMIT", "3/h")
RATELIMIT_FAIL_OPEN = True
# A password link works for this long, and once (Django's 3 days: the link a new
# cooperative owner gets at approval is one too); an e-mail confirmation link for days.
PASSWORD_RESET_TIMEOUT = int(env("PASSWORD_RESET_TIMEOUT_HOURS", "72")) * 3600
EMAIL_CONFIRMATION_DAYS = int(env("EMAIL_CONFIRMATION_DAYS", "7"))


ROOT_URLCONF = "marketplace.urls"
WSGI_APPLICATION = "marketplace.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "wagtail.contrib.settings.context_processors.settings",
                "cms.context_processors.storefront",
            ],
        },
    },
]

AUTH_USER_MODEL = "marketplace.User"

# --- Admin sites ----------------------------------------------------------------------
# Where the Wagtail admin and Django's admin answer (marketplace/urls.py). A path other than
# the well-known "admin/" keeps most password-guessing bots off the sign-in page; what names
# these paths (robots.txt, the page cache, the storefront's sign-in link, LOGIN_URL, the
# context processor) reads these two settings (marketplace/admin_paths.py).
WAGTAIL_ADMIN_PATH = env_admin_path("WAGTAIL_ADMIN_PATH", "admin/")
DJANGO_ADMIN_PATH = env_admin_path("DJANGO_ADMIN_PATH", "django-admin/")
if WAGTAIL_ADMIN_PATH.startswith(DJANGO_ADMIN_PATH) or DJANGO_ADMIN_PATH.startswith(
    WAGTAIL_ADMIN_PATH
):
    raise ImproperlyConfigured("WAGTAIL_ADMIN_PATH and DJANGO_ADMIN_PATH must not overlap.")
# A URL name, so it follows WAGTAIL_ADMIN_PATH (Django's login_required resolves it).
LOGIN_URL = "wagtailadmin_login"

# --- Database -------------------------------------------------------------
# Embedded default: a SQLite file. CI and production: DATABASE_URL (PostgreSQL).

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env("DB_CONN_MAX_AGE", "0")),
    )
}
# A read replica (streaming replication of the primary) for reports, dashboards and the
# storefront's search and listings (marketplace.db_router); unset: everything on the primary.
if env("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        env("DATABASE_REPLICA_URL"), conn_max_age=int(env("DB_CONN_MAX_AGE", "0"))
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
# Behind PgBouncer in transaction mode: no server-side cursors (Django's documented setting),
# which also turns off the scan resolver's prepared statement (traceability.resolver).
if env_bool("DB_TRANSACTION_POOLER"):
    for _database in DATABASES.values():
        _database["DISABLE_SERVER_SIDE_CURSORS"] = True
DATABASE_ROUTERS = ["marketplace.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Cache ----------------------------------------------------------------
# Local memory unless REDIS_URL is set.

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "ocop"),
            # Redis down: reads miss and writes are dropped (logged), pages are still served.
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    # The page cache sees Redis errors (to stop trying for a while) and waits less.
    CACHES["pages"] = {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", "ocop"),
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages"},
    }
PAGE_CACHE_ALIAS = "pages"
# Whole public pages are kept this long at most (0: off); changes invalidate them at once.
PAGE_CACHE_SECONDS = int(env("PAGE_CACHE_SECONDS", "600"))
PAGE_CACHE_RETRY_SECONDS = int(env("PAGE_CACHE_RETRY_SECONDS", "30"))
# Rendered product cards, keyed on each product's search row (catalog/cards.py; 0: off).
CARD_CACHE_SECONDS = int(env("CARD_CACHE_SECONDS", "3600"))

# --- Task queue (Celery) --------------------------------------------------
# Eager (in-process) unless a broker is configured: a fresh machine needs no worker.

CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL or "memory://")
# Every task here is fire-and-forget (tasks take ids and write their outcome to the database):
# no result is kept. With a result backend, publishing a task subscribes to its result first,
# and a Redis that does not answer held the request for 20 reconnection attempts (a checkout
# past gunicorn's timeout, committed but lost to the shopper).
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ALWAYS_EAGER = env_bool(
    "CELERY_TASK_ALWAYS_EAGER", not (REDIS_URL or env("CELERY_BROKER_URL"))
)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_TIMEOUT = 3
# Publishing gives up at once when the broker is down (kombu would retry for seconds inside
# the web request): the outbox keeps the message and beat's drain sends it later.
# A task a killed worker was running (acks_late) goes back to the queue this long after it
# was taken (Redis transport); tasks are idempotent, so a slow one run twice is harmless.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 0,
    "socket_connect_timeout": 2,
    "visibility_timeout": int(env("CELERY_VISIBILITY_TIMEOUT", "3600")),
}
# A pool process that dies (out of memory, killed) hands its task back at once.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BEAT_SCHEDULE: dict = {}
# Queues by kind of work, so a long stamp order never holds up an e-mail (Procfile: a worker
# for stamps, one for the rest). Everything unnamed goes to "default".
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "traceability.tasks.issue_stamp_order": {"queue": "stamps"},
    "traceability.tasks.render_print_files": {"queue": "stamps"},
    "catalog.tasks.*": {"queue": "search"},
    "marketplace.tasks.run_django_task": {"queue": "search"},  # Wagtail's index updates
    "orders.tasks.send_*": {"queue": "email"},
    "marketplace.tasks.send_*": {"queue": "email"},
    "traceability.tasks.send_*": {"queue": "email"},
}
CELERY_QUEUES_ALL = ("default", "email", "search", "stamps")
# Beat's heartbeat: /healthz says "beat" is down when its last tick is older than this.
BEAT_HEARTBEAT_SECONDS = int(env("BEAT_HEARTBEAT_SECONDS", "30"))
CELERY_BEAT_SCHEDULE["heartbeat"] = {
    "task": "marketplace.tasks.beat_heartbeat",
    "schedule": float(BEAT_HEARTBEAT_SECONDS),
}

# Wagtail's background work (search and reference index updates) runs on Celery through the
# outbox (see marketplace/tasks_backend.py); eager in dev like the rest of Celery.
TASKS = {"default": {"BACKEND": "marketplace.tasks_backend.CeleryOutboxBackend"}}

# --- Search ---------------------------------------------------------------
# Database backend by default (PostgreSQL full text / SQLite FTS); Elasticsearch
# through elasticsearch-dsl when ELASTICSEARCH_URL is set (see catalog/search.py).

ELASTICSEARCH_URL = env("ELASTICSEARCH_URL")
# "database" or "elasticsearch"; empty: Elasticsearch when ELASTICSEARCH_URL is set.
CATALOG_SEARCH_BACKEND = env("CATALOG_SEARCH_BACKEND")
# The alias the storefront reads; `manage.py reindex` builds a new index behind it.
ELASTICSEARCH_INDEX = env("ELASTICSEARCH_INDEX", "ocop-products")
WAGTAILSEARCH_BACKENDS = {
    "default": {
        "BACKEND": "wagtail.search.backends.database",
        # Vietnamese has no PostgreSQL dictionary: index words as they are (folded).
        "SEARCH_CONFIG": "simple",
    },
}

# --- Internationalisation -------------------------------------------------

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
# The project's own strings first; then its Vietnamese catalogue of Wagtail's admin (Wagtail's
# own holds a few hundred entries, some wrong), which so takes precedence over Wagtail's.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale-wagtail"]
# dd/mm/yyyy in Vietnamese (Django's own vi formats write dates as "Ngày 6 tháng 12 năm 2026").
FORMAT_MODULE_PATH = ["marketplace.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAIL_CONTENT_LANGUAGES = [("vi", "Tiếng Việt")]
WAGTAILADMIN_PERMITTED_LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]

# --- Static and media -----------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "static_collected")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Wagtail --------------------------------------------------------------

WAGTAIL_SITE_NAME = _("OCOP Market — Admin")
# Nothing in the admin is fetched from outside the site (an offline LAN, privacy): initials or
# an uploaded photo instead of Gravatar, no release check, no links to wagtail.org's guide.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
WAGTAIL_DATE_FORMAT = "%d/%m/%Y"
WAGTAIL_DATETIME_FORMAT = "%d/%m/%Y %H:%M"
WAGTAIL_TIME_FORMAT = "%H:%M"
WAGTAILADMIN_BASE_URL = env("SITE_URL", "http://127.0.0.1:8000")
WAGTAILIMAGES_IMAGE_MODEL = "wagtailimages.Image"
WAGTAILSEARCH_HITS_MAX_AGE = 14
WAGTAIL_ALLOW_UNICODE_SLUGS = False

# --- Uploads ----------------------------------------------------------------------------
# Every upload and its checks: marketplace/uploads.py. Kinds are judged by content (Pillow,
# the PDF signature), never by the name alone; a too big or wrong file is a form error.
# Images (products, cooperatives, inspection photos, profile pictures): JPEG, PNG or WebP.
WAGTAILIMAGES_EXTENSIONS = ["jpg", "jpeg", "png", "webp"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = int(env("UPLOAD_IMAGE_MAX_BYTES", str(10 * 1024 * 1024)))
# Renditions decode the whole image: 40 megapixels is about 160 MB of memory.
WAGTAILIMAGES_MAX_IMAGE_PIXELS = int(env("UPLOAD_IMAGE_MAX_PIXELS", "40000000"))
WAGTAILIMAGES_IMAGE_FORM_BASE = "marketplace.uploads.ImageForm"
# Documents (OCOP certificate scans): the content must be what the extension says, so only
# kinds marketplace.uploads.document_kind recognises (PDF, JPEG, PNG).
WAGTAILDOCS_EXTENSIONS = ["pdf", "png", "jpg", "jpeg"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = int(env("UPLOAD_DOCUMENT_MAX_BYTES", str(10 * 1024 * 1024)))
WAGTAILDOCS_DOCUMENT_FORM_BASE = "marketplace.uploads.DocumentForm"
# Request bodies: form fields up to 2.5 MB in memory (files do not count); a file above
# 2.5 MB is spooled to a temporary file rather than held in memory. nginx refuses bodies
# over 12 MB before they reach Django (deploy/nginx: client_max_body_size).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 20

# --- E-mail ---------------------------------------------------------------

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# A mail server that accepts the connection and then stalls must not hold a worker forever.
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "OCOP Market <no-reply@ocop.local>")

# --- Cooperatives joining the market -------------------------------------------------
# Registration documents (business papers) are private: outside MEDIA_ROOT, operators only.
PRIVATE_FILES_ROOT = Path(env("PRIVATE_FILES_ROOT", str(BASE_DIR / "private-media")))
COOPERATIVE_DOCUMENT_MAX_BYTES = int(env("COOPERATIVE_DOCUMENT_MAX_BYTES", str(5 * 1024 * 1024)))
# An owner's invitation link for a staff member works once, for this many days.
COOPERATIVE_INVITATION_DAYS = int(env("COOPERATIVE_INVITATION_DAYS", "7"))
# Bulk stock and price files (CSV): refused above these, with the limit in the message.
CATALOG_IMPORT_MAX_BYTES = int(env("CATALOG_IMPORT_MAX_BYTES", str(2 * 1024 * 1024)))
CATALOG_IMPORT_MAX_ROWS = int(env("CATALOG_IMPORT_MAX_ROWS", "5000"))

# --- Payments -------------------------------------------------------------
# Card payments are off unless the keys are set (tests point the SDK at localstripe).

STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env("STRIPE_API_BASE")  # e.g. http://localhost:8420 for localstripe
# Stripe's rule: card fields come from Stripe.js loaded from Stripe (tests: localstripe's fake).
STRIPE_JS_URL = env("STRIPE_JS_URL", "https://js.stripe.com/v3/")
VIETQR_BANK_BIN = env("VIETQR_BANK_BIN", "970436")
VIETQR_ACCOUNT_NUMBER = env("VIETQR_ACCOUNT_NUMBER", "0011000000000")
VIETQR_ACCOUNT_NAME = env("VIETQR_ACCOUNT_NAME", "OCOP MARKET")
VIETQR_WEBHOOK_SECRET = env("VIETQR_WEBHOOK_SECRET")
# Bank notifications older than this (signature timestamp) are refused as replays.
VIETQR_WEBHOOK_TOLERANCE_SECONDS = int(env("VIETQR_WEBHOOK_TOLERANCE_SECONDS", "300"))

# --- Orders ---------------------------------------------------------------

# Unpaid card / VietQR orders hold their stock this long, then expire (beat).
ORDER_RESERVATION_MINUTES = int(env("ORDER_RESERVATION_MINUTES", "30"))
ORDER_MAX_LINE_QUANTITY = int(env("ORDER_MAX_LINE_QUANTITY", "99"))
ORDER_SHIPPING = {
    "base": int(env("ORDER_SHIPPING_BASE", "30000")),  # first kilogram, per cooperative
    "per_extra_kg": int(env("ORDER_SHIPPING_PER_KG", "10000")),
    "free_from": int(env("ORDER_FREE_SHIPPING_FROM", "500000")),  # 0: never free
}
# A sub-order waiting longer than this in a state is overdue on the cooperative's dashboard.
ORDER_FULFILMENT_HOURS = {
    "new": int(env("ORDER_CONFIRM_WITHIN_HOURS", "24")),
    "confirmed": int(env("ORDER_PACK_WITHIN_HOURS", "24")),
    "packed": int(env("ORDER_SHIP_WITHIN_HOURS", "48")),
}
# Staff who get a copy of orders that need attention (wrong transfer amount, late payment).
ORDER_STAFF_EMAILS = env_list("ORDER_STAFF_EMAILS")
CELERY_BEAT_SCHEDULE["expire-unpaid-orders"] = {
    "task": "orders.tasks.expire_unpaid_orders",
    "schedule": float(env("ORDER_EXPIRY_SWEEP_SECONDS", "60")),
}
CELERY_BEAT_SCHEDULE["reindex-products-nightly"] = {
    # Pre-order windows open and close, certificates lapse: by date, with no event to follow.
    "task": "catalog.tasks.reindex_all",
    "schedule": crontab(hour=0, minute=5),
}
CELERY_BEAT_SCHEDULE["drain-outbox"] = {
    "task": "marketplace.tasks.drain_outbox",
    "schedule": 30.0,
}

# --- Traceability ---------------------------------------------------------
# Stamps are GS1 Digital Link URIs on this resolver host, signed with Ed25519.

TRACE_RESOLVER_BASE_URL = env("TRACE_RESOLVER_BASE_URL", "http://127.0.0.1:8000")
# PEM (PKCS#8) Ed25519 private key; dev/test generate a throwaway key when unset.
TRACE_SIGNING_KEY_PEM = env("TRACE_SIGNING_KEY_PEM")
TRACE_SIGNING_KEY_ID = env("TRACE_SIGNING_KEY_ID", "dev-1")
# Keys that signed earlier stamps and keep verifying: "kid:base64url-raw-public-key,..."
# Stamp print files are secrets: kept outside MEDIA_ROOT, downloaded through the admin only.
TRACE_PRINT_FILES_ROOT = Path(env("TRACE_PRINT_FILES_ROOT", str(BASE_DIR / "private-media")))
TRACE_RETIRED_PUBLIC_KEYS = env("TRACE_RETIRED_PUBLIC_KEYS")
TRACE_MAX_STAMPS_PER_ORDER = int(env("TRACE_MAX_STAMPS_PER_ORDER", "200000"))
# Stamps a batch may have beyond its quantity (spoilt labels), in percent.
TRACE_STAMP_SPARE_PERCENT = int(env("TRACE_STAMP_SPARE_PERCENT", "5"))
# Scans are buffered and written in bulk once this many wait (and by beat every few seconds).
TRACE_SCAN_FLUSH_SIZE = int(env("TRACE_SCAN_FLUSH_SIZE", "200"))
# Scans kept waiting at most (about 300 bytes each in Redis): beyond, while no flush runs,
# the newest are dropped and counted (/healthz says so) rather than fill Redis.
TRACE_SCAN_BUFFER_MAX = int(env("TRACE_SCAN_BUFFER_MAX", "500000"))
# Redis unreachable: each web process keeps at most this many scans until it is back.
TRACE_SCAN_KEEP_MAX = int(env("TRACE_SCAN_KEEP_MAX", "20000"))
TRACE_ANOMALY_RULES = {
    # more than this many scans of one stamp is suspicious
    "max_scans": int(env("TRACE_ANOMALY_MAX_SCANS", "20")),
    # scans of one stamp in two provinces within this many hours are suspicious
    "province_window_hours": int(env("TRACE_ANOMALY_PROVINCE_HOURS", "24")),
}
CELERY_BEAT_SCHEDULE["flush-scan-buffer"] = {
    "task": "traceability.tasks.flush_scan_buffer",
    "schedule": float(env("TRACE_SCAN_FLUSH_SECONDS", "5")),
}

# --- Security (tightened in production.py) --------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "SAMEORIGIN"
SESSION_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "same-origin"

# Rich text (cooperative stories, articles) without embeds: the Content-Security-Policy lets
# no third-party frame into the storefront. Photos are Wagtail images.
WAGTAILADMIN_RICH_TEXT_EDITORS = {
    "default": {
        "WIDGET": "wagtail.admin.rich_text.DraftailRichTextArea",
        "OPTIONS": {
            "features": [
                *("h2", "h3", "h4", "bold", "italic", "ol", "ul", "hr"),
                *("link", "document-link", "image"),
            ]
        },
    }
}

# Content-Security-Policy (django-csp; marketplace/csp.py adds the admin's directives, the
# media bucket's host and, on the pages that need them, Stripe.js's hosts and blob: images).
# The storefront, resolver and inspector run no inline code: every script and stylesheet is a
# file of this site, and no nonce is used (cached pages are served to anyone). Browsers post
# what it blocks to /csp-report (logged as warnings). CSP_REPORT_ONLY: the same policy, only
# reported (Content-Security-Policy-Report-Only), to try a change on real traffic first (an
# environment variable only: django-csp's checks take a CSP_REPORT_ONLY setting for one of
# its 3.x settings).
_CSP_REPORT_ONLY = env_bool("CSP_REPORT_ONLY", False)
_CSP = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "connect-src": [SELF],
        "worker-src": [SELF],  # the inspector's service worker
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "report-uri": ["/csp-report"],
    }
}
CONTENT_SECURITY_POLICY = None if _CSP_REPORT_ONLY else _CSP
CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP if _CSP_REPORT_ONLY else None
# For signed-in users of the two admin sites (WAGTAIL_ADMIN_PATH, DJANGO_ADMIN_PATH; the
# sign-in page keeps the strict policy) these directives replace the storefront's: Wagtail
# writes inline <script> and <style> elements into its forms (page editor, inline panels, date
# pickers: form widgets get no request, so no nonce), shows data: and blob: images (previews
# of uploads), and frames its own pages (live preview).
CONTENT_SECURITY_POLICY_ADMIN = {
    "DIRECTIVES": {
        "script-src": [SELF, UNSAFE_INLINE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "frame-ancestors": [SELF],
    }
}

# "json" (production's default): one JSON object a line, for a log collector; "text" here.
LOG_FORMAT = env("LOG_FORMAT", "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        # Redis down: one line per minute, not a traceback per ignored cache call.
        "cache_outage": {"()": "marketplace.logs.OncePerOutage", "seconds": 60},
        "request_id": {"()": "marketplace.logs.RequestIdFilter"},
        # No secret, token, phone number or e-mail address is ever written.
        "mask": {"()": "marketplace.logs.MaskFilter"},
    },
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT if LOG_FORMAT in ("json", "text") else "text",
            "filters": ["request_id", "mask"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django_redis.cache": {"filters": ["cache_outage"]},
        "django.db.backends": {"level": "INFO"},
        # Wagtail logs every page publish and background task at INFO: too loud for the console.
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
    },
}


# --- REST API /api/v1/ (marketplace/api/) ----------------------------------------------
# Django REST framework with drf-spectacular's OpenAPI schema. Errors are
# {"detail", "code"[, "fields"]} in the request's language; lists are paged (24, at most 100
# with ?page_size=); limits per address for anonymous callers, per account or token
# otherwise, stricter for stamp verification, on the default cache (Redis in production),
# 429 with Retry-After. Checkouts share the storefront's CHECKOUT_RATE_LIMIT per address.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "marketplace.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "marketplace.api.base.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["marketplace.api.policies.JSONParser"],
    # Cooperative tokens (Authorization: Bearer ocop_…), then the site's session (shoppers,
    # inspectors, operators; unsafe methods need its CSRF token).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "marketplace.api.tokens.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PAGINATION_CLASS": "marketplace.api.policies.PageNumberPagination",
    "PAGE_SIZE": 24,
    "DEFAULT_THROTTLE_CLASSES": [
        "marketplace.api.policies.AnonThrottle",
        "marketplace.api.policies.UserThrottle",
        "marketplace.api.policies.ScopedThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_RATE_ANON", "300/min"),
        "user": env("API_RATE_USER", "600/min"),
        "verify": env("API_RATE_VERIFY", "120/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "SCHEMA_COERCE_PATH_PK": False,  # the schema's paths as the URL conf writes them
}
# How many working API tokens one shopper may hold (account page → App tokens).
SHOPPER_TOKENS_MAX = int(env("SHOPPER_TOKENS_MAX", "10"))
SPECTACULAR_SETTINGS = {
    "TITLE": "OCOP Market API",
    "DESCRIPTION": (
        "The marketplace of Vietnam's OCOP products and their traceability stamps. Money is "
        "integer đồng (VND); times are ISO 8601 with their offset; errors are "
        '{"detail", "code"} (400 adds "fields"); messages follow Accept-Language (vi, en).'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_URLCONF": "marketplace.api.schema_urls",
    "DEFAULT_GENERATOR_CLASS": "marketplace.api.schema.SchemaGenerator",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.models.Order.Status",
        "SubOrderStatusEnum": "orders.models.SubOrder.Status",
        "PaymentMethodEnum": "orders.models.PaymentMethod",
        "AvailabilityEnum": "catalog.models.Availability",
    },
}
