"""The admin home as a workspace: panels that say what to do today, each linking to the screen
where it is done.

Every app adds its own panels (``construct_homepage_panels`` in its ``wagtail_hooks``); a
panel reads its numbers with a fixed number of grouped queries, scoped by the request's
``Workspace``. This module holds the shapes they share and the marketplace's own panel.
"""

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.admin.ui.components import Component

from .db_router import replica_reads
from .workspace import Workspace, workspace_for


@dataclass
class Counter:
    """A number on a panel: ``3 · to confirm``; ``tone`` is ``critical``, ``warning`` or ``""``."""

    label: str
    value: int
    url: str = ""
    tone: str = ""
    display: str = ""  # the value as shown, when not a plain count (money)


@dataclass
class Row:
    title: str
    url: str = ""
    meta: str = ""
    badge: str = ""
    tone: str = ""
    extra: dict = field(default_factory=dict)


class DashboardPanel(Component):
    """One panel. Subclasses set ``heading`` and fill ``counters`` / ``rows`` in ``load``;
    with nothing to show, ``empty_text`` (and ``empty_action``) say what to do next."""

    template_name = "marketplace/admin/dashboard_panel.html"
    panel_id = ""
    heading = ""
    order = 50
    empty_text = ""
    row_headings: tuple = ()

    def __init__(self, workspace: Workspace):
        self.workspace = workspace

    # Who sees it: a cooperative's "members", the province office's "operators", or "both".
    audience = "members"

    @classmethod
    def shown_to(cls, workspace: Workspace) -> bool:
        return {
            "members": workspace.is_member,
            "operators": workspace.is_operator,
            "both": workspace.is_member or workspace.is_operator,
        }[cls.audience]

    def load(self) -> dict:
        """``counters``, ``rows``, and optionally ``more_url``, ``empty_action`` (label, url)."""
        raise NotImplementedError

    def get_context_data(self, parent_context=None):
        data = {"counters": [], "rows": [], "more_url": "", "empty_action": None}
        with replica_reads():  # a dashboard a second behind the primary is fine
            data.update(self.load())
        has_data = any(c.value for c in data["counters"]) or bool(data["rows"])
        return {
            **data,
            "panel": self,
            "has_data": has_data or data.get("always_show", False),
        }


def add_panels(request, panels: list, panel_classes) -> None:
    """For a ``construct_homepage_panels`` hook: this app's panels the workspace may see."""
    workspace = workspace_for(request)
    panels.extend(cls(workspace) for cls in panel_classes if cls.shown_to(workspace))


class RegistrationsPanel(DashboardPanel):
    """Operators: cooperatives that asked to join and wait for a decision."""

    panel_id = "ocop-registrations"
    heading = _("Cooperatives waiting for approval")
    order = 10
    empty_text = _("No registration is waiting.")

    audience = "operators"

    def load(self):
        from .models import CooperativeApplication

        pending = list(
            CooperativeApplication.objects.filter(
                status=CooperativeApplication.Status.PENDING
            ).order_by("created_at")[:10]
        )
        rows = [
            Row(
                title=application.name,
                url=reverse("ocop_registration_review", args=[application.pk]),
                meta=application.location_label,
                badge=ngettext("%(days)s day waiting", "%(days)s days waiting", days)
                % {"days": days}
                if (days := application.days_waiting)
                else "",
                tone="warning" if days >= 3 else "",
            )
            for application in pending
        ]
        return {"rows": rows, "more_url": reverse("ocop_registrations") if rows else ""}


class SummaryCount(Component):
    """An item of the admin home's summary line (``12 products on sale``)."""

    template_name = "marketplace/admin/summary_item.html"

    def __init__(self, *, icon: str, text: str, url: str = "", order: int = 50):
        self.icon, self.text, self.url, self.order = icon, text, url, order

    def get_context_data(self, parent_context=None):
        return {"item": self}

    def is_shown(self) -> bool:
        return True
