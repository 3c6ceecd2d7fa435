import gc
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.dev")

# What django.core.wsgi.get_wsgi_application() does, with the handler that answers stamp
# scans without the middleware stack (see traceability/handler.py), behind the short way
# for cached pages (see marketplace/pagecache.py).
django.setup(set_prefix=False)

from marketplace.logs import RequestIds  # noqa: E402 - needs the apps loaded
from marketplace.pagecache import CachedPages  # noqa: E402
from traceability.handler import StampScanHandler  # noqa: E402

# Outermost: every request has its id in the log lines and in its answer (X-Request-ID).
application = RequestIds(CachedPages(StampScanHandler()))

# What loading the project made (apps, URL patterns, templates, settings) lives as long as
# the worker: a full garbage collection need not walk it again. Without this, a full
# collection in a request paused it for about 110 ms at 10,000 products (benchmarks/README.md).
gc.collect()
gc.freeze()
