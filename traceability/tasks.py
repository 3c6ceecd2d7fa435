"""Celery tasks of traceability. Each takes ids, is idempotent, and retries with a bound."""

import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from marketplace.mail import EMAIL_TASK_OPTIONS

from .models import StampOrder

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=3, default_retry_delay=10, acks_late=True)
def issue_stamp_order(self, order_id: int) -> int:
    """Issue the order's missing stamps (resumes after a crash), then render print files."""
    from .issuing import issue_stamps

    try:
        order = issue_stamps(order_id)
    except Exception as exc:
        StampOrder.objects.filter(pk=order_id).update(
            status=StampOrder.Status.FAILED, error=str(exc)[:500]
        )
        if self.request.called_directly or self.request.is_eager:
            raise
        raise self.retry(exc=exc) from exc
    StampOrder.objects.filter(pk=order_id).update(status=StampOrder.Status.RENDERING)
    transaction.on_commit(lambda: render_print_files.delay(order_id), robust=True)
    return order.issued


@shared_task(bind=True, max_retries=3, default_retry_delay=10, acks_late=True)
def render_print_files(self, order_id: int) -> None:
    """Render the PDF label sheets and the CSV of one order (again, when re-run)."""
    order = StampOrder.objects.select_related("batch__variant__page").get(pk=order_id)
    try:
        _render(order)
    except Exception as exc:
        StampOrder.objects.filter(pk=order_id).update(
            status=StampOrder.Status.FAILED, error=f"print files: {exc}"[:500]
        )
        if self.request.called_directly or self.request.is_eager:
            raise
        raise self.retry(exc=exc) from exc


def _render(order: StampOrder) -> None:
    import io
    import tempfile

    from django.core.files import File

    from .labels import print_file_stem, render_csv, render_print_file

    order_id = order.pk

    def progress(n):
        StampOrder.objects.filter(pk=order_id).update(rendered=n)

    safe = print_file_stem(order.batch.lot, order.first_number, order.last_number)
    # Temporary files, not memory: an order may hold 180,000 stamps.
    with tempfile.TemporaryFile() as pdf, tempfile.TemporaryFile() as raw:
        kind = render_print_file(order, pdf, progress=progress)
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        render_csv(order, text)
        text.flush()
        for handle in (pdf, raw):
            handle.seek(0)
        order.pdf_file.save(f"{safe}.{kind}", File(pdf), save=False)
        order.csv_file.save(f"{safe}.csv", File(raw), save=False)
        text.detach()
    order.status = StampOrder.Status.DONE
    order.rendered = order.count
    order.finished_at = timezone.now()
    order.save(update_fields=["pdf_file", "csv_file", "status", "rendered", "finished_at"])


@shared_task(acks_late=True)
def flush_scan_buffer() -> int:
    """Write buffered scans in bulk (Celery beat runs this every few seconds)."""
    from .scans import flush

    return flush()


@shared_task
def notify_recall(batch_id: int) -> int:
    """After a recall: one e-mail task per shopper notice not sent yet (outbox)."""
    from .recall import notify

    return notify(batch_id)


@shared_task(**EMAIL_TASK_OPTIONS)
def send_recall_notice(notice_id: int) -> bool:
    from .recall import send_notice

    return send_notice(notice_id)
