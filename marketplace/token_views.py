"""A cooperative owner's API tokens in the admin: the list (name, first characters, scopes,
who made it and when, expiry, last use, status), a form that makes one and shows it once,
and revoking one after a confirmation. The province office sees every cooperative's list
and revokes a token that leaked or is misused, saying why (the cooperative's owners see who
and why in their list); it makes none: a token acts as its cooperative, so only the
cooperative's owners make one. Staff, inspectors and everyone else get a 404. The rules are
in ``marketplace.api.tokens`` (``token_create``, ``token_revoke``, ``may_manage_tokens``,
``may_revoke_tokens``).

Shown once means: the raw token is in the body of the POST's response and nowhere else — not
in the session, not in a message, not in a URL, not in a cache (``no-store``). Reloading that
response sends the form again; its one-time form id is spent by then, so no second token is
made and the list opens instead.
"""

import datetime

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods

from .api.tokens import TokenError, token_create, token_revoke
from .forms import ControlCharacterChecks, OneTimeForms, TokenFormMixin
from .middleware import forms_check_control_characters
from .models import ApiToken, Cooperative, Membership
from .periods import market_tz
from .workspace import id_from, workspace_for

LIST = "ocop_api_tokens"
CREATE = "ocop_api_token_create"
REVOKE = "ocop_api_token_revoke"
PER_PAGE = 50
DEFAULT_LIFETIME = datetime.timedelta(days=90)
# One-time ids of the create forms this session has open (not tokens: ids of forms).
PENDING_FORMS = OneTimeForms("ocop_api_token_forms")


def owned_cooperative_ids(request) -> tuple[int, ...]:
    """Cooperatives whose tokens this user manages: the ones they own. The workspace knows a
    member's; an office account that also owns a cooperative is asked separately."""
    workspace = workspace_for(request)
    if not workspace.is_operator:
        return workspace.owned_ids
    cached = getattr(request, "_ocop_token_owned", None)
    if cached is None:
        cached = tuple(
            Membership.objects.filter(user=request.user, role=Membership.Role.OWNER)
            .order_by("cooperative_id")
            .values_list("cooperative_id", flat=True)
        )
        request._ocop_token_owned = cached
    return cached


def _owned_cooperative(request) -> Cooperative:
    """The owned cooperative the screen is about: ``?cooperative=`` picks one of several (the
    first by name otherwise). Not an owner, or another cooperative named: 404."""
    owned = owned_cooperative_ids(request)
    if not owned:
        raise Http404("Only a cooperative's owners manage its API tokens.")
    wanted = id_from(request.GET.get("cooperative"))
    cooperatives = Cooperative.objects.filter(pk__in=owned).order_by("name", "pk")
    if wanted is None:
        cooperative = cooperatives.first()
        if cooperative is None:
            raise Http404("No such cooperative.")
        return cooperative
    return get_object_or_404(cooperatives, pk=wanted)


def list_url(cooperative: Cooperative | None = None) -> str:
    base = reverse(LIST)
    return f"{base}?cooperative={cooperative.pk}" if cooperative else base


def _switch(request, cooperative: Cooperative) -> list[dict]:
    """Tabs to the other cooperatives the user owns (``marketplace/admin/_switch.html``)."""
    owned = owned_cooperative_ids(request)
    if len(owned) < 2:
        return []
    return [
        {"name": c.name, "url": list_url(c)}
        for c in Cooperative.objects.filter(pk__in=owned).order_by("name", "pk")
    ]


# --- the form --------------------------------------------------------------------------


class TokenForm(TokenFormMixin, ControlCharacterChecks, forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text=gettext_lazy("What will use it, e.g. “Packing app, warehouse 2”."),
    )
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("Scopes"),
        choices=ApiToken.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Give it only what the app needs."),
        error_messages={"required": gettext_lazy("Choose at least one scope.")},
    )
    expires_on = forms.DateField(
        label=gettext_lazy("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy(
            "The token works until the end of this day, Vietnam time (UTC+7). Leave it empty "
            "for a token that never expires."
        ),
    )


class RevokeForm(ControlCharacterChecks, forms.Form):
    """Why a token is revoked: the office must say, an owner may (``token_revoke`` checks
    the same; this form puts the message beside the field)."""

    reason = forms.ChoiceField(
        label=gettext_lazy("Reason"),
        choices=[("", "—"), *ApiToken.RevokeReason.choices],
        required=False,
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=ApiToken._meta.get_field("revoked_note").max_length,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "What happened, e.g. where the token was seen. The cooperative's owners read it."
        ),
    )

    def __init__(self, *args, reason_required: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = reason_required
        self.fields["reason"].error_messages["required"] = _("Say why the token is revoked.")
        if reason_required:  # the blank choice stays: nothing is chosen for the office
            self.fields["reason"].widget.attrs["required"] = True

    def clean_note(self) -> str:
        return " ".join(self.cleaned_data["note"].split())

    def clean(self):
        data = super().clean()
        if data.get("reason") == ApiToken.RevokeReason.OTHER and not data.get("note"):
            self.add_error("note", _("Say in the note why the token is revoked."))
        return data


# --- the screens -----------------------------------------------------------------------


def _status(token: ApiToken, now: datetime.datetime) -> tuple[str, str]:
    if token.revoked_at is not None:
        return "revoked", _("Revoked")
    if token.expires_at is not None and token.expires_at <= now:
        return "expired", _("Expired")
    return "active", _("Active")


def _rows(tokens, now: datetime.datetime) -> list[dict]:
    labels = dict(ApiToken.Scope.choices)
    rows = []
    for token in tokens:
        status, status_label = _status(token, now)
        rows.append(
            {
                "token": token,
                "status": status,
                "status_label": status_label,
                "scopes": [labels.get(scope, scope) for scope in token.scopes],
            }
        )
    return rows


def _page(request, queryset):
    paginator = Paginator(queryset, PER_PAGE)
    page = paginator.get_page(id_from(request.GET.get("p")) or 1)
    return page, list(paginator.get_elided_page_range(page.number))


@require_GET
def token_list(request):
    """An owner's list (one cooperative at a time, tabs to the others); the office's list of
    every cooperative's tokens (``?cooperative=`` narrows it), with a Revoke button only."""
    tokens = ApiToken.objects.filter(cooperative__isnull=False).select_related(
        "cooperative", "created_by", "revoked_by"
    )
    if owned_cooperative_ids(request):
        cooperative = _owned_cooperative(request)
        tokens = tokens.filter(cooperative=cooperative)
        manages = True
        title = _("API tokens of %(name)s") % {"name": cooperative.name}
    elif workspace_for(request).is_operator:
        wanted = id_from(request.GET.get("cooperative"))
        cooperative = get_object_or_404(Cooperative, pk=wanted) if wanted else None
        if cooperative is not None:
            tokens = tokens.filter(cooperative=cooperative)
            title = _("API tokens of %(name)s") % {"name": cooperative.name}
        else:
            title = _("API tokens of every cooperative")
        manages = False
    else:
        raise Http404("Only a cooperative's owners manage its API tokens.")
    page, page_range = _page(request, tokens)
    context = {
        "header_title": title,
        "cooperative": cooperative,
        "manages": manages,
        "rows": _rows(page.object_list, timezone.now()),
        "page": page,
        "elided_page_range": page_range,
        "create_url": f"{reverse(CREATE)}?cooperative={cooperative.pk}" if manages else "",
        "switch": _switch(request, cooperative) if manages else [],
        "refused": manages and cooperative.status != Cooperative.Status.APPROVED,
        "docs_url": reverse("api:docs"),
    }
    return TemplateResponse(request, "marketplace/admin/api_tokens.html", context)


@forms_check_control_characters  # the form says which field held a NUL, keeping the rest
@require_http_methods(["GET", "POST"])
@sensitive_variables("raw")
def token_create_view(request):
    cooperative = _owned_cooperative(request)
    today = timezone.localdate(timezone=market_tz())
    status = 200
    if request.method == "POST":
        form = TokenForm(request.POST, today=today)
        form_id = request.POST.get("form_id", "")
        if not PENDING_FORMS.is_open(request, form_id):
            messages.warning(
                request,
                _(
                    "This form was already sent, or is too old: no new token was made. A "
                    "token is shown only once; if you did not copy it, revoke it and make "
                    "another."
                ),
            )
            return redirect(list_url(cooperative))
        if form.is_valid():
            try:
                token, raw = token_create(
                    cooperative=cooperative,
                    user=request.user,
                    name=form.cleaned_data["name"],
                    scopes=form.cleaned_data["scopes"],
                    expires_at=form.expires_at,
                )
            except TokenError as exc:
                form.add_error(None, str(exc))
            else:
                PENDING_FORMS.spend(request, form_id)
                return _shown_once(request, cooperative, token, raw)
        status = 400
    else:
        form = TokenForm(today=today, initial={"expires_on": today + DEFAULT_LIFETIME})
        form_id = PENDING_FORMS.open(request)
    return TemplateResponse(
        request,
        "marketplace/admin/api_token_create.html",
        {
            "header_title": _("New API token for %(name)s") % {"name": cooperative.name},
            "cooperative": cooperative,
            "form": form,
            "form_id": form_id,
            "list_url": list_url(cooperative),
        },
        status=status,
    )


@sensitive_variables("raw")
def _shown_once(request, cooperative: Cooperative, token: ApiToken, raw: str):
    """The one page that holds the raw token: rendered for this POST, stored by nobody."""
    labels = dict(ApiToken.Scope.choices)
    # Rendered now (not a TemplateResponse): no context holding the token rides on the
    # response through the middleware.
    response = render(
        request,
        "marketplace/admin/api_token_created.html",
        {
            "header_title": _("API token created"),
            "cooperative": cooperative,
            "token": token,
            "raw": raw,
            "scopes": [labels.get(scope, scope) for scope in token.scopes],
            "list_url": list_url(cooperative),
            "docs_url": reverse("api:docs"),
        },
    )
    add_never_cache_headers(response)  # no-store: Back and history show no copy of it
    return response


@forms_check_control_characters  # the form says the note held a NUL, keeping the reason
@require_http_methods(["GET", "POST"])
def token_revoke_view(request, pk: int):
    """A confirmation page with the reason (the office must give one); its POST revokes the
    token (the API refuses it from then on). Owners revoke their cooperatives' tokens, the
    office any cooperative's."""
    owned = owned_cooperative_ids(request)
    office = workspace_for(request).is_operator
    if not owned and not office:
        raise Http404("Only a cooperative's owners or the office revoke its API tokens.")
    tokens = ApiToken.objects.filter(cooperative__isnull=False).select_related(
        "cooperative", "created_by", "revoked_by"
    )
    if not office:
        tokens = tokens.filter(cooperative_id__in=owned)
    token = get_object_or_404(tokens, pk=pk)
    as_owner = token.cooperative_id in owned
    status = 200
    if request.method == "POST":
        if token.revoked_at is not None:
            messages.info(request, _("“%(name)s” was already revoked.") % {"name": token.name})
            return redirect(list_url(token.cooperative))
        form = RevokeForm(request.POST, reason_required=not as_owner)
        if form.is_valid():
            try:
                token_revoke(
                    token=token,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                )
            except TokenError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("“%(name)s” is revoked: requests with it are refused from now on.")
                    % {"name": token.name},
                )
                return redirect(list_url(token.cooperative))
        status = 400
    else:
        form = RevokeForm(reason_required=not as_owner)
    token_status, status_label = _status(token, timezone.now())
    return TemplateResponse(
        request,
        "marketplace/admin/api_token_revoke.html",
        {
            "header_title": _("Revoke an API token"),
            "token": token,
            "cooperative": token.cooperative,
            "status": token_status,
            "status_label": status_label,
            "form": form,
            "as_office": not as_owner,
            "list_url": list_url(token.cooperative),
        },
        status=status,
    )
