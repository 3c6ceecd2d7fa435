"""E-mails from templates, in the recipient's language (Vietnamese or English).

``template`` names ``{template}_subject.txt`` and ``{template}.txt`` (the plain-text part); the
HTML part is ``{template}.html`` when there is one, else the text set in the house layout
(``email/layout.html``: escaped, the site's own links made clickable). Sent by Celery tasks
queued through the outbox, never in a request.
"""

import re
import smtplib
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.defaultfilters import linebreaksbr
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe

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
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}.txt", context)
        html = render_html(template, context, subject=subject, text=body)
    message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, to)
    message.attach_alternative(html, "text/html")
    message.send()


def render_html(template: str, context: dict, *, subject: str, text: str) -> str:
    """The HTML part: the template's own, or its text in the layout (every value escaped)."""
    layout = {
        "subject": subject,
        "html_text": text_as_html(text),
        "language": translation.get_language(),
    }
    try:
        return render_to_string(f"{template}.html", {**context, **layout})
    except TemplateDoesNotExist:
        return render_to_string("email/layout.html", layout)


def text_as_html(text: str) -> str:
    """A plain-text e-mail as HTML: every character escaped, and only the site's own links
    (its address, the resolver's) made clickable: a shopper's note saying "evil.example"
    stays text in the cooperative's e-mail."""
    own = tuple(
        url.rstrip("/") + "/"
        for url in (settings.WAGTAILADMIN_BASE_URL, settings.TRACE_RESOLVER_BASE_URL)
    )

    def link(match) -> str:
        url = match.group(0)
        if not url.startswith(tuple(escape(prefix) for prefix in own)):
            return url
        return f'<a href="{url}" style="color:#1f5f3a">{url}</a>'

    # ``join`` drops render_to_string's "safe" mark: this text was plain text.
    escaped = escape("".join([text]))
    return mark_safe(linebreaksbr(OWN_LINK.sub(link, escaped), autoescape=False))


OWN_LINK = re.compile(r"https?://[^\s<>\"']+")


def absolute(path: str) -> str:
    """A URL on the site's own address (``SITE_URL``, Wagtail's ``WAGTAILADMIN_BASE_URL``) for
    ``path``, whichever host a request came on: e-mail links, canonical links, the sitemap. A
    URL that is already absolute (media in a bucket) stays as it is."""
    if urlsplit(path).netloc:
        return path
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path
