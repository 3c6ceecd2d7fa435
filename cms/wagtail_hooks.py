from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .models import CooperativePage
from .services import cooperative_page_grant


@hooks.register("after_create_page")
def grant_cooperative_its_subtree(request, page):
    """A new cooperative page gives that cooperative's group its own subtree and images."""
    if isinstance(page.specific, CooperativePage):
        cooperative_page_grant(page=page.specific)


@hooks.register("after_move_page")
def product_follows_its_new_cooperative(request, page):
    """A product moved under another cooperative's page now belongs to that cooperative."""
    from catalog.models import ProductPage

    specific = page.specific
    if isinstance(specific, ProductPage) and specific.sync_cooperative():
        specific.save(update_fields=["cooperative"])


@hooks.register("before_copy_page")
def refuse_copying_products(request, page):
    """A copy would repeat SKUs and GTINs, which are unique: start a new product instead."""
    from django.contrib import messages
    from django.shortcuts import redirect
    from django.utils.translation import gettext as _

    from catalog.models import ProductPage

    if isinstance(page.specific, ProductPage):
        messages.error(
            request,
            _("Products cannot be copied: SKU and GTIN must stay unique. Add a new product."),
        )
        return redirect("wagtailadmin_explore", page.get_parent().pk)
    return None


@hooks.register("register_admin_urls")
def registration_urls():
    from django.urls import path

    from . import admin_views

    return [
        path("registrations/", admin_views.registrations, name="ocop_registrations"),
        path(
            "registrations/<int:pk>/",
            admin_views.registration_review,
            name="ocop_registration_review",
        ),
        path(
            "registrations/<int:pk>/document/",
            admin_views.registration_document,
            name="ocop_registration_document",
        ),
    ]


class RegistrationsMenuItem(MenuItem):
    def is_shown(self, request):
        from marketplace.workspace import workspace_for

        return workspace_for(request).is_operator


@hooks.register("register_admin_menu_item")
def registrations_menu_item():
    from django.urls import reverse
    from django.utils.translation import gettext_lazy as _

    return RegistrationsMenuItem(
        _("Registrations"), reverse("ocop_registrations"), icon_name="group", order=201
    )
