import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from orders.services import CheckoutLine, Customer

from ..factories import CategoryFactory, CooperativeFactory, add_cooperative_page, add_product

LA_HIEN = 5740  # Xã La Hiên, Thái Nguyên
HANOI_WARD = 4  # Phường Ba Đình, Hà Nội (01)


@pytest.fixture
def shop(tree):
    """Two cooperatives: La Bằng tea (20 in stock) and La Hiên custard apples (pre-order open,
    nothing in stock yet)."""
    tea = add_product(tree.coop_page, title="Chè búp La Bằng", price=125_000, stock=20)
    fruit_coop = CooperativeFactory(name="HTX Na La Hiên", slug="htx-na-la-hien")
    fruit_page = add_cooperative_page(tree.index, fruit_coop)
    today = timezone.localdate()
    apples = add_product(
        fruit_page,
        title="Na La Hiên",
        category=CategoryFactory(slug="qua", name="Quả", name_en="Fruit"),
        price=60_000,
        stock=0,
        preorder_opens=today - datetime.timedelta(days=5),
        preorder_closes=today + datetime.timedelta(days=20),
    )
    return SimpleNamespace(
        tea=tea,
        tea_variant=tea.variants.get(),
        apples=apples,
        apple_variant=apples.variants.get(),
        tea_coop=tree.cooperative,
        fruit_coop=fruit_coop,
        tree=tree,
    )


@pytest.fixture
def customer():
    return Customer(
        full_name="Nguyễn Thị Lan",
        phone="0912345678",
        email="lan@example.vn",
        province_code=1,
        ward_code=HANOI_WARD,
        address_line="12 Phố Hàng Bông",
        delivery_note="Gọi trước 30 phút",
    )


def line(variant, quantity=1, price=None):
    return CheckoutLine(
        variant_id=variant.pk,
        quantity=quantity,
        unit_price_seen=variant.price if price is None else price,
    )
