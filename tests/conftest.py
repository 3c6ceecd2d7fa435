from types import SimpleNamespace

import pytest
from django.conf import settings

from cms.models import CooperativeIndexPage

from .factories import CategoryFactory, add_category_page, add_cooperative_page, build_home


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TRACE_PRINT_FILES_ROOT = tmp_path / "private-media"


@pytest.fixture(autouse=True)
def _vietnamese_first():
    """Requests activate their own language; code outside a request starts in Vietnamese."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


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


def pytest_report_header(config):
    return f"database: {settings.DATABASES['default']['ENGINE']}"
