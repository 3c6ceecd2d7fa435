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

The frequent change — a product selling out or coming back, every few checkouts on a busy
day — does not make every page stale: a page says what it shows while it renders
(``shows("product:42")``: a product's page and every page with its card; ``shows("search")``:
search results, whose availability facets count every product), and ``invalidate(tags)``
deletes just the pages that said so (a Redis set per tag, in one Lua script). A page rendered
across such a change is not stored: every invalidation moves an *epoch*, read with the page
before rendering, and the store (another script) only happens if the epoch has not moved.
Caches other than django-redis have no scripts: there ``invalidate`` bumps the version.

Redis down: the cache is skipped (a warning is logged) and pages render uncached; after a
failure the cache is not tried again for ``PAGE_CACHE_RETRY_SECONDS`` in this process, so
an outage does not add a connection timeout to every request.
"""

import contextvars
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

from . import csp, redis_held
from .admin_paths import admin_prefixes

logger = logging.getLogger(__name__)

VERSION_KEY = "pagecache:version"
EPOCH_KEY = "pagecache:epoch"
TAG_KEY = "pagecache:tag:"  # + a tag: the set of page keys that showed it
# With the two admin sites' paths (skip_prefixes: they are settings).
SKIP_PREFIXES = (
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
FETCHED = "ocop.pagecache.fetched"  # environ: (key, version, epoch) the short way found stale
_down_until = 0.0
_shown: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar("shown", default=None)

# Store the page with its tags, unless an invalidation happened since it started rendering.
# KEYS: epoch, page, tag sets...; ARGV: epoch read before rendering, seconds, entry.
_STORE = """
if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[2])
for i = 3, #KEYS do
  redis.call('SADD', KEYS[i], KEYS[2])
  redis.call('EXPIRE', KEYS[i], ARGV[2])
end
return 1
"""
# Move the epoch, delete the pages that showed any of the tags and the tags' sets.
# KEYS: epoch, tag sets...
_INVALIDATE = """
redis.call('INCR', KEYS[1])
local deleted = 0
for i = 2, #KEYS do
  local pages = redis.call('SMEMBERS', KEYS[i])
  for j = 1, #pages, 500 do
    deleted = deleted + redis.call('DEL', unpack(pages, j, math.min(j + 499, #pages)))
  end
  redis.call('DEL', KEYS[i])
end
return deleted
"""


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


def _redis(cache):
    """The django-redis client of ``cache`` (None for other backends)."""
    client = getattr(cache, "client", None)
    return client if client is not None and hasattr(client, "get_client") else None


def _fetch(key: str):
    """(current version, stored entry or None, epoch) in one round trip."""
    cache = _cache()
    client = _redis(cache)
    if client is not None:
        # django-redis: one MGET on a connection this thread keeps, skipping per-key
        # bookkeeping (version and epoch are integers Redis keeps as text; entries are
        # django-redis pickles).
        raw_version, raw_entry, raw_epoch = redis_held.command(
            client.get_client(write=False),
            "MGET",
            cache.make_key(VERSION_KEY),
            cache.make_key(key),
            cache.make_key(EPOCH_KEY),
        )
        version = int(raw_version) if raw_version is not None else 0
        entry = client.decode(raw_entry) if raw_entry is not None else None
        return version, entry, int(raw_epoch) if raw_epoch is not None else 0
    found = cache.get_many([key, VERSION_KEY])
    return found.get(VERSION_KEY, 0), found.get(key), 0


def shows(*tags: str) -> None:
    """The page being rendered shows these (``product:<id>``, ``search``): a later
    ``invalidate`` of one of them drops it from the cache. Outside a render: nothing."""
    shown = _shown.get()
    if shown is not None:
        shown.update(tags)


def invalidate(tags) -> None:
    """Pages that showed any of ``tags`` are stale from now on (and again when the
    transaction commits, for a render that read the old rows meanwhile)."""
    tags = sorted(set(tags))
    if not tags:
        return
    _invalidate_now(tags)
    transaction.on_commit(lambda: _invalidate_now(tags))


def _invalidate_now(tags: list[str]) -> None:
    if settings.PAGE_CACHE_SECONDS <= 0:
        return
    cache = _cache()
    client = _redis(cache)
    if client is None:
        _bump_now()  # no scripts here: every page is stale
        return
    try:
        keys = [cache.make_key(EPOCH_KEY), *(cache.make_key(TAG_KEY + t) for t in tags)]
        client.get_client(write=True).eval(_INVALIDATE, len(keys), *keys)
    except Exception as exc:
        _failed(exc)
        _bump_now()


def _store(key: str, entry: tuple, tags: set[str], epoch: int) -> None:
    cache = _cache()
    client = _redis(cache)
    if client is None:
        cache.set(key, entry, settings.PAGE_CACHE_SECONDS)
        return
    keys = [
        cache.make_key(EPOCH_KEY),
        cache.make_key(key),
        *(cache.make_key(TAG_KEY + t) for t in sorted(tags)),
    ]
    client.get_client(write=True).eval(
        _STORE, len(keys), *keys, epoch, settings.PAGE_CACHE_SECONDS, client.encode(entry)
    )


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


@functools.cache
def skip_prefixes() -> tuple[str, ...]:
    """``SKIP_PREFIXES`` and the admin sites' paths (``WAGTAIL_ADMIN_PATH``,
    ``DJANGO_ADMIN_PATH``); kept until a setting changes (tests)."""
    return (*admin_prefixes(), *SKIP_PREFIXES)


def _cacheable_request(meta) -> bool:
    """On the WSGI environ (``request.META``), for the middleware and the WSGI short way:
    a GET or HEAD, not a path the cache skips, not a staff preview."""
    query = meta.get("QUERY_STRING", "")
    return (
        meta.get("REQUEST_METHOD") in ("GET", "HEAD")
        and not meta.get("PATH_INFO", "").startswith(skip_prefixes())
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
    if csp.has_own_policy(response):  # a hit gets the site's policy, not this page's own
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
            _, version, epoch = fetched
            entry = None
        else:
            try:
                version, entry, epoch = _fetch(key)
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
        token = _shown.set(set())
        try:
            response = self.get_response(request)
            tags = _shown.get()
        finally:
            _shown.reset(token)
        if _cacheable_response(response):
            patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
            headers = [(h, response[h]) for h in KEPT_HEADERS if h in response]
            headers.append(("Cache-Control", response["Cache-Control"]))
            try:
                _store(key, (version, response.status_code, headers, response.content), tags, epoch)
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
    "marketplace.csp.CSPMiddleware",
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
    if kwargs["setting"].endswith("_ADMIN_PATH"):
        skip_prefixes.cache_clear()


setting_changed.connect(_settings_changed, dispatch_uid="pagecache.security_headers")


def wsgi_hit(environ) -> tuple[str, list[tuple[str, str]], bytes] | None:
    """The stored page for this WSGI request as (status line, headers, body), or None.

    What the usual way does to a hit, done here: SecurityMiddleware's redirect to HTTPS
    (such a request goes the usual way) and its headers; the Content-Security-Policy header
    (a stored page never had a policy of its own); WhiteNoise has nothing to do (its files
    are never stored). On a miss, the version read is left in the environ so that the
    middleware does not ask Redis again.
    """
    if not (_usable() and _cacheable_request(environ)):
        return None
    secure = _is_secure(environ)
    if settings.SECURE_SSL_REDIRECT and not secure:
        return None
    key = _key(environ)
    try:
        version, entry, epoch = _fetch(key)
    except Exception as exc:
        _failed(exc)
        return None
    if entry is None or entry[0] != version:
        environ[FETCHED] = (key, version, epoch)
        return None
    _, status, headers, body = entry
    return (
        f"{status} OK",
        [
            *headers,
            ("X-Page-Cache", "hit"),
            *csp.storefront_headers(),
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
