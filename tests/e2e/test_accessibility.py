"""Every storefront, resolver and inspector page passes axe-core, the engine behind Lighthouse's
accessibility audit: WCAG 2.0/2.1 A and AA plus axe's best practices, on a phone (360 by 740 at
device scale 2, like Lighthouse mobile) and on a desktop, in Vietnamese and in English.

axe-core comes from npm, pinned by its integrity hash (``tasks.py``, ``ensure_axe_core``), into
the virtualenv. The demo market (``load_demo``, what Lighthouse was run on) is loaded once for
the module and one live server serves it: the pages only read it. The tests carry no database
marker, so pytest-django runs them after its database tests, and the module restores and then
flushes the database around itself as one transactional test would (a flushed and reloaded
database and a fresh demo per page would take many minutes).
"""

import io
import json
import sys
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.management import call_command
from django.test import TransactionTestCase, override_settings
from django.test.utils import setup_databases, teardown_databases
from PIL import Image as PILImage

from .conftest import _attach_serialized_snapshot

AXE = Path(sys.prefix) / "share" / "axe-core-4.14.1" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
VIEWPORTS = {
    "phone": {
        "viewport": {"width": 360, "height": 740},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}
LOCALES = {"vi": "vi-VN", "en": "en-US"}
GENUINE_SERIAL = "DEMOLB2603A00001"
RECALLED_SERIAL = "DEMONLH2608R0001"


class _DemoMarket(TransactionTestCase):
    """The database life cycle of a browser test (the migrated data restored, flushed after),
    spanning the whole module instead of one test."""

    __test__ = False
    serialized_rollback = True

    def runTest(self):  # unittest wants a test method to build the case
        pass


@pytest.fixture(autouse=True)
def _media_root():
    """The module keeps one media folder (the demo's photos), set up with the market."""


@contextmanager
def _test_database(keepdb: bool):
    """The test database. pytest-django creates it for the tests that ask for a database (by
    marker or fixture); these share one for the module, so when they run alone, without such
    a test, they create it here."""
    from django.db import connection

    if connection.settings_dict["NAME"] == connection.creation._get_test_db_name():
        yield
        return
    created = setup_databases(
        verbosity=0,
        interactive=False,
        aliases={"default"},
        serialized_aliases={"default"},
        keepdb=keepdb,
    )
    try:
        yield
    finally:
        teardown_databases(created, verbosity=0, keepdb=keepdb)


@pytest.fixture(scope="module")
def market(django_db_setup, django_db_blocker, django_db_keepdb, browser, tmp_path_factory):
    from pytest_django.live_server_helper import LiveServer

    media = tmp_path_factory.mktemp("a11y-media")
    folders = override_settings(
        MEDIA_ROOT=media / "media",
        TRACE_PRINT_FILES_ROOT=media / "private-media",
        PRIVATE_FILES_ROOT=media / "private-files",
    )
    with django_db_blocker.unblock(), _test_database(django_db_keepdb), folders:
        _attach_serialized_snapshot()
        case = _DemoMarket()
        case._pre_setup()
        try:
            with (
                mock.patch("cms.demo.loader.render_product_image", _small_png),
                mock.patch("cms.demo.loader.render_banner", _small_png),
            ):
                call_command("load_demo", stdout=io.StringIO())
            urls = _market_urls()
            server = LiveServer("localhost")
            server._live_server_modified_settings.enable()
            try:
                yield SimpleNamespace(base=server.url, **urls)
            finally:
                server._live_server_modified_settings.disable()
                server.stop()
        finally:
            case._post_teardown()


def _small_png(*args, **kwargs) -> bytes:
    """The demo's photos are drawn with Pillow (half a minute for all); a page's accessibility
    depends on its alt texts, not on the pixels."""
    buffer = io.BytesIO()
    PILImage.new("RGB", (32, 32), (40, 120, 60)).save(buffer, "PNG")
    return buffer.getvalue()


def _market_urls() -> dict:
    from catalog.models import ProductPage
    from cms.models import (
        ArticleIndexPage,
        ArticlePage,
        CategoryPage,
        CooperativeIndexPage,
        RegionPage,
    )
    from orders.links import tracking_path
    from orders.models import Order
    from orders.services import CheckoutLine, Customer, place_order
    from traceability.models import Stamp

    tea = ProductPage.objects.live().get(title="Chè búp La Bằng")
    variant = tea.variants.order_by("pk").first()
    transfer = place_order(
        lines=[CheckoutLine(variant.pk, 2, variant.price)],
        customer=Customer(
            full_name="Trần Văn Minh",
            phone="0987654321",
            email="minh@example.com",
            province_code=1,
            ward_code=4,
            address_line="5 Phố Huế",
            delivery_note="",
        ),
        payment_method="vietqr",
        user=None,
    )
    genuine = Stamp.objects.get(serial=GENUINE_SERIAL)
    recalled = Stamp.objects.get(serial=RECALLED_SERIAL)
    # A well-formed code that was never issued (the resolver answers FORGED, 404).
    unknown = genuine.uri.replace(GENUINE_SERIAL, "ZZUNKNOWN0000001")
    head, signature = genuine.uri.rsplit(".", 1)
    changed = "B" if signature[10] != "B" else "C"  # a character all of whose bits count
    forged = f"{head}.{signature[:10]}{changed}{signature[11:]}"
    return {
        "home": "/",
        "category": CategoryPage.objects.live().get(category__slug="tea").url,
        "product": tea.url,
        "cooperative": tea.get_parent().url,
        "cooperatives": CooperativeIndexPage.objects.live().first().url,
        "region": RegionPage.objects.live().order_by("path").first().url,
        "stories": ArticleIndexPage.objects.live().first().url,
        "story": ArticlePage.objects.live().order_by("path").first().url,
        "transfer_order": tracking_path(transfer),
        "cod_order": tracking_path(Order.objects.get(number="DHDEMQ2345")),
        "genuine": _path(genuine.uri),
        "recalled": _path(recalled.uri),
        "forged": _path(forged),
        "unknown": _path(unknown),
    }


def _path(uri: str) -> str:
    return "/" + uri.split("://", 1)[1].split("/", 1)[1]


# --- what each test opens ---------------------------------------------------------------


def _localized(language: str, path: str) -> str:
    """Storefront pages: Vietnamese at "/", English under "/en/"."""
    return path if language == "vi" else "/en" + path


def _open(tab, market, path: str) -> None:
    response = tab.goto(market.base + path)
    assert response is not None


def _add_to_cart(tab, market, language: str) -> None:
    _open(tab, market, _localized(language, market.product))
    with tab.expect_navigation():
        tab.locator(".add-to-cart button").first.click()
    assert "/cart/" in tab.url


def storefront(name: str, query: str = ""):
    def visit(tab, market, language):
        _open(tab, market, _localized(language, getattr(market, name)) + query)

    return visit


def fixed(path: str):
    def visit(tab, market, language):
        _open(tab, market, _localized(language, path))

    return visit


def stamp(name: str):
    """The resolver lives outside the language prefix: the phone's language chooses."""

    def visit(tab, market, language):
        _open(tab, market, getattr(market, name))

    return visit


def cart_with_an_item(tab, market, language):
    _add_to_cart(tab, market, language)  # lands on the cart, with its "added" message


def checkout_form(tab, market, language):
    _add_to_cart(tab, market, language)
    _open(tab, market, _localized(language, "/checkout/"))


def checkout_with_errors(tab, market, language):
    checkout_form(tab, market, language)
    with tab.expect_navigation():
        tab.locator(".checkout-form button[type=submit]").last.click()
    assert tab.locator(".field-error").count() > 0


def registration_with_errors(tab, market, language):
    _open(tab, market, _localized(language, "/cooperatives/register/"))
    with tab.expect_navigation():
        tab.locator(".register-form button[type=submit]").last.click()
    assert tab.locator(".field-error").count() > 0


def signed_in(path: str):
    """A shopper's own pages: signed in as the demo shopper first."""

    def visit(tab, market, language):
        _open(tab, market, _localized(language, "/account/login/"))
        tab.fill("#id_username", "shopper")
        tab.fill("#id_password", "ocop-demo-2026")
        with tab.expect_navigation():
            tab.locator("form button[type=submit]").last.click()
        _open(tab, market, _localized(language, path))

    return visit


def password_change_with_errors(tab, market, language):
    signed_in("/account/password/")(tab, market, language)
    tab.fill("#id_old_password", "not-the-password")
    tab.fill("#id_new_password1", "Mien-Dong-2027")
    tab.fill("#id_new_password2", "Mien-Dong-2027")
    with tab.expect_navigation():
        tab.locator("form button[type=submit]").last.click()
    assert tab.locator(".field-error").count() > 0


def tampered_order_link(tab, market, language):
    _open(tab, market, _localized(language, market.transfer_order[:-1] + "x"))
    assert tab.locator("h1").count() == 1


def inspector(tab, market, language):
    _open(tab, market, f"/inspect/?lang={language}")
    tab.wait_for_function("window.ocopVerify")


def inspector_with_a_verdict(tab, market, language):
    inspector(tab, market, language)
    tab.fill("#code", market.base + market.recalled)
    tab.click("#check-button")
    tab.wait_for_function("document.getElementById('verdict').dataset.verdict !== ''")
    # The server's answer (the recall) follows the phone's own check.
    tab.wait_for_function(
        "['done', 'error'].includes(document.getElementById('server-status').dataset.state)"
    )


BOTH = ("vi", "en")
PAGES = {
    "home": (storefront("home"), BOTH),
    "category": (storefront("category"), BOTH),
    "category-filtered": (storefront("category", "?stars=4"), ("vi",)),
    "product": (storefront("product"), BOTH),
    "cooperative": (storefront("cooperative"), BOTH),
    "cooperatives": (storefront("cooperatives"), ("vi",)),
    "region": (storefront("region"), ("vi",)),
    "stories": (storefront("stories"), ("vi",)),
    "story": (storefront("story"), BOTH),
    "search-results": (fixed("/search/?q=che+la+bang"), BOTH),
    "search-no-results": (fixed("/search/?q=xyzqw+plokij"), BOTH),
    "cart-empty": (fixed("/cart/"), BOTH),
    "cart-with-item": (cart_with_an_item, BOTH),
    "checkout": (checkout_form, BOTH),
    "checkout-errors": (checkout_with_errors, BOTH),
    "order-transfer": (storefront("transfer_order"), BOTH),
    "order-cash": (storefront("cod_order"), ("vi",)),
    "login": (fixed("/account/login/"), BOTH),
    "signup": (fixed("/account/signup/"), BOTH),
    "account": (signed_in("/account/"), BOTH),
    "password-change": (signed_in("/account/password/"), ("vi",)),
    "password-change-errors": (password_change_with_errors, BOTH),
    "account-delete": (signed_in("/account/delete/"), BOTH),
    "password-reset": (fixed("/account/password/reset/"), BOTH),
    "password-reset-sent": (fixed("/account/password/reset/sent/"), ("vi",)),
    "password-reset-bad-link": (fixed("/account/password/reset/MQ/set-password/"), BOTH),
    "email-confirm-bad-link": (fixed("/account/confirm/not-a-token/"), ("vi",)),
    "order-link-invalid": (tampered_order_link, ("vi",)),
    "cooperative-register": (fixed("/cooperatives/register/"), BOTH),
    "cooperative-register-errors": (registration_with_errors, BOTH),
    "cooperative-registered": (fixed("/cooperatives/register/thanks/"), ("vi",)),
    "cooperative-join-invalid": (fixed("/cooperatives/join/not-a-token/"), ("vi",)),
    "stamp-genuine": (stamp("genuine"), BOTH),
    "stamp-recalled": (stamp("recalled"), BOTH),
    "stamp-forged": (stamp("forged"), ("vi",)),
    "stamp-unknown": (stamp("unknown"), BOTH),
    "inspector": (inspector, BOTH),
    "inspector-verdict": (inspector_with_a_verdict, BOTH),
    "not-found": (fixed("/khong-co-trang-nay/"), BOTH),
    "bad-request": (fixed("/search/?q=che%00"), ("vi",)),
}
CASES = [
    pytest.param(name, language, viewport, id=f"{name}-{language}-{viewport}")
    for name, (_, languages) in PAGES.items()
    for language in languages
    for viewport in VIEWPORTS
]


def axe_violations(tab) -> list[dict]:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `python3 tasks.py test` (it fetches it from npm)")
    tab.add_script_tag(path=str(AXE))
    return tab.evaluate(
        """tags => axe.run(document, {
                runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
            })
            .then(result => result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary})),
            })))""",
        AXE_TAGS,
    )


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    {json.dumps(node['target'], ensure_ascii=False)}: {summary}")
    return "\n".join(lines)


@pytest.mark.parametrize(("name", "language", "viewport"), CASES)
def test_page_has_no_accessibility_violations(market, browser, name, language, viewport):
    visit, _ = PAGES[name]
    # bypass_csp: axe is injected as an inline script, which the site's policy refuses.
    context = browser.new_context(locale=LOCALES[language], bypass_csp=True, **VIEWPORTS[viewport])
    try:
        tab = context.new_page()
        visit(tab, market, language)
        assert tab.locator("html").get_attribute("lang") == language
        violations = axe_violations(tab)
        url = tab.url
    finally:
        context.close()
    assert not violations, f"{url}\n{describe(violations)}"
