"""The demo's traceability data, and the stamp links the README offers to try."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command

from traceability.models import AnomalyFlag, Batch

pytestmark = pytest.mark.django_db
README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def demo():
    import io

    call_command("load_demo", "--no-images", stdout=io.StringIO())


def test_demo_batches_as_the_issue_describes(demo):
    tea = Batch.objects.get(lot="LB2603A")
    assert tea.variant.page.title == "Chè búp La Bằng" and tea.variant.unit_label == "Túi 200 g"
    assert tea.quantity == 2000 and tea.production_date.isoformat().startswith("2026-03")
    assert list(tea.events.values_list("step", flat=True)) == [
        "harvesting",
        "withering",
        "rolling",
        "drying",
        "packing",
        "inspecting",
    ]
    assert {e.place_name for e in tea.events.all()} == {"Xã La Bằng"}
    assert tea.status == "released"
    # One unit went out in the paid demo order, packed by its stamp (no. 20) and shipped.
    assert tea.stamps.filter(status="active").count() == 499
    shipped = tea.stamps.get(status="shipped")
    assert shipped.number == 20
    assert shipped.parcel.line.suborder.order.number == "DHDEMQ2346"
    assert shipped.parcel.line.suborder.status == "shipped"
    assert tea.stamps.filter(scan_count__gt=0).exists()
    assert set(AnomalyFlag.objects.filter(batch=tea).values_list("rule", flat=True)) == {
        "too_many_scans",
        "two_provinces",
    }
    apples = Batch.objects.get(lot="LH2608A")
    assert apples.production_date.month == 8 and apples.status == "released"
    gift = Batch.objects.get(lot="LBQ2604A")
    assert gift.variant.page.title == "Chè La Bằng hộp quà" and gift.status == "released"
    assert [(i.input.lot, i.quantity) for i in gift.inputs.all()] == [("LB2603A", 120)]
    recalled = Batch.objects.get(lot="NLH2608R")
    assert recalled.status == "recalled" and recalled.recall_reason
    assert set(recalled.stamps.values_list("status", flat=True)) == {"recalled"}
    assert recalled.stamp_orders.get().pdf_file


def test_the_readme_stamp_links_say_what_the_readme_promises(demo, client):
    links = {
        label.split(":")[0]: url.split("127.0.0.1:8000", 1)[1]
        for label, url in re.findall(
            r"\[([^\]]+)\]\((http://127\.0\.0\.1:8000/01/[^)]+)\)",
            README.read_text(encoding="utf-8"),
        )
    }
    assert set(links) == {"genuine", "forged", "recalled"}
    expected = {
        "genuine": (200, "genuine"),
        "forged": (404, "forged"),
        "recalled": (200, "recalled"),
    }
    for name, path in links.items():
        response = client.get(path, HTTP_ACCEPT="application/json")
        assert (response.status_code, response.json()["verdict"]) == expected[name], name
    # The demo's fixed serial carries its own row tag: scans of it need no Ed25519 check.
    from traceability.models import Stamp
    from traceability.signing import vouched_for

    stamp = Stamp.objects.select_related("batch").get(serial="DEMOLB2603A00001")
    signature = f"{stamp.key_id}.{stamp.signature}"
    assert vouched_for(stamp.gtin, stamp.batch.lot, stamp.serial, signature, stamp)


def test_loading_the_demo_twice_adds_no_batch_stamp_or_scan(demo):
    from cms.demo.loader import counts

    before = counts()
    import io

    call_command("load_demo", "--no-images", stdout=io.StringIO())
    assert counts() == before


def test_a_drill_on_the_demo_tea_reaches_the_shipped_demo_order(demo):
    from traceability.models import RecallRun
    from traceability.recall import drill, parcels

    tea = Batch.objects.get(lot="LB2603A")
    run = drill(tea)
    assert run.kind == RecallRun.Kind.DRILL
    assert run.counts["shipped"] == 1 and run.counts["suborders"] == 1
    assert [p["order_number"] for p in parcels([tea.pk])] == ["DHDEMQ2346"]
    assert Batch.objects.get(pk=tea.pk).status == "released"
