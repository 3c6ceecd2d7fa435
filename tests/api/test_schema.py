"""The OpenAPI schema of /api/v1/ is generated from the code, valid, and complete: every URL
under /api/v1/ is in it (a new endpoint without a schema fails here), and its docs are served
from our own static files."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


def schema(client) -> dict:
    response = client.get("/api/v1/schema/", headers={"Accept": "application/vnd.oai.openapi+json"})
    assert response.status_code == 200
    return response.json()


def api_routes() -> set[str]:
    """Every route of the URL conf under api/v1/, as an OpenAPI path."""
    routes = set()

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith("api/v1/"):
                routes.add("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route))

    walk(get_resolver().url_patterns, "")
    return routes


def test_the_served_schema_is_valid_openapi(client):
    document = schema(client)
    validate(document)
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "OCOP Market API"


def test_every_api_url_is_in_the_schema(client):
    documented = set(schema(client)["paths"])
    served = api_routes() - {"/api/v1/", "/api/v1/schema/", "/api/v1/docs/"}
    assert "/api/v1/products/{pk}/" in served
    missing = served - documented
    assert not missing, f"endpoints without a schema: {sorted(missing)}"
    assert not (documented - served), "the schema names paths nobody serves"


def test_every_operation_documents_its_errors_in_one_body(client):
    document = schema(client)
    assert set(document["components"]["schemas"]["Error"]["properties"]) >= {"detail", "code"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"400", "404", "429"} <= set(responses), (method, path)
            assert responses["429"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }


def test_money_is_integer_dong_in_the_schema(client):
    schemas = schema(client)["components"]["schemas"]
    money = schemas["Money"]
    assert money["properties"]["amount"]["type"] == "integer"
    currency = money["properties"]["currency"]["$ref"].rsplit("/", 1)[1]
    assert schemas[currency]["enum"] == ["VND"]


def test_the_docs_are_served_from_our_static_files(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any("swagger-ui" in s for s in sources)
    assert not [s for s in sources if s.startswith(("http://", "https://", "//"))]
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200 and b"/api/v1/schema/" in script.content


def test_the_root_links_to_the_lists_schema_and_docs(client):
    links = client.get("/api/v1/").json()
    assert {"products", "categories", "cooperatives", "schema", "docs"} <= set(links)
    for name in ("products", "categories", "cooperatives", "regions"):
        assert client.get(links[name]).status_code == 200


def test_an_address_no_endpoint_matches_is_a_404_in_the_error_body(client, tree):
    for path in ("/api/v1/nothing-here/", "/api/v1/cooperative/batches/-1/"):
        response = client.get(path, headers={"Accept-Language": "en"})
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json()["code"] == "not_found"
        assert "/api/v1/" in response.json()["detail"]
    # A page is still the site's 404 page.
    page = client.get("/vi/khong-co-trang-nay/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_a_post_without_its_csrf_token_to_no_endpoint_is_a_403_in_the_error_body(tree):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/v1/batches/false/events/", {}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "X-CSRFToken" in response.json()["detail"]
    # A form posted to a page without its token still gets Django's page.
    page = client.post("/vi/gio-hang/", {})
    assert page.status_code == 403 and page["Content-Type"].startswith("text/html")
