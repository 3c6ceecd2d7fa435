"""Wagtail-side set-up of a cooperative: its page permissions and image collection."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
)

from marketplace.roles import OPERATORS_GROUP
from marketplace.services import cooperative_group_ensure

from .models import CooperativePage

# Cooperatives add and edit their own product pages; publishing goes through moderation.
COOPERATIVE_PAGE_PERMISSIONS = ("add_page", "change_page")
COOPERATIVE_IMAGE_PERMISSIONS = ("add_image", "change_image", "choose_image")


def _perm(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def cooperative_page_grant(*, page: CooperativePage) -> Collection:
    """Limit the cooperative's group to its own subtree and its own image collection."""
    group = cooperative_group_ensure(cooperative=page.cooperative)
    for codename in COOPERATIVE_PAGE_PERMISSIONS:
        GroupPagePermission.objects.get_or_create(
            group=group, page=page, permission=_perm("wagtailcore", codename)
        )
    collection = page.collection
    if collection is None:
        root = Collection.get_first_root_node()
        collection = root.add_child(name=f"{page.cooperative.name} ({page.cooperative.slug})")
        CooperativePage.objects.filter(pk=page.pk).update(collection=collection)
        page.collection = collection
    for codename in COOPERATIVE_IMAGE_PERMISSIONS:
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=collection, permission=_perm("wagtailimages", codename)
        )
    return collection


@transaction.atomic
def operators_grant(*, root_page: Page) -> Group:
    """Operators moderate and publish everything under the storefront root."""
    group = Group.objects.get(name=OPERATORS_GROUP)
    for codename in ("add_page", "change_page", "publish_page", "bulk_delete_page", "lock_page"):
        GroupPagePermission.objects.get_or_create(
            group=group, page=root_page, permission=_perm("wagtailcore", codename)
        )
    root = Collection.get_first_root_node()
    for codename in ("add_image", "change_image", "choose_image", "delete_image"):
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=root, permission=_perm("wagtailimages", codename)
        )
    # Cooperatives' edits go through Wagtail's default moderation workflow: operators approve.
    for task in GroupApprovalTask.objects.filter(active=True):
        task.groups.add(group)
    return group
