"""The solver: every schedule valid, the optimum on tiny instances, the time limit kept, the bound honest."""

from __future__ import annotations

import time
from collections import Counter

from hypothesis import HealthCheck, given, settings

from haven.scheduling.formats import InterviewProblem, Schedule
from haven.scheduling.generate import generate_problem
from haven.scheduling.greedy import greedy_board
from haven.scheduling.solver import board_cost, solve, solve_with_stats
from haven.scheduling.validate import check_schedule
from tests.scheduling.brute import brute_force_optimum
from tests.scheduling.builders import interviewer, make_problem, person, room
from tests.scheduling.strategies import problems


def assert_sound(problem: InterviewProblem, schedule: Schedule) -> None:
    """Valid, everyone exactly once, and a lower bound that does not exceed the cost."""
    assert check_schedule(problem, schedule) == []
    listed = Counter([a.person for a in schedule.assignments] + [u.person for u in schedule.unscheduled])
    assert listed == Counter(p.id for p in problem.persons)
    assert all(u.reason for u in schedule.unscheduled)
    assert schedule.solver is not None
    bound = schedule.solver.lower_bound
    if bound is not None:
        assert bound.key() <= schedule.cost.key()
    if schedule.solver.status == "optimal":
        assert bound is not None
        assert bound.key() == schedule.cost.key()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_every_returned_schedule_is_valid_and_lists_everyone_once(problem: InterviewProblem) -> None:
    schedule, stats = solve_with_stats(problem, time_limit=2.0)
    assert_sound(problem, schedule)
    assert stats.invalid_models == 0
    assert schedule.cost.key() <= board_cost(greedy_board(problem)).key()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    problems(
        max_persons=3,
        max_horizon=7,
        max_duration=3,
        max_interviewers=2,
        max_interpreters=1,
        max_rooms=2,
    )
)
def test_tiny_instances_are_solved_to_the_brute_force_optimum(problem: InterviewProblem) -> None:
    schedule, stats = solve_with_stats(problem, time_limit=5.0)
    assert_sound(problem, schedule)
    assert stats.invalid_models == 0
    assert schedule.cost.key() == brute_force_optimum(problem)
    assert schedule.solver is not None
    assert schedule.solver.status == "optimal"


def test_a_hand_checked_instance_is_solved_to_its_optimum() -> None:
    # Two urgent people ready at 0 and one normal person ready at 0, one interviewer, one room: the urgent
    # ones go first (0 and 2), the normal one waits 4 slots → weighted wait 4·0 + 4·2 + 1·4 = 12.
    problem = make_problem(
        horizon=8,
        persons=[
            person("P-001", priority="normal"),
            person("P-002", priority="urgent"),
            person("P-003", priority="urgent"),
        ],
        interviewers=[interviewer("I-01")],
        rooms=[room("R-01")],
    )
    schedule = solve(problem, time_limit=5.0)
    assert_sound(problem, schedule)
    assert schedule.cost.key() == (0, 12)
    assert schedule.solver is not None
    assert schedule.solver.status == "optimal"
    assert [a.person for a in schedule.assignments][-1] == "P-001"


def test_the_time_limit_is_kept_on_500_people() -> None:
    problem = generate_problem(500, seed=500)
    began = time.perf_counter()
    schedule, stats = solve_with_stats(problem, time_limit=2.0)
    elapsed = time.perf_counter() - began
    assert elapsed < 3.0
    assert stats.first_valid_seconds < 2.0
    assert_sound(problem, schedule)
    assert schedule.cost.key() <= stats.greedy_cost.key()
    assert stats.invalid_models == 0


def test_a_very_short_limit_still_returns_a_valid_schedule() -> None:
    problem = generate_problem(250, seed=3)
    began = time.perf_counter()
    schedule = solve(problem, time_limit=0.05)
    assert time.perf_counter() - began < 1.0
    assert_sound(problem, schedule)


def test_the_solver_never_leaves_out_more_than_the_greedy_and_waits_less() -> None:
    problem = generate_problem(40, seed=40)
    schedule, stats = solve_with_stats(problem, time_limit=3.0)
    assert_sound(problem, schedule)
    assert schedule.cost.unscheduled_weight <= stats.greedy_cost.unscheduled_weight
    assert schedule.cost.key() < stats.greedy_cost.key()


def test_a_lower_bound_is_reported_and_the_status_is_optimal_only_when_proven() -> None:
    problem = generate_problem(120, seed=120, scarce=True)
    schedule = solve(problem, time_limit=2.0)
    assert_sound(problem, schedule)
    assert schedule.solver is not None
    assert schedule.solver.lower_bound is not None
    if schedule.solver.lower_bound.key() != schedule.cost.key():
        assert schedule.solver.status == "feasible"


def test_only_eligible_interviewers_and_rooms_are_given() -> None:
    """Issue 13: an adult was given to a prosecutor where the plan says adults are interviewed by
    investigators of one agency, and a minor put in a community room while the child advocacy centre's
    suites were free. With `eligible_interviewers` and `eligible_rooms`, the solver keeps to them even
    when the others are free sooner."""
    problem = make_problem(
        persons=[
            person("P-001", eligible_interviewers=["I-02"]),
            person("P-002", minor=True, eligible_rooms=["R-03", "R-04"]),
        ],
        interviewers=[
            interviewer("I-01", role="prosecutor"),
            interviewer("I-02", available=[[4, 16]]),
            interviewer("I-03", role="forensic_interviewer"),
        ],
        rooms=[
            room("R-01"),
            room("R-02"),
            room("R-03", location="cac-suite", available=[[6, 16]]),
            room("R-04", location="cac-suite", available=[[6, 16]]),
        ],
    )
    schedule = solve(problem, time_limit=2.0)
    assert_sound(problem, schedule)
    placed = {a.person: a for a in schedule.assignments}
    assert (placed["P-001"].interviewer, placed["P-001"].start) == ("I-02", 4)
    assert placed["P-002"].room in {"R-03", "R-04"}
    assert placed["P-002"].start == 6
    assert schedule.solver is not None
    assert schedule.solver.status == "optimal"
