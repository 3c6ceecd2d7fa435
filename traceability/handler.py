"""The site's WSGI handler, with a short way through for stamp scans.

A phone scanning a stamp carries no session. For it the resolver (``/01/…``) and the verify
API (``/api/v1/stamps/verify``) skip the middleware stack built for the storefront and the
admin, which cost several times the scan itself. What that stack does to such a request is
done here, by the same middleware objects:

- SecurityMiddleware: the HTTPS redirect (such a request goes the usual way), HSTS, nosniff,
  the referrer and cross-origin opener policies;
- CommonMiddleware: the host check and banned user agents (the usual way answers those), the
  ``www.`` redirect, Content-Length;
- LocaleMiddleware's response part, which the views make needless (they choose the language
  themselves, stamp links carrying no language prefix, and say so in Content-Language and
  Vary), but for an error page;
- XFrameOptionsMiddleware;
- Wagtail's RedirectMiddleware, for a 404 (a forged stamp) an editor may have redirected.

Left out because they do nothing to such a request: WhiteNoise (not a static file), sessions,
authentication and messages (no session cookie: anonymous, no messages), CSRF (GET, or the
``csrf_exempt`` verify API; these views use no token).

Anything else goes the usual way: a request with a session cookie (an inspector signed in,
whom the scan log records), other methods, other paths. So does every request when
``MIDDLEWARE`` is not the list below: a new middleware has to be looked at here first.
"""

import logging

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.handlers.exception import response_for_exception
from django.core.handlers.wsgi import WSGIHandler
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.locale import LocaleMiddleware
from django.middleware.security import SecurityMiddleware
from django.urls import Resolver404, get_resolver, set_urlconf
from django.utils.log import log_response
from wagtail.contrib.redirects.middleware import RedirectMiddleware

from . import views

logger = logging.getLogger(__name__)

# The stack the short way stands in for (marketplace/settings/base.py).
SHORT_WAY_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Passes stamp paths through untouched (they are in pagecache.SKIP_PREFIXES).
    "marketplace.pagecache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]
PATH_PREFIXES = ("/01/", "/api/v1/stamps/verify")


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
        self.common = CommonMiddleware(_unused)
        self.locale = LocaleMiddleware(_unused)
        self.xframe = XFrameOptionsMiddleware(_unused)
        self.redirects = RedirectMiddleware(_unused)

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
        try:
            if (
                self.security.process_request(request) is not None
                or self.common.process_request(request) is not None
            ):
                return None  # a redirect
        except Exception:
            return None  # a host not allowed, a banned user agent: answered the usual way
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
        return self.security.process_response(request, response)
