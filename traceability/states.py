"""State machines of batches and stamps: the allowed moves as data, one function each that
moves state, refuses a forbidden move and writes the audit row (who, when, from, to, why)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Batch, Stamp, StatusChange

BATCH_TRANSITIONS: dict[str, set[str]] = {
    Batch.Status.DRAFT: {Batch.Status.RELEASED, Batch.Status.RECALLED},
    Batch.Status.RELEASED: {Batch.Status.RECALLED},
    Batch.Status.RECALLED: set(),
}

STAMP_TRANSITIONS: dict[str, set[str]] = {
    Stamp.Status.ISSUED: {Stamp.Status.ACTIVE, Stamp.Status.RECALLED, Stamp.Status.VOIDED},
    Stamp.Status.ACTIVE: {Stamp.Status.SHIPPED, Stamp.Status.RECALLED, Stamp.Status.VOIDED},
    # Packed into a parcel; back to active when the parcel is unpacked (cancelled unshipped).
    Stamp.Status.SHIPPED: {Stamp.Status.ACTIVE, Stamp.Status.RECALLED, Stamp.Status.VOIDED},
    Stamp.Status.RECALLED: set(),
    Stamp.Status.VOIDED: set(),
}


class ForbiddenTransition(Exception):
    def __init__(self, subject: str, from_status: str, to_status: str):
        self.from_status, self.to_status = from_status, to_status
        super().__init__(
            _("A %(subject)s cannot go from “%(from)s” to “%(to)s”.")
            % {"subject": subject, "from": from_status, "to": to_status}
        )


def batch_transition(*, batch: Batch, to_status: str, actor=None, reason: str = "") -> Batch:
    """Move a batch (row locked) and record the change. Raises ``ForbiddenTransition``."""
    with transaction.atomic():
        locked = Batch.objects.select_for_update().get(pk=batch.pk)
        if to_status not in BATCH_TRANSITIONS[locked.status]:
            raise ForbiddenTransition(_("batch"), locked.status, to_status)
        from_status = locked.status
        now = timezone.now()
        locked.status = to_status
        fields = ["status", "updated_at"]
        if to_status == Batch.Status.RELEASED:
            locked.released_at = now
            fields.append("released_at")
        if to_status == Batch.Status.RECALLED:
            locked.recalled_at, locked.recall_reason = now, reason
            fields += ["recalled_at", "recall_reason"]
        locked.save(update_fields=fields)
        StatusChange.objects.create(
            batch=locked,
            subject="batch",
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            actor=actor if getattr(actor, "pk", None) else None,
        )
    return locked


def stamps_transition(
    *,
    batch: Batch,
    to_status: str,
    actor=None,
    reason: str = "",
    number_from: int | None = None,
    number_to: int | None = None,
) -> int:
    """Move every stamp of ``batch`` (or of a number range) that may make this move.

    One UPDATE per source state, each audited as one row with the count it affected, so a
    recall of 180,000 stamps is a handful of statements, not 180,000.
    """
    affected = 0
    with transaction.atomic():
        stamps = Stamp.objects.filter(batch=batch)
        if number_from is not None:
            stamps = stamps.filter(number__gte=number_from, number__lte=number_to)
        for from_status, allowed in STAMP_TRANSITIONS.items():
            # Releasing a batch activates its issued stamps, never unpacks the packed ones.
            if to_status not in allowed or (
                from_status == Stamp.Status.SHIPPED and to_status == Stamp.Status.ACTIVE
            ):
                continue
            changes = {"status": to_status}
            if to_status == Stamp.Status.ACTIVE:
                changes["activated_at"] = timezone.now()
            count = stamps.filter(status=from_status).update(**changes)
            if count:
                affected += count
                StatusChange.objects.create(
                    batch=batch,
                    subject="stamp",
                    number_from=number_from,
                    number_to=number_to,
                    affected=count,
                    from_status=from_status,
                    to_status=to_status,
                    reason=reason,
                    actor=actor if getattr(actor, "pk", None) else None,
                )
    return affected


def stamp_transition(*, stamp: Stamp, to_status: str, actor=None, reason: str = "") -> Stamp:
    """Move one stamp (row locked) and record the change; raises ``ForbiddenTransition``."""
    with transaction.atomic():
        locked = Stamp.objects.select_for_update().get(pk=stamp.pk)
        if to_status not in STAMP_TRANSITIONS[locked.status]:
            raise ForbiddenTransition(_("stamp"), locked.status, to_status)
        from_status, locked.status = locked.status, to_status
        fields = ["status"]
        if to_status == Stamp.Status.ACTIVE and locked.activated_at is None:
            locked.activated_at = timezone.now()
            fields.append("activated_at")
        locked.save(update_fields=fields)
        StatusChange.objects.create(
            batch_id=locked.batch_id,
            subject="stamp",
            number_from=locked.number,
            number_to=locked.number,
            affected=1,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            actor=actor if getattr(actor, "pk", None) else None,
        )
    stamp.status = locked.status
    return locked
