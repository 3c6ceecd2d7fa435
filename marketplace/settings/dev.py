"""Local development: SQLite, eager Celery, console e-mail (unless the environment says so)."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
