"""A text progress bar for management commands (stderr, one line redrawn)."""

import sys
import time


class ProgressBar:
    def __init__(self, total: int, label: str, stream=sys.stderr):
        self.total, self.label, self.stream = total, label, stream
        self.started = time.perf_counter()

    def __call__(self, done: int, total: int | None = None) -> None:
        total = total or self.total
        width = 30
        filled = int(width * done / total) if total else width
        rate = done / max(time.perf_counter() - self.started, 1e-9)
        self.stream.write(
            f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
            f" ({rate:,.0f}/s)"
        )
        self.stream.flush()

    def finish(self) -> None:
        self.stream.write("\n")
