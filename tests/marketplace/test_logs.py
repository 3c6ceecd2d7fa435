"""An outage of the cache is logged as one line a minute, not a traceback per cache call."""

import logging

from marketplace.logs import OncePerOutage


def test_a_burst_of_ignored_errors_is_one_line_then_a_count(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr("marketplace.logs.time.monotonic", lambda: clock[0])
    logger = logging.getLogger("tests.outage")
    logger.propagate = False
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    logger.addFilter(OncePerOutage(seconds=60))
    try:
        for _ in range(50):
            try:
                raise ConnectionError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")
            except ConnectionError:
                logger.exception("Exception ignored")
        clock[0] += 61
        try:
            raise ConnectionError("still down")
        except ConnectionError:
            logger.exception("Exception ignored")
    finally:
        logger.removeHandler(handler)
    assert len(records) == 2
    first, second = (record.getMessage() for record in records)
    assert "Connection refused" in first and "0 more" in first
    assert "still down" in second and "49 more" in second
    assert all(record.exc_info is None and record.levelname == "WARNING" for record in records)
