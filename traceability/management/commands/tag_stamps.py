"""``manage.py tag_stamps [--batch LOT [--gtin GTIN]]``: row tags for stamps issued before them."""

from django.core.management.base import BaseCommand, CommandError

from traceability.issuing import tag_untagged_stamps
from traceability.selectors import BatchNotFound, find_batch


class Command(BaseCommand):
    help = (
        "Give the stamps issued before row tags (of the current signing key) their tag, after"
        " checking each signature with Ed25519, so their scans skip that check too."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", metavar="LOT", help="Only this lot (default: all).")
        parser.add_argument(
            "--gtin", metavar="GTIN", help="The product's GTIN, when two products share a lot."
        )

    def handle(self, *args, batch: str | None = None, gtin: str | None = None, **options):
        found = None
        if batch is not None:
            try:
                found = find_batch(batch, gtin)
            except BatchNotFound as exc:
                raise CommandError(str(exc)) from None

        def progress(done: int, total: int) -> None:
            self.stderr.write(f"\r{done:,}/{total:,} stamps checked", ending="")

        tagged, refused = tag_untagged_stamps(found, progress=progress)
        self.stderr.write("")
        self.stdout.write(f"{tagged} stamps tagged, {refused} refused (signature does not verify)")
        if refused:
            raise CommandError(f"{refused} stamps do not verify with the signing key: see the log.")
