"""Browser journeys: Playwright driving Debian's chromium (Playwright cannot download browsers
here). `.ci/run` installs chromium with apt; without it these tests are reported as skipped."""

import os
import shutil
from contextlib import contextmanager

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        # Starting Playwright can swap the test thread's connection object: give the new one
        # the snapshot at once, before any test's serialized rollback needs it.
        _attach_serialized_snapshot()
        yield browser
        browser.close()


_serialized = {}


@pytest.fixture(scope="session", autouse=True)
def _remember_serialized_database(django_db_setup):
    """Keep the migrated database's snapshot that ``serialized_rollback`` restores.

    Django keeps it on the connection object, and connection objects are context-local:
    once Playwright's greenlets run, the test code can see a fresh connection object
    without it (the first DB test may have run before the browser started).
    """
    from django.db import connections

    contents = getattr(connections["default"], "_test_serialized_contents", None)
    if contents:
        _serialized["default"] = contents


def _attach_serialized_snapshot() -> None:
    from django.db import connections

    if "default" in _serialized and not getattr(
        connections["default"], "_test_serialized_contents", None
    ):
        connections["default"]._test_serialized_contents = _serialized["default"]


@pytest.fixture
def _serialized_database_in_this_context(browser):
    _attach_serialized_snapshot()


@contextmanager
def browser_tab(browser, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def phone(browser, _serialized_database_in_this_context):
    with browser_tab(browser, 360, 740) as page:
        yield page


@pytest.fixture
def desktop(browser, _serialized_database_in_this_context):
    with browser_tab(browser, 1280, 900) as page:
        yield page
