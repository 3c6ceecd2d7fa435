"""Builds the demo marketplace from ``cms/demo/content.py`` (drawn from the seed articles).

Idempotent: every object is found by a natural key (slug, SKU, username, certificate number)
and updated in place, so running it twice leaves the same rows.
"""

import datetime
import html
import io
import logging

from django.contrib.auth import get_user_model
from django.core.files.images import ImageFile
from django.db import transaction
from wagtail.images import get_image_model
from wagtail.models import Collection, Page, Site

from catalog.gtin import normalize_gtin
from catalog.models import Category, OcopCertification, ProductPage, ProductVariant, Stock
from marketplace.models import Cooperative, Membership
from marketplace.roles import INSPECTORS_GROUP, OPERATORS_GROUP, ensure_role_groups
from marketplace.services import membership_add
from marketplace.text import fold
from orders.models import Order
from traceability.models import Batch, Scan, Stamp, TraceEvent

from ..models import (
    ArticleIndexPage,
    ArticlePage,
    CategoryPage,
    CooperativeIndexPage,
    CooperativePage,
    HomePage,
    RegionPage,
)
from ..services import cooperative_onboard, operators_grant
from . import content
from .images import render_banner, render_product_image

logger = logging.getLogger(__name__)

SITE_NAME = "OCOP Market"
DEMO_PASSWORD = "ocop-demo-2026"  # local demo only; listed in README.md
REGIONS = {
    19: (
        "thai-nguyen",
        "Thái Nguyên",
        "Đất chè Tân Cương, La Bằng, na La Hiên; từ tháng 7/2025 gồm cả tỉnh Bắc Kạn cũ "
        "với miến dong Na Rì và gạo Bao Thai.",
    ),
    8: (
        "tuyen-quang",
        "Tuyên Quang",
        "Từ tháng 7/2025 gồm cả tỉnh Hà Giang cũ: mật ong bạc hà và đặc sản vùng cao nguyên đá.",
    ),
}


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def assign(obj, fields: dict) -> None:
    for key, value in fields.items():
        setattr(obj, key, value)


def _paragraphs_html(text: str) -> str:
    return "".join(f"<p>{html.escape(p.strip())}</p>" for p in text.split("\n\n") if p.strip())


class DemoLoader:
    def __init__(self, *, with_images: bool = True, log=print):
        self.with_images = with_images
        self.log = log
        self.image_model = get_image_model()

    # --- helpers ----------------------------------------------------------

    def image(self, title: str, kind: str, *, banner: bool = False, collection=None):
        if not self.with_images:
            return None
        existing = self.image_model.objects.filter(title=title).first()
        if existing is not None:
            return existing
        data = render_banner(kind, title) if banner else render_product_image(kind, title)
        filename = title.replace(":", "-").replace(" ", "-") + ".png"
        image = self.image_model(
            title=title,
            file=ImageFile(io.BytesIO(data), name=filename),
            collection=collection or Collection.get_first_root_node(),
        )
        image.save()
        return image

    @staticmethod
    def child(parent: Page, model, slug: str):
        return model.objects.child_of(parent).filter(slug=slug).first()

    @staticmethod
    def publish(page: Page) -> Page:
        page.save_revision().publish()
        page = type(page).objects.get(pk=page.pk)
        # Inline rows new in this publish (variants, photos) sit in the revision without ids:
        # the page editor would take them for new rows ("SKU already exists") on the next
        # save. One more revision of the published page carries their ids.
        content = page.latest_revision.content if page.latest_revision else {}
        rows = [r for v in content.values() if isinstance(v, list) for r in v]
        if any(isinstance(r, dict) and r.get("pk") is None for r in rows):
            page.save_revision().publish()
            page = type(page).objects.get(pk=page.pk)
        return page

    def upsert_page(self, parent: Page, model, slug: str, **fields) -> Page:
        page = self.child(parent, model, slug)
        if page is None:
            page = model(slug=slug, **fields)
            parent.add_child(instance=page)
        else:
            assign(page, fields)
        return self.publish(page)

    # --- steps ------------------------------------------------------------

    def home(self) -> HomePage:
        root = Page.get_first_root_node()
        home = HomePage.objects.first()
        if home is None:
            site = Site.objects.filter(is_default_site=True).first()
            welcome = (
                root.get_children().filter(slug="home").exclude(content_type__model="homepage")
            )
            home = HomePage(
                title="OCOP Market",
                slug="trang-chu",
                hero_title="Đặc sản OCOP từ tận tay hợp tác xã",
                hero_text=(
                    "Chè La Bằng, na La Hiên, miến dong Na Rì, mật ong bạc hà... mua trực tiếp "
                    "từ các hợp tác xã Thái Nguyên và Tuyên Quang, có tem truy xuất nguồn gốc."
                ),
            )
            root.add_child(instance=home)
            self.publish(home)
            if site is None:
                Site.objects.create(
                    hostname="localhost", port=80, root_page=home, is_default_site=True
                )
            else:
                site.root_page = home
                site.save()
            for page in welcome:
                page.delete()
        # The admin names the site by it (a blank name shows the host name, "localhost").
        Site.objects.filter(root_page=home, site_name="").update(site_name=SITE_NAME)
        home.hero_image = self.image("demo:banner:home", "landscape", banner=True)
        return self.publish(home)

    def categories(self, home: HomePage) -> dict[str, Category]:
        result = {}
        for order, data in enumerate(content.CATEGORIES):
            category, _ = Category.objects.update_or_create(
                slug=data["slug"],
                defaults={
                    "name": data["name_vi"],
                    "name_en": data["name_en"],
                    "icon": data["icon"],
                    "intro": data.get("intro_vi", ""),
                    "sort_order": order,
                },
            )
            result[category.slug] = category
            existing = CategoryPage.objects.filter(category=category).first()
            fields = {
                "title": category.name,
                "intro": category.intro,
                "image": self.image(f"demo:banner:{category.slug}", category.icon, banner=True),
            }
            if existing is None:
                self.upsert_page(home, CategoryPage, category.slug, category=category, **fields)
            else:
                assign(existing, fields)
                self.publish(existing)
        return result

    def regions(self, home: HomePage) -> None:
        for code, (slug, title, intro) in REGIONS.items():
            existing = RegionPage.objects.filter(province_code=code).first()
            image = self.image(f"demo:banner:region-{slug}", "landscape", banner=True)
            if existing is None:
                self.upsert_page(
                    home,
                    RegionPage,
                    slug,
                    title=title,
                    province_code=code,
                    intro=intro,
                    image=image,
                )

    def cooperatives(self, home: HomePage) -> dict[str, CooperativePage]:
        self.upsert_page(
            home,
            CooperativeIndexPage,
            "hop-tac-xa",
            title="Hợp tác xã",
            intro="Những hợp tác xã, tổ hợp tác làm ra sản phẩm OCOP bán trên chợ.",
        )
        pages = {}
        for data in content.COOPERATIVES:
            coop, _ = Cooperative.objects.update_or_create(
                slug=data["slug"],
                defaults={
                    "name": data["name"],
                    "registration_number": data["registration_number"],
                    "province_code": data["province_code"],
                    "ward_code": data["ward_code"],
                    "old_place_name": data.get("old_place_name", ""),
                    "contact_name": data.get("contact_name", ""),
                    "phone": data.get("phone", ""),
                    "email": data.get("email", ""),
                    "founded_year": data.get("founded_year"),
                    "status": Cooperative.Status.APPROVED,
                    # Demo only: a made-up Agribank (BIN 970405) account for the stall VietQR.
                    "bank_bin": "970405",
                    "bank_account_number": "8" + data["registration_number"][:10],
                    "bank_account_name": fold(data["name"]).upper(),
                },
            )
            coop.full_clean()
            fields = {
                "title": coop.name,
                "tagline": data.get("tagline_vi", ""),
                "story": _paragraphs_html(data.get("story_vi", "")),
            }
            # The same service that approves a registered cooperative: page, group, images.
            page = cooperative_onboard(cooperative=coop, page_fields=fields)
            image = self.image(
                f"demo:banner:{coop.slug}",
                self.main_kind(coop.slug),
                banner=True,
                collection=page.collection,
            )
            if image is not None and page.image_id != image.pk:
                page.image = image
                page = self.publish(page)
            pages[coop.slug] = page
        return pages

    @staticmethod
    def main_kind(coop_slug: str) -> str:
        icons = {c["slug"]: c["icon"] for c in content.CATEGORIES}
        kinds = [icons[p["category"]] for p in content.PRODUCTS if p["cooperative"] == coop_slug]
        return max(set(kinds), key=kinds.count) if kinds else "landscape"

    def products(self, coop_pages: dict, categories: dict) -> None:
        for data in content.PRODUCTS:
            parent = coop_pages[data["cooperative"]]
            category = categories[data["category"]]
            page = self.child(parent, ProductPage, data["slug"])
            months = data.get("harvest_months") or []
            preorder = data.get("preorder") or {}
            fields = {
                "title": data["title"],
                "title_en": content.PRODUCT_NAMES_EN.get(data["slug"], ""),
                "category": category,
                "short_description": data["short_description_vi"],
                "story": _paragraphs_html(data.get("story_vi", "")),
                "harvest_start_month": months[0] if months else None,
                "harvest_end_month": months[-1] if months else None,
                "preorder_opens": _date(preorder.get("opens")),
                "preorder_closes": _date(preorder.get("closes")),
                "is_featured": bool(data.get("featured")),
            }
            created = page is None
            if created:
                page = ProductPage(slug=data["slug"], **fields)
                parent.add_child(instance=page)
            else:
                assign(page, fields)
            self.product_variants(page, data["variants"])
            self.product_gallery(page, data, category, parent.cooperative)
            self.publish(page)
            self.product_stock(data["variants"])
            self.product_certification(page, data)

    @staticmethod
    def product_variants(page: ProductPage, variants: list[dict]) -> None:
        existing = {v.sku: v for v in page.variants.all()}
        ordered = []
        for order, data in enumerate(variants):
            variant = existing.get(data["sku"]) or ProductVariant(sku=data["sku"])
            variant.gtin = normalize_gtin(data["gtin"]) if data.get("gtin") else None
            variant.unit_label = data["unit_label_vi"]
            variant.net_weight_g = data["net_weight_g"]
            variant.price = data["price"]
            variant.compare_at_price = data.get("compare_at_price")
            variant.is_active = True
            variant.sort_order = order
            ordered.append(variant)
        page.variants = ordered

    def product_gallery(self, page, data, category, cooperative) -> None:
        if not self.with_images:
            return
        if page.gallery_images.exists() if page.pk else False:
            return
        collection = cooperative.page.collection
        kind = "rice" if fold(data["title"]).startswith(("gao", "com")) else category.icon
        images = [
            self.image(f"demo:{data['slug']}:{n}", kind, collection=collection) for n in (1, 2)
        ]
        from catalog.models import ProductImage

        page.gallery_images = [
            ProductImage(image=img, caption="", sort_order=i) for i, img in enumerate(images)
        ]

    @staticmethod
    def product_stock(variants: list[dict]) -> None:
        for data in variants:
            variant = ProductVariant.objects.get(sku=data["sku"])
            stock, _ = Stock.objects.get_or_create(variant=variant)
            if stock.reserved == 0 and stock.on_hand != data["stock"]:
                stock.on_hand = data["stock"]
                stock.save(update_fields=["on_hand", "updated_at"])

    @staticmethod
    def product_certification(page: ProductPage, data: dict) -> None:
        if not data.get("ocop_stars"):
            return
        OcopCertification.objects.update_or_create(
            product=page,
            certificate_number=data["ocop_certificate_number"],
            defaults={
                "stars": data["ocop_stars"],
                "issuing_level": data.get("ocop_issuing_level", "province"),
                "issued_on": _date(data["ocop_issued_on"]),
                "expires_on": _date(data["ocop_expires_on"]),
            },
        )

    def stories(self, home: HomePage, coop_pages: dict) -> None:
        index = self.upsert_page(
            home,
            ArticleIndexPage,
            "cau-chuyen",
            title="Câu chuyện",
            intro="Người làm chè, trồng na, làm miến và những phiên chợ không dùng tiền mặt.",
        )
        for data in content.STORIES:
            related = coop_pages.get(data.get("related_cooperative") or "")
            body = [("paragraph", _paragraphs_html(p)) for p in data["body_vi"]]
            page = self.child(index, ArticlePage, data["slug"])
            fields = {
                "title": data["title_vi"],
                "intro": data["intro_vi"],
                "published_on": _date(data["published_on"]),
                "source_note": data.get("source_note_vi", ""),
                "related_cooperative": related,
                "image": self.image(f"demo:banner:story-{data['slug']}", "landscape", banner=True),
            }
            if page is None:
                page = ArticlePage(slug=data["slug"], body=body, **fields)
                index.add_child(instance=page)
            else:
                assign(page, fields)
                page.body = body
            self.publish(page)

    def users(self) -> None:
        from django.contrib.auth.models import Group

        user_model = get_user_model()

        def user(username: str, **fields):
            account, created = user_model.objects.get_or_create(username=username, defaults=fields)
            if created:
                account.set_password(DEMO_PASSWORD)
                account.save()
            return account

        user("admin", email="admin@ocop.local", is_staff=True, is_superuser=True)
        operator = user(
            "operator",
            email="operator@ocop.local",
            is_staff=True,
            first_name="Sở NN&PTNT",
            last_name="Thái Nguyên",
        )
        operator.groups.add(Group.objects.get(name=OPERATORS_GROUP))
        inspector = user(
            "inspector",
            email="inspector@ocop.local",
            is_staff=True,
            first_name="Thanh tra",
            last_name="QLTT",
        )
        inspector.groups.add(Group.objects.get(name=INSPECTORS_GROUP))
        user("shopper", email="shopper@ocop.local", first_name="Lan", last_name="Nguyễn")
        for coop in Cooperative.objects.all():
            member = user(coop.slug, email=f"{coop.slug}@ocop.local", first_name=coop.name)
            membership_add(user=member, cooperative=coop, role=Membership.Role.OWNER)

    # --- entry point ------------------------------------------------------

    @transaction.atomic
    def run(self) -> dict[str, int]:
        ensure_role_groups()
        home = self.home()
        operators_grant(root_page=home)
        categories = self.categories(home)
        self.regions(home)
        coop_pages = self.cooperatives(home)
        self.products(coop_pages, categories)
        self.stories(home, coop_pages)
        self.users()
        from .trace import load_traceability_demo

        load_traceability_demo(log=self.log)
        from .orders import load_orders_demo

        load_orders_demo(log=self.log)
        from .history import load_history_demo

        load_history_demo(log=self.log)
        # Stock and certifications above were written directly: index every product now.
        from catalog.search_index import rebuild

        rebuild()
        return counts()


def counts() -> dict[str, int]:
    return {
        "cooperatives": Cooperative.objects.count(),
        "products": ProductPage.objects.live().count(),
        "variants": ProductVariant.objects.count(),
        "stock_rows": Stock.objects.count(),
        "certifications": OcopCertification.objects.count(),
        "stories": ArticlePage.objects.live().count(),
        "images": get_image_model().objects.count(),
        "pages": Page.objects.count(),
        "users": get_user_model().objects.count(),
        "memberships": Membership.objects.count(),
        "batches": Batch.objects.count(),
        "trace_events": TraceEvent.objects.count(),
        "stamps": Stamp.objects.count(),
        "scans": Scan.objects.count(),
        "orders": Order.objects.count(),
    }
