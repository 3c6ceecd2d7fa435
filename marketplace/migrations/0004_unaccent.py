from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    """The admin's searches fold accents in SQL (marketplace.text.Fold): PostgreSQL's
    unaccent. Nothing happens on SQLite (a Python function stands in there)."""

    dependencies = [("marketplace", "0003_cooperative_joining")]

    operations = [UnaccentExtension()]
