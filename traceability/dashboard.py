"""Dashboard panels of traceability: a cooperative's batches waiting for release, stamp orders
running, this week's scans and the flags on its stamps, inspections of its products; for
operators, every open flag and the recalls in progress."""

import datetime

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace.dashboard import Counter, DashboardPanel, Row

from .models import AnomalyFlag, Batch, Inspection, Scan, StampOrder

BATCHES = "wagtailsnippets_traceability_batch"
FLAGS = "wagtailsnippets_traceability_anomalyflag"
RECALLS_SHOWN_DAYS = 90
RUNNING = (StampOrder.Status.QUEUED, StampOrder.Status.ISSUING, StampOrder.Status.RENDERING)


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M") if moment else ""


class BatchesPanel(DashboardPanel):
    panel_id = "ocop-batches"
    heading = gettext_lazy("Batches and stamps")
    order = 30
    empty_text = gettext_lazy(
        "No batch yet. Record a production batch (lot) to order traceability stamps for it."
    )

    def load(self):
        batches = self.workspace.scope(Batch.objects.all())
        counts = batches.aggregate(
            total=Count("pk"), drafts=Count("pk", filter=Q(status=Batch.Status.DRAFT))
        )
        orders = self.workspace.scope(StampOrder.objects.all(), "batch__cooperative")
        running_count = orders.filter(status__in=RUNNING).count()
        running = list(
            orders.filter(
                Q(status__in=RUNNING)
                | Q(
                    status=StampOrder.Status.FAILED,
                    created_at__gte=timezone.now() - datetime.timedelta(days=7),
                )
            )
            .select_related("batch")
            .order_by("-created_at")[:5]
        )
        drafts = list(
            batches.filter(status=Batch.Status.DRAFT)
            .select_related("variant__page")
            .annotate(stamps_issued=Coalesce(Sum("stamp_orders__issued"), 0))
            .order_by("production_date", "pk")[:5]
        )
        rows = [
            Row(
                title=_("Stamp order: %(lot)s, %(count)s stamps")
                % {"lot": order.batch.lot, "count": order.count},
                url=reverse(f"{BATCHES}:stamps", args=[order.batch_id]),
                meta=order.get_status_display(),
                badge=_("failed: run it again")
                if order.status == StampOrder.Status.FAILED
                else f"{order.progress_percent} %",
                tone="critical" if order.status == StampOrder.Status.FAILED else "",
            )
            for order in running
        ] + [
            Row(
                title=f"{batch.lot} · {batch.variant.page.title}",
                url=reverse(f"{BATCHES}:stamps", args=[batch.pk]),
                meta=_("%(n)s stamps issued") % {"n": batch.stamps_issued}
                if batch.stamps_issued
                else _("no stamps yet"),
                badge=_("to release"),
                tone="warning" if batch.stamps_issued else "",
            )
            for batch in drafts
        ]
        listing = reverse(f"{BATCHES}:list")
        data = {
            "counters": [
                Counter(_("waiting for release"), counts["drafts"], f"{listing}?status=draft"),
                Counter(_("stamp orders running"), running_count),
            ],
            "rows": rows,
            "more_url": listing if counts["total"] else "",
        }
        if not counts["total"]:
            data["empty_action"] = (_("Create your first batch"), reverse(f"{BATCHES}:add"))
        return data


class ScansPanel(DashboardPanel):
    panel_id = "ocop-scans"
    heading = gettext_lazy("Scans and warnings")
    order = 40
    empty_text = gettext_lazy(
        "No stamp of yours was scanned this week and no warning is open. Scans appear here "
        "once released stamps reach shoppers."
    )

    audience = "both"

    def load(self):
        week_ago = timezone.now() - datetime.timedelta(days=7)
        scans = self.workspace.scope(
            Scan.objects.filter(scanned_at__gte=week_ago), "stamp__batch__cooperative"
        ).count()
        open_flags = self.workspace.scope(
            AnomalyFlag.objects.filter(outcome=AnomalyFlag.Outcome.OPEN), "batch__cooperative"
        )
        open_count = open_flags.count()
        rows = [
            Row(
                title=f"{flag.get_rule_display()} · {flag.batch.lot} #{flag.stamp.number}",
                url=reverse(f"{FLAGS}:review", args=[flag.pk])
                if self.workspace.is_operator
                else reverse(f"{FLAGS}:list") + f"?rule={flag.rule}",
                meta=flag.detail,
                badge=_local(flag.last_seen),
                tone="critical" if flag.rule != AnomalyFlag.Rule.TOO_MANY_SCANS else "warning",
            )
            for flag in open_flags.select_related("stamp", "batch").order_by("-last_seen")[:6]
        ]
        return {
            "counters": [
                Counter(_("scans in 7 days"), scans),
                Counter(
                    _("open warnings"),
                    open_count,
                    reverse(f"{FLAGS}:list") + "?outcome=open",
                    "critical" if open_count else "",
                ),
            ],
            "rows": rows,
        }


class InspectionsPanel(DashboardPanel):
    panel_id = "ocop-inspections"
    heading = gettext_lazy("Inspections of your products, last 30 days")
    order = 50
    empty_text = gettext_lazy("No inspector recorded an inspection of your products lately.")

    def load(self):
        since = timezone.now() - datetime.timedelta(days=30)
        recent = self.workspace.scope(
            Inspection.objects.filter(inspected_at__gte=since), "stamp__batch__cooperative"
        )
        counts = recent.aggregate(
            passed=Count("pk", filter=Q(result=Inspection.Result.PASS)),
            failed=Count("pk", filter=~Q(result=Inspection.Result.PASS)),
        )
        # The result, the lot and when: the inspector's notes stay with the office.
        rows = [
            Row(
                title=f"{inspection.get_result_display()} · {inspection.stamp.batch.lot}"
                if inspection.stamp_id
                else inspection.get_result_display(),
                badge=_local(inspection.inspected_at),
                tone="" if inspection.result == Inspection.Result.PASS else "critical",
            )
            for inspection in recent.select_related("stamp__batch").order_by("-inspected_at")[:5]
        ]
        return {
            "counters": [
                Counter(_("conforming"), counts["passed"]),
                Counter(
                    _("not conforming or suspicious"),
                    counts["failed"],
                    tone="critical" if counts["failed"] else "",
                ),
            ],
            "rows": rows,
        }


class RecallsPanel(DashboardPanel):
    """Operators: batches recalled in the last 90 days and the scans they still get."""

    panel_id = "ocop-recalls"
    heading = gettext_lazy("Recalls in progress")
    order = 35
    empty_text = gettext_lazy("No batch was recalled in the last 90 days.")

    audience = "operators"

    def load(self):
        since = timezone.now() - datetime.timedelta(days=RECALLS_SHOWN_DAYS)
        batches = Batch.objects.filter(status=Batch.Status.RECALLED, recalled_at__gte=since)
        count = batches.count()
        recalled = list(
            batches.select_related("variant__page", "cooperative")
            .annotate(
                after=Coalesce(
                    Sum("flags__occurrences", filter=Q(flags__rule=AnomalyFlag.Rule.RECALLED)), 0
                )
            )
            .order_by("-recalled_at")[:10]
        )
        rows = [
            Row(
                title=f"{batch.lot} · {batch.variant.page.title}",
                url=reverse(f"{BATCHES}:stamps", args=[batch.pk]),
                meta=f"{batch.cooperative.name} · {batch.recall_reason[:120]}",
                badge=_("%(n)s scans since the recall") % {"n": batch.after},
                tone="critical" if batch.after else "warning",
            )
            for batch in recalled
        ]
        return {"counters": [Counter(_("recalled batches"), count)], "rows": rows}


PANELS = (BatchesPanel, ScansPanel, InspectionsPanel, RecallsPanel)
