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
from typing import TYPE_CHECKING, Any

from ortools.linear_solver import linear_solver_pb2, pywraplp  # type: ignore[import-untyped, unused-ignore]

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


class _Program:
    """One GLOP solver holding the LP, with its columns and the "unscheduled weight at most U" row."""

    def __init__(
        self, solver: pywraplp.Solver, columns: list[list[pywraplp.Variable]], scheduled: Any
    ) -> None:
        self.solver = solver
        self.columns = columns
        self.scheduled = scheduled

    def solve(self, time_limit: float) -> float | None:
        self.solver.SetTimeLimit(max(1, int(time_limit * 1000)))
        if self.solver.Solve() != pywraplp.Solver.OPTIMAL:
            return None
        return float(self.solver.Objective().Value())


class Relaxation:
    """The LP, built once, held by two solvers: one minimising the unscheduled weight, one the wait.

    Two solvers because GLOP restarts badly when the objective changes; each keeps its own basis, so that
    solving the wait again at another unscheduled weight starts from where it was.
    """

    def __init__(self, data: BoundInput) -> None:
        self.data = data
        self.total = sum(p.weight for p in data.persons)
        built = self._build()
        proto = linear_solver_pb2.MPModelProto()
        built.solver.ExportModelToProto(proto)
        twin = pywraplp.Solver.CreateSolver("GLOP")
        twin.LoadModelFromProto(proto)
        variables = twin.variables()
        self.unscheduled = built
        self.wait = _Program(
            twin,
            [[variables[v.index()] for v in row] for row in built.columns],
            twin.constraints()[built.scheduled.index()],
        )
        for program, coefficient in (
            (self.unscheduled, self._unscheduled_coefficient),
            (self.wait, self._wait_coefficient),
        ):
            objective = program.solver.Objective()
            for person, row in zip(data.persons, program.columns, strict=True):
                for start, variable in zip(person.starts, row, strict=True):
                    objective.SetCoefficient(variable, coefficient(person, start))
            objective.SetMinimization()
        self.unscheduled.solver.Objective().SetOffset(float(self.total))

    @staticmethod
    def _unscheduled_coefficient(person: BoundPerson, start: int) -> float:
        del start
        return -float(person.weight)

    @staticmethod
    def _wait_coefficient(person: BoundPerson, start: int) -> float:
        return float(person.weight * (start - person.ready))

    def _build(self) -> _Program:
        data = self.data
        solver = pywraplp.Solver.CreateSolver("GLOP")
        columns: list[list[pywraplp.Variable]] = []
        for number, person in enumerate(data.persons):
            row = [solver.NumVar(0.0, 1.0, f"x{number}_{s}") for s in person.starts]
            columns.append(row)
            share = solver.Constraint(0.0, 1.0)
            for variable in row:
                share.SetCoefficient(variable, 1.0)
        # Σ w·share ≥ Σ w − U: the unscheduled weight is at most U (U set before each solve).
        scheduled = solver.Constraint(0.0, solver.infinity())
        for person, row in zip(data.persons, columns, strict=True):
            for variable in row:
                scheduled.SetCoefficient(variable, float(person.weight))
        for kind in range(3):
            self._capacity_rows(solver, columns, kind)
        return _Program(solver, columns, scheduled)

    def _capacity_rows(
        self, solver: pywraplp.Solver, columns: list[list[pywraplp.Variable]], kind: int
    ) -> None:
        data = self.data
        classes = data.capacity[kind]
        for family in _families(data.persons, kind):
            inside = [n for n, p in enumerate(data.persons) if p.needs[kind] and p.needs[kind] <= family]
            covering: dict[int, list[pywraplp.Variable]] = defaultdict(list)
            present: dict[int, set[int]] = defaultdict(set)
            for n in inside:
                person = data.persons[n]
                for start, variable in zip(person.starts, columns[n], strict=True):
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
                limit = solver.Constraint(-solver.infinity(), float(capacity))
                for variable in terms:
                    limit.SetCoefficient(variable, 1.0)

    def min_unscheduled(self, *, time_limit: float) -> int | None:
        """A lower bound on the unscheduled weight, or None if the LP did not finish."""
        if not self.data.persons:
            return 0
        value = self.unscheduled.solve(time_limit)
        return None if value is None else _round_up(value)

    def min_wait(self, *, max_unscheduled: int, time_limit: float) -> int | None:
        """A lower bound on the wait of schedules whose unscheduled weight is at most `max_unscheduled`.

        None when the LP did not finish, or when no such schedule exists even in the LP.
        """
        if not self.data.persons:
            return 0
        self.wait.scheduled.SetLb(float(self.total - max_unscheduled))
        value = self.wait.solve(time_limit)
        return None if value is None else _round_up(value)

    def starts(self) -> list[list[tuple[int, float]]]:
        """The last wait solution: for each person, the share of their interview starting at each slot."""
        return [
            [(start, variable.solution_value()) for start, variable in zip(person.starts, row, strict=True)]
            for person, row in zip(self.data.persons, self.wait.columns, strict=True)
        ]


def _round_up(value: float) -> int:
    """The integer bound implied by an LP optimum, with a tolerance for floating point."""
    return max(0, math.ceil(value - 1e-6 * max(1.0, abs(value))))


def wait_lower_bound(data: BoundInput, *, time_limit: float) -> int | None:
    """A lower bound on the weighted wait of schedules leaving out at most `data.max_unscheduled` weight."""
    return Relaxation(data).min_wait(max_unscheduled=data.max_unscheduled, time_limit=time_limit)
