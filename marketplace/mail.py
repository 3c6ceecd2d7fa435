"""E-mails from templates, in the recipient's language (Vietnamese or English), plain text.

``template`` names a pair: ``{template}_subject.txt`` and ``{template}.txt``. Sent by Celery
tasks queued through the outbox, never in a request.
"""

import smtplib
import socket

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

# Options of the tasks that send e-mail: a mail server that cannot be reached, drops the
# connection or answers too slowly (EMAIL_TIMEOUT) is tried again, backing off from 30 s to
# 30 min with full jitter, 15 times (a few hours), instead of the e-mail being lost. A refusal
# (bad recipient, authentication, a 5xx reply) is not retried: it would fail the same way. The
# longest wait stays under the broker's visibility timeout (an hour), so a waiting retry is
# not handed to a second worker meanwhile.
TRANSIENT_MAIL_ERRORS = (
    ConnectionError,  # refused, reset
    TimeoutError,
    socket.gaierror,  # the server's name did not resolve
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
)
EMAIL_TASK_OPTIONS = {
    "autoretry_for": TRANSIENT_MAIL_ERRORS,
    "retry_backoff": 30,
    "retry_backoff_max": 1800,
    "retry_jitter": True,
    "max_retries": 15,
}


def send_templated(template: str, context: dict, to: list[str], language: str) -> None:
    to = sorted({address for address in to if address})
    if not to:
        return
    with translation.override(language):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}.txt", context)
    send_mail(" ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, to)


def absolute(path: str) -> str:
    """A link for an e-mail: the site's address (``WAGTAILADMIN_BASE_URL``) and ``path``."""
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path
