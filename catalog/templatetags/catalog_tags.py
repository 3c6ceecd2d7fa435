import json

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from catalog.models import Availability
from marketplace.mail import absolute

register = template.Library()


@register.filter
def availability_label(value: str) -> str:
    try:
        return Availability(value).label
    except ValueError:
        return ""


@register.filter
def star_range(stars: int | None) -> range:
    return range(stars or 0)


# As Django's json_script: nothing in the payload can close the <script> element.
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}

SCHEMA_AVAILABILITY = {
    Availability.IN_STOCK: "https://schema.org/InStock",
    Availability.LOW_STOCK: "https://schema.org/LimitedAvailability",
    Availability.PREORDER: "https://schema.org/PreOrder",
    Availability.OUT_OF_STOCK: "https://schema.org/OutOfStock",
}


@register.simple_tag(takes_context=True)
def product_json_ld(context, product) -> str:
    """schema.org Product markup, so search engines show price, stock and origin."""
    request = context["request"]
    offers = [
        {
            "@type": "Offer",
            "sku": variant.sku,
            **({"gtin14": variant.gtin} if variant.gtin else {}),
            "name": variant.unit_label,
            "price": variant.price,
            "priceCurrency": "VND",
            "availability": SCHEMA_AVAILABILITY[variant.availability],
            "url": absolute(request.path),  # the site's own address, as the canonical link
        }
        for variant in product.active_variants
    ]
    data = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.title,
        "description": product.short_description,
        "category": product.category.name,
        "brand": {"@type": "Organization", "name": product.cooperative.name},
        "countryOfOrigin": "VN",
        "offers": offers,
    }
    payload = json.dumps(data, ensure_ascii=False).translate(JSON_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))


@register.simple_tag(takes_context=True)
def product_cards(context, cards) -> str:
    """``{% product_cards cards %}``: product cards, from the fragment cache when ``cards``
    is a :class:`catalog.cards.ProductCards` (any list of products renders as it is)."""
    from catalog.cards import ProductCards

    if not isinstance(cards, ProductCards):
        cards = ProductCards.of(list(cards))
    return mark_safe(cards.render(context))
