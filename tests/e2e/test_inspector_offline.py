"""An inspector's phone: /inspect/ loaded once online keeps working offline.

The service worker serves the page, its scripts and the published keys without a network;
the signature is checked in the browser; inspections wait in IndexedDB and are sent when the
phone is back online. Online, the resolver's verdict (a recall) shows first.
"""

import io

import pytest
from django.conf import settings
from PIL import Image

from marketplace.roles import INSPECTORS_GROUP, ensure_role_groups
from traceability.digital_link import stamp_uri
from traceability.models import Inspection, Scan
from traceability.services import batch_recall, batch_release

from ..factories import UserFactory
from ..traceability.conftest import batch, issue, product, variant  # noqa: F401

PASSWORD = "kiem-tra-2026"
db_in_browser = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def stamps(batch):  # noqa: F811
    issue(batch, 3)
    batch_release(batch=batch)
    return list(batch.stamps.select_related("batch").order_by("number"))


@pytest.fixture
def inspector(db):
    groups = ensure_role_groups()
    user = UserFactory(username="thanh-tra-tn", password=PASSWORD)
    user.groups.add(groups[INSPECTORS_GROUP])
    return user


@pytest.fixture
def phone_context(browser, _serialized_database_in_this_context):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    yield context
    context.close()


def sign_in(page, live_server, user):
    page.goto(f"{live_server.url}/admin/login/?next=/inspect/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url("**/inspect/")


def controlled_by_service_worker(page) -> None:
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function("() => localStorage.getItem('ocop-trace-keys') !== null")


def check(page, uri: str) -> str:
    page.fill("#code", uri)
    page.click("#check-button")
    # inspect.js clears the verdict as the check starts, and sets it within a second.
    page.wait_for_function(
        "() => document.getElementById('verdict').dataset.verdict !== ''", timeout=2_000
    )
    return page.locator("#verdict").get_attribute("data-verdict")


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 40, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def with_signature_char_changed(uri: str) -> str:
    head, signature = uri.rsplit(".", 1)
    i = 10  # a character in the middle: all of its bits count
    replacement = "B" if signature[i] != "B" else "C"
    return f"{head}.{signature[:i]}{replacement}{signature[i + 1 :]}"


@db_in_browser
def test_offline_check_and_queued_inspection(live_server, phone_context, stamps, inspector):
    page = phone_context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    sign_in(page, live_server, inspector)
    controlled_by_service_worker(page)

    phone_context.set_offline(True)
    page.reload()  # served by the service worker
    assert page.evaluate("navigator.onLine") is False
    assert page.evaluate("fetch('/healthz').then(() => 'network', () => 'none')") == "none"
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.locator("#net-status").get_attribute("data-online") == "0"
    page.wait_for_function("() => window.ocopVerify")

    genuine, other = stamps[0], stamps[1]
    assert check(page, genuine.uri) == "genuine"
    assert page.locator("#server-status").get_attribute("data-state") == "offline"
    # The vendored @noble/ed25519 fallback was cached too.
    assert (
        page.evaluate("u => window.ocopVerify(u, {engine: 'noble'})", genuine.uri)["verdict"]
        == "GENUINE"
    )
    assert page.locator("[data-part=serial]").inner_text() == genuine.serial

    assert check(page, with_signature_char_changed(genuine.uri)) == "forged"
    moved = stamp_uri(
        settings.TRACE_RESOLVER_BASE_URL,
        other.gtin,
        other.batch.lot,
        other.serial,
        f"{genuine.key_id}.{genuine.signature}",
    )
    assert check(page, moved) == "forged"
    assert "FORGED" in page.evaluate("u => window.ocopVerify(u).then(r => r.verdict)", moved)
    assert check(page, "https://example.com/01/12345678901234/10/A/21/B") == "invalid"

    # Record an inspection of the moved-signature stamp, offline, with a photo.
    assert check(page, moved) == "forged"
    page.locator(".inspect-choice--fail").click()
    page.fill("#note", "Tem dán lại trên gói chè, quầy số 3")
    page.set_input_files(
        "#photo", {"name": "shelf.png", "mimeType": "image/png", "buffer": png_bytes()}
    )
    page.click("#save-button")
    page.wait_for_selector("#pending-count[data-count='1']")

    page.reload()  # still offline: the queue lives in IndexedDB
    page.wait_for_selector("#pending-count[data-count='1']")
    assert not Inspection.objects.exists()

    phone_context.set_offline(False)  # the "online" event sends the queue
    page.wait_for_selector("#pending-count[data-count='0']", timeout=15_000)
    inspection = Inspection.objects.get()
    assert inspection.inspector == inspector
    assert inspection.code == moved
    assert (inspection.result, inspection.offline_verdict) == ("fail", "forged")
    assert inspection.server_verdict == "forged"
    assert inspection.note == "Tem dán lại trên gói chè, quầy số 3"
    assert inspection.photo.name.startswith("inspections/")
    assert inspection.photo.size > 0

    # Data the server refuses (here a code over 400 characters) is dropped, not resent forever.
    too_long = genuine.uri + "&x=" + "A" * 400
    assert check(page, too_long) == "genuine"
    page.locator(".inspect-choice--pass").click()
    page.click("#save-button")
    page.wait_for_selector("#sync-message[data-refused='1']")
    assert page.locator("#pending-count").get_attribute("data-count") == "0"
    assert Inspection.objects.count() == 1
    assert not errors


@db_in_browser
def test_online_check_shows_a_recall_first(live_server, phone_context, batch):  # noqa: F811
    issue(batch, 2)
    batch_release(batch=batch)
    batch_recall(batch=batch, reason="Dư lượng thuốc bảo vệ thực vật vượt ngưỡng", user=None)
    stamp = batch.stamps.select_related("batch").first()

    page = phone_context.new_page()
    page.goto(f"{live_server.url}/inspect/")
    page.select_option("#province", "19")  # kept for the next visits
    page.wait_for_function("() => window.ocopVerify")
    check(page, stamp.uri)
    page.wait_for_selector("#verdict[data-verdict='recalled']")
    assert page.locator("#verdict-label").inner_text() == page.evaluate(
        "JSON.parse(document.getElementById('inspect-config').textContent)"
        ".messages.verdict_recalled"
    )
    assert "Dư lượng thuốc bảo vệ thực vật" in page.locator("#verdict-reasons").inner_text()
    assert page.locator("#phone-check").get_attribute("data-verdict") == "genuine"
    assert page.locator("#product-name").inner_text() == "Chè búp La Bằng"
    assert page.locator("#scans").get_attribute("data-count") == "1"
    scan = Scan.objects.get()  # the resolver was asked, with the chosen province
    assert (scan.verdict, scan.province_code) == ("recalled", 19)

    # Not signed in: the inspection stays on the phone and the page asks to sign in.
    page.locator(".inspect-choice--suspicious").click()
    page.click("#save-button")
    page.wait_for_selector("#sign-in:not([hidden])")
    assert page.locator("#pending-count").get_attribute("data-count") == "1"
    assert page.locator("#sign-in a").get_attribute("href") == "/admin/login/?next=/inspect/"
    assert not Inspection.objects.exists()


@db_in_browser
def test_english_phone_gets_the_english_page(
    live_server, browser, _serialized_database_in_this_context
):
    context = browser.new_context(locale="en-GB", service_workers="block")
    page = context.new_page()
    page.goto(f"{live_server.url}/inspect/")
    assert page.locator("html").get_attribute("lang") == "en"
    page.click(".inspect-lang")
    page.wait_for_url("**/inspect/?lang=vi")
    assert page.locator("html").get_attribute("lang") == "vi"
    page.goto(f"{live_server.url}/inspect/")  # the choice is remembered
    assert page.locator("html").get_attribute("lang") == "vi"
    context.close()


def test_page_and_service_worker_headers(client):
    response = client.get("/inspect/")
    assert response.status_code == 200
    assert "csrftoken" in response.cookies
    assert response["Content-Language"] == "vi"
    assert {"Accept-Language", "Cookie"} <= {v.strip() for v in response["Vary"].split(",")}
    html = response.content.decode()
    assert 'id="inspect-config"' in html and "csrfmiddlewaretoken" not in html
    english = client.get("/inspect/", HTTP_ACCEPT_LANGUAGE="en")
    assert english["Content-Language"] == "en"

    worker = client.get("/inspect/sw.js")
    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("application/javascript")
    assert worker["Service-Worker-Allowed"] == "/inspect/"
    assert "no-cache" in worker["Cache-Control"]
    body = worker.content.decode()
    for asset in (
        "/static/traceability/inspect.js",
        "/static/vendor/jsqr/jsQR.js",
        "/static/vendor/noble-ed25519/index.js",
        "/.well-known/ocop-trace-keys.json",
    ):
        assert asset in body
    assert 'const CACHE = "ocop-inspect-" + CONFIG.version;' in body
    assert '"version": "v1-' in body


def qr_video(path, text: str) -> None:
    """A short Y4M clip of the stamp's QR code, for chromium's fake camera."""
    import segno

    width, height = 640, 480
    qr = segno.make_qr(text, error="m")
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=8, border=4)
    code = Image.open(io.BytesIO(buffer.getvalue())).convert("L")
    code.thumbnail((440, 440))
    frame = Image.new("L", (width, height), 235)
    frame.paste(code, ((width - code.width) // 2, (height - code.height) // 2))
    chroma = bytes([128]) * (width // 2 * height // 2)
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(10):
            out.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)


@db_in_browser
def test_camera_scan_reads_the_stamp_qr(
    live_server, browser, _serialized_database_in_this_context, stamps, tmp_path
):
    from .conftest import CHROMIUM, CHROMIUM_ARGS

    video = tmp_path / "stamp.y4m"
    qr_video(video, stamps[0].uri)
    camera_browser = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = camera_browser.new_context(
            viewport={"width": 360, "height": 740}, service_workers="block"
        )
        page = context.new_page()
        page.goto(f"{live_server.url}/inspect/")
        page.wait_for_function("() => window.ocopVerify")
        page.click("#scan-button")
        page.wait_for_function("() => document.getElementById('code').value !== ''", timeout=15_000)
        assert page.locator("#code").input_value() == stamps[0].uri
        page.wait_for_selector("#verdict[data-verdict='genuine']")
        assert page.locator("#scanner").is_hidden()  # the camera stops once it has read
        # Linux chromium has no BarcodeDetector: the vendored jsQR read the frames.
        if not page.evaluate("'BarcodeDetector' in window"):
            assert page.evaluate("typeof window.jsQR") == "function"
    finally:
        camera_browser.close()
