"""Cooperatives fulfil their own sub-orders in the admin; operators see and settle every order."""

import pytest
from django.core import mail
from django.urls import reverse

from catalog.models import Stock
from marketplace.roles import OPERATORS_GROUP, ensure_role_groups
from marketplace.services import membership_add
from orders import services
from orders.models import Order, Payment, SubOrder
from traceability.models import Batch
from traceability.packing import pack_batch

from ..factories import UserFactory
from ..workspace import batch_of
from .conftest import line

pytestmark = pytest.mark.django_db
SUB = "wagtailsnippets_orders_suborder"
ORD = "wagtailsnippets_orders_order"


@pytest.fixture
def members(shop):
    ensure_role_groups()
    tea_staff = UserFactory(username="labang-staff")
    membership_add(user=tea_staff, cooperative=shop.tea_coop, role="staff")
    fruit_staff = UserFactory(username="lahien-staff")
    membership_add(user=fruit_staff, cooperative=shop.fruit_coop, role="staff")
    operator = UserFactory(username="operator")
    from django.contrib.auth.models import Group

    operator.groups.add(Group.objects.get(name=OPERATORS_GROUP))
    return tea_staff, fruit_staff, operator


@pytest.fixture
def cod_order(shop, customer):
    return services.place_order(
        lines=[line(shop.tea_variant, 2), line(shop.apple_variant, 1)],
        customer=customer,
        payment_method="cod",
    )


def part(order, coop) -> SubOrder:
    return order.suborders.get(cooperative=coop)


def act(client, suborder, action, follow=False, **data):
    return client.post(reverse(f"{SUB}:action", args=[suborder.pk, action]), data, follow=follow)


def record_by_batch(client, suborder):
    """What the packer does on the packing screen for a product without stamps: each line's
    units recorded from a released batch of its product."""
    for order_line in suborder.lines.all():
        batch = batch_of(order_line.variant, f"L{order_line.pk}", status=Batch.Status.RELEASED)
        client.post(
            reverse(f"{SUB}:pack_batch", args=[suborder.pk]),
            {"line": order_line.pk, "batch": batch.pk, "quantity": order_line.quantity},
        )


def test_each_cooperative_sees_only_its_own_sub_orders(client, members, cod_order, shop):
    tea_staff = members[0]
    tea_part, fruit_part = part(cod_order, shop.tea_coop), part(cod_order, shop.fruit_coop)
    client.force_login(tea_staff)
    listing = client.get(reverse(f"{SUB}:list")).content.decode()
    assert shop.tea_coop.name in listing and shop.fruit_coop.name not in listing
    assert client.get(reverse(f"{SUB}:detail", args=[tea_part.pk])).status_code == 200
    # Wagtail's admin answers a refusal with a redirect to the dashboard and a message.
    assert client.get(reverse(f"{SUB}:detail", args=[fruit_part.pk])).status_code in (302, 403)
    assert act(client, fruit_part, "confirm").status_code in (302, 403)
    assert SubOrder.objects.get(pk=fruit_part.pk).status == SubOrder.Status.NEW
    # Not the operator's order screen, nor the all-orders list's rows.
    assert client.get(reverse(f"{ORD}:detail", args=[cod_order.pk])).status_code in (302, 403)
    assert cod_order.number not in client.get(reverse(f"{ORD}:list")).content.decode()


def test_confirm_pack_ship_deliver_and_collect_cash(client, members, cod_order, shop):
    tea_staff, fruit_staff, _ = members
    tea_part = part(cod_order, shop.tea_coop)
    client.force_login(tea_staff)
    # Shipping before packing is refused with a message, nothing moves.
    response = act(client, tea_part, "ship", carrier="VNPost", tracking_number="EB1", follow=True)
    assert SubOrder.objects.get(pk=tea_part.pk).status == SubOrder.Status.NEW
    assert "Hãy đóng gói đơn hàng trước" in " ".join(str(m) for m in response.context["messages"])
    act(client, tea_part, "confirm")
    # Packed waits until every unit's batch (or stamp) is recorded on the packing screen.
    act(client, tea_part, "pack")
    assert SubOrder.objects.get(pk=tea_part.pk).status == SubOrder.Status.CONFIRMED
    record_by_batch(client, tea_part)
    act(client, tea_part, "pack")
    assert SubOrder.objects.get(pk=tea_part.pk).status == SubOrder.Status.PACKED
    response = act(client, tea_part, "ship", carrier="", tracking_number="")
    assert response.status_code == 400  # form error: carrier and tracking number required
    mail.outbox.clear()
    act(client, tea_part, "ship", carrier="Viettel Post", tracking_number="VTP123456")
    tea_part.refresh_from_db()
    assert (tea_part.status, tea_part.carrier, tea_part.tracking_number) == (
        "shipped",
        "Viettel Post",
        "VTP123456",
    )
    stock = Stock.objects.get(variant=shop.tea_variant)
    assert (stock.on_hand, stock.reserved) == (18, 0)  # the 2 reserved units left
    act(client, tea_part, "deliver")
    act(client, tea_part, "collect")
    tea_part.refresh_from_db()
    assert tea_part.status == "delivered" and tea_part.cod_collected_at
    # The custard apples are a pre-order: they cannot ship before the harvest is in stock.
    fruit_part = part(cod_order, shop.fruit_coop)
    client.force_login(fruit_staff)
    act(client, fruit_part, "confirm")
    record_by_batch(client, fruit_part)
    act(client, fruit_part, "pack")
    response = act(client, fruit_part, "ship", carrier="GHN", tracking_number="G1", follow=True)
    assert "thu hoạch" in " ".join(str(m) for m in response.context["messages"])
    Stock.objects.filter(variant=shop.apple_variant).update(on_hand=50)
    act(client, fruit_part, "ship", carrier="GHN", tracking_number="G1")
    assert Stock.objects.get(variant=shop.apple_variant).on_hand == 49
    act(client, fruit_part, "deliver")
    order = Order.objects.get(pk=cod_order.pk)
    assert order.status == Order.Status.PROCESSING  # the fruit's cash is not collected yet
    act(client, fruit_part, "collect")
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED and order.is_paid
    assert order.payments.get().status == Payment.Status.SUCCEEDED
    history = list(order.status_changes.values_list("subject", "to_status"))
    assert ("suborder", "shipped") in history and ("order", "completed") in history


def test_shipping_emails_the_shopper(
    client, members, cod_order, shop, django_capture_on_commit_callbacks
):
    tea_staff = members[0]
    tea_part = part(cod_order, shop.tea_coop)
    services.suborder_confirm(tea_part, actor=tea_staff)
    line_ = tea_part.lines.get()
    batch = batch_of(line_.variant, "LB2603A", status=Batch.Status.RELEASED)
    pack_batch(suborder=tea_part, line_id=line_.pk, batch_id=batch.pk, quantity=line_.quantity)
    services.suborder_pack(tea_part, actor=tea_staff)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.suborder_ship(
            tea_part, actor=tea_staff, carrier="Viettel Post", tracking_number="VTP9"
        )
    [message] = mail.outbox
    assert message.to == ["lan@example.vn"]
    assert "VTP9" in message.body and "Viettel Post" in message.body


def test_cooperative_cancels_its_part_and_the_rest_goes_on(client, members, cod_order, shop):
    tea_staff = members[0]
    client.force_login(tea_staff)
    tea_part = part(cod_order, shop.tea_coop)
    assert act(client, tea_part, "cancel", reason="").status_code == 400
    act(client, tea_part, "cancel", reason="Hết hàng loại này")
    assert SubOrder.objects.get(pk=tea_part.pk).status == "cancelled"
    assert Stock.objects.get(variant=shop.tea_variant).reserved == 0
    assert Order.objects.get(pk=cod_order.pk).status == Order.Status.PROCESSING


def test_operator_confirms_a_transfer_seen_on_the_statement(client, members, shop, customer):
    order = services.place_order(
        lines=[line(shop.tea_variant)], customer=customer, payment_method="vietqr"
    )
    client.force_login(members[2])
    screen = client.get(reverse(f"{ORD}:detail", args=[order.pk]))
    assert screen.status_code == 200 and order.number in screen.content.decode()
    url = reverse(f"{ORD}:action", args=[order.pk, "confirm_transfer"])
    assert client.post(url, {"reference": ""}).status_code == 400
    client.post(url, {"reference": "FT999"})
    order.refresh_from_db()
    assert order.is_paid and order.status == Order.Status.PROCESSING
    change = order.status_changes.get(subject="payment", to_status="succeeded")
    assert change.actor == members[2]
    # Then a staff-recorded refund (transfer back): amount bounded by what was paid.
    refund_url = reverse(f"{ORD}:action", args=[order.pk, "refund"])
    response = client.post(
        refund_url, {"amount": order.total + 1, "reference": "FT-BACK", "reason": "x"}, follow=True
    )
    assert "Số tiền hoàn phải từ 1 đến" in " ".join(str(m) for m in response.context["messages"])
    assert not order.payments.get().refunds.exists()
    client.post(refund_url, {"amount": order.total, "reference": "FT-BACK", "reason": "trả lại"})
    assert order.payments.get().status == Payment.Status.REFUNDED


def test_stall_vietqr_for_the_members_own_cooperative(client, members, shop):
    tea_staff = members[0]
    shop.tea_coop.bank_bin, shop.tea_coop.bank_account_number = "970405", "3100205123456"
    shop.tea_coop.bank_account_name = "HTX CHE LA BANG"
    shop.tea_coop.save()
    client.force_login(tea_staff)
    html = client.get(reverse("orders_stall_vietqr")).content.decode()
    assert "HTX CHE LA BANG" in html and "<svg" in html
    assert shop.fruit_coop.name not in html
    start = html.index("data-payload>") + len("data-payload>")
    payload = html[start : html.index("<", start)]
    from .test_vietqr import decode

    decoded = decode(payload)
    assert decoded["valid"] and decoded["account"] == "3100205123456" and not decoded.get("amount")


def test_new_sub_order_email_goes_to_the_cooperative(
    members, shop, customer, django_capture_on_commit_callbacks
):
    tea_staff = members[0]
    with django_capture_on_commit_callbacks(execute=True):
        order = services.place_order(
            lines=[line(shop.tea_variant)], customer=customer, payment_method="cod"
        )
    to_coop = [m for m in mail.outbox if tea_staff.email in m.to]
    assert len(to_coop) == 1
    assert order.number in to_coop[0].subject
    assert reverse(f"{SUB}:detail", args=[part(order, shop.tea_coop).pk]) in to_coop[0].body
