from celery import shared_task


@shared_task
def drain_outbox() -> int:
    from .outbox import drain

    return drain()
