"""``manage.py issue_stamps --batch LOT --count N --out DIR``: issue stamps from the shell with
a progress bar and write the print files (PDF label sheets, CSV) into DIR."""

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from marketplace.progress import ProgressBar
from traceability.issuing import issue_stamps
from traceability.labels import LAYOUTS, print_file_stem, render_csv, render_print_file
from traceability.models import StampOrder
from traceability.selectors import BatchNotFound, find_batch
from traceability.services import TraceabilityError, stamp_order_create


class Command(BaseCommand):
    help = "Issue N signed stamps for a batch and write their print files into a folder."

    def add_arguments(self, parser):
        parser.add_argument("--batch", required=True, help="Lot code of the batch")
        parser.add_argument("--gtin", help="GTIN, when several products share the lot code")
        parser.add_argument("--count", required=True, type=int, help="Number of stamps")
        parser.add_argument("--out", required=True, help="Folder for the PDF and CSV files")
        parser.add_argument("--layout", default="a4-65", choices=sorted(LAYOUTS))
        parser.add_argument("--no-pdf", action="store_true", help="Write only the CSV")

    def handle(self, *args, batch, gtin, count, out, layout, no_pdf, **options):
        try:
            found = find_batch(batch, gtin)
        except BatchNotFound as exc:
            raise CommandError(str(exc)) from None
        out_dir = Path(out)
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CommandError(f"Cannot write to {out_dir}: {exc}") from None
        try:
            with transaction.atomic():
                order = stamp_order_create(batch=found, count=count, layout=layout, run=False)
        except (TraceabilityError, PermissionDenied) as exc:
            raise CommandError(str(exc)) from None
        bar = ProgressBar(count, "Issuing ")
        order = issue_stamps(order.pk, progress=bar)
        bar.finish()
        safe = print_file_stem(found.lot, order.first_number, order.last_number)
        csv_path = out_dir / f"{safe}.csv"
        with csv_path.open("w", encoding="utf-8", newline="") as fh:
            render_csv(order, fh)
        written = [csv_path]
        if not no_pdf:
            part_path = out_dir / f"{safe}.part"
            bar = ProgressBar(count, "Labels  ")
            with part_path.open("wb") as fh:
                kind = render_print_file(order, fh, progress=bar)
            bar.finish()
            pdf_path = part_path.rename(out_dir / f"{safe}.{kind}")
            written.append(pdf_path)
        # The admin offers the same files for download.
        for path in written:
            field = order.csv_file if path.suffix == ".csv" else order.pdf_file
            with path.open("rb") as fh:
                field.save(path.name, File(fh), save=False)
        order.status, order.rendered, order.finished_at = (
            StampOrder.Status.DONE,
            order.count,
            timezone.now(),
        )
        order.save(update_fields=["pdf_file", "csv_file", "status", "rendered", "finished_at"])
        self.stdout.write(
            self.style.SUCCESS(
                f"{order.count} stamps issued for lot {found.lot} "
                f"(numbers {order.first_number}-{order.last_number})."
            )
        )
        for path in written:
            self.stdout.write(f"  {path}")
