"""Reads that may come from a read replica (``DATABASE_REPLICA_URL``): reports, dashboards and
the storefront's search and listings, which tolerate data a second old. Everything else —
writes, and every read of a request that writes (a checkout reads stock it is about to
reserve) — stays on the primary.

Code opts in with ``replica_reads()``; without a replica configured it changes nothing.
"""

import contextlib
import contextvars

from django.conf import settings

REPLICA = "replica"
_reading_from_replica: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "reading_from_replica", default=False
)


@contextlib.contextmanager
def replica_reads():
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _reading_from_replica.get() and replica_configured():
            return REPLICA
        return None  # the default database

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the primary's rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"  # the replica follows the primary's schema by replication
