"""Operators decide on cooperatives' registrations: the list, one registration with its
document, approve (``cms.services.cooperative_approve``) or reject with a reason."""

import mimetypes

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from marketplace.models import CooperativeApplication
from marketplace.services import MembershipError, application_reject
from marketplace.workspace import workspace_for

from .services import cooperative_approve


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (the applicant reads it)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _operators_only(request) -> None:
    if not workspace_for(request).is_operator:
        raise PermissionDenied


@require_GET
def registrations(request):
    _operators_only(request)
    status = request.GET.get("status", CooperativeApplication.Status.PENDING)
    if status not in CooperativeApplication.Status.values:
        status = CooperativeApplication.Status.PENDING
    rows = CooperativeApplication.objects.filter(status=status).select_related("decided_by")
    order = "created_at" if status == CooperativeApplication.Status.PENDING else "-decided_at"
    return TemplateResponse(
        request,
        "cms/admin/registrations.html",
        {
            "applications": rows.order_by(order)[:200],
            "status": status,
            "statuses": CooperativeApplication.Status.choices,
            "header_title": _("Cooperative registrations"),
        },
    )


@require_http_methods(["GET", "POST"])
def registration_review(request, pk: int):
    _operators_only(request)
    application = get_object_or_404(CooperativeApplication, pk=pk)
    reject_form = RejectForm(request.POST if request.POST.get("action") == "reject" else None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "approve":
                cooperative = cooperative_approve(application=application, actor=request.user)
                messages.success(
                    request,
                    _("%(name)s is approved: its page, workspace and owner account are ready.")
                    % {"name": cooperative.name},
                )
                return redirect(reverse("ocop_registrations"))
            if request.POST.get("action") == "reject":
                if reject_form.is_valid():
                    application_reject(
                        application=application,
                        actor=request.user,
                        reason=reject_form.cleaned_data["reason"],
                    )
                    messages.success(request, _("Rejected; the applicant is told why."))
                    return redirect(reverse("ocop_registrations"))
            else:
                raise PermissionDenied
        except MembershipError as exc:
            messages.error(request, str(exc))
    return TemplateResponse(
        request,
        "cms/admin/registration_review.html",
        {
            "application": application,
            "reject_form": reject_form,
            "header_title": application.name,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_GET
def registration_document(request, pk: int):
    _operators_only(request)
    application = get_object_or_404(CooperativeApplication, pk=pk)
    if not application.document:
        raise Http404
    name = application.document.name
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(
        application.document.open("rb"),
        as_attachment=True,
        filename=f"{application.registration_number}{name[name.rfind('.') :]}",
        content_type=content_type,
    )
