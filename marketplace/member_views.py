"""A cooperative owner's screens: its members (invite by e-mail, withdraw an invitation,
remove a member) and its bank account. Staff have the owner's rights on products, stock,
batches and orders, not these: every view here asks ``services.is_owner``."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
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


def _owned(request) -> Cooperative:
    """The cooperative the user owns (``?cooperative=`` picks one when they own several);
    staff, operators and others are refused."""
    owned = workspace_for(request).owned_ids
    if not owned:
        raise PermissionDenied
    wanted = _int(request.GET.get("cooperative")) or owned[0]
    if wanted not in owned:
        raise PermissionDenied
    return get_object_or_404(Cooperative, pk=wanted)


def members_url(cooperative) -> str:
    return f"{reverse('ocop_members')}?cooperative={cooperative.pk}"


@require_http_methods(["GET", "POST"])
def members(request):
    cooperative = _owned(request)
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
    }
    return TemplateResponse(request, "marketplace/admin/members.html", context, status=status)


@require_http_methods(["GET", "POST"])
def bank_account(request):
    cooperative = _owned(request)
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
        },
        status=400 if request.method == "POST" else 200,
    )


def _int(value) -> int:
    return id_from(value) or 0
