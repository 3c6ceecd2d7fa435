"""Private files: never under MEDIA_URL, streamed by permission-checked views only.

Cooperatives' registration documents (personal and business papers) live under
``PRIVATE_FILES_ROOT``; stamp print files under ``TRACE_PRINT_FILES_ROOT``
(``traceability.storage``). Production refuses either inside a publicly served folder.

With ``PRIVATE_FILES_BUCKET`` set, both go to that S3-compatible bucket instead (objects
private, under ``documents/`` and ``print-files/``), so web processes and stamp workers on
different machines share them; the views stream them the same way.
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """A folder named by a setting (read when used, so tests may change it); no URL."""

    root_setting = "PRIVATE_FILES_ROOT"

    def __init__(self, root_setting: str | None = None, **kwargs):
        if root_setting:
            self.root_setting = root_setting
        super().__init__(**kwargs)

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        return path, args, {**kwargs, "root_setting": self.root_setting}

    @property
    def base_location(self):
        return str(getattr(settings, self.root_setting))

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None


PREFIXES = {"PRIVATE_FILES_ROOT": "documents", "TRACE_PRINT_FILES_ROOT": "print-files"}


def private_bucket_storage(root_setting: str):
    """The private bucket's storage for what ``root_setting`` would hold on disk."""
    from storages.backends.s3 import S3Storage

    return S3Storage(
        bucket_name=settings.PRIVATE_FILES_BUCKET,
        location=PREFIXES[root_setting],
        default_acl="private",
        querystring_auth=True,  # no object of this bucket has a usable plain URL
        custom_domain=None,
        file_overwrite=False,
        object_parameters={"CacheControl": "private, no-store"},
    )


def private_storage(root_setting: str):
    """Where private files of ``root_setting`` go: the private bucket when one is set (read
    when a model is loaded, as Django evaluates a field's storage callable then), else the
    folder."""
    if getattr(settings, "PRIVATE_FILES_BUCKET", ""):
        return private_bucket_storage(root_setting)
    return PrivateStorage(root_setting)


def private_files_storage():
    return private_storage("PRIVATE_FILES_ROOT")
