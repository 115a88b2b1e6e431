"""The coordinator's baseline, and the occupancy board that the solver's repair and the explanations share.

A coordinator by hand takes people by priority (urgent, high, normal), then by readiness, then by id, and gives
each the earliest start that fits, with the first room, interviewer and interpreter (in the order the problem
lists them) that are free. `greedy_schedule` does exactly that, keeping every rule and every fixed assignment.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

from haven.scheduling.formats import Assignment, InterviewProblem, Person
from haven.scheduling.rules import (
    InterviewerOption,
    ProblemIndex,
    lowest_bit,
    span,
    start_range,
    starts_within,
)

PRIORITY_ORDER = {"urgent": 0, "high": 1, "normal": 2}


def coordinator_order(person: Person) -> tuple[int, int, str]:
    """Priority, then readiness, then id: the order a coordinator works down the list."""
    return (PRIORITY_ORDER[person.priority or "normal"], person.ready, person.id)


@dataclass(frozen=True, slots=True)
class Blockers:
    """Which kinds of resource leave no free choice at some start (for the explanations)."""

    interviewer: bool
    room: bool
    interpreter: bool
    keep_apart: frozenset[str]


class Board:
    """Who holds which room, interviewer and interpreter when, and where each person is interviewed."""

    def __init__(self, index: ProblemIndex) -> None:
        self.index = index
        self.busy_room: dict[str, int] = defaultdict(int)
        self.busy_interviewer: dict[str, int] = defaultdict(int)
        self.busy_interpreter: dict[str, int] = defaultdict(int)
        self.placed: dict[str, Assignment] = {}
        self._options: dict[str, list[InterviewerOption]] = {}

    def options(self, person: Person) -> list[InterviewerOption]:
        cached = self._options.get(person.id)
        if cached is None:
            cached = self.index.options(person)
            self._options[person.id] = cached
        return cached

    def copy(self) -> Board:
        """Another board with the same interviews placed (sharing the cached options)."""
        other = Board(self.index)
        other._options = self._options
        for assignment in self.placed.values():
            other.place(assignment)
        return other

    def place(self, assignment: Assignment) -> None:
        person = self.index.persons[assignment.person]
        busy = span(assignment.start, person.duration, self.index.horizon)
        self.busy_room[assignment.room] |= busy
        self.busy_interviewer[assignment.interviewer] |= busy
        if assignment.interpreter is not None:
            self.busy_interpreter[assignment.interpreter] |= busy
        self.placed[assignment.person] = assignment

    def remove(self, person_id: str) -> Assignment:
        assignment = self.placed.pop(person_id)
        person = self.index.persons[person_id]
        free = ~span(assignment.start, person.duration, self.index.horizon)
        self.busy_room[assignment.room] &= free
        self.busy_interviewer[assignment.interviewer] &= free
        if assignment.interpreter is not None:
            self.busy_interpreter[assignment.interpreter] &= free
        return assignment

    # -- free time ---------------------------------------------------------------------------------------

    def apart_block(self, person: Person) -> dict[str, int]:
        """Per location, the slots in which someone to be kept apart from `person` is interviewed there."""
        block: dict[str, int] = defaultdict(int)
        for other in self.index.keep_apart[person.id]:
            theirs = self.placed.get(other)
            if theirs is None:
                continue
            location = self.index.rooms[theirs.room].location
            block[location] |= span(theirs.start, self.index.persons[other].duration, self.index.horizon)
        return block

    def room_starts(self, person: Person, *, ignore_keep_apart: bool = False) -> list[tuple[str, int]]:
        """Each suitable room with the starts at which it is free for the whole interview."""
        block = {} if ignore_keep_apart else self.apart_block(person)
        found = []
        for room_id in self.index.rooms_for(person):
            location = self.index.rooms[room_id].location
            free = self.index.room_available[room_id] & ~self.busy_room[room_id] & ~block.get(location, 0)
            found.append((room_id, starts_within(free, person.duration)))
        return found

    def interpreter_starts(self, person: Person, interpreter_id: str) -> int:
        free = self.index.interpreter_available[interpreter_id] & ~self.busy_interpreter[interpreter_id]
        return starts_within(free, person.duration)

    def interviewer_starts(self, person: Person) -> list[tuple[InterviewerOption, int, int]]:
        """Each interviewer option with the starts at which the interviewer is free, and the starts at which
        the interviewer and (when needed) some bridging interpreter are both free."""
        found = []
        cache: dict[str, int] = {}
        for option in self.options(person):
            own = starts_within(
                self.index.interviewer_available[option.interviewer]
                & ~self.busy_interviewer[option.interviewer],
                person.duration,
            )
            usable = own
            if option.interpreters is not None:
                bridged = 0
                for interpreter_id in option.interpreters:
                    if interpreter_id not in cache:
                        cache[interpreter_id] = self.interpreter_starts(person, interpreter_id)
                    bridged |= cache[interpreter_id]
                usable &= bridged
            found.append((option, own, usable))
        return found

    def feasible_starts(self, person: Person) -> int:
        """Starts at which the person could be placed now, everything else staying where it is."""
        allowed = start_range(person.ready, person.duration, self.index.horizon)
        if not allowed:
            return 0
        if person.duration == 0:
            return allowed if self._zero_duration_choice(person) is not None else 0
        rooms = 0
        for _, starts in self.room_starts(person):
            rooms |= starts
        interviewers = 0
        for _, _, usable in self.interviewer_starts(person):
            interviewers |= usable
        return allowed & rooms & interviewers

    def earliest(self, person: Person, *, before: int | None = None) -> Assignment | None:
        """The earliest valid placement (start, then room, interviewer, interpreter in list order).

        With `before`, only starts strictly earlier than it are considered.
        """
        allowed = start_range(person.ready, person.duration, self.index.horizon)
        if before is not None:
            allowed &= (1 << max(before, 0)) - 1
        if not allowed:
            return None
        if person.duration == 0:
            choice = self._zero_duration_choice(person)
            if choice is None:
                return None
            return Assignment(
                person=person.id,
                start=person.ready,
                room=choice[0],
                interviewer=choice[1],
                interpreter=choice[2],
            )
        rooms = self.room_starts(person)
        room_union = 0
        for _, starts in rooms:
            room_union |= starts
        allowed &= room_union
        if not allowed:
            return None
        interviewers = self.interviewer_starts(person)
        interviewer_union = 0
        for _, _, usable in interviewers:
            interviewer_union |= usable
        allowed &= interviewer_union
        if not allowed:
            return None
        start = lowest_bit(allowed)
        bit = 1 << start
        room_id = next(r for r, starts in rooms if starts & bit)
        option = next(o for o, _, usable in interviewers if usable & bit)
        interpreter_id = None
        if option.interpreters is not None:
            interpreter_id = next(t for t in option.interpreters if self.interpreter_starts(person, t) & bit)
        return Assignment(
            person=person.id,
            start=start,
            room=room_id,
            interviewer=option.interviewer,
            interpreter=interpreter_id,
        )

    def _zero_duration_choice(self, person: Person) -> tuple[str, str, str | None] | None:
        """An interview of no slots occupies nothing: any suitable room and eligible interviewer will do."""
        rooms = self.index.rooms_for(person)
        if not rooms:
            return None
        options = self.options(person)
        if not options:
            return None
        option = options[0]
        interpreter = option.interpreters[0] if option.interpreters is not None else None
        return (rooms[0], option.interviewer, interpreter)

    def blockers(self, person: Person, start: int) -> Blockers:
        """What stands in the way of placing `person` at `start` (for the explanations)."""
        bit = 1 << start
        room_free = any(starts & bit for _, starts in self.room_starts(person, ignore_keep_apart=True))
        room_apart = any(starts & bit for _, starts in self.room_starts(person))
        interviewers = self.interviewer_starts(person)
        own = any(o & bit for _, o, _ in interviewers)
        usable = any(u & bit for _, _, u in interviewers)
        partners: set[str] = set()
        if room_free and not room_apart:
            for other in self.index.keep_apart[person.id]:
                theirs = self.placed.get(other)
                if theirs is not None and span(
                    theirs.start, self.index.persons[other].duration, self.index.horizon
                ) & (span(start, person.duration, self.index.horizon)):
                    partners.add(other)
        return Blockers(
            interviewer=not own,
            room=not room_free,
            interpreter=own and not usable,
            keep_apart=frozenset(partners),
        )


def place_fixed(board: Board) -> None:
    """Put every fixed interview on the board, exactly as given."""
    for person in board.index.problem.persons:
        if person.fixed is not None:
            board.place(
                Assignment(
                    person=person.id,
                    start=person.fixed.start,
                    room=person.fixed.room,
                    interviewer=person.fixed.interviewer,
                    interpreter=person.fixed.interpreter,
                )
            )


def greedy_board(problem: InterviewProblem, index: ProblemIndex | None = None) -> Board:
    """The coordinator's schedule on a board: fixed interviews first, then by priority, readiness and id."""
    board = Board(index or ProblemIndex(problem))
    place_fixed(board)
    for person in sorted(problem.persons, key=coordinator_order):
        if person.id in board.placed:
            continue
        assignment = board.earliest(person)
        if assignment is not None:
            board.place(assignment)
    return board


def improve(board: Board, *, deadline: float) -> bool:
    """Local repair until nothing changes or the deadline passes; True when anything improved.

    Two moves, both keeping every rule: bring in an unscheduled person wherever they now fit (heaviest
    first), and move a scheduled person to an earlier start (largest weighted wait first).
    """
    index = board.index
    improved_any = False
    changed = True
    while changed and time.perf_counter() < deadline:
        changed = False
        waiting = [p for p in index.problem.persons if p.id not in board.placed]
        waiting.sort(key=lambda p: (-p.weight, p.ready, p.id))
        for person in waiting:
            if time.perf_counter() >= deadline:
                break
            assignment = board.earliest(person)
            if assignment is not None:
                board.place(assignment)
                changed = True
        movable = [
            index.persons[pid]
            for pid, a in board.placed.items()
            if index.persons[pid].fixed is None and a.start > index.persons[pid].ready
        ]
        movable.sort(key=lambda p: (-(board.placed[p.id].start - p.ready) * p.weight, p.id))
        for person in movable:
            if time.perf_counter() >= deadline:
                break
            current = board.placed[person.id]
            if current.start <= person.ready:
                continue
            board.remove(person.id)
            earlier = board.earliest(person, before=current.start)
            board.place(earlier if earlier is not None else current)
            if earlier is not None:
                changed = True
        improved_any = improved_any or changed
    return improved_any
