"""The entry points behind `haven schedule PROBLEM.json` and `haven schedule check PROBLEM.json SCHEDULE.json`.

Pure functions over paths and text streams, so that the management command only parses its arguments and
passes them on. Exit codes: 0 success; 1 the schedule breaks a rule (check only); 2 an input that cannot be
used (unreadable, not valid JSON, or breaking its format), with one line per problem naming the field.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TextIO

from haven.core.files import write_private
from haven.core.problems import InvalidInput
from haven.scheduling.formats import InterviewProblem, Schedule, dump_schedule, parse_problem, parse_schedule
from haven.scheduling.solver import solve
from haven.scheduling.validate import check_schedule

DEFAULT_TIME_LIMIT = 10.0

OK = 0
VIOLATIONS = 1
UNUSABLE = 2


def _read(path: str, err: TextIO) -> bytes | None:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        err.write(f"{path}: cannot read: {exc.strerror or exc}\n")
        return None


def _load_problem(path: str, err: TextIO) -> InterviewProblem | None:
    text = _read(path, err)
    if text is None:
        return None
    try:
        return parse_problem(text)
    except InvalidInput as exc:
        for problem in exc.problems:
            err.write(f"{path}: {problem}\n")
        return None


def _load_schedule(path: str, err: TextIO) -> Schedule | None:
    text = _read(path, err)
    if text is None:
        return None
    try:
        return parse_schedule(text)
    except InvalidInput as exc:
        for problem in exc.problems:
            err.write(f"{path}: {problem}\n")
        return None


def run_schedule(
    problem_path: str, *, time_limit: float, output: str | None, out: TextIO, err: TextIO
) -> int:
    """Solve a problem file; the schedule goes to `output` (written whole) or to `out`.

    Exit 0 with a valid schedule; 2 when the problem cannot be used (one line per problem on `err`, nothing
    else written).
    """
    if not (isinstance(time_limit, int | float) and math.isfinite(time_limit) and time_limit > 0):
        err.write(f"--time-limit: must be a positive number of seconds (got {time_limit!r})\n")
        return UNUSABLE
    problem = _load_problem(problem_path, err)
    if problem is None:
        return UNUSABLE
    schedule = solve(problem, time_limit=time_limit)
    text = dump_schedule(schedule)
    if output is None:
        out.write(text)
        return OK
    try:
        write_private(output, text)
    except OSError as exc:
        err.write(f"{output}: cannot write: {exc.strerror or exc}\n")
        return UNUSABLE
    assert schedule.solver is not None
    err.write(
        f"{output}: {len(schedule.assignments)} scheduled, {len(schedule.unscheduled)} unscheduled, "
        f"unscheduled weight {schedule.cost.unscheduled_weight}, weighted wait {schedule.cost.weighted_wait} "
        f"({schedule.solver.status}, {schedule.solver.seconds:.1f} s)\n"
    )
    return OK


def run_check(problem_path: str, schedule_path: str, out: TextIO, err: TextIO) -> int:
    """Check a schedule file against its problem file: 0 valid, 1 violations listed on `out`, 2 unusable files."""
    problem = _load_problem(problem_path, err)
    schedule = _load_schedule(schedule_path, err)
    if problem is None or schedule is None:
        return UNUSABLE
    violations = check_schedule(problem, schedule)
    if violations:
        for violation in violations:
            out.write(f"{violation}\n")
        return VIOLATIONS
    out.write(
        f"valid: {len(schedule.assignments)} scheduled, {len(schedule.unscheduled)} unscheduled, "
        f"unscheduled weight {schedule.cost.unscheduled_weight}, weighted wait {schedule.cost.weighted_wait}\n"
    )
    return OK
