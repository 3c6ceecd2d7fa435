"""Script probes typed by a cooperative (product, cooperative, story, lot) or a shopper (name,
address, note, search) stay text wherever they are shown: storefront pages, search
suggestions, cart, order page, the admin's listings and screens, e-mails, JSON-LD, link
previews, the stamp resolver, exports — and CSV exports never hand a formula to Excel."""

import csv
import html
import io
import json
import re
from types import SimpleNamespace

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from catalog.models import Category
from marketplace.services import membership_add
from orders.models import Order, SubOrder

from ..factories import (
    CategoryFactory,
    CooperativeFactory,
    UserFactory,
    add_category_page,
    add_cooperative_page,
    add_product,
    make_image,
)
from ..orders.conftest import HANOI_WARD

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
JS_URL = "javascript:alert(1)"
PROBE = f"{SCRIPT} {IMG}"
LOT = "<svg/onload=alert()>"  # 20 characters of GS1's set: a valid lot code
FORMULA = '=HYPERLINK("https://evil.example/","Xem")'

RAW = ("<script>alert(1)", "<img src=x onerror", "<svg/onload")
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
JS_ATTRIBUTE = re.compile(
    r"""\b(?:href|src|action|formaction|xlink:href|srcdoc)\s*=\s*["']?\s*javascript:""", re.I
)


def inert(text: str, *, shown: bool = True) -> str:
    """No probe is markup in ``text`` (and, when ``shown``, the probe is there as text)."""
    for raw in RAW:
        assert raw not in text, raw
    assert not JS_ATTRIBUTE.search(text), JS_ATTRIBUTE.search(text).group(0)
    if shown:
        assert ESCAPED in text, "the probe should be on the page, escaped"
    return text


def draftail(text: str, url: str) -> str:
    """Rich text as the admin's editor stores it: ``text`` and a link to ``url``."""
    from wagtail.admin.rich_text.converters.contentstate import ContentstateConverter

    state = {
        "blocks": [
            {
                "key": "a1b2c",
                "type": "unstyled",
                "depth": 0,
                "text": f"{text} trang web",
                "inlineStyleRanges": [],
                "entityRanges": [{"offset": len(text) + 1, "length": 9, "key": 0}],
            }
        ],
        "entityMap": {"0": {"type": "LINK", "mutability": "MUTABLE", "data": {"url": url}}},
    }
    return ContentstateConverter(features=["bold", "italic", "link"]).to_database_format(
        json.dumps(state)
    )


@pytest.fixture
def hostile(tree):
    """A cooperative, its page, a category and products whose every text holds the probes."""
    from marketplace.roles import ensure_role_groups

    ensure_role_groups()
    category = CategoryFactory(slug="xss", name=f"Chè {PROBE}", name_en=f"Tea {PROBE}")
    category_page = add_category_page(tree.home, category)
    coop = CooperativeFactory(
        name=f"HTX {PROBE}", slug="htx-xss", email="htx@example.vn", address_line=PROBE
    )
    coop_page = add_cooperative_page(tree.index, coop)
    coop_page.tagline = PROBE
    coop_page.story = draftail(PROBE, JS_URL)
    coop_page.save_revision().publish()
    owner = UserFactory(username="htx-xss-owner", email="owner@example.vn")
    membership_add(user=owner, cooperative=coop, role="owner")
    product = add_product(
        coop_page,
        title=f"Chè {PROBE}",
        title_en=f"Tea {PROBE}",
        slug="che-xss",
        category=category,
        story=draftail(PROBE, JS_URL),
        image=make_image(title=PROBE),
    )
    formula = add_product(coop_page, title=FORMULA, slug="che-formula", category=category)
    return SimpleNamespace(
        category=category,
        category_page=category_page,
        coop=coop,
        coop_page=coop_page,
        owner=owner,
        product=product,
        variant=product.variants.get(),
        formula=formula,
        formula_variant=formula.variants.get(),
        tree=tree,
    )


def checkout(client, hostile, django_capture_on_commit_callbacks):
    """A shopper buys the probe product, naming themselves with the probes."""
    client.post("/cart/add/", {"variant": hostile.variant.pk, "quantity": 1})
    client.post("/cart/add/", {"variant": hostile.formula_variant.pk, "quantity": 1})
    data = {
        "full_name": f"Lan {PROBE}",
        "phone": "0912345678",
        "email": "lan@example.vn",
        "province": "1",
        "ward": str(HANOI_WARD),
        "address_line": f"12 Hàng Bông {PROBE}",
        "delivery_note": f"{PROBE} {JS_URL}",
        "payment_method": "cod",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/checkout/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"], Order.objects.get()


# --- The storefront --------------------------------------------------------------------------


def test_product_cooperative_and_category_pages_show_probes_as_text(client, hostile):
    for url in (hostile.product.url, hostile.coop_page.url, hostile.category_page.url, "/"):
        response = client.get(url)
        assert response.status_code == 200, url
        inert(response.content.decode(), shown=url != "/")
    english = client.get("/en" + hostile.product.url).content.decode()
    assert "Tea &lt;script&gt;" in inert(english)


def test_rich_text_keeps_the_text_and_drops_a_javascript_link(client, hostile):
    for url in (hostile.product.url, hostile.coop_page.url):
        page = inert(client.get(url).content.decode())
        assert "trang web" in page and "javascript:" not in page


def test_json_ld_cannot_close_its_script_element(client, hostile):
    page = client.get(hostile.product.url).content.decode()
    (payload,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert "<" not in payload and ">" not in payload and "\\u003C/script\\u003E" in payload
    data = json.loads(payload)
    assert data["name"] == hostile.product.title and data["brand"]["name"] == hostile.coop.name


def test_link_previews_hold_the_probe_as_attribute_text(client, hostile):
    page = client.get(hostile.product.url).content.decode()
    tags = dict(re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)">', page))
    for name in ("og:title", "twitter:title"):
        assert html.unescape(tags[name]) == hostile.product.display_title, name
    for name in ("og:description", "twitter:description", "og:image:alt"):
        assert "<" not in tags[name] and PROBE in html.unescape(tags[name]), name
    coop_tags = dict(
        re.findall(
            r'<meta (?:property|name)="([^"]+)" content="([^"]*)">',
            client.get(hostile.coop_page.url).content.decode(),
        )
    )
    assert html.unescape(coop_tags["og:description"]) == PROBE


def test_search_results_and_suggestions(client, hostile):
    for query in (PROBE, f"{JS_URL} {LOT}", "che"):
        response = client.get("/search/", {"q": query})
        assert response.status_code == 200
        inert(response.content.decode(), shown=query != f"{JS_URL} {LOT}")
    response = client.get("/search/suggest/", {"q": "che"})
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    body = response.content.decode()
    assert "<" not in body and ">" not in body  # written \u003C, the same string for a parser
    labels = [s["label"] for s in json.loads(body)["suggestions"]]
    assert hostile.product.title in labels
    echoed = client.get("/search/suggest/", {"q": PROBE}).content.decode()
    assert "<" not in echoed


def test_cart_order_page_and_e_mails(client, hostile, django_capture_on_commit_callbacks):
    client.post("/cart/add/", {"variant": hostile.variant.pk, "quantity": 1})
    inert(client.get("/cart/").content.decode())
    inert(client.get("/checkout/").content.decode())
    mail.outbox.clear()
    location, _order = checkout(client, hostile, django_capture_on_commit_callbacks)
    page = inert(client.get(location).content.decode())
    assert "Lan &lt;script&gt;" in page  # the name is on the page, escaped
    sent = {tuple(message.to): message for message in mail.outbox}
    shopper, cooperative = sent[("lan@example.vn",)], sent[("htx@example.vn", "owner@example.vn")]
    for message in (shopper, cooperative):
        assert "\n" not in message.subject
        # The text part is text: the probes as typed, never HTML-escaped.
        assert hostile.product.title in message.body and "&lt;" not in message.body
        ((html_part, kind),) = message.alternatives
        assert kind == "text/html"
        inert(html_part)
    assert f"Lan {PROBE}" in cooperative.body and PROBE in cooperative.body


# --- The admin ------------------------------------------------------------------------------


@pytest.fixture
def office(client):
    client.force_login(UserFactory(username="office", is_staff=True, is_superuser=True))
    return client


def test_admin_listings_and_screens(client, hostile, django_capture_on_commit_callbacks):
    import uuid

    from django.core.files.base import ContentFile

    from marketplace.models import CooperativeApplication
    from traceability.models import Batch, Inspection

    _location, order = checkout(client, hostile, django_capture_on_commit_callbacks)
    suborder = SubOrder.objects.get(order=order)
    batch = released_batch(hostile.variant)
    application = CooperativeApplication.objects.create(
        name=f"HTX {PROBE}",
        registration_number="4700123456",
        tax_code="4700123456",
        province_code=19,
        ward_code=5818,
        address_line=PROBE,
        contact_name=PROBE,
        phone="0912345678",
        email="apply@example.vn",
        document=ContentFile(b"%PDF-1.4\n", name="doc.pdf"),
        document_name=f"{PROBE}.pdf",
    )
    Inspection.objects.create(
        client_id=uuid.uuid4(),
        inspector=hostile.owner,
        stamp=batch.stamps.first(),
        code=f"{PROBE} {JS_URL}",
        result="fail",
        note=PROBE,
        inspected_at=timezone.now(),
    )
    client.force_login(UserFactory(username="office", is_staff=True, is_superuser=True))
    today = timezone.localdate().isoformat()
    screens = {
        "dashboard": reverse("wagtailadmin_home"),
        "products": reverse("wagtailadmin_explore", args=[hostile.coop_page.pk]),
        "product": reverse("wagtailadmin_pages:edit", args=[hostile.product.pk]),
        "page search": reverse("wagtailadmin_pages:search") + "?q=che",
        "cooperatives": reverse("wagtailsnippets_marketplace_cooperative:list"),
        "cooperative": reverse(
            "wagtailsnippets_marketplace_cooperative:edit", args=[hostile.coop.pk]
        ),
        "stock": reverse("wagtailsnippets_catalog_stock:list"),
        "quick stock": reverse("ocop_quick_stock"),
        "sub-orders": reverse("wagtailsnippets_orders_suborder:list"),
        "sub-order": reverse("wagtailsnippets_orders_suborder:detail", args=[suborder.pk]),
        "orders": reverse("wagtailsnippets_orders_order:list"),
        "order": reverse("wagtailsnippets_orders_order:detail", args=[order.pk]),
        "batches": reverse("wagtailsnippets_traceability_batch:list"),
        "batch": reverse("wagtailsnippets_traceability_batch:stamps", args=[batch.pk]),
        "report": reverse("ocop_report", args=["products"]) + f"?start={today}&end={today}",
        "registrations": reverse("ocop_registrations"),
        "registration": reverse("ocop_registration_review", args=[application.pk]),
        "inspections": reverse("wagtailsnippets_traceability_inspection:list"),
    }
    for name, url in screens.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        # Listings that show a product or cooperative name show it escaped.
        inert(response.content.decode(), shown=name not in ("dashboard", "batches", "batch"))
    assert Batch.objects.filter(lot=LOT).exists()


def released_batch(variant):
    """A released batch of ``variant`` with the lot probe and a probe field, two stamps."""
    import datetime

    from django.test import TestCase

    from traceability.services import batch_create, batch_release, stamp_order_create

    batch = batch_create(
        variant=variant,
        lot=LOT,
        production_date=datetime.date(2026, 3, 15),
        quantity=100,
        field_area=PROBE,
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        stamp_order_create(batch=batch, count=2)
    return batch_release(batch=batch)


def test_the_resolver_and_epcis_show_probes_as_text(client, hostile):
    batch = released_batch(hostile.variant)
    stamp = batch.stamps.order_by("number").first()
    path = stamp.uri.split("127.0.0.1:8000", 1)[1]
    response = client.get(path)
    assert response.status_code == 200
    page = inert(response.content.decode())
    assert "&lt;svg/onload=alert()&gt;" in page  # the lot, as text
    as_json = client.get(path, HTTP_ACCEPT="application/json")
    assert as_json["Content-Type"].startswith("application/json")
    assert as_json["X-Content-Type-Options"] == "nosniff"
    assert as_json.json()["batch"]["lot"] == LOT
    client.force_login(hostile.owner)
    epcis = client.get(reverse("traceability:api_batch_epcis", args=[batch.pk]))
    assert epcis.status_code == 200
    assert epcis["Content-Type"].startswith("application/ld+json")
    assert epcis["X-Content-Type-Options"] == "nosniff"


# --- Exports: no formula reaches a spreadsheet -----------------------------------------------


def cells(response) -> list[str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def no_formula(values: list[str]) -> None:
    for value in values:
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


def test_csv_exports_neutralise_formulas(client, hostile, django_capture_on_commit_callbacks):
    from catalog.search import log_search

    checkout(client, hostile, django_capture_on_commit_callbacks)
    log_search("=cmd|' /C calc'!A0", 0)  # a shopper's search that found nothing
    log_search("@SUM(1+1)*cmd", 0)
    client.force_login(UserFactory(username="office", is_staff=True, is_superuser=True))
    today = timezone.localdate().isoformat()
    period = {"start": today, "end": today}
    products = client.get(
        reverse("ocop_report", args=["products"]), {**period, "csv": "top-products"}
    )
    searches = client.get(
        reverse("ocop_report", args=["searches"]), {**period, "csv": "zero-results"}
    )
    stock = client.get(reverse("ocop_quick_stock_export"))
    for response in (products, searches, stock):
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        no_formula(cells(response))
    assert "'" + FORMULA in cells(products) and "'" + FORMULA in cells(stock)
    assert "cmd c calc a0" in cells(searches)  # searches are logged as folded words only
    # The stock file still imports: the product column is not read back.
    from catalog import bulk

    rows = bulk.read_csv(stock.content)
    assert {row["sku"] for _line, row in rows} >= {hostile.formula_variant.sku}


def test_category_names_in_navigation_are_text(client, hostile):
    assert Category.objects.filter(name__contains="<script>").exists()
    inert(client.get(hostile.tree.category_page.url).content.decode(), shown=False)
    inert(client.get("/cart/").content.decode(), shown=False)


def test_wagtails_own_csv_exports_neutralise_formulas(client, hostile):
    client.force_login(UserFactory(username="office", is_staff=True, is_superuser=True))
    response = client.get(reverse("wagtailadmin_reports:aging_pages"), {"export": "csv"})
    assert response.status_code == 200
    values = cells(response)
    no_formula(values)
    assert "'" + FORMULA in values
