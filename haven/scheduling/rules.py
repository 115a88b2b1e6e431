"""The spec's rules for one interview, written once and used by the parser, the validator, the greedy and
the solver.

Time is handled as bit masks: bit `s` of a resource's mask is set when the resource is available in slot
`s` (slots at or beyond the horizon are never set). An interview of `d` slots from `s` fits a mask when bits
`s … s+d−1` are all set.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from haven.core import languages
from haven.core.problems import Problem as InputProblem

if TYPE_CHECKING:
    from haven.scheduling.formats import (
        Interpreter,
        Interviewer,
        InterviewProblem,
        Person,
        Room,
    )

ROLE_WORDS = {
    "investigator": "an investigator",
    "prosecutor": "a prosecutor",
    "forensic_interviewer": "a forensic interviewer",
}


# --- slot masks -----------------------------------------------------------------------------------------


def span(start: int, duration: int, horizon: int) -> int:
    """The mask of slots `start … start+duration−1`, cut at the horizon."""
    end = min(start + duration, horizon)
    if end <= start:
        return 0
    return ((1 << (end - start)) - 1) << start


def availability_mask(windows: Sequence[tuple[int, int]], horizon: int) -> int:
    """The union of half-open windows `[a, b)`, cut at the horizon."""
    mask = 0
    for first, end in windows:
        mask |= span(first, end - first, horizon)
    return mask


def starts_within(free: int, duration: int) -> int:
    """Bits `s` such that slots `s … s+duration−1` are all in `free` (duration ≥ 1)."""
    result = free
    covered = 1
    while covered < duration:
        step = min(covered, duration - covered)
        result &= result >> step
        covered += step
    return result


def start_range(ready: int, duration: int, horizon: int) -> int:
    """Starts allowed by rule 1: `ready ≤ s` and `s + duration ≤ horizon`."""
    last = horizon - duration
    if last < ready:
        return 0
    return ((1 << (last + 1)) - 1) & ~((1 << ready) - 1)


def lowest_bit(mask: int) -> int:
    return (mask & -mask).bit_length() - 1


def bits(mask: int) -> Iterator[int]:
    """The set bits of a mask, lowest first."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def slots_text(start: int, duration: int) -> str:
    if duration <= 1:
        return f"slot {start}"
    return f"slots {start}-{start + duration - 1}"


# --- the problem, indexed -------------------------------------------------------------------------------


class ProblemIndex:
    """A problem's lists by id, availability as masks, and keep-apart made symmetric."""

    def __init__(self, problem: InterviewProblem) -> None:
        self.problem = problem
        self.horizon = problem.horizon
        self.persons: dict[str, Person] = {p.id: p for p in problem.persons}
        self.interviewers: dict[str, Interviewer] = {i.id: i for i in problem.interviewers}
        self.interpreters: dict[str, Interpreter] = {t.id: t for t in problem.interpreters}
        self.rooms: dict[str, Room] = {r.id: r for r in problem.rooms}
        horizon = problem.horizon
        self.interviewer_available = {
            i.id: availability_mask(i.available, horizon) for i in problem.interviewers
        }
        self.interpreter_available = {
            t.id: availability_mask(t.available, horizon) for t in problem.interpreters
        }
        self.room_available = {r.id: availability_mask(r.available, horizon) for r in problem.rooms}
        self.keep_apart: dict[str, set[str]] = {p.id: set() for p in problem.persons}
        for person in problem.persons:
            for other in person.keep_apart:
                if other in self.keep_apart and other != person.id:
                    self.keep_apart[person.id].add(other)
                    self.keep_apart[other].add(person.id)
        self.suitable_rooms: tuple[str, ...] = tuple(r.id for r in problem.rooms if room_suitable(r))
        self._bridges: dict[tuple[frozenset[str], frozenset[str]], tuple[str, ...]] = {}
        self._rooms_for: dict[frozenset[str], tuple[str, ...]] = {}
        # Which persons' eligibility lists name each interviewer and room: resources that differ here are
        # not interchangeable (the solver's classes keep them apart).
        self.interviewer_eligibility = _eligibility(
            [i.id for i in problem.interviewers], [p.eligible_interviewers for p in problem.persons]
        )
        self.room_eligibility = _eligibility(
            [r.id for r in problem.rooms], [p.eligible_rooms for p in problem.persons]
        )

    def rooms_for(self, person: Person) -> tuple[str, ...]:
        """The suitable rooms (in list order) that the person may be interviewed in."""
        if person.eligible_rooms is None:
            return self.suitable_rooms
        key = frozenset(person.eligible_rooms)
        found = self._rooms_for.get(key)
        if found is None:
            found = tuple(r for r in self.suitable_rooms if r in key)
            self._rooms_for[key] = found
        return found

    def bridges(self, person: Person, interviewer: Interviewer) -> tuple[str, ...]:
        """The interpreters (in list order) who speak one of the person's and one of the interviewer's
        languages; computed once per pair of language sets."""
        key = (frozenset(person.languages), frozenset(interviewer.languages))
        found = self._bridges.get(key)
        if found is None:
            found = tuple(
                t.id for t in self.problem.interpreters if interpreter_bridges(person, interviewer, t)
            )
            self._bridges[key] = found
        return found

    def options(self, person: Person) -> list[InterviewerOption]:
        return interviewer_options(self, person)


def _eligibility(ids: Sequence[str], lists: Sequence[list[str] | None]) -> dict[str, tuple[int, ...]]:
    """For each id, the distinct eligibility lists (numbered) that name it."""
    distinct = list(dict.fromkeys(frozenset(listed) for listed in lists if listed is not None))
    return {ident: tuple(n for n, listed in enumerate(distinct) if ident in listed) for ident in ids}


def room_suitable(room: Room) -> bool:
    """Rule 2's fixed part: private and a nondetention setting."""
    return room.private and room.nondetention


def room_eligible(person: Person, room: Room) -> bool:
    """Rule 2's part for this person: a room of `eligible_rooms` when the person has that list."""
    return person.eligible_rooms is None or room.id in person.eligible_rooms


def interviewer_eligible(person: Person, interviewer: Interviewer) -> bool:
    """Rule 3's part for this person: an interviewer of `eligible_interviewers` when the person has it."""
    return person.eligible_interviewers is None or interviewer.id in person.eligible_interviewers


def interviewer_qualifies(person: Person, interviewer: Interviewer) -> bool:
    """Rule 3's fixed part every person has: a forensic interviewer for a minor; the stated gender when
    there is one."""
    if person.minor and interviewer.role != "forensic_interviewer":
        return False
    return person.interviewer_gender is None or interviewer.gender == person.interviewer_gender


def interviewer_fits(person: Person, interviewer: Interviewer) -> bool:
    """Rule 3's fixed part: `interviewer_qualifies`, and one of the interviewers eligible for the person
    when the problem names them."""
    return interviewer_qualifies(person, interviewer) and interviewer_eligible(person, interviewer)


def shared_languages(person: Person, interviewer: Interviewer) -> list[str]:
    """The person's languages that the interviewer shares (haven.core.languages decides what "shares" is)."""
    return languages.shared_languages(person.languages, interviewer.languages)


def interpreter_bridges(person: Person, interviewer: Interviewer, interpreter: Interpreter) -> bool:
    """Rule 4's fixed part: the interpreter speaks one of the person's and one of the interviewer's languages."""
    return languages.bridges(interpreter.languages, person.languages, interviewer.languages)


@dataclass(frozen=True, slots=True)
class InterviewerOption:
    """An interviewer who may interview the person, and the interpreters who could bridge them.

    `interpreters` is None when the two share a language (rule 4: then there must be no interpreter).
    """

    interviewer: str
    interpreters: tuple[str, ...] | None


def interviewer_options(index: ProblemIndex, person: Person) -> list[InterviewerOption]:
    """The interviewers that rules 3 and 4 allow for this person, leaving time aside, in list order."""
    found: list[InterviewerOption] = []
    for interviewer in index.problem.interviewers:
        if not interviewer_fits(person, interviewer):
            continue
        if shared_languages(person, interviewer):
            found.append(InterviewerOption(interviewer.id, None))
            continue
        bridges = index.bridges(person, interviewer)
        if bridges:
            found.append(InterviewerOption(interviewer.id, bridges))
    return found


# --- the rules for one assignment -----------------------------------------------------------------------


def assignment_faults(
    index: ProblemIndex,
    person: Person,
    start: int,
    *,
    room: Room,
    interviewer: Interviewer,
    interpreter: Interpreter | None,
) -> list[tuple[str, str]]:
    """What rules 1–4 find wrong with one assignment, as (rule number, sentence) pairs."""
    faults: list[tuple[str, str]] = []
    horizon = index.horizon
    duration = person.duration
    who = person.id
    busy = span(start, duration, horizon)
    when = slots_text(start, duration)
    if start < person.ready:
        faults.append(("1", f"{who} starts at slot {start}, before they are ready at slot {person.ready}"))
    if start + duration > horizon:
        faults.append(
            ("1", f"{who}'s interview would end at slot {start + duration}, after the horizon ({horizon})")
        )
    if not room.private:
        faults.append(("2", f"{who} is in room {room.id}, which is not private"))
    if not room.nondetention:
        faults.append(("2", f"{who} is in room {room.id}, which is not a nondetention setting"))
    if not room_eligible(person, room):
        faults.append(
            (
                "2",
                f"{who} is in room {room.id}, which is not one of the rooms eligible for them "
                f"({', '.join(person.eligible_rooms or ()) or 'none'})",
            )
        )
    if busy & ~index.room_available[room.id]:
        faults.append(("2", f"room {room.id} is not available over {when} for {who}"))
    if busy & ~index.interviewer_available[interviewer.id]:
        faults.append(("3", f"interviewer {interviewer.id} is not available over {when} for {who}"))
    if person.minor and interviewer.role != "forensic_interviewer":
        faults.append(
            (
                "3",
                f"{who} is a minor but interviewer {interviewer.id} is {ROLE_WORDS[interviewer.role]}, "
                "not a forensic interviewer",
            )
        )
    if not interviewer_eligible(person, interviewer):
        faults.append(
            (
                "3",
                f"interviewer {interviewer.id} is not one of the interviewers eligible for {who} "
                f"({', '.join(person.eligible_interviewers or ()) or 'none'})",
            )
        )
    if person.interviewer_gender is not None and interviewer.gender != person.interviewer_gender:
        has = interviewer.gender if interviewer.gender is not None else "of unrecorded gender"
        faults.append(
            (
                "3",
                f"{who} asked for a {person.interviewer_gender} interviewer but {interviewer.id} is {has}",
            )
        )
    shared = shared_languages(person, interviewer)
    if shared and interpreter is not None:
        faults.append(
            (
                "4",
                f"{who} and interviewer {interviewer.id} share a language ({', '.join(shared)}), "
                f"so there must be no interpreter, but {interpreter.id} is assigned",
            )
        )
    elif not shared and interpreter is None:
        faults.append(
            ("4", f"{who} and interviewer {interviewer.id} share no language and no interpreter is assigned")
        )
    elif not shared and interpreter is not None:
        spoken = interpreter.languages
        if not languages.speaks_any(spoken, person.languages):
            faults.append(
                (
                    "4",
                    f"interpreter {interpreter.id} speaks none of {who}'s languages "
                    f"({', '.join(person.languages) or 'none recorded'})",
                )
            )
        if not languages.speaks_any(spoken, interviewer.languages):
            faults.append(
                (
                    "4",
                    f"interpreter {interpreter.id} speaks none of interviewer {interviewer.id}'s languages "
                    f"({', '.join(interviewer.languages) or 'none recorded'})",
                )
            )
    if interpreter is not None and busy & ~index.interpreter_available[interpreter.id]:
        faults.append(("4", f"interpreter {interpreter.id} is not available over {when} for {who}"))
    return faults


def overlaps(start_a: int, duration_a: int, start_b: int, duration_b: int) -> bool:
    """Two interviews share a slot (an interview of zero slots overlaps nothing)."""
    if duration_a == 0 or duration_b == 0:
        return False
    return start_a < start_b + duration_b and start_b < start_a + duration_a


def fixed_problems(problem: InterviewProblem) -> list[InputProblem]:
    """Fixed assignments that cannot all be kept: each must obey rules 1–6, alone and with the others."""
    index = ProblemIndex(problem)
    found: list[InputProblem] = []
    fixed = [(n, p) for n, p in enumerate(problem.persons) if p.fixed is not None]
    for position, person in fixed:
        assert person.fixed is not None
        interpreter = person.fixed.interpreter
        for _rule, sentence in assignment_faults(
            index,
            person,
            person.fixed.start,
            room=index.rooms[person.fixed.room],
            interviewer=index.interviewers[person.fixed.interviewer],
            interpreter=index.interpreters[interpreter] if interpreter is not None else None,
        ):
            found.append(InputProblem(f"persons[{position}].fixed", f"cannot be kept: {sentence}"))
    for later, (position, person) in enumerate(fixed):
        mine = person.fixed
        assert mine is not None
        for _, other in fixed[:later]:
            theirs = other.fixed
            assert theirs is not None
            if not overlaps(mine.start, person.duration, theirs.start, other.duration):
                continue
            shared = []
            if mine.room == theirs.room:
                shared.append(f"room {mine.room}")
            if mine.interviewer == theirs.interviewer:
                shared.append(f"interviewer {mine.interviewer}")
            if mine.interpreter is not None and mine.interpreter == theirs.interpreter:
                shared.append(f"interpreter {mine.interpreter}")
            for resource in shared:
                found.append(
                    InputProblem(
                        f"persons[{position}].fixed",
                        f"cannot be kept: {resource} also holds {other.id}'s fixed interview at overlapping times",
                    )
                )
            same_place = index.rooms[mine.room].location == index.rooms[theirs.room].location
            if same_place and other.id in index.keep_apart[person.id]:
                found.append(
                    InputProblem(
                        f"persons[{position}].fixed",
                        f"cannot be kept: {person.id} must be kept apart from {other.id}, whose fixed interview "
                        f"is at {index.rooms[theirs.room].location} at overlapping times",
                    )
                )
    return found
