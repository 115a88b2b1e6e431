"""Production settings refuse to start without their secrets, and pass Django's deployment checks."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
HAVEN = str(Path(sys.executable).with_name("haven"))

PROD_ENV = {
    "HAVEN_SECRET_KEY": secrets.token_urlsafe(60),
    "HAVEN_ALLOWED_HOSTS": "haven.taskforce.example",
    "HAVEN_KEK": "q4cGmD1c1xv2Z0r8c8o0iX6oZ8bC1vW2m5x7k9s1d3E=",
    "HAVEN_AUDIT_KEY": "Vb3xq1Z9w0Lr4Nn7s2Yt8Kc5Pj6Hd1Fg3Ae9Mu0Qo4I=",
}


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("HAVEN_", "DJANGO_"))}
    clean.update({"DJANGO_SETTINGS_MODULE": "config.settings.prod", **env})
    clean.setdefault("DATABASE_URL", "sqlite:////tmp/haven-prod-check.sqlite3")
    return subprocess.run(args, cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("missing", sorted(PROD_ENV))
def test_production_refuses_to_start_without_each_secret(missing):
    env = {k: v for k, v in PROD_ENV.items() if k != missing}
    result = _run([HAVEN, "check"], env)
    assert result.returncode != 0
    assert missing in result.stderr
    for present in set(PROD_ENV) - {missing}:
        assert f"{present} (" not in result.stderr


@pytest.mark.parametrize(
    ("kek", "why"), [("not-a-key", "is not valid base64"), ("c2hvcnQ=", "decodes to 5 bytes")]
)
def test_production_refuses_to_start_with_a_malformed_key_encryption_key(kek, why):
    result = _run([HAVEN, "check"], {**PROD_ENV, "HAVEN_KEK": kek})
    assert result.returncode != 0
    assert f"HAVEN_KEK {why}: it must hold exactly 32 random bytes in base64" in result.stderr
    assert kek not in result.stderr.replace(f"HAVEN_KEK {why}", "")  # the value itself is never echoed


@pytest.mark.parametrize(
    ("key", "why"), [("not-a-key", "is not valid base64"), ("c2hvcnQ=", "decodes to 5 bytes")]
)
def test_production_refuses_to_start_with_a_malformed_audit_key(key, why):
    result = _run([HAVEN, "check"], {**PROD_ENV, "HAVEN_AUDIT_KEY": key})
    assert result.returncode != 0
    assert f"HAVEN_AUDIT_KEY {why}: it must hold exactly 32 random bytes in base64" in result.stderr
    assert key not in result.stderr.replace(f"HAVEN_AUDIT_KEY {why}", "")


def test_production_refuses_the_key_encryption_key_as_the_audit_key():
    result = _run([HAVEN, "check"], {**PROD_ENV, "HAVEN_AUDIT_KEY": PROD_ENV["HAVEN_KEK"]})
    assert result.returncode != 0
    assert "HAVEN_AUDIT_KEY must be a key of its own" in result.stderr


def test_production_refuses_to_start_on_the_embedded_database_by_default():
    env = {**PROD_ENV, "DATABASE_URL": ""}
    result = _run([HAVEN, "check"], env)
    assert result.returncode != 0
    assert "DATABASE_URL (the database, postgres://" in result.stderr


def test_check_deploy_reports_nothing_with_production_settings():
    result = _run([HAVEN, "check", "--deploy", "--fail-level", "DEBUG"], PROD_ENV)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy():
    response = Client().get("/sign-in/")
    policy = response["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_production_settings_set_hsts_and_secure_cookies():
    code = (
        "from django.conf import settings as s;"
        "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.DEBUG)"
    )
    result = _run([sys.executable, "-c", "import django; django.setup();" + code], PROD_ENV)
    assert result.stdout.split() == ["63072000", "True", "True", "True", "False"], result.stderr
