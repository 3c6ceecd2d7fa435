"""Logging helpers."""

import logging
import threading
import time


class OncePerOutage(logging.Filter):
    """A burst of the same failure as one line per outage.

    django-redis logs every cache error it ignores (``IGNORE_EXCEPTIONS``: Redis down, pages
    still served) with its whole traceback, several per request: an outage would fill the
    disk. Through this filter the first error of a quiet spell is logged as one line without
    its traceback; the next ``seconds`` of them are counted, not logged, and the count goes
    into the next line.
    """

    def __init__(self, seconds: float = 60, what: str = "Redis cache unreachable"):
        super().__init__()
        self.seconds = float(seconds)
        self.what = what
        self._quiet_until = 0.0
        self._dropped = 0
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        now = time.monotonic()
        with self._lock:
            if now < self._quiet_until:
                self._dropped += 1
                return False
            self._quiet_until = now + self.seconds
            dropped, self._dropped = self._dropped, 0
        error = record.exc_info[1] if record.exc_info else None
        cause = f"{type(error).__name__}: {error}" if error else record.getMessage()
        record.msg = (
            "%s, going on without it: %s (%d more since the last line; the next %ds of them "
            "are not logged)"
        )
        record.args = (self.what, " ".join(cause.split())[:300], dropped, int(self.seconds))
        record.exc_info = None
        record.exc_text = None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True
