"""The smallest Django app: one JSON view, the ceiling a Django page can reach on this machine.
A copy of ../shared/bench/bare_django.py for checkouts without it (resolver_load.sh prefers
that one). Run: gunicorn -w 2 -b 127.0.0.1:PORT --chdir benchmarks _bare_django:application"""

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import JsonResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    SECRET_KEY="x" * 50,
    MIDDLEWARE=[
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.common.CommonMiddleware",
    ],
)
urlpatterns = [path("", lambda request: JsonResponse({"ok": 1}))]
application = get_wsgi_application()
