"""The site's WSGI handler, with a short way through for stamp scans.

A phone scanning a stamp carries no session. For it the resolver (``/01/…``) and the verify
API (``/api/v1/stamps/verify``) skip the middleware stack built for the storefront and the
admin, which cost several times the scan itself. What that stack does to such a request is
done here, by the same middleware objects:

- SecurityMiddleware: the HTTPS redirect (such a request goes the usual way), HSTS, nosniff,
  the referrer and cross-origin opener policies;
- the Content-Security-Policy header (marketplace.csp: a stamp path is never the admin's);
- CommonMiddleware: the host check and banned user agents (the usual way answers those), the
  ``www.`` redirect, Content-Length;
- LocaleMiddleware's response part, which the views make needless (they choose the language
  themselves, stamp links carrying no language prefix, and say so in Content-Language and
  Vary), but for an error page;
- XFrameOptionsMiddleware;
- Wagtail's RedirectMiddleware, for a 404 (a forged stamp) an editor may have redirected.

Left out because they do nothing to such a request: WhiteNoise (not a static file), sessions,
authentication and messages (no session cookie: anonymous, no messages), CSRF (GET, or the
``csrf_exempt`` verify API; these views use no token), django-axes (it answers only a locked
out login).

Anything else goes the usual way: a request with a session cookie (an inspector signed in,
whom the scan log records), other methods, other paths. So does every request when
``MIDDLEWARE`` is not the list below: a new middleware has to be looked at here first.

A scan without cookies that ends in a 200 (genuine, suspicious, recalled, voided: nearly all
of them) goes shorter still: answered before Django's request cycle (``scan_answer``), with
the resolver view's own functions and the same headers (a quarter less CPU per JSON scan in
process; benchmarks/README.md, "Stop 12"). No request or response object, no URL
resolving; the request signals are sent as Django sends them (database connections are
checked and recycled as after any request). A forged or malformed code goes on to the short
way with its verdict (not judged twice), which logs it and answers it with its error page (and
a redirect an editor may have made for it).
"""

import logging
import re

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import signals
from django.core.handlers.exception import response_for_exception
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest, get_path_info, get_script_name
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.locale import LocaleMiddleware
from django.middleware.security import SecurityMiddleware
from django.urls import Resolver404, get_resolver, set_script_prefix, set_urlconf
from django.utils import timezone, translation
from django.utils.log import log_response
from wagtail.contrib.redirects.middleware import RedirectMiddleware

from marketplace import csp
from marketplace.middleware import has_control_characters
from marketplace.pagecache import security_headers

from . import views
from .urls import RESOLVER_PATTERN

logger = logging.getLogger(__name__)

# The stack the short way stands in for (marketplace/settings/base.py).
SHORT_WAY_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "marketplace.csp.CSPMiddleware",
    # Passes stamp paths through untouched (they are in pagecache.SKIP_PREFIXES).
    "marketplace.pagecache.PageCacheMiddleware",
    # Its check is in passes_checks: a request it would refuse goes the usual way.
    "marketplace.middleware.RejectControlCharacters",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Answers only a login django-axes locked out (request.axes_locked_out): never a scan.
    "axes.middleware.AxesMiddleware",
]
PATH_PREFIXES = ("/01/", "/api/v1/stamps/verify")
# Matched as Django's URL resolver matches it (fullmatch, after the root's "/").
RESOLVER_PATH = re.compile(RESOLVER_PATTERN)
SAMPLE_SCAN = "/01/08934601100017/10/LOT/21/SERIAL"


def _unused(request):  # the middleware below are only asked for their request/response parts
    raise AssertionError("not called")


class StampScanHandler(WSGIHandler):
    """Django's WSGIHandler (signals, connections, logging, the WSGI answer as usual), with
    the resolver and the verify API answered without the middleware stack when they can."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.short_way = list(settings.MIDDLEWARE) == SHORT_WAY_MIDDLEWARE
        if not self.short_way:
            logger.warning(
                "MIDDLEWARE differs from traceability.handler.SHORT_WAY_MIDDLEWARE: stamp"
                " scans take the whole middleware stack until the handler is updated."
            )
        self.methods = {views.resolve: {"GET"}, views.api_verify: {"GET", "POST"}}
        self.security = SecurityMiddleware(_unused)
        self.csp = csp.CSPMiddleware(_unused)
        self.common = CommonMiddleware(_unused)
        self.locale = LocaleMiddleware(_unused)
        self.xframe = XFrameOptionsMiddleware(_unused)
        self.redirects = RedirectMiddleware(_unused)
        # The resolver is what Django would route stamp paths to (nothing in front of it).
        self.fast_way = self.short_way and get_resolver().resolve(SAMPLE_SCAN).func is views.resolve

    def __call__(self, environ, start_response):
        fast = self.fast_way and environ.get("REQUEST_METHOD") == "GET"
        if fast and not environ.get("HTTP_COOKIE"):
            answer = self.scan_answer(environ)
            if answer is not None:
                status, headers, body = answer
                start_response(status, headers)
                return [body]
        return super().__call__(environ, start_response)

    def passes_checks(self, request) -> bool:
        """What SecurityMiddleware, CommonMiddleware and RejectControlCharacters ask of a
        request, passed: no HTTPS or ``www.`` redirect is due, the host is allowed, the user
        agent is not banned, no parameter holds a NUL (the usual way answers those)."""
        try:
            return (
                self.security.process_request(request) is None
                and self.common.process_request(request) is None
                and not has_control_characters(request)
            )
        except Exception:
            return False

    def scan_answer(self, environ) -> tuple[str, list, bytes] | None:
        """A stamp scan ending in a 200 as (status line, headers, body), its scan logged; or
        None, with nothing done, when the request must go another way."""
        path = get_path_info(environ)
        match = RESOLVER_PATH.fullmatch(path[1:]) if path.startswith("/01/") else None
        if match is None:
            return None
        request = WSGIRequest(environ)  # for the middleware's checks (no body is read)
        if not self.passes_checks(request):
            return None
        set_script_prefix(get_script_name(environ))
        signals.request_started.send(sender=self.__class__, environ=environ)
        try:
            language = translation.get_language_from_request(request, check_path=False)
            with translation.override(language):
                query = environ.get("QUERY_STRING", "")
                at = timezone.now()
                verdict, location = views.scan_verdict(*match.groups(), query, at)
                if verdict.http_status != 200:  # for the view, with its error handling
                    environ[views.HANDED_OVER] = (path, query, at, verdict, location)
                    return None
                body, content_type = views.scan_body(verdict, at, views.wants_json(environ))
                views.log_scan(verdict, at, location, environ.get("HTTP_USER_AGENT", ""), None)
        except Exception as exc:
            # Nothing logged yet (log_scan never raises): the usual way does it all again,
            # with Django's error handling should it fail the same way.
            logger.warning("stamp scan handed to the usual way after %r", exc)
            return None
        finally:
            signals.request_finished.send(sender=self.__class__)
        headers = [
            ("Content-Type", content_type),
            *views.scan_headers(language),
            ("X-Frame-Options", self.xframe.get_xframe_options_value(request, None)),
            ("Content-Length", str(len(body))),
            *csp.storefront_headers(),
            *security_headers(request.is_secure()),
        ]
        return "200 OK", headers, body

    def get_response(self, request):
        response = self.scan_response(request) if self.short_way else None
        if response is None:
            return super().get_response(request)
        # What BaseHandler.get_response does after the middleware.
        response._resource_closers.append(request.close)
        if response.status_code >= 400:
            log_response(
                "%s: %s",
                response.reason_phrase,
                request.path,
                response=response,
                request=request,
            )
        return response

    def scan_response(self, request):
        """The answer of the short way, or None when the request must go the usual way."""
        path = request.path_info
        if not path.startswith(PATH_PREFIXES):
            return None
        if "HTTP_COOKIE" in request.META and settings.SESSION_COOKIE_NAME in request.COOKIES:
            return None
        set_urlconf(settings.ROOT_URLCONF)
        try:
            match = get_resolver().resolve(path)
        except Resolver404:
            return None
        if request.method not in self.methods.get(match.func, ()):
            return None
        if not self.passes_checks(request):
            return None
        request.resolver_match = match
        request.user = AnonymousUser()
        try:
            response = match.func(request, *match.args, **match.kwargs)
        except Exception as exc:
            response = response_for_exception(request, exc)
        # The response parts of the stack, innermost first.
        response = self.redirects.process_response(request, response)
        response = self.xframe.process_response(request, response)
        response = self.common.process_response(request, response)
        if "Content-Language" not in response:  # the views set it, and Vary: Accept-Language
            response = self.locale.process_response(request, response)
        response = self.csp.process_response(request, response)
        return self.security.process_response(request, response)
