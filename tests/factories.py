"""Factories and tree builders shared by the tests."""

import datetime
import io

import factory
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from catalog.models import Category, OcopCertification, ProductPage, ProductVariant, Stock
from cms.models import CategoryPage, CooperativeIndexPage, CooperativePage, HomePage
from marketplace.models import Cooperative, User

LA_BANG = 5818  # Xã La Bằng, Thái Nguyên (19)
THAI_NGUYEN = 19


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.vn")
    password = factory.django.Password("pass-1234")


class CooperativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cooperative

    name = factory.Sequence(lambda n: f"HTX Chè số {n}")
    slug = factory.Sequence(lambda n: f"htx-{n}")
    registration_number = factory.Sequence(lambda n: f"46{n:08d}")
    province_code = THAI_NGUYEN
    ward_code = LA_BANG
    status = Cooperative.Status.APPROVED


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = "Chè"
    name_en = "Tea"
    slug = "che"
    icon = Category.Icon.TEA


def make_image(title: str = "test image"):
    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 64), (40, 120, 60)).save(buffer, "PNG")
    image = get_image_model()(title=title, file=ImageFile(buffer, name="test.png"))
    image.save()
    return image


def build_home() -> HomePage:
    root = Page.get_first_root_node()
    home = HomePage(title="OCOP Market", slug="ocop-home", hero_title="Đặc sản OCOP")
    root.add_child(instance=home)
    site = Site.objects.get(is_default_site=True)
    site.root_page = home
    site.site_name = "OCOP Market"  # as the demo loader names it
    site.save()
    return home


def add_cooperative_page(index: CooperativeIndexPage, cooperative=None) -> CooperativePage:
    cooperative = cooperative or CooperativeFactory()
    page = CooperativePage(title=cooperative.name, slug=cooperative.slug, cooperative=cooperative)
    index.add_child(instance=page)
    page.save_revision().publish()
    return page


_gtin_counter = iter(range(1, 10**6))


def next_gtin() -> str:
    """A valid GTIN-14 (GS1 Vietnam prefix 893), check digit computed by biip."""
    from biip.checksums import gs1_standard_check_digit

    body = f"0893{next(_gtin_counter):09d}"
    return body + str(gs1_standard_check_digit(body))


def add_product(
    coop_page: CooperativePage,
    *,
    title: str = "Chè búp La Bằng",
    category: Category | None = None,
    price: int = 125_000,
    stock: int = 20,
    stars: int | None = 4,
    cert_expires: datetime.date | None = None,
    image=None,
    variants: int = 1,
    publish: bool = True,
    **fields,
) -> ProductPage:
    category = category or CategoryFactory()
    slug = fields.pop("slug", None) or f"p-{next(_gtin_counter)}"
    page = ProductPage(
        title=title,
        slug=slug,
        category=category,
        live=publish,
        short_description=f"{title} ngon",
        **fields,
    )
    page.variants = [
        ProductVariant(
            sku=f"{slug}-{i}".upper(),
            gtin=next_gtin(),
            unit_label=f"Túi {100 * (i + 1)} g",
            net_weight_g=100 * (i + 1),
            price=price * (i + 1),
        )
        for i in range(variants)
    ]
    if image is not None:
        from catalog.models import ProductImage

        page.gallery_images = [ProductImage(image=image)]
    coop_page.add_child(instance=page)
    if publish:
        page.save_revision().publish()
        # As the demo loader does: a revision that knows the new variants' ids, so the page
        # editor can save the product again.
        ProductPage.objects.get(pk=page.pk).save_revision().publish()
    for variant in ProductVariant.objects.filter(page=page):
        Stock.objects.filter(variant=variant).update(on_hand=stock)
    if stars:
        today = datetime.date.today()
        OcopCertification.objects.create(
            product=page,
            stars=stars,
            certificate_number=f"OCOP-{slug}",
            issued_on=today - datetime.timedelta(days=30),
            expires_on=cert_expires or today + datetime.timedelta(days=1000),
        )
    # The search row, as the index task writes it after commit (tests never commit).
    from catalog.search_index import index_products

    index_products([page.pk])
    return ProductPage.objects.get(pk=page.pk)


def add_category_page(home: HomePage, category: Category) -> CategoryPage:
    page = CategoryPage(title=category.name, slug=category.slug, category=category)
    home.add_child(instance=page)
    page.save_revision().publish()
    return page
