"""What someone holding a copy of the database holds: the bytes of the SQLite file (after a checkpoint, so
the write-ahead log is in it) or, on PostgreSQL, a plain `pg_dump` of the test database."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connection


def pg_tool(name: str) -> str:
    """A PostgreSQL client program (pg_dump, pg_restore …) from PATH or the server's own directory."""
    found = shutil.which(name) or next(iter(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))), None)
    assert found is not None, f"{name} is needed: apt-get install -y postgresql-client"
    return str(found)


def database_copy_bytes() -> bytes:
    """Every byte a copy of the database holds, as a thief would have it."""
    if connection.vendor == "sqlite":
        database = Path(connection.settings_dict["NAME"])
        with sqlite3.connect(database) as reader:
            reader.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return database.read_bytes()
    connection.ensure_connection()
    info = connection.connection.info
    done = subprocess.run(
        [
            pg_tool("pg_dump"),
            "--no-owner",
            "--dbname",
            info.dbname,
            "--host",
            info.host,
            "--port",
            str(info.port),
            "--username",
            info.user,
        ],
        check=False,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "PGPASSWORD": info.password or ""},
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout
