"""A cooperative owner's screens: its members (invite by e-mail, withdraw an invitation,
remove a member) and its bank account; the province office's too (and it makes members owner
or staff). Staff have the owner's rights on products, stock, batches and orders, not these:
every rule here is in ``services`` (``manages_members``)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from . import services
from .models import Cooperative, Invitation, Membership, User
from .workspace import id_from, workspace_for


class InviteForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail of the person to invite"), max_length=254)


class BankForm(forms.ModelForm):
    class Meta:
        model = Cooperative
        fields = list(services.BANK_FIELDS)


def _managed(request) -> Cooperative:
    """The cooperative whose members this user manages: an owner's own (``?cooperative=`` picks
    one of several), any for the province office (named by ``?cooperative=``); staff and
    others are refused."""
    workspace = workspace_for(request)
    wanted = _int(request.GET.get("cooperative"))
    if workspace.is_operator:
        if not wanted:
            raise Http404("Choose a cooperative (Cooperatives → Members).")
        return get_object_or_404(Cooperative, pk=wanted)
    owned = workspace.owned_ids
    if not owned:
        raise PermissionDenied
    wanted = wanted or owned[0]
    if wanted not in owned:
        raise PermissionDenied
    return get_object_or_404(Cooperative, pk=wanted)


def _switch(request, url_name: str) -> list[dict]:
    """Links to the same screen of the other cooperatives an owner owns."""
    owned = workspace_for(request).owned_ids
    if len(owned) < 2:
        return []
    base = reverse(url_name)
    return [
        {"name": c.name, "url": f"{base}?cooperative={c.pk}"}
        for c in Cooperative.objects.filter(pk__in=owned).order_by("name")
    ]


def members_url(cooperative) -> str:
    return f"{reverse('ocop_members')}?cooperative={cooperative.pk}"


@require_http_methods(["GET", "POST"])
def members(request):
    cooperative = _managed(request)
    invite_form = InviteForm(request.POST if request.POST.get("action") == "invite" else None)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "invite":
                if invite_form.is_valid():
                    invitation = services.invitation_create(
                        cooperative=cooperative,
                        email=invite_form.cleaned_data["email"],
                        actor=request.user,
                    )
                    messages.success(
                        request,
                        _("Invitation sent to %(email)s.") % {"email": invitation.email},
                    )
                    return redirect(members_url(cooperative))
                status = 400
            elif action == "remove":
                user = get_object_or_404(User, pk=_int(request.POST.get("user")))
                services.membership_remove(cooperative=cooperative, user=user, actor=request.user)
                messages.success(request, _("%(name)s was removed.") % {"name": user})
                return redirect(members_url(cooperative))
            elif action in ("make_owner", "make_staff"):
                user = get_object_or_404(User, pk=_int(request.POST.get("user")))
                role = Membership.Role.OWNER if action == "make_owner" else Membership.Role.STAFF
                services.membership_set_role(
                    cooperative=cooperative, user=user, role=role, actor=request.user
                )
                messages.success(request, _("Role changed."))
                return redirect(members_url(cooperative))
            elif action == "revoke":
                invitation = get_object_or_404(
                    Invitation, pk=_int(request.POST.get("invitation")), cooperative=cooperative
                )
                services.invitation_revoke(invitation=invitation, actor=request.user)
                messages.success(request, _("Invitation withdrawn."))
                return redirect(members_url(cooperative))
            else:
                raise PermissionDenied
        except services.MembershipError as exc:
            messages.error(request, str(exc))
            status = 400
    context = {
        "cooperative": cooperative,
        "members": cooperative.memberships.select_related("user").order_by(
            "role", "user__username"
        ),
        "invitations": cooperative.invitations.filter(
            accepted_at__isnull=True, revoked_at__isnull=True
        ).select_related("invited_by"),
        "invite_form": invite_form,
        "header_title": _("Members of %(name)s") % {"name": cooperative.name},
        "owner_role": Membership.Role.OWNER,
        "is_operator": workspace_for(request).is_operator,
        "switch": _switch(request, "ocop_members"),
    }
    return TemplateResponse(request, "marketplace/admin/members.html", context, status=status)


@require_http_methods(["GET", "POST"])
def bank_account(request):
    cooperative = _managed(request)
    form = BankForm(request.POST or None, instance=Cooperative.objects.get(pk=cooperative.pk))
    if request.method == "POST" and form.is_valid():
        services.cooperative_bank_update(
            cooperative=cooperative, actor=request.user, **form.cleaned_data
        )
        messages.success(request, _("Bank account saved."))
        return redirect(f"{reverse('ocop_bank_account')}?cooperative={cooperative.pk}")
    return TemplateResponse(
        request,
        "marketplace/admin/bank_account.html",
        {
            "cooperative": cooperative,
            "form": form,
            "header_title": _("Bank account of %(name)s") % {"name": cooperative.name},
            "switch": _switch(request, "ocop_bank_account"),
        },
        status=400 if request.method == "POST" else 200,
    )


def _int(value) -> int:
    return id_from(value) or 0
