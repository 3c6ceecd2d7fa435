import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.dev")

# What django.core.wsgi.get_wsgi_application() does, with the handler that answers stamp
# scans without the middleware stack (see traceability/handler.py).
django.setup(set_prefix=False)

from traceability.handler import StampScanHandler  # noqa: E402 - needs the apps loaded

application = StampScanHandler()
