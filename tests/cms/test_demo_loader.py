"""``manage.py load_demo`` builds the demo market from the seeds; a second run changes nothing."""

import io

import pytest
from django.core.management import call_command
from django.http import HttpRequest
from django.utils import timezone

from catalog.models import Availability, ProductPage
from cms.demo.loader import DEMO_PASSWORD, counts
from marketplace.models import Cooperative

pytestmark = pytest.mark.django_db


def load(*args) -> dict[str, int]:
    call_command("load_demo", *args, stdout=io.StringIO())
    return counts()


@pytest.fixture
def demo():
    """The demo without generated pictures (the image-rendering path is covered once below)."""
    return load("--no-images")


def test_loading_twice_gives_the_same_counts():
    first = load()
    second = load()
    assert first == second
    assert first["cooperatives"] >= 6
    assert first["products"] >= 30
    assert first["stories"] == 3
    assert first["stock_rows"] == first["variants"]
    assert first["images"] >= first["products"]


def test_required_cooperatives_are_in_their_communes(demo):
    la_bang = Cooperative.objects.get(ward_code=5818)
    assert la_bang.location_label == "Xã La Bằng, Thái Nguyên"
    assert Cooperative.objects.filter(ward_code=5740).exists()  # Xã La Hiên
    # At least one from the former Bắc Kạn or Hà Giang provinces.
    assert Cooperative.objects.filter(old_place_name__iregex=r"Bắc Kạn|Hà Giang").exists()


def test_demo_shows_every_availability_and_a_lapsed_certificate(demo):
    products = list(ProductPage.objects.live())
    states = {v.availability for p in products for v in p.active_variants}
    assert {Availability.IN_STOCK, Availability.OUT_OF_STOCK, Availability.PREORDER} <= states
    today = timezone.localdate()
    assert any(p.certification_on(today) is None and p.certifications.exists() for p in products)


def test_demo_accounts_sign_in_to_the_admin(client, demo):
    for username in ("operator", "inspector", "htx-che-la-bang"):
        assert client.login(request=HttpRequest(), username=username, password=DEMO_PASSWORD), (
            username
        )
        assert client.get("/admin/").status_code == 200, username
        client.logout()


def test_demo_storefront_finds_la_bang_tea(client, demo):
    html = client.get("/search/", {"q": "che la bang"}).content.decode()
    assert "La Bằng" in html
    assert client.get("/").status_code == 200


def test_every_demo_product_opens_in_the_editor_with_its_rows_known(admin_client, demo):
    """The editor's form comes from the latest revision: variants without ids there would be
    saved as new rows, and every save would fail on "SKU already exists"."""
    for page in ProductPage.objects.all():
        content = page.latest_revision.content
        assert all(v["pk"] for v in content["variants"]), page.title
    product = ProductPage.objects.get(slug="che-bup-la-bang")
    html = admin_client.get(f"/admin/pages/{product.pk}/edit/").content.decode()
    variant = product.variants.first()
    assert f'name="variants-0-id" value="{variant.pk}"' in html


def test_demo_admin_names_the_site(demo):
    from wagtail.models import Site

    assert Site.objects.get(is_default_site=True).site_name == "OCOP Market"
