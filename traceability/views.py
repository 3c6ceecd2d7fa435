"""Public traceability endpoints: the GS1 Digital Link resolver, the published keys, and the
inspector's API (verify, record inspections). Views validate, call a service, serialize."""

import functools
import json
import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_required
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
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from marketplace.locations import province_name

from . import scans
from .digital_link import (
    MalformedLink,
    parse_stamp_path,
    parse_stamp_uri,
    signature_from_query,
)
from .models import Batch
from .selectors import batches_visible_to
from .services import TraceabilityError, inspection_record
from .signing import public_key_set
from .verification import INVALID, Verdict, batch_payload, stamp_verify


def negotiated_language(view):
    """Stamp URLs never carry a language prefix, so LocaleMiddleware would always answer in
    Vietnamese: take the visitor's language cookie or Accept-Language instead (Vietnamese
    when neither names a language we have). A tourist's English phone reads English."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        language = translation.get_language_from_request(request, check_path=False)
        with translation.override(language):
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
        response["Content-Language"] = language
        patch_vary_headers(response, ["Accept-Language", "Cookie"])
        return response

    return wrapper


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

    In the reader's language (see ``negotiated_language``), never cached by shared caches.
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


def _json_error(message: str, status: int) -> JsonResponse:
    return JsonResponse(
        {"error": message}, status=status, json_dumps_params={"ensure_ascii": False}
    )


@csrf_exempt  # a read-only check for machines; it changes nobody's data
@require_http_methods(["GET", "POST"])
@negotiated_language
def api_verify(request):
    """``/api/v1/stamps/verify?uri=``: the resolver's verdict for a whole scanned URI."""
    text = request.GET.get("uri") if request.method == "GET" else None
    if text is None:
        try:
            text = json.loads(request.body or b"{}").get("uri")
        except (ValueError, AttributeError):
            return _json_error(_('Send JSON like {"uri": "https://…"}.'), 400)
    if not isinstance(text, str) or not text:
        return _json_error(_("Give the stamp's URI in the uri parameter."), 400)
    at = timezone.now()
    verdict = _verify_and_log(request, lambda: parse_stamp_uri(text), at)
    return JsonResponse(
        verdict_json(verdict, at=at),
        status=verdict.http_status,
        json_dumps_params={"ensure_ascii": False},
    )


@require_http_methods(["POST"])
def api_inspections(request):
    """``POST /api/v1/inspections/``: record an inspection (multipart; resending is harmless)."""
    if not request.user.is_authenticated:
        return _json_error(_("Sign in as an inspector to record inspections."), 401)
    data = request.POST
    try:
        client_id = uuid.UUID(data.get("client_id", ""))
    except ValueError:
        return _json_error(_("client_id must be a UUID made on the phone."), 400)
    try:
        inspected_at = parse_datetime(data.get("inspected_at", "") or "")
    except ValueError:
        inspected_at = None
    if data.get("inspected_at") and inspected_at is None:
        return _json_error(
            _("inspected_at must be a date and time like 2026-11-28T09:15+07:00."), 400
        )
    if inspected_at is not None and timezone.is_naive(inspected_at):
        inspected_at = timezone.make_aware(inspected_at)  # the phone's local time: Vietnam
    if any("\x00" in value for value in data.values()):
        return _json_error(_("The inspection holds a NUL character."), 400)
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
        return _json_error(str(exc) or _("Only inspectors record inspections."), 403)
    except (TraceabilityError, ValidationError) as exc:
        message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        return _json_error(message, 400)
    return JsonResponse(
        {
            "id": inspection.pk,
            "client_id": str(inspection.client_id),
            "server_verdict": inspection.server_verdict,
            "created": created,
        },
        status=201 if created else 200,
    )


@require_GET
@login_required
def api_batch_epcis(request, batch_id: int):
    """``/api/v1/batches/<id>/epcis``: the batch's events as an EPCIS 2.0 JSON-LD document."""
    batch = get_object_or_404(batches_visible_to(request.user), pk=batch_id)
    return epcis_response(batch)


def epcis_response(batch: Batch) -> HttpResponse:
    from .epcis import batch_document

    body = json.dumps(batch_document(batch), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/ld+json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="epcis-{batch.gtin}-{batch.pk}.jsonld"'
    return response
