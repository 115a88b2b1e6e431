"""Access-matrix rows for the encounter API under /api/v1/operations/<code>/: the roster, one person's
record, every write on it, and the live board.

Writes are POSTed as the test client's empty form, which is not a JSON object: a persona who may act is
told so (400); one who may not is refused before the body is read (403); anyone not on the operation gets
404 (hidden and missing look the same); without a session (or the second factor) the answer is 401. A consent is known only to the provider that recorded it: to everyone
else its id is a 404. "*" is every persona not named. A pattern has one row, so registration (the POST on
the roster's path) is covered per persona in tests/api/test_encounters_api.py.

`cast_on(operation)` is the encounter the API suites share (tests/api): three persons with a record of
every compartment, each carrying a marker text, written through the services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from haven.accounts.models import Agency
from haven.encounters import services
from haven.encounters.models import Consent, DangerFlag, Interview, Person
from haven.operations.models import Operation
from tests.access import matrix_api
from tests.access.matrix_encounters import (
    ANSWERS_TEXT,
    ATTORNEY_TEXT,
    CONSENT_PURPOSE,
    NEEDS_TEXT,
    OBSERVATION_TEXT,
    QUESTIONS_TEXT,
    SAFETY_PLAN_TEXT,
)
from tests.operations.fixtures import make_operation
from tests.personas import make_user

A = "anonymous"
U = "unverified"
OPERATION = "api/v1/operations/<code>/"
PERSON = OPERATION + "persons/<person_code>/"
# auditors and admins of metro-pd are members of an investigative agency on the operation
INVESTIGATIVE = ("investigator", "coordinator", "federal_agent", "prosecutor", "auditor", "admin")
OFF = {A: 401, U: 401, "outsider": 404}


def _only(allowed: tuple[str, ...], status: int, others: int = 403) -> dict[str, int]:
    return {**OFF, **dict.fromkeys(allowed, status), "*": others}


MATRIX: dict[str, tuple[str, dict[str, int]]] = {
    OPERATION + "persons": ("GET", {**OFF, "*": 200}),
    OPERATION + "board": ("GET", {**OFF, "*": 200}),
    PERSON.removesuffix("/"): ("GET", {**OFF, "*": 200}),
    PERSON + "placement": ("POST", _only(INVESTIGATIVE, 400)),
    PERSON + "designations": ("POST", _only(INVESTIGATIVE, 400)),
    PERSON + "observations": ("POST", _only(INVESTIGATIVE, 400)),
    PERSON + "needs": ("POST", _only(("advocate", "other_provider"), 400)),
    PERSON + "information": ("POST", {**OFF, "*": 400}),
    PERSON + "service-records": ("POST", _only(("advocate", "other_provider"), 400)),
    PERSON + "attorney-notes": ("POST", _only(("attorney",), 400)),
    PERSON + "consents": ("POST", _only(("advocate", "other_provider"), 400)),
    PERSON + "consents/<consent_id>/revocation": ("POST", _only(("advocate",), 400, others=404)),
    PERSON + "interviews": ("POST", _only((*INVESTIGATIVE, "forensic"), 400)),
    # the interview is hsi's: investigative agencies may record it (only its interviewer will: 422 later)
    PERSON + "interviews/<interview_id>/record": ("POST", _only(INVESTIGATIVE, 400)),
    PERSON + "relief": ("POST", _only((*INVESTIGATIVE, "attorney"), 400)),
    PERSON + "danger": ("POST", {**OFF, "*": 400}),
    PERSON + "danger/<flag_id>/response": ("POST", {**OFF, "*": 400}),  # everyone on the operation
    PERSON + "release": ("POST", _only(INVESTIGATIVE, 400)),
    PERSON + "child-welfare": ("POST", _only(INVESTIGATIVE, 400)),
    PERSON + "preference-withdrawal": ("POST", {**OFF, "*": 400}),
}


@dataclass
class Cast:
    operation: Operation
    victim: Person  # P-001: potential victim, foreign national, asked for a female interviewer; every
    # provider record, an attorney note, a consent to hsi, an interview by hsi, an open danger flag
    suspect: Person  # P-002: suspect in the undetermined area (a sensitive area), observed
    minor: Person  # P-003: a minor, not placed
    consent: Consent
    interview: Interview
    flag: DangerFlag


def cast_on(operation: Operation) -> Cast:
    """Three persons on `operation` (approved), each record written through the services as its author."""
    investigator = make_user("investigator")
    federal = make_user("federal_agent")
    advocate = make_user("advocate")
    attorney = make_user("attorney")
    for key in ("other_provider", "forensic", "interpreter", "prosecutor"):
        make_user(key)
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
        # later than the web scenario's interview by the same interviewer (interviewers are never double-booked)
        starts_at=now + timedelta(hours=4),
        minutes=60,
    )
    services.relief_record(actor=federal, person=victim, kind="continued_presence", status="requested")
    flag = services.danger_flag(actor=advocate, person=victim)
    return Cast(operation, victim, suspect, minor, consent, interview, flag)


def arrange() -> dict[str, str]:
    # the API's own operation (matrix_api binds <code> to it), with the cast on it
    operation = Operation.objects.filter(code=matrix_api.CODE).first() or make_operation(
        changes={"operation.code": matrix_api.CODE}
    )
    cast = cast_on(operation)
    return {
        "<person_code>": cast.victim.code,
        "<consent_id>": str(cast.consent.pk),
        "<interview_id>": str(cast.interview.pk),
        "<flag_id>": str(cast.flag.pk),
    }
