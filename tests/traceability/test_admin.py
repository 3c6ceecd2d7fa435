"""Batches in the Wagtail admin: each cooperative sees and acts on its own, operators recall
and void, print files only for who may print."""

import pytest
from django.urls import reverse

from marketplace.roles import INSPECTORS_GROUP, OPERATORS_GROUP, ensure_role_groups
from marketplace.services import membership_add
from traceability.models import AnomalyFlag, Batch, StampOrder, TraceEvent

from ..factories import CooperativeFactory, UserFactory, add_cooperative_page, add_product
from .conftest import issue

pytestmark = pytest.mark.django_db
NS = "wagtailsnippets_traceability_batch"


def url(name, *args):
    return reverse(f"{NS}:{name}", args=args)


@pytest.fixture
def member(tree):
    user = UserFactory(username="htx-member")
    membership_add(user=user, cooperative=tree.cooperative, role="owner")
    return user


@pytest.fixture
def outsider(tree):
    other = CooperativeFactory(name="HTX Khác")
    page = add_cooperative_page(tree.index, other)
    user = UserFactory(username="htx-outsider")
    membership_add(user=user, cooperative=other, role="owner")
    user.other_product = add_product(page, title="Mật ong Mèo Vạc")
    return user


def denied(response) -> bool:
    """Wagtail answers a PermissionDenied in the admin with a redirect to the dashboard."""
    return response.status_code == 403 or (
        response.status_code == 302 and response.url == "/admin/"
    )


@pytest.fixture
def operator(db):
    groups = ensure_role_groups()
    user = UserFactory(username="operator", is_staff=True)
    user.groups.add(groups[OPERATORS_GROUP])
    return user


def batch_form(variant, **overrides):
    data = {
        "variant": variant.pk,
        "lot": "LB2604B",
        "quantity": "1500",
        "production_date": "2026-04-02",
        "best_before": "2027-04-02",
        "field_area": "Đồi chè Khuôn Ngàn",
        "notes": "",
        "events-TOTAL_FORMS": "2",
        "events-INITIAL_FORMS": "0",
        "events-MIN_NUM_FORMS": "0",
        "events-MAX_NUM_FORMS": "1000",
        "events-0-step": "harvesting",
        "events-0-event_time": "2026-04-02 06:30",
        "events-0-read_point_ward_code": "5818",
        "events-0-output_quantity": "320",
        "events-0-unit": "KGM",
        "events-1-step": "withering",
        "events-1-event_time": "2026-04-02 14:00",
        "events-1-input_quantity": "320",
        "events-1-unit": "KGM",
    }
    data.update(overrides)
    return data


def test_member_creates_a_batch_with_events_in_the_admin(client, member, variant):
    client.force_login(member)
    response = client.post(url("add"), batch_form(variant))
    assert response.status_code == 302, response.context["form"].errors
    batch = Batch.objects.get(lot="LB2604B")
    assert batch.cooperative_id == variant.page.cooperative_id and batch.gtin == variant.gtin
    assert list(batch.events.values_list("step", flat=True)) == ["harvesting", "withering"]
    event = batch.events.first()
    assert event.event_time.utcoffset().total_seconds() == 0  # stored in UTC...
    assert TraceEvent.objects.get(step="harvesting").time_zone_offset == "+07:00"  # ...zone kept


def test_member_cannot_pick_another_cooperatives_variant(client, member, outsider):
    client.force_login(member)
    foreign = outsider.other_product.variants.get()
    response = client.post(url("add"), batch_form(foreign))
    assert response.status_code == 200
    assert "variant" in response.context["form"].errors
    assert not Batch.objects.exists()


@pytest.mark.parametrize("lot", ["LB 2604", "LÔ-1"])
def test_lot_with_forbidden_characters_is_a_form_error(client, member, variant, lot):
    client.force_login(member)
    response = client.post(url("add"), batch_form(variant, lot=lot))
    assert response.status_code == 200
    assert "lot" in response.context["form"].errors
    assert not Batch.objects.exists()


def test_processing_step_without_quantity_is_a_form_error(client, member, variant):
    client.force_login(member)
    response = client.post(url("add"), batch_form(variant, **{"events-1-input_quantity": ""}))
    assert response.status_code == 200
    assert not Batch.objects.exists()


def test_other_cooperatives_cannot_see_or_touch_a_batch(client, batch, outsider):
    order = issue(batch, 3)
    client.force_login(outsider)
    listing = client.get(url("list"))
    assert listing.status_code == 200 and "LB2603A" not in listing.content.decode()
    for target in [
        url("edit", batch.pk),
        url("stamps", batch.pk),
        url("epcis", batch.pk),
        url("order_progress", order.pk),
        url("order_download", order.pk, "pdf"),
        url("order_download", order.pk, "csv"),
    ]:
        assert denied(client.get(target)), target
    for target in [url("order", batch.pk), url("release", batch.pk)]:
        assert denied(client.post(target, {"count": "5", "layout": "a4-65"})), target
    assert batch.stamps.count() == 3 and Batch.objects.get().status == "draft"
    assert client.get(f"/api/v1/batches/{batch.pk}/epcis").status_code == 404


def test_member_orders_stamps_watches_progress_and_downloads(
    client, member, batch, django_capture_on_commit_callbacks
):
    client.force_login(member)
    page = client.get(url("stamps", batch.pk))
    assert page.status_code == 200
    assert f'action="{url("order", batch.pk)}"' in page.content.decode()
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(url("order", batch.pk), {"count": "130", "layout": "a4-65"})
    assert response.status_code == 302
    order = StampOrder.objects.get()
    waiting = client.get(url("order_progress", order.pk)).json()
    assert (waiting["status"], waiting["percent"], waiting["done"]) == ("queued", 0, False)
    with django_capture_on_commit_callbacks(execute=True):
        for task in queued:  # what the worker does once the request has committed
            task()
    progress = client.get(url("order_progress", order.pk)).json()
    assert progress == {
        "status": "done",
        "status_label": progress["status_label"],
        "issued": 130,
        "rendered": 130,
        "count": 130,
        "percent": 100,
        "error": "",
        "done": True,
    }
    pdf = client.get(url("order_download", order.pk, "pdf"))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    csv = client.get(url("order_download", order.pk, "csv"))
    assert b"".join(csv.streaming_content).decode().count("\n") == 131
    assert client.post(url("release", batch.pk)).status_code == 302
    assert set(batch.stamps.values_list("status", flat=True)) == {"active"}


def test_bad_stamp_order_is_a_form_error_and_orders_nothing(client, member, batch):
    client.force_login(member)
    for count in ["0", "-1", "abc", "999999"]:
        response = client.post(url("order", batch.pk), {"count": count, "layout": "a4-65"})
        assert response.status_code == 400, count
        assert response.context["order_form"].errors, count
    assert not StampOrder.objects.exists()


def test_lot_cannot_change_once_stamps_are_printed(client, member, batch):
    issue(batch, 2)
    client.force_login(member)
    data = batch_form(batch.variant, lot="LB9999", **{"events-TOTAL_FORMS": "0"})
    response = client.post(url("edit", batch.pk), data)
    assert response.status_code == 200
    assert "lot" in response.context["form"].errors
    assert Batch.objects.get().lot == "LB2603A"


def test_only_operators_recall_and_void(client, member, operator, released_batch):
    client.force_login(member)
    assert denied(client.post(url("recall", released_batch.pk), {"reason": "x"}))
    assert denied(client.post(url("void", released_batch.pk), {"number_from": 1, "reason": "x"}))
    assert Batch.objects.get().status == "released"
    client.force_login(operator)
    empty = client.post(url("recall", released_batch.pk), {"reason": "  "})
    assert empty.status_code == 400
    out_of_range = client.post(
        url("void", released_batch.pk), {"number_from": 5, "number_to": 50, "reason": "mất cuộn"}
    )
    assert out_of_range.status_code == 400
    voided = client.post(
        url("void", released_batch.pk), {"number_from": 2, "number_to": 4, "reason": "mất cuộn"}
    )
    assert voided.status_code == 302
    assert released_batch.stamps.filter(status="voided").count() == 3
    recalled = client.post(url("recall", released_batch.pk), {"reason": "Nhiễm nấm mốc"})
    assert recalled.status_code == 302
    batch = Batch.objects.get()
    assert batch.status == "recalled" and batch.recall_reason == "Nhiễm nấm mốc"
    history = batch.status_changes.values_list("subject", "to_status", "actor__username")
    assert ("batch", "recalled", "operator") in set(history)
    assert ("stamp", "voided", "operator") in set(history)
    # Voided stamps stay voided; the others are recalled.
    assert set(batch.stamps.values_list("status", flat=True)) == {"voided", "recalled"}


def flag_40_scans(batch) -> AnomalyFlag:
    from django.utils import timezone

    return AnomalyFlag.objects.create(
        stamp=batch.stamps.first(),
        batch=batch,
        rule="too_many_scans",
        detail="Quét 40 lần",
        first_seen=timezone.now(),
        last_seen=timezone.now(),
    )


def test_anomaly_report_is_scoped(client, member, outsider, operator, released_batch):
    flag_40_scans(released_batch)
    report = reverse("wagtailsnippets_traceability_anomalyflag:list")
    for user, sees in [(operator, True), (member, True), (outsider, False)]:
        client.force_login(user)
        response = client.get(report)
        assert response.status_code == 200
        assert ("Quét 40 lần" in response.content.decode()) is sees
    client.force_login(operator)
    assert client.get(reverse("wagtailsnippets_traceability_inspection:list")).status_code == 200


def test_operators_review_flags_members_cannot(client, member, operator, released_batch):
    flag = flag_40_scans(released_batch)
    url = reverse("wagtailsnippets_traceability_anomalyflag:review", args=[flag.pk])
    client.force_login(member)
    assert denied(client.get(url))
    assert denied(client.post(url, {"outcome": "explained", "note": "x"}))
    flag.refresh_from_db()
    assert flag.outcome == "open"
    client.force_login(operator)
    listing = client.get(reverse("wagtailsnippets_traceability_anomalyflag:list"))
    assert url in listing.content.decode()  # the Review button
    page = client.get(url)
    assert page.status_code == 200 and "Quét 40 lần" in page.content.decode()
    # Bad input: no finding, no note, an unknown finding: a form error, nothing saved.
    for data in ({}, {"outcome": "explained", "note": "  "}, {"outcome": "maybe", "note": "x"}):
        response = client.post(url, data)
        assert response.status_code == 400
        flag.refresh_from_db()
        assert flag.outcome == "open" and flag.reviewed_at is None
    response = client.post(url, {"outcome": "explained", "note": "Mẫu ở hội chợ"})
    assert response.status_code == 302
    flag.refresh_from_db()
    assert (flag.outcome, flag.reviewed_by, flag.review_note) == (
        "explained",
        operator,
        "Mẫu ở hội chợ",
    )
    stamps = client.get(
        reverse("wagtailsnippets_traceability_batch:stamps", args=[released_batch.pk])
    )
    assert url in stamps.content.decode()


def test_inspectors_look_at_every_cooperatives_batches_and_change_none(
    client, outsider, released_batch
):
    """An inspector on a market round looks a lot up in the admin, whoever made it."""
    import datetime

    from traceability.services import batch_create

    other = batch_create(
        variant=outsider.other_product.variants.get(),
        lot="MV2609B",
        production_date=datetime.date(2026, 9, 1),
        quantity=100,
    )
    flag = flag_40_scans(released_batch)
    inspector = UserFactory(username="inspector", is_staff=True)
    inspector.groups.add(ensure_role_groups()[INSPECTORS_GROUP])
    client.force_login(inspector)
    listing = client.get(url("list")).content.decode()
    assert "LB2603A" in listing and "MV2609B" in listing
    stamps = client.get(url("stamps", released_batch.pk))
    assert stamps.status_code == 200 and "LB2603A" in stamps.content.decode()
    assert client.get(url("stamps", other.pk)).status_code == 200
    report = client.get(reverse("wagtailsnippets_traceability_anomalyflag:list"))
    assert "Quét 40 lần" in report.content.decode()
    # Looking, not changing: no edit, release, stamp order, print file, recall, or review.
    order = released_batch.stamp_orders.first()
    for response in (
        client.get(url("edit", other.pk)),
        client.post(url("release", other.pk)),
        client.post(url("order", released_batch.pk), {"count": "5", "layout": "a4-65"}),
        client.get(url("order_download", order.pk, "pdf")),
        client.post(url("recall", released_batch.pk), {"reason": "x"}),
        client.get(reverse("wagtailsnippets_traceability_anomalyflag:review", args=[flag.pk])),
    ):
        assert denied(response), response
    other.refresh_from_db()
    assert other.status == "draft" and released_batch.stamp_orders.count() == 1
    # An inspector who is also a cooperative's member keeps the member's scope.
    membership_add(user=inspector, cooperative=released_batch.cooperative, role="staff")
    listing = client.get(url("list")).content.decode()
    assert "LB2603A" in listing and "MV2609B" not in listing
    assert denied(client.get(url("edit", other.pk)))


def test_cooperative_groups_made_earlier_get_the_batch_permissions(member, tree):
    group = tree.cooperative.group
    group.permissions.clear()
    assert not member.has_perm("traceability.add_batch")
    ensure_role_groups()  # runs after every migrate
    from marketplace.models import User

    assert User.objects.get(pk=member.pk).has_perm("traceability.add_batch")


def test_snippet_choosers_list_only_what_the_user_may_see(client, batch, outsider, member):
    from traceability.models import AnomalyFlag as Flag

    stamp = issue(batch, 1).stamps.get()
    from django.utils import timezone

    Flag.objects.create(
        stamp=stamp,
        batch=batch,
        rule="too_many_scans",
        detail="x",
        first_seen=timezone.now(),
        last_seen=timezone.now(),
    )
    client.force_login(outsider)
    for model in ("batch", "anomalyflag"):
        base = f"/admin/snippets/choose/traceability/{model}/"
        for path in (base, base + "results/"):
            response = client.get(path)
            assert response.status_code == 200, path
            assert "LB2603A" not in response.content.decode(), path
    chosen = client.get(f"/admin/snippets/choose/traceability/batch/chosen/{batch.pk}/")
    assert chosen.status_code == 404
    stock_chooser = client.get("/admin/snippets/choose/catalog/stock/results/")
    assert batch.variant.sku not in stock_chooser.content.decode()
    client.force_login(member)  # the batch's own cooperative does see it
    own = client.get("/admin/snippets/choose/traceability/batch/results/")
    assert "LB2603A" in own.content.decode()


def test_a_batch_with_stamps_cannot_be_deleted(client, operator, batch):
    issue(batch, 2)
    client.force_login(operator)
    response = client.post(url("delete", batch.pk))
    assert denied(response)
    assert Batch.objects.filter(pk=batch.pk).exists()


def test_failed_order_is_run_again_from_the_admin(client, member, batch):
    order = StampOrder.objects.create(batch=batch, count=3, first_number=1, status="failed")
    client.force_login(member)
    page = client.get(url("stamps", batch.pk)).content.decode()
    assert url("order_retry", order.pk) in page
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        assert client.post(url("order_retry", order.pk)).status_code == 302
    order.refresh_from_db()
    assert order.status == "done" and batch.stamps.count() == 3
