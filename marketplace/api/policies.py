"""The API's pages and limits (read by DRF's settings when its views load: nothing here
imports ``rest_framework.views``)."""

from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination, parsers, throttling

from marketplace.client_ip import client_ip


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 24
    page_size_query_param = "page_size"
    max_page_size = 100
    page_query_param = "page"

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param) or "1"
        number = int(raw) if raw.isdigit() and len(raw) < 10 else 0
        if number < 1:
            raise exceptions.ValidationError({"page": [_("A page is a whole number from 1.")]})
        return number

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        size = int(raw) if raw.isdigit() and len(raw) < 4 else 0
        if not 1 <= size <= self.max_page_size:
            raise exceptions.ValidationError(
                {
                    "page_size": [
                        _("A page holds from 1 to %(max)s items.") % {"max": self.max_page_size}
                    ]
                }
            )
        return size


class _ClientAddress:
    """Per address as ``marketplace.client_ip`` believes it; the rates read from the settings
    at each request (DRF reads them once, at import)."""

    @property
    def THROTTLE_RATES(self):
        from rest_framework.settings import api_settings

        return api_settings.DEFAULT_THROTTLE_RATES

    def get_ident(self, request):
        return client_ip(request) or "unknown"


class AnonThrottle(_ClientAddress, throttling.AnonRateThrottle):
    """Anonymous callers, per address."""


class UserThrottle(_ClientAddress, throttling.UserRateThrottle):
    """Signed-in callers, per account; cooperative tokens, per token."""

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None  # AnonThrottle's
        token = getattr(request.user, "token", None)
        ident = f"token-{token.pk}" if token is not None else request.user.pk
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ScopedThrottle(_ClientAddress, throttling.ScopedRateThrottle):
    """The stricter limits of an endpoint's ``throttle_scope`` (stamp verification,
    checkout), per token, account or address."""

    def get_cache_key(self, request, view):
        token = getattr(request.user, "token", None)
        if token is not None:
            return self.cache_format % {"scope": self.scope, "ident": f"token-{token.pk}"}
        return super().get_cache_key(request, view)


# Characters no text of ours holds: NUL and the other C0 controls but tab and line ends.
CONTROL = frozenset(chr(c) for c in range(32)) - {"\t", "\n", "\r"}


def _holds_control(value) -> bool:
    if isinstance(value, str):
        return not CONTROL.isdisjoint(value)
    if isinstance(value, dict):
        return any(_holds_control(k) or _holds_control(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_control(v) for v in value)
    return False


class JSONParser(parsers.JSONParser):
    """JSON bodies, refused (400) when a string holds a control character such as NUL — the
    middleware checks query strings and forms, this the API's bodies — naming the fields it
    is in when the body is an object."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if isinstance(data, dict) and not any(_holds_control(key) for key in data):
            fields = {
                key: [_("Control characters are not allowed.")]
                for key, value in data.items()
                if _holds_control(value)
            }
            if fields:
                raise exceptions.ValidationError(fields)
        elif _holds_control(data):
            raise exceptions.ParseError(_("The body holds a control character (such as NUL)."))
        return data
