"""The Content-Security-Policy header (django-csp), one policy for the whole site.

The policy is ``CONTENT_SECURITY_POLICY`` (``CONTENT_SECURITY_POLICY_REPORT_ONLY`` when the
environment sets ``CSP_REPORT_ONLY``), written for the storefront, the resolver and the
inspector: scripts and styles from this site only, no inline code and no nonces (whole pages
are cached and served to anyone: a nonce would be the same for every visitor).
``CSPMiddleware`` adds to it:

- on a signed-in user's admin pages (Wagtail's and Django's, wherever ``admin_paths`` puts
  them), ``CONTENT_SECURITY_POLICY_ADMIN``'s directives instead of the site's ones they name
  (the sign-in page keeps the strict policy): Wagtail writes inline ``<script>`` and
  ``<style>`` elements into its forms (page editor, inline panels, date pickers; form widgets
  have no request, so no nonce), and frames itself for the live preview;
- the media storage's host to ``img-src`` when images are served from elsewhere (a bucket or
  its CDN), as the storage itself writes their URLs;
- what a view asked for on its response (``allow``): Stripe.js's hosts on the order page that
  loads it, ``blob:`` images on the inspector's page (the photo preview).

The two short ways (``pagecache.wsgi_hit``, ``traceability.handler``) answer cached pages and
stamp scans before the middleware: they add ``storefront_headers()``, the same header.
"""

import functools
import json
import logging
import re
from urllib.parse import urlsplit

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.http import HttpResponse
from django.test.signals import setting_changed

from .admin_paths import is_admin_path

logger = logging.getLogger(__name__)

# Stripe's documented sources for Stripe.js, its card fields and 3-D Secure frames
# (the Address Element's Google Maps are not used here).
STRIPE_JS_ORIGIN = "https://js.stripe.com"
STRIPE_SOURCES = {
    "script-src": [STRIPE_JS_ORIGIN, "https://*.js.stripe.com"],
    "frame-src": [STRIPE_JS_ORIGIN, "https://*.js.stripe.com", "https://hooks.stripe.com"],
    "connect-src": ["https://api.stripe.com"],
}
# Per-response additions (django-csp's own attributes, as its csp_update decorator sets them).
RESPONSE_ATTRIBUTES = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)
# A browser's report is a few hundred bytes; a Reporting API batch a few of them.
REPORT_MAX_BYTES = 16 * 1024
REPORT_FIELD_MAX = 200
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")


def _origin(url: str) -> str | None:
    """``scheme://host[:port]`` of an absolute (or protocol-relative) URL, else None."""
    parts = urlsplit(url)
    if not parts.netloc:
        return None
    return f"{parts.scheme or 'https'}://{parts.netloc}"


def _merge(*updates: dict | None) -> dict | None:
    merged: dict[str, list] = {}
    for update in updates:
        for directive, sources in (update or {}).items():
            sources = [sources] if isinstance(sources, str) else list(sources)
            merged.setdefault(directive, []).extend(sources)
    return merged or None


def allow(response: HttpResponse, directives: dict) -> HttpResponse:
    """Adds ``directives``' sources to this response's policy, enforced or report-only.
    A page cache never stores such a response (``pagecache``): its policy is its own."""
    for attribute in ("_csp_update", "_csp_update_ro"):
        setattr(response, attribute, _merge(getattr(response, attribute, None), directives))
    return response


def stripe_sources() -> dict:
    """Where Stripe.js (``STRIPE_JS_URL``) loads from and talks to: Stripe's documented hosts,
    or the one host of a stand-in (localstripe in the tests), which serves the script, its
    API and any frame."""
    origin = _origin(settings.STRIPE_JS_URL)
    if origin is None or origin == STRIPE_JS_ORIGIN:
        return STRIPE_SOURCES
    return {"script-src": [origin], "frame-src": [origin], "connect-src": [origin]}


_media_sources: list = []  # the answer once the storage gave one (a failure is asked again)


def media_sources() -> dict | None:
    """``img-src`` for the host the media storage serves images from (a bucket, its CDN),
    as the storage writes their URLs; None when they are served from this site."""
    from django.core.files.storage import default_storage

    if _media_sources:
        return _media_sources[0]
    try:
        origin = _origin(default_storage.url("csp-probe.jpg"))
    except Exception as exc:  # e.g. signed URLs without credentials: pages must still render
        logger.warning("CSP: the media storage wrote no URL (%s): images from this site only", exc)
        return None  # not remembered: the next response asks the storage again
    _media_sources.append({"img-src": [origin]} if origin else None)
    return _media_sources[0]


def _in_the_admin(request) -> bool:
    """A signed-in user's admin page. The pages the admin shows anyone (sign-in, password
    reset, a lockout) need none of Wagtail's inline code: they keep the strict policy."""
    if not is_admin_path(request.path_info):
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class CSPMiddleware(BaseCSPMiddleware):
    """django-csp's middleware with the admin's directives and the media host (see above).

    A response without a policy of its own (nearly all of them) gets headers built once
    (``policy_headers``): django-csp builds the policy anew for each response, which cost
    more than a cached page's whole answer."""

    def process_response(self, request, response):
        plain = not (
            has_own_policy(response)
            or getattr(request, "_csp_nonce", None) is not None
            or (settings.DEBUG and response.status_code in (404, 500))  # Django's debug pages
        )
        if not plain:
            return super().process_response(request, response)
        for name, value in policy_headers(admin=_in_the_admin(request)):
            if name not in response:
                response[name] = value
        return response

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if parts.replace is None and _in_the_admin(request):
            parts.replace = settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"]
        parts.update = _merge(media_sources(), parts.update)
        return parts


def policy_headers(*, admin: bool) -> tuple[tuple[str, str], ...]:
    """The policy header(s) of a response without a policy of its own: what django-csp builds
    from the settings, with the media host and, for the admin, its directives."""
    media = media_sources()
    return _policy_headers(admin, json.dumps(media, sort_keys=True) if media else "")


@functools.cache
def _policy_headers(admin: bool, media: str) -> tuple[tuple[str, str], ...]:
    replace = settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"] if admin else None
    update = json.loads(media) if media else None
    headers = []
    for name, report_only in ((HEADER, False), (HEADER_REPORT_ONLY, True)):
        value = build_policy(update=update, replace=replace, report_only=report_only)
        if value:
            headers.append((name, value))
    return tuple(headers)


def storefront_headers() -> tuple[tuple[str, str], ...]:
    """The header(s) the middleware gives a page outside the admin, for the short ways that
    answer before it (cached pages, stamp scans)."""
    return policy_headers(admin=False)


def has_own_policy(response) -> bool:
    """A view changed this response's policy (``allow``, django-csp's decorators)."""
    return any(getattr(response, attribute, None) for attribute in RESPONSE_ATTRIBUTES)


_CACHED_ON = ("CONTENT_SECURITY_POLICY", "STORAGES", "AWS_", "MEDIA_")


def _settings_changed(**kwargs) -> None:
    if kwargs["setting"].startswith(_CACHED_ON):
        _media_sources.clear()
        _policy_headers.cache_clear()


setting_changed.connect(_settings_changed, dispatch_uid="marketplace.csp")


# --- violation reports (POST /csp-report) ---------------------------------------------------


class BadReport(ValueError):
    """The body is not a CSP violation report; the message says why."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def _field(value) -> str:
    """A report's value as one short log-safe word: no query string (it may hold a token), no
    control characters (no forged log lines), at most REPORT_FIELD_MAX characters."""
    if value is None or value == "":
        return "-"
    text = str(value)
    if "://" in text:
        text = text.split("?", 1)[0].split("#", 1)[0]
    return _UNPRINTABLE.sub("?", text)[:REPORT_FIELD_MAX]


def _violation(report: dict, *, camel: bool) -> str:
    """One report as a log line's text."""

    def get(dashed: str, camel_name: str):
        return report.get(camel_name if camel else dashed)

    directive = get("effective-directive", "effectiveDirective") or get(
        "violated-directive", "violatedDirective"
    )
    source = _field(get("source-file", "sourceFile"))
    line = get("line-number", "lineNumber")
    if source != "-" and isinstance(line, int):
        source = f"{source}:{line}"
    return "{} blocked {} on {} (source {}, {})".format(
        _field(directive),
        _field(get("blocked-uri", "blockedURL")),
        _field(get("document-uri", "documentURL")),
        source,
        _field(get("disposition", "disposition")),
    )


def read_reports(request) -> list[str]:
    """The violations a browser reported in this request's body, each as one line of text.

    Two formats, whatever the content type says: ``report-uri``'s (``{"csp-report": {...}}``)
    and the Reporting API's (a list of ``{"type": "csp-violation", "body": {...}}``). Raises
    BadReport for anything else, or for a body declared over REPORT_MAX_BYTES (then unread).
    """
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > REPORT_MAX_BYTES:
        raise BadReport(f"A report is at most {REPORT_MAX_BYTES} bytes.", status=413)
    try:
        body = request.body  # at most CONTENT_LENGTH bytes are read
    except OSError:  # the browser went away mid-body
        raise BadReport("The body could not be read.") from None
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # [[[[… nested past Python's limit
        raise BadReport("The body is not JSON.") from None
    if isinstance(data, dict) and isinstance(data.get("csp-report"), dict):
        return [_violation(data["csp-report"], camel=False)]
    if isinstance(data, list):
        lines = [
            _violation(item["body"], camel=True)
            for item in data
            if isinstance(item, dict)
            and item.get("type") == "csp-violation"
            and isinstance(item.get("body"), dict)
        ]
        if lines:
            return lines
    raise BadReport("The body holds no CSP violation report.")
