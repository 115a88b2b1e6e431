"""Placing an exercise in time: every time of an exercise and of its plan moved together.

An exercise file holds absolute times (exercise.md): a rehearsal written for 3 December reads, three days
later, as people who have waited three days. Loading it *placed* (`haven exercise load FILE --start-at
WHEN`, and `haven demo`) moves the whole of it — the plan's start and end, the victim services' call
window and notifications, the MOU's dates, every record's time and every consent's dates — so that the
operation starts at WHEN, and everything else keeps its distance from the start. The file is not changed
and its format is the same (`haven.exercise/v1`): where it runs is a choice of the load, not of the file.

- Timestamps move by the exact difference between the new start and the file's, each keeping its own
  offset from UTC (a plan written at −05:00 stays at −05:00).
- Dates (`given_on`, `expires_on`, `signed_on` …) move by whole days: by as many days as the start's own
  calendar day moves (on its own offset), so that a consent given "on the day of the action" still is, and
  every date keeps its distance from every other.

Pure Python (no Django): the loader decides what an exercise already loaded means for a placement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final, TypeVar

from pydantic import BaseModel
from pydantic_core import PydanticCustomError

from haven.core.clock import FIRST_YEAR, LAST_YEAR, plausible_year
from haven.core.problems import InvalidInput, Problem
from haven.exercises.formats import Exercise
from haven.plans.formats import parse_timestamp

OPTION: Final = "--start-at"
FORMS: Final = (
    "now, now-HH:MM or now+HH:MM (the clock, to the minute, and hours and minutes before or after it), "
    "or an ISO 8601 time with its UTC offset such as 2027-03-10T06:00:00-05:00"
)
_RELATIVE = re.compile(r"now(?:\s*([+-])\s*(\d{1,4}):([0-5]\d))?")


@dataclass(frozen=True)
class StartAt:
    """Where an exercise is placed: its operation starts at `starts_at`.

    `from_clock`: the moment was read from the clock (`now`, `now-02:00`) rather than written out. Such a
    placement names no moment of its own to compare with, so an exercise already loaded stays where it is
    (the loader compares the file with it there) until it is reset; a written-out moment is compared
    exactly, as the file's own times are."""

    starts_at: datetime
    from_clock: bool = False


def to_the_minute(moment: datetime) -> datetime:
    """The moment without its seconds: placed times stay on whole minutes, as people write them."""
    return moment.replace(second=0, microsecond=0)


def parse_start_at(text: str, *, now: datetime) -> StartAt:
    """The placement `--start-at` names: `now`, `now-HH:MM`, `now+HH:MM` or an ISO 8601 time with its
    offset; anything else is refused (`InvalidInput`, what="exercise") naming the option and the forms."""
    written = text.strip()
    relative = _RELATIVE.fullmatch(written.lower())
    if relative is not None:
        sign, hours, minutes = relative.groups()
        shift = timedelta(hours=int(hours or 0), minutes=int(minutes or 0))
        moment = to_the_minute(now.astimezone(UTC)) + (-shift if sign == "-" else shift)
        return StartAt(moment, from_clock=True)
    try:
        return StartAt(parse_timestamp(written))
    except PydanticCustomError as error:
        message = str(error)
        if "no UTC offset" in message:
            raise InvalidInput([Problem(OPTION, message)], what="exercise") from None
    raise InvalidInput(
        [Problem(OPTION, f"{written[:60]!r} is not a moment to start at: write {FORMS}")], what="exercise"
    )


def placed(exercise: Exercise, starts_at: datetime) -> Exercise:
    """The exercise moved so that its operation starts at `starts_at`: every timestamp of the exercise
    and of its plan by the same difference, every date by the days the start's calendar day moves.

    Refused (`InvalidInput`, what="exercise", naming `--start-at`) when that would date a record outside the
    years records may carry."""
    start = exercise.plan.operation.starts_at
    shift = starts_at - start
    days = timedelta(days=(starts_at.astimezone(start.tzinfo).date() - start.date()).days)
    if not shift and not days:
        return exercise
    mover = _Mover(shift, days)
    moved = replace(exercise, document=mover.move(exercise.document), plan=mover.move(exercise.plan))
    if mover.out_of_range:
        raise InvalidInput(
            [
                Problem(
                    OPTION,
                    f"starting at {starts_at.isoformat()} would move {mover.out_of_range[0]} outside the "
                    f"years {FIRST_YEAR} to {LAST_YEAR}",
                )
            ],
            what="exercise",
        )
    return moved


_Model = TypeVar("_Model", bound=BaseModel)


class _Mover:
    """Moves every timestamp and date of a tree of frozen pydantic models (tuples of them, optional
    ones), leaving everything else as it is. The inline plan as written (`ExerciseFile.plan`, a mapping)
    is left as written: once parsed, the exercise's plan is `Exercise.plan`."""

    def __init__(self, shift: timedelta, days: timedelta) -> None:
        self.shift = shift
        self.days = days
        self.out_of_range: list[str] = []  # the times and dates that would leave the years allowed

    def move(self, model: _Model) -> _Model:
        moved: dict[str, Any] = {}
        for name in type(model).model_fields:
            value = getattr(model, name)
            new = self._value(value)
            if new is not value:
                moved[name] = new
        return model.model_copy(update=moved) if moved else model

    def _value(self, value: Any) -> Any:
        if isinstance(value, date):  # a datetime too
            return self._moved(value)
        if isinstance(value, BaseModel):
            return self.move(value)
        if isinstance(value, tuple):
            items = tuple(self._value(item) for item in value)
            return value if all(a is b for a, b in zip(items, value, strict=True)) else items
        return value

    def _moved(self, value: date) -> date:
        try:
            after = value + (self.shift if isinstance(value, datetime) else self.days)
        except OverflowError:
            after = None
        if after is None or not plausible_year(after):
            self.out_of_range.append(value.isoformat())
            return value
        return after
