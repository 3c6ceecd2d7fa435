"""Reads of traceability data, scoped to who asks."""

from django.db.models import QuerySet

from marketplace.roles import INSPECTORS_GROUP, member_cooperative_ids

from .models import Batch


class BatchNotFound(LookupError):
    pass


def batches_visible_to(user) -> QuerySet[Batch]:
    """Operators and inspectors see every batch; cooperative members their own."""
    qs = Batch.objects.select_related("variant__page", "cooperative")
    if user.groups.filter(name=INSPECTORS_GROUP).exists():
        return qs
    ids = member_cooperative_ids(user)
    return qs if ids is None else qs.filter(cooperative_id__in=ids)


def find_batch(lot: str, gtin: str | None = None) -> Batch:
    """The batch with this lot code (and GTIN, when two products share a lot code)."""
    qs = Batch.objects.select_related("variant__page", "cooperative").filter(lot=lot)
    if gtin:
        from catalog.gtin import InvalidGtin, normalize_gtin

        try:
            qs = qs.filter(gtin=normalize_gtin(gtin))
        except InvalidGtin as exc:
            raise BatchNotFound(str(exc)) from None
    found = list(qs[:2])
    if not found:
        raise BatchNotFound(f"No batch with lot code {lot!r}.")
    if len(found) > 1:
        raise BatchNotFound(f"Several products have a lot {lot!r}: give --gtin.")
    return found[0]
