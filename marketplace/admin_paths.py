"""Where the two admin sites answer: ``WAGTAIL_ADMIN_PATH`` and ``DJANGO_ADMIN_PATH``.

Read when asked (never copied into a module constant), so robots.txt, the page cache and the
storefront follow the settings, in tests that change them too.
"""

from django.conf import settings


def admin_prefixes() -> tuple[str, str]:
    """The Wagtail admin's and Django admin's path prefixes: ``("/admin/", "/django-admin/")``
    by default."""
    return f"/{settings.WAGTAIL_ADMIN_PATH}", f"/{settings.DJANGO_ADMIN_PATH}"


def is_admin_path(path: str) -> bool:
    return path.startswith(admin_prefixes())
