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

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control

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
_down_until = 0.0


def _cache():
    return caches[getattr(settings, "PAGE_CACHE_ALIAS", "default")]


def _usable() -> bool:
    return settings.PAGE_CACHE_SECONDS > 0 and time.monotonic() >= _down_until


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
        # django-redis: one MGET on the raw connection, skipping per-key bookkeeping (the
        # version is an integer Redis keeps as text; entries are django-redis pickles).
        raw_version, raw_entry = client.get_client(write=False).mget(
            cache.make_and_validate_key(VERSION_KEY), cache.make_and_validate_key(key)
        )
        version = int(raw_version) if raw_version is not None else 0
        return version, client.decode(raw_entry) if raw_entry is not None else None
    found = cache.get_many([key, VERSION_KEY])
    return found.get(VERSION_KEY, 0), found.get(key)


def get_fragments(keys: list[str]) -> dict:
    """Other cached pieces (product cards) from the same cache, behind the same breaker:
    with Redis down, nothing is found and nothing waits."""
    if not keys or time.monotonic() < _down_until:
        return {}
    try:
        return _cache().get_many(keys)
    except Exception as exc:
        _failed(exc)
        return {}


def set_fragments(mapping: dict, seconds: int) -> None:
    if not mapping or time.monotonic() < _down_until:
        return
    try:
        _cache().set_many(mapping, seconds)
    except Exception as exc:
        _failed(exc)


def _cacheable_request(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not request.path.startswith(SKIP_PREFIXES)
        and "preview" not in request.GET
    )


def _key(request) -> str:
    raw = f"{request.get_host()}|{request.get_full_path()}|{timezone.localdate().isoformat()}"
    return "pagecache:page:" + hashlib.sha256(raw.encode()).hexdigest()


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
        if not (_usable() and _cacheable_request(request)):
            return self.get_response(request)
        key = _key(request)
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
