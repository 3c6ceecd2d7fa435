"""Wagtail's own background work (search index, reference index) runs as Celery tasks through
the outbox: after commit, not inside the editor's request."""

import pytest

from marketplace.models import OutboxMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def celery_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "marketplace.tasks_backend.CeleryOutboxBackend"}}


def test_wagtail_index_update_goes_through_the_outbox_to_celery(
    tree, celery_tasks, django_capture_on_commit_callbacks
):
    from wagtail.models import Page

    home = tree.home
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        home.title = "Chợ phiên OCOP vùng cao"
        home.save_revision().publish()
        queued = OutboxMessage.objects.filter(task="marketplace.tasks.run_django_task")
        assert queued.exists()  # written in the editor's transaction...
        assert not queued.filter(sent_at__isnull=False).exists()  # ...sent only after commit
    for callback in callbacks:
        callback()
    assert not OutboxMessage.objects.filter(
        task="marketplace.tasks.run_django_task", sent_at__isnull=True
    ).exists()
    paths = set(OutboxMessage.objects.values_list("kwargs__path", flat=True))
    assert "modelsearch.tasks.insert_or_update_object_task" in paths
    assert [p.pk for p in Page.objects.search("phiên")] == [home.pk]
