"""Shopper accounts on the storefront: sign in, sign up, confirm the e-mail address, reset or
change the password, and delete the account. Django's auth views with the project's
templates; the rules (tokens, what deleting keeps) are in ``accounts.py``."""

from axes.utils import reset as axes_reset
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm, UserCreationForm
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST

from marketplace.api import tokens as api_tokens
from marketplace.forms import OneTimeForms, TokenFormMixin
from marketplace.models import User
from marketplace.outbox import enqueue
from marketplace.throttle import over_limit

from . import accounts
from . import cart as carts

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _language() -> str:
    return (get_language() or settings.LANGUAGE_CODE)[:2]


class LoginView(auth_views.LoginView):
    template_name = "orders/account/login.html"
    redirect_authenticated_user = True
    # Without ``next``: the account page, in the shopper's language (not Django's
    # /accounts/profile/, which does not exist here).
    next_page = reverse_lazy("orders:account")

    def form_valid(self, form):
        response = super().form_valid(form)
        carts.set_count_cookie(response, carts.get_cart(self.request))
        return response


class SignupForm(UserCreationForm):
    email = forms.EmailField(
        label=gettext_lazy("E-mail"),
        max_length=254,
        help_text=gettext_lazy("We send a link to confirm it, and your order updates."),
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _(
                    "An account already uses this e-mail address. Sign in, or reset its "
                    "password if you forgot it."
                ),
                code="duplicate_email",
            )
        return email


@never_cache
@require_http_methods(["GET", "POST"])
def signup(request):
    form = SignupForm(request.POST or None)
    if request.method == "POST" and over_limit(request, "signup", settings.SIGNUP_RATE_LIMIT):
        # Not checked at all: the page past the limit says nothing of the address typed.
        form = SignupForm(initial={k: request.POST.get(k, "")[:150] for k in ("username", "email")})
        limited = _("Too many new accounts from your connection: try again later.")
        context = {"form": form, "limited": limited}
        return render(request, "orders/account/signup.html", context, status=429)
    if request.method == "POST" and form.is_valid():
        user = form.save(commit=False)
        user.language = _language()
        user.save()
        accounts.ask_for_confirmation(user)
        login(request, user, backend=MODEL_BACKEND)
        messages.success(
            request,
            _("Welcome! We sent a link to %(email)s: open it to confirm your address.")
            % {"email": user.email},
        )
        response = redirect(_next(request) or reverse("orders:account"))
        carts.set_count_cookie(response, carts.get_cart(request))
        return response
    return render(request, "orders/account/signup.html", {"form": form})


def _next(request) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return ""


@never_cache
@login_required(login_url="orders:login")
def account(request):
    orders = request.user.orders.prefetch_related("suborders__cooperative")[:50]
    return render(request, "orders/account/orders.html", {"orders": orders})


@never_cache
@require_POST
@login_required(login_url="orders:login")
def resend_confirmation(request):
    user = request.user
    if user.email_confirmed_at is not None:
        messages.info(request, _("Your e-mail address is already confirmed."))
    elif over_limit(
        request,
        "confirm_resend",
        settings.CONFIRMATION_RESEND_RATE_LIMIT,
        key=lambda group, request: str(request.user.pk),
    ):
        messages.error(request, _("We have sent several links already: try again in an hour."))
    else:
        accounts.remember_language(user, _language())
        accounts.ask_for_confirmation(user)
        messages.success(request, _("We sent a new link to %(email)s.") % {"email": user.email})
    return redirect("orders:account")


@never_cache
@require_http_methods(["GET"])
def confirm_email(request, token):
    user = accounts.confirm_email(token)
    if user is None:
        return render(
            request,
            "orders/account/confirm_failed.html",
            {"days": settings.EMAIL_CONFIRMATION_DAYS},
            status=400,
        )
    messages.success(request, _("Thank you: %(email)s is confirmed.") % {"email": user.email})
    if request.user.is_authenticated and request.user.pk == user.pk:
        return redirect("orders:account")
    return redirect("orders:login")


# --- password reset and change ---------------------------------------------------------


class ShopperPasswordResetForm(PasswordResetForm):
    """Queues the e-mail (outbox → ``email`` queue) instead of sending it in the request, and
    says the same whether or not an account has the address (no way to probe for accounts)."""

    def save(self, request=None, **kwargs):
        email = self.cleaned_data["email"]
        language = _language()
        for user in self.get_users(email):
            accounts.remember_language(user, language)
            enqueue("orders.tasks.send_password_reset", user_id=user.pk)


@method_decorator(never_cache, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    form_class = ShopperPasswordResetForm
    template_name = "orders/account/password_reset.html"
    success_url = reverse_lazy("orders:password_reset_done")

    def post(self, request, *args, **kwargs):
        if over_limit(request, "password_reset", settings.PASSWORD_RESET_RATE_LIMIT):
            form = self.get_form()
            form.is_valid()
            form.add_error(None, _("Too many requests from your connection: try again later."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        # One address gets a few links an hour at most, whoever asks (no mail bombing).
        if over_limit(
            request,
            "password_reset_email",
            settings.PASSWORD_RESET_EMAIL_RATE_LIMIT,
            key=lambda group, request: request.POST.get("email", "").strip().lower()[:254],
        ):
            return redirect(self.success_url)
        return super().post(request, *args, **kwargs)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "orders/account/password_reset_done.html"


@method_decorator(never_cache, name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "orders/account/password_reset_confirm.html"
    post_reset_login = True
    post_reset_login_backend = MODEL_BACKEND
    success_url = reverse_lazy("orders:account")

    def form_valid(self, form):
        response = super().form_valid(form)
        # A new password lifts a lock its old one caused.
        axes_reset(username=form.user.get_username())
        accounts.mark_confirmed(form.user)  # the link reached this inbox: it is theirs
        messages.success(self.request, _("Your new password is set, and you are signed in."))
        _revoke_app_tokens(self.request, form.user)
        return response


@method_decorator(login_required(login_url="orders:login"), name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "orders/account/password_change.html"
    success_url = reverse_lazy("orders:account")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password is changed."))
        _revoke_app_tokens(self.request, form.user)
        return response


def _revoke_app_tokens(request, user) -> None:
    revoked = api_tokens.personal_tokens_revoke_all(user)
    if revoked:
        messages.info(
            request,
            ngettext(
                "Your app token was revoked with the old password: make a new one if an app "
                "of yours needs it.",
                "Your %(count)s app tokens were revoked with the old password: make new ones "
                "if apps of yours need them.",
                revoked,
            )
            % {"count": revoked},
        )


# --- deleting the account --------------------------------------------------------------


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Your password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."), code="wrong_password")
        return password


@never_cache
@require_http_methods(["GET", "POST"])
@login_required(login_url="orders:login")
def delete_account(request):
    blocker = accounts.deletion_blocker(request.user)
    form = DeleteAccountForm(request.user, request.POST or None)
    if request.method == "POST" and not blocker and form.is_valid():
        try:
            kept = accounts.delete_account(request.user)
        except accounts.AccountNotDeletable as exc:
            blocker = str(exc)
        else:
            logout(request)
            response = render(request, "orders/account/deleted.html", {"kept": kept})
            carts.set_count_cookie(response, None)
            return response
    status = 409 if blocker and request.method == "POST" else 200
    return render(
        request,
        "orders/account/delete.html",
        {"form": form, "blocker": blocker},
        status=status,
    )


# --- app tokens: the shopper's own keys to the REST API ------------------------------------

TOKEN_FORMS = OneTimeForms("app_token_forms", kept=5)  # the open "new token" forms


class AppTokenForm(TokenFormMixin, forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What uses it, e.g. “Phone app”."),
    )
    expires_on = forms.DateField(
        label=gettext_lazy("Works until (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("The end of that day, Vietnam time. Empty: until you revoke it."),
    )


@sensitive_variables("raw")
@never_cache
@require_http_methods(["GET", "POST"])
@login_required(login_url="orders:login")
def app_tokens(request):
    """The shopper's API tokens (an app of theirs reads the cart and orders with one): make
    one, shown once; see when each was last used; revoke one."""
    today = timezone.localdate()
    form = AppTokenForm(request.POST or None, today=today)
    made, raw, status = None, "", 200
    if request.method == "POST":
        form_id = request.POST.get("form_id", "")
        if not TOKEN_FORMS.is_open(request, form_id):
            messages.info(request, _("That form was sent already: your tokens are below."))
            return redirect("orders:app_tokens")
        TOKEN_FORMS.spend(request, form_id)
        if form.is_valid():
            try:
                made, raw = api_tokens.personal_token_create(
                    user=request.user, name=form.cleaned_data["name"], expires_at=form.expires_at
                )
            except api_tokens.TokenError as exc:
                form.add_error(None, str(exc))
        if raw:
            form, status = AppTokenForm(today=today), 201
        else:
            status = 400
    now = timezone.now()
    tokens = [
        {"token": token, "active": token.is_usable(now)}
        for token in api_tokens.personal_tokens(request.user)
    ]
    return render(
        request,
        "orders/account/tokens.html",
        {
            "form": form,
            "form_id": TOKEN_FORMS.open(request),
            "tokens": tokens,
            "made": made,
            "raw": raw,
            "api_url": request.build_absolute_uri(reverse("api:root")),
        },
        status=status,
    )


@never_cache
@require_POST
@login_required(login_url="orders:login")
def app_token_revoke(request, pk: int):
    token = api_tokens.personal_tokens(request.user).filter(pk=pk).first()
    if token is None:
        raise Http404
    api_tokens.personal_token_revoke(token=token, user=request.user)
    messages.success(
        request, _("“%(name)s” is revoked: it no longer works.") % {"name": token.name}
    )
    return redirect("orders:app_tokens")
