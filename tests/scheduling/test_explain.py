"""Why someone stays unscheduled: reasons a coordinator can act on, for crafted instances."""

from __future__ import annotations

from typing import Any

import pytest

from haven.scheduling.explain import clock, language_label
from haven.scheduling.solver import solve
from tests.scheduling.builders import interpreter, interviewer, make_problem, person, room


def reasons(**fields: Any) -> dict[str, str]:
    problem = make_problem(**fields)
    schedule = solve(problem, time_limit=2.0)
    return {u.person: u.reason for u in schedule.unscheduled}


def test_a_person_ready_too_late_for_the_horizon() -> None:
    found = reasons(
        horizon=42,
        persons=[person("P-001", ready=40, duration=4)],
        interviewers=[interviewer("I-01", available=[[0, 42]])],
        rooms=[room("R-01", available=[[0, 42]])],
    )
    assert found == {"P-001": "ready at slot 40 but the interview needs 4 slots and the horizon is 42"}


def test_a_minor_with_no_forensic_interviewer_free_before_the_horizon() -> None:
    found = reasons(
        persons=[person("P-001", minor=True, ready=4, duration=4)],
        interviewers=[
            interviewer("I-01"),
            interviewer("I-02", role="forensic_interviewer", available=[[0, 6], [12, 14]]),
        ],
        rooms=[room("R-01")],
    )
    assert found["P-001"].startswith("no forensic interviewer is available before the horizon")
    assert "4 consecutive slots between 10:00 (slot 4) and the horizon (13:00, slot 16)" in found["P-001"]


def test_a_minor_when_the_operation_has_no_forensic_interviewer() -> None:
    found = reasons(
        persons=[person("P-001", minor=True)], interviewers=[interviewer("I-01")], rooms=[room("R-01")]
    )
    assert found == {"P-001": "no forensic interviewer is available; a minor must be interviewed by one"}


def test_no_interpreter_for_the_persons_language() -> None:
    found = reasons(
        persons=[person("P-001", languages=["ht"])],
        interviewers=[interviewer("I-01", languages=["en", "es"])],
        interpreters=[interpreter("T-01", languages=["en", "es"])],
        rooms=[room("R-01")],
    )
    assert found["P-001"].startswith("no interpreter for Haitian Creole (ht)")


def test_an_interpreter_who_is_never_free_with_an_interviewer() -> None:
    found = reasons(
        persons=[person("P-001", languages=["ht"])],
        interviewers=[interviewer("I-01", available=[[0, 8]])],
        interpreters=[interpreter("T-01", languages=["en", "ht"], available=[[8, 16]])],
        rooms=[room("R-01")],
    )
    assert found["P-001"].startswith(
        "no interpreter for Haitian Creole (ht) is free at the same time as an eligible interviewer"
    )


def test_no_interviewer_of_the_stated_gender() -> None:
    found = reasons(
        persons=[person("P-001", interviewer_gender="female")],
        interviewers=[interviewer("I-01", gender="male"), interviewer("I-02", gender=None)],
        rooms=[room("R-01")],
    )
    assert found["P-001"].startswith("no interviewer of the stated gender (female) is available")


def test_no_suitable_room() -> None:
    found = reasons(
        persons=[person("P-001")],
        interviewers=[interviewer("I-01")],
        rooms=[room("R-01", private=False), room("R-02", nondetention=False)],
    )
    assert found == {"P-001": "no room is both private and in a nondetention setting; add one"}


def test_every_eligible_interviewer_and_room_taken_until_the_horizon() -> None:
    found = reasons(
        horizon=4,
        persons=[person("P-001", duration=4, priority="urgent"), person("P-002", duration=4)],
        interviewers=[interviewer("I-01", available=[[0, 4]])],
        rooms=[room("R-01", available=[[0, 4]])],
    )
    assert found == {
        "P-002": "every eligible interviewer and room is taken until the horizon (10:00); "
        "add an interviewer or a room, or extend the day, to fit them in"
    }


def test_kept_apart_from_someone_at_the_only_free_time() -> None:
    found = reasons(
        horizon=2,
        persons=[person("P-001", priority="urgent"), person("P-002", keep_apart=["P-001"])],
        interviewers=[interviewer("I-01"), interviewer("I-02")],
        rooms=[room("R-01"), room("R-02")],
    )
    assert found == {
        "P-002": "the free times would put P-002 at the same location as P-001, from whom they must be kept "
        "apart; add a room at another location, or extend the day, to fit them in"
    }


@pytest.mark.parametrize(
    ("code", "label"),
    [("ht", "Haitian Creole (ht)"), ("es", "Spanish (es)"), ("mam", "Mam (mam)"), ("xx", "xx")],
)
def test_language_codes_are_named_in_english(code: str, label: str) -> None:
    assert language_label(code) == label


def test_slots_are_shown_as_wall_clock_times_in_the_operations_offset() -> None:
    problem = make_problem(
        horizon=200, persons=[person("P-001")], interviewers=[interviewer("I-01")], rooms=[room("R-01")]
    )
    assert clock(problem, 0) == "09:00"
    assert clock(problem, 34) == "17:30"
    assert clock(problem, 100) == "2026-12-04 10:00"


def test_no_interviewer_eligible_for_the_person() -> None:
    """A person whom the problem lets only some interviewers interview (the plan's `interviews` entry)."""
    found = reasons(
        persons=[
            person("P-001", eligible_interviewers=["I-02"]),
            person("P-002", minor=True, eligible_interviewers=["I-01"]),
            person("P-003", eligible_interviewers=[]),
        ],
        interviewers=[
            interviewer("I-01", role="forensic_interviewer"),
            interviewer("I-02", available=[[0, 1]]),
        ],
        rooms=[room("R-01"), room("R-02")],
    )
    assert found["P-001"].startswith("no interviewer eligible for P-001 is available before the horizon")
    assert "P-002" not in found  # the forensic interviewer is eligible for the minor
    assert found["P-003"] == "no interviewer is eligible for P-003"


def test_no_room_eligible_for_the_person() -> None:
    found = reasons(
        persons=[person("P-001", minor=True, eligible_rooms=["R-02"]), person("P-002", eligible_rooms=[])],
        interviewers=[interviewer("I-01", role="forensic_interviewer")],
        rooms=[room("R-01"), room("R-02", location="cac-suite", available=[[0, 1]])],
    )
    assert found["P-001"].startswith("no room eligible for P-001 is free for 2 consecutive slots")
    assert found["P-002"] == "no room is eligible for P-002"
