"""The workflow stage of a person, derived from their records (never stored): pure."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Stage(StrEnum):
    ENCOUNTERED = "encountered"
    SEPARATED = "separated"
    NEEDS_ASSESSED = "needs_assessed"
    INFORMED = "informed"
    INTERVIEW_SCHEDULED = "interview_scheduled"
    INTERVIEWED = "interviewed"
    REFERRED = "referred"
    RELEASED = "released"
    TRANSFERRED = "transferred"


STAGE_LABELS = {
    Stage.ENCOUNTERED: "Encountered",
    Stage.SEPARATED: "Separated",
    Stage.NEEDS_ASSESSED: "Needs assessed",
    Stage.INFORMED: "Informed",
    Stage.INTERVIEW_SCHEDULED: "Interview scheduled",
    Stage.INTERVIEWED: "Interviewed",
    Stage.REFERRED: "Referred to services",
    Stage.RELEASED: "Released",
    Stage.TRANSFERRED: "Transferred",
}

ORDER = (
    Stage.ENCOUNTERED,
    Stage.SEPARATED,
    Stage.NEEDS_ASSESSED,
    Stage.INFORMED,
    Stage.INTERVIEW_SCHEDULED,
    Stage.INTERVIEWED,
    Stage.REFERRED,
)


@dataclass(frozen=True, slots=True)
class Milestones:
    """What a person's records show, as the board query counts them."""

    placed: bool = False
    needs_assessed: bool = False
    informed: bool = False
    interview_scheduled: bool = False
    interviewed: bool = False
    services: bool = False
    outcome: str = ""


def stage_of(m: Milestones) -> Stage:
    """Released or transferred wins; otherwise the furthest milestone reached, in workflow order.

    Referred to services is the last stage because services are the hand-off; a person may be referred
    without an interview (an interview is never a condition of service)."""
    if m.outcome == "released":
        return Stage.RELEASED
    if m.outcome == "transferred":
        return Stage.TRANSFERRED
    # (a chain of tests, not a list built per call: the board asks this of every person on every render)
    if m.services:
        return Stage.REFERRED
    if m.interviewed:
        return Stage.INTERVIEWED
    if m.interview_scheduled:
        return Stage.INTERVIEW_SCHEDULED
    if m.informed:
        return Stage.INFORMED
    if m.needs_assessed:
        return Stage.NEEDS_ASSESSED
    if m.placed:
        return Stage.SEPARATED
    return Stage.ENCOUNTERED
