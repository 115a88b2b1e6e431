"""The board's change log (haven/encounters/board_log.py) survives a later migration that rebuilds the
person table on SQLite: Django copies, drops and renames the table, which SQLite refuses while other
tables' triggers read it. `around_person_table` drops those triggers for the rebuild and creates them
again; without it the migration fails (loudly, at `make test`), never silently."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json
import django
django.setup()
from django.core.management import call_command
from django.db import connection, migrations, models
from django.db.migrations.executor import MigrationExecutor
from haven.encounters.board_log import SOURCES_0008, around_person_table
from haven.encounters.models import Person

call_command("migrate", verbosity=0)
_, _, args, kwargs = Person._meta.get_field("code").deconstruct()
kwargs["max_length"] = 12
wider = models.CharField(*args, **kwargs)


def apply(operations):
    executor = MigrationExecutor(connection)
    leaf = max(name for app, name in executor.loader.graph.leaf_nodes() if app == "encounters")
    migration = migrations.Migration("9999_rebuild", "encounters")
    migration.operations = operations
    state = executor.loader.project_state(("encounters", leaf))
    with connection.schema_editor(atomic=True) as editor:
        migration.apply(state, editor)


out = {}
try:
    apply([migrations.AlterField("person", "code", wider)])
    out["bare"] = "applied"
except Exception as error:
    out["bare"] = f"{type(error).__name__}: {error}"
apply(around_person_table([migrations.AlterField("person", "code", wider)], SOURCES_0008))
with connection.cursor() as cursor:
    cursor.execute(
        "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' AND sql LIKE '%encounters_boardchange%'"
    )
    out["triggers"] = sorted(f"{table} {name}" for table, name in cursor.fetchall())
    cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'encounters_person'")
    out["person_sql"] = cursor.fetchone()[0]
print(json.dumps(out))
"""


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL alters a table in place")
def test_a_migration_that_rebuilds_the_person_table_keeps_the_boards_triggers(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "HAVEN_DATA_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    # without the recipe SQLite refuses the rebuild, naming a board trigger
    assert "haven_board_" in out["bare"], out["bare"]
    assert "encounters_person" in out["bare"], out["bare"]
    # with it the person table is rebuilt (wider code) and every trigger of encounters 0008 is back
    assert '"code" varchar(12)' in out["person_sql"]
    from haven.encounters.board_log import SOURCES_0008

    expected = {
        f"{s.table} haven_board_{s.table}_{e}" for s in SOURCES_0008 for e in ("insert", "update", "delete")
    }
    assert set(out["triggers"]) == expected


# --- compaction (board_log.compact, run by `haven worker`) ---------------------------------------------


def _log_rows(operation_id: object) -> int:
    from haven.encounters.models import BoardChange

    return BoardChange.objects.filter(operation_id=operation_id).count()


@pytest.mark.django_db
def test_compacting_the_log_keeps_every_boards_count_and_later_changes_still_count(persona, monkeypatch):
    from haven.accounts.models import User
    from haven.encounters import board_log
    from haven.encounters.models import BoardChangeTally
    from haven.encounters.selectors import board_changes
    from tests.access.matrix_encounters import scenario

    s = scenario()
    monkeypatch.setattr(board_log, "COMPACT_AT", 1)
    before = board_changes(s.operation)
    assert _log_rows(s.operation.pk) > 1
    from haven.encounters.models import BoardChange

    logged = BoardChange.objects.count()
    assert board_log.compact() == logged  # every row of each board moved (each has at least COMPACT_AT)
    assert not BoardChange.objects.exists()
    assert board_changes(s.operation) == before
    assert _log_rows(s.operation.pk) == 0
    assert _log_rows(None) == 0
    # a later change counts on top of the tally, and compacting again keeps one tally per board
    User.objects.filter(pk=User.objects.first().pk).update(name="Quill Testperson")  # type: ignore[union-attr]
    s.operation.areas.update(name="Renamed room")
    after = board_changes(s.operation)
    assert after[0] > before[0]
    assert after[1] == before[1] + 1
    board_log.compact()
    assert board_changes(s.operation) == after
    assert BoardChangeTally.objects.filter(operation_id=s.operation.pk).count() == 1
    assert BoardChangeTally.objects.filter(operation_id__isnull=True).count() == 1


@pytest.mark.django_db(transaction=True)  # the worker closes and opens connections, as it does in service
@pytest.mark.xdist_group("queue")
def test_the_worker_compacts_the_log_and_a_sealed_poll_still_holds(persona, client_for, monkeypatch):
    """`haven worker` runs the compaction with its sweep; the counts it moves stay the same, so a poll's
    seal made before still holds after (one query, 304)."""
    import time_machine
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from haven.encounters import board_log
    from tests.access.matrix_encounters import scenario

    s = scenario()
    monkeypatch.setattr(board_log, "COMPACT_AT", 1)
    auto = {f"HTTP_{settings.HAVEN_AUTO_REFRESH_HEADER.upper().replace('-', '_')}": "1"}
    url = f"/operations/{s.operation.code}/board/rows/"
    client = client_for("investigator")
    with time_machine.travel(timezone.now().replace(second=5), tick=False):
        tag = client.get(url, **auto)["ETag"]
        assert _log_rows(s.operation.pk) > 0
        call_command("worker", "--batch", verbosity=0)
        assert _log_rows(s.operation.pk) == 0
        with CaptureQueriesContext(connection) as queries:
            again = client.get(url, **auto, HTTP_IF_NONE_MATCH=tag)
    assert (again.status_code, len(queries)) == (304, 1)
