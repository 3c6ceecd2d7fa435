"""Province-wide roles are Django groups; a cooperative's members share one group per cooperative.

Group permissions are model permissions named by app label, so this module imports no
other project app.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

OPERATORS_GROUP = "Operators"
INSPECTORS_GROUP = "Inspectors"

# Apps whose every model permission an operator holds.
OPERATOR_APPS = ("marketplace", "catalog", "traceability", "orders", "cms")
# Model permissions every cooperative member holds (object-level limits come from page
# permissions on the cooperative's own subtree and from filtered viewsets).
COOPERATIVE_PERMISSIONS = (
    ("wagtailadmin", "access_admin"),
    ("catalog", "view_stock"),
    ("catalog", "change_stock"),
    ("catalog", "view_ocopcertification"),
    # Batches, their events and stamp orders: own cooperative only (scoped policies).
    ("traceability", "add_batch"),
    ("traceability", "change_batch"),
    ("traceability", "view_batch"),
    ("traceability", "add_stamporder"),
    ("traceability", "view_stamporder"),
    ("traceability", "view_anomalyflag"),
    # Their own sub-orders only (scoped policy): confirm, pack, ship, deliver.
    ("orders", "view_suborder"),
    ("orders", "change_suborder"),
)
INSPECTOR_PERMISSIONS = (("wagtailadmin", "access_admin"),)


def _permissions(pairs) -> list[Permission]:
    found = []
    for app_label, codename in pairs:
        perm = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if perm is not None:
            found.append(perm)
    return found


@transaction.atomic
def ensure_role_groups() -> dict[str, Group]:
    """Create (or complete) the operator and inspector groups. Idempotent."""
    operators, _ = Group.objects.get_or_create(name=OPERATORS_GROUP)
    operators.permissions.add(
        # Not the User model: an operator must not create superusers or reset passwords.
        *Permission.objects.filter(content_type__app_label__in=OPERATOR_APPS).exclude(
            content_type__app_label="marketplace", content_type__model="user"
        ),
        *_permissions([("wagtailadmin", "access_admin")]),
        *Permission.objects.filter(
            content_type__app_label__in=("wagtailimages", "wagtaildocs", "wagtailcore")
        ),
    )
    inspectors, _ = Group.objects.get_or_create(name=INSPECTORS_GROUP)
    inspectors.permissions.add(*_permissions(INSPECTOR_PERMISSIONS))
    inspectors.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="traceability", codename__startswith="view_"
        )
    )
    # Cooperative groups made before a permission was added to COOPERATIVE_PERMISSIONS get it.
    permissions = cooperative_permissions()
    for group in Group.objects.filter(cooperative__isnull=False):
        group.permissions.add(*permissions)
    return {OPERATORS_GROUP: operators, INSPECTORS_GROUP: inspectors}


def cooperative_permissions() -> list[Permission]:
    return _permissions(COOPERATIVE_PERMISSIONS)


def views_every_cooperative(user) -> bool:
    """Inspectors look at every cooperative's rows they may view (batches, flags,
    inspections); they change none. Not someone who is also a cooperative's member: Wagtail's
    edit views check the model permission only, and such a user holds the cooperative's."""
    return (
        user.is_active
        and user.groups.filter(name=INSPECTORS_GROUP).exists()
        and not user.memberships.exists()
    )


def member_cooperative_ids(user) -> list[int] | None:
    """Cooperatives whose data ``user`` may manage; ``None`` means all (operators, superusers)."""
    if user.is_superuser or user.groups.filter(name=OPERATORS_GROUP).exists():
        return None
    return list(user.memberships.values_list("cooperative_id", flat=True))
