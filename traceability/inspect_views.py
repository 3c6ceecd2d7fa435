"""The inspector's phone page ``/inspect/`` and its service worker ``/inspect/sw.js``.

The page checks stamps offline: it verifies the Ed25519 signature in the browser against the
published keys (``/.well-known/ocop-trace-keys.json``), asks the resolver for recalls and
scans when online, and queues inspections in IndexedDB until they can be sent to
``POST /api/v1/inspections/``.

The HTML holds nothing about the user (the CSRF token is read from its cookie, the sign-in
state from the API's answers), so the service worker can keep one copy per language.
"""

import hashlib
import json
import os

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.shortcuts import render, resolve_url
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_safe

from marketplace import csp
from marketplace.locations import province_choices

# Static files the page needs offline; the service worker caches them when it installs.
OFFLINE_ASSETS = (
    "css/site.css",
    "traceability/trace.css",
    "traceability/inspect.css",
    "traceability/inspect.js",
    "traceability/qr-camera.js",
    "vendor/jsqr/jsQR.js",
    "vendor/noble-ed25519/index.js",
    "img/favicon.svg",
    "img/logo.svg",
)
# Bump to make every phone drop its caches even when no asset changed.
CACHE_GENERATION = "1"
LANGUAGE_PARAM = "lang"


def _page_language(request) -> tuple[str, bool]:
    """``?lang=`` first (the page's switch), then the language cookie, then Accept-Language.

    The page lives outside ``i18n_patterns`` (its URL must not change with the language, the
    service worker's scope depends on it), so LocaleMiddleware would always pick Vietnamese.
    """
    wanted = request.GET.get(LANGUAGE_PARAM, "")
    if wanted in dict(settings.LANGUAGES):
        return wanted, True
    return translation.get_language_from_request(request, check_path=False), False


def _messages() -> dict[str, str]:
    """The strings inspect.js shows, in the active language."""
    return {
        "verdict_genuine": _("GENUINE"),
        "verdict_forged": _("FORGED"),
        "verdict_invalid": _("INVALID CODE"),
        "verdict_recalled": _("RECALLED"),
        "verdict_suspicious": _("SUSPICIOUS"),
        "verdict_voided": _("VOIDED STAMP"),
        "verdict_unknown": _("NOT CHECKED"),
        "reason_not_link": _("This is not a web link (GS1 Digital Link)."),
        "reason_not_dl": _("Not a GS1 Digital Link with a GTIN, a lot and a serial."),
        "reason_needs_ais": _("A stamp link names a GTIN (01), a lot (10) and a serial (21)."),
        "reason_bad_gtin": _("Invalid GTIN: the check digit is wrong."),
        "reason_no_signature": _("The code has no signature: it was not issued here."),
        "reason_bad_signature": _(
            "The signature does not match this code: the stamp is forged or altered."
        ),
        "reason_unknown_key": _(
            "Signed with a key OCOP Market never published (%(kid)s): treat it as forged. "
            "If OCOP Market changed its key recently, open this page online once to update."
        ),
        "reason_genuine": _("Valid OCOP Market signature (key %(kid)s), checked on this phone."),
        "reason_no_keys": _(
            "The signing keys are not on this phone yet: open this page once while online."
        ),
        "phone_check": _("Signature checked on this phone: %(verdict)s"),
        "server_checking": _("Asking the server about recalls and scans…"),
        "server_offline": _(
            "Offline: only the signature was checked. Recalls, voided stamps and scan "
            "history are checked when the phone is online."
        ),
        "server_error": _("The server did not answer: only the signature was checked."),
        "scans_count": _("Scans: %(n)s (this one included); the first on %(first)s."),
        "scans_place": _("First scan in %(place)s."),
        "online": _("Online"),
        "offline": _("Offline"),
        "saved": _("Inspection saved on this phone."),
        "sent": _("Inspections sent to the server: %(n)s."),
        "refused": _(
            "The server refused the inspection of %(code)s: %(error)s It was removed from "
            "the queue."
        ),
        "need_code": _("Check a stamp first."),
        "need_result": _("Choose the result of the inspection."),
        "camera_error": _("The camera cannot be used (%(error)s). Type or paste the code."),
        "camera_looking": _("Point the camera at the stamp's QR code."),
    }


@require_safe
@ensure_csrf_cookie
def inspect_page(request):
    """``/inspect/``: the inspector's offline stamp checker (the same HTML for everyone)."""
    language, explicit = _page_language(request)
    login = resolve_url(settings.LOGIN_URL)  # a URL name: wherever WAGTAIL_ADMIN_PATH put it
    with translation.override(language):
        config = {
            "language": language,
            "swUrl": reverse("traceability:inspect_sw"),
            "scope": reverse("traceability:inspect"),
            "keysUrl": reverse("traceability:public_keys"),
            "verifyApiUrl": reverse("traceability:api_verify"),
            "inspectionsUrl": reverse("traceability:api_inspections"),
            "loginUrl": f"{login}?next={reverse('traceability:inspect')}",
            "csrfCookieName": settings.CSRF_COOKIE_NAME,
            "nobleUrl": static("vendor/noble-ed25519/index.js"),
            "cameraUrl": static("traceability/qr-camera.js"),
            "jsqrUrl": static("vendor/jsqr/jsQR.js"),
            "messages": _messages(),
        }
        response = render(
            request,
            "traceability/inspect.html",
            {
                "config": config,
                "provinces": province_choices(),
                "page_language": language,
                "other_language": "en" if language == "vi" else "vi",
                "login_url": config["loginUrl"],
            },
        )
    response["Content-Language"] = language
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    # The service worker keeps its own copy; browsers revalidate theirs.
    patch_cache_control(response, no_cache=True)
    csp.allow(response, {"img-src": ["blob:"]})  # the preview of the photo being attached
    if explicit:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE or 365 * 24 * 3600,
            path=settings.LANGUAGE_COOKIE_PATH,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
            secure=settings.LANGUAGE_COOKIE_SECURE,
        )
    return response


def _asset_fingerprint(name: str) -> bytes:
    """The file's content hash (dev and tests serve unhashed names: the URL alone won't do)."""
    path = finders.find(name)
    if not path:
        return b"missing"
    stat = os.stat(path)
    key = (path, stat.st_mtime_ns, stat.st_size)
    cached = _fingerprints.get(name)
    if cached and cached[0] == key:
        return cached[1]
    with open(path, "rb") as handle:
        digest = hashlib.sha256(handle.read()).digest()
    _fingerprints[name] = (key, digest)
    return digest


_fingerprints: dict[str, tuple[tuple, bytes]] = {}


def cache_version(asset_urls: list[str]) -> str:
    """Changes whenever an offline asset's URL or content changes, so phones update."""
    digest = hashlib.sha256(CACHE_GENERATION.encode())
    for name, url in zip(OFFLINE_ASSETS, asset_urls, strict=True):
        digest.update(url.encode())
        digest.update(_asset_fingerprint(name))
    return f"v{CACHE_GENERATION}-{digest.hexdigest()[:16]}"


@require_safe
def service_worker(request):
    """``/inspect/sw.js``: caches the page, its assets and the public keys for offline use."""
    assets = [static(name) for name in OFFLINE_ASSETS]
    version = cache_version(assets)
    config = {
        "version": version,
        "page": reverse("traceability:inspect"),
        "keys": reverse("traceability:public_keys"),
        "assets": assets,
        "languageParam": LANGUAGE_PARAM,
    }
    body = render_to_string(
        "traceability/inspect-sw.js",
        {"version": version, "config_json": json.dumps(config, indent=2)},
    )
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("traceability:inspect")
    patch_cache_control(response, no_cache=True, max_age=0)
    return response
