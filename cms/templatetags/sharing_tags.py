from django import template
from django.core.exceptions import DisallowedHost
from django.utils.translation import get_language

from cms import sharing

register = template.Library()


@register.inclusion_tag("includes/share_meta.html", takes_context=True)
def share_meta(context) -> dict:
    """Canonical and hreflang links, Open Graph and Twitter tags for the page being shown."""
    request = context.get("request")
    if request is None:
        return {}
    try:
        request.get_host()
    except DisallowedHost:
        return {}  # the 400 page for a host we do not serve: no absolute URL on it
    language = get_language() if get_language() in sharing.LANGUAGES else "vi"
    urls = sharing.language_urls(request, request.path)
    share = sharing.share_of(request, page=context.get("page"), product=context.get("product"))
    return {
        "share": share,
        "canonical": urls[language],
        "alternates": urls,
        "locale": sharing.LOCALES[language],
        "other_locale": sharing.LOCALES["en" if language == "vi" else "vi"],
    }
