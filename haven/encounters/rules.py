"""The encounter rules, each decided once: every service, the live planner, the pages, the API, the report
and the exercise loader ask these functions instead of deciding for themselves (CONVENTIONS.md, "Rules:
each decided once"). Pure: plain values in, plain values out, no database and no request.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from typing import Final

MINOR: Final = "minor"
ADULT: Final = "adult"

#: An interview lasts 1 to 480 minutes: booked, recorded, planned or loaded (the API, the forms, the
#: exercise file and the services all take these bounds from here).
INTERVIEW_MINUTES: Final = (1, 480)


def treated_as_minor(tags: Iterable[str]) -> bool:
    """Whether a person is treated as a minor wherever the choice protects them: tagged `minor`, or with
    no age recorded at all (a forensic interviewer, a guardian's consent, child welfare). Only a person
    tagged `adult` (and not `minor`) is treated as an adult."""
    found = set(tags)
    return MINOR in found or ADULT not in found


def age_unknown(tags: Iterable[str]) -> bool:
    """Neither `adult` nor `minor` recorded: counted as unknown in figures, treated as a minor in care."""
    found = set(tags)
    return MINOR not in found and ADULT not in found


class ConsentState(StrEnum):
    """Where a consent stands on a given day (access-policy.md, "Consent")."""

    ACTIVE = "active"
    NOT_YET_GIVEN = "not_yet_given"
    EXPIRED = "expired"
    REVOKED = "revoked"


def consent_state(*, given_on: date, expires_on: date, revoked: bool, today: date) -> ConsentState:
    """A consent releases only while it is active: given on or before today, not past its expiry, never
    withdrawn. Withdrawal wins over every date; a consent dated for a later day has not been given yet."""
    if revoked:
        return ConsentState.REVOKED
    if expires_on < today:
        return ConsentState.EXPIRED
    if given_on > today:
        return ConsentState.NOT_YET_GIVEN
    return ConsentState.ACTIVE


def relief_decider(owners: dict[str, str], kind: str) -> str:
    """Who decides a relief request: Continued Presence the plan's federal agency, a T- or U-visa
    certification the lead agency — the same on the board, the person's page and the API."""
    return owners["continued_presence"] if kind == "continued_presence" else owners["lead"]


def next_person_code(codes: Iterable[str]) -> str:
    """The next pseudonymous code after the highest `P-NNN` in use (P-001 on an empty roster)."""
    numbers = [int(code[2:]) for code in codes if code.startswith("P-") and code[2:].isdigit()]
    return f"P-{max(numbers, default=0) + 1:03d}"


def interview_minutes_problem(minutes: int) -> str:
    """What is wrong with an interview's length, or "" when it is within `INTERVIEW_MINUTES`."""
    low, high = INTERVIEW_MINUTES
    return "" if low <= minutes <= high else f"is between {low} and {high}"


SUSPECT: Final = "suspect"

#: Signs that show one person controlling another (E-Guide 5.2: traffickers and enforcers, including low-
#: and mid-level managers loyal to them): the observed person is kept apart from the one it was seen
#: towards, whatever either's designation says.
CONTROL_SIGNS: Final = frozenset(
    {"gives_orders", "answers_for_others", "watches_others", "holds_documents", "holds_money"}
)


def shows_control(signs: Iterable[str]) -> bool:
    return not CONTROL_SIGNS.isdisjoint(signs)


def in_victim_care(designation: str) -> bool:
    """Whether a person is on the victim-care pathway (a provider's wait, needs and information before any
    interview, a nondetention setting): potential victims, witnesses and undetermined persons are; a person
    designated suspect leaves it at once, and comes back if the designation changes back."""
    return designation != SUSPECT
