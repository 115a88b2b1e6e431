"""The coordinator's greedy: by priority, then readiness, then id; earliest start; first free resources."""

from __future__ import annotations

from haven.scheduling.generate import generate_problem
from haven.scheduling.greedy import greedy_board
from haven.scheduling.solver import board_cost, greedy_schedule
from haven.scheduling.validate import check_schedule
from tests.scheduling.builders import interpreter, interviewer, make_problem, person, room


def test_urgent_people_are_placed_first_then_by_readiness_then_id() -> None:
    problem = make_problem(
        persons=[
            person("P-001", ready=0),
            person("P-003", ready=1, priority="urgent"),
            person("P-002", ready=1, priority="urgent"),
            person("P-004", ready=0, priority="high"),
        ],
        interviewers=[interviewer("I-01")],
        rooms=[room("R-01")],
    )
    placed = greedy_board(problem).placed
    assert [(p, placed[p].start) for p in ("P-002", "P-003", "P-004", "P-001")] == [
        ("P-002", 1),
        ("P-003", 3),
        ("P-004", 5),
        ("P-001", 7),
    ]
    assert board_cost(greedy_board(problem)).key() == (0, 4 * 0 + 4 * 2 + 2 * 5 + 1 * 7)


def test_the_first_free_room_interviewer_and_interpreter_in_list_order_are_taken() -> None:
    problem = make_problem(
        persons=[person("P-001", languages=["es"]), person("P-002", languages=["es"])],
        interviewers=[interviewer("I-01"), interviewer("I-02")],
        interpreters=[interpreter("T-01"), interpreter("T-02")],
        rooms=[room("R-01", available=[[4, 16]]), room("R-02"), room("R-03")],
    )
    placed = greedy_board(problem).placed
    assert placed["P-001"].model_dump() == {
        "person": "P-001",
        "start": 0,
        "room": "R-02",
        "interviewer": "I-01",
        "interpreter": "T-01",
    }
    assert (placed["P-002"].room, placed["P-002"].interviewer, placed["P-002"].interpreter) == (
        "R-03",
        "I-02",
        "T-02",
    )


def test_fixed_interviews_are_kept_and_planned_around() -> None:
    problem = make_problem(
        persons=[
            person("P-001", priority="urgent"),
            person("P-002", ready=0, fixed={"start": 0, "room": "R-01", "interviewer": "I-01"}),
        ],
        interviewers=[interviewer("I-01")],
        rooms=[room("R-01")],
    )
    placed = greedy_board(problem).placed
    assert placed["P-002"].start == 0
    assert placed["P-001"].start == 2


def test_the_greedy_schedule_is_valid_and_explains_who_it_leaves_out() -> None:
    problem = generate_problem(120, seed=120, scarce=True)
    schedule = greedy_schedule(problem)
    assert check_schedule(problem, schedule) == []
    assert schedule.unscheduled
    assert all(entry.reason for entry in schedule.unscheduled)
    assert schedule.solver is not None
    assert schedule.solver.status == "feasible"
