"""``manage.py reindex``: rebuild the product search index with a progress bar.

The database rows always; with ``ELASTICSEARCH_URL`` set, also a new versioned Elasticsearch
index that replaces the old one behind the alias in one step (``--database-only`` skips it).
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from catalog import search_index
from marketplace.progress import ProgressBar


class Command(BaseCommand):
    help = "Rebuild the product search index (database rows, and Elasticsearch when set up)."

    def add_arguments(self, parser):
        parser.add_argument("--database-only", action="store_true")

    def handle(self, *args, database_only: bool = False, **options):
        bar = ProgressBar(0, "Database     ", stream=self.stderr)
        count = search_index.rebuild(progress=bar)
        bar.finish()
        self.stdout.write(f"{count} products in the database search index.")
        if settings.ELASTICSEARCH_URL and not database_only:
            from catalog import search_es

            bar = ProgressBar(0, "Elasticsearch", stream=self.stderr)
            try:
                name = search_es.reindex(progress=bar)
            except Exception as exc:
                raise CommandError(f"Elasticsearch reindex failed: {exc}") from None
            bar.finish()
            self.stdout.write(f"Elasticsearch: alias {search_es.alias()} -> {name}.")
