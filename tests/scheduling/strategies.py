"""Hypothesis strategies for small interview problems (valid by construction)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from haven.scheduling.formats import InterviewProblem, parse_problem
from haven.scheduling.greedy import greedy_board
from tests.scheduling.builders import problem_data

LANGUAGES = ["en", "es", "ht"]
GENDERS = [None, "female", "male"]


@st.composite
def windows(draw: st.DrawFn, horizon: int) -> list[list[int]]:
    count = draw(st.integers(min_value=1, max_value=2))
    found = []
    for _ in range(count):
        first = draw(st.integers(min_value=0, max_value=horizon))
        end = draw(st.integers(min_value=first, max_value=horizon + 1))
        found.append([first, end])
    return found


@st.composite
def problems(
    draw: st.DrawFn,
    *,
    max_persons: int = 6,
    max_horizon: int = 12,
    max_duration: int = 4,
    max_interviewers: int = 3,
    max_interpreters: int = 2,
    max_rooms: int = 3,
    zero_durations: bool = True,
    with_fixed: bool = True,
) -> InterviewProblem:
    horizon = draw(st.integers(min_value=2, max_value=max_horizon))
    count = draw(st.integers(min_value=1, max_value=max_persons))
    ids = [f"P-{n:02d}" for n in range(1, count + 1)]
    persons: list[dict[str, Any]] = []
    for ident in ids:
        others = [other for other in ids if other != ident]
        persons.append(
            {
                "id": ident,
                "minor": draw(st.booleans()),
                "languages": draw(st.lists(st.sampled_from(LANGUAGES), min_size=1, max_size=2, unique=True)),
                "ready": draw(st.integers(min_value=0, max_value=horizon)),
                "duration": draw(st.integers(min_value=0 if zero_durations else 1, max_value=max_duration)),
                "priority": draw(st.sampled_from([None, "urgent", "high", "normal"])),
                "keep_apart": draw(st.lists(st.sampled_from(others), max_size=1, unique=True))
                if others
                else [],
                "interviewer_gender": draw(st.sampled_from(GENDERS)),
            }
        )
    interviewers = [
        {
            "id": f"I-{n}",
            "role": draw(st.sampled_from(["investigator", "prosecutor", "forensic_interviewer"])),
            "gender": draw(st.sampled_from(GENDERS)),
            "languages": draw(st.lists(st.sampled_from(LANGUAGES), min_size=1, max_size=2, unique=True)),
            "available": draw(windows(horizon)),
        }
        for n in range(1, draw(st.integers(min_value=1, max_value=max_interviewers)) + 1)
    ]
    interpreters = [
        {
            "id": f"T-{n}",
            "languages": draw(st.lists(st.sampled_from(LANGUAGES), min_size=2, max_size=3, unique=True)),
            "available": draw(windows(horizon)),
        }
        for n in range(1, draw(st.integers(min_value=0, max_value=max_interpreters)) + 1)
    ]
    rooms = [
        {
            "id": f"R-{n}",
            "location": draw(st.sampled_from(["harbor-center", "eastside-advocacy"])),
            "private": draw(st.booleans() | st.just(True)),
            "nondetention": draw(st.booleans() | st.just(True)),
            "available": draw(windows(horizon)),
        }
        for n in range(1, draw(st.integers(min_value=1, max_value=max_rooms)) + 1)
    ]
    # Who may interview whom, and where (the plan's rules, issue 13): absent for most, a subset for some.
    for entry in persons:
        for field, pool in (("eligible_interviewers", interviewers), ("eligible_rooms", rooms)):
            if draw(st.integers(min_value=0, max_value=3)) == 0:
                ids = [item["id"] for item in pool]
                entry[field] = draw(st.lists(st.sampled_from(ids), unique=True, max_size=len(ids)))
    data = problem_data(
        horizon=horizon, persons=persons, interviewers=interviewers, interpreters=interpreters, rooms=rooms
    )
    problem = parse_problem(json.dumps(data))
    if with_fixed and draw(st.booleans()):
        # Pin one interview the coordinator's greedy placed: a fixed assignment that can be kept.
        placed = sorted(greedy_board(problem).placed.values(), key=lambda a: a.person)
        if placed:
            chosen = draw(st.sampled_from(placed))
            for entry in data["persons"]:
                if entry["id"] == chosen.person:
                    entry["fixed"] = chosen.model_dump(exclude={"person"})
            problem = parse_problem(json.dumps(data))
    return problem
