from wagtail import hooks

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
