"""The WSGI handler's short way for stamp scans (traceability.handler): what a phone, a
machine and a signed-in inspector get is what the whole middleware stack gives them."""

import pytest
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory

from traceability import scans
from traceability.handler import SHORT_WAY_MIDDLEWARE, StampScanHandler
from traceability.models import Scan

from ..factories import UserFactory
from .test_resolver import JSON, _tampered, path_of

pytestmark = pytest.mark.django_db


def call(handler, path, method="get", **extra):
    """(status, headers, body) of a WSGI call of ``handler``, as a server makes it."""
    request = getattr(RequestFactory(), method)(path, **extra)
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, headers

    # As Django's test client does: the test's transaction keeps its connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        result = handler(request.environ, start_response)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):  # as a WSGI server does
                result.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answer["status"], answer["headers"], body


class Spy(StampScanHandler):
    """Counts the requests that went through Django's request cycle (``cycles``) and, of
    those, the ones that went through the middleware stack (``long_way``)."""

    def __init__(self):
        super().__init__()
        self.long_way = 0
        self.cycles = 0
        chain = self._middleware_chain

        def counted(request):
            self.long_way += 1
            return chain(request)

        self._middleware_chain = counted

    def get_response(self, request):
        self.cycles += 1
        return super().get_response(request)


@pytest.fixture
def handler():
    return Spy()


@pytest.fixture(autouse=True)
def _buffered_scans(settings):
    """Scans stay in the buffer: two answers to the same scan count the same scans."""
    settings.TRACE_SCAN_FLUSH_SIZE = 1000


@pytest.fixture
def stamp(released_batch):
    stamp = released_batch.stamps.order_by("number").first()
    scans.write(
        [{"stamp": stamp.pk, "verdict": "genuine", "at": "2026-11-20T08:00:00+07:00"}]
    )  # scanned before: every answer below is the same whenever it is asked
    return stamp


def the_long_way(path, **extra):
    handler = Spy()
    handler.short_way = handler.fast_way = False
    answer = call(handler, path, **extra)
    assert handler.long_way == 1  # the whole middleware stack, really
    return answer


@pytest.mark.parametrize(
    "extra",
    [
        JSON,
        {},  # the page
        {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"},
        {"HTTP_ACCEPT_LANGUAGE": "en", **JSON},
        {"HTTP_COOKIE": f"{settings.LANGUAGE_COOKIE_NAME}=en", **JSON},
    ],
    ids=["json", "page", "english page", "english json", "language cookie"],
)
def test_a_phone_gets_what_the_whole_stack_gives(handler, stamp, extra):
    short = call(handler, path_of(stamp), **extra)
    assert handler.long_way == 0
    # Without cookies, before Django's request cycle; a language cookie takes the short way.
    assert handler.cycles == (1 if "HTTP_COOKIE" in extra else 0)
    assert short == the_long_way(path_of(stamp), **extra)
    assert short[0] == "200 OK"


def _stamp_in_state(released_batch, state):
    """A stamp of the batch in ``state``, scanned before (its answers do not move with the
    clock)."""
    from traceability.services import batch_recall, stamps_void

    stamp = released_batch.stamps.order_by("number")[2]
    times = [f"2026-11-20T08:{minute:02}:00+07:00" for minute in range(25)]
    if state == "recalled":
        batch_recall(batch=released_batch, reason="Nấm mốc trong lô")
    elif state == "voided":
        stamps_void(batch=released_batch, number_from=stamp.number, reason="Mất cuộn tem")
    else:  # suspicious: scanned too many times
        scans.write([{"stamp": stamp.pk, "verdict": "genuine", "at": at} for at in times])
    scans.write([{"stamp": stamp.pk, "verdict": "genuine", "at": times[0]}])
    return stamp


@pytest.mark.parametrize("state", ["recalled", "voided", "suspicious"])
def test_every_200_verdict_is_answered_before_the_request_cycle(handler, released_batch, state):
    stamp = _stamp_in_state(released_batch, state)
    for extra in (JSON, {}):
        fast = call(handler, path_of(stamp), **extra)
        assert fast == the_long_way(path_of(stamp), **extra)
    assert handler.cycles == 0
    assert fast[0] == "200 OK" and state.upper() in fast[2].decode().upper()


def test_forged_and_invalid_codes_are_logged_once_and_answered_the_short_way(handler, stamp):
    paths = [*_tampered(stamp).values(), "/01/0893ABC/10/LB2603A/21/ABC"]
    for path in paths:
        call(handler, path, **JSON)
    # Each went on to the short way (the fast one gave up before logging): one scan each.
    assert handler.cycles == len(paths) and handler.long_way == 0
    assert scans.pending() == len(paths)


def test_a_forged_code_is_judged_once(handler, stamp, monkeypatch):
    """The fast way hands its verdict to the view it gives the request to: one stamp query
    and one Ed25519 check at most for a well-formed forgery, none for a malformed one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from traceability import verification
    from traceability.signing import verify

    checked = []
    monkeypatch.setattr(verification, "verify", lambda *a: checked.append(a) or verify(*a))
    tampered = _tampered(stamp)
    for name, most in [("signature changed", 1), ("serial changed", 1), ("unknown key", 0)]:
        checked.clear()
        with CaptureQueriesContext(connection) as queries:
            status, _headers, _body = call(handler, tampered[name], **JSON)
        stamp_queries = [q for q in queries if "traceability_stamp" in q["sql"]]
        assert status == "404 Not Found"
        assert len(stamp_queries) == most and len(checked) == most, name


def test_a_verdict_handed_over_for_another_request_is_not_used(client, stamp):
    from traceability import views
    from traceability.verification import Verdict

    wrong = Verdict("forged", ["not this one"])
    elsewhere = ("/01/other", "", stamp.activated_at, wrong, {"province": None})
    response = client.get(path_of(stamp), **{views.HANDED_OVER: elsewhere}, **JSON)
    assert response.status_code == 200 and response.json()["verdict"] == "genuine"


def test_the_fast_way_sends_the_request_signals(handler, stamp):
    """Django's receivers recycle database connections (CONN_MAX_AGE, a broken one) on them."""
    sent = []

    def started(**kwargs):
        sent.append("started")

    def finished(**kwargs):
        sent.append("finished")

    request_started.connect(started)
    request_finished.connect(finished)
    try:
        assert call(handler, path_of(stamp), **JSON)[0] == "200 OK"
    finally:
        request_started.disconnect(started)
        request_finished.disconnect(finished)
    assert sent == ["started", "finished"] and handler.cycles == 0


def test_a_failure_in_the_fast_way_is_answered_the_usual_way(handler, stamp, monkeypatch, caplog):
    from traceability import views

    real, failures = views.scan_body, []

    def failing_once(*args, **kwargs):
        if not failures:
            failures.append(1)
            raise RuntimeError("template missing")
        return real(*args, **kwargs)

    monkeypatch.setattr(views, "scan_body", failing_once)
    status, _headers, body = call(handler, path_of(stamp), **JSON)
    assert status == "200 OK" and b'"verdict": "genuine"' in body
    assert handler.cycles == 1 and "template missing" in caplog.text
    assert scans.pending() == 1  # logged once, by the way that answered


def test_the_short_way_answers_in_the_phones_language(handler, stamp):
    import json

    english = call(handler, path_of(stamp), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9", **JSON)
    assert json.loads(english[2])["reasons"] == ["Genuine stamp issued by OCOP Market."]
    assert dict(english[1])["Content-Language"] == "en"
    cookie = call(handler, path_of(stamp), HTTP_COOKIE=f"{settings.LANGUAGE_COOKIE_NAME}=en")
    assert b"GENUINE" in cookie[2] and dict(cookie[1])["Content-Language"] == "en"
    vietnamese = call(handler, path_of(stamp))
    assert "TEM THẬT" in vietnamese[2].decode() and dict(vietnamese[1])["Content-Language"] == "vi"
    assert handler.long_way == 0


def test_forged_and_invalid_codes_answer_as_before(handler, stamp):
    for path in [*_tampered(stamp).values(), "/01/0893ABC/10/LB2603A/21/ABC"]:
        for extra in (JSON, {}):
            assert call(handler, path, **extra) == the_long_way(path, **extra), path
    assert handler.long_way == 0


def test_the_verify_api_takes_the_short_way(handler, stamp):
    from urllib.parse import quote

    path = f"/api/v1/stamps/verify?uri={quote(stamp.uri)}"
    short = call(handler, path)
    assert short == the_long_way(path)
    assert short[0] == "200 OK" and b'"verdict": "genuine"' in short[2]
    body = f'{{"uri": "{stamp.uri}"}}'
    posted = call(
        handler, "/api/v1/stamps/verify", "post", data=body, content_type="application/json"
    )
    assert posted[0] == "200 OK" and b'"verdict": "genuine"' in posted[2]
    assert handler.long_way == 0


def test_security_headers_as_in_production(settings, stamp):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    handler = Spy()  # middleware read their settings when the handler starts
    status, headers, _body = call(handler, path_of(stamp), secure=True, **JSON)
    headers = dict(headers)
    assert status == "200 OK" and handler.long_way == 0
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "SAMEORIGIN"
    assert headers["Cache-Control"] == "no-cache, private"
    assert headers["Content-Language"] == "vi"
    assert headers["Vary"] == "Accept, Accept-Language, Cookie"
    assert int(headers["Content-Length"]) == len(_body)


def test_the_content_security_policy_on_every_way(handler, stamp, settings):
    """The page a phone's camera opens, the fast way (a 200) and the short way (a forged code,
    404) alike; report-only when so configured."""
    forged = _tampered(stamp)["no signature"]
    for path in (path_of(stamp), forged):
        _status, headers, _body = call(handler, path)
        usual = dict(the_long_way(path)[1])
        policy = dict(headers)["Content-Security-Policy"]
        assert policy == usual["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
    assert handler.long_way == 0 and handler.cycles == 1  # the forged one: the short way
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY = None
    headers = dict(call(handler, path_of(stamp))[1])
    assert "Content-Security-Policy" not in headers
    assert headers["Content-Security-Policy-Report-Only"] == policy


def test_http_is_redirected_to_https_the_usual_way(settings, stamp):
    settings.SECURE_SSL_REDIRECT = True
    handler = Spy()
    status, headers, _body = call(handler, path_of(stamp))
    assert status == "301 Moved Permanently"
    assert dict(headers)["Location"].startswith("https://testserver/01/")
    assert handler.long_way == 1


def test_a_host_not_allowed_is_refused_the_usual_way(handler, stamp):
    status, _headers, _body = call(handler, path_of(stamp), HTTP_HOST="evil.example")
    assert status == "400 Bad Request" and handler.long_way == 1
    assert scans.pending() == 0  # refused before the view: no scan


def test_a_nul_in_a_parameter_is_refused_the_usual_way(handler, stamp):
    status, _headers, body = call(handler, path_of(stamp) + "&province=%00")
    assert status == "400 Bad Request" and handler.long_way == 1
    assert b"NUL" in body
    assert scans.pending() == 0  # refused before the view: no scan


def test_a_signed_in_inspector_is_still_recorded_as_the_scanner(handler, client, stamp):
    inspector = UserFactory(username="inspector")
    client.force_login(inspector)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    status, _headers, _body = call(handler, path_of(stamp), HTTP_COOKIE=cookie, **JSON)
    assert status == "200 OK" and handler.long_way == 1
    call(handler, path_of(stamp), **JSON)  # a shopper's scan (no session): anonymous
    assert scans.flush() == 2
    assert Scan.objects.filter(stamp=stamp, inspector=inspector).count() == 1
    assert Scan.objects.filter(stamp=stamp, inspector=None).count() == 2  # with the fixture's


def test_an_editors_redirect_of_a_404_still_applies(handler, stamp):
    from wagtail.contrib.redirects.models import Redirect

    forged = _tampered(stamp)["no signature"]
    Redirect.objects.create(old_path=Redirect.normalise_path(forged), redirect_link="/")
    status, headers, _body = call(handler, forged)
    assert status.startswith("301") and dict(headers)["Location"] == "/"
    assert handler.long_way == 0


def test_one_query_per_scan_once_the_batch_is_cached(handler, stamp, django_assert_max_num_queries):
    call(handler, path_of(stamp), **JSON)  # warms the batch cache
    call(handler, path_of(stamp))
    with django_assert_max_num_queries(1):
        assert call(handler, path_of(stamp), **JSON)[0] == "200 OK"
    with django_assert_max_num_queries(1):  # the page too (no deferred batch field loaded)
        assert call(handler, path_of(stamp))[0] == "200 OK"
    assert handler.long_way == 0


def test_other_paths_and_methods_go_the_usual_way(handler, stamp):
    call(handler, "/healthz")
    call(handler, path_of(stamp), "head")
    call(handler, path_of(stamp), "post")
    assert handler.long_way == 3 and handler.cycles == 3


def test_a_new_middleware_turns_the_short_way_off(settings):
    assert StampScanHandler().short_way, "MIDDLEWARE changed: see traceability/handler.py"
    assert StampScanHandler().fast_way
    settings.MIDDLEWARE = [*SHORT_WAY_MIDDLEWARE, "django.middleware.gzip.GZipMiddleware"]
    assert not StampScanHandler().short_way and not StampScanHandler().fast_way
