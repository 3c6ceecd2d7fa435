"""The three state machines: every move the table allows works and is audited; every other
move is refused and changes nothing."""

import pytest

from orders import services
from orders.models import Order, Payment, StatusChange, SubOrder
from orders.states import (
    ORDER_TRANSITIONS,
    PAYMENT_TRANSITIONS,
    SUBORDER_TRANSITIONS,
    ForbiddenTransition,
    transition,
)

from ..factories import UserFactory
from .conftest import line

pytestmark = pytest.mark.django_db

MACHINES = [
    (Order, ORDER_TRANSITIONS, lambda order: order),
    (SubOrder, SUBORDER_TRANSITIONS, lambda order: order.suborders.get()),
    (Payment, PAYMENT_TRANSITIONS, lambda order: order.payments.get()),
]


@pytest.mark.parametrize(("model", "table", "pick"), MACHINES, ids=["order", "suborder", "payment"])
def test_every_move_is_allowed_exactly_as_the_table_says(shop, customer, model, table, pick):
    order = services.place_order(
        lines=[line(shop.tea_variant)], customer=customer, payment_method="vietqr"
    )
    obj = pick(order)
    actor = UserFactory(username="staff-x")
    statuses = [value for value, _ in model.Status.choices]
    assert set(table) == set(statuses)  # every state has a row
    for source in statuses:
        for target in statuses:
            model.objects.filter(pk=obj.pk).update(status=source)
            obj.refresh_from_db()
            before = StatusChange.objects.count()
            if target in table[source]:
                transition(obj, target, actor=actor, reason="test move")
                assert model.objects.get(pk=obj.pk).status == target
                change = StatusChange.objects.latest("pk")
                assert (change.from_status, change.to_status) == (source, target)
                assert (change.actor, change.reason) == (actor, "test move")
                assert change.created_at is not None
            else:
                with pytest.raises(ForbiddenTransition):
                    transition(obj, target, actor=actor, reason="not allowed")
                assert model.objects.get(pk=obj.pk).status == source
                assert StatusChange.objects.count() == before


def test_terminal_states_have_no_way_out():
    assert ORDER_TRANSITIONS[Order.Status.COMPLETED] == set()
    assert ORDER_TRANSITIONS[Order.Status.CANCELLED] == set()
    assert SUBORDER_TRANSITIONS[SubOrder.Status.DELIVERED] == set()
    assert PAYMENT_TRANSITIONS[Payment.Status.REFUNDED] == set()
    # A success is never undone by a later failure (webhooks arrive out of order).
    assert Payment.Status.FAILED not in PAYMENT_TRANSITIONS[Payment.Status.SUCCEEDED]


def test_refusal_message_names_the_states_in_the_shoppers_language(shop, customer):
    from django.utils import translation

    order = services.place_order(
        lines=[line(shop.tea_variant)], customer=customer, payment_method="cod"
    )
    suborder = order.suborders.get()
    with translation.override("vi"), pytest.raises(ForbiddenTransition) as caught:
        transition(suborder, SubOrder.Status.DELIVERED)
    assert "Mới: chờ xác nhận" in str(caught.value)
