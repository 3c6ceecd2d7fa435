"""The resolver of a lot made from other lots (one step up): a shopper scanning the output's
stamp sees where its inputs came from, and at once when one of them is recalled."""

import datetime

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from traceability.services import (
    batch_add_input,
    batch_create,
    batch_recall,
    batch_release,
)

from ..factories import add_product
from .conftest import issue

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}
REASON = "Dư lượng thuốc bảo vệ thực vật vượt ngưỡng"


def path_of(stamp) -> str:
    return stamp.uri.split("127.0.0.1:8000", 1)[1]


def made_from(html: str) -> str:
    """The page's "Made from" section alone."""
    assert 'class="trace-card trace-inputs"' in html
    return html.split('class="trace-card trace-inputs"', 1)[1].split("</section>", 1)[0]


def input_lot(variant, lot, day=1, quantity=500):
    return batch_create(
        variant=variant,
        lot=lot,
        production_date=datetime.date(2026, 3, day),
        quantity=quantity,
    )


@pytest.fixture
def gift_box(released_batch, tree):
    """The fixture's tea lot made from a honey lot (12.5 kg) and a lot of dried flowers
    (40 pieces), both of the same cooperative, released."""
    honey = add_product(tree.coop_page, title="Mật ong hoa nhãn", stock=5).variants.get()
    flowers = add_product(tree.coop_page, title="Hoa nhài sấy", stock=5).variants.get()
    inputs = [
        batch_release(batch=input_lot(honey, "MO2602", day=2)),
        batch_release(batch=input_lot(flowers, "HN2603", day=10)),
    ]
    batch_add_input(output=released_batch, input_batch=inputs[0], quantity="12.5", unit="KGM")
    batch_add_input(output=released_batch, input_batch=inputs[1], quantity="40", unit="H87")
    stamp = released_batch.stamps.order_by("number").first()
    return stamp, inputs


def test_the_output_stamps_json_names_each_inputs_origin(client, gift_box, tree):
    stamp, _inputs = gift_box
    data = client.get(path_of(stamp), **JSON).json()
    assert data["verdict"] == "genuine"
    honey, flowers = data["inputs"]
    assert honey == {
        "lot": "MO2602",
        "gtin": _inputs[0].gtin,
        "product": "Mật ong hoa nhãn",
        "variant": _inputs[0].variant.unit_label,
        "cooperative": tree.cooperative.name,
        "place": "Xã La Bằng, Thái Nguyên",
        "production_date": "2026-03-02",
        "status": "released",
        "recalled_at": None,
        "recall_reason": "",
        "quantity": 12.5,
        "unit": "KGM",
        "unit_label": "kg",
    }
    assert (flowers["lot"], flowers["quantity"], flowers["unit"]) == ("HN2603", 40, "H87")
    assert flowers["production_date"] == "2026-03-10"


def test_the_output_stamps_page_shows_made_from(client, gift_box, tree):
    stamp, _inputs = gift_box
    html = client.get(path_of(stamp)).content.decode()
    assert "verdict--genuine" in html
    section = made_from(html)
    assert "Mật ong hoa nhãn" in section and "Hoa nhài sấy" in section
    assert "MO2602" in section and "HN2603" in section
    assert tree.cooperative.name in section
    assert "Xã La Bằng, Thái Nguyên" in section
    assert "02/03/2026" in section and "10/03/2026" in section
    assert "12,5 kg" in section  # Vietnamese decimal comma
    assert "trace-input--recalled" not in section
    english = client.get(path_of(stamp), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Made from" in english and "12.5 kg" in made_from(english)


def test_a_lot_without_inputs_has_no_made_from_section(client, released_batch):
    stamp = released_batch.stamps.order_by("number").first()
    assert client.get(path_of(stamp), **JSON).json()["inputs"] == []
    assert "trace-inputs" not in client.get(path_of(stamp)).content.decode()


def test_an_input_recalled_shows_on_the_outputs_next_scan(client, gift_box):
    stamp, (honey, _flowers) = gift_box
    # Both caches warm: the shared one and this process's copy.
    assert client.get(path_of(stamp), **JSON).json()["inputs"][0]["status"] == "released"
    assert "trace-input--recalled" not in client.get(path_of(stamp)).content.decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        batch_recall(batch=honey, reason=REASON)

    data = client.get(path_of(stamp), **JSON).json()
    first = data["inputs"][0]
    assert (first["lot"], first["status"], first["recall_reason"]) == ("MO2602", "recalled", REASON)
    assert first["recalled_at"]
    assert data["inputs"][1]["status"] == "released"
    # The output itself was not recalled: its own verdict stands.
    assert data["verdict"] == "genuine"
    section = made_from(client.get(path_of(stamp)).content.decode())
    assert 'data-lot="MO2602" data-status="recalled"' in section
    assert "trace-input--recalled" in section and REASON in section
    assert 'data-lot="HN2603" data-status="released"' in section


def _scan_queries(client, stamp) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path_of(stamp), **JSON).status_code == 200
    return len(queries.captured_queries)


def test_resolving_an_output_costs_the_same_queries_with_1_or_5_inputs(
    client, released_batch, settings
):
    settings.TRACE_SCAN_FLUSH_SIZE = 1000  # the request itself, not the bulk flush
    variant = released_batch.variant
    inputs = [batch_release(batch=input_lot(variant, f"IN{n}", day=n)) for n in range(1, 6)]

    def output(lot, count):
        made = input_lot(variant, lot, day=14, quantity=100)
        for row in inputs[:count]:
            batch_add_input(output=made, input_batch=row, quantity="2", unit="KGM")
        issue(made, 1)
        return batch_release(batch=made).stamps.get()

    one, five = output("OUT1", 1), output("OUT5", 5)
    _scan_queries(client, released_batch.stamps.first())  # what any first scan warms
    cold_one = _scan_queries(client, one)
    cold_five = _scan_queries(client, five)
    assert len(client.get(path_of(five), **JSON).json()["inputs"]) == 5
    assert cold_five == cold_one, (cold_one, cold_five)
    # Warm, it is the one query of any scan.
    assert _scan_queries(client, five) == 1


def test_a_shipped_stamp_still_resolves_genuine(client, gift_box, tree):
    from orders import services as order_services
    from orders.models import SubOrder
    from traceability import packing

    from ..workspace import sub_order

    stamp, _inputs = gift_box
    parcel = sub_order(
        tree.cooperative, stamp.batch.variant, status=SubOrder.Status.CONFIRMED, quantity=1
    )
    packing.pack_stamp(suborder=parcel, code=stamp.uri)
    order_services.suborder_pack(parcel, actor=None)
    order_services.suborder_ship(parcel, actor=None, carrier="VNPost", tracking_number="EB9")

    data = client.get(path_of(stamp), HTTP_ACCEPT_LANGUAGE="en", **JSON).json()
    assert data["verdict"] == "genuine" and data["warnings"] == []
    assert data["stamp"]["status"] == "shipped"
    assert data["reasons"] == ["Genuine stamp issued by OCOP Market."]
    html = client.get(path_of(stamp)).content.decode()
    assert "verdict--genuine" in html and "trace-warnings" not in html
    assert "trace-inputs" in html
