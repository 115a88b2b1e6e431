"""Production: PostgreSQL, TLS at the reverse proxy, every secret from the environment.

Refuses to start without a secret key, allowed hosts, a key-encryption key and an audit key, naming what is
missing.
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

_REQUIRED = {
    "HAVEN_SECRET_KEY": "the secret key (50+ random characters)",
    "HAVEN_ALLOWED_HOSTS": "the allowed host names, comma-separated",
    "HAVEN_KEK": "the key-encryption key (32 random bytes, base64)",
    "HAVEN_AUDIT_KEY": "the audit key that links the audit chain (32 random bytes, base64)",
}
_REQUIRED["DATABASE_URL"] = "the database, postgres://… (the embedded SQLite is not for production)"
_missing = [f"{name} ({what})" for name, what in _REQUIRED.items() if not os.environ.get(name, "").strip()]
if _missing:
    raise ImproperlyConfigured("Haven's production settings need: " + "; ".join(_missing))


def _key_problem(value: str) -> str:
    """Why a key variable cannot be a key (never echoing it), or nothing: found at start, not at the first
    record sealed or the first event audited in production."""
    try:
        key = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return "is not valid base64"
    return "" if len(key) == 32 else f"decodes to {len(key)} bytes"


for _name in ("HAVEN_KEK", "HAVEN_AUDIT_KEY"):
    if _problem := _key_problem(os.environ[_name]):
        raise ImproperlyConfigured(
            f"{_name} {_problem}: it must hold exactly 32 random bytes in base64 (44 characters); "
            'generate one with: python -c "import base64, os; print(base64.b64encode(os.urandom(32)).decode())"'
        )
if os.environ["HAVEN_KEK"].strip() == os.environ["HAVEN_AUDIT_KEY"].strip():
    raise ImproperlyConfigured("HAVEN_AUDIT_KEY must be a key of its own, not the value of HAVEN_KEK.")

SECRET_KEY = os.environ["HAVEN_SECRET_KEY"]
ALLOWED_HOSTS = [h.strip() for h in os.environ["HAVEN_ALLOWED_HOSTS"].split(",") if h.strip()]
HAVEN_KEK = os.environ["HAVEN_KEK"]
HAVEN_AUDIT_KEY = os.environ["HAVEN_AUDIT_KEY"]
CSRF_TRUSTED_ORIGINS = [f"https://{h}" for h in ALLOWED_HOSTS]
# E-mail goes through SMTP (HAVEN_EMAIL_HOST …, read in base); its links point at the first public host.
HAVEN_BASE_URL = os.environ.get("HAVEN_BASE_URL", f"https://{ALLOWED_HOSTS[0]}")
DEFAULT_FROM_EMAIL = os.environ.get("HAVEN_EMAIL_FROM", f"haven@{ALLOWED_HOSTS[0]}")

DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 63072000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
STATIC_ROOT = Path(os.environ.get("HAVEN_STATIC_ROOT", "/var/lib/haven/static"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("HAVEN_LOG_LEVEL", "INFO")},
}
