from django.core.management.base import BaseCommand

from cms.demo.loader import DemoLoader


class Command(BaseCommand):
    help = "Load the demo marketplace (cooperatives, products, stories, users). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-images", action="store_true", help="Skip generating product images (faster)."
        )

    def handle(self, *args, no_images: bool = False, **options):
        loader = DemoLoader(with_images=not no_images, log=self.stdout.write)
        counts = loader.run()
        for name, value in counts.items():
            self.stdout.write(f"{name:>15}: {value}")
        self.stdout.write(self.style.SUCCESS("Demo marketplace ready."))
