"""E-mails from templates, in the recipient's language (Vietnamese or English), plain text.

``template`` names a pair: ``{template}_subject.txt`` and ``{template}.txt``. Sent by Celery
tasks queued through the outbox, never in a request.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation


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
