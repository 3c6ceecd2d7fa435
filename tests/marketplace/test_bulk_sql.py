"""``update_rows``: many rows, each with its own values, in one statement on PostgreSQL."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.bulk_sql import update_rows
from marketplace.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_each_row_gets_its_own_values_and_the_others_are_untouched():
    rows = [OutboxMessage.objects.create(task=f"t.{n}", kwargs={"n": n}) for n in range(5)]
    when = datetime.datetime(2026, 12, 7, 9, 30, tzinfo=datetime.UTC)
    for n, row in enumerate(rows[:4]):
        row.attempts = n * 10
        row.last_error = f"lỗi {n}" if n % 2 else ""
        row.sent_at = when + datetime.timedelta(minutes=n) if n else None
        row.task = "changed in memory only"  # a field not named is not written
    with CaptureQueriesContext(connection) as queries:
        assert update_rows(OutboxMessage, rows[:4], ["attempts", "last_error", "sent_at"]) == 4
    if connection.vendor == "postgresql":
        assert len(queries) == 1
    stored = {m.pk: m for m in OutboxMessage.objects.all()}
    for n, row in enumerate(rows[:4]):
        got = stored[row.pk]
        assert got.attempts == n * 10
        assert got.last_error == (f"lỗi {n}" if n % 2 else "")
        assert got.sent_at == (when + datetime.timedelta(minutes=n) if n else None)
        assert got.task == f"t.{n}" and got.kwargs == {"n": n}
    last = stored[rows[4].pk]
    assert (last.attempts, last.last_error, last.sent_at) == (0, "", None)


def test_nothing_to_update_sends_nothing():
    with CaptureQueriesContext(connection) as queries:
        assert update_rows(OutboxMessage, [], ["attempts"]) == 0
    assert len(queries) == 0
