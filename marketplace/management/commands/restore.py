"""``manage.py restore --from BACKUP [--database-url URL]``: a backup folder into an empty
database and empty file folders; every file is checked against the manifest first."""

from django.core.management.base import BaseCommand, CommandError

from marketplace.backups import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup folder (manage.py backup) into an empty database and folders."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="source", required=True)
        parser.add_argument("--database-url", default=None)

    def handle(self, *args, source: str, database_url: str | None, **options):
        try:
            manifest = restore(source, database_url=database_url)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"restored the backup taken at {manifest['taken_at']}")
