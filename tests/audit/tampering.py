"""Changing the audit tables behind the application's back, as whoever holds the database would: on
PostgreSQL a superuser who switches triggers off for the session, on SQLite the file's holder, who drops
the triggers first and puts them back after."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

TABLES = ("audit_auditrecord", "audit_auditchainhead")


@contextmanager
def triggers_off() -> Iterator[None]:
    with connection.cursor() as cursor:
        saved: list[str] = []
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (%s, %s)",
                list(TABLES),
            )
            for name, sql in cursor.fetchall():
                saved.append(sql)
                cursor.execute(f'DROP TRIGGER "{name}"')
        try:
            yield
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = DEFAULT")
            for sql in saved:
                cursor.execute(sql)


def tamper(*statements: tuple[str, list[object]]) -> None:
    """Run SQL statements with every trigger on the audit tables out of the way."""
    with triggers_off(), connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
