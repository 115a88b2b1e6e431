"""Settings shared by every environment: composition only, no behaviour.

Each environment (dev, test, prod) imports this module and adjusts what differs. Secrets and the
database come from the environment; the embedded default keeps its state under HAVEN_DATA_DIR.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
import django_stubs_ext
from csp.constants import NONE, SELF

# Lets the typed generics of django-stubs (ModelAdmin[Agency] …) work at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(os.environ.get("HAVEN_DATA_DIR", BASE_DIR / ".haven")).resolve()

SECRET_KEY = os.environ.get("HAVEN_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS: list[str] = [h for h in os.environ.get("HAVEN_ALLOWED_HOSTS", "").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "haven.core",
    "haven.audit",
    "haven.accounts",
    "haven.access",
    "haven.notifications",
    "haven.operations",
    "haven.encounters",
    "haven.scheduling",
    "haven.reports",
    "haven.exercises",
    "haven.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # first of Haven's: every audit event of the request, a session expiring included, has its address
    "haven.audit.middleware.ClientAddressMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # below WhiteNoise (static files stay cacheable), above everything that answers with case data or errors
    "haven.core.middleware.NoStoreMiddleware",
    "haven.api.errors.JsonErrorsMiddleware",
    "csp.middleware.CSPMiddleware",
    # above the sealed poll, so that its 304 carries the header as every answer does
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # a board poll whose seal holds is answered here, before the session's user and the policy are loaded:
    # nothing it rests on changed since the full path answered it (haven/web/board_polls.py)
    "haven.web.board_polls.SealedPollMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "haven.accounts.middleware.SessionLifetimeMiddleware",
    "haven.accounts.middleware.SecondFactorRequiredMiddleware",
    "haven.web.timezones.OperationTimeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "haven.web.errors.DomainErrorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "haven.web.context.haven_context",
            ],
            # the time and duration filters (`moment`, `minutes`) in every template, the partials too
            "builtins": ["haven.web.templatetags.haven_tags"],
        },
    },
]


CONNECTION_SECONDS = 60


def database_from_env(default_sqlite: Path) -> dict[str, object]:
    """DATABASE_URL selects the database; the embedded default is SQLite under the data directory."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{default_sqlite}"
    # Each application process keeps its connection for a minute, checked before reuse: a new PostgreSQL
    # connection per request cost more than the board's whole poll (docs/deploying.md, benchmarks/).
    config: dict[str, object] = dict(
        dj_database_url.parse(url, conn_max_age=CONNECTION_SECONDS, conn_health_checks=True)
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # BEGIN IMMEDIATE serialises writers, so two appends to the audit chain can never fork it.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    return config


DATABASES = {"default": database_from_env(DATA_DIR / "haven.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["haven.accounts.backends.HavenBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:sign-in"
LOGIN_REDIRECT_URL = "web:home"

# Sessions live in the database so that any application process can serve any request, each row under a
# keyed hash of its key (haven/accounts/sessions.py): a copy of the database holds no usable session.
SESSION_ENGINE = "haven.accounts.sessions"
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

HAVEN_IDLE_TIMEOUT_SECONDS = 30 * 60
HAVEN_ABSOLUTE_TIMEOUT_SECONDS = 12 * 60 * 60
HAVEN_MAX_FAILED_SIGN_INS = 5
# Anonymous sign-in attempts one client address may make per minute before Argon2 runs for any of them;
# generous enough for a task force behind one address at the start of a shift.
HAVEN_SIGN_IN_ATTEMPTS_PER_MINUTE = int(os.environ.get("HAVEN_SIGN_IN_ATTEMPTS_PER_MINUTE", "20"))
# A page's own automatic refresh sends this header; it is not activity.
HAVEN_AUTO_REFRESH_HEADER = "X-Haven-Auto-Refresh"

OTP_TOTP_ISSUER = "Haven"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Key-encryption key for the per-agency data keys (access-policy.md, "Encryption at rest"). The embedded
# default keeps it in a 0600 file under DATA_DIR; production takes it from the environment.
HAVEN_KEK = os.environ.get("HAVEN_KEK", "")
HAVEN_KEK_FILE = DATA_DIR / "keys" / "kek.key"

# The audit key that links the audit chain (HMAC-SHA256): kept outside the database like the KEK, so whoever
# holds the database alone cannot rewrite or extend the chain. Embedded default: a 0600 file created at first
# use; production: the environment (haven/audit/keys.py, docs/security.md).
HAVEN_AUDIT_KEY = os.environ.get("HAVEN_AUDIT_KEY", "")
HAVEN_AUDIT_KEY_FILE = DATA_DIR / "keys" / "audit.key"

# Background tasks (Django's tasks API; the django-tasks backport on Django 5.2) queued in the database and
# run by `haven worker`: notification e-mail and the interview solver never run inside a request.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# E-mail (notifications): SMTP from the environment (docs/deploying.md, "E-mail"). Messages carry no case
# content; the worker sends and retries them (haven/notifications/delivery.py).
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("HAVEN_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("HAVEN_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("HAVEN_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("HAVEN_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("HAVEN_EMAIL_USE_TLS", "") == "1"  # STARTTLS (port 587)
EMAIL_USE_SSL = os.environ.get("HAVEN_EMAIL_USE_SSL", "") == "1"  # TLS from the start (port 465)
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get("HAVEN_EMAIL_FROM", "haven@localhost")
# The address people reach Haven at: the links in e-mail point there (sign-in required).
HAVEN_BASE_URL = os.environ.get("HAVEN_BASE_URL", "http://127.0.0.1:8000")
HAVEN_EMAIL_MAX_ATTEMPTS = int(os.environ.get("HAVEN_EMAIL_MAX_ATTEMPTS", "12"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("HAVEN_LOG_LEVEL", "WARNING")},
}
HAVEN_TRUSTED_PROXY_HOPS = int(os.environ.get("HAVEN_TRUSTED_PROXY_HOPS", "0"))
