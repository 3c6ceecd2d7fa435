"""Every journey works under the Content-Security-Policy (marketplace/csp.py), in headless
Chromium: the storefront, checkout by transfer and by card with Stripe.js (localstripe's), the
inspector with its service worker, the resolver and the admin. Each page reports to the test
whatever the policy refused (``securitypolicyviolation`` events, in every frame, kept across
navigations) and Chromium's console lines about it; none may come."""

import re

import pytest
from django.urls import reverse

from marketplace.models import Cooperative
from traceability.admin_views import URL_NAMESPACE
from traceability.models import StampOrder
from traceability.services import batch_release

from ..factories import CooperativeFactory, UserFactory, add_cooperative_page, add_product
from ..traceability.conftest import batch, issue, product, variant  # noqa: F401
from .test_checkout_browser import fill_cart_and_check_out
from .test_inspector_offline import check, controlled_by_service_worker

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PASSWORD = "Csp-kiem-tra-2026"

WATCH = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolation({
    page: location.pathname,
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    source: event.sourceFile + ":" + event.lineNumber,
    sample: event.sample,
  });
});
window.print = () => { document.documentElement.dataset.printed = "yes"; };
"""


class Watched:
    """A browser tab whose policy violations and console complaints are collected."""

    def __init__(self, context):
        self.context = context
        self.violations: list[dict] = []
        self.console: list[str] = []
        context.expose_binding(
            "__cspViolation", lambda source, details: self.violations.append(details)
        )
        context.add_init_script(WATCH)
        self.page = context.new_page()
        self.page.on("console", self._console)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(message.text)

    def assert_clean(self) -> None:
        self.page.wait_for_timeout(300)  # events are dispatched as tasks: let them arrive
        assert self.violations == [], self.violations
        assert self.console == [], self.console


@pytest.fixture
def watched(browser, _serialized_database_in_this_context):
    def open_tab(**options):
        context = browser.new_context(locale="vi-VN", **options)
        contexts.append(context)
        return Watched(context)

    contexts = []
    yield open_tab
    for context in contexts:
        context.close()


@pytest.fixture
def shop(tree):
    tree.tea = add_product(
        tree.coop_page, title="Chè búp La Bằng", price=125_000, stock=20, is_featured=True
    )
    honey_coop = CooperativeFactory(name="HTX Mật ong Bắc Kạn", slug="htx-mat-ong")
    tree.honey = add_product(
        add_cooperative_page(tree.index, honey_coop), title="Mật ong hoa rừng", price=250_000
    )
    return tree


def test_storefront_browsing_search_and_cart(live_server, watched, shop):
    tab = watched(viewport={"width": 360, "height": 740})
    page, base = tab.page, live_server.url
    response = page.goto(base + "/")
    assert "script-src 'self';" in response.headers["content-security-policy"]
    page.goto(base + shop.category_page.url)
    page.goto(base + shop.tea.url)
    assert page.locator("h1").inner_text() == "Chè búp La Bằng"
    # Suggestions as the shopper types (autocomplete.js fetches /search/suggest/).
    page.locator("#site-search").press_sequentially("che bup")
    page.wait_for_selector(".suggestions:not([hidden]) .suggestion")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=che+bup")
    assert "Chè búp La Bằng" in page.locator(".product-card__title").all_inner_texts()
    page.goto(base + shop.tea.url)
    page.click(".add-to-cart button")
    page.wait_for_url("**/cart/")
    assert page.locator("[data-cart-count]").inner_text() == "1"  # cart-count.js read it
    page.goto(base + "/en/")
    page.goto(base + "/cooperatives/register/")
    tab.assert_clean()


def test_checkout_by_bank_transfer(live_server, watched, shop):
    tab = watched(viewport={"width": 360, "height": 740})
    fill_cart_and_check_out(tab.page, live_server.url, shop, "vietqr")  # ward-picker.js
    assert tab.page.locator(".vietqr-code svg").is_visible()
    tab.page.wait_for_timeout(3500)  # order.js polls the order's status once
    tab.assert_clean()


def test_checkout_by_card_with_stripe_js(live_server, watched, shop, settings, localstripe):
    settings.STRIPE_SECRET_KEY = "sk_test_ocop"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_ocop"
    settings.STRIPE_API_BASE = localstripe
    settings.STRIPE_JS_URL = f"{localstripe}/js.stripe.com/v3/"
    tab = watched(viewport={"width": 360, "height": 740})
    page = tab.page
    fill_cart_and_check_out(page, live_server.url, shop, "card")
    card = page.locator("#card-element")
    card.locator("input[placeholder=number]").fill("4242424242424242")
    card.locator("input[placeholder=exp_month]").fill("12")
    card.locator("input[placeholder=exp_year]").fill("30")
    card.locator("input[placeholder=cvc]").fill("123")
    page.click("#card-pay")
    # Stripe.js (localstripe's) took the card and our server charged it: nothing was refused.
    page.wait_for_selector("#card-waiting:not([hidden])", timeout=20_000)
    assert page.locator("#card-errors").inner_text() == ""
    tab.assert_clean()


@pytest.fixture
def stamps(batch):  # noqa: F811
    issue(batch, 2)
    batch_release(batch=batch)
    return list(batch.stamps.select_related("batch").order_by("number"))


def test_inspector_with_its_service_worker_and_the_resolver(live_server, watched, stamps):
    tab = watched(viewport={"width": 360, "height": 740})
    page = tab.page
    page.goto(f"{live_server.url}/inspect/")
    controlled_by_service_worker(page)  # registered, installed (its cache filled), in control
    page.wait_for_function("() => window.ocopVerify")
    assert check(page, stamps[0].uri) == "genuine"  # Ed25519 in the browser, then the server
    page.wait_for_selector("#scans[data-count]")
    assert (
        page.evaluate("u => window.ocopVerify(u, {engine: 'noble'})", stamps[0].uri)["verdict"]
        == "GENUINE"
    )  # the vendored module, imported on demand
    page.set_input_files(
        "#photo", {"name": "a.png", "mimeType": "image/png", "buffer": _png()}
    )  # its preview is a blob: URL
    page.reload()  # served by the service worker, with the policy it kept
    page.wait_for_function("() => window.ocopVerify")
    # The page a phone's camera opens.
    page.goto(stamps[1].uri.replace("http://127.0.0.1:8000", live_server.url))
    assert page.locator("html").get_attribute("lang") == "vi"
    tab.assert_clean()


def _png() -> bytes:
    from .test_inspector_offline import png_bytes

    return png_bytes()


@pytest.fixture
def admin_world(tree, batch):  # noqa: F811
    tree.cooperative.bank_bin, tree.cooperative.bank_account_number = "970405", "3100205123456"
    tree.cooperative.bank_account_name = "HTX CHE LA BANG"
    tree.cooperative.save()
    issue(batch, 3)
    # An order still being issued: the stamps page polls its progress (batch-stamps.js).
    StampOrder.objects.create(
        batch=batch,
        count=5,
        first_number=4,
        status=StampOrder.Status.QUEUED,
    )
    UserFactory(username="quan-tri", password=PASSWORD, is_superuser=True, is_staff=True)
    tree.batch = batch
    return tree


def test_admin_journeys(live_server, watched, admin_world):
    tab = watched(viewport={"width": 1280, "height": 900})
    page, base = tab.page, live_server.url
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", "quan-tri")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/admin/")
    page.wait_for_load_state("networkidle")  # the dashboard's panels and charts

    # The page editor (rich text, inline panels, date pickers), then its live preview.
    page.goto(f"{base}/admin/pages/{admin_world.batch.variant.page_id}/edit/")
    page.wait_for_selector("form#page-edit-form")
    page.click('button[data-side-panel-toggle="preview"]')
    preview = page.frame_locator("#w-preview-iframe")
    preview.locator("h1").first.wait_for(timeout=15_000)

    # A snippet listing and its edit form (the commune picker).
    cooperatives = reverse(Cooperative.snippet_viewset.get_url_name("list"))
    page.goto(base + cooperatives)
    page.wait_for_selector("table.listing")
    page.goto(
        base
        + reverse(
            Cooperative.snippet_viewset.get_url_name("edit"), args=[admin_world.cooperative.pk]
        )
    )
    page.wait_for_load_state("networkidle")

    # A cooperative's batch: its edit form (trace events inline) and its stamps page.
    page.goto(base + reverse(f"{URL_NAMESPACE}:edit", args=[admin_world.batch.pk]))
    page.wait_for_load_state("networkidle")
    with page.expect_request(re.compile(r".*/orders/\d+/progress/")):
        page.goto(base + reverse(f"{URL_NAMESPACE}:stamps", args=[admin_world.batch.pk]))
    assert page.locator(".trace-admin-facts dt").first.evaluate(
        "e => getComputedStyle(e).fontWeight"
    ) in ("700", "bold")  # traceability/admin.css

    # The market-stall VietQR page and its print button (stall-vietqr.js, no onclick).
    page.goto(base + reverse("orders_stall_vietqr"))
    assert page.locator(".stall-qr__code svg").is_visible()
    page.click("button[data-print]")
    page.wait_for_selector("html[data-printed=yes]")
    tab.assert_clean()
