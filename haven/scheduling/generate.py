"""Fictional interview problems for the benchmark, the tests and exercises: seeded, so each is reproducible.

The instances have the contract's features: availability windows with breaks, minors, gender preferences,
interpreters for several languages, keep-apart pairs, several locations, a few rooms that are not private or
not a nondetention setting, and a few people who become ready too late to be interviewed.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from datetime import datetime, timedelta, timezone

from haven.scheduling.formats import (
    Interpreter,
    Interviewer,
    InterviewProblem,
    Person,
    Priority,
    Role,
    Room,
)

# The share of people speaking each language (English and Spanish are the interviewers' languages).
LANGUAGE_SHARES = {
    "en": 0.34,
    "es": 0.30,
    "ht": 0.08,
    "pt": 0.06,
    "zh": 0.05,
    "vi": 0.05,
    "ru": 0.04,
    "tl": 0.04,
    "ar": 0.02,
    "mam": 0.02,
}
LOCATIONS = ("harbor-center", "eastside-advocacy", "riverside-clinic", "north-family-justice")


def _shifts(horizon: int) -> list[list[tuple[int, int]]]:
    """A few shift patterns with breaks, so that identical resources arise as they do in a real roster."""
    middle = horizon // 2
    return [
        [(0, middle - 2), (middle, horizon)],  # full day, break at midday
        [(0, middle + 2)],  # morning
        [(middle - 4, horizon)],  # afternoon
        [(4, middle), (middle + 2, horizon)],  # late start, break
        [(0, horizon)],  # full day, no break
    ]


def generate_problem(persons: int, *, seed: int, scarce: bool = False, horizon: int = 48) -> InterviewProblem:
    """A fictional problem with `persons` people; `scarce` gives about half the usual resources."""
    rng = random.Random(seed)  # noqa: S311 - reproducible fictional data, not a secret
    languages = list(LANGUAGE_SHARES)
    shares = list(LANGUAGE_SHARES.values())
    shifts = _shifts(horizon)

    people: list[Person] = []
    for number in range(1, persons + 1):
        spoken = [rng.choices(languages, shares)[0]]
        if spoken[0] != "en" and rng.random() < 0.2:
            spoken.append("en")
        late = rng.random() < 0.02
        ready = (
            rng.randint(horizon - 3, horizon)
            if late
            else int(rng.triangular(0, 0.65 * horizon, 0.1 * horizon))
        )
        roll = rng.random()
        priority: Priority | None = "urgent" if roll < 0.15 else "high" if roll < 0.4 else None
        roll = rng.random()
        gender = "female" if roll < 0.3 else "male" if roll < 0.38 else None
        people.append(
            Person(
                id=f"P-{number:03d}",
                minor=rng.random() < 0.15,
                languages=spoken,
                ready=ready,
                duration=rng.choice([2, 3, 3, 4, 4, 6]),
                priority=priority,
                interviewer_gender=gender,
            )
        )
    # Keep-apart pairs: about one person in sixteen has someone they must not meet.
    ids = [p.id for p in people]
    pairs: dict[str, list[str]] = {}
    for _ in range(max(1, persons // 16)):
        first, second = rng.sample(ids, 2) if persons >= 2 else (ids[0], ids[0])
        if first != second:
            pairs.setdefault(first, []).append(second)
    people = [p.model_copy(update={"keep_apart": pairs.get(p.id, [])}) for p in people]

    demand = sum(p.duration for p in people)
    factor = 0.55 if scarce else 1.25
    slots_per_resource = 0.75 * horizon

    interviewer_count = max(3, math.ceil(factor * demand / slots_per_resource))
    interviewers = []
    for number in range(1, interviewer_count + 1):
        roll = rng.random()
        role: Role = "forensic_interviewer" if roll < 0.25 else "prosecutor" if roll < 0.4 else "investigator"
        if number == 1:
            role = "forensic_interviewer"
        roll = rng.random()
        gender = "female" if roll < 0.55 else "male" if roll < 0.95 else None
        spoken = ["en"] + (["es"] if rng.random() < 0.35 else []) + (["pt"] if rng.random() < 0.05 else [])
        interviewers.append(
            Interviewer(
                id=f"I-{number:02d}",
                role=role,
                gender=gender,
                languages=spoken,
                available=rng.choice(shifts),
            )
        )

    need = Counter(code for p in people for code in p.languages[:1] if code not in {"en"})
    interpreters: list[Interpreter] = []
    for code, count in sorted(need.items()):
        wanted = max(1, math.ceil(factor * 0.6 * count * 3.5 / slots_per_resource))
        shift = rng.choice(shifts)  # one agency per language: the same hours
        for _ in range(wanted):
            interpreters.append(
                Interpreter(id=f"T-{len(interpreters) + 1:02d}", languages=["en", code], available=shift)
            )

    room_count = max(2, math.ceil(factor * 0.9 * demand / slots_per_resource))
    location_count = min(len(LOCATIONS), 1 + persons // 60 + (1 if persons > 20 else 0))
    rooms = []
    for number in range(1, room_count + 1):
        location = LOCATIONS[(number - 1) % location_count]
        hours = [(0, horizon)] if location != LOCATIONS[1] else [(2, horizon - 2)]
        unsuitable = rng.random() < 0.08 and number > 2
        rooms.append(
            Room(
                id=f"R-{number:02d}",
                location=location,
                private=not (unsuitable and rng.random() < 0.5),
                nondetention=not unsuitable or rng.random() < 0.5,
                available=hours,
            )
        )

    start = datetime(2026, 12, 3, 8, 0, tzinfo=timezone(timedelta(hours=-5)))
    return InterviewProblem(
        format="haven.interview-problem/v1",
        operation=f"EX-{seed}",
        start=start,
        slot_minutes=15,
        horizon=horizon,
        persons=people,
        interviewers=interviewers,
        interpreters=interpreters,
        rooms=rooms,
    )
