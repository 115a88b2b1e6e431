"""Shared fixtures: the personas, signed-in clients, and where PostgreSQL-only tests run."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client

from haven.accounts.models import User
from tests.personas import make_user, sign_in

# Playwright's sync API runs an event loop in the test thread; the live server's database work
# happens in its own threads, and the test's own ORM calls are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """PostgreSQL-only tests (triggers, row locks) run in .ci/run's PostgreSQL pass, never silently:
    the summary says how many were left for it."""
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return
    selected, deselected = [], []
    for item in items:
        (deselected if item.get_closest_marker("postgres_only") else selected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected
        config._haven_pg_only = len(deselected)  # type: ignore[attr-defined]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    count = getattr(config, "_haven_pg_only", 0)
    if count:
        terminalreporter.write_line(
            f"{count} PostgreSQL-only tests were left for the PostgreSQL pass of .ci/run (DATABASE_URL=postgres://…)."
        )


@pytest.fixture
def persona(db: None) -> Callable[[str], User]:
    """`persona("advocate")` → that user, created with their agency and a confirmed authenticator."""
    return make_user


@pytest.fixture
def client_for(db: None) -> Callable[[str], Client]:
    """`client_for("investigator")` → a client signed in through the real password + TOTP flow."""

    def make(key: str) -> Client:
        client = Client()
        sign_in(client, make_user(key))
        return client

    return make


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"
