"""The inspector's phone verifier (static/traceability/inspect.js) agrees with the server.

Headless chromium loads /inspect/ and runs ``window.ocopVerify`` over genuine stamps and
10,000 forgeries made here; every verdict must equal the server's (``parse_stamp_uri`` then
``signing.verify``), with WebCrypto Ed25519 and with the vendored @noble/ed25519 fallback.
"""

import os
import random
import string
from concurrent.futures import ThreadPoolExecutor

import pytest
from biip.checksums import gs1_standard_check_digit
from django.conf import settings

from traceability.digital_link import MalformedLink, parse_stamp_uri, stamp_uri
from traceability.services import batch_release
from traceability.signing import b64url, b64url_decode, sign_path, verify

from ..e2e import conftest as browser_journeys
from ..e2e.conftest import _remember_serialized_database  # noqa: F401
from .conftest import issue

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

VERIFY_ALL = """async ([uris, engine]) => {
    const results = await Promise.all(uris.map((uri) => window.ocopVerify(uri, {engine})));
    return results.map((result) => result.verdict);
}"""
BASE32 = string.ascii_uppercase + "234567"
# GS1 AI (10)/(21) characters: letters, digits and ! " % & ' ( ) * + , - . / : ; < = > ? _
CSET82 = string.ascii_letters + string.digits + "!\"%&'()*+,-./:;<=>?_"


def server_verdict(uri: str) -> str:
    """What the server concludes from the signature alone (no database)."""
    try:
        code = parse_stamp_uri(uri)
    except MalformedLink:
        return "INVALID"
    except ValueError:
        # urlsplit() errors (a broken [IPv6] host) escape parse_stamp_uri: the phone says
        # INVALID for those, which is what the server should say too.
        return "INVALID"
    return "GENUINE" if verify(code.gtin, code.lot, code.serial, code.signature) else "FORGED"


def random_gtin(rng) -> str:
    payload = "893" + "".join(rng.choice(string.digits) for _ in range(10))
    return payload + str(gs1_standard_check_digit(payload))


def forgeries(stamps, n: int, rng) -> list[str]:
    """n forged stamp URIs of seven kinds, none of them a valid signature of its code."""
    base = settings.TRACE_RESOLVER_BASE_URL
    uris = []
    for i in range(n):
        stamp = stamps[i % len(stamps)]
        gtin, lot, serial = stamp.gtin, stamp.batch.lot, stamp.serial
        kid, value = stamp.key_id, stamp.signature
        signature = f"{kid}.{value}"
        kind = i % 7
        if kind == 0:  # flip 1 to 3 random bits of the signature
            raw = bytearray(b64url_decode(value))
            for _ in range(rng.randint(1, 3)):
                bit = rng.randrange(len(raw) * 8)
                raw[bit // 8] ^= 1 << (bit % 8)
            if bytes(raw) == b64url_decode(value):  # two flips of the same bit
                raw[0] ^= 1
            uris.append(stamp_uri(base, gtin, lot, serial, f"{kid}.{b64url(bytes(raw))}"))
        elif kind == 1:  # another serial, this signature
            other = serial
            while other == serial:
                other = "".join(rng.choice(BASE32) for _ in range(rng.randint(1, 20)))
            uris.append(stamp_uri(base, gtin, lot, other, signature))
        elif kind == 2:  # another lot (slashes and percent signs included), this signature
            other = lot
            while other == lot:
                other = "".join(rng.choice(CSET82) for _ in range(rng.randint(1, 20)))
            uris.append(stamp_uri(base, gtin, other, serial, signature))
        elif kind == 3:  # another GTIN: valid, shortened to GTIN-13, or a wrong check digit
            other = gtin
            while other == gtin:
                other = random_gtin(rng)
            style = rng.randrange(3)
            if style == 1:
                other = other[1:]
            elif style == 2:
                other = other[:-1] + str((int(other[-1]) + rng.randint(1, 9)) % 10)
            uris.append(stamp_uri(base, gtin, lot, serial, signature).replace(gtin, other, 1))
        elif kind == 4:  # the signature of another code moved onto this one
            if rng.random() < 0.5:
                donor = stamps[(i + 1 + rng.randrange(len(stamps) - 1)) % len(stamps)]
                moved = f"{donor.key_id}.{donor.signature}"
            else:
                moved = sign_path(random_gtin(rng), lot, serial)
            uris.append(stamp_uri(base, gtin, lot, serial, moved))
        elif kind == 5:  # a truncated signature
            cut = rng.randrange(len(value))
            uris.append(stamp_uri(base, gtin, lot, serial, f"{kid}.{value[:cut]}"))
        else:  # a key id that was never published
            other = rng.choice(["dev-2", "DEV-1", "prod-1", "", f"{kid}x", "x" + kid])
            uris.append(stamp_uri(base, gtin, lot, serial, f"{other}.{value}"))
    return uris


@pytest.fixture
def stamps(batch):
    issue(batch, 6)
    batch_release(batch=batch)
    return list(batch.stamps.select_related("batch").order_by("number"))


@pytest.fixture(scope="module")
def chromium():
    """Chromium driven from a thread of its own.

    Playwright's sync API allows one instance per thread, and the browser journeys of
    tests/e2e keep theirs open in the main thread for the whole session. Every Playwright
    call of this module goes through ``run``, in the worker thread.
    """
    if not os.path.exists(browser_journeys.CHROMIUM):
        pytest.skip("chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chromium")

    def run(function, *args):
        return worker.submit(function, *args).result()

    def start():
        playwright = sync_api.sync_playwright().start()
        browser = playwright.chromium.launch(
            executable_path=browser_journeys.CHROMIUM,
            headless=True,
            args=browser_journeys.CHROMIUM_ARGS,
        )
        return playwright, browser

    playwright, browser = run(start)
    yield run, browser
    run(browser.close)
    run(playwright.stop)
    worker.shutdown()


@pytest.fixture
def _serialized_database_here():
    """What tests/e2e's fixture of that name does, without its main-thread browser."""
    from django.db import connections

    contents = browser_journeys._serialized.get("default")
    if contents and not getattr(connections["default"], "_test_serialized_contents", None):
        connections["default"]._test_serialized_contents = contents


class Verifier:
    """/inspect/ open in chromium; ``evaluate`` runs JavaScript in it."""

    def __init__(self, run, page):
        self.run = run
        self.page = page

    def evaluate(self, expression, arg=None):
        return self.run(self.page.evaluate, expression, arg)


@pytest.fixture
def verifier(chromium, _serialized_database_here, live_server):
    run, browser = chromium
    errors = []

    def open_page():
        # The verifier alone: no service worker, so nothing is cached between tests.
        context = browser.new_context(service_workers="block")
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(error))
        page.goto(live_server.url + "/inspect/")
        page.wait_for_function("() => window.ocopVerify && window.ocopInspect")
        return context, page

    context, page = run(open_page)
    verifier = Verifier(run, page)
    assert verifier.evaluate("window.ocopInspect.keysReady()") >= 1
    yield verifier
    run(context.close)
    assert not errors


def test_browser_verifier_matches_the_server_on_10000_forgeries(verifier, stamps):
    rng = random.Random(20260315)
    genuine = [stamp.uri for stamp in stamps]
    forged = forgeries(stamps, 10_000, rng)
    uris = genuine + forged
    expected = [server_verdict(uri) for uri in uris]
    assert expected[: len(genuine)] == ["GENUINE"] * len(genuine)
    assert set(expected[len(genuine) :]) == {"FORGED", "INVALID"}
    assert verifier.evaluate("window.ocopInspect.engine()") == "webcrypto"

    for engine in ("webcrypto", "noble"):
        got = verifier.evaluate(VERIFY_ALL, [uris, engine])
        mismatches = [
            (uri, want, have)
            for uri, want, have in zip(uris, expected, got, strict=True)
            if want != have
        ]
        assert not mismatches[:5], f"{engine}: {len(mismatches)} verdicts differ"
        assert got[: len(genuine)] == ["GENUINE"] * len(genuine)
        assert set(got[len(genuine) :]) <= {"FORGED", "INVALID"}


def test_one_check_takes_well_under_a_second(verifier, stamps):
    elapsed = verifier.evaluate(
        """async (uri) => {
            const started = performance.now();
            const result = await window.ocopVerify(uri);
            return [result.verdict, performance.now() - started];
        }""",
        stamps[0].uri,
    )
    assert elapsed[0] == "GENUINE"
    assert elapsed[1] < 1000


def test_browser_and_server_agree_on_odd_but_legal_inputs(verifier, stamps):
    """Whitespace, prefixes, percent-encoding, Unicode digits, lenient base64: same verdicts."""
    stamp = stamps[0]
    uri = stamp.uri
    host = settings.TRACE_RESOLVER_BASE_URL
    value = stamp.signature
    gtin = stamp.gtin
    arabic = {str(d): chr(0x660 + d) for d in range(10)}
    odd = [
        f"  {uri}\n",
        f"\x1d{uri}\x1c",  # GS1 group separators count as whitespace in Python
        f"\ufeff{uri}",  # ...a byte-order mark does not
        "HTTPS" + uri[4:],
        uri.replace(host, "https://ocop.example.vn/qr"),  # a path prefix
        uri.replace(host, "http://[::1]:8000"),
        uri.replace(host, "http://[1.2.3.4]"),  # urlsplit refuses an IPv4 in brackets
        uri.replace(host, "http://[::1"),
        uri.replace(host, "http://"),
        uri.replace(f"/01/{gtin}", f"/01/{gtin.lstrip('0')}"),
        uri.replace(f"/01/{gtin}", f"/01/{gtin[:-1]}{arabic[gtin[-1]]}"),  # int('٤') == 4
        uri.replace(f"/01/{gtin}", f"/01/{arabic[gtin[0]]}{gtin[1:]}"),
        uri.replace(f"/01/{gtin}", f"/01/{gtin[:-1]}%D9%A{gtin[-1]}"),
        uri.replace("/10/", "/%31%30/"),  # encoded AI keys are decoded
        uri.replace("/01/", "/%30%31/"),  # ...but not the primary key
        uri.replace("/10/", "/22/CPV-1/10/"),
        uri.replace("?s=", "/235/TPX?s="),
        uri.replace("?s=", "/22/X?s="),  # out of order
        uri.replace("?s=", "/?s="),
        uri.replace("/10/", "/00/"),
        uri + "#fragment",
        uri.replace("?s=", "?s=bad.bad&s="),
        uri + "&s=",
        uri.replace("?s=", "?x=1&s="),
        uri + "=",
        uri + "==",
        uri + "A",
        uri + "AA",
        uri.replace(value, value.replace("-", "+").replace("_", "/")),
        uri.replace(value, value[:40] + "!*~" + value[40:]),
        uri.replace(value, value[:-1] + chr(ord(value[-1]) ^ 1)),  # the unused low bits
        uri.replace(value, value[:20] + "=" + value[20:]),
        uri.replace(value, value[:20] + "é" + value[20:]),
        uri.replace(".", "\t.", 1),
        uri.replace("/21/", "/21/%zz"),
        uri.replace("/21/", "/21/%E2%80"),
        uri.replace("?s=", "?s=" + stamp.key_id),
        uri.split("?")[0],
        "",
        "not a link",
        "ftp://example.com/01/1/10/a/21/b",
        "https://example.com/01/1/10/a/21/b?s=x.y",
    ]
    expected = [server_verdict(u) for u in odd]
    assert "GENUINE" in expected and "FORGED" in expected and "INVALID" in expected
    for engine in ("webcrypto", "noble"):
        got = verifier.evaluate(VERIFY_ALL, [odd, engine])
        assert list(zip(odd, got, strict=True)) == list(zip(odd, expected, strict=True))
