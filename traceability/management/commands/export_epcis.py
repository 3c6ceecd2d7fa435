"""``manage.py export_epcis --batch LOT [--gtin GTIN]``: a batch's EPCIS 2.0 document on stdout."""

import json

from django.core.management.base import BaseCommand, CommandError

from traceability.epcis import batch_document
from traceability.selectors import BatchNotFound, find_batch


class Command(BaseCommand):
    help = "Print a batch's trace events as an EPCIS 2.0 JSON-LD document (UTF-8 JSON)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", required=True, metavar="LOT", help="The lot code.")
        parser.add_argument(
            "--gtin", metavar="GTIN", help="The product's GTIN, when two products share a lot."
        )

    def handle(self, *args, batch: str, gtin: str | None = None, **options):
        try:
            found = find_batch(batch, gtin)
        except BatchNotFound as exc:
            raise CommandError(str(exc)) from None
        # The console may not be UTF-8 (e.g. LANG=C); Vietnamese notes must survive the pipe.
        reconfigure = getattr(self.stdout, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8")
        self.stdout.write(json.dumps(batch_document(found), ensure_ascii=False, indent=2))
