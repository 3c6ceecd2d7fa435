"""Celery tasks of traceability. Each takes ids, is idempotent, and retries with a bound."""

import logging

from celery import shared_task
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

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
    transaction.on_commit(lambda: render_print_files.delay(order_id))
    return order.issued


@shared_task(bind=True, max_retries=3, default_retry_delay=10, acks_late=True)
def render_print_files(self, order_id: int) -> None:
    """Render the PDF label sheets and the CSV of one order (again, when re-run)."""
    import io

    from .labels import render_csv, render_pdf

    order = StampOrder.objects.select_related("batch__variant__page").get(pk=order_id)

    def progress(n):
        StampOrder.objects.filter(pk=order_id).update(rendered=n)

    pdf = io.BytesIO()
    render_pdf(order, pdf, progress=progress)
    text = io.StringIO()
    render_csv(order, text)
    name = f"{order.batch.lot}-{order.first_number}-{order.last_number}"
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)
    order.pdf_file.save(f"{safe}.pdf", ContentFile(pdf.getvalue()), save=False)
    order.csv_file.save(f"{safe}.csv", ContentFile(text.getvalue().encode("utf-8")), save=False)
    order.status = StampOrder.Status.DONE
    order.rendered = order.count
    order.finished_at = timezone.now()
    order.save(update_fields=["pdf_file", "csv_file", "status", "rendered", "finished_at"])


@shared_task(acks_late=True)
def flush_scan_buffer() -> int:
    """Write buffered scans in bulk (Celery beat runs this every few seconds)."""
    from .scans import flush

    return flush()
