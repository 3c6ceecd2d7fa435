"""What the catalogue does when something a shopper sees changes: queue the search-index
update of the products concerned (``catalog.tasks.index_products`` through the outbox) and
invalidate the cached pages (``marketplace.pagecache.bump``).

Publishing and unpublishing come from Wagtail's signals; certifications, categories,
cooperatives and variants from model signals; stock from ``catalog.stock`` (only when a
variant's availability state changes: in stock / a few left / none).
"""

from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from wagtail.images import get_image_model
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from marketplace.models import Cooperative
from marketplace.outbox import enqueue
from marketplace.pagecache import bump, invalidate

from .models import (
    Category,
    OcopCertification,
    ProductImage,
    ProductPage,
    ProductSearchEntry,
    ProductVariant,
)


def changed(page_ids=()) -> None:
    """Products ``page_ids`` (maybe none) changed: reindex them, and every page is stale.

    Their search rows' stamp moves now, in the change's own transaction, so their cached
    cards (``catalog.cards``) are redrawn from the live tables on the next request, before
    the index task has run (an unpublished product's card then disappears at once)."""
    ids = sorted({int(pk) for pk in page_ids if pk})
    if ids:
        ProductSearchEntry.objects.filter(page_id__in=ids).update(indexed_at=timezone.now())
        enqueue("catalog.tasks.index_products", page_ids=ids)
    bump()


def stock_tags(page_ids) -> list[str]:
    """What a change of these products' stock state makes stale: the pages that show them
    (their own, and every page with their card) and search results (availability facets)."""
    return [*(f"product:{int(pk)}" for pk in page_ids), "search"]


def stock_changed(page_ids) -> None:
    """Products ``page_ids`` sold out, came back or began to run low. Their search rows and
    cards move as for any change, but only the cached pages that show them go: the state of
    one product changes every few checkouts on a busy day, and every other page is as it
    was (listings are ordered by featured flag and name, never by stock)."""
    ids = sorted({int(pk) for pk in page_ids if pk})
    if not ids:
        return
    ProductSearchEntry.objects.filter(page_id__in=ids).update(indexed_at=timezone.now())
    enqueue("catalog.tasks.index_products", page_ids=ids, stock_only=True)
    invalidate(stock_tags(ids))


def _page_event(sender, instance, **kwargs):
    is_product = isinstance(instance, ProductPage) or isinstance(
        instance.specific_deferred, ProductPage
    )
    changed([instance.pk] if is_product else [])


def _page_moved(sender, instance, **kwargs):
    specific = instance.specific
    if isinstance(specific, ProductPage) and specific.sync_cooperative():
        specific.save(update_fields=["cooperative"])
    changed([instance.pk] if isinstance(specific, ProductPage) else [])


def _page_deleted(sender, instance, **kwargs):
    bump()  # its search row goes with it (ON DELETE CASCADE)


def _certification(sender, instance, **kwargs):
    changed([instance.product_id])


def _variant(sender, instance, raw=False, **kwargs):
    if not raw:
        changed([instance.page_id])


def _category(sender, instance, raw=False, **kwargs):
    if not raw:
        changed(ProductPage.objects.filter(category=instance).values_list("pk", flat=True))


def _cooperative(sender, instance, raw=False, **kwargs):
    if not raw:
        changed(ProductPage.objects.filter(cooperative=instance).values_list("pk", flat=True))


def _image(sender, instance, raw=False, update_fields=None, **kwargs):
    # A new file replaces the image's renditions: the cards and pages that show it change.
    # Not Wagtail's own bookkeeping (file size and hash, saved alone while serving a page).
    if raw or (update_fields is not None and not {"file", "focal_point_x"} & set(update_fields)):
        return
    changed(ProductImage.objects.filter(image=instance).values_list("page_id", flat=True))


def connect() -> None:
    page_published.connect(_page_event, dispatch_uid="catalog.page_published")
    page_unpublished.connect(_page_event, dispatch_uid="catalog.page_unpublished")
    post_page_move.connect(_page_moved, dispatch_uid="catalog.page_moved")
    # Deleting a product page deletes its Page row too: one signal covers both.
    post_delete.connect(_page_deleted, sender=Page, dispatch_uid="catalog.page_deleted")
    for signal in (post_save, post_delete):
        signal.connect(_certification, sender=OcopCertification, dispatch_uid=f"cert.{signal}")
        signal.connect(_variant, sender=ProductVariant, dispatch_uid=f"variant.{signal}")
        signal.connect(_category, sender=Category, dispatch_uid=f"category.{signal}")
        signal.connect(_cooperative, sender=Cooperative, dispatch_uid=f"coop.{signal}")
    post_save.connect(_image, sender=get_image_model(), dispatch_uid="catalog.image_saved")
