"""Celery application. Eager in dev/test unless a broker is configured; Redis in production."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.dev")

app = Celery("marketplace")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _connect_request_ids() -> None:
    from celery.signals import before_task_publish, task_prerun

    from marketplace.logs import add_request_id_header, take_request_id

    before_task_publish.connect(add_request_id_header, weak=False)
    task_prerun.connect(take_request_id, weak=False)


_connect_request_ids()
