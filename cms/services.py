"""Wagtail-side set-up of a cooperative: its page, page permissions and image collection; the
approval of a registration, which makes all of these."""

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
)

from marketplace.models import Cooperative, CooperativeApplication, Membership
from marketplace.outbox import enqueue
from marketplace.roles import OPERATORS_GROUP
from marketplace.services import (
    MembershipError,
    cooperative_group_ensure,
    membership_add,
    owner_account_new,
)
from marketplace.text import fold

from .models import CooperativeIndexPage, CooperativePage

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


def _unique_slug(name: str, index: Page) -> str:
    """Free both as a cooperative's slug and as a page slug beside the other cooperatives."""
    base = slugify(fold(name))[:90] or "htx"
    slug, n = base, 2
    siblings = index.get_children()
    while Cooperative.objects.filter(slug=slug).exists() or siblings.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def cooperative_onboard(*, cooperative: Cooperative, page_fields: dict | None = None):
    """A cooperative's place on the market, made or brought up to date: its storefront page
    under the cooperatives index (published), its admin group with its page subtree and its
    image folder. The demo loader and the approval of a registration both come here."""
    page_fields = {"title": cooperative.name, **(page_fields or {})}
    page = CooperativePage.objects.filter(cooperative=cooperative).first()
    if page is None:
        index = CooperativeIndexPage.objects.first()
        if index is None:
            raise ValueError("The site has no cooperatives index page to put the cooperative in.")
        page = CooperativePage(slug=cooperative.slug, cooperative=cooperative, **page_fields)
        index.add_child(instance=page)
    else:
        for name, value in page_fields.items():
            setattr(page, name, value)
    cooperative_page_grant(page=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


@transaction.atomic
def cooperative_approve(*, application: CooperativeApplication, actor) -> Cooperative:
    """Approve a registration: the cooperative (approved), its page, admin group and image
    folder (``cooperative_onboard``), its owner's account; the applicant is e-mailed a link to
    set a password. Refused when decided already or the number is now taken."""
    locked = CooperativeApplication.objects.select_for_update().get(pk=application.pk)
    if locked.status != CooperativeApplication.Status.PENDING:
        raise MembershipError(_("This registration was already decided."))
    if Cooperative.objects.filter(registration_number=locked.registration_number).exists():
        raise MembershipError(
            _("A cooperative with registration number %(number)s is already on the market.")
            % {"number": locked.registration_number}
        )
    index = CooperativeIndexPage.objects.first()
    if index is None:
        raise MembershipError(_("The site has no cooperatives page to put the cooperative in."))
    cooperative = Cooperative(
        name=locked.name,
        slug=_unique_slug(locked.name, index),
        registration_number=locked.registration_number,
        tax_code=locked.tax_code,
        province_code=locked.province_code,
        ward_code=locked.ward_code,
        address_line=locked.address_line,
        contact_name=locked.contact_name,
        phone=locked.phone,
        email=locked.email,
        status=Cooperative.Status.APPROVED,
    )
    try:
        cooperative.full_clean()
    except ValidationError as exc:
        raise MembershipError(
            _("This registration cannot become a cooperative as it is: %(errors)s")
            % {"errors": "; ".join(m for ms in exc.message_dict.values() for m in ms)}
        ) from None
    cooperative.save()
    cooperative_onboard(cooperative=cooperative)
    owner = owner_account_new(email=locked.email, first_name=locked.contact_name)
    membership_add(user=owner, cooperative=cooperative, role=Membership.Role.OWNER)
    locked.status = CooperativeApplication.Status.APPROVED
    locked.decided_at = timezone.now()
    locked.decided_by = actor
    locked.cooperative = cooperative
    locked.save(update_fields=["status", "decided_at", "decided_by", "cooperative"])
    enqueue("marketplace.tasks.send_application_email", application_id=locked.pk, kind="approved")
    return cooperative
