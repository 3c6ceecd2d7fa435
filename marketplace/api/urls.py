"""``/api/v1/``: the REST API's root, its OpenAPI schema and docs, and each app's endpoints
(``<app>/apis.py``). Included from ``marketplace.urls`` outside the language prefixes: API
paths carry no language (``Accept-Language`` picks it)."""

from django.urls import path, reverse
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.response import Response

from catalog import apis as catalog_apis
from orders import apis as orders_apis
from traceability import apis as traceability_apis

from .base import APIView, conditional_get

app_name = "api"


class Root(APIView):
    """Where to start: the public lists, the schema and the docs."""

    schema = None  # not an operation of the API

    def get(self, request):
        names = ("products", "categories", "cooperatives", "regions", "suggestions", "schema")
        links = {name: request.build_absolute_uri(reverse(f"api:{name}")) for name in names}
        links["docs"] = request.build_absolute_uri(reverse("api:docs"))
        return Response(links)


urlpatterns = [
    path("", Root.as_view(), name="root"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    # The catalogue (public)
    path("products/", conditional_get(catalog_apis.ProductList.as_view()), name="products"),
    path(
        "products/<int:pk>/",
        conditional_get(catalog_apis.ProductDetail.as_view()),
        name="product",
    ),
    path("categories/", conditional_get(catalog_apis.CategoryList.as_view()), name="categories"),
    path(
        "cooperatives/",
        conditional_get(catalog_apis.CooperativeList.as_view()),
        name="cooperatives",
    ),
    path(
        "cooperatives/<slug:slug>/",
        conditional_get(catalog_apis.CooperativeDetail.as_view()),
        name="cooperative",
    ),
    path("regions/", conditional_get(catalog_apis.RegionList.as_view()), name="regions"),
    path("suggestions/", catalog_apis.SuggestionList.as_view(), name="suggestions"),
    # A cooperative's own data (its API token's cooperative)
    path(
        "cooperative/variants/",
        catalog_apis.OwnVariantList.as_view(),
        name="cooperative_variants",
    ),
    path(
        "cooperative/variants/<str:sku>/",
        catalog_apis.OwnVariantDetail.as_view(),
        name="cooperative_variant",
    ),
    path(
        "cooperative/suborders/",
        orders_apis.OwnSubOrderList.as_view(),
        name="cooperative_suborders",
    ),
    path(
        "cooperative/suborders/<int:pk>/",
        orders_apis.OwnSubOrderDetail.as_view(),
        name="cooperative_suborder",
    ),
    *[
        path(
            f"cooperative/suborders/<int:pk>/{move}/",
            view.as_view(),
            name=f"cooperative_suborder_{move}",
        )
        for move, view in orders_apis.SUBORDER_MOVES.items()
    ],
    path(
        "cooperative/suborders/<int:pk>/packing/stamps/",
        orders_apis.PackStamp.as_view(),
        name="cooperative_suborder_pack_stamp",
    ),
    path(
        "cooperative/suborders/<int:pk>/packing/lots/",
        orders_apis.PackLot.as_view(),
        name="cooperative_suborder_pack_lot",
    ),
    # Shoppers: the cart, the checkout, their orders (session)
    path("cart/", orders_apis.CartDetail.as_view(), name="cart"),
    path("cart/lines/", orders_apis.CartLines.as_view(), name="cart_lines"),
    path("cart/lines/<int:pk>/", orders_apis.CartLineDetail.as_view(), name="cart_line"),
    path("cart/accept-prices/", orders_apis.CartAcceptPrices.as_view(), name="cart_accept"),
    path("checkout/", orders_apis.Checkout.as_view(), name="checkout"),
    path("orders/", orders_apis.OrderList.as_view(), name="orders"),
    path("orders/<str:number>/", orders_apis.OrderDetail.as_view(), name="order"),
    path("orders/<str:number>/cancel/", orders_apis.OrderCancel.as_view(), name="order_cancel"),
    # Batches, trace events, stamp orders, recalls (traceability/apis.py)
    *traceability_apis.api_urlpatterns,
]
