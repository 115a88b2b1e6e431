"""A lower bound on the weighted wait from a time-indexed LP relaxation, tighter than CP-SAT's own.

Variable `x[p, s]` ∈ [0, 1] is the part of person p's interview starting at slot s (only at starts where p could
start at all). For a set S of resource classes and every slot t, the interviews that can only use classes in
S occupy at most the capacity of S at t (Hall's condition on each slot). Which resource and which person
fill which slot is relaxed away, so every valid schedule is a solution of the LP and its optimum is a lower
bound on the weighted wait. The sets used are each person's own eligible classes and their union, for
interviewers, rooms and interpreters. Solved with GLOP; the bound is counted only when GLOP proves the LP
optimal, and rounded up with a small tolerance for floating point.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ortools.linear_solver import pywraplp  # type: ignore[import-untyped, unused-ignore]

from haven.scheduling.rules import bits

if TYPE_CHECKING:
    from haven.scheduling.solver import Instance, ResourceClass


@dataclass(frozen=True, slots=True)
class BoundPerson:
    weight: int
    ready: int
    duration: int
    starts: tuple[int, ...]
    needs: tuple[frozenset[int], frozenset[int], frozenset[int]]  # interviewer, room, interpreter classes


@dataclass(frozen=True, slots=True)
class BoundInput:
    """The relaxation's data: persons with their starts and classes, and each class's capacity by slot."""

    horizon: int
    persons: tuple[BoundPerson, ...]
    capacity: tuple[tuple[tuple[int, int], ...], ...]  # per kind, per class: (members, free mask)
    max_unscheduled: int

    @classmethod
    def from_instance(cls, instance: Instance, *, max_unscheduled: int) -> BoundInput:
        persons = []
        for entry in instance.domains:
            always_interpreted = len(entry.interviewer_bridges) == len(entry.interviewers)
            persons.append(
                BoundPerson(
                    weight=entry.person.weight,
                    ready=entry.person.ready,
                    duration=entry.person.duration,
                    starts=tuple(bits(entry.starts)),
                    needs=(
                        frozenset(entry.interviewers),
                        frozenset(entry.rooms),
                        frozenset(entry.interpreters) if always_interpreted else frozenset(),
                    ),
                )
            )

        def capacities(classes: list[ResourceClass]) -> tuple[tuple[int, int], ...]:
            return tuple((len(c.members), c.free) for c in classes)

        return cls(
            horizon=instance.index.horizon,
            persons=tuple(persons),
            capacity=(
                capacities(instance.interviewer_classes),
                capacities(instance.room_classes),
                capacities(instance.interpreter_classes),
            ),
            max_unscheduled=max_unscheduled,
        )


def _families(persons: Iterable[BoundPerson], kind: int) -> list[frozenset[int]]:
    sets = {p.needs[kind] for p in persons if p.needs[kind]}
    union: frozenset[int] = frozenset().union(*sets) if sets else frozenset()
    if union:
        sets.add(union)
    return sorted(sets, key=lambda s: (len(s), sorted(s)))


class Relaxation:
    """The LP, built once; solved for the unscheduled weight, then for the wait at a given unscheduled weight."""

    def __init__(self, data: BoundInput) -> None:
        self.data = data
        self.solver = pywraplp.Solver.CreateSolver("GLOP")
        solver = self.solver
        infinity = solver.infinity()
        self.columns: list[list[pywraplp.Variable]] = []
        for number, person in enumerate(data.persons):
            row = [solver.NumVar(0.0, 1.0, f"x{number}_{s}") for s in person.starts]
            self.columns.append(row)
            share = solver.Constraint(0.0, 1.0)
            for variable in row:
                share.SetCoefficient(variable, 1.0)
        # Σ w·share ≥ Σ w − U: the unscheduled weight is at most U (U set before each solve).
        self.total = sum(p.weight for p in data.persons)
        self.scheduled = solver.Constraint(0.0, infinity)
        for person, row in zip(data.persons, self.columns, strict=True):
            for variable in row:
                self.scheduled.SetCoefficient(variable, float(person.weight))
        for kind in range(3):
            self._capacity_rows(kind)

    def _capacity_rows(self, kind: int) -> None:
        data = self.data
        classes = data.capacity[kind]
        for family in _families(data.persons, kind):
            inside = [n for n, p in enumerate(data.persons) if p.needs[kind] and p.needs[kind] <= family]
            covering: dict[int, list[pywraplp.Variable]] = defaultdict(list)
            present: dict[int, set[int]] = defaultdict(set)
            for n in inside:
                person = data.persons[n]
                for start, variable in zip(person.starts, self.columns[n], strict=True):
                    for slot in range(start, start + person.duration):
                        covering[slot].append(variable)
                        present[slot].add(n)
            for slot, terms in covering.items():
                capacity = sum(
                    members
                    for number, (members, free) in enumerate(classes)
                    if number in family and (free >> slot) & 1
                )
                if len(present[slot]) <= capacity:
                    continue  # fewer people could be there than the capacity: the row cannot bind
                limit = self.solver.Constraint(-self.solver.infinity(), float(capacity))
                for variable in terms:
                    limit.SetCoefficient(variable, 1.0)

    def _solve(self, time_limit: float) -> float | None:
        self.solver.SetTimeLimit(max(1, int(time_limit * 1000)))
        if self.solver.Solve() != pywraplp.Solver.OPTIMAL:
            return None
        return float(self.solver.Objective().Value())

    def min_unscheduled(self, *, time_limit: float) -> int | None:
        """A lower bound on the unscheduled weight, or None if the LP did not finish."""
        if not self.data.persons:
            return 0
        objective = self.solver.Objective()
        objective.Clear()
        for person, row in zip(self.data.persons, self.columns, strict=True):
            for variable in row:
                objective.SetCoefficient(variable, -float(person.weight))
        objective.SetOffset(float(self.total))
        objective.SetMinimization()
        self.scheduled.SetLb(0.0)
        value = self._solve(time_limit)
        return None if value is None else _round_up(value)

    def min_wait(self, *, max_unscheduled: int, time_limit: float) -> int | None:
        """A lower bound on the wait of schedules whose unscheduled weight is at most `max_unscheduled`.

        None when the LP did not finish; when no such schedule exists even in the LP, the bound is moot
        and None is returned too.
        """
        if not self.data.persons:
            return 0
        objective = self.solver.Objective()
        objective.Clear()
        for person, row in zip(self.data.persons, self.columns, strict=True):
            for start, variable in zip(person.starts, row, strict=True):
                objective.SetCoefficient(variable, float(person.weight * (start - person.ready)))
        objective.SetOffset(0.0)
        objective.SetMinimization()
        self.scheduled.SetLb(float(self.total - max_unscheduled))
        value = self._solve(time_limit)
        return None if value is None else _round_up(value)


def _round_up(value: float) -> int:
    """The integer bound implied by an LP optimum, with a tolerance for floating point."""
    return max(0, math.ceil(value - 1e-6 * max(1.0, abs(value))))


def wait_lower_bound(data: BoundInput, *, time_limit: float) -> int | None:
    """A lower bound on the weighted wait of schedules leaving out at most `data.max_unscheduled` weight."""
    return Relaxation(data).min_wait(max_unscheduled=data.max_unscheduled, time_limit=time_limit)
