"""Write rules of traceability. Admin views, API, tasks and commands all call these."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import ProductVariant
from marketplace.roles import member_cooperative_ids

from .digital_link import LINK_TOO_LONG, stamp_fits_qr
from .models import AnomalyFlag, Batch, Stamp, StampOrder
from .states import ForbiddenTransition, batch_transition, stamps_transition

# The inspector's page shrinks photos to 1600 px JPEG; one it could not decode comes as taken.
INSPECTION_PHOTO_MAX_BYTES = 8 * 1024 * 1024


class TraceabilityError(Exception):
    """A rule the user broke; the message is shown as it is (form error, 4xx JSON)."""


def ensure_can_manage(*, user, batch: Batch) -> None:
    """Cooperative members act on their own batches only; operators on all."""
    if user is None:  # the shell and tasks act as the system
        return
    ids = member_cooperative_ids(user)
    if ids is not None and batch.cooperative_id not in ids:
        raise PermissionDenied(_("This batch belongs to another cooperative."))


def is_operator(user) -> bool:
    return user is None or member_cooperative_ids(user) is None


def batch_create(
    *,
    variant: ProductVariant,
    lot: str,
    production_date: datetime.date,
    quantity: int,
    best_before: datetime.date | None = None,
    field_area: str = "",
    notes: str = "",
    user=None,
) -> Batch:
    batch = Batch(
        variant=variant,
        lot=lot,
        production_date=production_date,
        best_before=best_before,
        quantity=quantity,
        field_area=field_area,
        notes=notes,
        created_by=user if getattr(user, "pk", None) else None,
    )
    batch.full_clean()
    ensure_can_manage(user=user, batch=batch)
    batch.save()
    return batch


def batch_release(*, batch: Batch, user=None) -> Batch:
    """Release a batch for sale: its issued stamps become active."""
    ensure_can_manage(user=user, batch=batch)
    with transaction.atomic():
        try:
            batch = batch_transition(batch=batch, to_status=Batch.Status.RELEASED, actor=user)
        except ForbiddenTransition as exc:
            raise TraceabilityError(str(exc)) from None
        stamps_transition(batch=batch, to_status="active", actor=user, reason="batch released")
    return batch


def batch_recall(*, batch: Batch, reason: str, user=None) -> Batch:
    """Recall a batch (operators only): every stamp of it resolves RECALLED at once."""
    if not is_operator(user):
        raise PermissionDenied(_("Only the province OCOP office recalls batches."))
    reason = (reason or "").strip()
    if not reason:
        raise TraceabilityError(_("Give the reason for the recall."))
    with transaction.atomic():
        try:
            batch = batch_transition(
                batch=batch, to_status=Batch.Status.RECALLED, actor=user, reason=reason
            )
        except ForbiddenTransition as exc:
            raise TraceabilityError(str(exc)) from None
        stamps_transition(batch=batch, to_status="recalled", actor=user, reason=reason)
        from .recall import on_recall, reached_batches

        on_recall(batch, user=user)
        # The resolver caches a batch's page by its updated_at, and an output's page shows
        # its inputs: each batch made from this one shows the recall on its next scan.
        Batch.objects.filter(pk__in=reached_batches(batch)[1:]).update(updated_at=timezone.now())
    return batch


def batch_add_input(*, output: Batch, input_batch: Batch, quantity, unit: str = "H87", user=None):
    """Record that ``output`` was made from ``input_batch`` (one step up); refuses a lot of
    another cooperative, one made after the output, and a cycle (a lot made from itself,
    directly or through others)."""
    from decimal import Decimal, InvalidOperation

    from . import vocab
    from .models import BatchInput
    from .recall import input_closure

    ensure_can_manage(user=user, batch=output)
    try:
        quantity = Decimal(str(quantity).strip())
    except (InvalidOperation, ValueError):
        raise TraceabilityError(_("Give the quantity used as a number.")) from None
    if not quantity.is_finite() or quantity <= 0 or quantity >= Decimal("1e9"):
        raise TraceabilityError(_("Give the quantity used as a number above 0."))
    if quantity != quantity.quantize(Decimal("0.001")):
        raise TraceabilityError(_("Give the quantity with at most 3 decimals."))
    if unit not in dict(vocab.UNIT_CHOICES):
        raise TraceabilityError(_("Unknown unit %(unit)s.") % {"unit": unit})
    if input_batch.pk == output.pk:
        raise TraceabilityError(_("A lot cannot be made from itself."))
    if input_batch.cooperative_id != output.cooperative_id:
        raise TraceabilityError(_("The input lot belongs to another cooperative."))
    if input_batch.production_date > output.production_date:
        raise TraceabilityError(
            _("Lot %(lot)s was made after this one: it cannot be its input.")
            % {"lot": input_batch.lot}
        )
    if output.status == Batch.Status.RECALLED:
        raise TraceabilityError(_("This batch was recalled: its record is closed."))
    with transaction.atomic():
        # Both rows locked (lowest id first): two inputs added at once cannot close a cycle.
        list(
            Batch.objects.select_for_update()
            .filter(pk__in=[output.pk, input_batch.pk])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if output.pk in input_closure(input_batch):
            raise TraceabilityError(
                _("Lot %(lot)s is made from this lot already: that would be a cycle.")
                % {"lot": input_batch.lot}
            )
        if BatchInput.objects.filter(output=output, input=input_batch).exists():
            raise TraceabilityError(
                _("Lot %(lot)s is already an input of this lot.") % {"lot": input_batch.lot}
            )
        row = BatchInput.objects.create(
            output=output,
            input=input_batch,
            quantity=quantity,
            unit=unit,
            recorded_by=user if getattr(user, "pk", None) else None,
        )
        Batch.objects.filter(pk=output.pk).update(updated_at=timezone.now())
    return row


def batch_remove_input(*, row, user=None) -> None:
    ensure_can_manage(user=user, batch=row.output)
    if row.output.status == Batch.Status.RECALLED:
        raise TraceabilityError(_("This batch was recalled: its record is closed."))
    with transaction.atomic():
        row.delete()
        Batch.objects.filter(pk=row.output_id).update(updated_at=timezone.now())


def stamps_void(
    *, batch: Batch, number_from: int, number_to: int | None = None, reason: str, user=None
) -> int:
    """Void one stamp or a range of stamp numbers (a lost label roll). Operators only."""
    if not is_operator(user):
        raise PermissionDenied(_("Only the province OCOP office voids stamps."))
    number_to = number_from if number_to is None else number_to
    if number_from < 1 or number_to < number_from:
        raise TraceabilityError(_("Give a range of stamp numbers from low to high."))
    if not (reason or "").strip():
        raise TraceabilityError(_("Give the reason (e.g. label roll lost)."))
    issued = batch.stamps.aggregate(last=Max("number"))["last"] or 0
    if number_to > issued:
        raise TraceabilityError(
            _("This batch has stamps 1 to %(n)s only.") % {"n": issued}
            if issued
            else _("This batch has no stamps yet.")
        )
    voided = stamps_transition(
        batch=batch,
        to_status="voided",
        actor=user,
        reason=reason.strip(),
        number_from=number_from,
        number_to=number_to,
    )
    if not voided:
        raise TraceabilityError(_("No stamp in that range can be voided (already voided?)."))
    return voided


def flag_review(*, flag: AnomalyFlag, outcome: str, note: str, user=None) -> AnomalyFlag:
    """An operator's review of an anomaly flag (operators only).

    *Explained* (a sample on a fair stand, a shop's display bag): the flag stops warning
    shoppers; a "too many scans" flag counts the stamp's scans so far as explained, so it
    opens again only after as many scans again. *Confirmed*: it keeps warning (void or
    recall from the batch's screen). Who, when and why are kept on the flag.
    """
    if not is_operator(user):
        raise PermissionDenied(_("Only the province OCOP office reviews anomaly flags."))
    note = (note or "").strip()
    if outcome not in (AnomalyFlag.Outcome.EXPLAINED, AnomalyFlag.Outcome.CONFIRMED):
        raise TraceabilityError(_("Choose whether the flag is explained or confirmed."))
    if not note:
        raise TraceabilityError(_("Say what you found (e.g. a sample on a fair stand)."))
    with transaction.atomic():
        # Stamp before flag: the order the scan flush locks them in.
        stamp = Stamp.objects.select_for_update().get(pk=flag.stamp_id)
        flag = AnomalyFlag.objects.select_for_update().get(pk=flag.pk)
        flag.outcome, flag.review_note = outcome, note[:500]
        flag.reviewed_at, flag.reviewed_by = timezone.now(), user
        flag.save(update_fields=["outcome", "review_note", "reviewed_at", "reviewed_by"])
        if outcome == AnomalyFlag.Outcome.EXPLAINED and flag.rule == flag.Rule.TOO_MANY_SCANS:
            stamp.scans_explained = stamp.scan_count
            stamp.save(update_fields=["scans_explained"])
    return flag


def stamp_order_create(
    *, batch: Batch, count: int, user=None, layout: str = "a4-65", run: bool = True
) -> StampOrder:
    """Order ``count`` stamps for ``batch``; the issuing task is queued after commit.

    The batch row is locked so two orders never get overlapping stamp numbers.
    """
    from .labels import LAYOUTS

    ensure_can_manage(user=user, batch=batch)
    maximum = settings.TRACE_MAX_STAMPS_PER_ORDER
    if not isinstance(count, int) or count <= 0:
        raise TraceabilityError(_("Order at least one stamp."))
    if count > maximum:
        raise TraceabilityError(
            _("One order holds at most %(max)s stamps.") % {"max": f"{maximum:,}"}
        )
    if layout not in LAYOUTS:
        raise TraceabilityError(_("Unknown label sheet %(layout)s.") % {"layout": layout})
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(pk=batch.pk)
        if batch.status == Batch.Status.RECALLED:
            raise TraceabilityError(_("This batch was recalled: no more stamps for it."))
        if not stamp_fits_qr(batch.gtin, batch.lot):
            raise TraceabilityError(str(LINK_TOO_LONG))
        ordered = batch.stamp_orders.aggregate(n=Sum("count"))["n"] or 0
        allowed = batch.quantity * (100 + settings.TRACE_STAMP_SPARE_PERCENT) // 100
        if ordered + count > allowed:
            raise TraceabilityError(
                _(
                    "The batch has %(quantity)s units and %(ordered)s stamps already; "
                    "at most %(left)s more can be ordered."
                )
                % {
                    "quantity": batch.quantity,
                    "ordered": ordered,
                    "left": max(allowed - ordered, 0),
                }
            )
        order = StampOrder.objects.create(
            batch=batch,
            count=count,
            first_number=ordered + 1,
            layout=layout,
            requested_by=user if getattr(user, "pk", None) else None,
        )
        if run:
            transaction.on_commit(lambda: stamp_order_queue(order_id=order.pk))
    return order


def stamp_order_queue(*, order_id: int) -> None:
    """Queue the issuing task; when the broker refuses, the order says FAILED (and can be
    retried from the admin) instead of waiting at 0 % for ever."""
    import logging

    from .tasks import issue_stamp_order

    try:
        issue_stamp_order.delay(order_id)
    except Exception as exc:  # broker down, or (eager mode) the task itself failed
        logging.getLogger(__name__).exception("stamp order %s could not run", order_id)
        StampOrder.objects.filter(pk=order_id).exclude(status=StampOrder.Status.DONE).update(
            status=StampOrder.Status.FAILED, error=str(exc)[:500]
        )


def stamp_order_retry(*, order: StampOrder, user=None) -> None:
    """Run a failed or stalled order again: issuing resumes after the last written stamp."""
    ensure_can_manage(user=user, batch=order.batch)
    if order.batch.status == Batch.Status.RECALLED:
        raise TraceabilityError(_("This batch was recalled: no more stamps for it."))
    if order.status == StampOrder.Status.DONE:
        raise TraceabilityError(_("This order is complete."))
    StampOrder.objects.filter(pk=order.pk).update(status=StampOrder.Status.QUEUED, error="")
    transaction.on_commit(lambda: stamp_order_queue(order_id=order.pk))


def may_inspect(user) -> bool:
    """An inspector, or an operator (who may inspect too)."""
    from marketplace.roles import INSPECTORS_GROUP

    return bool(
        user
        and user.is_authenticated
        and (user.groups.filter(name=INSPECTORS_GROUP).exists() or is_operator(user))
    )


def inspection_record(
    *,
    user,
    client_id,
    code: str,
    result: str,
    note: str = "",
    photo=None,
    inspected_at=None,
    offline_verdict: str = "",
    province=None,
):
    """Store an inspection sent by a phone; the same ``client_id`` again changes nothing.

    Returns ``(inspection, created)``.
    """
    from django.utils import timezone

    from .digital_link import MalformedLink, parse_stamp_uri
    from .models import Inspection
    from .scans import clean_location
    from .verification import INVALID, stamp_verify

    if not may_inspect(user):
        raise PermissionDenied(_("Only inspectors record inspections."))
    existing = Inspection.objects.filter(client_id=client_id).first()
    if existing is not None:
        if existing.inspector_id != user.pk:
            raise PermissionDenied(_("This inspection was recorded by someone else."))
        return existing, False
    if result not in Inspection.Result.values:
        raise TraceabilityError(
            _("Result must be one of: %(values)s.")
            % {"values": ", ".join(Inspection.Result.values)}
        )
    code = (code or "").strip()
    if not code:
        raise TraceabilityError(_("Give the scanned code."))
    if len(code) > 400:
        raise TraceabilityError(_("The scanned code is too long."))
    now = timezone.now()
    if inspected_at is None or inspected_at > now + datetime.timedelta(minutes=10):
        inspected_at = now
    try:
        verdict = stamp_verify(parse_stamp_uri(code))
    except MalformedLink:
        verdict = None
    inspection = Inspection(
        client_id=client_id,
        inspector=user,
        stamp=verdict.stamp if verdict else None,
        code=code,
        offline_verdict=(offline_verdict or "")[:16],
        server_verdict=verdict.verdict if verdict else INVALID,
        result=result,
        note=(note or "")[:2000],
        inspected_at=inspected_at,
        province_code=clean_location(province, None, None)["province"],
    )
    if photo is not None:
        from marketplace.uploads import checked_photo

        # Pillow checks it: a renamed non-image is refused, whatever its extension; it is
        # stored under a random name (the phone's name for it never reaches the disk).
        inspection.photo = checked_photo(photo, max_bytes=INSPECTION_PHOTO_MAX_BYTES)
    try:
        with transaction.atomic():
            inspection.save()
    except IntegrityError:
        # The same inspection sent twice at once (a phone retrying): keep the first.
        existing = Inspection.objects.filter(client_id=client_id, inspector=user).first()
        if existing is None:
            raise PermissionDenied(_("This inspection was recorded by someone else.")) from None
        return existing, False
    return inspection, True
