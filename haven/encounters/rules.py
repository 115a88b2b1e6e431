"""The encounter rules, each decided once: every service, the live planner, the pages, the API, the report
and the exercise loader ask these functions instead of deciding for themselves (CONVENTIONS.md, "Rules:
each decided once"). Pure: plain values in, plain values out, no database and no request.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date
from enum import StrEnum
from typing import Final, TypeVar

from haven.core import languages
from haven.core.problems import Problem

_Owner = TypeVar("_Owner")
_Location = TypeVar("_Location")

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


def relief_decider(owners: Mapping[str, _Owner], kind: str) -> _Owner:
    """Who decides a relief request: Continued Presence the plan's federal agency, a T- or U-visa
    certification the lead agency — the same on the board, the person's page and the API."""
    return owners["continued_presence"] if kind == "continued_presence" else owners["lead"]


def next_person_code(codes: Iterable[str]) -> str:
    """The next pseudonymous code after the highest `P-NNN` in use (P-001 on an empty roster)."""
    numbers = [int(code[2:]) for code in codes if code.startswith("P-") and code[2:].isdigit()]
    return f"P-{max(numbers, default=0) + 1:03d}"


#: One entry of the plan's `interviews` section: (population, conducted_by, agency id or None).
InterviewEntry = tuple[str, str, str | None]
#: Who may conduct an interview under the plan: (role, agency id or None for any agency).
Conductor = tuple[str, str | None]


def interview_conductors(entries: Iterable[InterviewEntry], *, minor: bool) -> tuple[Conductor, ...] | None:
    """Who conducts the investigative interview of a person under the plan's `interviews` section: the
    entries for their age population — `minor` for a person treated as a minor (`treated_as_minor`),
    else `adult` — as (role, agency) pairs; an entry without an agency allows any agency, several
    entries allow any of them. None when the plan has no entry for that population: then the rules alone
    decide (a forensic interviewer for a minor), and the readiness rule `interviews.interviewer` reports
    the gap. Entries for other populations (female, foreign_national, …) do not bind the interviewer."""
    population = MINOR if minor else ADULT
    found = tuple(dict.fromkeys((role, agency or None) for pop, role, agency in entries if pop == population))
    return found or None


def conducts(conductors: tuple[Conductor, ...] | None, *, role: str, agency: str) -> bool:
    """Whether an interviewer in `role`, of the agency with plan id `agency`, may conduct the interview
    (see `interview_conductors`; None allows everyone the rules allow)."""
    if conductors is None:
        return True
    return any(role == wanted and (of is None or of == agency) for wanted, of in conductors)


_ROLE_PLURAL: Final = {
    "investigator": "investigators",
    "prosecutor": "prosecutors",
    "forensic_interviewer": "forensic interviewers",
}


def conductors_words(conductors: Iterable[Conductor], agency_names: Mapping[str, str]) -> str:
    """Who conducts, in words: "investigators of Homeland Security Investigations, Metro office or
    prosecutors" (`agency_names`: plan id → name) — the plan page and the booking guardrail say it alike."""
    return " or ".join(
        _ROLE_PLURAL.get(role, role) + (f" of {agency_names.get(agency, agency)}" if agency else "")
        for role, agency in conductors
    )


#: The rule that an interview booked by hand follows the plan's `interviews` section, as the planner does.
PLAN_CONDUCTOR: Final = "interview.plan-conductor"


#: The rule that holds every interview back while a person's imminent-danger flag has no response.
DANGER_OPEN: Final = "interview.danger-open"


def open_danger_reason(code: str) -> str:
    """Why a person is not interviewed yet while an imminent-danger flag on them has no response: safety
    comes before any interview. The planner shows it; the booking guardrail refuses with it."""
    return f"{code} has an open imminent-danger flag: respond to it first"


def interview_minutes_problem(minutes: int) -> str:
    """What is wrong with an interview's length, or "" when it is within `INTERVIEW_MINUTES`."""
    low, high = INTERVIEW_MINUTES
    return "" if low <= minutes <= high else f"is between {low} and {high}"


MINOR_ROOM: Final = "interview.minor-room"


def room_for_population(minors_at: Collection[_Location], *, minor: bool, location: _Location) -> bool:
    """Where the day says minors are interviewed (a child advocacy center's suites, say), minors are
    interviewed only there and adults only elsewhere; a day that names no such location lets anyone be
    interviewed anywhere. `minor`: `treated_as_minor` (an unknown age is a minor's)."""
    return not minors_at or (location in minors_at) == minor


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


# --- language access (interview-scheduling.md rule 4; issue 13) -----------------------------------------
# What "share a language" means is decided once, in haven.core.languages, where the solver asks it too.


def person_languages(registered: Iterable[str], assessed: Iterable[str]) -> list[str]:
    """The languages of a person: those the roster records, then those a needs assessment found the person
    prefers (the provider's finding counts as much as the officer's), each once."""
    return list(dict.fromkeys([*registered, *(tag for tag in assessed if tag)]))


class LanguageAccess(StrEnum):
    """How an interview reaches the person in a language they understand, or why it does not."""

    SHARED = "shared"  # the person and the interviewer share a language
    INTERPRETED = "interpreted"  # an interpreter speaks one of each side's languages
    NO_LANGUAGE = "no_language"  # nothing recorded for the person: no one can be matched
    NO_INTERPRETER = "no_interpreter"  # no shared language, and no interpreter
    INTERPRETER_NOT_THE_PERSONS = "interpreter_not_the_persons"  # the interpreter speaks none of the person's
    INTERPRETER_NOT_THE_INTERVIEWERS = "interpreter_not_the_interviewers"  # … or none of the interviewer's


def interview_language_access(
    *, person: Sequence[str], interviewer: Sequence[str], interpreter: Sequence[str] | None
) -> LanguageAccess:
    """Rule 4 for one interview: held when the person and the interviewer share a language, or when an
    interpreter speaks one of the person's languages and one of the interviewer's."""
    if not person:
        return LanguageAccess.NO_LANGUAGE
    if not languages.interpreter_needed(person, interviewer):
        return LanguageAccess.SHARED
    if interpreter is None:
        return LanguageAccess.NO_INTERPRETER
    if not languages.speaks_any(interpreter, person):
        return LanguageAccess.INTERPRETER_NOT_THE_PERSONS
    if not languages.speaks_any(interpreter, interviewer):
        return LanguageAccess.INTERPRETER_NOT_THE_INTERVIEWERS
    return LanguageAccess.INTERPRETED


INTERVIEW_HELD: Final = frozenset({LanguageAccess.SHARED, LanguageAccess.INTERPRETED})


def information_language_problems(
    *, language: str, person: Sequence[str], code: str, materials: Mapping[str, Sequence[str]]
) -> list[Problem]:
    """Information is given in a language of the person, and one each material given exists in (`materials`:
    each title given, with the languages the plan holds it in; a title the plan does not hold is the
    caller's to refuse)."""
    shown = languages.language_label(language)
    if not person:
        return [
            Problem(
                "language",
                f"no language is recorded for {code}: record the languages they speak (the roster, or the "
                "language found in their needs assessment) first",
            )
        ]
    if not languages.speaks_any([language], person):
        return [
            Problem(
                "language",
                f"{shown} is not a language of {code} ({languages.languages_label(person)}): give information "
                "in a language the person speaks",
            )
        ]
    return [
        Problem(
            "language",
            f"{shown} is not a language the material is held in: {title!r} exists in "
            f"{languages.languages_label(held) or 'no language'}",
        )
        for title, held in materials.items()
        if not languages.speaks_any([language], held)
    ]


def interpreting_between(
    *, person: Sequence[str], interviewer: Sequence[str], interpreter: Sequence[str]
) -> tuple[list[str], list[str]]:
    """The languages an interpreter carries an interview between: those of the person's they speak, and
    those of the interviewer's they speak (what their calendar names)."""
    return (
        languages.shared_languages(person, interpreter),
        languages.shared_languages(interviewer, interpreter),
    )
