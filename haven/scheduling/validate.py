"""Check a schedule against its problem: rules 1–7 of the spec, every person exactly once, and the cost."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from haven.scheduling.formats import Assignment, Cost, InterviewProblem, Schedule
from haven.scheduling.rules import ProblemIndex, assignment_faults, overlaps, slots_text

RULE_TITLES = {
    "1": "rule 1 (ready and horizon)",
    "2": "rule 2 (private, nondetention, available room)",
    "3": "rule 3 (eligible, available interviewer)",
    "4": "rule 4 (language and interpreter)",
    "5": "rule 5 (one interview at a time)",
    "6": "rule 6 (keep apart)",
    "7": "rule 7 (fixed assignments kept)",
    "once": "every person exactly once",
    "reference": "ids resolve",
    "cost": "cost",
}


@dataclass(frozen=True, slots=True)
class Violation:
    """One way a schedule breaks the contract: the rule, who or what it concerns, and what is wrong."""

    rule: str
    subject: str
    message: str

    def __str__(self) -> str:
        return f"{RULE_TITLES.get(self.rule, self.rule)}: {self.message}"


def schedule_cost(problem: InterviewProblem, schedule: Schedule) -> Cost:
    """The spec's cost, recomputed: unscheduled weight, then weight × (start − ready) over the scheduled."""
    persons = {p.id: p for p in problem.persons}
    assigned: dict[str, Assignment] = {}
    for assignment in schedule.assignments:
        assigned.setdefault(assignment.person, assignment)
    unscheduled_weight = sum(p.weight for p in problem.persons if p.id not in assigned)
    weighted_wait = sum(
        persons[a.person].weight * max(0, a.start - persons[a.person].ready)
        for a in assigned.values()
        if a.person in persons
    )
    return Cost(unscheduled_weight=unscheduled_weight, weighted_wait=weighted_wait)


def check_schedule(problem: InterviewProblem, schedule: Schedule) -> list[Violation]:
    """Every violation of the spec's validity rules and cost in `schedule`; an empty list means valid."""
    index = ProblemIndex(problem)
    found: list[Violation] = []
    found.extend(_exactly_once(problem, schedule))

    resolved: list[Assignment] = []
    for assignment in schedule.assignments:
        missing = _unresolved(index, assignment)
        if missing:
            found.extend(missing)
            continue
        resolved.append(assignment)
        person = index.persons[assignment.person]
        for rule, sentence in assignment_faults(
            index,
            person,
            assignment.start,
            room=index.rooms[assignment.room],
            interviewer=index.interviewers[assignment.interviewer],
            interpreter=index.interpreters[assignment.interpreter]
            if assignment.interpreter is not None
            else None,
        ):
            found.append(Violation(rule, person.id, sentence))

    found.extend(_double_booked(index, resolved))
    found.extend(_kept_together(index, resolved))
    found.extend(_fixed_moved(index, schedule))

    recomputed = schedule_cost(problem, schedule)
    if recomputed.key() != schedule.cost.key():
        found.append(
            Violation(
                "cost",
                "cost",
                f"the schedule states unscheduled_weight {schedule.cost.unscheduled_weight} and weighted_wait "
                f"{schedule.cost.weighted_wait}, but its assignments give unscheduled_weight "
                f"{recomputed.unscheduled_weight} and weighted_wait {recomputed.weighted_wait}",
            )
        )
    return found


def _exactly_once(problem: InterviewProblem, schedule: Schedule) -> list[Violation]:
    found: list[Violation] = []
    known = {p.id for p in problem.persons}
    listed = Counter([a.person for a in schedule.assignments] + [u.person for u in schedule.unscheduled])
    for person in problem.persons:
        times = listed[person.id]
        if times == 0:
            found.append(
                Violation("once", person.id, f"{person.id} appears neither in assignments nor in unscheduled")
            )
        elif times > 1:
            found.append(
                Violation(
                    "once",
                    person.id,
                    f"{person.id} appears {times} times across assignments and unscheduled, not once",
                )
            )
    for entry in schedule.unscheduled:
        if entry.person not in known:
            found.append(
                Violation("reference", entry.person, f"unscheduled {entry.person!r} names no person")
            )
        elif not entry.reason.strip():
            found.append(Violation("once", entry.person, f"{entry.person} is unscheduled without a reason"))
    return found


def _unresolved(index: ProblemIndex, assignment: Assignment) -> list[Violation]:
    found: list[Violation] = []
    who = assignment.person
    if who not in index.persons:
        found.append(Violation("reference", who, f"assignment for {who!r} names no person"))
    if assignment.room not in index.rooms:
        found.append(Violation("reference", who, f"{who}'s room {assignment.room!r} names no room"))
    if assignment.interviewer not in index.interviewers:
        found.append(
            Violation(
                "reference", who, f"{who}'s interviewer {assignment.interviewer!r} names no interviewer"
            )
        )
    if assignment.interpreter is not None and assignment.interpreter not in index.interpreters:
        found.append(
            Violation(
                "reference", who, f"{who}'s interpreter {assignment.interpreter!r} names no interpreter"
            )
        )
    return found


def _double_booked(index: ProblemIndex, assignments: list[Assignment]) -> list[Violation]:
    """Rule 5: a room, interviewer or interpreter holding two interviews at overlapping times."""
    holders: dict[tuple[str, str], list[Assignment]] = defaultdict(list)
    for assignment in assignments:
        holders["room", assignment.room].append(assignment)
        holders["interviewer", assignment.interviewer].append(assignment)
        if assignment.interpreter is not None:
            holders["interpreter", assignment.interpreter].append(assignment)
    found: list[Violation] = []
    for (kind, ident), held in holders.items():
        held.sort(key=lambda a: (a.start, a.person))
        for later, second in enumerate(held):
            for first in held[:later]:
                first_duration = index.persons[first.person].duration
                second_duration = index.persons[second.person].duration
                if overlaps(first.start, first_duration, second.start, second_duration):
                    found.append(
                        Violation(
                            "5",
                            ident,
                            f"{kind} {ident} holds {first.person} ({slots_text(first.start, first_duration)}) "
                            f"and {second.person} ({slots_text(second.start, second_duration)}) "
                            "at overlapping times",
                        )
                    )
    return found


def _kept_together(index: ProblemIndex, assignments: list[Assignment]) -> list[Violation]:
    """Rule 6: two people to be kept apart in rooms of one location at overlapping times."""
    where = {a.person: a for a in assignments}
    found: list[Violation] = []
    for person_id, others in sorted(index.keep_apart.items()):
        mine = where.get(person_id)
        if mine is None:
            continue
        for other_id in sorted(others):
            theirs = where.get(other_id)
            if theirs is None or other_id < person_id:
                continue
            location = index.rooms[mine.room].location
            if location != index.rooms[theirs.room].location:
                continue
            if overlaps(
                mine.start,
                index.persons[person_id].duration,
                theirs.start,
                index.persons[other_id].duration,
            ):
                found.append(
                    Violation(
                        "6",
                        person_id,
                        f"{person_id} and {other_id} must be kept apart but are both at {location} "
                        f"at overlapping times (rooms {mine.room} and {theirs.room})",
                    )
                )
    return found


def _fixed_moved(index: ProblemIndex, schedule: Schedule) -> list[Violation]:
    """Rule 7: a fixed interview kept exactly (start, room, interviewer, interpreter)."""
    where: dict[str, Assignment] = {}
    for assignment in schedule.assignments:
        where.setdefault(assignment.person, assignment)
    found: list[Violation] = []
    for person in index.problem.persons:
        fixed = person.fixed
        if fixed is None:
            continue
        actual = where.get(person.id)
        if actual is None:
            found.append(
                Violation("7", person.id, f"{person.id} has a fixed interview but is not in the assignments")
            )
            continue
        changed = [
            f"{field} {getattr(actual, field)!r} instead of {getattr(fixed, field)!r}"
            for field in ("start", "room", "interviewer", "interpreter")
            if getattr(actual, field) != getattr(fixed, field)
        ]
        if changed:
            found.append(
                Violation(
                    "7",
                    person.id,
                    f"{person.id}'s fixed interview was moved: " + ", ".join(changed),
                )
            )
    return found
