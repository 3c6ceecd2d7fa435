"""Local development: SQLite, eager Celery, console e-mail (unless the environment says so)."""

from .base import *  # noqa: F403
from .base import env, env_bool

DEBUG = env_bool("DEBUG", True)

# The dev server has no beat: write each scan at once.
TRACE_SCAN_FLUSH_SIZE = int(env("TRACE_SCAN_FLUSH_SIZE", "1"))
