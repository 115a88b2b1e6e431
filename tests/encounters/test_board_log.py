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
