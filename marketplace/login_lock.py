"""The answer to a login that django-axes locked out (``AXES_LOCKOUT_CALLABLE``): the page in
the shopper's language, or JSON, with 429 and ``Retry-After``."""

import math

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def locked_out(request, credentials=None):
    from axes.helpers import get_cool_off, get_failure_limit

    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else 0
    limit = get_failure_limit(request, credentials)
    status = settings.AXES_HTTP_RESPONSE_CODE
    if "json" in request.headers.get("Accept", ""):
        response = JsonResponse(
            {"error": _("Too many failed logins: try again later.")}, status=status
        )
    else:
        context = {"failure_limit": limit, "cooloff_minutes": minutes}
        response = render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=status)
    if minutes:
        response["Retry-After"] = str(minutes * 60)
    return response
