"""Small interview problems for tests, built as plain data and read through the real parser."""

from __future__ import annotations

import copy
import json
from typing import Any

from haven.scheduling.formats import InterviewProblem, Schedule, parse_problem
from haven.scheduling.validate import schedule_cost

BASE: dict[str, Any] = {
    "format": "haven.interview-problem/v1",
    "operation": "EX-TEST",
    "start": "2026-12-03T09:00:00-05:00",
    "slot_minutes": 15,
    "horizon": 16,
    "persons": [],
    "interviewers": [],
    "interpreters": [],
    "rooms": [],
}


def person(ident: str, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"id": ident, "minor": False, "languages": ["en"], "ready": 0, "duration": 2}
    data.update(fields)
    return data


def interviewer(ident: str, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": ident,
        "role": "investigator",
        "gender": "female",
        "languages": ["en"],
        "available": [[0, 16]],
    }
    data.update(fields)
    return data


def interpreter(ident: str, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"id": ident, "languages": ["en", "es"], "available": [[0, 16]]}
    data.update(fields)
    return data


def room(ident: str, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": ident,
        "location": "harbor-center",
        "private": True,
        "nondetention": True,
        "available": [[0, 16]],
    }
    data.update(fields)
    return data


def problem_data(**fields: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data.update(fields)
    return data


def make_problem(**fields: Any) -> InterviewProblem:
    """A problem through the real parser (so a test never starts from an input the parser would refuse)."""
    return parse_problem(json.dumps(problem_data(**fields)))


def make_schedule(
    problem: InterviewProblem,
    assignments: list[dict[str, Any]],
    unscheduled: list[dict[str, Any]] | None = None,
    *,
    cost: tuple[int, int] | None = None,
) -> Schedule:
    """A hand-built schedule whose cost is the true one unless `cost` says otherwise."""
    schedule = Schedule.model_validate(
        {
            "format": "haven.interview-schedule/v1",
            "assignments": [{"interpreter": None, **a} for a in assignments],
            "unscheduled": unscheduled or [],
            "cost": {"unscheduled_weight": 0, "weighted_wait": 0},
        }
    )
    if cost is None:
        return schedule.model_copy(update={"cost": schedule_cost(problem, schedule)})
    return schedule.model_copy(
        update={
            "cost": schedule.cost.model_copy(update={"unscheduled_weight": cost[0], "weighted_wait": cost[1]})
        }
    )
