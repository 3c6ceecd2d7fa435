"""E-mails of joining the market: a registration received, approved or rejected; an
invitation to a cooperative's team. Plain text, in the language the applicant used."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .mail import absolute, send_templated
from .models import CooperativeApplication, Invitation
from .roles import OPERATORS_GROUP


def _set_password_url(user) -> str:
    """A one-time link to choose a password (Django's reset token, the admin's own page)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return absolute(reverse("wagtailadmin_password_reset_confirm", args=[uid, token]))


def application_email(application_id: int, kind: str) -> None:
    """``kind``: ``new`` (to the operators), ``received``, ``approved`` or ``rejected`` (to the
    applicant). One e-mail each, so a retried task sends only its own."""
    application = CooperativeApplication.objects.select_related("cooperative").get(
        pk=application_id
    )
    context = {"application": application, "admin_url": absolute(reverse("wagtailadmin_home"))}
    if kind == "new":  # to the province office
        from django.contrib.auth import get_user_model

        operators = (
            get_user_model()
            .objects.filter(groups__name=OPERATORS_GROUP, is_active=True)
            .exclude(email="")
        )
        review_url = absolute(reverse("ocop_registration_review", args=[application.pk]))
        send_templated(
            "marketplace/email/application_new",
            {**context, "review_url": review_url},
            [u.email for u in operators],
            settings.LANGUAGE_CODE,
        )
        return
    if kind == "approved":
        owner = (
            application.cooperative.memberships.filter(role="owner")
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if owner is not None:
            user = owner.user
            context["username"] = user.username
            context["set_password_url"] = (
                "" if user.has_usable_password() else _set_password_url(user)
            )
    send_templated(
        f"marketplace/email/application_{kind}", context, [application.email], application.language
    )


def invitation_email(invitation_id: int) -> None:
    from .services import invitation_token

    invitation = Invitation.objects.select_related("cooperative", "invited_by").get(
        pk=invitation_id
    )
    if invitation.accepted_at or invitation.revoked_at:
        return
    url = absolute(reverse("ocop_join", args=[invitation_token(invitation)]))
    send_templated(
        "marketplace/email/invitation",
        {"invitation": invitation, "join_url": url, "days": settings.COOPERATIVE_INVITATION_DAYS},
        [invitation.email],
        settings.LANGUAGE_CODE,
    )
