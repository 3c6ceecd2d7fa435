"""Traceability figures for reports: stamps issued and scanned per province, anomaly flags
over time. One grouped query per series, in the database."""

from django.db.models import Count, Sum
from django.db.models.functions import Coalesce, TruncDate

from marketplace.periods import Period
from marketplace.workspace import Workspace

from .models import AnomalyFlag, Scan, StampOrder


def stamps_issued_by_province(workspace: Workspace, period: Period) -> dict[int, int]:
    """Stamps issued in the period (stamp orders placed in it), per province of the
    cooperative that ordered them."""
    orders = period.filter(
        workspace.scope(StampOrder.objects.all(), "batch__cooperative"), "created_at"
    )
    return {
        row["batch__cooperative__province_code"]: row["issued"]
        for row in orders.values("batch__cooperative__province_code")
        .annotate(issued=Coalesce(Sum("issued"), 0))
        .order_by()
    }


def scans_by_province(workspace: Workspace, period: Period) -> dict[int | None, int]:
    """Scans in the period per province where the phone was (``None``: no place given).
    A cooperative sees the scans of its own stamps."""
    scans = period.filter(Scan.objects.all(), "scanned_at")
    if workspace.cooperative_ids is not None:
        scans = scans.filter(stamp__batch__cooperative__in=workspace.cooperative_ids)
    return {
        row["province_code"]: row["scans"]
        for row in scans.values("province_code").annotate(scans=Count("pk")).order_by()
    }


def flags_by_day(workspace: Workspace, period: Period) -> list[dict]:
    """Anomaly flags first raised in the period: ``day``, ``rule``, ``flags``."""
    flags = period.filter(
        workspace.scope(AnomalyFlag.objects.all(), "batch__cooperative"), "first_seen"
    )
    return list(
        flags.annotate(day=TruncDate("first_seen", tzinfo=period.tz))
        .values("day", "rule")
        .annotate(flags=Count("pk"))
        .order_by("day", "rule")
    )
