"""The admin's searches fold accents as the storefront's does (``che bup la bang`` finds
``Chè búp La Bằng``), still within the user's own cooperative."""

import pytest
from django.urls import reverse

from marketplace.text import Fold, folded_search
from orders.models import Order

from ..workspace import batch_of, sub_order, two_cooperatives

pytestmark = pytest.mark.django_db


@pytest.fixture
def ws(tree):
    ws = two_cooperatives(tree)
    ws.tea_order = sub_order(ws.a, ws.tea_variant)
    Order.objects.filter(pk=ws.tea_order.order_id).update(full_name="Đặng Thị Hương")
    ws.apple_order = sub_order(ws.b, ws.apple_variant)
    Order.objects.filter(pk=ws.apple_order.order_id).update(full_name="Đặng Văn Hùng")
    batch_of(ws.tea_variant, "LB2603A")
    batch_of(ws.apple_variant, "NLH2608R")
    return ws


def test_fold_in_sql_matches_fold_in_python(ws):
    """PostgreSQL's unaccent and SQLite's Python function fold Vietnamese alike."""
    from catalog.models import ProductPage
    from marketplace.text import fold

    rows = ProductPage.objects.annotate(folded=Fold("title")).values_list("title", "folded")
    assert rows and all(folded == fold(title) for title, folded in rows)
    assert Order.objects.annotate(f=Fold("full_name")).filter(f="dang thi huong").exists()


def test_page_search_folds_accents_and_stays_in_the_cooperative(client, ws):
    client.force_login(ws.owner_a)
    url = reverse("wagtailadmin_pages:search")
    for query in ("che bup la bang", "Chè búp", "CHE BUP"):
        html = client.get(url, {"q": query}).content.decode()
        assert "Chè búp La Bằng" in html, query
    html = client.get(url, {"q": "na la hien"}).content.decode()
    assert "Na La Hiên" not in html


def test_sub_order_batch_and_stock_listings_fold_accents_within_the_cooperative(client, ws):
    client.force_login(ws.owner_a)
    orders = client.get("/admin/snippets/orders/suborder/", {"q": "dang huong"}).content.decode()
    assert ws.tea_order.order.number in orders
    assert (
        client.get("/admin/snippets/orders/suborder/", {"q": "dang hung"})
        .content.decode()
        .count(ws.apple_order.order.number)
        == 0
    )
    batches = client.get("/admin/snippets/traceability/batch/", {"q": "che bup"}).content.decode()
    assert "LB2603A" in batches and "NLH2608R" not in batches
    stock = client.get("/admin/snippets/catalog/stock/", {"q": "che bup la bang"}).content.decode()
    assert ws.tea_variant.page.title in stock
    assert (
        "Na La Hiên"
        not in client.get("/admin/snippets/catalog/stock/", {"q": "na la hien"}).content.decode()
    )
    # The operator finds both.
    client.force_login(ws.operator)
    both = client.get("/admin/snippets/orders/suborder/", {"q": "DANG"}).content.decode()
    assert ws.tea_order.order.number in both and ws.apple_order.order.number in both


def test_hostile_queries_are_plain_misses(client, ws):
    client.force_login(ws.owner_a)
    for query in (
        "%",
        "_",
        "' OR 1=1 --",
        "x" * 5000,
        "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
    ):
        for url in (
            "/admin/snippets/orders/suborder/",
            "/admin/snippets/traceability/batch/",
            reverse("ocop_quick_stock"),
            reverse("wagtailadmin_pages:search"),
        ):
            assert client.get(url, {"q": query}).status_code == 200, (url, query)
            nul = client.get(url, {"q": "che\x00"})  # told, not a silent miss
            assert nul.status_code == 400 and "NUL" in nul.content.decode(), url
    assert list(folded_search(Order.objects.all(), ["full_name"], "%")) == []
