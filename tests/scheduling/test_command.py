"""`haven schedule` and `haven schedule check`: exit codes 0, 1 and 2, and what each writes."""

from __future__ import annotations

import io
import json
from pathlib import Path

from haven.scheduling.command import run_check, run_schedule
from haven.scheduling.formats import dump_problem, parse_schedule
from haven.scheduling.generate import generate_problem
from haven.scheduling.validate import check_schedule
from tests.scheduling.builders import interviewer, person, problem_data, room


def write_problem(tmp_path: Path) -> Path:
    path = tmp_path / "problem.json"
    path.write_text(dump_problem(generate_problem(12, seed=12)))
    return path


def test_schedule_writes_a_valid_schedule_to_stdout(tmp_path: Path) -> None:
    problem_path = write_problem(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    assert run_schedule(str(problem_path), time_limit=2.0, output=None, out=out, err=err) == 0
    schedule = parse_schedule(out.getvalue())
    problem = generate_problem(12, seed=12)
    assert check_schedule(problem, schedule) == []
    assert err.getvalue() == ""


def test_schedule_writes_the_file_given_with_o(tmp_path: Path) -> None:
    problem_path = write_problem(tmp_path)
    target = tmp_path / "schedule.json"
    out, err = io.StringIO(), io.StringIO()
    assert run_schedule(str(problem_path), time_limit=1.0, output=str(target), out=out, err=err) == 0
    assert out.getvalue() == ""
    assert json.loads(target.read_text())["format"] == "haven.interview-schedule/v1"
    assert sorted(tmp_path.iterdir()) == sorted([problem_path, target])  # no temporary file left behind
    assert "scheduled" in err.getvalue()


def test_an_invalid_problem_exits_2_naming_each_field_and_writes_nothing(tmp_path: Path) -> None:
    data = problem_data(
        persons=[person("P-001", ready=-1), person("P-002", keep_apart=["P-099"])],
        interviewers=[interviewer("I-01")],
        rooms=[room("R-01")],
    )
    problem_path = tmp_path / "bad.json"
    problem_path.write_text(json.dumps(data))
    target = tmp_path / "schedule.json"
    out, err = io.StringIO(), io.StringIO()
    assert run_schedule(str(problem_path), time_limit=1.0, output=str(target), out=out, err=err) == 2
    assert out.getvalue() == ""
    assert not target.exists()
    assert err.getvalue().splitlines() == [
        f"{problem_path}: persons[0].ready: must be a non-negative integer (got -1)",
        f'{problem_path}: persons[1].keep_apart[0]: "P-099" names no person',
    ]


def test_an_unreadable_problem_or_a_bad_time_limit_exits_2(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run_schedule(str(tmp_path / "missing.json"), time_limit=1.0, output=None, out=out, err=err) == 2
    assert "missing.json: cannot read: No such file or directory" in err.getvalue()
    err = io.StringIO()
    assert run_schedule(str(write_problem(tmp_path)), time_limit=0, output=None, out=out, err=err) == 2
    assert err.getvalue().startswith("--time-limit: must be a positive number of seconds")
    assert out.getvalue() == ""


def test_check_exits_0_for_a_valid_schedule_and_1_listing_violations(tmp_path: Path) -> None:
    problem_path = write_problem(tmp_path)
    schedule_path = tmp_path / "schedule.json"
    run_schedule(
        str(problem_path), time_limit=1.0, output=str(schedule_path), out=io.StringIO(), err=io.StringIO()
    )
    out, err = io.StringIO(), io.StringIO()
    assert run_check(str(problem_path), str(schedule_path), out, err) == 0
    assert out.getvalue().startswith("valid: ")
    # when the stated cost is tampered with
    data = json.loads(schedule_path.read_text())
    data["cost"]["weighted_wait"] += 1
    schedule_path.write_text(json.dumps(data))
    out = io.StringIO()
    assert run_check(str(problem_path), str(schedule_path), out, err) == 1
    assert out.getvalue().splitlines() == [
        f"cost: the schedule states unscheduled_weight {data['cost']['unscheduled_weight']} and weighted_wait "
        f"{data['cost']['weighted_wait']}, but its assignments give unscheduled_weight "
        f"{data['cost']['unscheduled_weight']} and weighted_wait {data['cost']['weighted_wait'] - 1}"
    ]
    assert err.getvalue() == ""


def test_check_exits_2_for_files_it_cannot_use(tmp_path: Path) -> None:
    problem_path = write_problem(tmp_path)
    bad = tmp_path / "bad-schedule.json"
    bad.write_text('{"format": "haven.interview-schedule/v1", "assignments": []}')
    out, err = io.StringIO(), io.StringIO()
    assert run_check(str(problem_path), str(bad), out, err) == 2
    assert out.getvalue() == ""
    assert err.getvalue().splitlines() == [
        f"{bad}: unscheduled: required field is missing",
        f"{bad}: cost: required field is missing",
    ]
