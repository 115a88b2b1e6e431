"""The embedded default: `make demo` on one machine, SQLite and a key file under the data directory."""

from __future__ import annotations

import os

from .base import *  # noqa: F403
from .base import DATA_DIR

DEBUG = os.environ.get("HAVEN_DEBUG", "") == "1"
SECRET_KEY = os.environ.get("HAVEN_SECRET_KEY") or "dev-only-" + DATA_DIR.as_posix()
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
