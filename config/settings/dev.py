"""The embedded default: `make demo` on one machine, SQLite and a key file under the data directory."""

from __future__ import annotations

import os

from haven.core.files import private_directory
from haven.core.keyfiles import key_file

from .base import *  # noqa: F403
from .base import DATA_DIR

DEBUG = os.environ.get("HAVEN_DEBUG", "") == "1"
# Random per data directory, kept there 0600 beside the key-encryption key (never derived from the path,
# which anyone can guess); HAVEN_SECRET_KEY overrides it.
SECRET_KEY = os.environ.get("HAVEN_SECRET_KEY", "")
if not SECRET_KEY:
    private_directory(DATA_DIR)
    SECRET_KEY = key_file(
        DATA_DIR / "keys" / "secret.key",
        what="development secret key",
        exposed_hint="delete the file: a new one is made at the next start, and every session ends",
    ).hex()
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
# Without a mail server named, the demo's e-mail is written to the worker's console.
if not os.environ.get("HAVEN_EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
