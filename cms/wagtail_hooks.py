from wagtail import hooks

from .models import CooperativePage
from .services import cooperative_page_grant


@hooks.register("after_create_page")
def grant_cooperative_its_subtree(request, page):
    """A new cooperative page gives that cooperative's group its own subtree and images."""
    if isinstance(page.specific, CooperativePage):
        cooperative_page_grant(page=page.specific)
