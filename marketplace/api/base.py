"""What every endpoint of the REST API ``/api/v1/`` shares: the error body, the language, the
pages, the limits and the validators of bad text.

* Errors are ``{"detail": "...", "code": "..."}`` with the status DRF chose (400 adds
  ``"fields": {name: [messages]}``, 429 adds ``Retry-After``), in the request's language:
  ``Accept-Language`` (vi, en; Vietnamese otherwise), since API paths carry no language.
* Lists are pages of 24 (``?page_size=`` up to 100) with ``count``, ``next``, ``previous``.
* Limits per address for anonymous callers (the address ``marketplace.client_ip`` believes,
  behind ``TRUSTED_PROXY_COUNT`` proxies), per account otherwise, and per scope (stamp
  verification, checkout) on the default cache: Redis in production.
* Public reads carry an ``ETag`` and answer ``If-None-Match`` with 304 (Django's
  ``ConditionalGetMiddleware`` as a view decorator).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.middleware.http import ConditionalGetMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.decorators import decorator_from_middleware
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import authentication, exceptions, permissions, serializers, views

from .policies import CONTROL

conditional_get = decorator_from_middleware(ConditionalGetMiddleware)


def exception_handler(exc, context):
    """DRF's handler, then one body for every error: ``detail``, ``code`` (and ``fields``)."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = views.exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            fields = {name: _messages(value) for name, value in detail.items()}
            general = fields.pop("non_field_errors", None)
            body = {
                "detail": general[0] if general else _("Some values are not valid."),
                "code": "invalid",
            }
            if fields:
                body["fields"] = fields
        else:
            # A refusal raised with its own code (a packing rule: "forged", "recalled"…).
            messages, codes = _messages(detail), exc.get_codes()
            code = codes[0] if isinstance(codes, list) and codes else "invalid"
            body = {
                "detail": messages[0] if messages else _("Invalid input."),
                "code": code if isinstance(code, str) else "invalid",
            }
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        body = {
            "detail": str(getattr(exc, "detail", "") or exc),
            "code": codes if isinstance(codes, str) else "error",
        }
    response.data = body
    return response


def _messages(value) -> list[str]:
    if isinstance(value, dict):
        return [f"{k}: {m}" for k, v in value.items() for m in _messages(v)]
    if isinstance(value, list | tuple):
        return [m for v in value for m in _messages(v)]
    return [str(value)]


class LanguageMixin:
    """API paths carry no language: ``Accept-Language`` (or the language cookie) picks it."""

    def initial(self, request, *args, **kwargs):
        translation.activate(translation.get_language_from_request(request, check_path=False))
        request.LANGUAGE_CODE = translation.get_language()
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response.headers.setdefault("Content-Language", translation.get_language())
        patch_vary_headers(response, ("Accept-Language",))
        return response

    def handle_exception(self, exc):
        # An error raised before ``initial`` (a bad body, an unknown method) speaks the
        # caller's language too.
        translation.activate(translation.get_language_from_request(self.request, check_path=False))
        return super().handle_exception(exc)


class APIView(LanguageMixin, views.APIView):
    """The base of the API's views."""


class SessionAPIView(APIView):
    """A view that changes what a session holds (a guest's cart, orders placed from it): its
    unsafe methods need the CSRF token whether or not someone signed in (DRF checks it only
    for signed-in users; a forged form must not fill or check out a guest's cart)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method not in permissions.SAFE_METHODS and request.auth is None:
            authentication.SessionAuthentication().enforce_csrf(request)


class Error(serializers.Serializer):
    """The body of every error."""

    detail = serializers.CharField(help_text="What went wrong, in the request's language.")
    code = serializers.CharField(
        help_text="A stable code: invalid, not_found, not_authenticated, permission_denied, "
        "throttled, conflict, parse_error, method_not_allowed, unsupported_media_type, "
        "bad_signature (webhooks), or the rule that refused (out_of_stock, forged…)"
    )
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="400 only: the messages of each field that was not valid.",
    )


class Conflict(exceptions.APIException):
    """409: the request is valid but the state forbids it (stock below reserved, a move the
    state machine refuses)."""

    status_code = 409
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


def clean_text(value: str, *, field: str, max_length: int) -> str:
    """A query parameter's text, or a 400 naming the field (control characters, overlong)."""
    if not CONTROL.isdisjoint(value):
        raise exceptions.ValidationError({field: [_("Control characters are not allowed.")]})
    if len(value) > max_length:
        raise exceptions.ValidationError(
            {field: [_("At most %(max)s characters.") % {"max": max_length}]}
        )
    return value


# --- money: integer đồng with its currency ------------------------------------------------

CURRENCY = "VND"


def money(amount: int | None) -> dict | None:
    return None if amount is None else {"amount": amount, "currency": CURRENCY}


class Money(serializers.Serializer):
    amount = serializers.IntegerField(help_text="Integer đồng.")
    currency = serializers.ChoiceField(choices=[CURRENCY])


@extend_schema_field(Money)
class MoneyField(serializers.Field):
    """An amount of đồng (an integer attribute) as ``{"amount", "currency": "VND"}``."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return money(value)
