"""Cooperative API tokens: made by an owner in the admin, shown once, kept as a SHA-256 digest,
scoped to one cooperative and to some of ``ApiToken.Scope``; sent as
``Authorization: Bearer ocop_…``.

A token is 32 random bytes (``secrets``), so a fast digest is enough: no password to guess,
and a lookup by digest is one indexed query. Revoking or expiring a token refuses it at once
(nothing is cached). The last use is written at most once a minute.
"""

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import authentication, exceptions, permissions

from marketplace.models import ApiToken, Cooperative, Membership

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
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        cooperative=cooperative,
        name=name[:100],
        prefix=raw[: len(PREFIX) + 6],
        digest=digest(raw),
        scopes=scopes,
        created_by=user,
        expires_at=expires_at,
    )
    return token, raw


def token_revoke(*, token: ApiToken, user) -> ApiToken:
    if not may_manage_tokens(user, token.cooperative):
        raise TokenError(_("Only the cooperative's owners revoke API tokens."))
    if token.revoked_at is None:
        ApiToken.objects.filter(pk=token.pk, revoked_at=None).update(
            revoked_at=timezone.now(), revoked_by=user
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
            ApiToken.objects.select_related("cooperative").filter(digest=digest(raw)).first()
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
        if token.cooperative.status != Cooperative.Status.APPROVED:
            raise exceptions.AuthenticationFailed(_("This cooperative is not active."))
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return TokenUser(token), token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


def request_token(request) -> ApiToken | None:
    return request.auth if isinstance(request.auth, ApiToken) else None


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
