"""Celery tasks of the catalogue. They take ids and are idempotent."""

from celery import shared_task


@shared_task(bind=True, max_retries=10, default_retry_delay=30)
def index_products(self, page_ids: list[int], stock_only: bool = False) -> int:
    """Rewrite the search rows (and Elasticsearch documents) of these products.

    A search server that is down makes this retry later; publishing and checkout never wait
    for it (they only queued this task).
    """
    from .search_index import index_products as write

    try:
        return write(page_ids, stock_only=stock_only)
    except Exception as exc:
        if self.request.is_eager:
            raise
        raise self.retry(exc=exc) from exc


@shared_task
def reindex_all() -> int:
    """Nightly: rewrite every search row (date-based changes have no event) and invalidate
    cached pages."""
    from marketplace.pagecache import bump

    from .search_index import rebuild

    count = rebuild()
    bump()
    return count
