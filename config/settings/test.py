"""Settings for the test suite: SQLite in memory unless DATABASE_URL points at PostgreSQL."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import database_from_env

SECRET_KEY = "test-only-secret-key-not-for-use-anywhere-else"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
DATA_DIR = Path(os.environ.get("HAVEN_TEST_DATA_DIR") or tempfile.mkdtemp(prefix="haven-test-"))
HAVEN_KEK_FILE = DATA_DIR / "keys" / "kek.key"
HAVEN_AUDIT_KEY_FILE = DATA_DIR / "keys" / "audit.key"
DATABASES = {"default": database_from_env(DATA_DIR / "test.sqlite3")}
DATABASES["default"]["TEST"] = (
    {"NAME": str(DATA_DIR / "test-db.sqlite3")} if not os.environ.get("DATABASE_URL") else {}
)
# Argon2 at full strength makes each sign-in in the suite slow; the hasher choice itself is tested.
PASSWORD_HASHERS = [
    "haven.accounts.hashers.FastArgon2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# The suite signs the cast in many times a minute from one address; the throttle's own tests set a limit.
HAVEN_SIGN_IN_ATTEMPTS_PER_MINUTE = 1000
# Tasks run at once where a test is not about the queue; the queue's own tests use the database backend and
# `haven worker` (tests/notifications/test_queue.py).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
HAVEN_BASE_URL = "http://testserver"
