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


def test_secrets_tokens_and_personal_data_never_reach_a_log(settings):
    from marketplace.logs import mask

    settings.STRIPE_WEBHOOK_SECRET = "whsec_abcdefghijklmnop"
    settings.VIETQR_WEBHOOK_SECRET = "vietqr-shared-secret-2026"
    pem_line = (
        settings.TRACE_SIGNING_KEY_PEM.splitlines()[1] if settings.TRACE_SIGNING_KEY_PEM else ""
    )
    text = (
        f"key={settings.SECRET_KEY} sig {settings.STRIPE_WEBHOOK_SECRET} "
        f"bank {settings.VIETQR_WEBHOOK_SECRET} pem {pem_line} "
        "shopper 0912345678, +84 912 345 678 and 0912.345.678, lan@example.vn, "
        "GET /orders/DH23456789/?t=d4vu-oqdAay-rlWIMpFlc4BBZhKKYGYzaIQHdOIuYcs "
        "/cooperatives/join/eyJpIjoxLCJuIjoiYWJjIn0:1t:sig/ Authorization: Bearer abc.def.ghi "
        "Cookie: sessionid=s3cr3t; csrftoken=abcdef"
    )
    masked = mask(text)
    for leaked in (
        settings.SECRET_KEY,
        "whsec_abcdefghijklmnop",
        "vietqr-shared-secret-2026",
        "0912345678",
        "912 345 678",
        "0912.345.678",
        "lan@example.vn",
        "d4vu-oqdAay",
        "eyJpIjoxLCJuIjoiYWJjIn0",
        "abc.def.ghi",
        "s3cr3t",
    ):
        assert leaked not in masked, leaked
    if pem_line:
        assert pem_line not in masked
    assert "DH23456789" in masked and "l***@example.vn" in masked and "0912***78" in masked


def test_log_lines_are_json_with_the_request_id_and_masked(settings):
    import io
    import json

    from pythonjsonlogger.json import JsonFormatter

    from marketplace.logs import MaskFilter, RequestIdFilter, request_id_var

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(RequestIdFilter())
    handler.addFilter(MaskFilter())
    logger = logging.getLogger("tests.json")
    logger.propagate = False
    logger.addHandler(handler)
    token = request_id_var.set("req-1234567890")
    try:
        try:
            raise ValueError(f"bad phone 0987654321 with key {settings.SECRET_KEY}")
        except ValueError:
            logger.exception("checkout for %s failed", "lan@example.vn")
    finally:
        request_id_var.reset(token)
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert line["request_id"] == "req-1234567890" and line["level"] == "ERROR"
    assert line["message"] == "checkout for l***@example.vn failed"
    assert "0987654321" not in line["exc_info"] and settings.SECRET_KEY not in line["exc_info"]


def test_the_request_id_travels_with_the_tasks_a_request_queues():
    from types import SimpleNamespace

    from marketplace.logs import add_request_id_header, request_id_var, take_request_id

    token = request_id_var.set("req-abcdef123456")
    headers = {}
    add_request_id_header(headers=headers)
    request_id_var.reset(token)
    assert headers == {"request_id": "req-abcdef123456"}
    take_request_id(task=SimpleNamespace(request=SimpleNamespace(request_id="req-abcdef123456")))
    assert request_id_var.get() == "req-abcdef123456"
    take_request_id(task=SimpleNamespace(request=SimpleNamespace(request_id="bad id \n")))
    assert request_id_var.get() == ""
