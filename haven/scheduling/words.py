"""The interview plan in a coordinator's words: who is scheduled, how long people wait, whether a better
plan could exist — instead of the solver's costs ("unscheduled weight", "weighted wait", "lower bound").

Pure: the page (and anything else that shows a plan) passes in what the plan holds and gets sentences."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from haven.core.clock import duration

#: at most this many of the persons left out are named with their reason; the list under the summary has all
NAMED: int = 3


def _people(n: int) -> str:
    return f"{n} person" if n == 1 else f"{n} people"


def plan_summary(
    *,
    scheduled: int,
    left_out: Sequence[tuple[str, str]],
    waits: Sequence[int],
    proven: bool,
    left_out_weight: int,
    least_left_out_weight: int | None,
    seconds: float,
) -> list[str]:
    """The plan in sentences, most important first.

    `left_out` is each person not scheduled with the reason (as the reader may read it); `waits` the minutes
    each scheduled person waits from being ready to their interview; `proven` whether the solver proved no
    plan is better; `left_out_weight` / `least_left_out_weight` the priority-weighted count of persons left
    out in this plan / proven least possible (None when nothing was proven)."""
    sentences: list[str] = []
    if not left_out:
        sentences.append(
            "Everyone is scheduled."
            if scheduled
            else "No one is ready for an interview yet: nothing to schedule."
        )
    else:
        who = ", ".join(person for person, _ in left_out)
        sentences.append(
            f"{_people(scheduled)} scheduled; {_people(len(left_out))} left out: {who}."
            if scheduled
            else f"No one could be scheduled; {_people(len(left_out))} left out: {who}."
        )
        for person, reason in left_out[:NAMED]:
            said = reason.rstrip(".")
            sentences.append(f"{said}." if said.startswith(person) else f"{person}: {said}.")
        if len(left_out) > NAMED:
            sentences.append(f"Why the other {len(left_out) - NAMED} are left out is listed below.")
    if waits:
        average = round(sum(waits) / len(waits))
        longest = max(waits)
        sentences.append(
            f"The wait for an interview is {duration(waits[0])}."
            if len(waits) == 1
            else f"The average wait for an interview is {duration(average)}; the longest {duration(longest)}."
        )
    if scheduled or left_out:
        sentences.append(_quality(proven, left_out_weight, least_left_out_weight, seconds))
    return sentences


def _quality(proven: bool, weight: int, least: int | None, seconds: float) -> str:
    if proven:
        return "This is the best possible plan."
    stopped = f"the planner stopped after {seconds:.0f} s"
    if least is not None and least >= weight:
        return f"No plan can schedule more people; one with shorter waits may exist ({stopped})."
    return f"A better plan may exist: {stopped} before proving this one the best."


def default_window(
    now: datetime, starts_at: datetime, ends_at: datetime, *, fallback_hours: int
) -> tuple[datetime, datetime]:
    """The interview day's window before anyone sets it: the operation's period, from its start to its end
    (a day at most). An operation that is over, or ends within the hour, leaves `fallback_hours` from now:
    interviews go on after the action."""
    if ends_at - max(now, starts_at) < timedelta(hours=1):
        return now, now + timedelta(hours=fallback_hours)
    return starts_at, min(ends_at, starts_at + timedelta(days=1) - timedelta(minutes=15))
