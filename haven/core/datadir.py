"""The embedded default's data directory and SQLite files, made private before the database opens.

Rule (issue 12): a copy of the SQLite file gave live sessions and every second-factor secret, and the file,
its -wal and -shm were created 0644 in a 0755 folder. Now, in every process, before any connection opens
(CoreConfig.ready): the data directory is 0700, and each SQLite database file is created 0600 — SQLite
gives the -wal, -shm and journal files it makes the mode of the database file — and any of them an
earlier version left readable is made 0600.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from haven.core.files import create_private, make_private, private_directory

_COMPANIONS = ("-wal", "-shm", "-journal")


def sqlite_file(config: dict[str, object]) -> Path | None:
    """The file of a SQLite database configuration, or None (PostgreSQL, or SQLite in memory)."""
    if config.get("ENGINE") != "django.db.backends.sqlite3":
        return None
    name = str(config.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        return None
    return Path(name).resolve()


def make_embedded_storage_private() -> None:
    """Make the data directory and every SQLite database file of the settings private (see the module)."""
    data_dir = Path(settings.DATA_DIR).resolve()
    databases = [sqlite_file(config) for config in settings.DATABASES.values()]
    files = [path for path in databases if path is not None]
    if files and any(path.parent == data_dir for path in files):
        private_directory(data_dir)
    for path in files:
        if not path.parent.exists():
            private_directory(path.parent)
        create_private(path)
        make_private(path, *(path.with_name(path.name + suffix) for suffix in _COMPANIONS))
