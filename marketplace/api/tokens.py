"""Cooperative API tokens: made by an owner in the admin, shown once, kept as a SHA-256 digest,
scoped to one cooperative and to some of ``ApiToken.Scope``; sent as
``Authorization: Bearer ocop_…``.

A token is 32 random bytes (``secrets``), so a fast digest is enough: no password to guess,
and a lookup by digest is one indexed query. Revoking (by its owners, or by the province office,
with a reason, when it leaked) or expiring a token refuses it at once (nothing is cached). The
last use is written at most once a minute.
"""

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import authentication, exceptions, permissions

from marketplace.models import ApiToken, Cooperative, Membership, User
from marketplace.workspace import operator_user

from .policies import CONTROL

PREFIX = "ocop_"
LAST_USED_EVERY = datetime.timedelta(minutes=1)


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class TokenError(Exception):
    pass


def may_manage_tokens(user, cooperative: Cooperative) -> bool:
    """A cooperative's owners manage its tokens (not its staff, not the office: a token acts
    as the cooperative)."""
    return (
        user.is_active
        and Membership.objects.filter(
            user=user, cooperative=cooperative, role=Membership.Role.OWNER
        ).exists()
    )


@transaction.atomic
def token_create(
    *,
    cooperative: Cooperative,
    user,
    name: str,
    scopes: list[str],
    expires_at: datetime.datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token and its raw value (the only time it exists outside the caller)."""
    if not may_manage_tokens(user, cooperative):
        raise TokenError(_("Only the cooperative's owners create API tokens."))
    name = (name or "").strip()
    if not name:
        raise TokenError(_("Give the token a name."))
    scopes = sorted(set(scopes))
    if not scopes or not set(scopes) <= set(ApiToken.Scope.values):
        raise TokenError(_("Choose at least one scope."))
    if expires_at is not None and expires_at <= timezone.now():
        raise TokenError(_("The expiry must be in the future."))
    return _issue(
        cooperative=cooperative,
        name=name[:100],
        scopes=scopes,
        created_by=user,
        expires_at=expires_at,
    )


def _issue(**fields) -> tuple[ApiToken, str]:
    """Store a new token's digest (and first characters) with ``fields``; return the token
    and its raw value, which exists nowhere else."""
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(prefix=raw[: len(PREFIX) + 6], digest=digest(raw), **fields)
    return token, raw


def may_revoke_tokens(user, cooperative: Cooperative) -> bool:
    """Its owners, and the province office (operators, superusers): the office revokes a
    token that leaked or is misused, whichever cooperative it belongs to. Making one stays
    the owners' alone."""
    return may_manage_tokens(user, cooperative) or operator_user(user)


NOTE_MAX_LENGTH = ApiToken._meta.get_field("revoked_note").max_length


def token_revoke(*, token: ApiToken, user, reason: str = "", note: str = "") -> ApiToken:
    """Revoke ``token``: the API refuses it from the next request. An owner may say why; the
    office must (``ApiToken.RevokeReason``; "other" with a note), and the owners see it was
    the office. Revoking a revoked token changes nothing."""
    if token.cooperative_id is None or not may_revoke_tokens(user, token.cooperative):
        # (A shopper's own token is theirs to revoke: ``personal_token_revoke``.)
        raise TokenError(
            _("Only the cooperative's owners or the province office revoke API tokens.")
        )
    is_owner = may_manage_tokens(user, token.cooperative)
    reason = reason or ""
    note = " ".join((note or "").split())
    if reason and reason not in ApiToken.RevokeReason.values:
        raise TokenError(_("Choose a reason from the list."))
    if not reason and not is_owner:
        raise TokenError(_("Say why the token is revoked."))
    if reason == ApiToken.RevokeReason.OTHER and not note:
        raise TokenError(_("Say in the note why the token is revoked."))
    if not CONTROL.isdisjoint(note) or len(note) > NOTE_MAX_LENGTH:
        raise TokenError(
            _("The note is at most %(max)s characters, without control characters.")
            % {"max": NOTE_MAX_LENGTH}
        )
    if token.revoked_at is None:
        ApiToken.objects.filter(pk=token.pk, revoked_at=None).update(
            revoked_at=timezone.now(),
            revoked_by=user,
            revoked_reason=reason,
            revoked_note=note,
            revoked_by_office=not is_owner,
        )
        token.refresh_from_db()
    return token


@dataclass(frozen=True)
class TokenUser:
    """``request.user`` of a token's request: the cooperative, not a person."""

    token: ApiToken
    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False

    @property
    def pk(self) -> None:
        return None

    @property
    def cooperative(self) -> Cooperative:
        return self.token.cooperative

    def __str__(self) -> str:
        return f"token {self.token.prefix}… of {self.token.cooperative.slug}"


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send one token: Authorization: Bearer …"))
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from None
        token = (
            ApiToken.objects.select_related("cooperative", "shopper")
            .filter(digest=digest(raw))
            .first()
            if raw.startswith(PREFIX) and len(raw) < 100
            else None
        )
        now = timezone.now()
        if token is None:
            raise exceptions.AuthenticationFailed(_("This token is not valid."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This token was revoked."))
        if token.expires_at is not None and token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("This token has expired."))
        if token.shopper_id is not None and not token.shopper.is_active:
            raise exceptions.AuthenticationFailed(_("This account is not active."))
        if token.cooperative_id is not None and token.cooperative.status != (
            Cooperative.Status.APPROVED
        ):
            raise exceptions.AuthenticationFailed(_("This cooperative is not active."))
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        # A shopper's token acts as the shopper; a cooperative's as the cooperative.
        return (token.shopper if token.shopper_id else TokenUser(token)), token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


def request_token(request) -> ApiToken | None:
    """The API token the request came with (a cooperative's or a shopper's), if any."""
    return request.auth if isinstance(request.auth, ApiToken) else None


def cooperative_token(request) -> ApiToken | None:
    token = request_token(request)
    return token if token is not None and token.cooperative_id is not None else None


# --- shoppers' own tokens ---------------------------------------------------------------


def personal_tokens(user):
    """The shopper's tokens, newest first."""
    return ApiToken.objects.filter(shopper=user)


@transaction.atomic
def personal_token_create(
    *, user, name: str, expires_at: datetime.datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token of the signed-in shopper ``user`` and its raw value (shown once): it acts
    as them on the shopper's endpoints (cart, checkout, orders), nowhere else. A shopper
    keeps ``SHOPPER_TOKENS_MAX`` live tokens at most."""
    if not (user and user.is_authenticated and user.is_active):
        raise TokenError(_("Sign in to make a token."))
    name = " ".join((name or "").split())
    if not name:
        raise TokenError(_("Give the token a name."))
    if expires_at is not None and expires_at <= timezone.now():
        raise TokenError(_("The expiry must be in the future."))
    User.objects.select_for_update().filter(pk=user.pk).first()  # one maker at a time
    live = [t for t in personal_tokens(user) if t.is_usable()]
    if len(live) >= settings.SHOPPER_TOKENS_MAX:
        raise TokenError(
            _("You have %(count)s working tokens: revoke one you no longer use first.")
            % {"count": len(live)}
        )
    return _issue(
        shopper=user,
        name=name[:100],
        scopes=[ApiToken.SHOPPER_SCOPE],
        created_by=user,
        expires_at=expires_at,
    )


def personal_tokens_revoke_all(user) -> int:
    """A new password (changed, or reset from the e-mail) revokes the shopper's tokens: one
    made by someone who had taken the account over must not outlive its recovery."""
    return _revoke_by_shopper(personal_tokens(user), user)


def _revoke_by_shopper(tokens, user) -> int:
    return tokens.filter(revoked_at=None).update(revoked_at=timezone.now(), revoked_by=user)


def personal_token_revoke(*, token: ApiToken, user) -> ApiToken:
    """The shopper revokes one of their tokens: refused from the next request."""
    if token.shopper_id is None or token.shopper_id != getattr(user, "pk", None):
        raise TokenError(_("Only its shopper revokes this token."))
    if _revoke_by_shopper(personal_tokens(user).filter(pk=token.pk), user):
        token.refresh_from_db()
    return token


class HasScope(permissions.BasePermission):
    """A cooperative token holding ``scope`` (subclasses name it)."""

    scope = ""
    message = gettext_lazy("This endpoint needs a cooperative API token.")

    def has_permission(self, request, view):
        token = request_token(request)
        if token is None:
            return False
        if self.scope not in token.scopes:
            self.message = _("This token does not hold the “%(scope)s” scope.") % {
                "scope": self.scope
            }
            return False
        return True


class CatalogScope(HasScope):
    scope = ApiToken.Scope.CATALOG


class OrdersScope(HasScope):
    scope = ApiToken.Scope.ORDERS


class TraceabilityScope(HasScope):
    scope = ApiToken.Scope.TRACEABILITY
