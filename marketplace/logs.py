"""Logging: a request id on every line (and on the Celery tasks a request queues), secrets
and personal data masked before anything is written, one line per outage of the cache, JSON
lines in production (``LOG_FORMAT=json``)."""

import contextvars
import logging
import re
import threading
import time
import uuid

from django.conf import settings

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def new_request_id(offered: str | None = None) -> str:
    """The id a proxy or load balancer sent (``X-Request-ID``) when it looks like one, else a
    new one."""
    if offered and REQUEST_ID.match(offered):
        return offered
    return uuid.uuid4().hex


class RequestIds:
    """WSGI application in front of everything (cached pages and stamp scans included): each
    request gets its id (the offered ``X-Request-ID`` or a new one), every log line of it says
    it, and the answer carries it back."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        request_id = new_request_id(environ.get("HTTP_X_REQUEST_ID"))
        environ["HTTP_X_REQUEST_ID"] = request_id
        request_id_var.set(request_id)

        def start(status, headers, exc_info=None):
            headers = [h for h in headers if h[0].lower() != "x-request-id"]
            headers.append(("X-Request-ID", request_id))
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to each record: the request's, the task's, or ``-``."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        return True


# --- masking ------------------------------------------------------------------------------

# Vietnamese phone numbers as people write them: 0912345678, 0912.345.678, +84 912 345 678.
PHONE = re.compile(r"(?<![\w+])(?:\+84|84|0)(?:[ .-]?\d){8,10}(?!\d)")
EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")
# Tracking links' ``t``, signed invitation tokens, session and CSRF cookies, API tokens.
TOKEN = re.compile(
    r"((?:[?&;]|\b)(?:t|token|sessionid|csrftoken|api_key|key|secret|password)=)[^&\s;\"']+",
    re.IGNORECASE,
)
JOIN_LINK = re.compile(r"(/cooperatives/join/)[^/\s\"']+")
BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)


def _secret_values() -> list[str]:
    """The configured secrets, and the lines of the signing key's PEM body."""
    import os

    values = [
        getattr(settings, name, "") or ""
        for name in (
            "SECRET_KEY",
            "STRIPE_SECRET_KEY",
            "STRIPE_WEBHOOK_SECRET",
            "VIETQR_WEBHOOK_SECRET",
            "EMAIL_HOST_PASSWORD",
        )
    ]
    values.append(os.environ.get("AWS_SECRET_ACCESS_KEY", ""))
    pem = getattr(settings, "TRACE_SIGNING_KEY_PEM", "") or ""
    values += [line for line in pem.splitlines() if line and not line.startswith("-----")]
    return sorted({v for v in values if len(v) >= 8}, key=len, reverse=True)


def mask(text: str) -> str:
    """``text`` without secrets, phone numbers, e-mail addresses and tokens."""
    for secret in _secret_values():
        text = text.replace(secret, "[secret]")
    text = BEARER.sub(r"\1[token]", text)
    text = TOKEN.sub(r"\1[token]", text)
    text = JOIN_LINK.sub(r"\1[token]", text)
    text = EMAIL.sub(r"\1***\2", text)
    return PHONE.sub(lambda m: m.group(0)[:4] + "***" + m.group(0)[-2:], text)


class MaskFilter(logging.Filter):
    """Masks each record's message and traceback before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what is there
            message = str(record.msg)
        record.msg, record.args = mask(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            # Formatters write exc_text when there is no exc_info: only the masked text.
            record.exc_text = mask(record.exc_text)
            record.exc_info = None
        return True


# --- Celery: the request id goes with the tasks a request queues --------------------------


def add_request_id_header(headers=None, **kwargs) -> None:
    """``before_task_publish``: the publishing request's id travels in the task's headers."""
    request_id = request_id_var.get()
    if headers is not None and request_id:
        headers.setdefault("request_id", request_id)


def take_request_id(task=None, **kwargs) -> None:
    """``task_prerun``: the task's log lines carry the id of the request that queued it."""
    request_id = getattr(getattr(task, "request", None), "request_id", None) or ""
    request_id_var.set(request_id if REQUEST_ID.match(request_id or "") else "")


class OncePerOutage(logging.Filter):
    """A burst of the same failure as one line per outage.

    django-redis logs every cache error it ignores (``IGNORE_EXCEPTIONS``: Redis down, pages
    still served) with its whole traceback, several per request: an outage would fill the
    disk. Through this filter the first error of a quiet spell is logged as one line without
    its traceback; the next ``seconds`` of them are counted, not logged, and the count goes
    into the next line.
    """

    def __init__(self, seconds: float = 60, what: str = "Redis cache unreachable"):
        super().__init__()
        self.seconds = float(seconds)
        self.what = what
        self._quiet_until = 0.0
        self._dropped = 0
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        now = time.monotonic()
        with self._lock:
            if now < self._quiet_until:
                self._dropped += 1
                return False
            self._quiet_until = now + self.seconds
            dropped, self._dropped = self._dropped, 0
        error = record.exc_info[1] if record.exc_info else None
        cause = f"{type(error).__name__}: {error}" if error else record.getMessage()
        record.msg = (
            "%s, going on without it: %s (%d more since the last line; the next %ds of them "
            "are not logged)"
        )
        record.args = (self.what, " ".join(cause.split())[:300], dropped, int(self.seconds))
        record.exc_info = None
        record.exc_text = None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True
