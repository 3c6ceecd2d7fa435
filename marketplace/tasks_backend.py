"""A ``django-tasks`` backend that runs Wagtail's background work (search-index and
reference-index updates, file deletions) as Celery tasks through the outbox.

No maintained package provides this (django-tasks ships immediate, database and dummy
backends only). Enqueueing writes an outbox row in the caller's transaction; the Celery task
``marketplace.tasks.run_django_task`` imports the task function by its module path and
calls it with the JSON arguments django-tasks already requires. Eager Celery (dev, tests)
runs it in-process after commit, like the immediate backend did.
"""

from django.utils import timezone
from django_tasks.backends.base import BaseTaskBackend
from django_tasks.base import TaskResult, TaskResultStatus
from django_tasks.utils import get_random_id, normalize_json


class CeleryOutboxBackend(BaseTaskBackend):
    supports_async_task = False
    supports_priority = True  # accepted; Celery here runs one queue

    def enqueue(self, task, args, kwargs):
        from .outbox import enqueue

        self.validate_task(task)
        enqueue(
            "marketplace.tasks.run_django_task",
            path=task.module_path,
            args=normalize_json(list(args)),
            task_kwargs=normalize_json(dict(kwargs)),
        )
        return TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,
            enqueued_at=timezone.now(),
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=list(args),
            kwargs=dict(kwargs),
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
