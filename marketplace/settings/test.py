"""Test settings: the database comes from DATABASE_URL (PostgreSQL in CI), tasks run eagerly."""

from .base import *  # noqa: F403

DEBUG = False
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = "memory://"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WAGTAILADMIN_BASE_URL = "http://testserver"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
TRACE_SCAN_FLUSH_SIZE = 1  # tests that prove buffering raise it
# The page cache has its own tests (they turn it on); elsewhere pages render every time.
PAGE_CACHE_SECONDS = 0
CARD_CACHE_SECONDS = 0
# Test transactions never commit, so outbox rows would never be sent: Wagtail's index
# updates run at once here (the Celery backend has its own test).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
