"""The address a request came from, for login throttling and per-address limits.

Without a proxy it is the connection's (``REMOTE_ADDR``) and ``X-Forwarded-For`` is the
client's own text, not believed. Behind ``TRUSTED_PROXY_COUNT`` proxies each one appended the
address it saw (nginx: ``$proxy_add_x_forwarded_for``), so the client is the
``TRUSTED_PROXY_COUNT``-th entry from the right; anything left of it was written by the
client. (django-ipware's strict chain check refuses the one-entry header nginx sends for an
ordinary browser, which left every client without an address: hence these few lines.)
"""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    if not count:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-count]))
    except ValueError:
        return remote
