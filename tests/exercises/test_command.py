"""`haven exercise load FILE [--reset]`: exit 0 with a summary, 1 for a refusal or a differing file, 2 for an
invalid file — one line per problem, each with its path."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from haven.operations.models import Operation
from tests.exercises.builders import at, small_data, write

ROOT = Path(__file__).resolve().parents[2]
HAVEN = str(Path(sys.executable).with_name("haven"))


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("exercise", "load", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_a_valid_file_loads_with_a_summary_and_loads_again_with_no_change(tmp_path):
    path = write(tmp_path, small_data())
    code, out, err = run(str(path))
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == f"Loaded exercise NL-2026-12 (Operation Northern Light) from {path}:"
    assert "  persons                       3" in out
    assert "  users                         7  (7 created, 0 updated)" in out
    code, out, err = run(str(path))
    assert (code, err) == (0, "")
    assert (
        out.splitlines()[0]
        == f"Exercise NL-2026-12 (Operation Northern Light) is loaded as {path} describes it: no change."
    )


@pytest.mark.django_db
def test_an_invalid_file_exits_2_with_one_line_per_problem(tmp_path):
    data = small_data(
        {"encounter.interviews[0].location": "cell-3", "encounter.needs[0].at": "2026-12-03T07:00"}
    )
    code, out, err = run(str(write(tmp_path, data)))
    assert code == 2
    assert out == ""
    assert err.splitlines() == [
        "encounter.needs[0].at: '2026-12-03T07:00' has no UTC offset: write it like 2026-12-03T05:00:00-05:00",
        "encounter.interviews[0].location: 'cell-3' is not an interview location of the plan (harbor-rooms, cac-suite)",
    ]
    assert not Operation.objects.exists()


@pytest.mark.django_db
def test_a_guardrail_refusal_exits_1_naming_the_record_and_the_rule(tmp_path):
    code, out, err = run(str(write(tmp_path, small_data({"encounter.needs[0].at": at("09:30")}))))
    assert code == 1
    assert out == ""
    [line] = err.splitlines()
    assert line.startswith(
        "Refused, nothing was stored: encounter.interviews[0]: P-001's needs were not assessed"
    )
    assert line.endswith("[rule: interview.needs-first]")
    assert not Operation.objects.exists()


@pytest.mark.django_db
def test_a_differing_file_exits_1_naming_the_differences_and_reset_replaces_it(tmp_path):
    assert run(str(write(tmp_path, small_data())))[0] == 0
    changed = write(tmp_path, small_data({"encounter.interviews[0].minutes": 45}))
    code, out, err = run(str(changed))
    assert code == 1
    assert err.splitlines() == [
        "The file differs from exercise NL-2026-12 as loaded (1 difference); load it with --reset to replace it.",
        "  encounter.interviews[0].minutes: 45 in the file, 60 as loaded",
    ]
    code, out, err = run(str(changed), "--reset")
    assert (code, err) == (0, "")
    assert out.splitlines()[0].startswith(
        "Reset exercise NL-2026-12 (Operation Northern Light): removed 3 persons with all their records"
    )
    assert run(str(changed))[1].splitlines()[0].endswith("no change.")


def _haven(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env: dict[str, Any] = {
        k: v for k, v in os.environ.items() if not k.startswith(("HAVEN_", "DJANGO_", "DATABASE_URL"))
    }
    env["HAVEN_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [HAVEN, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_the_haven_command_exits_0_1_and_2(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    assert _haven(data_dir, "migrate", "-v0").returncode == 0
    good = write(tmp_path / "good", small_data())
    loaded = _haven(data_dir, "exercise", "load", str(good))
    assert loaded.returncode == 0, loaded.stderr
    assert "Loaded exercise NL-2026-12" in loaded.stdout
    again = _haven(data_dir, "exercise", "load", str(good))
    assert again.returncode == 0, again.stderr
    assert "no change" in again.stdout
    invalid = _haven(data_dir, "exercise", "load", str(write(tmp_path / "bad", small_data({"users": []}))))
    assert (invalid.returncode, invalid.stderr) == (2, "users: must list at least 1 entry\n")
    differing = write(tmp_path / "other", small_data({"encounter.designations[0].status": "witness"}))
    refused = _haven(data_dir, "exercise", "load", str(differing))
    assert refused.returncode == 1
    assert "encounter.designations[0].status: 'witness' in the file, 'suspect' as loaded" in refused.stderr
    verify = _haven(data_dir, "audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
