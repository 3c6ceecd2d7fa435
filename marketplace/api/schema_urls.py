"""The URLs the OpenAPI schema describes (``SPECTACULAR_SETTINGS["SERVE_URLCONF"]``): the
API's own, not the admin's internal API that Wagtail mounts. The endpoints ``/api/v1/`` had
before the framework keep their paths and names, included as ``marketplace.urls`` does (the
plain Django views beside them, the resolver's and the inspector's pages, are no operations
of the API and stay out of the schema)."""

from django.urls import include, path

from orders import urls as orders_urls

urlpatterns = [
    path("", include("traceability.urls")),
    path("", include((orders_urls.api_patterns, "orders_api"))),
    path("api/v1/", include("marketplace.api.urls")),
]
