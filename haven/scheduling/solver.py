"""The interview scheduler: a greedy warm start, CP-SAT, an LP relaxation, and neighbourhood search.

How it works, in order, all inside the time limit (`docs/formats/interview-scheduling.md` says it in words):

1. The coordinator's greedy (`greedy.py`) gives a valid schedule at once; a local repair improves it. This is
   the fallback and the warm start.
2. Identical resources are merged: rooms of one location with the same free time, interpreters with the same
   languages and free time, interviewers with the same role, gender, languages and free time form one class
   of capacity k (rooms and interviewers only when the same persons' eligibility lists name them). A class is a cumulative resource in the model and its members are handed out afterwards by
   interval-graph colouring, which always succeeds when at most k interviews of the class overlap. This
   removes the k! symmetric copies of every schedule instead of merely ordering them.
3. The model (`Model`): for each person, one optional interval per eligible interviewer class, room class and
   (when the two share no language) interpreter class, each with the starts at which that class is free for
   the whole interview; NoOverlap or Cumulative per class; keep-apart as a NoOverlap per pair and location;
   fixed interviews are constants (they are cut out of their resources' free time).
4. The time-indexed LP relaxation (`bound.py`) bounds the unscheduled weight, then the wait at that weight.
5. Its solution orders people for list schedules (α-points), which usually beat the greedy by far.
6. Small problems are solved whole: phase 1 minimises the unscheduled weight, phase 2 keeps it and minimises
   the weighted wait, each from the best schedule so far as a hint. Then, for every size, large
   neighbourhood search re-plans a few dozen people at a time until the deadline.
7. The result is repaired, explained (`explain.py`), checked with the validator, and never worse than the
   greedy's. The lower bound is the best of the LP's, CP-SAT's and what can never be placed.
"""

from __future__ import annotations

import math
import random
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from haven.core.languages import speaks_any
from haven.scheduling.bound import BoundInput, Relaxation
from haven.scheduling.explain import unscheduled_reason
from haven.scheduling.formats import (
    Assignment,
    Cost,
    InterviewProblem,
    Person,
    Schedule,
    SolverReport,
    Unscheduled,
)
from haven.scheduling.greedy import Board, greedy_board, improve, place_fixed
from haven.scheduling.rules import (
    ProblemIndex,
    bits,
    lowest_bit,
    room_eligible,
    span,
    start_range,
    starts_within,
)
from haven.scheduling.validate import check_schedule

# Below this much time left, building a model is not worth it: the repaired greedy is returned.
MIN_MODEL_SECONDS = 0.25
# Kept back at the end for extraction, repair, explanations and validation.
RESERVE_SECONDS = 0.15
# Up to this many modelled persons, the whole model is solved first (it often proves optimality).
FULL_MODEL_PERSONS = 80
# Large neighbourhood search: persons re-optimised per step, and the time each step may take.
LNS_START_SIZE = 30
LNS_MIN_SIZE = 8
LNS_MAX_SIZE = 120
LNS_STEP_SECONDS = 0.25
LNS_MIN_SECONDS = 0.05
# Building the LP takes about this long per (start, slot) term; it is not built without three times that left.
LP_SECONDS_PER_TERM = 2.5e-5
# LP-ordered list schedules: at most this share of the time left, and at most this many rounds' worth.
LIST_SHARE = 0.25
LIST_ROUNDS = 40


@dataclass
class ResourceClass:
    """Interchangeable resources: same attributes, same free time (availability minus fixed interviews)."""

    members: tuple[str, ...]
    free: int
    location: str = ""


@dataclass
class PersonDomain:
    """A person's choices in the model: classes and, for each, the starts at which it is free throughout."""

    person: Person
    starts: int
    first: int
    interviewers: dict[int, int] = field(default_factory=dict)
    interviewer_bridges: dict[int, frozenset[int]] = field(default_factory=dict)
    rooms: dict[int, int] = field(default_factory=dict)
    interpreters: dict[int, int] = field(default_factory=dict)


@dataclass
class SolveStats:
    """What the benchmark reports beside the schedule."""

    greedy_cost: Cost
    greedy_seconds: float
    first_valid_seconds: float
    first_solver_solution_seconds: float | None = None
    phases: list[str] = field(default_factory=list)
    lp_bound: int | None = None
    modelled_persons: int = 0
    invalid_models: int = 0  # a defect if ever non-zero: the tests assert it stays zero


def _group(
    keys: dict[str, tuple[object, ...]], free: dict[str, int]
) -> tuple[list[ResourceClass], dict[str, int]]:
    by_key: dict[tuple[object, ...], list[str]] = defaultdict(list)
    for ident, key in keys.items():
        by_key[key].append(ident)
    classes: list[ResourceClass] = []
    of: dict[str, int] = {}
    for members in by_key.values():
        for ident in members:
            of[ident] = len(classes)
        classes.append(ResourceClass(tuple(members), free[members[0]]))
    return classes, of


class Instance:
    """The problem reduced to what the model needs: resource classes and each person's domain."""

    def __init__(
        self,
        index: ProblemIndex,
        base: Board,
        persons: Iterable[Person] | None = None,
        window: tuple[int, int] | None = None,
        rooms: set[str] | None = None,
    ) -> None:
        """Model `persons` (default: everyone not fixed) around the interviews already on `base`.

        With a `window`, the persons may only be placed within slots [first, end): resources that differ only
        outside it then fall into one class, which keeps neighbourhood models small. With `rooms`, only
        those rooms are offered.
        """
        self.index = index
        self.base = base
        problem = index.problem
        inside = span(window[0], window[1] - window[0], index.horizon) if window else (1 << index.horizon) - 1
        interviewer_free = {
            i.id: index.interviewer_available[i.id] & ~base.busy_interviewer[i.id] & inside
            for i in problem.interviewers
        }
        interpreter_free = {
            t.id: index.interpreter_available[t.id] & ~base.busy_interpreter[t.id] & inside
            for t in problem.interpreters
        }
        room_free = {
            r: index.room_available[r] & ~base.busy_room[r] & inside
            for r in index.suitable_rooms
            if rooms is None or r in rooms
        }
        self.interviewer_classes, self.interviewer_class = _group(
            {
                i.id: (
                    i.role,
                    i.gender,
                    tuple(sorted(set(i.languages))),
                    interviewer_free[i.id],
                    index.interviewer_eligibility[i.id],
                )
                for i in problem.interviewers
            },
            interviewer_free,
        )
        self.interpreter_classes, self.interpreter_class = _group(
            {t.id: (tuple(sorted(set(t.languages))), interpreter_free[t.id]) for t in problem.interpreters},
            interpreter_free,
        )
        self.room_classes, self.room_class = _group(
            {r: (index.rooms[r].location, free, index.room_eligibility[r]) for r, free in room_free.items()},
            room_free,
        )
        for room_class in self.room_classes:
            room_class.location = index.rooms[room_class.members[0]].location
        self.domains: list[PersonDomain] = []
        for person in problem.persons if persons is None else persons:
            if person.fixed is not None or person.duration == 0 or person.id in base.placed:
                continue
            domain = self._domain(person)
            if domain is not None:
                self.domains.append(domain)

    def _domain(self, person: Person) -> PersonDomain | None:
        duration = person.duration
        allowed = start_range(person.ready, duration, self.index.horizon)
        if not allowed:
            return None
        block = self.base.apart_block(person)
        rooms = {}
        for number, room_class in enumerate(self.room_classes):
            # a class's rooms are named by the same eligibility lists: its first speaks for all
            if not room_eligible(person, self.index.rooms[room_class.members[0]]):
                continue
            starts = starts_within(room_class.free & ~block.get(room_class.location, 0), duration) & allowed
            if starts:
                rooms[number] = starts
        interpreter_starts = {
            number: starts_within(t.free, duration) & allowed
            for number, t in enumerate(self.interpreter_classes)
        }
        interviewers: dict[int, int] = {}
        bridges: dict[int, frozenset[int]] = {}
        for option in self.base.options(person):
            number = self.interviewer_class[option.interviewer]
            if number in interviewers or number in bridges:
                continue
            starts = starts_within(self.interviewer_classes[number].free, duration) & allowed
            if option.interpreters is not None:
                usable = frozenset(self.interpreter_class[t] for t in option.interpreters)
                usable = frozenset(g for g in usable if interpreter_starts[g] & starts)
                bridged = 0
                for g in usable:
                    bridged |= interpreter_starts[g]
                starts &= bridged
                if not starts:
                    continue
                bridges[number] = usable
            if starts:
                interviewers[number] = starts
            else:
                bridges.pop(number, None)
        room_union = 0
        for starts in rooms.values():
            room_union |= starts
        interviewer_union = 0
        for starts in interviewers.values():
            interviewer_union |= starts
        domain = room_union & interviewer_union
        if not domain:
            return None
        entry = PersonDomain(person=person, starts=domain, first=lowest_bit(domain))
        entry.rooms = {k: s & domain for k, s in rooms.items() if s & domain}
        entry.interviewers = {c: s & domain for c, s in interviewers.items() if s & domain}
        entry.interviewer_bridges = {c: g for c, g in bridges.items() if c in entry.interviewers}
        for number in sorted({g for usable in entry.interviewer_bridges.values() for g in usable}):
            users = 0
            for c, usable in entry.interviewer_bridges.items():
                if number in usable:
                    users |= entry.interviewers[c]
            starts = interpreter_starts[number] & users
            if starts:
                entry.interpreters[number] = starts
        return entry


@dataclass
class _Vars:
    scheduled: cp_model.IntVar
    start: cp_model.IntVar
    interviewers: dict[int, cp_model.IntVar]
    rooms: dict[int, cp_model.IntVar]
    interpreters: dict[int, cp_model.IntVar]
    starts: dict[tuple[str, int], cp_model.IntVar]
    places: dict[str, cp_model.IntVar]


class Model:
    """The CP-SAT model over an `Instance`."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.model = cp_model.CpModel()
        self.vars: dict[str, _Vars] = {}
        model = self.model
        holders: dict[tuple[str, int], list[cp_model.IntervalVar]] = defaultdict(list)
        unscheduled_terms = []
        wait_terms = []
        self.max_wait = 0
        for entry in instance.domains:
            person = entry.person
            duration = person.duration
            scheduled = model.new_bool_var(f"s_{person.id}")
            start = model.new_int_var_from_domain(
                cp_model.Domain.from_values(list(bits(entry.starts))), f"start_{person.id}"
            )
            model.add(start == entry.first).only_enforce_if(~scheduled)
            v = _Vars(scheduled, start, {}, {}, {}, {}, {})
            self.vars[person.id] = v
            for kind, options, chosen in (
                ("i", entry.interviewers, v.interviewers),
                ("r", entry.rooms, v.rooms),
                ("t", entry.interpreters, v.interpreters),
            ):
                for number, starts in options.items():
                    if kind != "t" and len(options) == 1:
                        literal = scheduled
                    else:
                        literal = model.new_bool_var(f"{kind}{number}_{person.id}")
                    if starts == entry.starts:
                        own_start = start
                    else:
                        own_start = model.new_int_var_from_domain(
                            cp_model.Domain.from_values(list(bits(starts))),
                            f"start_{kind}{number}_{person.id}",
                        )
                        model.add(own_start == start).only_enforce_if(literal)
                        v.starts[kind, number] = own_start
                    chosen[number] = literal
                    holders[kind, number].append(
                        model.new_optional_fixed_size_interval_var(own_start, duration, literal, "")
                    )
                if kind != "t" and len(options) > 1:
                    model.add(sum(chosen.values()) == scheduled)
            if entry.interpreters:
                needing = [v.interviewers[c] for c in entry.interviewer_bridges]
                model.add(sum(v.interpreters.values()) == sum(needing))
                for number, literal in v.interpreters.items():
                    model.add(
                        literal
                        <= sum(
                            v.interviewers[c]
                            for c, usable in entry.interviewer_bridges.items()
                            if number in usable
                        )
                    )
            weight = person.weight
            unscheduled_terms.append(weight * (1 - scheduled))
            wait_terms.append(
                weight * (start - entry.first) + weight * (entry.first - person.ready) * scheduled
            )
            self.max_wait += weight * (entry.starts.bit_length() - 1 - person.ready)

        for (kind, number), intervals in holders.items():
            classes = {
                "i": instance.interviewer_classes,
                "r": instance.room_classes,
                "t": instance.interpreter_classes,
            }[kind]
            capacity = len(classes[number].members)
            if len(intervals) <= capacity:
                continue
            if capacity == 1:
                model.add_no_overlap(intervals)
            else:
                model.add_cumulative(intervals, [1] * len(intervals), capacity)

        self._keep_apart()
        self.unscheduled = sum(unscheduled_terms)
        self.wait = sum(wait_terms)

    def _place(self, person_id: str, location: str) -> cp_model.IntervalVar | None:
        """An interval present exactly when the person is interviewed at `location`."""
        instance = self.instance
        v = self.vars[person_id]
        at = [lit for number, lit in v.rooms.items() if instance.room_classes[number].location == location]
        if not at:
            return None
        if len(at) == 1:
            present = at[0]
        else:
            present = self.model.new_bool_var(f"at_{location}_{person_id}")
            self.model.add(sum(at) == present)
        v.places[location] = present
        duration = instance.index.persons[person_id].duration
        return self.model.new_optional_fixed_size_interval_var(v.start, duration, present, "")

    def _keep_apart(self) -> None:
        index = self.instance.index
        places: dict[tuple[str, str], cp_model.IntervalVar | None] = {}
        locations = sorted({c.location for c in self.instance.room_classes})
        for person_id, others in sorted(index.keep_apart.items()):
            if person_id not in self.vars:
                continue
            for other_id in sorted(others):
                if other_id <= person_id or other_id not in self.vars:
                    continue
                for location in locations:
                    for who in (person_id, other_id):
                        if (who, location) not in places:
                            places[who, location] = self._place(who, location)
                    mine, theirs = places[person_id, location], places[other_id, location]
                    if mine is not None and theirs is not None:
                        self.model.add_no_overlap([mine, theirs])

    def hint(self, board: Board) -> None:
        """Start the search from a valid schedule (once per model)."""
        model = self.model
        instance = self.instance
        for entry in instance.domains:
            v = self.vars[entry.person.id]
            placed = board.placed.get(entry.person.id)
            literals: set[int] = {v.scheduled.index}
            chosen: dict[str, int] = {}
            if placed is not None:
                chosen["i"] = instance.interviewer_class[placed.interviewer]
                chosen["r"] = instance.room_class[placed.room]
                if placed.interpreter is not None:
                    chosen["t"] = instance.interpreter_class[placed.interpreter]
            start = placed.start if placed is not None else entry.first
            model.add_hint(v.scheduled, placed is not None)
            model.add_hint(v.start, start)
            for kind, chosen_by in (("i", v.interviewers), ("r", v.rooms), ("t", v.interpreters)):
                for number, literal in chosen_by.items():
                    if literal.index in literals:
                        continue
                    literals.add(literal.index)
                    model.add_hint(literal, chosen.get(kind) == number)
            for (kind, number), var in v.starts.items():
                starts = {"i": entry.interviewers, "r": entry.rooms, "t": entry.interpreters}[kind][number]
                model.add_hint(var, start if chosen.get(kind) == number else lowest_bit(starts))
            location = instance.index.rooms[placed.room].location if placed is not None else None
            for place, literal in v.places.items():
                if literal.index not in literals:
                    literals.add(literal.index)
                    model.add_hint(literal, place == location)

    def extract(self, solver: cp_model.CpSolver) -> list[Assignment]:
        """The solver's schedule with members handed out within each class by interval colouring."""
        instance = self.instance
        chosen: list[tuple[int, str, int, int, int | None]] = []
        for entry in instance.domains:
            v = self.vars[entry.person.id]
            if not solver.boolean_value(v.scheduled):
                continue
            interviewer = next(c for c, lit in v.interviewers.items() if solver.boolean_value(lit))
            room = next(k for k, lit in v.rooms.items() if solver.boolean_value(lit))
            interpreter = next((g for g, lit in v.interpreters.items() if solver.boolean_value(lit)), None)
            chosen.append((solver.value(v.start), entry.person.id, interviewer, room, interpreter))
        chosen.sort()
        durations = {e.person.id: e.person.duration for e in instance.domains}
        members = {
            "i": _Colouring(instance.interviewer_classes),
            "r": _Colouring(instance.room_classes),
            "t": _Colouring(instance.interpreter_classes),
        }
        found = []
        for start, person_id, interviewer, room, interpreter in chosen:
            end = start + durations[person_id]
            found.append(
                Assignment(
                    person=person_id,
                    start=start,
                    room=members["r"].take(room, start, end),
                    interviewer=members["i"].take(interviewer, start, end),
                    interpreter=members["t"].take(interpreter, start, end)
                    if interpreter is not None
                    else None,
                )
            )
        return found


class _Colouring:
    """Hands out the members of each class to intervals taken in order of start (interval-graph colouring)."""

    def __init__(self, classes: list[ResourceClass]) -> None:
        self.classes = classes
        self.free_from: dict[int, list[int]] = {n: [0] * len(c.members) for n, c in enumerate(classes)}

    def take(self, number: int, start: int, end: int) -> str:
        ends = self.free_from[number]
        for position, free_from in enumerate(ends):
            if free_from <= start:
                ends[position] = end
                return self.classes[number].members[position]
        # More overlapping intervals than members: the model forbids it; let the validator catch it.
        ends[0] = end
        return self.classes[number].members[0]


class _FirstSolution(cp_model.CpSolverSolutionCallback):
    def __init__(self, began: float) -> None:
        super().__init__()
        self.began = began
        self.first: float | None = None

    def on_solution_callback(self) -> None:
        if self.first is None:
            self.first = time.perf_counter() - self.began


def board_cost(board: Board) -> Cost:
    persons = board.index.problem.persons
    return Cost(
        unscheduled_weight=sum(p.weight for p in persons if p.id not in board.placed),
        weighted_wait=sum(
            p.weight * (board.placed[p.id].start - p.ready) for p in persons if p.id in board.placed
        ),
    )


def _modelled_part(board: Board, instance: Instance) -> tuple[int, int]:
    """The cost of the modelled persons only (the rest is a constant of the problem)."""
    unscheduled = 0
    wait = 0
    for entry in instance.domains:
        placed = board.placed.get(entry.person.id)
        if placed is None:
            unscheduled += entry.person.weight
        else:
            wait += entry.person.weight * (placed.start - entry.person.ready)
    return unscheduled, wait


class _Search:
    """The incumbent schedule and the proven bound, for the modelled persons, across the steps of a solve."""

    def __init__(
        self,
        instance: Instance,
        best: Board,
        *,
        deadline: float,
        workers: int,
        began: float,
        stats: SolveStats,
    ) -> None:
        self.instance = instance
        self.index = instance.index
        self.best = best
        self.best_part = _modelled_part(best, instance)
        self.lower_part = (0, 0)
        self.deadline = deadline
        self.workers = workers
        self.began = began
        self.stats = stats
        self.relaxation: Relaxation | None = None
        self.relaxed_waits: dict[int, int | None] = {}
        self.guides: dict[int, list[list[tuple[int, float]]] | None] = {}
        # The time one list schedule takes, learnt as they run (a first guess from the greedy's size).
        self.round_seconds = 0.0005 * len(instance.domains)
        self.modelled = {e.person.id: e.person for e in instance.domains}
        self.last_status: cp_model.CpSolverStatus = cp_model.UNKNOWN
        self.last_seconds = 0.0
        self.random = random.Random(len(instance.domains))  # noqa: S311 - search diversity, not a secret

    def left(self) -> float:
        return self.deadline - time.perf_counter() - RESERVE_SECONDS

    def proven(self) -> bool:
        return self.best_part <= self.lower_part

    def run(self) -> None:
        self._bound_unscheduled()
        self._relaxed_wait()
        if self.proven():
            return
        self._list_schedules(min(LIST_SHARE * self.left(), LIST_ROUNDS * self.round_seconds))
        self._bound_wait()
        if self.proven():
            return
        if len(self.instance.domains) <= FULL_MODEL_PERSONS:
            self._full_model(self.left() * (1.0 if len(self.instance.domains) <= LNS_START_SIZE else 0.5))
        self._bound_wait()
        if not self.proven():
            self._neighbourhoods()

    # -- bounds ------------------------------------------------------------------------------------------

    def _relaxation(self) -> Relaxation | None:
        """The LP relaxation, built on first use when there is time to build it (it cannot be interrupted)."""
        if self.relaxation is None:
            size = sum(e.starts.bit_count() * e.person.duration for e in self.instance.domains)
            if self.left() < LP_SECONDS_PER_TERM * size * 3:
                return None
            self.relaxation = Relaxation(BoundInput.from_instance(self.instance, max_unscheduled=0))
        return self.relaxation

    def _bound_unscheduled(self) -> None:
        if self.best_part[0] == 0 or self.left() < MIN_MODEL_SECONDS:
            return
        relaxation = self._relaxation()
        if relaxation is None:
            return
        bound = relaxation.min_unscheduled(time_limit=min(0.2 * self.left(), 20.0))
        if bound is not None:
            self.lower_part = max(self.lower_part, (bound, 0))

    def _relaxed_wait(self) -> bool:
        """Solve the LP for the wait at the incumbent's unscheduled weight; True if it solved.

        The solution guides the list schedules, and is a proven bound once that weight is proven minimal.
        """
        solved = self._guide(self.best_part[0]) is not None
        self._bound_wait()
        return solved

    def _bound_wait(self) -> None:
        """Once the unscheduled weight is proven minimal, the LP's wait at that weight is a proven bound."""
        unscheduled = self.best_part[0]
        if unscheduled != self.lower_part[0]:
            return
        self._guide(unscheduled)
        bound = self.relaxed_waits.get(unscheduled)
        if bound is not None:
            self.stats.lp_bound = bound
            self.lower_part = max(self.lower_part, (unscheduled, bound))

    # -- list schedules in the LP's order ----------------------------------------------------------------

    def _guide(self, unscheduled: int) -> list[list[tuple[int, float]]] | None:
        """The LP's start shares when at most `unscheduled` weight is left out (None if it did not solve)."""
        if unscheduled not in self.guides:
            relaxation = self._relaxation()
            if self.left() < MIN_MODEL_SECONDS or relaxation is None:
                return None
            bound = relaxation.min_wait(max_unscheduled=unscheduled, time_limit=min(0.25 * self.left(), 20.0))
            self.relaxed_waits.setdefault(unscheduled, bound)
            self.guides[unscheduled] = relaxation.starts() if bound is not None else None
        return self.guides[unscheduled]

    def _list_schedules(self, budget: float) -> None:
        """Place people one by one (earliest valid start) in the order the LP relaxation starts them.

        Each person's α-point — the first slot by which a share α of their interview has started in the LP —
        orders the list; the first round uses α = ½, later rounds draw α at random per person. People the LP
        mostly leaves out come last. The LP is taken at the incumbent's unscheduled weight and, in turns, at
        the proven least one (which packs people more tightly).
        """
        if self.relaxation is None:
            return
        until = time.perf_counter() + budget
        rounds = improved = 0
        while time.perf_counter() + self.round_seconds < until and self.left() > self.round_seconds:
            targets = sorted({self.best_part[0], self.lower_part[0]})
            shares = self._guide(targets[rounds % len(targets)])
            if shares is None:
                shares = self._guide(targets[0])
                if shares is None:
                    break
            began = time.perf_counter()
            order = []
            for entry, starts in zip(self.instance.domains, shares, strict=True):
                alpha = 0.5 if rounds < len(targets) else self.random.random()
                total = sum(share for _, share in starts)
                reached = 0.0
                point = self.index.horizon
                for start, share in starts:
                    reached += share
                    if reached >= alpha * total - 1e-9:
                        point = start
                        break
                order.append((total < 0.5, point, -entry.person.weight, entry.person.id, entry.person))
            order.sort(key=lambda item: item[:4])
            board = self.instance.base.copy()
            for *_, person in order:
                placed = board.earliest(person)
                if placed is not None:
                    board.place(placed)
            part = _modelled_part(board, self.instance)
            if part < self.best_part:
                self.best, self.best_part = board, part
                improved += 1
            rounds += 1
            self.round_seconds = max(self.round_seconds, time.perf_counter() - began)
        self.stats.phases.append(f"LP-ordered list schedules: {improved} improvements in {rounds} rounds")

    # -- the whole model ---------------------------------------------------------------------------------

    def _solve(
        self, model: Model, objective: cp_model.LinearExprT, seconds: float, phase: str
    ) -> cp_model.CpSolver | None:
        model.model.minimize(objective)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(seconds, 0.01)
        solver.parameters.num_workers = self.workers
        callback = _FirstSolution(self.began)
        status = solver.solve(model.model, callback)
        if phase:
            self.stats.phases.append(
                f"{phase}: {solver.status_name(status).lower()} in {solver.wall_time:.2f}s"
            )
        if callback.first is not None and self.stats.first_solver_solution_seconds is None:
            self.stats.first_solver_solution_seconds = callback.first
        self.last_status = status
        self.last_seconds = solver.wall_time
        if status == cp_model.MODEL_INVALID:
            self.stats.invalid_models += 1
        return solver if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None

    def _offer(self, base: Board, model: Model, solver: cp_model.CpSolver) -> bool:
        candidate = base.copy()
        for assignment in model.extract(solver):
            candidate.place(assignment)
        part = _modelled_part(candidate, self.instance)
        if part < self.best_part:
            self.best, self.best_part = candidate, part
            return True
        return False

    def _full_model(self, budget: float) -> None:
        until = time.perf_counter() + budget
        base = self.instance.base
        if self.best_part[0] > self.lower_part[0] and until - time.perf_counter() > MIN_MODEL_SECONDS:
            model = Model(self.instance)
            model.hint(self.best)
            solver = self._solve(
                model, model.unscheduled, 0.5 * (until - time.perf_counter()), "unscheduled weight"
            )
            if solver is not None:
                self._offer(base, model, solver)
                proven = math.ceil(solver.best_objective_bound - 1e-6)
                self.lower_part = max(self.lower_part, (proven, 0))
        self._bound_wait()
        if self.proven() or until - time.perf_counter() < MIN_MODEL_SECONDS:
            return
        unscheduled_proven = self.best_part[0] == self.lower_part[0]
        model = Model(self.instance)
        model.hint(self.best)
        model.model.add(model.unscheduled <= self.best_part[0])
        big = 1 if unscheduled_proven else model.max_wait + 1
        objective = model.wait if unscheduled_proven else big * model.unscheduled + model.wait
        solver = self._solve(model, objective, until - time.perf_counter(), "weighted wait")
        if solver is None:
            return
        self._offer(base, model, solver)
        proven = math.ceil(solver.best_objective_bound - 1e-6)
        if unscheduled_proven:
            self.lower_part = max(self.lower_part, (self.best_part[0], proven))
        else:
            # M·u + w ≥ B with w < M gives u ≥ B // M, and w ≥ B mod M when u = B // M.
            self.lower_part = max(self.lower_part, (proven // big, proven % big))

    # -- large neighbourhood search ----------------------------------------------------------------------

    def _neighbourhoods(self) -> None:
        """Re-plan a few dozen people at a time with everyone else held in place, until the deadline.

        Neighbourhoods are chosen by time (everyone around a moment), by blockers (a person waiting long and
        whoever holds what they need meanwhile), by interviewers (the people of a few interchangeable
        interviewers) and at random. Each is re-planned either by CP-SAT (exact within the neighbourhood) or
        by ruin and recreate (taken out, then placed again one by one in a randomised order: cheap, so many
        more steps). A strategy or a method that pays off is chosen more often.
        """
        size = min(LNS_START_SIZE, len(self.modelled))
        strategies = {
            "time": self._by_time,
            "blockers": self._by_blockers,
            "interviewers": self._by_interviewers,
            "random": self._at_random,
        }
        score = dict.fromkeys(strategies, 1.0)
        method_score = {"solve": 1.0, "rebuild": 1.0}
        tried = dict.fromkeys(method_score, 0)
        improved = dict.fromkeys(method_score, 0)
        while self.left() > LNS_MIN_SECONDS and not self.proven():
            name = self.random.choices(list(score), list(score.values()))[0]
            method = self.random.choices(list(method_score), list(method_score.values()))[0]
            if method == "rebuild":
                chosen, _ = strategies[name](self.random.randint(LNS_MIN_SIZE, 4 * LNS_START_SIZE))
                candidate = self._rebuild(chosen) if chosen else None
            else:
                chosen, window = strategies[name](size)
                candidate = self._resolve(chosen, window) if chosen else None
                if self.last_status == cp_model.OPTIMAL and self.last_seconds < 0.5 * LNS_STEP_SECONDS:
                    size = min(int(size * 1.2) + 1, LNS_MAX_SIZE, len(self.modelled))
                elif self.last_status != cp_model.OPTIMAL:
                    size = max(LNS_MIN_SIZE, int(size * 0.85))
            if candidate is None:
                continue
            tried[method] += 1
            part = _modelled_part(candidate, self.instance)
            gained = part < self.best_part
            if part <= self.best_part:
                self.best, self.best_part = candidate, part
                if gained:
                    self._bound_wait()
            improved[method] += gained
            score[name] = 0.9 * score[name] + (1.0 if gained else 0.02)
            method_score[method] = 0.9 * method_score[method] + (1.0 if gained else 0.02)
        self.stats.phases.append(
            "neighbourhoods: "
            + ", ".join(f"{m} {improved[m]} improvements in {tried[m]} steps" for m in method_score)
            + f", last size {size}"
        )

    def _resolve(self, chosen: list[Person], window: tuple[int, int] | None) -> Board | None:
        """The neighbourhood re-planned by CP-SAT, everyone else held in place (None if nothing found)."""
        base = self.best.copy()
        for person in chosen:
            placed = base.placed.get(person.id)
            if placed is not None:
                base.remove(person.id)
                if window is not None:
                    window = (min(window[0], placed.start), max(window[1], placed.start + person.duration))
        instance = Instance(self.index, base, chosen, window, self._rooms_for(base, chosen, window))
        if not instance.domains:
            return None
        model = Model(instance)
        model.hint(self.best)
        seconds = min(LNS_STEP_SECONDS, self.left())
        solver = self._solve(model, (model.max_wait + 1) * model.unscheduled + model.wait, seconds, "")
        if solver is None:
            return None
        candidate = base.copy()
        for assignment in model.extract(solver):
            candidate.place(assignment)
        return candidate

    def _rebuild(self, chosen: list[Person]) -> Board:
        """Ruin and recreate: take the neighbourhood out and place it again, earliest start first, in a
        randomised order (the LP's α-points, or readiness pulled forward by priority)."""
        board = self.best.copy()
        for person in chosen:
            if person.id in board.placed:
                board.remove(person.id)
        shares = self._guide_by_person(self.best_part[0]) if self.random.random() < 0.5 else None
        pull = self.random.choice((0.0, 1.0, 3.0))

        def rank(person: Person) -> tuple[float, str]:
            if shares is not None and person.id in shares:
                alpha = self.random.random()
                starts = shares[person.id]
                total = sum(share for _, share in starts)
                reached = 0.0
                for start, share in starts:
                    reached += share
                    if reached >= alpha * total - 1e-9:
                        return (start - 0.5 * person.weight + self.random.random(), person.id)
            return (person.ready - pull * person.weight + 3 * self.random.random(), person.id)

        for person in sorted(chosen, key=rank):
            placed = board.earliest(person)
            if placed is not None:
                board.place(placed)
        return board

    def _guide_by_person(self, unscheduled: int) -> dict[str, list[tuple[int, float]]] | None:
        shares = self.guides.get(unscheduled)
        if shares is None:
            return None
        return {entry.person.id: starts for entry, starts in zip(self.instance.domains, shares, strict=True)}

    def _rooms_for(
        self, base: Board, chosen: list[Person], window: tuple[int, int] | None
    ) -> set[str] | None:
        """The rooms a neighbourhood may use: those its people hold now, and those free throughout its window.

        Rooms free throughout a window fall into one class per location, so this keeps the model small while
        the schedule in force stays a solution of it.
        """
        if window is None:
            return None
        inside = span(window[0], window[1] - window[0], self.index.horizon)
        rooms = {self.best.placed[p.id].room for p in chosen if p.id in self.best.placed}
        for room_id in self.index.suitable_rooms:
            if not (inside & ~self.index.room_available[room_id] | inside & base.busy_room[room_id]):
                rooms.add(room_id)
        return rooms

    def _movable(self) -> list[Person]:
        return list(self.modelled.values())

    def _fill(self, chosen: list[Person], pool: list[Person], size: int) -> list[Person]:
        seen = {p.id for p in chosen}
        rest = [p for p in pool if p.id not in seen]
        self.random.shuffle(rest)
        return chosen + rest[: max(0, size - len(chosen))]

    def _by_time(self, size: int) -> tuple[list[Person], tuple[int, int] | None]:
        """Everyone interviewed (or waiting) around a random moment, kept within that stretch of time."""
        horizon = self.index.horizon
        centre = self.random.randrange(max(horizon, 1))
        width = 2
        pool: list[Person] = []
        while width <= 2 * horizon:
            pool = [p for p in self._movable() if self._near(p, centre - width, centre + width)]
            if len(pool) >= size:
                break
            width *= 2
        return self._fill([], pool, size), (max(0, centre - width), min(horizon, centre + width))

    def _near(self, person: Person, low: int, high: int) -> bool:
        placed = self.best.placed.get(person.id)
        if placed is not None:
            return placed.start < high and placed.start + person.duration > low
        return person.ready < high

    def _by_blockers(self, size: int) -> tuple[list[Person], tuple[int, int] | None]:
        """Someone waiting long (or left out), and the people holding what they need meanwhile."""
        movable = self._movable()
        waiting = [
            (
                p.weight * (self.best.placed[p.id].start - p.ready)
                if p.id in self.best.placed
                else 8 * p.weight,
                p,
            )
            for p in movable
        ]
        waiting = [(score, p) for score, p in waiting if score > 0]
        if not waiting:
            return self._at_random(size)
        target = self.random.choices([p for _, p in waiting], [score for score, _ in waiting])[0]
        placed = self.best.placed.get(target.id)
        until = placed.start + target.duration if placed is not None else self.index.horizon
        needed = {option.interviewer for option in self.best.options(target)}
        needed |= {t for option in self.best.options(target) for t in option.interpreters or ()}
        holders = [
            p
            for p in movable
            if p.id in self.best.placed
            and p.id != target.id
            and self._near(p, target.ready, until)
            and (
                self.best.placed[p.id].interviewer in needed
                or (self.best.placed[p.id].interpreter or "") in needed
            )
        ]
        self.random.shuffle(holders)
        chosen = [target, *holders[: size - 1]]
        others = [p for p in movable if self._near(p, target.ready, until)]
        return self._fill(chosen, others, size), (target.ready, until)

    def _by_interviewers(self, size: int) -> tuple[list[Person], tuple[int, int] | None]:
        """The people of two or three interviewers who could stand in for each other."""
        interviewers = [i.id for i in self.index.problem.interviewers]
        if not interviewers:
            return [], None
        first = self.index.interviewers[self.random.choice(interviewers)]
        alike = [
            i.id
            for i in self.index.problem.interviewers
            if i.role == first.role or i.gender == first.gender or speaks_any(i.languages, first.languages)
        ]
        picked = {first.id, *self.random.sample(alike, min(2, len(alike)))}
        pool = [
            p
            for p in self._movable()
            if (p.id in self.best.placed and self.best.placed[p.id].interviewer in picked)
            or p.id not in self.best.placed
        ]
        return self._fill([], pool, size), None

    def _at_random(self, size: int) -> tuple[list[Person], tuple[int, int] | None]:
        return self._fill([], self._movable(), size), None


def solve_with_stats(
    problem: InterviewProblem, *, time_limit: float, workers: int = 2
) -> tuple[Schedule, SolveStats]:
    """`solve`, and the figures the benchmark reports."""
    began = time.perf_counter()
    deadline = began + time_limit
    index = ProblemIndex(problem)
    base = Board(index)
    place_fixed(base)

    greedy = greedy_board(problem, index)
    greedy_seconds = time.perf_counter() - began
    stats = SolveStats(
        greedy_cost=board_cost(greedy), greedy_seconds=greedy_seconds, first_valid_seconds=greedy_seconds
    )
    best = greedy.copy()
    improve(best, deadline=min(deadline - RESERVE_SECONDS, time.perf_counter() + 0.1 * time_limit))

    lower: tuple[int, int] | None = None
    if deadline - time.perf_counter() - RESERVE_SECONDS > MIN_MODEL_SECONDS:
        instance = Instance(index, base)
        stats.modelled_persons = len(instance.domains)
        modelled = {e.person.id for e in instance.domains}
        # Whoever is neither fixed, modelled nor placeable with zero duration can never be scheduled.
        never = sum(
            p.weight
            for p in problem.persons
            if p.fixed is None and p.id not in modelled and (p.duration > 0 or not base.feasible_starts(p))
        )
        fixed_wait = sum(p.weight * (p.fixed.start - p.ready) for p in problem.persons if p.fixed is not None)
        constant = (never, fixed_wait)
        lower = constant
        if instance.domains:
            search = _Search(instance, best, deadline=deadline, workers=workers, began=began, stats=stats)
            search.run()
            best = search.best
            lower = (constant[0] + search.lower_part[0], constant[1] + search.lower_part[1])
        improve(best, deadline=deadline - RESERVE_SECONDS / 2)

    schedule = _finish(problem, base, best, lower, began)
    if check_schedule(problem, schedule):
        # A defect in the model must never reach a coordinator: fall back to the greedy, which is valid.
        schedule = _finish(problem, base, greedy, None, began)
    return schedule, stats


def _finish(
    problem: InterviewProblem, base: Board, board: Board, lower: tuple[int, int] | None, began: float
) -> Schedule:
    for person in problem.persons:
        if person.id not in board.placed and person.duration == 0:
            placed = board.earliest(person)
            if placed is not None:
                board.place(placed)
    cost = board_cost(board)
    order = {p.id: n for n, p in enumerate(problem.persons)}
    assignments = sorted(board.placed.values(), key=lambda a: (a.start, order[a.person]))
    unscheduled = [
        Unscheduled(person=p.id, reason=unscheduled_reason(board, base, p))
        for p in problem.persons
        if p.id not in board.placed
    ]
    bound = None
    if lower is not None and lower <= cost.key():
        bound = Cost(unscheduled_weight=lower[0], weighted_wait=lower[1])
    return Schedule(
        assignments=assignments,
        unscheduled=unscheduled,
        cost=cost,
        solver=SolverReport(
            status="optimal" if bound is not None and bound.key() == cost.key() else "feasible",
            seconds=round(time.perf_counter() - began, 3),
            lower_bound=bound,
        ),
    )


def greedy_schedule(problem: InterviewProblem) -> Schedule:
    """The coordinator's greedy as a schedule file (with reasons for whoever it leaves out), for comparison."""
    began = time.perf_counter()
    index = ProblemIndex(problem)
    base = Board(index)
    place_fixed(base)
    return _finish(problem, base, greedy_board(problem, index), None, began)


def solve(problem: InterviewProblem, *, time_limit: float, workers: int = 2) -> Schedule:
    """The best valid schedule found within `time_limit` seconds (wall time, everything included).

    Always valid, never worse than the coordinator's greedy; `solver.status` is "optimal" only when the
    cost equals the proven lower bound.
    """
    return solve_with_stats(problem, time_limit=time_limit, workers=workers)[0]
