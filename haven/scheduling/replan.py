"""Re-planning during the day: what has started or is pinned stays; the rest is planned again.

`replan` turns the current problem and the schedule in force into a new problem: started and pinned
interviews travel as `fixed` assignments (a valid schedule keeps them exactly), an interviewer who left is
available only until they left, added rooms join the list, and nobody else is planned before `now`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set

from haven.core.problems import InvalidInput
from haven.core.problems import Problem as InputProblem
from haven.scheduling.formats import (
    Assignment,
    Fixed,
    InterviewProblem,
    Person,
    Room,
    Schedule,
    dump_problem,
    parse_problem,
)


def _fixed(assignment: Assignment) -> Fixed:
    return Fixed(
        start=assignment.start,
        room=assignment.room,
        interviewer=assignment.interviewer,
        interpreter=assignment.interpreter,
    )


def _cut(windows: Iterable[tuple[int, int]], until: int) -> list[tuple[int, int]]:
    """Availability windows ending no later than `until`."""
    return [(first, min(end, until)) for first, end in windows if first < until]


def replan(
    problem: InterviewProblem,
    previous: Schedule,
    *,
    pinned: Set[str] = frozenset(),
    started: Set[str] = frozenset(),
    gone: Mapping[str, int] | None = None,
    extra_rooms: Iterable[Room] = (),
    now: int | None = None,
) -> InterviewProblem:
    """A new problem in which started and pinned interviews are fixed and the rest is free to move.

    - `started`: interviews under way; they are kept even if their interviewer leaves before they end (the
      interviewer finishes them, so their availability is cut at the end of such an interview instead).
    - `pinned`: interviews a coordinator wants kept; a pin whose interviewer leaves before the interview
      ends is released, and that person is planned again.
    - `gone`: interviewer id → the slot from which they are no longer available.
    - `extra_rooms`: rooms that became available.
    - `now`: when given, no one who is not fixed is planned before this slot.

    A `fixed` assignment already in `problem` stays fixed, unless its interviewer leaves before it ends and
    it is not listed in `started`. Raises `InvalidInput` naming what cannot be
    honoured (an unknown person or interviewer, a started interview missing from `previous`, a room id
    used twice).
    """
    gone = dict(gone or {})
    extra = list(extra_rooms)
    problems: list[InputProblem] = []
    persons = {p.id: p for p in problem.persons}
    assigned = {a.person: a for a in previous.assignments}
    for label, wanted in (("started", started), ("pinned", pinned)):
        for person_id in sorted(wanted):
            if person_id not in persons:
                problems.append(InputProblem(label, f"{person_id!r} names no person"))
            elif person_id not in assigned:
                problems.append(
                    InputProblem(label, f"{person_id} has no assignment in the previous schedule")
                )
    interviewer_ids = {i.id for i in problem.interviewers}
    for interviewer_id, slot in sorted(gone.items()):
        if interviewer_id not in interviewer_ids:
            problems.append(
                InputProblem(f"gone.{interviewer_id}", f"{interviewer_id!r} names no interviewer")
            )
        elif slot < 0:
            problems.append(
                InputProblem(f"gone.{interviewer_id}", f"must be a non-negative slot (got {slot})")
            )
    room_ids = {r.id for r in problem.rooms}
    for position, room in enumerate(extra):
        if room.id in room_ids:
            problems.append(
                InputProblem(f"extra_rooms[{position}].id", f"{room.id!r} is already a room's id")
            )
        room_ids.add(room.id)
    if problems:
        raise InvalidInput(problems, what="re-plan")

    # What stays fixed: interviews under way, pins, and what the problem already fixed.
    keep: dict[str, Fixed] = {}
    for person in problem.persons:
        if person.id in started or person.id in pinned:
            keep[person.id] = _fixed(assigned[person.id])
        elif person.fixed is not None:
            keep[person.id] = person.fixed
    # An interviewer who leaves still finishes what they started; pins they cannot finish are released.
    cut_at = dict(gone)
    for person_id, fixed in list(keep.items()):
        leaves = gone.get(fixed.interviewer)
        if leaves is None:
            continue
        end = fixed.start + persons[person_id].duration
        if end <= leaves:
            continue
        if person_id in started:
            cut_at[fixed.interviewer] = max(cut_at[fixed.interviewer], end)
        else:
            del keep[person_id]

    new_persons: list[Person] = []
    for person in problem.persons:
        update: dict[str, object] = {"fixed": keep.get(person.id)}
        if person.id not in keep and now is not None:
            update["ready"] = max(person.ready, now)
        new_persons.append(person.model_copy(update=update))
    new_interviewers = [
        i.model_copy(update={"available": _cut(i.available, cut_at[i.id])}) if i.id in cut_at else i
        for i in problem.interviewers
    ]
    replanned = problem.model_copy(
        update={"persons": new_persons, "interviewers": new_interviewers, "rooms": [*problem.rooms, *extra]}
    )
    try:
        # Read back through the parser so the new problem obeys every rule a problem file does.
        return parse_problem(dump_problem(replanned))
    except InvalidInput as exc:
        raise InvalidInput(exc.problems, what="re-planned problem") from None
