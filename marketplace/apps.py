from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_role_groups(sender, **kwargs) -> None:
    from .roles import ensure_role_groups

    ensure_role_groups()


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = _("Marketplace")

    def ready(self) -> None:
        # Permissions exist only after migrate has run, so role groups are completed then.
        post_migrate.connect(_ensure_role_groups, dispatch_uid="marketplace.ensure_role_groups")
        # The admin's accent-folding search (marketplace.text.Fold) on SQLite.
        from .text import register_sqlite_fold

        connection_created.connect(register_sqlite_fold, dispatch_uid="marketplace.sqlite_fold")
        # Wagtail's profile-picture upload gets the image limits (marketplace.uploads), and
        # its CSV exports no cell a spreadsheet would run as a formula (marketplace.reports).
        from .reports import neutralise_wagtail_csv_exports
        from .uploads import limit_avatar_uploads

        limit_avatar_uploads()
        neutralise_wagtail_csv_exports()
