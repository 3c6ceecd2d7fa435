"""What the six endpoints ``/api/v1/`` had before the framework keep for their first clients
(the checkout page, the inspector's phone, scanning apps, Stripe, the banks), now that they
are views of the framework (wards, stamp verification, inspections, a batch's EPCIS export,
the two payment webhooks):

* JSON whatever the request's ``Accept`` says (they never answered 406), written as they
  always were (``json.dumps``'s separators, Django's encoder);
* every error body keeps its ``"error"`` message beside the API's ``detail`` and ``code``.
"""

from django.core.serializers.json import DjangoJSONEncoder
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, negotiation, renderers, serializers

from .base import APIView, Error


class AnyAccept(negotiation.DefaultContentNegotiation):
    """The view's first renderer, whatever ``Accept`` (or ``?format=``) asks for."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class JSONRenderer(renderers.JSONRenderer):
    """The bytes these endpoints always answered: ``", "`` and ``": "`` between items (a
    scanning app may read them as text), dates and decimals as Django writes them."""

    compact = False
    encoder_class = DjangoJSONEncoder


class LegacyError(Error):
    """An error of the endpoints older than the API's error body: the same message in
    ``error`` too."""

    error = serializers.CharField(
        help_text="The same message as `detail`, for the clients written before `detail`."
    )


class LegacyAPIView(APIView):
    content_negotiation_class = AnyAccept
    renderer_classes = [JSONRenderer]

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        data = getattr(response, "data", None)
        if isinstance(data, dict) and "detail" in data:
            response.data = {"error": data["detail"], **data}
        return response


class SessionWithoutCsrf(authentication.SessionAuthentication):
    """The site's session, for an endpoint that changes nobody's data (stamp verification
    records a scan): a signed-in inspector's app posts to it without a CSRF token."""

    def enforce_csrf(self, request):
        return None


class SessionWithoutCsrfScheme(OpenApiAuthenticationExtension):
    target_class = SessionWithoutCsrf
    name = "cookieAuthWithoutCsrf"

    def get_security_definition(self, auto_schema):
        from django.conf import settings

        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "The site's session; no CSRF token is needed here.",
        }
