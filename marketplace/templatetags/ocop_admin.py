from django import template
from django.conf import settings
from django.utils.translation import gettext as _

from marketplace.workspace import workspace_for

register = template.Library()


@register.simple_tag(takes_context=True)
def workspace_title(context) -> str:
    """The admin home's heading: the cooperative's name for its members, else the site's."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return str(settings.WAGTAIL_SITE_NAME)
    workspace = workspace_for(request)
    if workspace.is_member:
        names = list(workspace.cooperatives().values_list("name", flat=True))
        return _("%(cooperative)s — today's work") % {"cooperative": " · ".join(names)}
    return str(settings.WAGTAIL_SITE_NAME)


@register.simple_tag
def site_name() -> str:
    return str(settings.WAGTAIL_SITE_NAME)
