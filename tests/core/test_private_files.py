"""Files Haven writes that others on the machine must not read (issue 12, "A copy of the database is not
a way in"): the embedded database's folder is 0700 and the database, its -wal and -shm files 0600; every
file a command writes with -o is 0600; the development secret key is random per data directory, kept there
0600. Each is checked under a umask (022) that would leave new files readable by everyone."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.plans.builders import EXAMPLE_PATH, edited
from tests.scheduling.test_haven_schedule import PROBLEM

ROOT = Path(__file__).resolve().parents[2]
HAVEN = str(Path(sys.executable).with_name("haven"))


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def embedded(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`haven …` in the embedded default (development settings, SQLite in `data_dir`), umask 022."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HAVEN_", "DJANGO_", "DATABASE_URL"))}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.dev", "HAVEN_DATA_DIR": str(data_dir)})
    return subprocess.run(
        [HAVEN, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=lambda: os.umask(0o022),
    )


# While the connection is open (SQLite removes -wal and -shm when the last one closes), write something
# and report the modes of the data directory and the database's three files.
OPEN_AND_STAT = """
import json, os, stat
from pathlib import Path
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS probe (n integer)")
    cursor.execute("INSERT INTO probe VALUES (1)")
database = Path(connection.settings_dict["NAME"])
files = [database.parent, database, Path(f"{database}-wal"), Path(f"{database}-shm")]
print(json.dumps({p.name: stat.S_IMODE(os.stat(p).st_mode) for p in files}))
"""


def test_the_embedded_database_folder_is_0700_and_its_files_0600(tmp_path):
    data_dir = tmp_path / "data"
    done = embedded(data_dir, "shell", "-c", OPEN_AND_STAT)
    assert done.returncode == 0, done.stderr
    modes = json.loads(done.stdout.strip().splitlines()[-1])
    assert modes == {
        "data": 0o700,
        "haven.sqlite3": 0o600,
        "haven.sqlite3-wal": 0o600,
        "haven.sqlite3-shm": 0o600,
    }, {name: oct(value) for name, value in modes.items()}


def test_an_embedded_database_left_readable_by_an_earlier_version_is_made_private(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)
    database = data_dir / "haven.sqlite3"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE earlier (n integer)")
    database.chmod(0o644)
    done = embedded(data_dir, "shell", "-c", OPEN_AND_STAT)
    assert done.returncode == 0, done.stderr
    modes = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(modes.values()) == {0o700, 0o600}, {name: oct(value) for name, value in modes.items()}


def test_the_development_secret_key_is_random_per_data_directory_and_kept_there_0600(tmp_path):
    show = "from django.conf import settings; print(settings.SECRET_KEY)"
    first_dir, second_dir = tmp_path / "first", tmp_path / "second"
    first = embedded(first_dir, "shell", "-c", show)
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip().splitlines()[-1]
    assert len(key) >= 50
    assert str(first_dir) not in key
    assert first_dir.name not in key
    # kept in the data directory, 0600, and the same at the next start
    (kept,) = [p for p in (first_dir / "keys").iterdir() if p.name.startswith("secret")]
    assert mode(kept) == 0o600
    assert embedded(first_dir, "shell", "-c", show).stdout.strip().splitlines()[-1] == key
    # another data directory has its own
    assert embedded(second_dir, "shell", "-c", show).stdout.strip().splitlines()[-1] != key


def test_haven_secret_key_still_overrides_the_development_key(tmp_path):
    env_key = "an-operator-chosen-secret-key-" + "x" * 40
    show = "from django.conf import settings; print(settings.SECRET_KEY)"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HAVEN_", "DJANGO_", "DATABASE_URL"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            "HAVEN_DATA_DIR": str(tmp_path / "data"),
            "HAVEN_SECRET_KEY": env_key,
        }
    )
    done = subprocess.run(
        [HAVEN, "shell", "-c", show],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.stdout.strip().splitlines()[-1] == env_key, done.stderr


# --- files written with -o ---------------------------------------------------------------------------


def command(*args: str) -> None:
    """A command in this process, as `haven` runs it: some end with SystemExit(0) when all went well."""
    code: object = 0
    try:
        call_command(*args, stdout=StringIO(), stderr=StringIO())
    except SystemExit as exit_:
        code = exit_.code
    assert code in (0, None), f"{args[0]} exited {code}"


def _existing(path: Path) -> Path:
    """A file already there, readable by everyone: writing over it must not keep its mode."""
    path.write_text("an earlier version\n")
    path.chmod(0o644)
    return path


@pytest.mark.django_db
def test_a_full_plan_exported_with_o_is_0600(persona, tmp_path, loose_umask):
    coordinator = persona("coordinator")
    source = tmp_path / "plan.json"
    source.write_text(json.dumps(edited({})))
    call_command("plan", "import", str(source), "--as", coordinator.username, stdout=StringIO())
    target = _existing(tmp_path / "full-plan.yaml")
    command("plan", "export", "NL-2026-12", "-o", str(target), "--as", coordinator.username)
    assert "NL-2026-12" in target.read_text()
    assert mode(target) == 0o600


@pytest.mark.django_db
def test_a_briefing_written_with_o_is_0600(tmp_path, loose_umask):
    target = _existing(tmp_path / "briefing.md")
    command("plan", "briefing", str(EXAMPLE_PATH), "--audience", "full", "-o", str(target))
    assert target.read_text().startswith("#")
    assert mode(target) == 0o600


@pytest.mark.django_db
def test_an_internal_report_written_with_o_is_0600(tmp_path, loose_umask):
    from tests.personas import make_user
    from tests.reports.builders import after_action_exercise

    make_user("outsider")
    after_action_exercise()
    target = _existing(tmp_path / "report.md")
    command(
        "report", "NL-2026-12", "--audience", "internal", "--format", "md", "-o", str(target),
        "--as", "cole.coordinator",
    )  # fmt: skip
    assert "After-action report" in target.read_text()
    assert mode(target) == 0o600


def test_a_schedule_written_with_o_is_0600(tmp_path, loose_umask):
    problem = tmp_path / "problem.json"
    problem.write_text(json.dumps(PROBLEM))
    target = _existing(tmp_path / "schedule.json")
    command("schedule", str(problem), "--time-limit", "2", "-o", str(target))
    assert json.loads(target.read_text())["assignments"]
    assert mode(target) == 0o600
