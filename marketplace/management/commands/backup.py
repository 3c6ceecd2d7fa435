"""``manage.py backup --out DIR``: the database (pg_dump, custom format) and the file folders
into a new folder in DIR, with a manifest (see marketplace/backups.py)."""

from django.core.management.base import BaseCommand, CommandError

from marketplace.backups import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database and the file folders into a new folder in --out."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True)

    def handle(self, *args, out: str, **options):
        try:
            target = backup(out)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(str(target))
