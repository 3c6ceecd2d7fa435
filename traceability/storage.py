"""Where stamp print files live. They are secrets (whoever holds the file can print genuine
stamps), so never under MEDIA_URL: a permission-checked admin view streams them."""

from marketplace.storage import PrivateStorage


class PrintFilesStorage(PrivateStorage):
    root_setting = "TRACE_PRINT_FILES_ROOT"


def print_files_storage():
    return PrintFilesStorage()
