"""Listings in the Wagtail admin: bad input is a form error and nothing is half-saved."""

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from catalog.models import ProductPage, ProductVariant, Stock
from cms.services import cooperative_page_grant
from marketplace.services import membership_add

from ..factories import UserFactory, add_cooperative_page, add_product, make_image, next_gtin

pytestmark = pytest.mark.django_db


def product_form(tree, image, **variant):
    row = {
        "unit_label": "Túi 200 g",
        "sku": "LB-TEST-200",
        "gtin": next_gtin(),
        "net_weight_g": "200",
        "price": "250000",
        "compare_at_price": "",
        "is_active": "on",
    }
    row.update(variant)
    return nested_form_data(
        {
            "title": "Chè đinh La Bằng",
            "slug": "che-dinh-la-bang",
            "category": tree.category.pk,
            "short_description": "Chè đinh hái một tôm",
            "story": rich_text("<p>Hái sớm.</p>"),
            "gallery_images": inline_formset([{"image": image.pk, "caption": ""}]),
            "variants": inline_formset([row]),
            "origin_ward_code": "",
            "harvest_start_month": "",
            "harvest_end_month": "",
            "preorder_opens": "",
            "preorder_closes": "",
        }
    )


def add_url(parent):
    return reverse("wagtailadmin_pages:add", args=("catalog", "productpage", parent.pk))


def test_valid_product_is_saved_with_stock_and_cooperative(admin_client, tree):
    response = admin_client.post(add_url(tree.coop_page), product_form(tree, make_image()))
    assert response.status_code == 302, response.content.decode()[:2000]
    page = ProductPage.objects.get(slug="che-dinh-la-bang")
    assert page.cooperative == tree.cooperative
    # A draft keeps variants in its revision; publishing writes them with a stock row each.
    page.get_latest_revision().publish()
    variant = ProductVariant.objects.get(sku="LB-TEST-200")
    assert Stock.objects.get(variant=variant).on_hand == 0


def test_gtin_with_a_wrong_check_digit_is_a_form_error(admin_client, tree):
    good = next_gtin()
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    response = admin_client.post(
        add_url(tree.coop_page), product_form(tree, make_image(), gtin=bad)
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Invalid GTIN" in html or "GTIN không hợp lệ" in html
    assert not ProductPage.objects.filter(slug="che-dinh-la-bang").exists()


def test_duplicate_sku_is_a_form_error(admin_client, tree):
    existing = add_product(tree.coop_page)
    sku = existing.variants.first().sku
    response = admin_client.post(add_url(tree.coop_page), product_form(tree, make_image(), sku=sku))
    assert response.status_code == 200
    assert not ProductPage.objects.filter(slug="che-dinh-la-bang").exists()
    assert ProductVariant.objects.filter(sku=sku).count() == 1


def test_negative_price_is_a_form_error(admin_client, tree):
    response = admin_client.post(
        add_url(tree.coop_page), product_form(tree, make_image(), price="-1000")
    )
    assert response.status_code == 200
    assert not ProductPage.objects.filter(slug="che-dinh-la-bang").exists()


def test_compare_at_price_must_be_higher(admin_client, tree):
    response = admin_client.post(
        add_url(tree.coop_page), product_form(tree, make_image(), compare_at_price="100000")
    )
    assert response.status_code == 200
    assert not ProductPage.objects.filter(slug="che-dinh-la-bang").exists()


def test_product_cannot_be_created_outside_a_cooperative(admin_client, tree):
    assert not ProductPage.can_create_at(tree.home)
    assert not ProductPage.can_create_at(tree.category_page)
    assert ProductPage.can_create_at(tree.coop_page)
    response = admin_client.post(add_url(tree.home), product_form(tree, make_image()))
    assert response.status_code in (302, 403)
    assert not ProductPage.objects.filter(slug="che-dinh-la-bang").exists()


def test_cooperative_member_edits_only_its_own_subtree(client, tree):
    other = add_cooperative_page(tree.index)
    member = UserFactory(username="lb-staff")
    membership_add(user=member, cooperative=tree.cooperative, role="staff")
    cooperative_page_grant(page=tree.coop_page)
    cooperative_page_grant(page=other)
    client.force_login(member)
    image = make_image()
    own = client.post(add_url(tree.coop_page), product_form(tree, image))
    assert own.status_code == 302
    assert ProductPage.objects.child_of(tree.coop_page).filter(slug="che-dinh-la-bang").exists()
    foreign = client.post(add_url(other), product_form(tree, image, sku="LB-OTHER-1"))
    assert foreign.status_code in (302, 403)
    assert not ProductPage.objects.child_of(other).exists()


def test_member_submits_for_moderation_and_an_operator_approves(client, tree):
    from django.contrib.auth.models import Group
    from wagtail.models import Workflow

    from cms.services import operators_grant
    from marketplace.roles import OPERATORS_GROUP

    operators_grant(root_page=tree.home)
    member = UserFactory(username="lb-owner")
    membership_add(user=member, cooperative=tree.cooperative, role="owner")
    cooperative_page_grant(page=tree.coop_page)
    client.force_login(member)
    data = product_form(tree, make_image())
    data["action-submit"] = "Submit"
    assert client.post(add_url(tree.coop_page), data).status_code == 302
    page = ProductPage.objects.get(slug="che-dinh-la-bang")
    assert not page.live
    state = page.current_workflow_state
    assert state is not None and state.status == "in_progress"
    assert Workflow.objects.get(active=True, pk=state.workflow_id)

    operator = UserFactory(username="op-1")
    operator.groups.add(Group.objects.get(name=OPERATORS_GROUP))
    task_state = state.current_task_state
    assert task_state.task.specific.user_can_access_editor(page, operator)
    task_state.task.specific.on_action(task_state, operator, "approve")
    page.refresh_from_db()
    assert page.live
    assert ProductVariant.objects.filter(sku="LB-TEST-200").exists()


def test_creating_a_cooperative_page_in_the_admin_grants_its_subtree(admin_client, tree):
    from wagtail.models import GroupPagePermission

    from cms.models import CooperativePage

    from ..factories import CooperativeFactory

    coop = CooperativeFactory(slug="htx-nam-ba-be", name="HTX Nấm Ba Bể")
    url = reverse("wagtailadmin_pages:add", args=("cms", "cooperativepage", tree.index.pk))
    data = nested_form_data(
        {
            "title": coop.name,
            "slug": coop.slug,
            "cooperative": coop.pk,
            "tagline": "Nấm hương rừng",
            "story": rich_text("<p>Nấm rừng Ba Bể.</p>"),
        }
    )
    assert admin_client.post(url, data).status_code == 302
    page = CooperativePage.objects.get(slug="htx-nam-ba-be")
    coop.refresh_from_db()
    granted = GroupPagePermission.objects.filter(group=coop.group, page=page)
    assert {p.permission.codename for p in granted} == {"add_page", "change_page"}


def test_preview_shows_the_draft_not_the_live_product(admin_client, tree):
    product = add_product(tree.coop_page, title="Chè cũ")
    product.title = "Chè mới chưa duyệt"
    html = product.make_preview_request().content.decode()
    assert "<h1>Chè mới chưa duyệt</h1>" in html
    assert "<h1>Chè cũ</h1>" not in html


def test_copying_a_product_is_refused_cleanly(admin_client, tree):
    product = add_product(tree.coop_page)
    url = reverse("wagtailadmin_pages:copy", args=(product.pk,))
    response = admin_client.post(
        url,
        {"new_title": "Bản sao", "new_slug": "ban-sao", "new_parent_page": tree.coop_page.pk},
    )
    assert response.status_code == 302
    assert not ProductPage.objects.filter(slug="ban-sao").exists()


def test_moving_a_product_moves_it_to_the_new_cooperative(admin_client, tree):
    other = add_cooperative_page(tree.index)
    product = add_product(tree.coop_page)
    url = reverse("wagtailadmin_pages:move_confirm", args=(product.pk, other.pk))
    assert admin_client.post(url).status_code == 302
    product.refresh_from_db()
    assert product.get_parent().pk == other.pk
    assert product.cooperative == other.cooperative


def test_members_cannot_reassign_their_cooperative_page(client, tree):
    from cms.models import CooperativePage

    member = UserFactory(username="lb-editor")
    membership_add(user=member, cooperative=tree.cooperative, role="owner")
    cooperative_page_grant(page=tree.coop_page)
    client.force_login(member)
    html = client.get(reverse("wagtailadmin_pages:edit", args=(tree.coop_page.pk,))).content
    assert b'name="cooperative"' not in html
    assert CooperativePage.objects.get(pk=tree.coop_page.pk).cooperative == tree.cooperative


def test_cooperatives_with_the_same_name_get_separate_image_collections(tree):
    from ..factories import CooperativeFactory

    twin = add_cooperative_page(tree.index, CooperativeFactory(name=tree.cooperative.name))
    first = cooperative_page_grant(page=tree.coop_page)
    second = cooperative_page_grant(page=twin)
    assert first.pk != second.pk
    assert cooperative_page_grant(page=tree.coop_page).pk == first.pk
