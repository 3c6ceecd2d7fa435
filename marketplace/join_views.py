"""Joining the market from the storefront: a cooperative registers (operators decide in the
admin), and an invited staff member accepts an owner's invitation."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import services
from .forms import JoinForm, RegistrationForm
from .middleware import forms_check_control_characters
from .models import User
from .throttle import over_limit


@forms_check_control_characters
@never_cache
@require_http_methods(["GET", "POST"])
def register(request):
    form = RegistrationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and "choose_province" in request.POST:
        # Without JavaScript: the province was chosen, show its communes (nothing checked yet).
        initial = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
        form = RegistrationForm(initial=initial)
        return render(request, "marketplace/register.html", {"form": form})
    if request.method == "POST" and over_limit(
        request, "registration", settings.REGISTRATION_RATE_LIMIT
    ):
        form.is_valid()
        form.add_error(
            None, _("Too many registrations from your connection: try again in an hour.")
        )
        return render(request, "marketplace/register.html", {"form": form}, status=429)
    if request.method == "POST":
        if form.is_valid():
            application = form.save(commit=False)
            application.language = get_language() or "vi"
            try:
                services.application_submit(application=application)
            except services.DuplicateApplication:
                form.add_error(
                    "registration_number",
                    _("A registration with this number is already waiting for approval."),
                )
            else:
                return redirect("cooperative_registered")
        return render(request, "marketplace/register.html", {"form": form}, status=400)
    return render(request, "marketplace/register.html", {"form": form})


@never_cache
def registered(request):
    return render(request, "marketplace/registered.html")


@never_cache
@require_http_methods(["GET", "POST"])
def join(request, token: str):
    try:
        invitation = services.invitation_from_token(token)
    except services.InvalidInvitation:
        problem = _("This invitation link is not valid. Check that it was copied whole.")
        return render(request, "marketplace/join.html", {"problem": problem}, status=404)
    problem = services.invitation_problem(invitation)
    if problem:
        return render(request, "marketplace/join.html", {"problem": problem}, status=410)
    context = {"invitation": invitation}
    user = request.user
    if user.is_authenticated:
        if (user.email or "").strip().lower() != invitation.email.lower():
            problem = _(
                "This invitation is for %(email)s, and you are signed in as %(user)s. Sign "
                "out, then open the link again."
            ) % {"email": invitation.email, "user": user.get_username()}
            return render(request, "marketplace/join.html", {"problem": problem}, status=403)
        if request.method == "POST":
            return _accept(request, invitation, lambda: user)
        return render(request, "marketplace/join.html", context)
    existing = User.objects.filter(email__iexact=invitation.email).exists()
    form = JoinForm(request.POST or None, email=invitation.email)
    context.update(form=form, has_account=existing, login_url=_login_url(request))
    if request.method == "POST" and not existing:
        if not form.is_valid():
            return render(request, "marketplace/join.html", context, status=400)
        data = form.cleaned_data
        return _accept(
            request,
            invitation,
            lambda: User.objects.create_user(
                username=data["username"],
                email=invitation.email,
                password=data["password1"],
                first_name=data["first_name"],
            ),
        )
    return render(request, "marketplace/join.html", context)


def _accept(request, invitation, get_user):
    """The account (made now for a new member) and the membership, together or neither."""
    try:
        with transaction.atomic():
            user = get_user()
            services.invitation_accept(invitation=invitation, user=user)
    except services.MembershipError as exc:
        return render(request, "marketplace/join.html", {"problem": str(exc)}, status=409)
    except IntegrityError:  # the user name was taken between the form's check and now
        problem = _("This user name was just taken: go back and choose another.")
        return render(request, "marketplace/join.html", {"problem": problem}, status=409)
    if not request.user.is_authenticated:
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(
        request, _("Welcome to the team of %(coop)s.") % {"coop": invitation.cooperative.name}
    )
    return redirect(reverse("wagtailadmin_home"))


def _login_url(request) -> str:
    return f"{reverse('wagtailadmin_login')}?next={request.path}"
