from django.urls import path, re_path

from . import inspect_views, views

app_name = "traceability"

# GS1 Digital Link: /01/{gtin}/10/{lot}/21/{serial}. A lot may hold '/', a serial may not.
# traceability.handler matches scans with it before Django's URL resolver does.
RESOLVER_PATTERN = r"^01/(?P<gtin>[^/]{1,20})/10/(?P<lot>.{1,60})/21/(?P<serial>[^/]{1,60})$"

urlpatterns = [
    re_path(RESOLVER_PATTERN, views.resolve, name="resolve"),
    path(".well-known/ocop-trace-keys.json", views.public_keys, name="public_keys"),
    path("api/v1/stamps/verify", views.api_verify, name="api_verify"),
    path("api/v1/inspections/", views.api_inspections, name="api_inspections"),
    path("api/v1/batches/<int:batch_id>/epcis", views.api_batch_epcis, name="api_batch_epcis"),
    path("inspect/", inspect_views.inspect_page, name="inspect"),
    path("inspect/sw.js", inspect_views.service_worker, name="inspect_sw"),
]
