"""The Content-Security-Policy header (marketplace/csp.py): on every storefront page, cached
or not, on stamp scans, in the admin (its own looser directives); report-only when asked; and
the /csp-report endpoint browsers post violations to. The browser journeys that prove every
page works under it are in tests/e2e/test_csp_browser.py."""

import json
import logging

import pytest
from django.urls import reverse

from marketplace import csp, pagecache
from orders import services
from orders.links import tracking_path

from ..factories import UserFactory, add_product
from ..orders.conftest import customer, line  # noqa: F401

pytestmark = pytest.mark.django_db
ENFORCED = "Content-Security-Policy"
REPORTED = "Content-Security-Policy-Report-Only"


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def policy(response, name: str = ENFORCED) -> dict[str, list[str]]:
    assert name in response, f"no {name} header"
    return directives(response[name])


@pytest.fixture
def product(tree):
    return add_product(tree.coop_page, title="Chè búp La Bằng", price=125_000, stock=20)


def assert_storefront_policy(found: dict) -> None:
    assert found["default-src"] == ["'self'"]
    assert found["script-src"] == ["'self'"]  # no inline code, no nonce, no other host
    assert found["style-src"] == ["'self'"]
    assert found["img-src"] == ["'self'"]
    assert found["connect-src"] == ["'self'"]
    assert found["worker-src"] == ["'self'"]
    assert found["object-src"] == ["'none'"]
    assert found["base-uri"] == ["'self'"]
    assert found["form-action"] == ["'self'"]
    assert found["frame-ancestors"] == ["'none'"]
    assert found["report-uri"] == ["/csp-report"]


def test_storefront_pages_carry_the_strict_policy(client, product, tree):
    for url in (tree.home.url, product.url, "/en" + product.url, "/search/?q=che", "/cart/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_storefront_policy(policy(response))
        assert REPORTED not in response


def test_a_cached_page_carries_the_same_policy(client, settings, product):
    settings.PAGE_CACHE_SECONDS = 600
    pagecache.caches["pages"].clear()
    try:
        miss = client.get(product.url)
        hit = client.get(product.url)
    finally:
        pagecache.caches["pages"].clear()
    assert (miss["X-Page-Cache"], hit["X-Page-Cache"]) == ("miss", "hit")
    assert hit[ENFORCED] == miss[ENFORCED]
    assert_storefront_policy(policy(hit))
    # The WSGI short way adds the header the middleware gives (test_pagecache compares them).
    assert csp.storefront_headers() == ((ENFORCED, miss[ENFORCED]),)


def test_a_page_with_a_policy_of_its_own_is_never_cached(rf):
    from django.http import HttpResponse

    assert pagecache._cacheable_response(HttpResponse("page"))
    assert not pagecache._cacheable_response(csp.allow(HttpResponse("page"), {"img-src": "blob:"}))


def test_signed_in_admin_pages_have_their_own_directives(client):
    login = client.get(reverse("wagtailadmin_login"))
    assert_storefront_policy(policy(login))  # what anyone sees of the admin stays strict
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    dashboard = client.get(reverse("wagtailadmin_home"))
    assert dashboard.status_code == 200
    found = policy(dashboard)
    assert found["script-src"] == ["'self'", "'unsafe-inline'"]  # Wagtail's inline <script>s
    assert found["style-src"] == ["'self'", "'unsafe-inline'"]
    assert found["img-src"] == ["'self'", "data:", "blob:"]
    assert found["frame-ancestors"] == ["'self'"]  # the live preview frames the admin
    assert found["object-src"] == ["'none'"] and found["report-uri"] == ["/csp-report"]
    assert found["connect-src"] == ["'self'"] and found["form-action"] == ["'self'"]
    assert policy(client.get("/django-admin/")) == found
    # The storefront stays strict for the same signed-in user.
    assert_storefront_policy(policy(client.get("/cart/")))


def test_the_admin_directives_follow_the_admin_path(client, tree):
    from .test_admin_path import admin_at

    with admin_at("quan-tri-7f3/", "he-thong-7f3/"):
        client.force_login(UserFactory(is_superuser=True, is_staff=True))
        moved = client.get("/quan-tri-7f3/")
        assert moved.status_code == 200
        assert "'unsafe-inline'" in policy(moved)["script-src"]
        assert "'unsafe-inline'" in policy(client.get("/he-thong-7f3/"))["script-src"]


def test_report_only_sends_the_same_policy_under_the_other_name(client, settings, product):
    enforced = client.get(product.url)[ENFORCED]
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY = None
    response = client.get(product.url)
    assert ENFORCED not in response
    assert response[REPORTED] == enforced
    assert csp.storefront_headers() == ((REPORTED, enforced),)
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    admin = client.get(reverse("wagtailadmin_home"))
    assert ENFORCED not in admin and "'unsafe-inline'" in admin[REPORTED]


def test_the_order_page_allows_stripe_js_only_when_it_loads_it(
    client,
    settings,
    product,
    customer,  # noqa: F811
):
    settings.STRIPE_SECRET_KEY, settings.STRIPE_PUBLISHABLE_KEY = "sk_test_x", "pk_test_x"
    variant = product.variants.get()
    card = services.place_order(lines=[line(variant)], customer=customer, payment_method="card")
    found = policy(client.get(tracking_path(card)))
    assert found["script-src"] == ["'self'", "https://js.stripe.com", "https://*.js.stripe.com"]
    assert "https://hooks.stripe.com" in found["frame-src"]
    assert found["connect-src"] == ["'self'", "https://api.stripe.com"]
    # A stand-in (localstripe in the browser tests) serves everything from its own host.
    settings.STRIPE_JS_URL = "http://127.0.0.1:8420/js.stripe.com/v3/"
    found = policy(client.get(tracking_path(card)))
    assert found["script-src"] == ["'self'", "http://127.0.0.1:8420"]
    assert found["connect-src"] == ["'self'", "http://127.0.0.1:8420"]
    cod = services.place_order(lines=[line(variant)], customer=customer, payment_method="cod")
    assert_storefront_policy(policy(client.get(tracking_path(cod))))


def test_the_inspector_page_may_show_the_photo_being_attached(client):
    found = policy(client.get("/inspect/"))
    assert found["img-src"] == ["'self'", "blob:"]
    assert found["script-src"] == ["'self'"] and found["worker-src"] == ["'self'"]
    worker = client.get("/inspect/sw.js")  # a worker's own policy comes with its script
    assert policy(worker)["connect-src"] == ["'self'"]


@pytest.mark.parametrize(
    ("options", "host"),
    [
        ({"custom_domain": "anh.ocop.example.vn"}, "https://anh.ocop.example.vn"),
        ({"endpoint_url": "https://s3.example.vn", "region_name": "hn-1"}, "https://s3.example.vn"),
    ],
    ids=["cdn", "endpoint"],
)
def test_images_from_a_bucket_are_allowed_from_its_host(client, settings, product, options, host):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": "ocop-media", "querystring_auth": False, **options},
        },
    }
    found = policy(client.get(product.url))
    assert found["img-src"] == ["'self'", host]
    assert found["script-src"] == ["'self'"]


# --- POST /csp-report ------------------------------------------------------------------------


def report(document="http://testserver/orders/DH12345678/?t=secret-token", **extra) -> dict:
    return {
        "csp-report": {
            "document-uri": document,
            "effective-directive": "script-src-elem",
            "violated-directive": "script-src-elem",
            "blocked-uri": "https://evil.example/x.js?session=abc",
            "source-file": "http://testserver/static/orders/order.js",
            "line-number": 12,
            "disposition": "enforce",
            **extra,
        }
    }


def post(client, body, content_type="application/csp-report"):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post("/csp-report", data=data, content_type=content_type)


def test_a_report_is_logged_in_one_line_without_query_strings(client, caplog):
    with caplog.at_level(logging.WARNING, logger="marketplace.views"):
        response = post(client, report())
    assert response.status_code == 204 and response.content == b""
    [record] = [r for r in caplog.records if r.name == "marketplace.views"]
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        "CSP violation: script-src-elem blocked https://evil.example/x.js on "
        "http://testserver/orders/DH12345678/ (source "
        "http://testserver/static/orders/order.js:12, enforce)"
    )
    assert "secret-token" not in caplog.text and "session=abc" not in caplog.text


def test_reporting_api_batches_log_each_violation(client, caplog):
    body = [
        {"type": "csp-violation", "body": {"documentURL": "http://testserver/", "blockedURL": b}}
        for b in ("inline", "eval")
    ] + [{"type": "deprecation", "body": {}}]
    with caplog.at_level(logging.WARNING, logger="marketplace.views"):
        response = post(client, body, "application/reports+json")
    assert response.status_code == 204
    lines = [r.getMessage() for r in caplog.records if r.name == "marketplace.views"]
    assert lines == [
        "CSP violation: - blocked inline on http://testserver/ (source -, -)",
        "CSP violation: - blocked eval on http://testserver/ (source -, -)",
    ]


def test_a_report_cannot_forge_log_lines(client, caplog):
    with caplog.at_level(logging.WARNING, logger="marketplace.views"):
        post(client, report(document="/\nERROR forged line", disposition="x" * 5000))
    [message] = [r.getMessage() for r in caplog.records if r.name == "marketplace.views"]
    assert "\n" not in message and len(message) < 1000


@pytest.mark.parametrize(
    "body",
    [
        *(b"", b"not json", b"\xff\xfe", "[]", "{}", '{"csp-report": "x"}', '[{"type": "x"}]'),
        *("3", "[" * 3000 + "]" * 3000),  # nested past Python's recursion limit
    ],
)
def test_bad_bodies_get_a_400_with_a_message(client, caplog, body):
    with caplog.at_level(logging.WARNING, logger="marketplace.views"):
        response = post(client, body)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]
    assert not [r for r in caplog.records if r.name == "marketplace.views"]


def test_a_report_is_size_limited_and_posted_only(client):
    big = report(**{"script-sample": "x" * csp.REPORT_MAX_BYTES})
    response = post(client, big)
    assert response.status_code == 413 and "bytes" in response.json()["error"]
    assert client.get("/csp-report").status_code == 405
    from django.utils import translation

    with translation.override("en"):
        assert reverse("csp_report") == "/csp-report"  # never translated


def test_reports_need_no_csrf_token(product):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert post(strict, report()).status_code == 204
