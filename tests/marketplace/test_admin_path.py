"""The admin sites answer where WAGTAIL_ADMIN_PATH and DJANGO_ADMIN_PATH put them, and what
names them (robots.txt, the page cache, the storefront's sign-in link, the login URL) follows."""

import importlib
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import clear_url_caches, reverse

from ..factories import UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
WAGTAIL_AT, DJANGO_AT = "quan-tri-7f3/", "he-thong-7f3/"


def _reload_urls() -> None:
    """The URLconf reads the two settings when imported: import it again, and forget what
    was built from the old one (resolvers, the admin's menus with their links)."""
    from wagtail.admin import menu

    import marketplace.urls

    importlib.reload(marketplace.urls)
    clear_url_caches()
    for built in (menu.admin_menu, menu.settings_menu, menu.reports_menu, menu.help_menu):
        built.__dict__.pop("registered_menu_items", None)


@contextmanager
def admin_at(wagtail: str, django: str):
    try:
        with override_settings(WAGTAIL_ADMIN_PATH=wagtail, DJANGO_ADMIN_PATH=django):
            _reload_urls()
            yield
    finally:
        _reload_urls()


@pytest.fixture
def moved():
    with admin_at(WAGTAIL_AT, DJANGO_AT):
        yield


def test_the_admins_answer_at_their_new_paths_and_the_old_ones_are_gone(client, tree, moved):
    assert client.get(f"/{WAGTAIL_AT}login/").status_code == 200
    assert client.get(f"/{DJANGO_AT}login/").status_code == 200
    for old in ("/admin/", "/admin/login/", "/django-admin/", "/django-admin/login/"):
        assert client.get(old).status_code == 404, old
    staff = UserFactory(username="office", is_staff=True, is_superuser=True)
    client.force_login(staff)
    home = client.get(f"/{WAGTAIL_AT}")
    assert home.status_code == 200
    assert f'href="/{WAGTAIL_AT}pages/' in home.content.decode()  # its own links follow
    assert client.get(f"/{DJANGO_AT}").status_code == 200
    assert client.get("/admin/pages/").status_code == 404


def test_anonymous_visitors_are_sent_to_the_moved_sign_in(client, tree, moved):
    response = client.get(f"/{WAGTAIL_AT}")
    assert response.status_code == 302
    assert response.url.startswith(f"/{WAGTAIL_AT}login/")
    assert reverse("wagtailadmin_login") == f"/{WAGTAIL_AT}login/"


def test_robots_txt_names_the_moved_admins(client, tree, moved):
    lines = client.get("/robots.txt").content.decode().splitlines()
    assert f"Disallow: /{WAGTAIL_AT}" in lines and f"Disallow: /{DJANGO_AT}" in lines
    assert "Disallow: /admin/" not in lines and "Disallow: /django-admin/" not in lines


def test_storefront_links_and_the_page_cache_follow(client, tree, moved):
    from marketplace.pagecache import _cacheable_request

    html = client.get("/").content.decode()
    assert f'href="/{WAGTAIL_AT}"' in html and 'href="/admin/"' not in html
    inspect = client.get("/inspect/").content.decode()
    assert f"/{WAGTAIL_AT}login/?next=/inspect/" in inspect

    def cacheable(path):
        return _cacheable_request({"REQUEST_METHOD": "GET", "PATH_INFO": path})

    assert not cacheable(f"/{WAGTAIL_AT}") and not cacheable(f"/{DJANGO_AT}login/")
    assert cacheable("/admin/")  # a storefront path like any other now


def test_the_defaults_are_back_after_a_move(client, tree):
    with admin_at(WAGTAIL_AT, DJANGO_AT):
        pass
    assert reverse("wagtailadmin_home") == "/admin/"
    assert reverse("admin:index") == "/django-admin/"
    assert "Disallow: /admin/" in client.get("/robots.txt").content.decode()


def _django(env: dict, code: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.endswith("_ADMIN_PATH")}
    clean.update(env, DJANGO_SETTINGS_MODULE="marketplace.settings.test")
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{code}"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
    )


def test_the_paths_come_from_the_environment():
    result = _django(
        {"WAGTAIL_ADMIN_PATH": "/quan-tri-7f3", "DJANGO_ADMIN_PATH": "he-thong/7f3/"},
        "from django.shortcuts import resolve_url\n"
        "from django.conf import settings\n"
        "from django.urls import reverse\n"
        "print(reverse('wagtailadmin_home'), reverse('admin:index'),"
        " resolve_url(settings.LOGIN_URL))",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["/quan-tri-7f3/", "/he-thong/7f3/", "/quan-tri-7f3/login/"]


@pytest.mark.parametrize(
    "env",
    [
        {"WAGTAIL_ADMIN_PATH": "../etc"},
        {"WAGTAIL_ADMIN_PATH": "quan tri/"},
        {"WAGTAIL_ADMIN_PATH": "/"},
        {"WAGTAIL_ADMIN_PATH": "cart/"},  # the storefront's own
        {"DJANGO_ADMIN_PATH": "en/admin/"},  # the English storefront
        {"DJANGO_ADMIN_PATH": "admin/django/"},  # inside the Wagtail admin
        {"WAGTAIL_ADMIN_PATH": "x/./y"},
    ],
)
def test_paths_that_would_break_the_site_are_refused(env):
    result = _django(env, "")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "_ADMIN_PATH" in result.stderr
