from celery import shared_task
from django.utils.module_loading import import_string

from .mail import EMAIL_TASK_OPTIONS


@shared_task
def drain_outbox() -> int:
    from .outbox import drain

    return drain()


@shared_task(bind=True, max_retries=5, default_retry_delay=30)
def run_django_task(self, path: str, args: list, task_kwargs: dict) -> None:
    """Run a ``django-tasks`` task (Wagtail's index updates) on a Celery worker."""
    task = import_string(path)
    try:
        task.call(*args, **task_kwargs)
    except Exception as exc:
        if self.request.is_eager:
            raise
        raise self.retry(exc=exc) from exc


@shared_task(**EMAIL_TASK_OPTIONS)
def send_application_email(application_id: int, kind: str) -> None:
    from .emails import application_email

    application_email(application_id, kind)


@shared_task(**EMAIL_TASK_OPTIONS)
def send_invitation(invitation_id: int) -> None:
    from .emails import invitation_email

    invitation_email(invitation_id)


HEARTBEAT_KEY = "ocop:beat:last-tick"


@shared_task(ignore_result=True)
def beat_heartbeat() -> None:
    """Beat sends this on its schedule; a worker records when it ran (``/healthz`` reads it:
    no recent tick means beat, or every worker of the default queue, is not running)."""
    import time

    from django.core.cache import cache

    cache.set(HEARTBEAT_KEY, time.time(), timeout=None)
