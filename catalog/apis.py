"""The catalogue in the REST API (public, no credentials): products (the search page's
filters, sort and facets through ``catalog.search.search_products``), a product with its
variants, prices, stock state and OCOP certificate, categories, cooperatives, regions and
search suggestions. Money is integer đồng with ``currency: "VND"``; nothing here is written
twice: the listing is the search page's, the product the product page's selector.

The products' list and a product's answers are kept in the page cache's store
(``cached_answer``) under the storefront's content version and epoch
(``marketplace.pagecache``): whatever makes a storefront page stale (a publish, a price, a
product selling out or coming back, a certificate, a cooperative) makes them stale too. A list
computed again takes each product's summary from the cache under the product's search-row
stamp, as the storefront's cards do (``product_summaries``): only the products that changed
are loaded."""

import hashlib
import sys
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Min, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, generics, serializers
from rest_framework.response import Response

from marketplace import money as marketplace_money
from marketplace import pagecache
from marketplace.api.base import (
    APIView,
    Conflict,
    LanguageMixin,
    Money,
    MoneyField,
    clean_text,
    money,
)
from marketplace.api.tokens import CatalogScope, request_token
from marketplace.locations import UnknownLocation, get_province, get_ward, province_name
from marketplace.models import Cooperative

from . import models as catalog_models
from . import search
from .models import Availability, Category, ProductSearchEntry, Stock
from .selectors import CARD_IMAGE, DETAIL_IMAGE, cards_in_order, live_products, product_detail


def _image_url(request, image, spec: str) -> str | None:
    if image is None:
        return None
    return request.build_absolute_uri(image.get_rendition(spec).url)


# --- serializers ----------------------------------------------------------------------------


class CategorySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField(source="display_name", help_text="In the request's language.")
    icon = serializers.CharField()


class CooperativeBrief(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    province_code = serializers.IntegerField()
    province = serializers.SerializerMethodField()

    def get_province(self, obj) -> str:
        return province_name(obj.province_code)


class CertificationSerializer(serializers.Serializer):
    stars = serializers.IntegerField()
    certificate_number = serializers.CharField()
    issuing_level = serializers.CharField()
    issued_on = serializers.DateField()
    expires_on = serializers.DateField()


class ProductSummary(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    slug = serializers.CharField()
    title = serializers.CharField(source="display_title", help_text="In the request's language.")
    short_description = serializers.CharField()
    url = serializers.SerializerMethodField(help_text="The storefront page.")
    category = CategorySerializer()
    cooperative = CooperativeBrief()
    stars = serializers.SerializerMethodField(help_text="OCOP stars valid today (null: none).")
    price_from = MoneyField(allow_null=True, help_text="The lowest price of its variants.")
    availability = serializers.ChoiceField(choices=Availability.choices)
    image = serializers.SerializerMethodField()

    def get_url(self, obj) -> str:
        request = self.context["request"]
        # With the request: Wagtail keeps the sites' root paths on it (``obj.url`` asks the
        # cache for them once per product).
        return request.build_absolute_uri(obj.get_url(request=request))

    def get_stars(self, obj) -> int | None:
        certification = obj.current_certification
        return certification.stars if certification else None

    def get_image(self, obj) -> str | None:
        return _image_url(self.context["request"], obj.main_image, CARD_IMAGE)


class VariantSerializer(serializers.Serializer):
    sku = serializers.CharField()
    gtin = serializers.CharField(allow_blank=True)
    unit = serializers.CharField(source="unit_label")
    net_weight_g = serializers.IntegerField(allow_null=True)
    price = MoneyField()
    compare_at_price = serializers.SerializerMethodField()
    availability = serializers.ChoiceField(choices=Availability.choices)

    @extend_schema_field(Money(allow_null=True))
    def get_compare_at_price(self, obj):
        return money(obj.compare_at_price if obj.on_sale else None)


class ProductSerializer(ProductSummary):
    variants = VariantSerializer(many=True, source="active_variants")
    certification = CertificationSerializer(source="current_certification", allow_null=True)
    origin = serializers.CharField(source="origin_ward_name", help_text="Ward, province.")
    harvest_start_month = serializers.IntegerField(allow_null=True)
    harvest_end_month = serializers.IntegerField(allow_null=True)
    preorder_opens = serializers.DateField(allow_null=True)
    preorder_closes = serializers.DateField(allow_null=True)
    images = serializers.SerializerMethodField()

    def get_images(self, obj) -> list[str]:
        request = self.context["request"]
        return [_image_url(request, item.image, DETAIL_IMAGE) for item in obj.gallery_images.all()]


class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    selected = serializers.BooleanField()


class ProductPage(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    sort = serializers.ChoiceField(choices=list(search.SORTS))
    suggestion = serializers.CharField(
        allow_blank=True, help_text="The query as corrected, when a word was unknown."
    )
    corrected = serializers.BooleanField(help_text="The results are for `suggestion`.")
    facets = serializers.DictField(child=FacetValueSerializer(many=True))
    results = ProductSummary(many=True)


class ProductQuery(serializers.Serializer):
    """The list's parameters: the search page's, checked strictly (an API caller wants a
    400 for a typo, not a silently wider list)."""

    q = serializers.CharField(required=False, allow_blank=True, max_length=search.MAX_QUERY_LENGTH)
    category = serializers.SlugField(required=False, max_length=80)
    cooperative = serializers.SlugField(required=False, max_length=100)
    province = serializers.IntegerField(required=False, min_value=1, max_value=99)
    stars = serializers.IntegerField(required=False, min_value=3, max_value=5)
    price_min = serializers.IntegerField(required=False, min_value=0, max_value=10**12)
    price_max = serializers.IntegerField(required=False, min_value=0, max_value=10**12)
    availability = serializers.ChoiceField(
        required=False, choices=[Availability.IN_STOCK, Availability.PREORDER]
    )
    sort = serializers.ChoiceField(required=False, choices=list(search.SORTS))
    page = serializers.IntegerField(required=False, min_value=1, max_value=search.MAX_PAGE)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100)

    def validate_q(self, value):
        return clean_text(value, field="q", max_length=search.MAX_QUERY_LENGTH)

    def validate_category(self, value):
        category = Category.objects.filter(slug=value).first()
        if category is None:
            raise serializers.ValidationError(_("Unknown category."))
        return category

    def validate_cooperative(self, value):
        cooperative = Cooperative.objects.filter(
            slug=value, status=Cooperative.Status.APPROVED
        ).first()
        if cooperative is None:
            raise serializers.ValidationError(_("Unknown cooperative."))
        return cooperative

    def validate_province(self, value):
        try:
            get_province(value)
        except UnknownLocation:
            raise serializers.ValidationError(_("Unknown province.")) from None
        return value

    def validate(self, attrs):
        low, high = attrs.get("price_min"), attrs.get("price_max")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError(
                {"price_min": [_("The lowest price is above the highest.")]}
            )
        return attrs


def refuse_unknown(request, known) -> None:
    unknown = sorted(set(request.query_params) - set(known))
    if unknown:
        raise exceptions.ValidationError(
            {name[:40]: [_("Unknown parameter.")] for name in unknown[:10]}
        )


# --- the answers' cache ---------------------------------------------------------------------

# A deploy that changes what the answers hold starts new entries: this module, the search,
# and what builds a product's summary (its model, money), as the storefront's cards do.
_CODE = hashlib.sha256(
    b"".join(
        Path(module.__file__).read_bytes()
        for module in (sys.modules[__name__], search, catalog_models, marketplace_money)
    )
).hexdigest()[:12]


def _answer_key(request) -> str:
    """The whole URL (scheme, host: the answers hold absolute links; the query string), the
    language, the local date (certificates and pre-order windows open and lapse by date)."""
    raw = repr(
        (
            request.build_absolute_uri(),
            translation.get_language(),
            timezone.localdate().isoformat(),
            _CODE,
        )
    )
    return "api:answer:" + hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()


def cached_answer(request, compute) -> Response:
    """``compute()``'s data, kept for ``PAGE_CACHE_SECONDS`` with the page cache's content
    version and epoch as they were before computing (one Redis ``MGET`` reads them with the
    entry): a change that makes cached pages stale (``pagecache.bump``, ``invalidate``) makes
    this entry stale too, and a change made while computing is never hidden. Errors are not
    kept; nor is anything with the page cache off (0 s) or Redis resting after a failure."""
    seconds = settings.PAGE_CACHE_SECONDS
    if seconds <= 0:
        return Response(compute())
    key = _answer_key(request)
    found = pagecache.get_fragments([pagecache.VERSION_KEY, pagecache.EPOCH_KEY, key])
    stamp = (found.get(pagecache.VERSION_KEY) or 0, found.get(pagecache.EPOCH_KEY) or 0)
    entry = found.get(key)
    if entry is not None and entry[0] == stamp:
        return Response(entry[1])
    data = compute()
    pagecache.set_fragments({key: (stamp, data)}, seconds)
    return Response(data)


def product_summaries(request, ids: list[int]) -> list[dict]:
    """``ProductSummary`` of the findable products ``ids``, in order: each one from the cache
    under its search row's stamp (``ProductSearchEntry.indexed_at``, which every change a
    summary shows moves, as for the storefront's cards: ``catalog.cards``), the URL's scheme
    and host, the language and the local date; only those not found are loaded (six queries
    for any number). ``CARD_CACHE_SECONDS = 0`` turns this off."""
    seconds = getattr(settings, "CARD_CACHE_SECONDS", 0)
    if seconds <= 0:
        products = cards_in_order(ids)
        return ProductSummary(products, many=True, context={"request": request}).data
    stamps = dict(
        ProductSearchEntry.objects.filter(page_id__in=ids).values_list("page_id", "indexed_at")
    )
    base = repr(
        (
            request.build_absolute_uri("/"),
            translation.get_language(),
            timezone.localdate().isoformat(),
            _CODE,
        )
    )
    keys = {
        pk: "api:product:" + hashlib.sha256(f"{pk}|{stamp.isoformat()}|{base}".encode()).hexdigest()
        for pk in ids
        if (stamp := stamps.get(pk)) is not None
    }
    found = pagecache.get_fragments(list(keys.values()))
    missing = [pk for pk, key in keys.items() if key not in found]
    loaded = cards_in_order(missing)
    made = {
        product.pk: summary
        for product, summary in zip(
            loaded,
            ProductSummary(loaded, many=True, context={"request": request}).data,
            strict=True,
        )
    }
    pagecache.set_fragments({keys[pk]: summary for pk, summary in made.items()}, seconds)
    return [
        summary
        for pk, key in keys.items()
        if (summary := found.get(key) or made.get(pk)) is not None
    ]


# --- views ----------------------------------------------------------------------------------


class ProductList(APIView):
    """Live products of approved cooperatives: the search page's filters, sort and facets."""

    @extend_schema(parameters=[ProductQuery], responses=ProductPage, operation_id="products_list")
    def get(self, request):
        return cached_answer(request, lambda: self.answer(request))

    def answer(self, request) -> dict:
        refuse_unknown(request, ProductQuery().fields)
        query = ProductQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        filters = search.Filters(
            category=data.get("category"),
            province=data.get("province"),
            cooperative=data.get("cooperative"),
            stars=data.get("stars"),
            price_min=data.get("price_min"),
            price_max=data.get("price_max"),
            availability=data.get("availability"),
        )
        number = data.get("page", 1)
        result = search.search_products(
            data.get("q", ""),
            filters,
            data.get("sort", "relevance"),
            number,
            per_page=data.get("page_size", search.PER_PAGE),
        )
        if number > 1 and number > result.pages:
            raise exceptions.NotFound(_("This page is past the last one."))

        def link(page: int) -> str | None:
            if not 1 <= page <= result.pages:
                return None
            return request.build_absolute_uri(
                request.path + "?" + _with_page(request.query_params, page)
            )

        return {
            "count": result.total,
            "page": result.page,
            "pages": result.pages,
            "next": link(result.page + 1),
            "previous": link(result.page - 1),
            "sort": result.sort,
            "suggestion": result.suggestion,
            "corrected": result.corrected,
            "facets": {
                name: FacetValueSerializer(values, many=True).data
                for name, values in result.facets.items()
            },
            "results": product_summaries(request, list(result.hits.ids)),
        }


def _with_page(params, page: int) -> str:
    copy = params.copy()
    copy["page"] = str(page)
    return copy.urlencode()


class ProductDetail(APIView):
    """A live product with its variants (price, stock state), OCOP certificate and images."""

    @extend_schema(responses=ProductSerializer, operation_id="products_retrieve")
    def get(self, request, pk: int):
        return cached_answer(request, lambda: self.answer(request, pk))

    def answer(self, request, pk: int) -> dict:
        product = product_detail(page_id=pk) if live_products().filter(pk=pk).exists() else None
        if product is None:
            raise exceptions.NotFound(_("No such product."))
        return ProductSerializer(product, context={"request": request}).data


class CategoryList(LanguageMixin, generics.ListAPIView):
    """The catalogue's categories, in the storefront's order."""

    serializer_class = CategorySerializer
    queryset = Category.objects.order_by("sort_order", "name")


class CooperativeSerializer(CooperativeBrief):
    ward = serializers.SerializerMethodField()
    founded_year = serializers.IntegerField(allow_null=True)
    products = serializers.IntegerField(source="product_count", help_text="Live products.")

    def get_ward(self, obj) -> str:
        try:
            return get_ward(obj.ward_code).name if obj.ward_code else ""
        except UnknownLocation:
            return ""


def approved_cooperatives():
    """Approved cooperatives with their number of live products (one query)."""
    live = (
        ProductSearchEntry.objects.filter(cooperative_id=OuterRef("pk"))
        .values("cooperative_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Cooperative.objects.filter(status=Cooperative.Status.APPROVED)
        .annotate(product_count=Coalesce(Subquery(live), 0))
        .order_by("name", "pk")
    )


class CooperativeList(LanguageMixin, generics.ListAPIView):
    """Approved cooperatives (HTX), by name."""

    serializer_class = CooperativeSerializer

    def get_queryset(self):
        return approved_cooperatives()


class CooperativeDetail(LanguageMixin, generics.RetrieveAPIView):
    """An approved cooperative."""

    serializer_class = CooperativeSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return approved_cooperatives()


class Region(serializers.Serializer):
    province_code = serializers.IntegerField()
    province = serializers.CharField()
    products = serializers.IntegerField()
    price_from = Money(allow_null=True)


class RegionList(APIView):
    """Provinces with live products, with how many and the lowest price."""

    @extend_schema(responses=Region(many=True), operation_id="regions_list")
    def get(self, request):
        rows = (
            ProductSearchEntry.objects.values("province_code")
            .annotate(n=Count("pk"), low=Min("price_min"))
            .order_by("province_code")
        )
        return Response(
            [
                {
                    "province_code": row["province_code"],
                    "province": province_name(row["province_code"]),
                    "products": row["n"],
                    "price_from": money(row["low"]),
                }
                for row in rows
            ]
        )


class Suggestion(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["product", "cooperative", "category"])
    label = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)
    url = serializers.CharField()


class SuggestionList(APIView):
    """Products, cooperatives and categories whose names start with what was typed (the
    search box's suggestions)."""

    @extend_schema(
        parameters=[OpenApiParameter("q", str, required=True)],
        responses=Suggestion(many=True),
        operation_id="search_suggestions",
    )
    def get(self, request):
        refuse_unknown(request, ("q",))
        raw = clean_text(request.query_params.get("q", ""), field="q", max_length=100)
        return Response(Suggestion(search.autocomplete(raw), many=True).data)


# --- a cooperative's own variants (token with the "catalog" scope) -------------------------


class StockSerializer(serializers.Serializer):
    on_hand = serializers.IntegerField()
    reserved = serializers.IntegerField(help_text="Held by orders not shipped yet.")
    available = serializers.IntegerField()
    low_stock_threshold = serializers.IntegerField()
    updated_at = serializers.DateTimeField()


class OwnVariantSerializer(VariantSerializer):
    product_id = serializers.IntegerField(source="page_id")
    product = serializers.CharField(source="page.title")
    is_active = serializers.BooleanField(help_text="On sale.")
    stock = serializers.SerializerMethodField()

    @extend_schema_field(StockSerializer(allow_null=True))
    def get_stock(self, obj):
        stock = getattr(obj, "stock", None)
        return StockSerializer(stock).data if stock is not None else None


class VariantChange(serializers.Serializer):
    """What a cooperative's shop or stock app changes: the counted stock, the price, or both
    (both or neither: a refused price leaves the stock as it was)."""

    on_hand = serializers.IntegerField(
        required=False, min_value=0, max_value=10_000_000, help_text="Counted units on hand."
    )
    price = serializers.IntegerField(
        required=False, min_value=1, max_value=10**12, help_text="Integer đồng."
    )

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(_("Send on_hand, price or both."))
        return attrs


def own_variants(cooperative):
    from .models import ProductVariant

    return (
        ProductVariant.objects.filter(page__cooperative=cooperative)
        .select_related("page", "stock")
        .order_by("page__title", "sort_order", "pk")
    )


class OwnVariantList(LanguageMixin, generics.ListAPIView):
    """The token's cooperative's variants with their prices and stock."""

    serializer_class = OwnVariantSerializer
    permission_classes = [CatalogScope]

    def get_queryset(self):
        return own_variants(request_token(self.request).cooperative)


class OwnVariantDetail(APIView):
    """One of the cooperative's variants, by SKU: read it, or set its counted stock (never
    below what orders reserved: 409) and its price (logged in the product's history)."""

    permission_classes = [CatalogScope]

    def _variant(self, sku: str):
        variant = own_variants(request_token(self.request).cooperative).filter(sku=sku).first()
        if variant is None:
            raise exceptions.NotFound(_("No such variant in your cooperative."))
        return variant

    @extend_schema(responses=OwnVariantSerializer, operation_id="cooperative_variants_retrieve")
    def get(self, request, sku: str):
        return Response(OwnVariantSerializer(self._variant(sku)).data)

    @extend_schema(
        request=VariantChange,
        responses=OwnVariantSerializer,
        operation_id="cooperative_variants_partial_update",
    )
    def patch(self, request, sku: str):
        from django.core.exceptions import ValidationError
        from django.db import transaction

        from .prices import variant_price_set
        from .stock import InsufficientStock, stock_set_on_hand

        variant = self._variant(sku)
        change = VariantChange(data=request.data)
        change.is_valid(raise_exception=True)
        data = change.validated_data
        token = request_token(request)
        try:
            with transaction.atomic():
                if "price" in data:
                    variant_price_set(variant=variant, price=data["price"], actor=token.created_by)
                if "on_hand" in data:
                    stock_set_on_hand(variant_id=variant.pk, on_hand=data["on_hand"])
        except InsufficientStock:
            reserved = Stock.objects.filter(variant=variant).values_list("reserved", flat=True)
            raise Conflict(
                _("Orders have reserved %(reserved)s units: on hand cannot go below that.")
                % {"reserved": reserved.first() or 0}
            ) from None
        except ValidationError as error:
            raise exceptions.ValidationError(error.message_dict) from None
        return Response(OwnVariantSerializer(self._variant(sku)).data)
