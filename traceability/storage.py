"""Where stamp print files live. They are secrets (whoever holds the file can print genuine
stamps), so never under MEDIA_URL: a permission-checked admin view streams them."""

from marketplace.storage import PrivateStorage


class PrintFilesStorage(PrivateStorage):
    root_setting = "TRACE_PRINT_FILES_ROOT"


def print_files_storage():
    from django.conf import settings

    from marketplace.storage import private_bucket_storage

    if getattr(settings, "PRIVATE_FILES_BUCKET", ""):  # shared by web and stamp workers
        return private_bucket_storage("TRACE_PRINT_FILES_ROOT")
    return PrintFilesStorage()
