"""Write operations on the marketplace core. Views, admin, API and commands call these."""

import secrets

from django.contrib.auth.models import Group
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Cooperative, CooperativeApplication, Invitation, Membership, User
from .outbox import enqueue
from .roles import cooperative_permissions

INVITATION_SALT = "ocop.invitation"


class MembershipError(Exception):
    """A member or invitation change the rules refuse; the message is for the user."""


def is_owner(user, cooperative: Cooperative) -> bool:
    return Membership.objects.filter(
        user=user, cooperative=cooperative, role=Membership.Role.OWNER
    ).exists()


def manages_members(user, cooperative: Cooperative) -> bool:
    """Its owners, and the province office, manage a cooperative's members and bank account."""
    from .workspace import operator_user

    return operator_user(user) or is_owner(user, cooperative)


@transaction.atomic
def cooperative_group_ensure(*, cooperative: Cooperative) -> Group:
    """The cooperative's own admin group (one per cooperative); created once, kept in sync."""
    if cooperative.group_id is None:
        group, _ = Group.objects.get_or_create(name=f"HTX · {cooperative.slug}")
        cooperative.group = group
        cooperative.save(update_fields=["group", "updated_at"])
    group = cooperative.group
    group.permissions.add(*cooperative_permissions())
    return group


@transaction.atomic
def membership_add(*, user: User, cooperative: Cooperative, role: str) -> Membership:
    """Make ``user`` a member of ``cooperative`` and put them in its admin group. Idempotent:
    an existing member keeps the role they have (roles change with ``membership_set_role``,
    so a second invitation can never demote an owner)."""
    membership, _created = Membership.objects.get_or_create(
        user=user, cooperative=cooperative, defaults={"role": role}
    )
    group = cooperative_group_ensure(cooperative=cooperative)
    user.groups.add(group)
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return membership


@transaction.atomic
def cooperative_set_status(*, cooperative: Cooperative, status: str) -> Cooperative:
    if status not in Cooperative.Status.values:
        raise ValueError(f"Unknown cooperative status {status!r}")
    cooperative.status = status
    cooperative.updated_at = timezone.now()
    cooperative.save(update_fields=["status", "updated_at"])
    return cooperative


@transaction.atomic
def membership_remove(*, cooperative: Cooperative, user: User, actor: User) -> None:
    """An owner removes a member: the membership and the cooperative's admin group go. An
    owner cannot remove themselves, nor the last owner."""
    if not manages_members(actor, cooperative):
        raise MembershipError(_("Only an owner of the cooperative can remove members."))
    membership = (
        Membership.objects.select_for_update().filter(cooperative=cooperative, user=user).first()
    )
    if membership is None:
        raise MembershipError(_("This person is not a member."))
    if user.pk == actor.pk:
        raise MembershipError(_("You cannot remove yourself."))
    if membership.role == Membership.Role.OWNER:
        from .workspace import operator_user

        if not operator_user(actor):
            raise MembershipError(_("Owners are changed by the province OCOP office."))
        owners = Membership.objects.filter(cooperative=cooperative, role=Membership.Role.OWNER)
        if owners.count() == 1:
            raise MembershipError(_("A cooperative needs an owner: make someone else owner first."))
    membership.delete()
    if cooperative.group_id:
        user.groups.remove(cooperative.group_id)


def owner_account_new(*, email: str, first_name: str = "") -> User:
    """A new account for a new cooperative's owner, with no password: the approval e-mail
    links to choosing one. Never an existing account found by its e-mail: anyone can sign up
    as a shopper with any e-mail, and would so become the owner."""
    base = "".join(ch for ch in email.split("@", 1)[0].lower() if ch.isalnum() or ch in "._-")
    base = (base or "htx")[:100]
    username = base
    while User.objects.filter(username__iexact=username).exists():
        username = f"{base}-{secrets.token_hex(2)}"
    user = User(username=username, email=email, first_name=first_name[:150])
    user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def membership_set_role(*, cooperative: Cooperative, user: User, role: str, actor: User) -> None:
    """The province office makes a member owner or staff; a cooperative keeps an owner."""
    from .workspace import operator_user

    if not operator_user(actor):
        raise MembershipError(_("Owners are changed by the province OCOP office."))
    if role not in Membership.Role.values:
        raise MembershipError(_("Unknown role."))
    memberships = Membership.objects.select_for_update().filter(cooperative=cooperative)
    membership = next((m for m in memberships if m.user_id == user.pk), None)
    if membership is None:
        raise MembershipError(_("This person is not a member."))
    owners = [m for m in memberships if m.role == Membership.Role.OWNER]
    if role == Membership.Role.STAFF and owners == [membership]:
        raise MembershipError(_("A cooperative needs an owner: make someone else owner first."))
    Membership.objects.filter(pk=membership.pk).update(role=role)


# --- joining: registrations and invitations ------------------------------------------------


class DuplicateApplication(Exception):
    """Another registration with the same number is already waiting."""


def application_submit(*, application: CooperativeApplication) -> CooperativeApplication:
    """Keep a registration and tell the applicant and the office. Two at once with the same
    registration number: the database keeps one (a partial unique constraint), the other
    raises ``DuplicateApplication`` and its uploaded document is not kept."""
    application.full_clean(validate_constraints=False)  # the database decides a race
    try:
        with transaction.atomic():
            application.save()
            # One task per e-mail: a retry after a failed send never sends the other again.
            for kind in ("received", "new"):
                enqueue(
                    "marketplace.tasks.send_application_email",
                    application_id=application.pk,
                    kind=kind,
                )
    except IntegrityError:
        if application.document:
            application.document.storage.delete(application.document.name)
        raise DuplicateApplication from None
    return application


@transaction.atomic
def application_reject(
    *, application: CooperativeApplication, actor: User, reason: str
) -> CooperativeApplication:
    """Refuse a registration with a reason, which the applicant gets by e-mail."""
    reason = reason.strip()
    if not reason:
        raise MembershipError(_("Give the reason: the applicant reads it."))
    locked = CooperativeApplication.objects.select_for_update().get(pk=application.pk)
    if locked.status != CooperativeApplication.Status.PENDING:
        raise MembershipError(_("This registration was already decided."))
    locked.status = CooperativeApplication.Status.REJECTED
    locked.rejection_reason = reason[:2000]
    locked.decided_at = timezone.now()
    locked.decided_by = actor
    locked.save(update_fields=["status", "rejection_reason", "decided_at", "decided_by"])
    enqueue("marketplace.tasks.send_application_email", application_id=locked.pk, kind="rejected")
    return locked


@transaction.atomic
def invitation_create(*, cooperative: Cooperative, email: str, actor: User) -> Invitation:
    """An owner invites a staff member by e-mail; the link (``invitation_token``) works once,
    until ``COOPERATIVE_INVITATION_DAYS`` have passed."""
    if not manages_members(actor, cooperative):
        raise MembershipError(_("Only an owner of the cooperative can invite members."))
    email = email.strip().lower()
    if Membership.objects.filter(cooperative=cooperative, user__email__iexact=email).exists():
        raise MembershipError(_("%(email)s is already a member.") % {"email": email})
    now = timezone.now()
    # A new invitation to the same address replaces the open one (a lost e-mail).
    Invitation.objects.filter(
        cooperative=cooperative,
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    ).update(revoked_at=now)
    invitation = Invitation.objects.create(
        cooperative=cooperative,
        email=email,
        role=Membership.Role.STAFF,
        invited_by=actor,
        expires_at=Invitation.expiry_from(now),
        nonce=secrets.token_urlsafe(16),
    )
    enqueue("marketplace.tasks.send_invitation", invitation_id=invitation.pk)
    return invitation


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=INVITATION_SALT)


class InvalidInvitation(Exception):
    pass


def invitation_from_token(token: str) -> Invitation:
    """The invitation a link names, if the link is ours and unaltered (not yet whether it is
    still open: the page says which of used, withdrawn or expired it is)."""
    try:
        data = signing.loads(token[:500], salt=INVITATION_SALT)
        invitation = Invitation.objects.select_related("cooperative").get(pk=int(data["i"]))
    except (signing.BadSignature, Invitation.DoesNotExist, KeyError, TypeError, ValueError):
        raise InvalidInvitation from None
    if not secrets.compare_digest(str(data.get("n", "")), invitation.nonce):
        raise InvalidInvitation
    return invitation


def invitation_problem(invitation: Invitation) -> str:
    """Why this invitation cannot be accepted now, or ``""``."""
    if invitation.accepted_at:
        return _("This invitation was already used. Sign in with the account that accepted it.")
    if invitation.revoked_at:
        return _("This invitation was withdrawn. Ask the cooperative's owner for a new one.")
    if invitation.expires_at <= timezone.now():
        return _("This invitation has expired. Ask the cooperative's owner for a new one.")
    return ""


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """``user`` joins the cooperative as staff: once (the row is locked, a second use fails),
    only with the invited e-mail, and not when already a member (a role never changes here)."""
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    problem = invitation_problem(locked)
    if problem:
        raise MembershipError(problem)
    if (user.email or "").strip().lower() != locked.email.lower():
        raise MembershipError(
            _(
                "This invitation is for %(email)s. Sign in with that account, or sign out to "
                "create it."
            )
            % {"email": locked.email}
        )
    if Membership.objects.filter(user=user, cooperative=locked.cooperative).exists():
        raise MembershipError(_("You are already a member of this cooperative."))
    membership = membership_add(user=user, cooperative=locked.cooperative, role=locked.role)
    locked.accepted_at = timezone.now()
    locked.accepted_by = user
    locked.save(update_fields=["accepted_at", "accepted_by"])
    return membership


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User) -> None:
    if not manages_members(actor, invitation.cooperative):
        raise MembershipError(_("Only an owner of the cooperative can withdraw invitations."))
    Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
        revoked_at=timezone.now()
    )


BANK_FIELDS = ("bank_bin", "bank_account_number", "bank_account_name")


@transaction.atomic
def cooperative_bank_update(*, cooperative: Cooperative, actor: User, **values) -> Cooperative:
    """The account the cooperative's market-stall VietQR pays into: its owners only."""
    if not manages_members(actor, cooperative):
        raise MembershipError(_("Only an owner of the cooperative can change its bank account."))
    for name in BANK_FIELDS:
        setattr(cooperative, name, values.get(name, getattr(cooperative, name)))
    others = [f.name for f in Cooperative._meta.fields if f.name not in BANK_FIELDS]
    cooperative.clean_fields(exclude=others)  # only what this screen changes
    cooperative.save(update_fields=[*BANK_FIELDS, "updated_at"])
    return cooperative
