"""The optimum of a tiny problem by enumerating every assignment, written independently of the solver."""

from __future__ import annotations

from haven.scheduling.formats import InterviewProblem, Person

WEIGHTS = {"urgent": 4, "high": 2, "normal": 1, None: 1}
Option = tuple[int, str, str, str | None] | None


def _available(windows: list[tuple[int, int]], start: int, duration: int) -> bool:
    return all(any(first <= slot < end for first, end in windows) for slot in range(start, start + duration))


def options(problem: InterviewProblem, person: Person) -> list[Option]:
    """Every assignment that rules 1-4 allow for the person alone, and leaving them out."""
    if person.fixed is not None:
        f = person.fixed
        return [(f.start, f.room, f.interviewer, f.interpreter)]
    found: list[Option] = []
    for start in range(person.ready, problem.horizon - person.duration + 1):
        for room in problem.rooms:
            if not (
                room.private and room.nondetention and _available(room.available, start, person.duration)
            ):
                continue
            if person.eligible_rooms is not None and room.id not in person.eligible_rooms:
                continue
            for interviewer in problem.interviewers:
                if not _available(interviewer.available, start, person.duration):
                    continue
                if (
                    person.eligible_interviewers is not None
                    and interviewer.id not in person.eligible_interviewers
                ):
                    continue
                if person.minor and interviewer.role != "forensic_interviewer":
                    continue
                if person.interviewer_gender is not None and interviewer.gender != person.interviewer_gender:
                    continue
                if set(person.languages) & set(interviewer.languages):
                    found.append((start, room.id, interviewer.id, None))
                    continue
                for interpreter in problem.interpreters:
                    spoken = set(interpreter.languages)
                    if (
                        spoken & set(person.languages)
                        and spoken & set(interviewer.languages)
                        and _available(interpreter.available, start, person.duration)
                    ):
                        found.append((start, room.id, interviewer.id, interpreter.id))
    return [*found, None]  # leaving them out last: the search finds good schedules first


def _clash(problem: InterviewProblem, a: Person, x: Option, b: Person, y: Option) -> bool:
    if x is None or y is None or a.duration == 0 or b.duration == 0:
        return False
    if not (x[0] < y[0] + b.duration and y[0] < x[0] + a.duration):
        return False
    if x[1] == y[1] or x[2] == y[2] or (x[3] is not None and x[3] == y[3]):
        return True
    apart = b.id in a.keep_apart or a.id in b.keep_apart
    locations = {r.id: r.location for r in problem.rooms}
    return apart and locations[x[1]] == locations[y[1]]


def brute_force_optimum(problem: InterviewProblem) -> tuple[int, int]:
    """The lexicographically least (unscheduled weight, weighted wait) over all valid schedules."""
    persons = problem.persons
    choices = [options(problem, p) for p in persons]
    best = [(10**9, 10**9)]
    chosen: list[Option] = []

    def search(position: int, unscheduled: int, wait: int) -> None:
        if (unscheduled, wait) >= best[0]:
            return
        if position == len(persons):
            best[0] = (unscheduled, wait)
            return
        person = persons[position]
        weight = WEIGHTS[person.priority]
        for option in choices[position]:
            if any(_clash(problem, person, option, persons[n], other) for n, other in enumerate(chosen)):
                continue
            chosen.append(option)
            if option is None:
                search(position + 1, unscheduled + weight, wait)
            else:
                search(position + 1, unscheduled, wait + weight * (option[0] - person.ready))
            chosen.pop()

    search(0, 0, 0)
    return best[0]
