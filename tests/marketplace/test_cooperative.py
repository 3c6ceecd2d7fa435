"""Cooperatives: location validation against the 2025 two-tier units, admin forms, roles."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from marketplace.models import Cooperative
from marketplace.roles import INSPECTORS_GROUP, OPERATORS_GROUP
from marketplace.services import membership_add

from ..factories import CooperativeFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_location_label_uses_current_units():
    coop = CooperativeFactory.build(province_code=19, ward_code=5818)
    coop.full_clean()
    assert coop.location_label == "Xã La Bằng, Thái Nguyên"


def test_unknown_ward_code_is_rejected():
    coop = CooperativeFactory.build(ward_code=999_999)
    with pytest.raises(ValidationError) as err:
        coop.full_clean()
    assert "ward_code" in err.value.message_dict


def test_ward_must_belong_to_the_province():
    # Xã La Bằng is in Thái Nguyên (19), not Tuyên Quang (8).
    coop = CooperativeFactory.build(province_code=8, ward_code=5818)
    with pytest.raises(ValidationError) as err:
        coop.full_clean()
    assert "Xã La Bằng" in err.value.message_dict["ward_code"][0]


def test_role_groups_exist_after_migrate():
    from django.contrib.auth.models import Group

    assert Group.objects.filter(name=OPERATORS_GROUP).exists()
    assert Group.objects.filter(name=INSPECTORS_GROUP).exists()


def test_membership_puts_user_in_the_cooperative_group():
    coop = CooperativeFactory()
    user = UserFactory()
    membership_add(user=user, cooperative=coop, role="owner")
    membership_add(user=user, cooperative=coop, role="owner")  # idempotent
    coop.refresh_from_db()
    assert coop.memberships.count() == 1
    assert user.groups.filter(pk=coop.group_id).exists()
    assert user.has_perm("wagtailadmin.access_admin")


def test_admin_form_rejects_a_ward_outside_the_province(admin_client):
    url = reverse("wagtailsnippets_marketplace_cooperative:add")
    data = {
        "name": "HTX Mật ong Mèo Vạc",
        "slug": "htx-mat-ong",
        "registration_number": "5100123456",
        "province_code": "8",
        "ward_code": "5818",
        "status": "pending",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "không thuộc tỉnh" in response.content.decode() or "not in the chosen province" in (
        response.content.decode()
    )
    assert not Cooperative.objects.filter(slug="htx-mat-ong").exists()


def test_admin_form_saves_a_valid_cooperative(admin_client):
    url = reverse("wagtailsnippets_marketplace_cooperative:add")
    data = {
        "name": "HTX Chè La Bằng",
        "slug": "htx-che-la-bang",
        "registration_number": "4600123456",
        "province_code": "19",
        "ward_code": "5818",
        "status": "pending",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert Cooperative.objects.get(slug="htx-che-la-bang").ward_name == "Xã La Bằng"


def test_operators_cannot_manage_user_accounts(client):
    from django.contrib.auth.models import Group

    operator = UserFactory(username="op", is_staff=True)
    operator.groups.add(Group.objects.get(name=OPERATORS_GROUP))
    assert operator.has_perm("marketplace.change_cooperative")
    assert not operator.has_perm("marketplace.add_user")
    assert not operator.has_perm("marketplace.change_user")
    client.force_login(operator)
    response = client.post(
        reverse("wagtailusers_users:add"),
        {
            "username": "evil",
            "email": "evil@example.vn",
            "password1": "Xx-very-long-pass-123",
            "password2": "Xx-very-long-pass-123",
            "is_superuser": "on",
        },
    )
    assert response.status_code in (302, 403)
    assert not operator._meta.model.objects.filter(username="evil").exists()
