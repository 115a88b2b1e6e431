"""Access-matrix rows for the encounter pages: the live board, the person page and every action on it.

Actions are POSTed with an empty body: a persona who may take the action gets the form back with its
problems (400) — or, where the empty form is a complete action, is sent back to the page (303) — one who
may not gets 403, and anyone not on the operation 404 (hidden and missing look the same). Statuses: 200
page, 302 redirect to sign-in, 303 back to the page after a write, 400 form problems, 403 refused, 404
hidden or missing. "*" is every persona not named.

`scenario()` is the encounter the web tests share: three persons, each record of every compartment
with a marker text, so a test can say which texts a persona sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from haven.accounts.models import Agency
from haven.encounters import services
from haven.encounters.models import Consent, DangerFlag, Interview, Person
from haven.operations.models import Operation
from tests.operations.fixtures import make_operation
from tests.personas import make_user

A = "anonymous"
U = "unverified"
BASE = "operations/<str:operation_code>/"
PERSON = BASE + "persons/<str:person_code>/"
ON_OPERATION = ("investigator", "coordinator", "federal_agent", "prosecutor", "advocate", "other_provider")
ON_OPERATION += ("attorney", "forensic", "interpreter")
INVESTIGATIVE = ("investigator", "coordinator", "federal_agent", "prosecutor")
# auditors and admins of metro-pd are members of an investigative agency on the operation
INVESTIGATIVE_ALL = (*INVESTIGATIVE, "auditor", "admin")
OFF = {A: 302, U: 302, "outsider": 404}


def _only(allowed: tuple[str, ...], status: int, others: int = 403) -> dict[str, int]:
    return {**OFF, **dict.fromkeys(allowed, status), "*": others}


MATRIX: dict[str, tuple[str, dict[str, int]]] = {
    BASE + "board/": ("GET", {**OFF, "*": 200}),
    BASE + "board/rows/": ("GET", {**OFF, "*": 200}),
    BASE + "persons/register/": ("POST", _only(INVESTIGATIVE_ALL, 400)),
    PERSON: ("GET", {**OFF, "*": 200}),
    PERSON + "place/": ("POST", _only(INVESTIGATIVE_ALL, 400)),
    PERSON + "designation/": ("POST", _only(INVESTIGATIVE_ALL, 400)),
    PERSON + "observation/": ("POST", _only(INVESTIGATIVE_ALL, 400)),
    # an assessment that found no needs is an assessment: the empty form is saved
    PERSON + "needs/": (
        "POST",
        _only(("advocate", "other_provider"), 400),
    ),  # allowed; an empty form is refused
    PERSON + "information/": ("POST", {**OFF, "*": 400}),
    PERSON + "victim-service/": ("POST", _only(("advocate", "other_provider"), 400)),
    PERSON + "attorney-note/": ("POST", _only(("attorney",), 400)),
    PERSON + "consents/": ("POST", _only(("advocate", "other_provider"), 400)),
    # only the recording provider knows the consent's id; to everyone else it does not exist
    PERSON + "consents/<uuid:consent_id>/revoke/": ("POST", _only(("advocate",), 400, others=404)),
    PERSON + "interviews/": ("POST", _only((*INVESTIGATIVE_ALL, "forensic"), 400)),
    PERSON + "interviews/<uuid:interview_id>/record/": ("POST", _only(INVESTIGATIVE_ALL, 400)),
    PERSON + "preference/withdraw/": ("POST", {**OFF, "*": 303}),
    PERSON + "danger/": ("POST", {**OFF, "*": 303}),
    # the flag and its response: read/write for everyone on the operation (access-policy.md)
    PERSON + "danger/<uuid:flag_id>/respond/": ("POST", {**OFF, "*": 400}),
    PERSON + "relief/": ("POST", _only((*INVESTIGATIVE_ALL, "attorney"), 400)),
    PERSON + "release/": ("POST", _only(INVESTIGATIVE_ALL, 400)),
    # child welfare notified of a minor: a step investigative agencies record (an empty form: 400)
    PERSON + "child-welfare/": ("POST", _only(INVESTIGATIVE_ALL, 400)),
}


@dataclass
class Scenario:
    operation: Operation
    victim: Person  # P-001: potential victim, foreign national, assessed, informed, interview scheduled,
    # flagged in imminent danger
    suspect: Person  # P-002: suspect, in the undetermined area (a sensitive area)
    minor: Person  # P-003: minor, not placed, waiting longer than the limit for a provider
    consent: Consent
    interview: Interview
    flag: DangerFlag


# Marker texts: each lives in exactly one compartment, so a page either shows it or it must not.
OBSERVATION_TEXT = "OBSERVATION-MARKER others looked to him before answering"
NEEDS_TEXT = "NEEDS-MARKER needs insulin"
QUESTIONS_TEXT = "QUESTION-MARKER will I be deported"
ANSWERS_TEXT = "ANSWER-MARKER explained immigration relief"
SAFETY_PLAN_TEXT = "SAFETY-PLAN-MARKER stays at the shelter, code word agreed"
ATTORNEY_TEXT = "ATTORNEY-MARKER eligible to apply for a T visa"
CONSENT_PURPOSE = "CONSENT-PURPOSE-MARKER plan the interview around her medical needs"
INTERVIEW_NOTES = "INTERVIEW-NOTES-MARKER describes recruitment through a job offer"
SENSITIVE_AREA = "Metro Community Center gym"  # undetermined-room: holds undetermined
VICTIMS_AREA = "Harbor Center community room"


def scenario(*, exercise: bool = False) -> Scenario:
    """The operation started two hours ago; three persons, each record written through the services."""
    operation = make_operation(starts_in=-timedelta(hours=2), exercise=exercise)
    investigator = make_user("investigator")
    federal = make_user("federal_agent")
    advocate = make_user("advocate")
    attorney = make_user("attorney")
    make_user("forensic")
    make_user("interpreter")
    now = timezone.now()
    victim = services.person_register(
        actor=investigator,
        operation=operation,
        code="P-001",
        encountered_at=now - timedelta(minutes=100),
        tags=["female", "adult", "foreign_national"],
        languages=["es"],
        priority="high",
        interviewer_gender="female",
        area="community-room",
    )
    suspect = services.person_register(
        actor=investigator,
        operation=operation,
        code="P-002",
        encountered_at=now - timedelta(minutes=100),
        tags=["male", "adult", "us_citizen"],
        languages=["en"],
        area="undetermined-room",
    )
    minor = services.person_register(
        actor=investigator,
        operation=operation,
        code="P-003",
        encountered_at=now - timedelta(minutes=90),
        tags=["female", "minor"],
        languages=["zh"],
    )
    services.designation_record(actor=investigator, person=victim, status="potential_victim")
    services.designation_record(actor=investigator, person=suspect, status="suspect")
    services.observation_record(
        actor=investigator,
        person=suspect,
        towards=victim,
        signs=["gives_orders", "is_deferred_to"],
        text=OBSERVATION_TEXT,
    )
    services.needs_assessment_record(
        actor=advocate,
        person=victim,
        at=now - timedelta(minutes=60),
        medical=NEEDS_TEXT,
        language="es",
        urgent=["medical"],
    )
    services.information_record(
        actor=advocate,
        person=victim,
        at=now - timedelta(minutes=50),
        language="es",
        materials=["Your rights and the help available"],
        questions=QUESTIONS_TEXT,
        answers=ANSWERS_TEXT,
    )
    services.victim_service_record(actor=advocate, person=victim, kind="safety_plan", text=SAFETY_PLAN_TEXT)
    services.attorney_note_record(actor=attorney, person=victim, text=ATTORNEY_TEXT)
    consent = services.consent_record(
        actor=advocate,
        person=victim,
        recipient=Agency.objects.get(slug="hsi"),
        items=["needs_details"],
        purpose=CONSENT_PURPOSE,
        in_writing=True,
        given_on=date.today(),
        expires_on=date.today() + timedelta(days=90),
    )
    interview = services.interview_schedule(
        actor=federal,
        person=victim,
        interviewer=federal,
        role="investigator",
        location=operation.interview_locations.get(plan_id="harbor-rooms"),
        starts_at=now + timedelta(hours=1),
        minutes=60,
    )
    services.relief_record(actor=federal, person=victim, kind="continued_presence", status="requested")
    flag = services.danger_flag(actor=advocate, person=victim)
    return Scenario(operation, victim, suspect, minor, consent, interview, flag)


def arrange() -> dict[str, str]:
    s = scenario()
    return {
        "<str:operation_code>": s.operation.code,
        "<str:person_code>": s.victim.code,
        "<uuid:consent_id>": str(s.consent.pk),
        "<uuid:interview_id>": str(s.interview.pk),
        "<uuid:flag_id>": str(s.flag.pk),
    }
