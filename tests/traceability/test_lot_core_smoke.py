import pytest
from django.test import TestCase

from orders import services as order_services
from orders.models import SubOrder
from traceability import packing, recall
from traceability.models import RecallNotice, Stamp
from traceability.services import batch_recall, batch_release

from ..workspace import sub_order, two_cooperatives
from .conftest import issue


@pytest.mark.django_db
def test_pack_ship_recall_smoke(tree, mailoutbox):
    ws = two_cooperatives(tree)
    from ..workspace import batch_of

    batch = batch_of(ws.tea_variant, "LB2603A")
    issue(batch, 5)
    batch = batch_release(batch=batch)
    so = sub_order(ws.a, ws.tea_variant, status=SubOrder.Status.CONFIRMED, quantity=2)
    stamps = list(batch.stamps.order_by("number"))
    packing.pack_stamp(suborder=so, code=stamps[0].uri, user=ws.staff_a)
    with pytest.raises(packing.PackingError) as err:
        packing.pack_stamp(suborder=so, code=stamps[0].uri, user=ws.staff_a)
    assert err.value.reason == "already_packed"
    with pytest.raises(order_services.OrderActionError):
        order_services.suborder_pack(so, actor=ws.staff_a)
    packing.pack_batch(
        suborder=so, line_id=so.lines.get().pk, batch_id=batch.pk, quantity=1, user=ws.staff_a
    )
    order_services.suborder_pack(so, actor=ws.staff_a)
    order_services.suborder_ship(so, actor=ws.staff_a, carrier="VNPost", tracking_number="X1")
    assert Stamp.objects.get(pk=stamps[0].pk).status == "shipped"
    r = recall.reach(batch)
    assert r.shipped == 2 and r.suborders == 1 and r.shoppers == 1
    with TestCase.captureOnCommitCallbacks(execute=True):
        batch_recall(batch=batch, reason="Dư lượng thuốc BVTV vượt ngưỡng")
    assert RecallNotice.objects.filter(order=so.order).count() == 1
    assert len(mailoutbox) == 1, [m.subject for m in mailoutbox]
    rows = list(recall.report_rows(batch))
    assert len(rows) == 2
    run = recall.drill(batch)
    assert run.counts["report_rows"] == 2
