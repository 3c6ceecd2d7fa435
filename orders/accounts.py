"""Shopper accounts: e-mail confirmation, password-reset e-mails, and deleting an account.

Orders never wait for any of this: a shopper can buy as a guest or before confirming. The
links are signed (Django's signing and password-reset token generator), so nothing secret is
stored, and the e-mails go through the outbox to the ``email`` queue like the order e-mails.
"""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.db import transaction
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from marketplace.mail import absolute, send_templated
from marketplace.models import User
from marketplace.outbox import enqueue

from .models import Order

CONFIRM_SALT = "orders.accounts.confirm-email"
# Orders still moving: an account is kept until they are delivered, cancelled or expired.
OPEN_STATUSES = (Order.Status.AWAITING_PAYMENT, Order.Status.PROCESSING)


STAFF_ONLY = _(
    "This account works for a cooperative or the province office: ask an operator to close it."
)


class AccountNotDeletable(Exception):
    """Said to the shopper as it is."""


# --- e-mail confirmation --------------------------------------------------------------


def confirmation_token(user: User) -> str:
    """A signed, dated token naming the account and the address it confirms."""
    return signing.dumps({"u": user.pk, "e": user.email.lower()}, salt=CONFIRM_SALT)


def confirm_email(token: str) -> User | None:
    """The account the token confirms (now confirmed), or None for a bad or stale token.

    A token is for one address: after the address changes, older links no longer work.
    """
    max_age = settings.EMAIL_CONFIRMATION_DAYS * 86400
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=max_age)
        user_id, email = int(data["u"]), str(data["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.email.lower() != email:
        return None
    mark_confirmed(user)
    return user


def mark_confirmed(user: User) -> None:
    """The account's address reached its owner (a confirmation or password link opened)."""
    if user.email_confirmed_at is None:
        user.email_confirmed_at = timezone.now()
        user.save(update_fields=["email_confirmed_at"])


def remember_language(user: User, language: str) -> None:
    """The language the account's next e-mails are written in: the one last asked in."""
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def ask_for_confirmation(user: User) -> None:
    """Queue the confirmation e-mail (sent after the transaction commits)."""
    if user.email and user.email_confirmed_at is None:
        enqueue("orders.tasks.send_email_confirmation", user_id=user.pk)


def send_confirmation(user_id: int) -> None:
    user = User.objects.filter(pk=user_id, is_active=True, email_confirmed_at=None).first()
    if user is None or not user.email:
        return
    with translation.override(user.language):
        link = absolute(reverse("orders:confirm_email", args=[confirmation_token(user)]))
    context = {"user": user, "link": link, "days": settings.EMAIL_CONFIRMATION_DAYS}
    send_templated("orders/email/confirm_email", context, [user.email], user.language)


# --- password reset ---------------------------------------------------------------------


def send_password_reset(user_id: int) -> None:
    """The reset link, made when the e-mail is sent: the token never waits in the database."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email or not user.has_usable_password():
        return
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    with translation.override(user.language):
        link = absolute(reverse("orders:password_reset_confirm", args=[uid, token]))
    context = {
        "user": user,
        "link": link,
        "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
    }
    send_templated("orders/email/password_reset", context, [user.email], user.language)


# --- deleting an account ---------------------------------------------------------------


def deletion_blocker(user: User) -> str | None:
    """Why this account cannot be deleted by its owner now, or None."""
    if user.is_staff or user.is_superuser or user.memberships.exists() or user.groups.exists():
        return str(STAFF_ONLY)
    if user.orders.filter(status__in=OPEN_STATUSES).exists():
        return _(
            "You have orders still on their way. You can delete the account once they are "
            "delivered or cancelled."
        )
    return None


def delete_account(user: User) -> int:
    """Delete the account; its orders stay (cooperatives keep their books) without the
    shopper's name, phone, e-mail or street address. Returns how many orders were kept."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        blocker = deletion_blocker(user)
        if blocker:
            raise AccountNotDeletable(blocker)
        orders = Order.objects.select_for_update().filter(user=user)
        kept = orders.update(
            user=None,
            full_name="",
            phone="",
            email="",
            address_line="",
            delivery_note="",
            updated_at=timezone.now(),
        )
        try:
            with transaction.atomic():
                user.delete()
        except ProtectedError:  # records kept by law name the account (an inspection)
            raise AccountNotDeletable(STAFF_ONLY) from None
    return kept
