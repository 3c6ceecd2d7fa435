"""Write operations on the marketplace core. Views, admin, API and commands call these."""

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from .models import Cooperative, Membership, User
from .roles import cooperative_permissions


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
    """Make ``user`` a member of ``cooperative`` (idempotent) and put them in its admin group."""
    membership, created = Membership.objects.get_or_create(
        user=user, cooperative=cooperative, defaults={"role": role}
    )
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
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
