"""Storefront pages. Page models stay thin: listings come from ``catalog.selectors``.

Tree: Home -> Cooperatives -> Cooperative -> Product (catalog.ProductPage)
           -> Category pages, Region pages, Stories -> Article
"""

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.images.blocks import ImageBlock
from wagtail.models import Page
from wagtail.search import index

from catalog.cards import ProductCards
from catalog.models import PAGE_SEARCH_FIELDS, Category, FoldedTitle, ProductSearchEntry
from catalog.selectors import featured_products, star_spotlight
from marketplace.locations import UnknownLocation, get_province, province_choices
from marketplace.models import Cooperative

PRODUCTS_PER_PAGE = 24


def paginate(request, items, per_page: int = PRODUCTS_PER_PAGE):
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def listing_page(request, entries):
    """A page of product cards: listed and counted from the search rows (live products of
    approved cooperatives, one indexed table), featured first, then by name; only the
    page's products are loaded as cards."""
    ids = entries.order_by("-is_featured", "title_text", "page_id").values_list(
        "page_id", flat=True
    )
    page = paginate(request, ids)
    page.object_list = ProductCards(page.object_list)
    return page


def _image_field(label=None):
    return models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=label or _("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )


class HomePage(FoldedTitle, Page):
    hero_title = models.CharField(_("hero title"), max_length=120, blank=True)
    hero_text = models.TextField(_("hero text"), blank=True)
    hero_image = _image_field(_("hero image"))

    max_count = 1
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "cms.CooperativeIndexPage",
        "cms.CategoryPage",
        "cms.RegionPage",
        "cms.ArticleIndexPage",
    ]
    content_panels = [
        *Page.content_panels,
        FieldPanel("hero_title"),
        FieldPanel("hero_text"),
        FieldPanel("hero_image"),
    ]

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["featured"] = featured_products()
        context["spotlight"] = star_spotlight()
        ProductCards.together(context["featured"], context["spotlight"])
        context["categories"] = (
            CategoryPage.objects.live().child_of(self).select_related("category", "image")
        )
        context["regions"] = RegionPage.objects.live().child_of(self).select_related("image")
        context["stories"] = (
            ArticlePage.objects.live().order_by("-published_on").select_related("image")[:3]
        )
        context["cooperatives_index"] = CooperativeIndexPage.objects.live().first()
        return context


class CooperativeIndexPage(FoldedTitle, Page):
    intro = models.TextField(_("introduction"), blank=True)

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.CooperativePage"]
    content_panels = [*Page.content_panels, FieldPanel("intro")]

    class Meta:
        verbose_name = _("cooperative index")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["cooperatives"] = (
            CooperativePage.objects.live()
            .child_of(self)
            .filter(cooperative__status=Cooperative.Status.APPROVED)
            .select_related("cooperative", "image")
            .order_by("title")
        )
        return context


class CooperativePage(FoldedTitle, Page):
    """A cooperative's storefront: its story, location and products (its subtree)."""

    cooperative = models.OneToOneField(
        Cooperative, verbose_name=_("cooperative"), on_delete=models.PROTECT, related_name="page"
    )
    tagline = models.CharField(_("tagline"), max_length=200, blank=True)
    story = RichTextField(_("story"), blank=True)
    image = _image_field()
    collection = models.OneToOneField(
        "wagtailcore.Collection",
        verbose_name=_("image collection"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    parent_page_types = ["cms.CooperativeIndexPage"]
    subpage_types = ["catalog.ProductPage"]
    search_fields = [*PAGE_SEARCH_FIELDS, index.SearchField("tagline"), index.SearchField("story")]
    content_panels = [
        *Page.content_panels,
        FieldPanel("cooperative", permission="marketplace.change_cooperative"),
        FieldPanel("tagline"),
        FieldPanel("image"),
        FieldPanel("story"),
    ]

    class Meta:
        verbose_name = _("cooperative page")

    def serve(self, request, *args, **kwargs):
        if not self.cooperative.is_approved:
            raise Http404("This cooperative is not selling at the moment.")
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["products"] = listing_page(
            request, ProductSearchEntry.objects.filter(cooperative_id=self.cooperative_id)
        )
        return context


class CategoryPage(FoldedTitle, Page):
    category = models.OneToOneField(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="page"
    )
    intro = models.TextField(_("introduction"), blank=True)
    image = _image_field()

    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []
    content_panels = [
        *Page.content_panels,
        FieldPanel("category"),
        FieldPanel("intro"),
        FieldPanel("image"),
    ]

    class Meta:
        verbose_name = _("category page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # Listed from the search rows (one indexed table, stars and featured flag included),
        # then only the page's products are loaded as cards.
        entries = ProductSearchEntry.objects.filter(category_id=self.category_id)
        stars = request.GET.get("stars")
        if stars in {"3", "4", "5"}:
            entries = entries.filter(stars__gte=int(stars))
            context["stars"] = int(stars)
        context["products"] = listing_page(request, entries)
        return context


class RegionPage(FoldedTitle, Page):
    """A producing region (one of the 34 provinces), with its cooperatives and products."""

    province_code = models.PositiveSmallIntegerField(
        _("province"), choices=province_choices, unique=True
    )
    intro = models.TextField(_("introduction"), blank=True)
    image = _image_field()

    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []
    content_panels = [
        *Page.content_panels,
        FieldPanel("province_code"),
        FieldPanel("intro"),
        FieldPanel("image"),
    ]

    class Meta:
        verbose_name = _("region page")

    def clean(self):
        super().clean()
        try:
            get_province(self.province_code)
        except UnknownLocation:
            raise ValidationError({"province_code": _("Unknown province.")}) from None

    @property
    def province_name(self) -> str:
        return get_province(self.province_code).name

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["cooperatives"] = (
            CooperativePage.objects.live()
            .filter(
                cooperative__province_code=self.province_code,
                cooperative__status=Cooperative.Status.APPROVED,
            )
            .select_related("cooperative", "image")
            .order_by("title")
        )
        context["products"] = listing_page(
            request, ProductSearchEntry.objects.filter(province_code=self.province_code)
        )
        return context


class ArticleIndexPage(FoldedTitle, Page):
    intro = models.TextField(_("introduction"), blank=True)

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.ArticlePage"]
    content_panels = [*Page.content_panels, FieldPanel("intro")]

    class Meta:
        verbose_name = _("story index")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        articles = (
            ArticlePage.objects.live()
            .child_of(self)
            .order_by("-published_on")
            .select_related("image")
        )
        context["articles"] = paginate(request, articles, per_page=12)
        return context


class ArticlePage(FoldedTitle, Page):
    """A story: the people and places behind the products."""

    intro = models.TextField(_("introduction"))
    image = _image_field()
    published_on = models.DateField(_("published on"), default=timezone.localdate)
    body = StreamField(
        [
            ("heading", blocks.CharBlock(form_classname="title", label=_("Heading"))),
            ("paragraph", blocks.RichTextBlock(label=_("Paragraph"))),
            ("quote", blocks.BlockQuoteBlock(label=_("Quote"))),
            ("image", ImageBlock(label=_("Image"))),
        ],
        verbose_name=_("body"),
    )
    source_note = models.CharField(_("sources"), max_length=255, blank=True)
    related_cooperative = models.ForeignKey(
        CooperativePage,
        verbose_name=_("related cooperative"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    parent_page_types = ["cms.ArticleIndexPage"]
    subpage_types: list[str] = []
    search_fields = [*PAGE_SEARCH_FIELDS, index.SearchField("intro"), index.SearchField("body")]
    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("image"),
        FieldPanel("published_on"),
        FieldPanel("body"),
        FieldPanel("source_note"),
        FieldPanel("related_cooperative"),
    ]

    class Meta:
        verbose_name = _("story")
        verbose_name_plural = _("stories")
