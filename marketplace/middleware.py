"""Request checks that every view would otherwise repeat."""

import re

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

# NUL and the other C0 control characters, but tab, line feed and carriage return (which
# text areas send): PostgreSQL refuses NUL in text (a 500 wherever a raw parameter reaches a
# query), and none of them is anything a person typed.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _holds_control_characters(data) -> bool:
    return any(
        CONTROL.search(key) or any(CONTROL.search(value) for value in data.getlist(key))
        for key in data
    )


def has_control_characters(request) -> bool:
    """A URL parameter, or a field of a posted form, holds a control character."""
    return _holds_control_characters(request.GET) or (
        request.method == "POST"
        and request.content_type in FORM_TYPES
        and _holds_control_characters(request.POST)
    )


def forms_check_control_characters(view):
    """Marks a view whose posted fields all go through a form that refuses control
    characters itself (``ControlCharacterChecks``): the person gets the message beside the
    field, with everything else they typed kept, instead of a bare 400."""
    view.forms_check_control_characters = True
    return view


class RejectControlCharacters:
    """A URL parameter or form field holding a control character (``%00``) is refused with a
    400 and a message, before any view or query sees it. Posted fields of views marked with
    ``forms_check_control_characters`` are left to their forms. JSON bodies are checked by
    the views that read them; uploaded files are not text and are not checked here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if _holds_control_characters(request.GET):
            return self.refuse(request)
        if getattr(view_func, "forms_check_control_characters", False):
            return None
        if has_control_characters(request):
            return self.refuse(request)
        return None

    @staticmethod
    def refuse(request):
        message = _(
            "The request holds a control character (such as a NUL byte) that no text can "
            "contain. Check the address or the form and try again."
        )
        if request.path.startswith("/api/") or "json" in request.headers.get("Accept", ""):
            # "error" for the first API clients; "detail" and "code" as every API error.
            return JsonResponse(
                {"error": message, "detail": message, "code": "invalid"}, status=400
            )
        response = render(request, "400.html", {"message": message}, status=400)
        response["Cache-Control"] = "no-store"
        return response
