"""Private files: never under MEDIA_URL, streamed by permission-checked views only.

Cooperatives' registration documents (personal and business papers) live under
``PRIVATE_FILES_ROOT``; stamp print files under ``TRACE_PRINT_FILES_ROOT``
(``traceability.storage``). Production refuses either inside a publicly served folder.
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


def private_files_storage():
    return PrivateStorage("PRIVATE_FILES_ROOT")
