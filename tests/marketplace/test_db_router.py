"""A read replica (DATABASE_REPLICA_URL): reports, the dashboard and storefront search read
from it; a checkout, and every write, stays on the primary; without one nothing changes.

The replica here is a second connection to the test database with committed rows (a
transactional test), so what is asserted is where each query goes.
"""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from catalog.models import ProductPage, Stock
from marketplace.db_router import REPLICA, ReplicaRouter, replica_reads
from orders.models import Order

from ..workspace import prefer_language, two_cooperatives

pytestmark = pytest.mark.django_db(
    transaction=True, serialized_rollback=True, databases=["default", REPLICA]
)


@pytest.fixture(scope="module")
def replica_alias(django_db_setup, django_db_blocker):
    """The alias exists before each test's database set-up (module scope runs first), which
    checks the aliases a test may use."""
    if connections["default"].vendor != "postgresql":
        pytest.skip("a second connection needs a database server (PostgreSQL in CI)")
    connections.settings[REPLICA] = {**connections["default"].settings_dict}
    try:
        yield REPLICA
    finally:
        with django_db_blocker.unblock():
            connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


@pytest.fixture
def replica(replica_alias, db):
    return connections[replica_alias]


def tables(queries) -> str:
    return " ".join(q["sql"] for q in queries)


@pytest.mark.django_db  # runs first, before the module's replica alias exists
def test_without_a_replica_everything_reads_from_the_primary():
    router = ReplicaRouter()
    with replica_reads():
        assert router.db_for_read(ProductPage) is None  # Django's default: the primary
    assert router.db_for_write(ProductPage) == "default"


def test_reports_and_the_dashboard_read_from_the_replica(client, tree, replica):
    ws = two_cooperatives(tree)
    client.force_login(prefer_language(ws.operator, "en"))
    with (
        CaptureQueriesContext(replica) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        report = client.get("/admin/ocop-reports/sales/", {"by": "cooperative"})
        dashboard = client.get("/admin/")
    assert report.status_code == 200 and dashboard.status_code == 200
    assert "orders_suborder" in tables(on_replica)
    assert "orders_suborder" not in tables(on_primary)
    assert "django_session" in tables(on_primary)  # the signed-in session: the primary


def test_search_reads_from_the_replica_and_a_checkout_never_does(client, tree, replica):
    ws = two_cooperatives(tree)
    with CaptureQueriesContext(replica) as on_replica:
        found = client.get("/search/", {"q": "chè"})
    assert found.status_code == 200 and "Chè búp La Bằng" in found.content.decode()
    assert "catalog_productsearchentry" in tables(on_replica)

    client.post("/cart/add/", {"variant": ws.tea_variant.pk, "quantity": 2})
    with CaptureQueriesContext(replica) as on_replica:
        placed = client.post(
            "/checkout/",
            {
                "full_name": "Nguyễn Thị Lan",
                "phone": "+84 912 345 678",
                "email": "lan@example.vn",
                "province": "1",
                "ward": "4",
                "address_line": "12 Phố Hàng Bông",
                "delivery_note": "",
                "payment_method": "cod",
            },
        )
    assert placed.status_code == 302, placed.content[:2000]
    assert Order.objects.count() == 1
    assert on_replica.captured_queries == []


def test_a_write_inside_replica_reads_goes_to_the_primary(tree, replica):
    ws = two_cooperatives(tree)
    with replica_reads(), CaptureQueriesContext(replica) as on_replica:
        stock = Stock.objects.get(variant=ws.tea_variant)
        stock.on_hand = 7
        stock.save(update_fields=["on_hand"])
    assert [q["sql"].split()[0] for q in on_replica.captured_queries] == ["SELECT"]
    assert Stock.objects.get(variant=ws.tea_variant).on_hand == 7
