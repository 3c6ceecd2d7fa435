"""One Redis connection per thread and pool, kept out of the pool, for the hottest commands
(a stamp scan's RPUSH, a cached page's MGET).

redis-py checks a connection out of its pool, wraps the command in its retry logic and
releases it for every command: half the client-side cost of a one-round-trip command. Here
the thread keeps one connection; should it fail, the command goes the pool's way, with its
retries, as it would have anyway.
"""

import contextlib
import os
import threading

_held = threading.local()


def command(client, *args):
    """Run ``args`` (e.g. ``"MGET", key1, key2``) on ``client``'s held connection."""
    pool = client.connection_pool
    conns = getattr(_held, "conns", None)
    if conns is None or _held.pid != os.getpid():  # a forked worker opens its own
        conns = _held.conns = {}
        _held.pid = os.getpid()
    connection = conns.get(id(pool))
    if connection is None:
        connection = conns[id(pool)] = pool.get_connection()
    try:
        connection.send_command(*args)
        return connection.read_response()
    except Exception:
        conns.pop(id(pool), None)
        with contextlib.suppress(Exception):
            connection.disconnect()
    return client.execute_command(*args)
