"""`haven schedule` and `haven schedule check` as a person runs them: exit codes and outputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HAVEN = str(Path(sys.executable).with_name("haven"))
PROBLEM = {
    "format": "haven.interview-problem/v1",
    "operation": "NL-2026-12",
    "start": "2026-12-03T09:00:00-05:00",
    "slot_minutes": 15,
    "horizon": 48,
    "persons": [
        {
            "id": "P-001",
            "minor": False,
            "languages": ["es"],
            "ready": 2,
            "duration": 4,
            "priority": "urgent",
            "interviewer_gender": "female",
        },
        {"id": "P-002", "minor": True, "languages": ["es"], "ready": 0, "duration": 4},
    ],
    "interviewers": [
        {
            "id": "I-01",
            "role": "investigator",
            "gender": "female",
            "languages": ["en", "es"],
            "available": [[0, 24], [28, 48]],
        }
    ],
    "interpreters": [],
    "rooms": [
        {
            "id": "R-01",
            "location": "harbor-center",
            "private": True,
            "nondetention": True,
            "available": [[0, 48]],
        }
    ],
}


def _haven(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HAVEN, *args], capture_output=True, text=True, timeout=120, check=False)


def test_schedule_writes_a_valid_schedule_and_check_accepts_it(tmp_path):
    problem = tmp_path / "problem.json"
    problem.write_text(json.dumps(PROBLEM))
    out = tmp_path / "schedule.json"
    solved = _haven("schedule", str(problem), "--time-limit", "3", "-o", str(out))
    assert solved.returncode == 0, solved.stderr
    schedule = json.loads(out.read_text())
    assert [a["person"] for a in schedule["assignments"]] == ["P-001"]
    assert schedule["unscheduled"][0]["person"] == "P-002"
    assert "forensic interviewer" in schedule["unscheduled"][0]["reason"]
    checked = _haven("schedule", "check", str(problem), str(out))
    assert checked.returncode == 0
    schedule["assignments"][0]["start"] = 1  # before the person is ready
    out.write_text(json.dumps(schedule))
    assert _haven("schedule", "check", str(problem), str(out)).returncode == 1


def test_an_invalid_problem_exits_2_naming_the_field(tmp_path):
    problem = tmp_path / "problem.json"
    broken = {**PROBLEM, "persons": [{**PROBLEM["persons"][0], "keep_apart": ["P-099"]}]}
    problem.write_text(json.dumps(broken))
    result = _haven("schedule", str(problem))
    assert result.returncode == 2
    assert "persons[0].keep_apart[0]" in result.stderr
    assert result.stdout == ""
