"""PostgreSQL `timestamptz` values read by psycopg's compiled loader give exactly what Django's own loader
gives (haven/core/postgres_times.py)."""

from __future__ import annotations

from datetime import UTC

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

LITERALS = [
    "2026-12-07 13:00:00+00",
    "2026-12-07 13:00:00.123456+00",
    "2026-06-01 12:00:00+05:30",
    "2026-03-29 01:30:00-04",
    "2000-01-01 00:00:00+00",
    "2100-12-31 23:59:59.999999+00",
    "1970-01-01 00:00:00+00",
]
QUERY = "SELECT " + ", ".join(f"'{literal}'::timestamptz" for literal in LITERALS)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's loaders")
def test_the_compiled_loader_reads_every_time_as_djangos_loader_does():
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.postgres import types
    from psycopg.pq import Format

    with connection.cursor() as cursor:
        loader = cursor.cursor.adapters.get_loader(types["timestamptz"].oid, Format.TEXT)
        assert loader.__name__ == "CompiledTzLoader"  # registered on the connection, kept by Django
        cursor.execute(QUERY)
        ours = cursor.fetchone()
    with connection.cursor() as cursor:
        register_tzloader(connection.timezone, cursor.cursor)  # Django's own, on this cursor alone
        cursor.execute(QUERY)
        djangos = cursor.fetchone()
    assert ours == djangos
    assert [value.tzinfo for value in ours] == [value.tzinfo for value in djangos] == [UTC] * len(LITERALS)
    assert [value.isoformat() for value in ours] == [value.isoformat() for value in djangos]
