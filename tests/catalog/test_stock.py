import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from catalog.models import Stock
from catalog.stock import InsufficientStock, stock_reserve, stock_set_on_hand

from ..factories import add_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def stock(tree):
    product = add_product(tree.coop_page, stock=3)
    return Stock.objects.get(variant__page=product)


def test_database_refuses_negative_stock(stock):
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.filter(pk=stock.pk).update(on_hand=-1)


def test_database_refuses_reserving_more_than_on_hand(stock):
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.filter(pk=stock.pk).update(reserved=4)


def test_reserve_never_oversells(stock):
    stock_reserve(variant_id=stock.pk, quantity=2)
    with pytest.raises(InsufficientStock):
        stock_reserve(variant_id=stock.pk, quantity=2)
    stock.refresh_from_db()
    assert (stock.on_hand, stock.reserved, stock.available) == (3, 2, 1)


def test_on_hand_cannot_drop_below_reserved(stock):
    stock_reserve(variant_id=stock.pk, quantity=2)
    with pytest.raises(InsufficientStock):
        stock_set_on_hand(variant_id=stock.pk, on_hand=1)
    assert Stock.objects.get(pk=stock.pk).on_hand == 3


def test_admin_stock_form_rejects_negative(admin_client, stock):
    url = reverse("wagtailsnippets_catalog_stock:edit", args=(stock.pk,))
    response = admin_client.post(url, {"on_hand": "-5"})
    assert response.status_code == 200
    assert Stock.objects.get(pk=stock.pk).on_hand == 3
    response = admin_client.post(url, {"on_hand": "40"})
    assert response.status_code == 302
    assert Stock.objects.get(pk=stock.pk).on_hand == 40


def test_members_edit_only_their_own_cooperatives_stock(client, tree, stock):
    from marketplace.services import membership_add

    from ..factories import CooperativeFactory, UserFactory

    outsider = UserFactory(username="other-htx")
    membership_add(user=outsider, cooperative=CooperativeFactory(), role="owner")
    insider = UserFactory(username="own-htx")
    membership_add(user=insider, cooperative=tree.cooperative, role="staff")
    url = reverse("wagtailsnippets_catalog_stock:edit", args=(stock.pk,))

    client.force_login(outsider)
    assert client.post(url, {"on_hand": "0"}).status_code in (302, 403)
    assert Stock.objects.get(pk=stock.pk).on_hand == 3
    listing = client.get(reverse("wagtailsnippets_catalog_stock:list"))
    assert stock.variant.sku not in listing.content.decode()

    client.force_login(insider)
    assert client.post(url, {"on_hand": "12"}).status_code == 302
    assert Stock.objects.get(pk=stock.pk).on_hand == 12
    listing = client.get(reverse("wagtailsnippets_catalog_stock:list"))
    assert stock.variant.page.title in listing.content.decode()


def test_members_cannot_read_other_cooperatives_stock_history(client, tree, stock):
    from marketplace.services import membership_add

    from ..factories import CooperativeFactory, UserFactory

    outsider = UserFactory(username="other-htx-2")
    membership_add(user=outsider, cooperative=CooperativeFactory(), role="owner")
    client.force_login(outsider)
    for view in ("history", "usage"):
        url = reverse(f"wagtailsnippets_catalog_stock:{view}", args=(stock.pk,))
        assert client.get(url).status_code in (302, 403), view


def test_admin_stock_edit_respects_reservations_made_meanwhile(admin_client, stock):
    url = reverse("wagtailsnippets_catalog_stock:edit", args=(stock.pk,))
    admin_client.get(url)
    stock_reserve(variant_id=stock.pk, quantity=3)  # an order reserves while the form is open
    response = admin_client.post(url, {"on_hand": "2"})
    assert response.status_code == 200
    stock.refresh_from_db()
    assert (stock.on_hand, stock.reserved) == (3, 3)
    response = admin_client.post(url, {"on_hand": "9"})
    assert response.status_code == 302
    stock.refresh_from_db()
    assert (stock.on_hand, stock.reserved) == (9, 3)
