"""Operational endpoints."""

import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from . import csp

logger = logging.getLogger(__name__)


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"status": "ok", "vendor": connection.vendor}
    except Exception as exc:  # any driver error means "down"
        logger.warning("healthz: database check failed: %s", exc)
        return {"status": "error", "vendor": connection.vendor, "error": exc.__class__.__name__}


def _check_cache() -> dict:
    key = f"healthz:{uuid.uuid4().hex}"
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    try:
        cache.set(key, "1", 5)
        ok = cache.get(key) == "1"
        cache.delete(key)
        return {"status": "ok" if ok else "error", "backend": backend}
    except Exception as exc:
        logger.warning("healthz: cache check failed: %s", exc)
        return {"status": "error", "backend": backend, "error": exc.__class__.__name__}


def _check_queue() -> dict:
    from marketplace.celery import app

    if app.conf.task_always_eager:
        return {"status": "ok", "mode": "eager"}
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"status": "ok", "mode": "broker"}
    except Exception as exc:
        logger.warning("healthz: broker check failed: %s", exc)
        return {"status": "error", "mode": "broker", "error": exc.__class__.__name__}


def _check_workers() -> dict:
    """A worker answered a ping (which queues it consumes)."""
    from marketplace.celery import app

    if app.conf.task_always_eager:
        return {"status": "ok", "mode": "eager"}
    try:
        replies = app.control.inspect(timeout=1.0).active_queues() or {}
    except Exception as exc:
        logger.warning("healthz: worker check failed: %s", exc)
        return {"status": "error", "error": exc.__class__.__name__}
    queues = sorted({q["name"] for qs in replies.values() for q in qs})
    missing = sorted(set(settings.CELERY_QUEUES_ALL) - set(queues))
    status = "ok" if replies and not missing else "error"
    return {"status": status, "workers": len(replies), "queues": queues, "unserved": missing}


def _check_beat() -> dict:
    """Beat's last heartbeat, recorded by a worker (``marketplace.tasks.beat_heartbeat``)."""
    import time

    from marketplace.celery import app
    from marketplace.tasks import HEARTBEAT_KEY

    if app.conf.task_always_eager:
        return {"status": "ok", "mode": "eager"}
    try:
        last = cache.get(HEARTBEAT_KEY)
    except Exception as exc:
        return {"status": "error", "error": exc.__class__.__name__}
    if last is None:
        return {"status": "error", "last_tick": None}
    age = round(time.time() - float(last), 1)
    fresh = age <= 3 * settings.BEAT_HEARTBEAT_SECONDS
    return {"status": "ok" if fresh else "error", "seconds_since_tick": age}


def _check_search() -> dict:
    if not settings.ELASTICSEARCH_URL:
        return {"status": "ok", "backend": "database"}
    try:
        from elasticsearch import Elasticsearch

        from catalog.search_es import hosts

        client = Elasticsearch(hosts(), request_timeout=2)
        return {"status": "ok" if client.ping() else "error", "backend": "elasticsearch"}
    except Exception as exc:
        return {"status": "error", "backend": "elasticsearch", "error": exc.__class__.__name__}


def _check_scan_buffer() -> dict:
    """Stamp scans waiting to be written, dropped because the buffer was full, and (Redis
    unreachable) kept in this process or lost beyond what it keeps."""
    from traceability import scans

    scans.release_kept()  # Redis back: what waited here goes to the buffer now
    kept, lost = scans.kept_in_process()
    try:
        pending, dropped = scans.pending(), scans.dropped()
    except Exception as exc:
        return {
            "status": "error",
            "error": exc.__class__.__name__,
            "kept_in_process": kept,
            "lost_in_process": lost,
        }
    full = pending >= settings.TRACE_SCAN_BUFFER_MAX or dropped > 0 or kept or lost
    return {
        "status": "error" if full else "ok",
        "pending": pending,
        "dropped": dropped,
        "kept_in_process": kept,
        "lost_in_process": lost,
    }


@never_cache
@require_GET
def healthz(request):
    """JSON status of each part: database, cache, broker (``queue``), a worker that answered a
    ping and the queues it serves, beat's last tick, search, the scan buffer. ``degraded``
    when any is not ok; 503 when the database is down (nothing works without it)."""
    checks = {
        "database": _check_database(),
        "cache": _check_cache(),
        "queue": _check_queue(),
        "workers": _check_workers(),
        "beat": _check_beat(),
        "search": _check_search(),
        "scans": _check_scan_buffer(),
    }
    healthy = all(c["status"] == "ok" for c in checks.values())
    status = "ok" if healthy else "degraded"
    http_status = 200
    if checks["database"]["status"] != "ok":
        status, http_status = "down", 503
    return JsonResponse({"status": status, "checks": checks}, status=http_status)


# --- errors -------------------------------------------------------------------------------

RETRY_AFTER_SECONDS = 30


def _database_unreachable(error: BaseException | None) -> bool:
    """The database could not be reached (refused, dropped, timed out): not a bug of ours."""
    from django.db import InterfaceError, OperationalError

    while error is not None:
        if isinstance(error, (OperationalError, InterfaceError)):
            return True
        error = error.__cause__ or error.__context__
    return False


def bad_request(request, exception=None):
    """Django's 400 handler (a request Django refused before any view: a body above
    ``DATA_UPLOAD_MAX_MEMORY_SIZE``, too many fields, a bad host). The API answers its error
    body (413 for a body too large); pages answer the 400 page."""
    from django.core.exceptions import RequestDataTooBig
    from django.views import defaults

    if not request.path.startswith("/api/"):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        message = _("The body is too large.")
        response = JsonResponse({"detail": message, "code": "too_large"}, status=413)
    else:
        message = _("The request is not valid.")
        response = JsonResponse({"detail": message, "code": "bad_request"}, status=400)
    response["Cache-Control"] = "no-store"
    return response


def page_not_found(request, exception=None):
    """Django's 404 handler: an address under ``/api/`` that no endpoint matches (``/api/v1/
    batches/-1/epcis``) answers the API's error body, as the API's own 404s do; pages answer
    the 404 page."""
    from django.views import defaults

    if not request.path.startswith("/api/"):
        return defaults.page_not_found(request, exception)
    message = _("No such address in the API: /api/v1/ lists where to start.")
    return JsonResponse({"detail": message, "code": "not_found"}, status=404)


def csrf_failure(request, reason=""):
    """``CSRF_FAILURE_VIEW``: a form posted without its CSRF token. Under ``/api/`` (a POST to
    an address no endpoint matches, which Django checks before it finds none) the API's
    error body; pages answer Django's page."""
    from django.views.csrf import csrf_failure as page

    if not request.path.startswith("/api/"):
        return page(request, reason)
    message = _("CSRF check failed: send the csrftoken cookie's value in X-CSRFToken.")
    return JsonResponse({"detail": message, "code": "permission_denied"}, status=403)


def server_error(request):
    """Django's 500 handler: a database that cannot be reached is a 503 ("try again in a
    moment", with ``Retry-After``), as a load balancer and a shopper both understand it; any
    other error stays a 500. JSON for API and scan requests that ask for it."""
    import sys

    from django.http import HttpResponse
    from django.template import loader

    unavailable = _database_unreachable(sys.exc_info()[1])
    status = 503 if unavailable else 500
    wants_json = request.path.startswith("/api/") or "json" in request.headers.get("Accept", "")
    if wants_json:
        message = (
            "The service is briefly unavailable (its database cannot be reached): try again."
            if unavailable
            else "Server error."
        )
        code = "unavailable" if unavailable else "server_error"
        response = JsonResponse({"error": message, "detail": message, "code": code}, status=status)
    else:
        template = loader.get_template("503.html" if unavailable else "500.html")
        response = HttpResponse(template.render(), status=status)
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
@require_POST
def csp_report(request):
    """``POST /csp-report``: what a browser reports the Content-Security-Policy blocked (or
    would have, in report-only mode). One WARNING line per violation, 204; a body that is no
    such report gets 400 (413 above ``csp.REPORT_MAX_BYTES``) with a JSON message. Browsers
    send these without cookies or a CSRF token: nothing here is stored or trusted."""
    try:
        violations = csp.read_reports(request)
    except csp.BadReport as exc:
        return JsonResponse({"error": str(exc)}, status=exc.status)
    for violation in violations:
        logger.warning("CSP violation: %s", violation)
    return HttpResponse(status=204)
