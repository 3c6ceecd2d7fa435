"""Public traceability endpoints: the GS1 Digital Link resolver, the published keys, and the
first endpoints of the API (verify a stamp, record inspections, a batch's EPCIS export).
Views validate, call a service, serialize."""

import json
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import exceptions, serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from marketplace.api.legacy import LegacyAPIView, LegacyError, SessionWithoutCsrf
from marketplace.api.tokens import BearerTokenAuthentication, TraceabilityScope, request_token
from marketplace.locations import province_name

from . import scans, vocab
from .digital_link import (
    MalformedLink,
    parse_stamp_path,
    parse_stamp_uri,
    signature_from_query,
)
from .models import Batch, Inspection, Stamp
from .selectors import batches_visible_to
from .services import TraceabilityError, inspection_record, may_inspect
from .signing import public_key_set
from .verification import HTTP_STATUS, INVALID, Verdict, batch_payload, stamp_verify


def wants_json(meta) -> bool:
    accept = meta.get("HTTP_ACCEPT", "")
    return "application/json" in accept and "text/html" not in accept.split(",")[0]


def verdict_json(verdict: Verdict, *, at) -> dict:
    data = {
        "verdict": verdict.verdict,
        "reasons": verdict.reasons,
        "warnings": verdict.warnings,
        "signature_valid": verdict.signature_valid,
    }
    if verdict.code is not None:
        data["code"] = {
            "gtin": verdict.code.gtin,
            "lot": verdict.code.lot,
            "serial": verdict.code.serial,
            "key_id": verdict.code.key_id,
        }
    stamp = verdict.stamp
    if stamp is not None:
        data.update(batch_payload(stamp.batch))
        first_at = stamp.first_scanned_at or at
        first_province = stamp.first_scan_province if stamp.first_scanned_at else None
        data["stamp"] = {
            "number": stamp.number,
            "status": stamp.status,
            "activated_at": stamp.activated_at.isoformat() if stamp.activated_at else None,
        }
        data["scans"] = {
            # This scan included: it is in the buffer, not yet in the summary.
            "count": stamp.scan_count + 1,
            "first_at": timezone.localtime(first_at).isoformat(),
            "first_province": province_name(first_province),
        }
    return data


@require_GET
def resolve(request, gtin: str, lot: str, serial: str):
    """``/01/{gtin}/10/{lot}/21/{serial}?s=``: HTML for people, JSON for ``Accept: json``.

    In the reader's language (stamp links carry no language prefix: the language cookie or
    Accept-Language, Vietnamese otherwise), never cached by shared caches.
    The hottest view of the site: its headers are set here, not by decorators. Most scans
    are answered before Django's request cycle, by ``traceability.handler`` with the
    functions below; what it leaves (cookies, errors) comes here.
    """
    language = translation.get_language_from_request(request, check_path=False)
    with translation.override(language):
        query = request.META.get("QUERY_STRING", "")
        handed = request.META.pop(HANDED_OVER, None)
        if handed is not None and handed[:2] == (request.path_info, query):
            at, verdict, location = handed[2:]  # judged by the handler already, not logged
        else:
            at = timezone.now()
            verdict, location = scan_verdict(gtin, lot, serial, query, at)
        user_agent = request.META.get("HTTP_USER_AGENT", "")
        log_scan(verdict, at, location, user_agent, _inspector(request))
        body, content_type = scan_body(verdict, at, wants_json(request.META))
    response = HttpResponse(body, content_type=content_type, status=verdict.http_status)
    for name, value in scan_headers(language):
        response[name] = value
    return response


# traceability.handler leaves in the environ a verdict it will not answer (not a 200):
# (path, query string, time, verdict, place); the view answers it without judging it again.
HANDED_OVER = "ocop.trace.verdict"


def scan_headers(language: str) -> tuple[tuple[str, str], ...]:
    """What the resolver's answer says beyond its content type."""
    return (
        ("Content-Language", language),
        ("Vary", "Accept, Accept-Language, Cookie"),
        ("Cache-Control", "no-cache, private"),
    )


def scan_verdict(gtin: str, lot: str, serial: str, query: str, at) -> tuple[Verdict, dict]:
    """The verdict on a resolver path and its query string, and the coarse place the query
    gives (``province``, ``lat``, ``lon``). Changes nothing: the scan is logged apart."""
    location = _query_location(query)
    try:
        code = parse_stamp_path(gtin.zfill(14), lot, serial, signature_from_query(query))
    except MalformedLink as exc:
        return Verdict(INVALID, [str(exc)]), location
    return stamp_verify(code, at=at, province=location["province"]), location


def _query_location(query: str) -> dict:
    if "province=" not in query and "lat=" not in query and "lon=" not in query:
        return scans.clean_location(None, None, None)  # most scans: the phone sends no place
    params = QueryDict(query)
    return scans.clean_location(params.get("province"), params.get("lat"), params.get("lon"))


def scan_body(verdict: Verdict, at, as_json: bool) -> tuple[bytes, str]:
    """The resolver's answer in the active language: (body, content type)."""
    data = verdict_json(verdict, at=at)
    if as_json:
        body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
        return body.encode(), "application/json"
    # The page reads nothing of the request (no context processors: it is the same page for
    # whoever scans, and they cost more than the rest of it).
    html = render_to_string(
        "traceability/resolver.html",
        {
            "result": data,
            "verdict": verdict.verdict,
            "first_scan": (verdict.stamp.first_scanned_at or at) if verdict.stamp else None,
            "batch": verdict.stamp.batch if verdict.stamp else None,
        },
    )
    return html.encode(), "text/html; charset=utf-8"


def _verify_and_log(request, parse, at) -> Verdict:
    """The verify API's verdict on the code ``parse()`` reads (INVALID when it cannot), with
    the scan logged at the coarse place the request gives (``province``, ``lat``, ``lon``)."""
    location = scans.clean_location(
        request.GET.get("province"), request.GET.get("lat"), request.GET.get("lon")
    )
    try:
        code = parse()
    except MalformedLink as exc:
        verdict = Verdict(INVALID, [str(exc)])
    else:
        verdict = stamp_verify(code, at=at, province=location["province"])
    log_scan(verdict, at, location, request.META.get("HTTP_USER_AGENT", ""), _inspector(request))
    return verdict


def _inspector(request) -> int | None:
    """The signed-in scanner's id. Only a request that carries a session looks the user up
    (no query for shoppers)."""
    if settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated:
        return request.user.pk
    return None


def log_scan(verdict: Verdict, at, location: dict, user_agent: str, inspector) -> None:
    code = verdict.code
    scans.record(
        {
            "stamp": verdict.stamp.pk if verdict.stamp else None,
            "gtin": code.gtin if code else "",
            "lot": code.lot if code else "",
            "serial": code.serial if code else "",
            "verdict": verdict.verdict,
            "at": at.isoformat(),
            "province": location["province"],
            "lat": location["lat"],
            "lon": location["lon"],
            "ua": user_agent[:200],
            "inspector": inspector,
        }
    )


@require_GET
@cache_control(max_age=300, public=True)
def public_keys(request):
    """``/.well-known/ocop-trace-keys.json``: the Ed25519 keys stamps are checked against."""
    response = JsonResponse(public_key_set())
    response["Access-Control-Allow-Origin"] = "*"
    return response


# --- the API: stamp verification, inspections, a batch's EPCIS export -------------------------
# Views of the REST framework (marketplace.api.legacy: the bodies their first clients read).


def _enum(values, **kwargs) -> serializers.CharField:
    """A string among ``values``, written out where it is used: no enum component that
    would share a field name (``status``) with other choices."""
    schema = {"type": "string", "allOf": [{"enum": [str(v) for v in values]}]}
    field_class = extend_schema_field(schema)(type("EnumField", (serializers.CharField,), {}))
    return field_class(**kwargs)


class VerdictWarning(serializers.Serializer):
    rule = serializers.CharField(help_text="The anomaly rule: too_many_scans, two_provinces…")
    message = serializers.CharField(help_text="In the request's language.")


class VerdictCode(serializers.Serializer):
    gtin = serializers.CharField(help_text="14 digits.")
    lot = serializers.CharField()
    serial = serializers.CharField()
    key_id = serializers.CharField(allow_blank=True, help_text="The signing key's id.")


class VerdictProduct(serializers.Serializer):
    name = serializers.CharField()
    variant = serializers.CharField()
    gtin = serializers.CharField()
    url = serializers.CharField(allow_blank=True, help_text="The product page (a path).")
    ocop_stars = serializers.IntegerField(allow_null=True)
    certificate = serializers.CharField(allow_null=True)


class VerdictCooperative(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.CharField()
    place = serializers.CharField(allow_blank=True)
    former_place = serializers.CharField(allow_blank=True)


class VerdictBatch(serializers.Serializer):
    lot = serializers.CharField()
    status = _enum(Batch.Status.values)
    production_date = serializers.DateField()
    best_before = serializers.DateField(allow_null=True)
    quantity = serializers.IntegerField()
    field_area = serializers.CharField(allow_blank=True)
    recalled_at = serializers.DateTimeField(allow_null=True)
    recall_reason = serializers.CharField(allow_blank=True)


class VerdictEvent(serializers.Serializer):
    step = _enum(vocab.STEPS)
    label = serializers.CharField(help_text="In the request's language.")
    time = serializers.DateTimeField()
    place = serializers.CharField(allow_blank=True)
    disposition = serializers.CharField()
    note = serializers.CharField(allow_blank=True)


class VerdictInput(serializers.Serializer):
    lot = serializers.CharField()
    gtin = serializers.CharField()
    product = serializers.CharField()
    variant = serializers.CharField()
    cooperative = serializers.CharField()
    place = serializers.CharField(allow_blank=True)
    production_date = serializers.DateField()
    status = _enum(Batch.Status.values)
    recalled_at = serializers.DateTimeField(allow_null=True)
    recall_reason = serializers.CharField(allow_blank=True)
    quantity = serializers.FloatField(help_text="How much of the lot went in, in `unit`.")
    unit = serializers.CharField()
    unit_label = serializers.CharField()


class VerdictStamp(serializers.Serializer):
    number = serializers.IntegerField(help_text="The stamp's number in its batch.")
    status = _enum(Stamp.Status.values)
    activated_at = serializers.DateTimeField(allow_null=True)


class VerdictScans(serializers.Serializer):
    count = serializers.IntegerField(help_text="This scan included.")
    first_at = serializers.DateTimeField()
    first_province = serializers.CharField(allow_blank=True)


class StampVerdict(serializers.Serializer):
    """The resolver's verdict (``traceability.verification.stamp_verify``), as the resolver
    answers ``Accept: application/json``; the batch's story when the stamp is ours."""

    verdict = _enum(HTTP_STATUS)
    reasons = serializers.ListField(child=serializers.CharField())
    warnings = VerdictWarning(many=True)
    signature_valid = serializers.BooleanField()
    code = VerdictCode(required=False, help_text="The code read, when it could be read.")
    product = VerdictProduct(required=False)
    cooperative = VerdictCooperative(required=False)
    batch = VerdictBatch(required=False)
    events = VerdictEvent(many=True, required=False)
    inputs = VerdictInput(many=True, required=False, help_text="The lots it was made from.")
    stamp = VerdictStamp(required=False)
    scans = VerdictScans(required=False)


VERDICT_OR_ERROR = PolymorphicProxySerializer(
    component_name="StampVerdictOrError",
    serializers=[StampVerdict, LegacyError],
    resource_type_field_name=None,
)
VERIFY_RESPONSES = {
    200: OpenApiResponse(StampVerdict, description="Genuine, suspicious, recalled or voided."),
    400: OpenApiResponse(
        VERDICT_OR_ERROR,
        description="The verdict `invalid` (not a stamp link), or no URI (an error body).",
    ),
    404: OpenApiResponse(StampVerdict, description="The verdict `forged`."),
    401: OpenApiResponse(LegacyError, description="A token was sent, and it is not valid."),
}
PLACE_PARAMETERS = [
    OpenApiParameter(
        "province", int, description="Where the scan happened (province code), if known."
    ),
    OpenApiParameter("lat", float, description="Latitude, if known (kept coarse)."),
    OpenApiParameter("lon", float, description="Longitude, if known (kept coarse)."),
]


class StampVerify(LegacyAPIView):
    """The resolver's verdict on a whole scanned URI (``https://…/01/…/10/…/21/…?s=…``):
    the same verdict, reasons and warnings as the stamp's own page; the scan is logged."""

    # Changes nobody's data: a signed-in inspector's app needs no CSRF token (as before).
    authentication_classes = [BearerTokenAuthentication, SessionWithoutCsrf]
    permission_classes = [AllowAny]
    throttle_scope = "verify"
    parser_classes = [JSONParser]  # the schema's; the body is read as JSON whatever its type

    def dispatch(self, request, *args, **kwargs):
        # Rendered in the reader's language, restored afterwards: traceability.handler calls
        # this view without the middleware (no LocaleMiddleware to reset it, nothing renders).
        language = translation.get_language_from_request(request, check_path=False)
        with translation.override(language):
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
        patch_vary_headers(response, ["Cookie"])  # the language cookie
        return response

    @extend_schema(
        operation_id="stamps_verify",
        parameters=[
            OpenApiParameter("uri", str, required=True, description="The scanned URI."),
            *PLACE_PARAMETERS,
        ],
        responses=VERIFY_RESPONSES,
    )
    def get(self, request):
        return self._verify(request, request.query_params.get("uri"))

    @extend_schema(
        operation_id="stamps_verify_post",
        parameters=PLACE_PARAMETERS,
        request=inline_serializer(
            "StampVerifyRequest", {"uri": serializers.CharField(help_text="The scanned URI.")}
        ),
        responses=VERIFY_RESPONSES,
    )
    def post(self, request):
        return self._verify(request, None)

    def _verify(self, request, text):
        if text is None:
            try:
                text = json.loads(request.body or b"{}").get("uri")
            except (ValueError, AttributeError):
                raise exceptions.ParseError(_('Send JSON like {"uri": "https://…"}.')) from None
        if not isinstance(text, str) or not text:
            raise exceptions.ValidationError(_("Give the stamp's URI in the uri parameter."))
        at = timezone.now()
        verdict = _verify_and_log(request, lambda: parse_stamp_uri(text), at)
        return Response(verdict_json(verdict, at=at), status=verdict.http_status)


api_verify = StampVerify.as_view()  # traceability.handler knows the view by this function


class InspectionCreated(serializers.Serializer):
    id = serializers.IntegerField()
    client_id = serializers.UUIDField()
    server_verdict = _enum(HTTP_STATUS, help_text="The server's verdict on the code.")
    created = serializers.BooleanField(help_text="False: sent before, stored once.")


class InspectionForm(serializers.Serializer):
    client_id = serializers.UUIDField(help_text="Made on the phone: resending is harmless.")
    code = serializers.CharField(max_length=400, help_text="The scanned code (a stamp URI).")
    result = _enum(Inspection.Result.values)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    inspected_at = serializers.DateTimeField(
        required=False, help_text="Without an offset: Vietnam's time. Now when left out."
    )
    offline_verdict = serializers.CharField(
        required=False, allow_blank=True, max_length=16, help_text="What the phone judged."
    )
    province = serializers.IntegerField(required=False, help_text="Where (province code).")
    photo = serializers.ImageField(required=False, help_text="JPEG, PNG or WebP.")


class Inspections(LegacyAPIView):
    """Record an inspection made by an inspector (or an operator) with the site's session,
    as the inspector's phone sends it (multipart, resending is harmless)."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    def permission_denied(self, request, message=None, code=None):
        if request.authenticators and not request.successful_authenticator:
            raise exceptions.NotAuthenticated(_("Sign in as an inspector to record inspections."))
        super().permission_denied(request, message, code)

    @extend_schema(
        operation_id="inspections_create",
        request={"multipart/form-data": InspectionForm},
        responses={
            201: OpenApiResponse(InspectionCreated, description="Recorded."),
            200: OpenApiResponse(InspectionCreated, description="Recorded before."),
            400: OpenApiResponse(LegacyError, description="A value is not valid."),
            401: OpenApiResponse(LegacyError, description="Not signed in."),
            403: OpenApiResponse(
                LegacyError, description="Not an inspector, or the CSRF token is missing."
            ),
        },
    )
    def post(self, request):
        # Who before what: a cooperative's token or a shopper learns nothing of the rules.
        if request_token(request) is not None or not may_inspect(request.user):
            raise exceptions.PermissionDenied(_("Only inspectors record inspections."))
        data = request.POST
        try:
            client_id = uuid.UUID(data.get("client_id", ""))
        except ValueError:
            raise exceptions.ValidationError(
                _("client_id must be a UUID made on the phone.")
            ) from None
        try:
            inspected_at = parse_datetime(data.get("inspected_at", "") or "")
        except ValueError:
            inspected_at = None
        if data.get("inspected_at") and inspected_at is None:
            raise exceptions.ValidationError(
                _("inspected_at must be a date and time like 2026-11-28T09:15+07:00.")
            )
        if inspected_at is not None and timezone.is_naive(inspected_at):
            inspected_at = timezone.make_aware(inspected_at)  # the phone's local time: Vietnam
        if any("\x00" in value for value in data.values()):
            raise exceptions.ValidationError(_("The inspection holds a NUL character."))
        try:
            inspection, created = inspection_record(
                user=request.user,
                client_id=client_id,
                code=data.get("code", ""),
                result=data.get("result", ""),
                note=data.get("note", ""),
                photo=request.FILES.get("photo"),
                inspected_at=inspected_at,
                offline_verdict=data.get("offline_verdict", ""),
                province=data.get("province"),
            )
        except PermissionDenied as exc:
            raise exceptions.PermissionDenied(
                str(exc) or _("Only inspectors record inspections.")
            ) from None
        except (TraceabilityError, ValidationError) as exc:
            message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            raise exceptions.ValidationError(message) from None
        return Response(
            {
                "id": inspection.pk,
                "client_id": str(inspection.client_id),
                "server_verdict": inspection.server_verdict,
                "created": created,
            },
            status=201 if created else 200,
        )


api_inspections = Inspections.as_view()

EPCIS_DOCUMENT = {
    "type": "object",
    "description": "An EPCIS 2.0 document in GS1's JSON-LD binding: the batch's events, "
    "the transformation from its inputs, its parcels' packing and shipping.",
    "required": ["@context", "type", "schemaVersion", "creationDate", "epcisBody"],
    "properties": {
        "@context": {"type": "array", "items": {}},
        "type": {"type": "string", "enum": ["EPCISDocument"]},
        "schemaVersion": {"type": "string"},
        "creationDate": {"type": "string", "format": "date-time"},
        "epcisBody": {
            "type": "object",
            "required": ["eventList"],
            "properties": {"eventList": {"type": "array", "items": {"type": "object"}}},
        },
    },
}


class BatchEpcis(LegacyAPIView):
    """A batch's events as an EPCIS 2.0 JSON-LD file (``application/ld+json``), for the
    batch's cooperative (its members, or its token with the ``traceability`` scope),
    inspectors and operators."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="batches_epcis",
        responses={
            (200, "application/ld+json"): OpenApiResponse(
                EPCIS_DOCUMENT, description="The file (an attachment)."
            ),
        },
        parameters=[
            OpenApiParameter(
                "Content-Disposition",
                str,
                OpenApiParameter.HEADER,
                response=[200],
                description='attachment; filename="epcis-{gtin}-{id}.jsonld"',
            )
        ],
    )
    def get(self, request, batch_id: int):
        token = request_token(request)
        if token is not None:
            scope = TraceabilityScope()
            if not scope.has_permission(request, self):
                raise exceptions.PermissionDenied(scope.message)
            batches = Batch.objects.filter(cooperative=token.cooperative)
        else:
            batches = batches_visible_to(request.user)
        # Plain bytes, not a rendered Response: JSON-LD, an attachment, and errors in JSON.
        return epcis_response(get_object_or_404(batches, pk=batch_id))


api_batch_epcis = BatchEpcis.as_view()


def epcis_response(batch: Batch) -> HttpResponse:
    from .epcis import batch_document

    body = json.dumps(batch_document(batch), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/ld+json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="epcis-{batch.gtin}-{batch.pk}.jsonld"'
    return response
