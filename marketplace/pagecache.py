"""Whole-page cache for anonymous storefront visitors, with exact invalidation.

Why not Django's cache middleware or ``wagtail-cache``: both key pages by URL and are cleared
by deleting keys (``wagtail-cache`` clears the whole cache backend), so a publish must either
find every page that shows a product (the home page, its category, its cooperative, every
search page...) or flush everything, sessions' neighbours included. Here every stored page
carries the *content version* it was rendered at, and one Redis ``MGET`` fetches the page
and the current version together: a publish, an unpublish, a price, stock-state or
certification change increments the version (``bump``), and the next request renders afresh.
Nothing is deleted, nothing is scanned, and a page rendered during a change is stored with
the old version, so it is never served after it.

Only responses that are plainly public are stored: 200, no ``Set-Cookie``, no ``Vary:
Cookie``, no ``private``/``no-store``/``no-cache``. A page that read the session, the user
or a CSRF token carries ``Vary: Cookie`` (Django adds it), so what is stored was rendered
for nobody in particular and may be served to anyone, a shopper with a cart included; the
cart, checkout, order, account and admin pages (``never_cache``) and staff previews are
never stored. The key includes the local date, since pre-order windows and
OCOP certificates open and lapse by date.

Redis down: the cache is skipped (a warning is logged) and pages render uncached; after a
failure the cache is not tried again for ``PAGE_CACHE_RETRY_SECONDS`` in this process, so
an outage does not add a connection timeout to every request.
"""

import functools
import hashlib
import logging
import time
from urllib.parse import parse_qs

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.security import SecurityMiddleware
from django.test.signals import setting_changed
from django.utils import timezone
from django.utils.cache import patch_cache_control

from . import redis_held

logger = logging.getLogger(__name__)

VERSION_KEY = "pagecache:version"
SKIP_PREFIXES = (
    "/admin/",
    "/django-admin/",
    "/api/",
    "/static/",
    "/media/",
    "/documents/",
    "/i18n/",
    "/healthz",
    "/inspect/",
    "/01/",
    "/.well-known/",
)
KEPT_HEADERS = ("Content-Type", "Content-Language", "Vary", "X-Frame-Options")
FETCHED = "ocop.pagecache.fetched"  # environ: (key, version) the WSGI short way found stale
_down_until = 0.0


def _cache():
    return caches[getattr(settings, "PAGE_CACHE_ALIAS", "default")]


def _resting() -> bool:
    """Redis failed a moment ago: leave it alone for now."""
    return time.monotonic() < _down_until


def _usable() -> bool:
    return settings.PAGE_CACHE_SECONDS > 0 and not _resting()


def _failed(exc: Exception) -> None:
    global _down_until
    _down_until = time.monotonic() + settings.PAGE_CACHE_RETRY_SECONDS
    logger.warning("page cache unavailable, serving uncached pages: %s", exc)


def bump() -> None:
    """The catalogue or a page changed: every cached page is stale from now on.

    Called at once (a render that starts later sees the new version) and again when the
    transaction commits (a render that read the old rows meanwhile is not kept).
    """
    _bump_now()
    transaction.on_commit(_bump_now)


def _bump_now() -> None:
    if settings.PAGE_CACHE_SECONDS <= 0:
        return
    cache = _cache()
    try:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:  # no version yet
            cache.add(VERSION_KEY, 1, None)
            cache.incr(VERSION_KEY)
    except Exception as exc:
        _failed(exc)


def _fetch(key: str):
    """(current version, stored entry or None) in one round trip."""
    cache = _cache()
    client = getattr(cache, "client", None)
    if client is not None and hasattr(client, "get_client"):
        # django-redis: one MGET on a connection this thread keeps, skipping per-key
        # bookkeeping (the version is an integer Redis keeps as text; entries are
        # django-redis pickles).
        raw_version, raw_entry = redis_held.command(
            client.get_client(write=False),
            "MGET",
            cache.make_key(VERSION_KEY),
            cache.make_key(key),
        )
        version = int(raw_version) if raw_version is not None else 0
        return version, client.decode(raw_entry) if raw_entry is not None else None
    found = cache.get_many([key, VERSION_KEY])
    return found.get(VERSION_KEY, 0), found.get(key)


def get_fragments(keys: list[str]) -> dict:
    """Other cached pieces (product cards) from the same cache, behind the same breaker:
    with Redis down, nothing is found and nothing waits."""
    if not keys or _resting():
        return {}
    try:
        return _cache().get_many(keys)
    except Exception as exc:
        _failed(exc)
        return {}


def set_fragments(mapping: dict, seconds: int) -> None:
    if not mapping or _resting():
        return
    try:
        _cache().set_many(mapping, seconds)
    except Exception as exc:
        _failed(exc)


def _cacheable_request(meta) -> bool:
    """On the WSGI environ (``request.META``), for the middleware and the WSGI short way:
    a GET or HEAD, not a path the cache skips, not a staff preview."""
    query = meta.get("QUERY_STRING", "")
    return (
        meta.get("REQUEST_METHOD") in ("GET", "HEAD")
        and not meta.get("PATH_INFO", "").startswith(SKIP_PREFIXES)
        and ("preview" not in query or "preview" not in parse_qs(query, keep_blank_values=True))
    )


def _is_secure(meta) -> bool:
    """``HttpRequest.is_secure`` on the WSGI environ."""
    if settings.SECURE_PROXY_SSL_HEADER:
        header, secure_value = settings.SECURE_PROXY_SSL_HEADER
        value = meta.get(header)
        if value is not None:
            return value.split(",", 1)[0].strip() == secure_value
    return meta.get("wsgi.url_scheme") == "https"


def _key(meta) -> str:
    """The entry's key, from the WSGI environ (``request.META``) as the server gave it: the
    host, the scheme, the path and query string, and the local date. Built from the same
    values by the middleware and the WSGI short way, so either finds what the other stored.
    (A host Django refuses never reaches a 200, so it never has an entry.)"""
    # repr of the tuple: no two different requests give the same text ("|" may be in a path).
    raw = repr(
        (
            meta.get("HTTP_HOST") or f"{meta.get('SERVER_NAME')}:{meta.get('SERVER_PORT')}",
            meta.get("HTTP_X_FORWARDED_HOST", "") if settings.USE_X_FORWARDED_HOST else "",
            "https" if _is_secure(meta) else "http",
            meta.get("SCRIPT_NAME", ""),
            meta.get("PATH_INFO", ""),
            meta.get("QUERY_STRING", ""),
            timezone.localdate().isoformat(),
        )
    )
    return "pagecache:page:" + hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()


def _cacheable_response(response) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    control = response.get("Cache-Control", "").lower()
    if any(word in control for word in ("private", "no-store", "no-cache")):
        return False
    vary = response.get("Vary", "").lower()
    return "cookie" not in vary


class PageCacheMiddleware:
    """Place right after SecurityMiddleware/WhiteNoise: a hit skips the rest of the stack."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not (_usable() and _cacheable_request(request.META)):
            return self.get_response(request)
        key = _key(request.META)
        fetched = request.META.pop(FETCHED, None)
        if fetched is not None and fetched[0] == key:  # the WSGI short way looked already
            version, entry = fetched[1], None
        else:
            try:
                version, entry = _fetch(key)
            except Exception as exc:
                _failed(exc)
                return self.get_response(request)
        if entry is not None and entry[0] == version:
            _, status, headers, body = entry
            response = HttpResponse(body, status=status)
            for name, value in headers:
                response[name] = value
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if _cacheable_response(response):
            patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
            headers = [(h, response[h]) for h in KEPT_HEADERS if h in response]
            headers.append(("Cache-Control", response["Cache-Control"]))
            try:
                _cache().set(
                    key,
                    (version, response.status_code, headers, response.content),
                    settings.PAGE_CACHE_SECONDS,
                )
            except Exception as exc:
                _failed(exc)
            response["X-Page-Cache"] = "miss"
        return response


# --- the WSGI short way -----------------------------------------------------------------

# The middleware a hit passes through before PageCacheMiddleware answers it; the short way
# does what they do to such a request (see CachedPages).
FRONT_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "marketplace.pagecache.PageCacheMiddleware",
]


@functools.cache
def security_headers(secure: bool) -> tuple[tuple[str, str], ...]:
    """The headers SecurityMiddleware adds to a response of a (secure) request."""

    class Probe(HttpRequest):
        def is_secure(self) -> bool:
            return secure

    response = SecurityMiddleware(lambda request: None).process_response(Probe(), HttpResponse())
    return tuple((k, v) for k, v in response.items() if k != "Content-Type")


def _settings_changed(**kwargs) -> None:
    if kwargs["setting"].startswith("SECURE_"):
        security_headers.cache_clear()


setting_changed.connect(_settings_changed, dispatch_uid="pagecache.security_headers")


def wsgi_hit(environ) -> tuple[str, list[tuple[str, str]], bytes] | None:
    """The stored page for this WSGI request as (status line, headers, body), or None.

    What the usual way does to a hit, done here: SecurityMiddleware's redirect to HTTPS
    (such a request goes the usual way) and its headers; WhiteNoise has nothing to do (its
    files are never stored). On a miss, the version read is left in the environ so that the
    middleware does not ask Redis again.
    """
    if not (_usable() and _cacheable_request(environ)):
        return None
    secure = _is_secure(environ)
    if settings.SECURE_SSL_REDIRECT and not secure:
        return None
    key = _key(environ)
    try:
        version, entry = _fetch(key)
    except Exception as exc:
        _failed(exc)
        return None
    if entry is None or entry[0] != version:
        environ[FETCHED] = (key, version)
        return None
    _, status, headers, body = entry
    return (
        f"{status} OK",
        [
            *headers,
            ("X-Page-Cache", "hit"),
            *security_headers(secure),
            ("Content-Length", str(len(body))),
        ],
        body,
    )


class CachedPages:
    """WSGI application in front of Django's handler: a page-cache hit is answered before
    Django's request cycle (request object, signals, middleware, response object), which
    costs more than the hit itself. Anything else goes to ``app``.

    Only while the middleware in front of PageCacheMiddleware are the ones ``wsgi_hit``
    stands in for (``FRONT_MIDDLEWARE``): a new one there turns the short way off.
    """

    def __init__(self, app):
        self.app = app
        self.enabled = list(settings.MIDDLEWARE[: len(FRONT_MIDDLEWARE)]) == FRONT_MIDDLEWARE
        if not self.enabled:
            logger.warning(
                "MIDDLEWARE does not start with marketplace.pagecache.FRONT_MIDDLEWARE: cached"
                " pages take the whole request cycle until the short way is updated."
            )

    def __call__(self, environ, start_response):
        hit = wsgi_hit(environ) if self.enabled else None
        if hit is None:
            return self.app(environ, start_response)
        status, headers, body = hit
        start_response(status, headers)
        return [body]
