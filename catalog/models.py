"""Catalog: categories, product pages with variants, stock and OCOP certification.

Products are Wagtail pages under their cooperative's page, so listings get drafts,
revisions, moderation and per-subtree permissions from Wagtail. Variants are inline
orderables of the page. Stock and certification live in their own tables, outside page
revisions: orders change stock every minute, and only the province certifies stars.
"""

import datetime

from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index

from marketplace.locations import UnknownLocation, get_province, get_ward
from marketplace.models import Cooperative
from marketplace.text import fold

from .gtin import InvalidGtin, normalize_gtin

MONTH_VALIDATORS = [MinValueValidator(1), MaxValueValidator(12)]


class Category(models.Model):
    """A shelf of the market: tea, fruit, noodles & grains, honey, mushrooms..."""

    class Icon(models.TextChoices):
        TEA = "tea", _("Tea")
        FRUIT = "fruit", _("Fruit")
        NOODLES = "noodles", _("Noodles")
        RICE = "rice", _("Rice")
        HONEY = "honey", _("Honey")
        MUSHROOM = "mushroom", _("Mushrooms")
        OTHER = "other", _("Other")

    name = models.CharField(_("name (Vietnamese)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80, blank=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    icon = models.CharField(_("icon"), max_length=16, choices=Icon.choices, default=Icon.OTHER)
    intro = models.TextField(_("introduction"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    panels = [
        FieldPanel("name"),
        FieldPanel("name_en"),
        FieldPanel("slug"),
        FieldPanel("icon"),
        FieldPanel("intro"),
        FieldPanel("sort_order"),
    ]

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        if get_language() == "en" and self.name_en:
            return self.name_en
        return self.name


class Availability(models.TextChoices):
    IN_STOCK = "in_stock", _("In stock")
    LOW_STOCK = "low_stock", _("Only a few left")
    PREORDER = "preorder", _("Pre-order")
    OUT_OF_STOCK = "out_of_stock", _("Out of stock")


LOW_STOCK_THRESHOLD = 5


def _cooperative_of(page: Page | None) -> Cooperative | None:
    """The cooperative a (cooperative) page stands for; None for any other page."""
    return getattr(page.specific, "cooperative", None) if page else None


FOLDED_TITLE = index.AutocompleteField("title_folded")


class FoldedTitle:
    """A page the admin's page search finds without accents: Wagtail searches pages there by
    autocomplete over their autocomplete fields, and ``FOLDED_TITLE`` adds the folded title
    (``che bup la bang`` finds ``Chè búp La Bằng``; ``Chè búp`` still matches the title).
    Put it before ``Page`` in the bases; page types with more fields extend
    ``PAGE_SEARCH_FIELDS``."""

    search_fields = [*Page.search_fields, FOLDED_TITLE]

    def title_folded(self) -> str:
        return fold(self.title)


PAGE_SEARCH_FIELDS = FoldedTitle.search_fields


class ProductPage(FoldedTitle, Page):
    """An OCOP product of one cooperative; lives under that cooperative's page."""

    cooperative = models.ForeignKey(
        Cooperative,
        verbose_name=_("cooperative"),
        on_delete=models.PROTECT,
        related_name="products",
        editable=False,
        null=True,
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="products"
    )
    title_en = models.CharField(
        _("English name"),
        max_length=255,
        blank=True,
        help_text=_("Shown on the English site and found by English searches, e.g. honey."),
    )
    short_description = models.CharField(_("short description"), max_length=255)
    story = RichTextField(
        _("story"),
        blank=True,
        features=["bold", "italic", "h3", "ol", "ul", "link"],
        help_text=_("Where it grows, who makes it and how."),
    )
    origin_ward_code = models.PositiveIntegerField(
        _("origin commune / ward code"),
        null=True,
        blank=True,
        help_text=_("Leave empty when the product comes from the cooperative's own commune."),
    )
    harvest_start_month = models.PositiveSmallIntegerField(
        _("harvest from (month)"), null=True, blank=True, validators=MONTH_VALIDATORS
    )
    harvest_end_month = models.PositiveSmallIntegerField(
        _("harvest to (month)"), null=True, blank=True, validators=MONTH_VALIDATORS
    )
    preorder_opens = models.DateField(_("pre-orders open"), null=True, blank=True)
    preorder_closes = models.DateField(_("pre-orders close"), null=True, blank=True)
    is_featured = models.BooleanField(_("featured on the home page"), default=False)

    parent_page_types = ["cms.CooperativePage"]
    subpage_types: list[str] = []
    template = "catalog/product_page.html"

    search_fields = [
        *PAGE_SEARCH_FIELDS,
        index.SearchField("short_description"),
        index.SearchField("story"),
        index.SearchField("search_text_folded"),
        index.AutocompleteField("title"),
        index.FilterField("category_id"),
        index.FilterField("cooperative_id"),
        index.RelatedFields("category", [index.SearchField("name")]),
        index.RelatedFields(
            "cooperative", [index.SearchField("name"), index.FilterField("status")]
        ),
    ]

    content_panels = [
        *Page.content_panels,
        FieldPanel("title_en"),
        FieldPanel("category"),
        FieldPanel("short_description"),
        InlinePanel("gallery_images", label=_("Photos"), min_num=1),
        FieldPanel("story"),
        InlinePanel("variants", label=_("Variants"), min_num=1),
        MultiFieldPanel(
            [
                FieldPanel("origin_ward_code"),
                FieldRowPanel([FieldPanel("harvest_start_month"), FieldPanel("harvest_end_month")]),
                FieldRowPanel([FieldPanel("preorder_opens"), FieldPanel("preorder_closes")]),
            ],
            heading=_("Origin and season"),
        ),
        FieldPanel("is_featured"),
    ]

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")

    # --- validation -------------------------------------------------------

    def clean(self) -> None:
        super().clean()
        errors = {}
        parent = self.get_parent()
        cooperative = _cooperative_of(parent)
        if parent is not None and cooperative is None:
            raise ValidationError(_("A product must be placed under a cooperative's page."))
        if cooperative is not None:
            self.cooperative = cooperative
        if self.origin_ward_code is not None:
            try:
                get_ward(self.origin_ward_code)
            except UnknownLocation:
                errors["origin_ward_code"] = _("Unknown commune/ward code %(code)s.") % {
                    "code": self.origin_ward_code
                }
        if (self.harvest_start_month is None) != (self.harvest_end_month is None):
            errors["harvest_end_month"] = _("Give both the first and the last harvest month.")
        if (self.preorder_opens is None) != (self.preorder_closes is None):
            errors["preorder_closes"] = _("Give both the opening and the closing date.")
        elif self.preorder_opens and self.preorder_closes < self.preorder_opens:
            errors["preorder_closes"] = _("Pre-orders cannot close before they open.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        if self.cooperative_id is None and self.depth and self.path:
            self.sync_cooperative()
        return super().save(*args, **kwargs)

    def sync_cooperative(self) -> bool:
        """Take the cooperative from the parent page; True when it changed (after a move)."""
        cooperative = _cooperative_of(self.get_parent())
        changed = cooperative is not None and cooperative.pk != self.cooperative_id
        if changed:
            self.cooperative = cooperative
        return changed

    # --- derived data -----------------------------------------------------

    @property
    def display_title(self) -> str:
        if get_language() == "en" and self.title_en:
            return self.title_en
        return self.title

    def search_text_folded(self) -> str:
        """Diacritics-free text so that ``che la bang`` finds ``Chè La Bằng``."""
        parts = [self.title, self.short_description]
        if self.cooperative_id:
            parts.append(self.cooperative.name)
        if self.category_id:
            parts.append(self.category.name)
        return fold(" ".join(parts))

    @property
    def origin_ward_name(self) -> str:
        code = self.origin_ward_code or (self.cooperative.ward_code if self.cooperative else None)
        if code is None:
            return ""
        ward = get_ward(code)
        return f"{ward.name}, {get_province(ward.province_code.value).name}"

    @cached_property
    def active_variants(self) -> list["ProductVariant"]:
        return [v for v in self.variants.all() if v.is_active]

    @property
    def price_from(self) -> int | None:
        prices = [v.price for v in self.active_variants]
        return min(prices) if prices else None

    @property
    def main_image(self):
        images = list(self.gallery_images.all())
        return images[0].image if images else None

    def certification_on(self, day: datetime.date) -> "OcopCertification | None":
        valid = [c for c in self.certifications.all() if c.is_valid_on(day)]
        return max(valid, key=lambda c: (c.stars, c.issued_on)) if valid else None

    @cached_property
    def current_certification(self) -> "OcopCertification | None":
        return self.certification_on(timezone.localdate())

    @cached_property
    def lapsed_certification(self) -> "OcopCertification | None":
        """The latest certification when none is valid today (to say it has expired)."""
        if self.current_certification is not None:
            return None
        today = timezone.localdate()
        expired = [c for c in self.certifications.all() if c.expires_on <= today]
        return max(expired, key=lambda c: c.expires_on) if expired else None

    @property
    def preorder_open(self) -> bool:
        if not (self.preorder_opens and self.preorder_closes):
            return False
        return self.preorder_opens <= timezone.localdate() <= self.preorder_closes

    @property
    def availability(self) -> str:
        """The best availability among the active variants."""
        order = [
            Availability.IN_STOCK,
            Availability.LOW_STOCK,
            Availability.PREORDER,
            Availability.OUT_OF_STOCK,
        ]
        states = {v.availability for v in self.active_variants}
        return next((s for s in order if s in states), Availability.OUT_OF_STOCK)

    def serve(self, request, *args, **kwargs):
        if self.cooperative is None or not self.cooperative.is_approved:
            raise Http404("This cooperative is not selling at the moment.")
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        from marketplace.pagecache import shows

        from .selectors import product_detail

        shows(f"product:{self.pk}")  # its cached pages go when its stock state changes

        # A preview (draft, moderation) renders this in-memory revision, not the live row.
        if getattr(request, "is_preview", False) or self.pk is None:
            context["product"] = self
        else:
            context["product"] = product_detail(page_id=self.pk) or self
        return context


class ProductImage(Orderable):
    page = ParentalKey(ProductPage, on_delete=models.CASCADE, related_name="gallery_images")
    image = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("image"), on_delete=models.CASCADE, related_name="+"
    )
    caption = models.CharField(_("caption"), max_length=255, blank=True)

    panels = [FieldPanel("image"), FieldPanel("caption")]


class ProductVariant(Orderable):
    """A sellable unit of a product: one SKU, one GTIN, one price."""

    page = ParentalKey(ProductPage, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(
        _("SKU"),
        max_length=40,
        unique=True,
        help_text=_("Your own stock-keeping code; unique across the market."),
    )
    gtin = models.CharField(
        _("GTIN"),
        max_length=14,
        unique=True,
        null=True,
        blank=True,
        help_text=_("GS1 barcode number (8, 12, 13 or 14 digits); stored as GTIN-14."),
    )
    unit_label = models.CharField(_("unit"), max_length=60, help_text=_("e.g. Túi 100 g"))
    net_weight_g = models.PositiveIntegerField(
        _("net weight (g)"), validators=[MinValueValidator(1)]
    )
    price = models.PositiveBigIntegerField(
        _("price (đồng)"), validators=[MinValueValidator(1)], help_text=_("Whole đồng, e.g. 125000")
    )
    compare_at_price = models.PositiveBigIntegerField(
        _("compare-at price (đồng)"),
        null=True,
        blank=True,
        help_text=_("The former price, shown struck through when higher than the price."),
    )
    is_active = models.BooleanField(_("on sale"), default=True)

    panels = [
        FieldRowPanel([FieldPanel("unit_label"), FieldPanel("sku"), FieldPanel("gtin")]),
        FieldRowPanel(
            [FieldPanel("net_weight_g"), FieldPanel("price"), FieldPanel("compare_at_price")]
        ),
        FieldPanel("is_active"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="variant_price_positive"),
            models.CheckConstraint(
                condition=Q(compare_at_price__isnull=True) | Q(compare_at_price__gt=0),
                name="variant_compare_at_price_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.page.title} — {self.unit_label}" if self.page_id else self.sku

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.sku:
            self.sku = self.sku.strip().upper()
        if self.gtin:
            try:
                self.gtin = normalize_gtin(self.gtin)
            except InvalidGtin as exc:
                errors["gtin"] = _("Invalid GTIN: %(reason)s") % {"reason": exc}
        if (
            self.compare_at_price is not None
            and self.price is not None
            and self.compare_at_price <= self.price
        ):
            errors["compare_at_price"] = _("The compare-at price must be above the price.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # Stock lives outside page revisions; every variant has exactly one row.
        Stock.objects.get_or_create(variant=self)

    @property
    def on_sale(self) -> bool:
        return bool(self.compare_at_price and self.compare_at_price > self.price)

    @property
    def available_quantity(self) -> int:
        stock = getattr(self, "stock", None)
        return stock.available if stock else 0

    @property
    def availability(self) -> str:
        available = self.available_quantity
        if available > LOW_STOCK_THRESHOLD:
            return Availability.IN_STOCK
        if available > 0:
            return Availability.LOW_STOCK
        if self.page_id and self.page.preorder_open:
            return Availability.PREORDER
        return Availability.OUT_OF_STOCK


class Stock(models.Model):
    """On-hand and reserved quantities of one variant. Never negative (database constraints).

    Orders reserve with one conditional UPDATE inside a transaction (see ``catalog.stock``).
    """

    variant = models.OneToOneField(
        ProductVariant,
        verbose_name=_("variant"),
        on_delete=models.CASCADE,
        related_name="stock",
        primary_key=True,
    )
    on_hand = models.PositiveIntegerField(_("on hand"), default=0)
    reserved = models.PositiveIntegerField(_("reserved"), default=0)
    # The cooperative's own alert level (its dashboard lists variants at or below it); what
    # shoppers see ("only a few left") follows LOW_STOCK_THRESHOLD.
    low_stock_threshold = models.PositiveIntegerField(
        _("low-stock alert at"), default=LOW_STOCK_THRESHOLD, db_default=LOW_STOCK_THRESHOLD
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("stock")
        verbose_name_plural = _("stock")
        constraints = [
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_not_negative"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0), name="stock_reserved_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(reserved__lte=models.F("on_hand")), name="stock_reserved_within_on_hand"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant}: {self.available}"

    @property
    def available(self) -> int:
        return max(self.on_hand - self.reserved, 0)

    def clean(self) -> None:
        super().clean()
        if self.on_hand is not None and self.reserved is not None and self.reserved > self.on_hand:
            raise ValidationError(
                {
                    "on_hand": _("On hand cannot drop below the %(n)s units reserved by orders.")
                    % {"n": self.reserved}
                }
            )


class OcopCertification(models.Model):
    """An OCOP star rating awarded to a product; it lapses on its expiry date."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        NATIONAL = "national", _("National")

    STAR_CHOICES = [(3, _("3 stars")), (4, _("4 stars")), (5, _("5 stars"))]

    product = models.ForeignKey(
        ProductPage,
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="certifications",
    )
    stars = models.PositiveSmallIntegerField(_("stars"), choices=STAR_CHOICES)
    certificate_number = models.CharField(_("certificate number"), max_length=60)
    issuing_level = models.CharField(
        _("issued by"), max_length=16, choices=Level.choices, default=Level.PROVINCE
    )
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"))
    document = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("certificate (scan)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [
        FieldPanel("product"),
        FieldRowPanel([FieldPanel("stars"), FieldPanel("issuing_level")]),
        FieldPanel("certificate_number"),
        FieldRowPanel([FieldPanel("issued_on"), FieldPanel("expires_on")]),
        FieldPanel("document"),
    ]

    class Meta:
        verbose_name = _("OCOP certification")
        verbose_name_plural = _("OCOP certifications")
        ordering = ["-issued_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stars__gte=3) & Q(stars__lte=5), name="ocop_stars_3_to_5"
            ),
            models.CheckConstraint(
                condition=Q(expires_on__gt=models.F("issued_on")),
                name="ocop_expires_after_issue",
            ),
            models.UniqueConstraint(
                fields=["certificate_number", "product"], name="unique_ocop_certificate"
            ),
        ]

    def __str__(self) -> str:
        return f"OCOP {self.stars}★ {self.certificate_number}"

    def clean(self) -> None:
        super().clean()
        if self.issued_on and self.expires_on and self.expires_on <= self.issued_on:
            raise ValidationError({"expires_on": _("The expiry date must follow the issue date.")})

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.issued_on <= day < self.expires_on


# Featured first, best OCOP stars, then by name: popular products, the blank search, the home
# page's featured and spotlight (index ``search_default_order``).
SEARCH_DEFAULT_ORDER = ("-is_featured", "-stars", "title_text", "page_id")


class ProductSearchEntry(models.Model):
    """One row per product for the database search backend: folded text, a weighted full
    text vector (PostgreSQL) and the facet values, written by ``catalog.search_index``.

    Rows exist only for products a shopper may find (live, approved cooperative); the
    storefront's facet counts and filters read nothing else.
    """

    page = models.OneToOneField(
        ProductPage, on_delete=models.CASCADE, primary_key=True, related_name="search_entry"
    )
    title_text = models.TextField()  # folded Vietnamese and English names
    all_text = models.TextField()  # folded: names, category, cooperative, places, description
    search_vector = SearchVectorField(null=True)
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+")
    province_code = models.PositiveSmallIntegerField(db_index=True)
    stars = models.PositiveSmallIntegerField(default=0)
    price_min = models.PositiveBigIntegerField(null=True)
    availability = models.CharField(max_length=16, choices=Availability.choices)
    is_featured = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        indexes = [
            models.Index(fields=["category", "price_min"], name="search_category_price"),
            models.Index(fields=["cooperative"], name="search_cooperative"),
            models.Index(fields=list(SEARCH_DEFAULT_ORDER), name="search_default_order"),
        ]

    def __str__(self) -> str:
        return self.title_text


class SearchTerm(models.Model):
    """How often shoppers searched a (folded) query per day, and how often it found nothing."""

    term = models.CharField(max_length=100)
    day = models.DateField()
    searches = models.PositiveIntegerField(default=0)
    zero_results = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("search term")
        verbose_name_plural = _("search terms")
        constraints = [models.UniqueConstraint(fields=["term", "day"], name="unique_term_day")]

    def __str__(self) -> str:
        return f"{self.term} ({self.day})"
