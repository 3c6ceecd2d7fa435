"""Transactional outbox: side effects queued with the change they follow, sent after commit.

``enqueue`` writes a row in the caller's transaction and, once it commits, hands the task to
Celery without retrying (a broker outage must not hold the request). Rows the broker did
not take stay unsent; ``drain`` (a beat task) sends them when the broker is back. Tasks
take ids and are idempotent, so a message sent twice (crash between send and mark) is safe.
"""

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import OutboxMessage

logger = logging.getLogger(__name__)


def enqueue(task: str, **kwargs) -> OutboxMessage:
    message = OutboxMessage.objects.create(task=task, kwargs=kwargs)
    # Just committed and unsent: no need to read it back (``drain`` sending it meanwhile too is
    # the double send idempotent tasks already allow).
    transaction.on_commit(lambda: send(message.pk, fresh=message), robust=True)
    return message


def send(message_id: int, *, fresh: OutboxMessage | None = None) -> bool:
    """Hand one message to the broker; True when it went. Never raises for a broker outage."""
    message = fresh or OutboxMessage.objects.filter(pk=message_id, sent_at__isnull=True).first()
    if message is None:
        return True
    try:
        task = import_string(message.task)
        # Eager mode runs the task here; a worker setup publishes it (no retries: fail fast).
        task.apply_async(kwargs=message.kwargs, retry=False)
    except Exception as exc:  # broker down, or the task itself failed when eager
        logger.warning("outbox: %s not sent yet: %s", message.task, exc)
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=message.attempts + 1, last_error=f"{exc.__class__.__name__}: {exc}"[:500]
        )
        return False
    OutboxMessage.objects.filter(pk=message.pk).update(
        sent_at=timezone.now(), attempts=message.attempts + 1
    )
    return True


def drain(limit: int = 500) -> int:
    """Send unsent messages, oldest first; returns how many went."""
    sent = 0
    for message_id in OutboxMessage.objects.filter(sent_at__isnull=True).values_list(
        "pk", flat=True
    )[:limit]:
        if not send(message_id):
            break  # the broker is still away: try again on the next beat
        sent += 1
    return sent
