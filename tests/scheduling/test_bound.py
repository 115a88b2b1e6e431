"""The LP relaxation bound: never above the cost of any valid schedule."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from haven.scheduling.bound import BoundInput, Relaxation
from haven.scheduling.formats import InterviewProblem
from haven.scheduling.greedy import Board, greedy_board, place_fixed
from haven.scheduling.rules import ProblemIndex
from haven.scheduling.solver import Instance, solve
from tests.scheduling.builders import interviewer, make_problem, person, room
from tests.scheduling.strategies import problems


def modelled_cost(instance: Instance, placed: dict[str, int]) -> tuple[int, int]:
    unscheduled = sum(e.person.weight for e in instance.domains if e.person.id not in placed)
    wait = sum(
        e.person.weight * (placed[e.person.id] - e.person.ready)
        for e in instance.domains
        if e.person.id in placed
    )
    return unscheduled, wait


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_persons=6, max_horizon=10))
def test_the_relaxation_never_exceeds_a_valid_schedule(problem: InterviewProblem) -> None:
    index = ProblemIndex(problem)
    base = Board(index)
    place_fixed(base)
    instance = Instance(index, base)
    relaxation = Relaxation(BoundInput.from_instance(instance, max_unscheduled=0))
    for starts in (
        {a.person: a.start for a in solve(problem, time_limit=1.0).assignments},
        {person_id: a.start for person_id, a in greedy_board(problem).placed.items()},
    ):
        unscheduled, wait = modelled_cost(instance, starts)
        bound = relaxation.min_unscheduled(time_limit=5.0)
        assert bound is not None
        assert bound <= unscheduled
        wait_bound = relaxation.min_wait(max_unscheduled=unscheduled, time_limit=5.0)
        assert wait_bound is not None
        assert wait_bound <= wait


def test_the_relaxation_sees_a_queue_at_one_interviewer() -> None:
    # Four people ready at 0 for one interviewer, 2 slots each: whatever the order, they wait 0+2+4+6 = 12.
    problem = make_problem(
        persons=[person(f"P-00{n}") for n in range(1, 5)],
        interviewers=[interviewer("I-01")],
        rooms=[room("R-01"), room("R-02")],
    )
    index = ProblemIndex(problem)
    base = Board(index)
    instance = Instance(index, base)
    relaxation = Relaxation(BoundInput.from_instance(instance, max_unscheduled=0))
    assert relaxation.min_unscheduled(time_limit=5.0) == 0
    assert relaxation.min_wait(max_unscheduled=0, time_limit=5.0) == 12
