"""`haven backup [-o FILE]`: a consistent copy of the database (SQLite's online backup, or pg_dump), 0600."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from haven.core.backup import BackupFailed, database_backup, keys_reminder


class Command(BaseCommand):
    help = (
        "Back up the database to a new file, 0600 (SQLite: online backup; PostgreSQL: pg_dump, custom "
        "format). The keys are not in it: back them up separately (docs/deploying.md)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "-o",
            "--output",
            help="the backup file to create (default: haven-backup-<UTC time>.sqlite3 or .pgdump here)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            made = database_backup(Path(options["output"]) if options["output"] else None)
        except BackupFailed as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Backed up the {made.engine} database to {made.path} ({made.size:,} bytes, mode 0600; "
            f"{made.check})."
        )
        self.stdout.write(keys_reminder())
