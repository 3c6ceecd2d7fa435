"""Whose admin a request is in: the province office's (every cooperative) or a cooperative's.

Dashboards, reports, the quick stock table and the member screens all ask this one question
the same way; the answer is computed once per request (``workspace_for``).
"""

from dataclasses import dataclass

from django.http import Http404

from .models import Cooperative, Membership
from .roles import OPERATORS_GROUP


@dataclass(frozen=True)
class Workspace:
    user: object
    # None: every cooperative (operators, superusers); else the cooperatives the user is in.
    cooperative_ids: tuple[int, ...] | None
    # The cooperatives the user owns (members, bank details): a subset of cooperative_ids.
    owned_ids: tuple[int, ...] = ()

    @property
    def is_operator(self) -> bool:
        return self.cooperative_ids is None

    @property
    def is_member(self) -> bool:
        return bool(self.cooperative_ids)

    def scope(self, queryset, lookup: str = "cooperative"):
        """``queryset`` limited to this workspace's cooperatives (``lookup`` leads to one)."""
        if self.cooperative_ids is None:
            return queryset
        return queryset.filter(**{f"{lookup}__in": self.cooperative_ids})

    def cooperatives(self):
        return self.scope(Cooperative.objects.all(), "pk").order_by("name")

    def narrowed(self, cooperative_id: int | None) -> "Workspace":
        """The same workspace looking at one cooperative (a report's filter). For a member,
        another cooperative does not exist here (404), never an empty page."""
        if cooperative_id is None:
            return self
        if self.cooperative_ids is not None and cooperative_id not in self.cooperative_ids:
            raise Http404("No such cooperative in this workspace")
        return Workspace(
            self.user,
            (cooperative_id,),
            tuple(i for i in self.owned_ids if i == cooperative_id),
        )


MAX_ID = 2**63 - 1


def id_from(raw) -> int | None:
    """A row id from a URL or a form, or None: not digits, or beyond what a database id holds
    (a 20-digit number would overflow the query, not miss)."""
    text = str(raw or "")
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def operator_user(user) -> bool:
    """The province office (or a superuser): every cooperative's workspace."""
    return bool(
        user.is_active and (user.is_superuser or user.groups.filter(name=OPERATORS_GROUP).exists())
    )


def workspace_for(request) -> Workspace:
    cached = getattr(request, "_ocop_workspace", None)
    if cached is not None and cached.user is request.user:
        return cached
    user = request.user
    if operator_user(user):
        workspace = Workspace(user, None)
    else:
        rows = list(user.memberships.values_list("cooperative_id", "role"))
        workspace = Workspace(
            user,
            tuple(sorted({pk for pk, _ in rows})),
            tuple(sorted({pk for pk, role in rows if role == Membership.Role.OWNER})),
        )
    request._ocop_workspace = workspace
    return workspace
