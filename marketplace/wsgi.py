import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.dev")

# What django.core.wsgi.get_wsgi_application() does, with the handler that answers stamp
# scans without the middleware stack (see traceability/handler.py), behind the short way
# for cached pages (see marketplace/pagecache.py).
django.setup(set_prefix=False)

from marketplace.pagecache import CachedPages  # noqa: E402 - needs the apps loaded
from traceability.handler import StampScanHandler  # noqa: E402

application = CachedPages(StampScanHandler())
