"""The batch screen's "Made from" section: a cooperative records the lots a batch was made
from; every refusal is a form error (400) with nothing recorded; other cooperatives cannot
touch it; a recall of an input reaches the buyers of what was made from it."""

import datetime
import html as htmllib
from decimal import Decimal

import pytest
from django.test import TestCase
from django.urls import reverse

from marketplace.roles import OPERATORS_GROUP, ensure_role_groups
from marketplace.services import membership_add
from orders import services as order_services
from orders.models import SubOrder
from traceability import packing, recall
from traceability.models import BatchInput, RecallNotice
from traceability.services import batch_create, batch_recall, batch_release

from ..factories import CooperativeFactory, UserFactory, add_cooperative_page, add_product
from ..workspace import prefer_language, sub_order

pytestmark = pytest.mark.django_db
NS = "wagtailsnippets_traceability_batch"
DAY = datetime.date(2026, 3, 15)


def url(name, *args):
    return reverse(f"{NS}:{name}", args=args)


def denied(response) -> bool:
    """Wagtail answers a PermissionDenied in the admin with a redirect to the dashboard."""
    return response.status_code in (403, 404) or (
        response.status_code == 302 and response.url == "/admin/"
    )


@pytest.fixture
def member(tree):
    user = UserFactory(username="htx-member")
    membership_add(user=user, cooperative=tree.cooperative, role="owner")
    return prefer_language(user, "en")


@pytest.fixture
def outsider(tree):
    other = CooperativeFactory(name="HTX Khác")
    page = add_cooperative_page(tree.index, other)
    user = UserFactory(username="htx-outsider")
    membership_add(user=user, cooperative=other, role="owner")
    variant = add_product(page, title="Mật ong Mèo Vạc").variants.get()
    user.foreign_lot = batch_create(
        variant=variant, lot="MV2601", production_date=datetime.date(2026, 1, 5), quantity=50
    )
    return prefer_language(user, "en")


@pytest.fixture
def lots(tree):
    """Three lots of the cooperative made the same day (so only the cycle rule can refuse),
    and one made later."""
    variant = add_product(tree.coop_page, title="Chè búp La Bằng", stock=100).variants.get()

    def lot(code, day=DAY):
        return batch_create(variant=variant, lot=code, production_date=day, quantity=100)

    return {
        "A": lot("LBA"),
        "B": lot("LBB"),
        "C": lot("LBC"),
        "later": lot("LBL", DAY + datetime.timedelta(days=3)),
    }


def add(client, output, input_batch, quantity="2", unit="KGM"):
    return client.post(
        url("input_add", output.pk),
        {
            "input_batch": getattr(input_batch, "pk", input_batch),
            "quantity": quantity,
            "unit": unit,
        },
    )


def text(response) -> str:
    return htmllib.unescape(response.content.decode())


def refused(response, message: str) -> None:
    assert response.status_code == 400
    page = text(response)
    section = page.split('id="batch-inputs"', 1)[1].split("</section>", 1)[0]
    assert message in section, section


def test_the_batch_screen_shows_made_from_with_a_form(client, member, lots):
    client.force_login(member)
    page = text(client.get(url("stamps", lots["A"].pk)))
    section = page.split('id="batch-inputs"', 1)[1].split("</section>", 1)[0]
    assert "Made from" in section and "No input lots recorded." in section
    options = section.split('name="input_batch"', 1)[1].split("</select>", 1)[0]
    # The cooperative's other lots made no later than this one; not itself, not the later one.
    assert "LBB" in options and "LBC" in options
    assert "LBA" not in options and "LBL" not in options


def test_a_member_records_an_input_and_removes_it(client, member, lots):
    client.force_login(member)
    a, b = lots["A"], lots["B"]
    response = add(client, a, b, quantity="12.5", unit="KGM")
    assert response.status_code == 302 and response.url.endswith("#batch-inputs")
    row = BatchInput.objects.get()
    assert (row.output, row.input, row.quantity, row.unit) == (a, b, Decimal("12.5"), "KGM")
    assert row.recorded_by == member
    page = text(client.get(url("stamps", a.pk)))
    assert "Recorded: this lot was made from lot LBB." in page
    recorded = page.split('data-input-lot="LBB"', 1)[1].split("</tr>", 1)[0]
    assert "12.5 kg" in recorded
    # Already an input: no longer offered.
    options = page.split('name="input_batch"', 1)[1].split("</select>", 1)[0]
    assert "LBB" not in options and "LBC" in options

    response = client.post(url("input_remove", a.pk, row.pk))
    assert response.status_code == 302
    assert not BatchInput.objects.exists()
    assert "Lot LBB is no longer recorded as an input." in text(client.get(url("stamps", a.pk)))


def test_a_lot_cannot_be_made_from_itself(client, member, lots):
    client.force_login(member)
    refused(add(client, lots["A"], lots["A"]), "A lot cannot be made from itself.")
    assert not BatchInput.objects.exists()


def test_a_direct_cycle_is_refused(client, member, lots):
    client.force_login(member)
    a, b = lots["A"], lots["B"]
    assert add(client, a, b).status_code == 302  # A made from B
    refused(add(client, b, a), "Lot LBA is made from this lot already: that would be a cycle.")
    assert list(BatchInput.objects.values_list("output__lot", "input__lot")) == [("LBA", "LBB")]


def test_an_indirect_cycle_is_refused(client, member, lots):
    client.force_login(member)
    a, b, c = lots["A"], lots["B"], lots["C"]
    assert add(client, a, b).status_code == 302  # A made from B
    assert add(client, b, c).status_code == 302  # B made from C
    refused(add(client, c, a), "Lot LBA is made from this lot already: that would be a cycle.")
    assert BatchInput.objects.count() == 2
    assert not BatchInput.objects.filter(output=c).exists()


def test_an_input_made_after_the_output_is_refused(client, member, lots):
    client.force_login(member)
    refused(
        add(client, lots["A"], lots["later"]),
        "Lot LBL was made after this one: it cannot be its input.",
    )
    assert not BatchInput.objects.exists()


def test_another_cooperatives_lot_is_refused(client, member, outsider, lots):
    client.force_login(member)
    refused(
        add(client, lots["A"], outsider.foreign_lot),
        "Choose one of this cooperative's lots: an input comes from the same cooperative.",
    )
    assert not BatchInput.objects.exists()


def test_an_operator_cannot_mix_cooperatives_either(client, outsider, lots):
    operator = UserFactory(username="operator", is_staff=True)
    operator.groups.add(ensure_role_groups()[OPERATORS_GROUP])
    client.force_login(prefer_language(operator, "en"))
    refused(
        add(client, lots["A"], outsider.foreign_lot),
        "Choose one of this cooperative's lots: an input comes from the same cooperative.",
    )
    assert not BatchInput.objects.exists()


BAD_QUANTITIES = {
    "negative": ("-1", "Give the quantity used as a number above 0."),
    "zero": ("0", "Give the quantity used as a number above 0."),
    "not a number": ("abc", "Give the quantity used as a number."),
    "infinite": ("1e999", "Give the quantity used as a number above 0."),
    "NaN": ("NaN", "Give the quantity used as a number above 0."),
    "10^12": ("1000000000000", "Give the quantity used as a number above 0."),
    "too precise": ("1.0001", "Give the quantity with at most 3 decimals."),
    "NUL byte": ("1\x00", "Null characters are not allowed."),
    "control character": ("1\x01", "control character"),
    "empty": ("", "This field is required."),
    "overlong": ("1" * 40, "Ensure this value has at most 32 characters"),
}


@pytest.mark.parametrize("quantity,message", BAD_QUANTITIES.values(), ids=BAD_QUANTITIES.keys())
def test_bad_quantities_are_form_errors(client, member, lots, quantity, message):
    client.force_login(member)
    refused(add(client, lots["A"], lots["B"], quantity=quantity), message)
    assert not BatchInput.objects.exists()


@pytest.mark.parametrize(
    "lot_id",
    ["abc", "1\x00", str(10**30), "-3", ""],
    ids=["text", "NUL", "huge", "negative", "none"],
)
def test_bad_lot_choices_are_form_errors(client, member, lots, lot_id):
    client.force_login(member)
    response = add(client, lots["A"], lot_id)
    assert response.status_code == 400
    assert not BatchInput.objects.exists()


def test_an_unknown_unit_is_a_form_error(client, member, lots):
    client.force_login(member)
    refused(add(client, lots["A"], lots["B"], unit="XYZ"), "Select a valid choice.")
    assert not BatchInput.objects.exists()


def test_other_cooperatives_cannot_add_or_remove_inputs(client, member, outsider, lots):
    a, b = lots["A"], lots["B"]
    client.force_login(member)
    assert add(client, a, b).status_code == 302
    row = BatchInput.objects.get()
    client.force_login(outsider)
    assert denied(add(client, a, lots["C"]))
    assert denied(client.post(url("input_remove", a.pk, row.pk)))
    assert denied(client.get(url("stamps", a.pk)))
    assert list(BatchInput.objects.all()) == [row]
    # Their own batch does not open someone else's input row either.
    assert client.post(url("input_remove", outsider.foreign_lot.pk, row.pk)).status_code == 404
    assert BatchInput.objects.count() == 1


def test_a_recalled_output_is_closed(client, member, lots):
    a, b = lots["A"], lots["B"]
    client.force_login(member)
    assert add(client, a, b).status_code == 302
    batch_recall(batch=a, reason="Nấm mốc")
    refused(add(client, a, lots["C"]), "This batch was recalled: its record is closed.")
    page = text(client.get(url("stamps", a.pk)))
    assert "data-input-form" not in page  # no form on a closed record
    client.post(url("input_remove", a.pk, BatchInput.objects.get().pk))
    assert BatchInput.objects.count() == 1


def test_recalling_an_input_reaches_the_outputs_buyers(client, tree, member, lots, mailoutbox):
    a, b = lots["A"], lots["B"]
    client.force_login(member)
    assert add(client, a, b, quantity="30", unit="H87").status_code == 302
    a = batch_release(batch=a)
    parcel = sub_order(tree.cooperative, a.variant, status=SubOrder.Status.CONFIRMED, quantity=3)
    packing.pack_batch(suborder=parcel, line_id=parcel.lines.get().pk, batch_id=a.pk, quantity=3)
    order_services.suborder_pack(parcel, actor=None)
    order_services.suborder_ship(parcel, actor=None, carrier="VNPost", tracking_number="EB2")
    other = sub_order(tree.cooperative, a.variant, status=SubOrder.Status.CONFIRMED, quantity=1)

    found = recall.reach(b)
    assert found.batch_ids == [b.pk, a.pk]
    assert [o.lot for o in found.outputs] == ["LBA"]
    assert (found.suborders, found.shoppers, found.output_units) == (1, 1, 3)
    assert found.used_in_outputs == 30
    reached = recall.parcels(found.batch_ids)
    assert [p["suborder_id"] for p in reached] == [parcel.pk]
    assert other.pk not in {p["suborder_id"] for p in reached}

    with TestCase.captureOnCommitCallbacks(execute=True):
        batch_recall(batch=b, reason="Dư lượng thuốc BVTV")
    notice = RecallNotice.objects.get()
    assert (notice.batch, notice.order, notice.lots) == (b, parcel.order, "LBA")
    assert [m.to for m in mailoutbox] == [[parcel.order.email]]


@pytest.mark.parametrize(("typed", "recorded"), [("12,5", "12.5"), ("1.200,25", "1200.25")])
def test_a_vietnamese_decimal_comma_is_read_as_typed(client, member, lots, typed, recorded):
    client.force_login(member)
    response = add(client, lots["A"], lots["B"], quantity=typed, unit="KGM")
    assert response.status_code == 302
    assert BatchInput.objects.get().quantity == Decimal(recorded)
