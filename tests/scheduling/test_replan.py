"""Re-planning: started and pinned interviews stay where they are; the rest is planned again."""

from __future__ import annotations

import pytest

from haven.core.problems import InvalidInput
from haven.scheduling.formats import Assignment, InterviewProblem, Room, Schedule
from haven.scheduling.generate import generate_problem
from haven.scheduling.replan import replan
from haven.scheduling.solver import solve
from haven.scheduling.validate import check_schedule
from tests.scheduling.builders import interviewer, make_problem, person, room


def where(schedule: Schedule) -> dict[str, Assignment]:
    return {a.person: a for a in schedule.assignments}


@pytest.fixture
def morning() -> tuple[InterviewProblem, Schedule]:
    problem = generate_problem(40, seed=11)
    return problem, solve(problem, time_limit=2.0)


def test_started_and_pinned_interviews_stay_in_place(morning: tuple[InterviewProblem, Schedule]) -> None:
    problem, previous = morning
    before = where(previous)
    started = {a.person for a in previous.assignments if a.start <= 2}
    pinned = {a.person for a in previous.assignments[-3:]}
    # given an interviewer who leaves at slot 30 and a room that opens
    leaving = next(
        i.id for i in problem.interviewers if not any(before[p].interviewer == i.id for p in pinned)
    )
    extra = Room(id="R-99", location="harbor-center", private=True, nondetention=True, available=[(10, 48)])
    # when
    replanned = replan(
        problem, previous, pinned=pinned, started=started, gone={leaving: 30}, extra_rooms=[extra]
    )
    after = solve(replanned, time_limit=2.0)
    # then
    assert check_schedule(replanned, after) == []
    now = where(after)
    for person_id in started | pinned:
        assert now[person_id] == before[person_id]
    for assignment in after.assignments:
        if assignment.interviewer == leaving and assignment.person not in started:
            duration = next(p.duration for p in replanned.persons if p.id == assignment.person)
            assert assignment.start + duration <= 30
    assert "R-99" in {r.id for r in replanned.rooms}


def test_a_started_interview_is_kept_when_its_interviewer_leaves_mid_way() -> None:
    problem = make_problem(
        persons=[person("P-001", duration=4), person("P-002")],
        interviewers=[interviewer("I-01"), interviewer("I-02")],
        rooms=[room("R-01"), room("R-02")],
    )
    previous = solve(problem, time_limit=2.0)
    first = where(previous)["P-001"]
    replanned = replan(problem, previous, started={"P-001"}, gone={first.interviewer: first.start + 1})
    after = solve(replanned, time_limit=2.0)
    assert check_schedule(replanned, after) == []
    assert where(after)["P-001"] == first
    leaving = next(i for i in replanned.interviewers if i.id == first.interviewer)
    assert leaving.available == [(0, first.start + 4)]  # they finish what they started, then leave


def test_a_pin_the_leaving_interviewer_cannot_keep_is_released() -> None:
    problem = make_problem(
        persons=[person("P-001", ready=6)],
        interviewers=[interviewer("I-01"), interviewer("I-02")],
        rooms=[room("R-01")],
    )
    previous = solve(problem, time_limit=2.0)
    assert where(previous)["P-001"].interviewer == "I-01"
    replanned = replan(problem, previous, pinned={"P-001"}, gone={"I-01": 4})
    assert replanned.persons[0].fixed is None
    after = solve(replanned, time_limit=2.0)
    assert where(after)["P-001"].interviewer == "I-02"


def test_nobody_free_to_move_is_planned_before_now() -> None:
    problem = make_problem(
        persons=[person("P-001"), person("P-002", ready=3)],
        interviewers=[interviewer("I-01")],
        rooms=[room("R-01")],
    )
    previous = solve(problem, time_limit=2.0)
    replanned = replan(problem, previous, started={"P-001"}, now=6)
    after = solve(replanned, time_limit=2.0)
    assert where(after)["P-001"].start == 0
    assert where(after)["P-002"].start >= 6


def test_what_cannot_be_honoured_is_named() -> None:
    problem = make_problem(
        persons=[person("P-001"), person("P-002", ready=30)],
        interviewers=[interviewer("I-01")],
        rooms=[room("R-01")],
    )
    previous = solve(problem, time_limit=2.0)
    with pytest.raises(InvalidInput) as caught:
        replan(
            problem,
            previous,
            started={"P-404"},
            pinned={"P-002"},
            gone={"I-99": 3},
            extra_rooms=[Room(id="R-01", location="x", private=True, nondetention=True, available=[])],
        )
    assert [str(p) for p in caught.value.problems] == [
        "started: 'P-404' names no person",
        "pinned: P-002 has no assignment in the previous schedule",
        "gone.I-99: 'I-99' names no interviewer",
        "extra_rooms[0].id: 'R-01' is already a room's id",
    ]
