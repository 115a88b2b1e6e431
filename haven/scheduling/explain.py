"""Why a person stays unscheduled, in words a coordinator can act on.

Two kinds of reason. Intrinsic: even with no one else to interview (only the fixed interviews in place) there
is no valid placement — the horizon, no suitable room, no eligible interviewer, no interpreter. Capacity: a
placement would exist on an empty day, but every start is taken by the other interviews of this schedule.
"""

from __future__ import annotations

from datetime import timedelta

from haven.core.languages import language_label, speaks_any
from haven.scheduling.formats import InterviewProblem, Person
from haven.scheduling.greedy import Board
from haven.scheduling.rules import bits, interviewer_fits, interviewer_qualifies, start_range, starts_within


def languages_label(codes: list[str], joiner: str = "or") -> str:
    return _listed([language_label(code) for code in codes], joiner)


def clock(problem: InterviewProblem, slot: int) -> str:
    """The wall-clock time of a slot in the problem's own offset (with the date when it is another day)."""
    moment = problem.start + timedelta(minutes=slot * problem.slot_minutes)
    if moment.date() != problem.start.date():
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.strftime("%H:%M")


def _interviewer_words(person: Person) -> str:
    words = "forensic interviewer" if person.minor else "interviewer"
    if person.interviewer_gender is not None:
        words += f" of the stated gender ({person.interviewer_gender})"
    return words


def _room_words(person: Person) -> str:
    return (
        f"room eligible for {person.id}"
        if person.eligible_rooms is not None
        else "private, nondetention room"
    )


def intrinsic_reason(base: Board, person: Person) -> str | None:
    """Why `person` cannot be placed even on a day holding only the fixed interviews; None when they can."""
    index = base.index
    problem = index.problem
    horizon = problem.horizon
    ready = person.ready
    duration = person.duration
    allowed = start_range(ready, duration, horizon)
    if not allowed:
        return f"ready at slot {ready} but the interview needs {duration} slots and the horizon is {horizon}"
    between = (
        f"between {clock(problem, ready)} (slot {ready}) and the horizon ({clock(problem, horizon)}, "
        f"slot {horizon})"
    )
    consecutive = f"{duration} consecutive slot{'s' if duration != 1 else ''}"

    if not index.suitable_rooms:
        if not problem.rooms:
            return "no room is listed; add a private room in a nondetention setting"
        return "no room is both private and in a nondetention setting; add one"
    if not index.rooms_for(person):
        return f"no room is eligible for {person.id}"
    rooms = 0
    if duration > 0:
        for _, starts in base.room_starts(person, ignore_keep_apart=True):
            rooms |= starts
        rooms &= allowed
        if not rooms:
            return f"no {_room_words(person)} is free for {consecutive} {between}"

    words = _interviewer_words(person)
    # the interviewers the problem names for this person, when it does: "eligible for P-006"
    named = f"{words} eligible for {person.id}" if person.eligible_interviewers is not None else words
    # what the rules allow first (a forensic interviewer for a minor, the stated gender), then whom the
    # problem names for the person
    by_rules = [i for i in problem.interviewers if interviewer_qualifies(person, i)]
    pool = [i for i in by_rules if interviewer_fits(person, i)]
    if by_rules and not pool:
        if not person.eligible_interviewers:
            return f"no interviewer is eligible for {person.id}"
        return f"no {named} is available"
    if not pool:
        if person.minor and person.interviewer_gender is None:
            return "no forensic interviewer is available; a minor must be interviewed by one"
        if person.interviewer_gender is not None:
            return (
                f"no {words} is available; add one, or ask {person.id} whether another interviewer "
                "would be acceptable"
            )
        return "no interviewer is available"
    if duration > 0:
        pool_time = 0
        for interviewer in pool:
            free = index.interviewer_available[interviewer.id] & ~base.busy_interviewer[interviewer.id]
            pool_time |= starts_within(free, duration)
        if not pool_time & allowed:
            return f"no {named} is available before the horizon: none is free for {consecutive} {between}"

    options = base.options(person)
    if not options:
        if not person.languages:
            return f"no language is recorded for {person.id}, so no interviewer or interpreter can be matched"
        speakers = [t for t in problem.interpreters if speaks_any(t.languages, person.languages)]
        wanted = languages_label(person.languages)
        if not speakers:
            return f"no interpreter for {wanted}, and no eligible {words} speaks it"
        pool_languages = sorted({code for i in pool for code in i.languages})
        return (
            f"no interpreter between {wanted} and a language of the eligible {words}s "
            f"({languages_label(pool_languages, 'and')})"
        )
    if duration == 0:
        return None

    usable = 0
    for _, _, starts in base.interviewer_starts(person):
        usable |= starts
    usable &= allowed
    if not usable:
        return (
            f"no interpreter for {languages_label(person.languages)} is free at the same time as an eligible "
            f"{words} for {consecutive} {between}"
        )
    if not usable & rooms:
        needs = " and an interpreter" if all(o.interpreters is not None for o in options) else ""
        return (
            f"no time {between} when an eligible {words}{needs} and a {_room_words(person)} are all free "
            f"for {consecutive}"
        )
    if not base.feasible_starts(person):
        partners = sorted(other for other in index.keep_apart[person.id] if other in base.placed)
        return (
            f"every time an eligible {words} and a room are free, {person.id} would be at the same location "
            f"as {', '.join(partners)}, from whom they must be kept apart"
        )
    return None


def capacity_reason(board: Board, base: Board, person: Person) -> str:
    """Why `person` is out of a schedule in which they could fit on an otherwise empty day."""
    problem = board.index.problem
    horizon = problem.horizon
    candidate = base.feasible_starts(person)
    interviewer = room = interpreter = False
    partners: set[str] = set()
    first_free = None
    for start in bits(candidate):
        found = board.blockers(person, start)
        if not (found.interviewer or found.room or found.interpreter or found.keep_apart):
            first_free = start
            break
        interviewer |= found.interviewer
        room |= found.room
        interpreter |= found.interpreter
        partners |= found.keep_apart
    if first_free is not None:
        return (
            f"left out when the time limit ran out, though a place is free at {clock(problem, first_free)} "
            f"(slot {first_free}); plan again with a longer time limit"
        )
    taken = []
    if interviewer:
        taken.append(f"eligible {_interviewer_words(person)}")
    if room:
        taken.append("room" if taken else "private, nondetention room")
    if interpreter:
        taken.append(f"interpreter for {languages_label(person.languages)}")
    parts = []
    if taken:
        parts.append(f"every {_listed(taken, 'and')} is taken until the horizon ({clock(problem, horizon)})")
    if partners:
        parts.append(
            f"the free times would put {person.id} at the same location as {', '.join(sorted(partners))}, "
            "from whom they must be kept apart"
        )
    extra = [
        noun
        for noun, short in (
            ("an interviewer", interviewer),
            ("a room", room),
            ("an interpreter", interpreter),
        )
        if short
    ] or ["a room at another location"]
    return "; ".join(parts) + f"; add {_listed(extra, 'or')}, or extend the day, to fit them in"


def _listed(items: list[str], joiner: str) -> str:
    """`["a", "b", "c"]` → `a, b and c`."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {joiner} " + items[-1]


def unscheduled_reason(board: Board, base: Board, person: Person) -> str:
    """The reason shown for an unscheduled person: intrinsic when there is one, else capacity."""
    return intrinsic_reason(base, person) or capacity_reason(board, base, person)
