"""`haven backup`: a consistent copy of the database, written 0600, without the keys.

Rule (issue 12, "Backup and restore, drilled"): SQLite is copied with its online backup API (a consistent
snapshot while Haven runs), into one self-contained file (rollback journal, not WAL) that passes SQLite's
integrity check; PostgreSQL with `pg_dump` in its custom format, checked by `pg_restore --list`. The
key-encryption key, the secret key and any other key file are never in a backup: they are backed up
separately, under separate control (docs/deploying.md, "Backups and restore"), so that a stolen backup
opens nothing sealed.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connections
from psycopg.conninfo import make_conninfo

from haven.core.files import create_private, make_private


class BackupFailed(Exception):
    """The backup could not be made; the message says why and what to do. No partial file is left."""


@dataclass(frozen=True)
class Backup:
    path: Path
    engine: str  # "SQLite" or "PostgreSQL"
    size: int
    check: str  # what verified the copy, in words


def default_name(vendor: str, now: datetime | None = None) -> Path:
    """haven-backup-<UTC time>.sqlite3 (or .pgdump) in the current folder."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return Path(f"haven-backup-{stamp}.{'sqlite3' if vendor == 'sqlite' else 'pgdump'}")


def database_backup(target: Path | None = None, *, using: str = "default") -> Backup:
    """Back up the database `using` to `target` (a new file, 0600); see the module for how."""
    connection = connections[using]
    target = target or default_name(connection.vendor)
    if connection.vendor not in ("sqlite", "postgresql"):
        raise BackupFailed(f"Haven backs up SQLite and PostgreSQL, not {connection.vendor}.")
    if not target.parent.is_dir():
        raise BackupFailed(f"The folder {target.parent} does not exist: create it, or give -o another path.")
    if not create_private(target):
        raise BackupFailed(f"{target} already exists; a backup never overwrites a file. Give -o a new name.")
    try:
        if connection.vendor == "sqlite":
            check = _sqlite_backup(connection, target)
            engine = "SQLite"
        else:
            check = _pg_dump(connection, target)
            engine = "PostgreSQL"
    except BaseException:
        for leftover in (target, target.with_name(target.name + "-journal")):
            leftover.unlink(missing_ok=True)
        raise
    return Backup(path=target, engine=engine, size=target.stat().st_size, check=check)


def _sqlite_backup(connection: object, target: Path) -> str:
    connection.ensure_connection()  # type: ignore[attr-defined]
    source: sqlite3.Connection = connection.connection  # type: ignore[attr-defined]
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # all pages in one step: a consistent snapshot
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        (result,) = copy.execute("PRAGMA integrity_check").fetchone()
    finally:
        copy.close()
    make_private(target, target.with_name(target.name + "-journal"))
    if result != "ok":
        raise BackupFailed(
            f"The copy failed SQLite's integrity check ({result}); the database may be damaged."
        )
    return "SQLite's integrity check: ok"


def _pg_program(name: str) -> str:
    """A PostgreSQL client program: HAVEN_PG_BIN/<name>, else on PATH, else the newest server's own."""
    configured = os.environ.get("HAVEN_PG_BIN")
    if configured:
        return str(Path(configured) / name)
    found = shutil.which(name) or next(
        iter(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)), None
    )
    if found is None:
        raise BackupFailed(
            f"{name} is not installed: install PostgreSQL's client programs of the server's version or newer "
            "(Debian: apt-get install postgresql-client), or set HAVEN_PG_BIN to their folder."
        )
    return str(found)


# Connection parameters every pg_dump since PostgreSQL 12 knows (psycopg's own libpq may report newer ones).
_PG_PARAMETERS = frozenset(
    {"host", "hostaddr", "port", "dbname", "user", "passfile", "service", "options", "sslmode",
     "sslrootcert", "sslcert", "sslkey", "sslcrl", "target_session_attrs", "connect_timeout"}
)  # fmt: skip


def _pg_dump(connection: object, target: Path) -> str:
    # The parameters of the connection Haven is using (host, port, database, user, TLS …), whatever
    # spelling the settings gave them; the password goes by the environment, never the command line.
    connection.ensure_connection()  # type: ignore[attr-defined]
    info = connection.connection.info  # type: ignore[attr-defined]
    environment = dict(os.environ)
    if info.password:
        environment["PGPASSWORD"] = info.password
    dumped = subprocess.run(  # noqa: S603 - the arguments are Haven's own database connection
        [
            _pg_program("pg_dump"),
            "--format=custom",
            "--no-password",
            "--file",
            str(target),
            "--dbname",
            make_conninfo(**{k: v for k, v in info.get_parameters().items() if k in _PG_PARAMETERS}),
        ],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if dumped.returncode != 0:
        raise BackupFailed(f"pg_dump failed: {dumped.stderr.strip() or f'exit status {dumped.returncode}'}")
    make_private(target)  # pg_dump wrote into the 0600 file; keep it so whatever happened
    listed = subprocess.run(  # noqa: S603
        [_pg_program("pg_restore"), "--list", str(target)], capture_output=True, text=True, check=False
    )
    if listed.returncode != 0:
        raise BackupFailed(f"pg_restore cannot read the archive pg_dump wrote: {listed.stderr.strip()}")
    entries = sum(1 for line in listed.stdout.splitlines() if line and not line.startswith(";"))
    return f"pg_restore --list reads it: {entries} entries"


def keys_reminder() -> str:
    """What the backup does not hold, and where it is (the keys are backed up apart from it)."""
    if settings.HAVEN_KEK:
        return (
            "The keys are not in it: HAVEN_KEK (and HAVEN_KEK_RETIRED, if set) and HAVEN_SECRET_KEY live in "
            "your secret manager; keep their backup apart from this file (docs/deploying.md)."
        )
    keys = Path(settings.HAVEN_KEK_FILE).parent
    return (
        f"The keys are not in it: back up {keys} (every file) separately, under separate control; without "
        "them nothing sealed in this backup opens (docs/deploying.md)."
    )
