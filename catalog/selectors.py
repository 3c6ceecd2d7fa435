"""Read queries for the storefront. Every listing goes through ``with_listing_data`` so that the
number of SQL queries does not grow with the number of products shown."""

from django.db.models import Prefetch, QuerySet
from wagtail.images import get_image_model

from .models import OcopCertification, ProductImage, ProductPage, ProductVariant

# Rendition specs used by templates; prefetched together with the images.
CARD_IMAGE = "fill-480x480|format-webp"
DETAIL_IMAGE = "fill-900x900|format-webp"
THUMB_IMAGE = "fill-120x120|format-webp"
# A shared link's preview (Open Graph): 1.91:1 as Facebook and Zalo crop it, JPEG, which every
# link scraper reads.
SHARE_IMAGE = "fill-1200x630|format-jpeg|jpegquality-80"
# (Wagtail looks a prefetched image's renditions up among the prefetched ones only: a spec
# missing here would be created again on each view and collide with the stored one.)
RENDITION_SPECS = (CARD_IMAGE, DETAIL_IMAGE, THUMB_IMAGE, SHARE_IMAGE)


def _renditions_prefetch(lookup: str) -> Prefetch:
    rendition_model = get_image_model().get_rendition_model()
    return Prefetch(
        lookup, queryset=rendition_model.objects.filter(filter_spec__in=RENDITION_SPECS)
    )


def with_listing_data(queryset: QuerySet[ProductPage]) -> QuerySet[ProductPage]:
    return queryset.select_related("cooperative", "category").prefetch_related(
        Prefetch(
            "variants",
            queryset=ProductVariant.objects.select_related("stock").order_by("sort_order", "pk"),
        ),
        Prefetch("certifications", queryset=OcopCertification.objects.all()),
        Prefetch(
            "gallery_images",
            queryset=ProductImage.objects.select_related("image").order_by("sort_order", "pk"),
        ),
        _renditions_prefetch("gallery_images__image__renditions"),
    )


def live_products() -> QuerySet[ProductPage]:
    return ProductPage.objects.live().public().filter(cooperative__status="approved")


def product_detail(*, page_id: int) -> ProductPage | None:
    return with_listing_data(ProductPage.objects.filter(pk=page_id)).first()


def cards_in_order(ids: list[int]) -> list[ProductPage]:
    """Product cards of ``ids`` (still findable ones), in that order."""
    if not ids:
        return []
    by_id = {p.pk: p for p in with_listing_data(live_products().filter(pk__in=ids))}
    return [by_id[i] for i in ids if i in by_id]


def featured_products(limit: int = 8):
    """Featured products, best OCOP stars first, then by name (from the search rows:
    findable products only)."""
    from .cards import ProductCards

    return ProductCards.first(limit, is_featured=True)


def star_spotlight(limit: int = 4):
    """Products (not already featured) with a valid OCOP certification, best stars first.

    Read from the search rows (their ``stars`` is today's valid certification; the nightly
    reindex follows certificates that lapse by date), then loaded as cards."""
    from .cards import ProductCards

    return ProductCards.first(limit, is_featured=False, stars__gt=0)
