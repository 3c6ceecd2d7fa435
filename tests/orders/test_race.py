"""100 buyers race for 10 units on real PostgreSQL connections: exactly 10 orders."""

import threading

import pytest
from django.db import connection, connections

from catalog.models import Stock
from orders import services
from orders.models import Order, OrderLine

from .conftest import line

BUYERS = 100
UNITS = 10
# PostgreSQL's default max_connections is 100 (a few are taken by the test run itself):
# all 100 buyers start together and at most this many hold a connection at the same moment.
AT_ONCE = 50


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_hundred_concurrent_buyers_never_oversell(shop, customer):
    if connection.vendor != "postgresql":
        pytest.skip("the race needs PostgreSQL (CI runs it there)")
    Stock.objects.filter(variant=shop.tea_variant).update(on_hand=UNITS, reserved=0)
    wanted = line(shop.tea_variant, 1)
    start = threading.Barrier(BUYERS)
    connected = threading.BoundedSemaphore(AT_ONCE)
    outcomes: list[str] = []
    lock = threading.Lock()
    in_flight, max_seen = [0], [0]

    def buyer(i: int) -> None:
        start.wait()
        with connected:
            with lock:
                in_flight[0] += 1
                max_seen[0] = max(max_seen[0], in_flight[0])
            try:
                services.place_order(lines=[wanted], customer=customer, payment_method="vietqr")
                result = "ordered"
            except services.OutOfStock:
                result = "out of stock"
            except Exception as exc:  # anything else is a bug the test must show
                result = f"error: {exc!r}"
            finally:
                connections.close_all()
                with lock:
                    in_flight[0] -= 1
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=buyer, args=(i,)) for i in range(BUYERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(outcomes) == BUYERS
    assert max_seen[0] > 1, "the buyers never overlapped"
    assert sorted(set(outcomes)) == ["ordered", "out of stock"], set(outcomes)
    assert outcomes.count("ordered") == UNITS
    assert Order.objects.count() == UNITS
    stock = Stock.objects.get(variant=shop.tea_variant)
    assert (stock.on_hand, stock.reserved, stock.available) == (UNITS, UNITS, 0)
    assert sum(OrderLine.objects.values_list("reserved", flat=True)) == UNITS


@pytest.mark.django_db
def test_expiry_returns_the_raced_stock(shop, customer):
    """After the race, the unpaid orders expire and the 10 units are on sale again."""
    import datetime

    from django.utils import timezone

    Stock.objects.filter(variant=shop.tea_variant).update(on_hand=3, reserved=0)
    for _ in range(3):
        services.place_order(
            lines=[line(shop.tea_variant)], customer=customer, payment_method="vietqr"
        )
    with pytest.raises(services.OutOfStock):
        services.place_order(
            lines=[line(shop.tea_variant)], customer=customer, payment_method="vietqr"
        )
    Order.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert services.expire_unpaid_orders() == 3
    assert Stock.objects.get(variant=shop.tea_variant).available == 3
    assert set(Order.objects.values_list("status", flat=True)) == {Order.Status.EXPIRED}
