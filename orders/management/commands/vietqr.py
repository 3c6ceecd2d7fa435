"""``manage.py vietqr --cooperative SLUG [--amount N --purpose TEXT]``: print the VietQR
payload of a cooperative's own account (a market stall's static code without --amount)."""

from django.core.management.base import BaseCommand, CommandError

from marketplace.models import Cooperative
from orders import vietqr


class Command(BaseCommand):
    help = "Print the VietQR (EMVCo) payload for a cooperative's bank account."

    def add_arguments(self, parser):
        parser.add_argument("--cooperative", required=True, help="the cooperative's slug")
        parser.add_argument("--amount", type=int, help="whole đồng (omit for a static code)")
        parser.add_argument("--purpose", default="", help="transfer content (folded to ASCII)")
        parser.add_argument("--svg", help="also write the QR code as SVG to this file")

    def handle(self, *args, cooperative, amount, purpose, svg, **options):
        coop = Cooperative.objects.filter(slug=cooperative).first()
        if coop is None:
            raise CommandError(f"No cooperative with slug {cooperative!r}.")
        if amount is not None and amount <= 0:
            raise CommandError("The amount must be a positive number of đồng.")
        try:
            transfer = vietqr.cooperative_transfer(coop, amount=amount, purpose=purpose)
        except vietqr.VietQRError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(transfer.payload)
        if svg:
            with open(svg, "w", encoding="utf-8") as out:
                out.write(vietqr.svg(transfer.payload))
            self.stderr.write(f"QR code written to {svg}")
