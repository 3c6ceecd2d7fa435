from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms import sharing as cms_sharing
from cms import views as cms_views
from marketplace import join_views
from marketplace.views import csp_report, healthz
from orders import urls as orders_urls

# A database that cannot be reached answers 503 (marketplace.views.server_error), not 500.
handler500 = "marketplace.views.server_error"
# A body too large for the API is a 413 in its error body (a page: the 400 page).
handler400 = "marketplace.views.bad_request"
# An address under /api/ that matches no endpoint is a 404 in the API's error body.
handler404 = "marketplace.views.page_not_found"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Browsers post what the Content-Security-Policy blocked here (report-uri): never translated.
    path("csp-report", csp_report, name="csp_report"),
    path("robots.txt", cms_views.robots_txt, name="robots_txt"),
    path("sitemap.xml", cms_sharing.sitemap, name="sitemap"),
    path("favicon.ico", cms_views.favicon, name="favicon"),
    path("manifest.webmanifest", cms_views.web_manifest, name="web_manifest"),
    # Stamps are GS1 Digital Link URIs at the root of the resolver host: never translated.
    path("", include("traceability.urls")),
    path("", include((orders_urls.api_patterns, "orders_api"))),
    # The REST API (DRF, drf-spectacular): /api/v1/, /api/v1/schema/, /api/v1/docs/ …
    path("api/v1/", include("marketplace.api.urls")),
    # WAGTAIL_ADMIN_PATH / DJANGO_ADMIN_PATH ("admin/", "django-admin/" unless set).
    path(settings.WAGTAIL_ADMIN_PATH, include(wagtailadmin_urls)),
    path(settings.DJANGO_ADMIN_PATH, admin.site.urls),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Vietnamese at "/", English under "/en/".
urlpatterns += i18n_patterns(
    path("search/", cms_views.search, name="search"),
    path("search/suggest/", cms_views.suggest, name="search_suggest"),
    path("cooperatives/register/", join_views.register, name="cooperative_register"),
    path("cooperatives/register/thanks/", join_views.registered, name="cooperative_registered"),
    path("cooperatives/join/<str:token>/", join_views.join, name="ocop_join"),
    path("", include((orders_urls.storefront_patterns, "orders"))),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)
