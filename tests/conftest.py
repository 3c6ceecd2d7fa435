import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings

from cms.models import CooperativeIndexPage

from .factories import CategoryFactory, add_category_page, add_cooperative_page, build_home


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TRACE_PRINT_FILES_ROOT = tmp_path / "private-media"
    settings.PRIVATE_FILES_ROOT = tmp_path / "private-files"


@pytest.fixture(autouse=True)
def _vietnamese_first():
    """Requests activate their own language; code outside a request starts in Vietnamese."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _celery_join_flag():
    """Eager Celery marks "inside a task" in a process-wide flag that it saves and restores
    around each eager call; eager calls in concurrent threads (the checkout race, the live
    server) can restore it in the wrong order and leave it set. Start each test clean."""
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)
    yield
    _set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def tree(db):
    """Home -> Cooperatives -> one cooperative; plus a tea category page."""
    home = build_home()
    index = CooperativeIndexPage(title="Hợp tác xã", slug="hop-tac-xa")
    home.add_child(instance=index)
    index.save_revision().publish()
    coop_page = add_cooperative_page(index)
    category = CategoryFactory()
    category_page = add_category_page(home, category)
    return SimpleNamespace(
        home=home,
        index=index,
        coop_page=coop_page,
        cooperative=coop_page.cooperative,
        category=category,
        category_page=category_page,
    )


@contextmanager
def local_server(argv_for_port, ready_path: str, name: str):
    """Run a test peer (localstripe, moto's S3 server) on a free loopback port until it
    answers ``ready_path``; yield its base URL; stop it afterwards."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        argv_for_port(port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{base}{ready_path}", timeout=2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"{name} did not start")
            time.sleep(0.2)
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def localstripe():
    """localstripe (PyPI) on a free loopback port for the whole run; its URL."""
    executable = shutil.which("localstripe") or str(Path(sys.executable).parent / "localstripe")
    with local_server(
        lambda port: [executable, "--port", str(port), "--from-scratch"],
        "/js.stripe.com/v3/",
        "localstripe",
    ) as base:
        yield base


def pytest_report_header(config):
    return f"database: {settings.DATABASES['default']['ENGINE']}"
