"""Where stamp print files live. They are secrets (whoever holds the file can print genuine
stamps), so never under MEDIA_URL: a permission-checked admin view streams them."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrintFilesStorage(FileSystemStorage):
    @property
    def base_location(self):
        return str(settings.TRACE_PRINT_FILES_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None


def print_files_storage():
    return PrintFilesStorage()
