"""Reading and writing the problem and schedule formats: every bad field is named, with its path."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haven.core.problems import InvalidInput
from haven.scheduling.formats import (
    dump_problem,
    dump_schedule,
    parse_problem,
    parse_schedule,
)
from haven.scheduling.generate import generate_problem
from haven.scheduling.greedy import greedy_board
from tests.scheduling.builders import (
    BASE,
    interpreter,
    interviewer,
    make_problem,
    make_schedule,
    person,
    problem_data,
    room,
)


def refusals(data: Any) -> list[str]:
    text = data if isinstance(data, str | bytes) else json.dumps(data)
    with pytest.raises(InvalidInput) as caught:
        parse_problem(text)
    assert caught.value.what == "interview problem"
    return [str(problem) for problem in caught.value.problems]


def small(**fields: Any) -> dict[str, Any]:
    defaults: dict[str, Any] = {
        "persons": [person("P-001"), person("P-002")],
        "interviewers": [interviewer("I-01")],
        "interpreters": [interpreter("T-01")],
        "rooms": [room("R-01")],
    }
    defaults.update(fields)
    return problem_data(**defaults)


def test_the_spec_example_reads() -> None:
    problem = parse_problem(
        json.dumps(
            {
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
                        "keep_apart": ["P-007"],
                        "interviewer_gender": "female",
                    },
                    {"id": "P-007", "minor": False, "languages": ["es"], "ready": 0, "duration": 2},
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
                "interpreters": [{"id": "T-01", "languages": ["en", "es"], "available": [[0, 48]]}],
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
        )
    )
    assert problem.persons[0].weight == 4
    assert problem.persons[1].weight == 1  # priority absent means normal
    assert problem.interviewers[0].available == [(0, 24), (28, 48)]


def test_a_person_ready_too_late_is_valid_input() -> None:
    problem = make_problem(
        horizon=10, persons=[person("P-001", ready=9, duration=4)], interviewers=[interviewer("I-01")]
    )
    assert problem.persons[0].ready == 9


def test_an_unknown_field_is_named_with_what_is_accepted() -> None:
    data = small()
    data["persons"][1]["nickname"] = "x"
    (message,) = refusals(data)
    assert message.startswith("persons[1].nickname: unknown field; accepted here: id, minor, languages")


def test_a_missing_field_is_named() -> None:
    data = small()
    del data["persons"][0]["minor"]
    assert refusals(data) == ["persons[0].minor: required field is missing"]


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("persons", 0, "ready"), -1, "persons[0].ready: must be a non-negative integer (got -1)"),
        (("persons", 0, "duration"), 2.5, "persons[0].duration: must be a whole number (got 2.5)"),
        (("persons", 0, "duration"), "3", 'persons[0].duration: must be a whole number (got "3")'),
        (("persons", 0, "minor"), "no", 'persons[0].minor: must be true or false (got "no")'),
        (
            ("persons", 0, "priority"),
            "asap",
            "persons[0].priority: must be 'urgent', 'high' or 'normal' (got \"asap\")",
        ),
        (
            ("interviewers", 0, "role"),
            "detective",
            "interviewers[0].role: must be 'investigator', 'prosecutor' or 'forensic_interviewer' "
            '(got "detective")',
        ),
        (("horizon",), -4, "horizon: must be a non-negative integer (got -4)"),
        (("horizon",), 10_001, "horizon: must be at most 10000 (got 10001)"),
        (("slot_minutes",), 0, "slot_minutes: must be at least 1 (got 0)"),
        # beyond these the schedule's times overflowed (a traceback, exit 1)
        (("slot_minutes",), 10**12, "slot_minutes: must be at most 1440 (got 1000000000000)"),
        (("start",), "9999-12-31T20:00:00+00:00", "start: must be between the years 2000 and 2100"),
        (
            ("rooms", 0, "available", 0, 1),
            -3,
            "rooms[0].available[0][1]: must be a non-negative integer (got -3)",
        ),
        (
            ("rooms", 0, "available", 0),
            [5],
            "rooms[0].available[0]: a window is a pair of slots [start, end]",
        ),
        (
            ("rooms", 0, "available", 0),
            [6, 2],
            "rooms[0].available[0]: a window [start, end] must not end before it starts (got [6, 2])",
        ),
        (("persons", 0, "id"), "", "persons[0].id: must not be empty"),
        (
            ("persons", 0, "languages", 0),
            "e_s",
            "persons[0].languages[0]: 'e_s' is not a BCP 47 language tag (e.g. en, es, yue, zh-Hant)",
        ),
        (
            ("interpreters", 0, "languages", 0),
            "und",
            "interpreters[0].languages[0]: 'und' names no language",
        ),
        (("format",), "haven.interview-problem/v2", "format: must be 'haven.interview-problem/v1'"),
    ],
)
def test_each_bad_value_is_named(path: tuple[Any, ...], value: Any, expected: str) -> None:
    data = small()
    target: Any = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    messages = refusals(data)
    assert len(messages) == 1
    assert messages[0].startswith(expected)


def test_a_start_without_offset_is_refused() -> None:
    (message,) = refusals(small(start="2026-12-03T09:00:00"))
    assert message.startswith("start: must be an ISO 8601 date-time with a UTC offset")


def test_repeated_ids_are_named_in_each_list() -> None:
    data = small(
        persons=[person("P-001"), person("P-001")],
        interviewers=[interviewer("I-01"), interviewer("I-01")],
        interpreters=[interpreter("T-01"), interpreter("T-01")],
        rooms=[room("R-01"), room("R-01")],
    )
    assert refusals(data) == [
        'persons[1].id: "P-001" is already the id of persons[0]',
        'interviewers[1].id: "I-01" is already the id of interviewers[0]',
        'interpreters[1].id: "T-01" is already the id of interpreters[0]',
        'rooms[1].id: "R-01" is already the id of rooms[0]',
    ]


def test_every_unresolved_reference_is_named() -> None:
    data = small(
        persons=[
            person("P-001", keep_apart=["P-002", "P-099"]),
            person("P-002", keep_apart=["P-002"]),
            person("P-003", fixed={"start": 0, "room": "R-09", "interviewer": "I-09", "interpreter": "T-09"}),
        ]
    )
    assert refusals(data) == [
        'persons[0].keep_apart[1]: "P-099" names no person',
        "persons[1].keep_apart[0]: a person cannot be kept apart from themselves",
        'persons[2].fixed.room: "R-09" names no room',
        'persons[2].fixed.interviewer: "I-09" names no interviewer',
        'persons[2].fixed.interpreter: "T-09" names no interpreter',
    ]


def test_shape_and_reference_problems_are_reported_together() -> None:
    data = small(persons=[person("P-001", ready=-2, keep_apart=["P-404"])])
    assert refusals(data) == [
        "persons[0].ready: must be a non-negative integer (got -2)",
        'persons[0].keep_apart[0]: "P-404" names no person',
    ]


def test_fixed_assignments_that_cannot_be_kept_are_refused() -> None:
    data = small(
        persons=[
            person("P-001", fixed={"start": 0, "room": "R-01", "interviewer": "I-01"}),
            person("P-002", fixed={"start": 1, "room": "R-01", "interviewer": "I-01"}),
            person("P-003", minor=True, fixed={"start": 4, "room": "R-02", "interviewer": "I-01"}),
        ],
        rooms=[room("R-01"), room("R-02", private=False)],
    )
    assert refusals(data) == [
        "persons[2].fixed: cannot be kept: P-003 is in room R-02, which is not private",
        "persons[2].fixed: cannot be kept: P-003 is a minor but interviewer I-01 is an investigator, "
        "not a forensic interviewer",
        "persons[1].fixed: cannot be kept: room R-01 also holds P-001's fixed interview at overlapping times",
        "persons[1].fixed: cannot be kept: interviewer I-01 also holds P-001's fixed interview at "
        "overlapping times",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{", "not valid JSON: Expecting property name enclosed in double quotes at line 1 column 2"),
        ("[1, 2]", "the problem must be a JSON object"),
        (b"\xff\xfe", "not"),
    ],
)
def test_text_that_is_not_a_problem_object_is_refused(text: str | bytes, expected: str) -> None:
    (message,) = refusals(text)
    assert message.startswith(expected)


def test_a_5000_digit_number_in_a_problem_is_refused_at_its_path() -> None:
    text = json.dumps(BASE).replace('"horizon": 16', '"horizon": ' + "9" * 5000)
    (message,) = refusals(text)
    assert message.startswith("horizon: is too large a whole number (5000 digits)")


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=1, max_value=60), st.integers(min_value=0, max_value=10_000))
def test_generated_problems_survive_a_round_trip(persons: int, seed: int) -> None:
    problem = generate_problem(persons, seed=seed)
    assert parse_problem(dump_problem(problem)) == problem


def test_a_schedule_is_written_in_the_spec_shape() -> None:
    problem = make_problem(
        persons=[person("P-001", languages=["es"]), person("P-002", ready=20)],
        interviewers=[interviewer("I-01")],
        interpreters=[interpreter("T-01")],
        rooms=[room("R-01")],
    )
    board = greedy_board(problem)
    schedule = make_schedule(
        problem,
        [a.model_dump() for a in board.placed.values()],
        [
            {
                "person": "P-002",
                "reason": "ready at slot 20 but the interview needs 2 slots and the horizon is 16",
            }
        ],
    )
    written = json.loads(dump_schedule(schedule))
    assert list(written) == ["format", "assignments", "unscheduled", "cost", "solver"]
    assert written["assignments"] == [
        {"person": "P-001", "start": 0, "room": "R-01", "interviewer": "I-01", "interpreter": "T-01"}
    ]
    assert written["cost"] == {"unscheduled_weight": 1, "weighted_wait": 0}
    assert parse_schedule(dump_schedule(schedule)) == schedule


def test_a_bad_schedule_file_is_refused_by_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_schedule(
            json.dumps(
                {
                    "format": "haven.interview-schedule/v1",
                    "assignments": [{"person": "P-001", "start": -1, "room": "R-01", "interviewer": "I-01"}],
                    "unscheduled": [],
                    "cost": {"unscheduled_weight": 0},
                    "solver": {"status": "great", "seconds": 1},
                }
            )
        )
    assert caught.value.what == "interview schedule"
    assert [str(p) for p in caught.value.problems] == [
        "assignments[0].start: must be a non-negative integer (got -1)",
        "cost.weighted_wait: required field is missing",
        "solver.status: must be 'optimal' or 'feasible' (got \"great\")",
    ]


def test_eligible_interviewers_and_rooms_are_optional_and_must_name_what_exists() -> None:
    """The optional `eligible_interviewers` and `eligible_rooms` of a person (issue 13: the operation plan
    says who interviews whom, and where): absent means every interviewer and room the rules allow."""
    read = make_problem(
        persons=[person("P-001", eligible_interviewers=["I-01"], eligible_rooms=["R-01"]), person("P-002")],
        interviewers=[interviewer("I-01"), interviewer("I-02")],
        rooms=[room("R-01"), room("R-02")],
    )
    assert read.persons[0].eligible_interviewers == ["I-01"]
    assert read.persons[0].eligible_rooms == ["R-01"]
    assert read.persons[1].eligible_interviewers is None
    assert read.persons[1].eligible_rooms is None
    assert "eligible_interviewers" not in dump_problem(make_problem(persons=[person("P-001")]))
    data = small(persons=[person("P-001", eligible_interviewers=["I-01", "I-09"], eligible_rooms=["R-09"])])
    assert refusals(data) == [
        'persons[0].eligible_interviewers[1]: "I-09" names no interviewer',
        'persons[0].eligible_rooms[0]: "R-09" names no room',
    ]


def test_languages_are_read_as_canonical_bcp_47_tags() -> None:
    data = small(persons=[person("P-001", languages=["ZH-hant", "zh-yue"])])
    problem = parse_problem(json.dumps(data))
    assert problem.persons[0].languages == ["zh-Hant", "yue"]
