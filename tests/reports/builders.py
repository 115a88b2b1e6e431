"""A small fictional exercise for the after-action report, written through the real services.

Times are minutes after the operation's start (t0); the report is taken at t0 + 170 minutes. Every value
the tests expect is worked out by hand from the table below, in tests/reports/test_figures.py.

| person | tags                          | designation (at)       | provider contact        | first interview            |
|--------|-------------------------------|------------------------|-------------------------|----------------------------|
| P-001  | female adult foreign_national | potential victim (+12) | needs +20 (enc +0)      | +60 federal, interpreter   |
| P-002  | female adult foreign_national | potential victim (+12) | needs +45 (enc +0)      | +90 investigator (+70 prosecutor, cancelled) |
| P-003  | male adult us_citizen         | potential victim (+14) | safety plan +70 (enc +5)| +120 prosecutor            |
| P-004  | female minor us_citizen       | potential victim (+16) | needs +35 bay-vs (enc +5)| +100 forensic interviewer |
| P-005  | female adult foreign_national | potential victim (+25) | service +100 (enc +10)  | —                          |
| P-006  | male adult us_citizen         | suspect (+20)          | —                       | —                          |
| P-007  | male adult                    | witness (+22)          | —                       | —                          |
| P-008  | female adult foreign_national | potential victim (+30) | — (investigator informed at +60) | —                 |
| P-009  | (no tags)                     | —                      | —                       | —                          |
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from haven.accounts import services as account_services
from haven.accounts.models import Agency, User
from haven.encounters import services
from haven.encounters.models import Person
from haven.operations.models import Operation
from haven.operations.services import plan_save
from haven.plans import parse_plan
from tests.operations.fixtures import ANY_INTERVIEWER_FOR_ADULTS, make_operation
from tests.personas import PASSWORD, make_user

REPORT_AT_MINUTES = 170


@dataclass
class Exercise:
    operation: Operation
    t0: datetime
    persons: dict[str, Person]

    @property
    def now(self) -> datetime:
        return self.t0 + timedelta(minutes=REPORT_AT_MINUTES)

    @property
    def today(self) -> date:
        return self.now.date()


def coordinator_of(slug: str) -> User:
    """A coordinator of the agency `slug` (the personas have one coordinator only, at metro-pd)."""
    return account_services.user_create(
        actor=None,
        username=f"coord.{slug}",
        name=f"Fictional coordinator of {slug}",
        agency=Agency.objects.get(slug=slug),
        password=PASSWORD,
        roles=("member", "coordinator"),
    )


def after_action_exercise(
    *, code: str = "NL-2026-12", exercise: bool = True, changes: dict[str, object] | None = None
) -> Exercise:
    """The operation above, started three hours ago, with every kind of record the report counts
    (`changes` to the plan as in `make_operation`)."""
    for key in ("federal_agent", "prosecutor", "other_provider", "attorney", "forensic", "interpreter"):
        make_user(key)
    operation = make_operation(
        starts_in=-timedelta(hours=3),
        exercise=exercise,
        # Ivy (metro-pd) and Pat (a prosecutor) interview adults below: the plan says they may
        changes={"operation.code": code, "interviews": ANY_INTERVIEWER_FOR_ADULTS, **(changes or {})},
    )
    t0 = operation.starts_at

    def at(minutes: int) -> datetime:
        return t0 + timedelta(minutes=minutes)

    investigator = make_user("investigator")
    federal = make_user("federal_agent")
    prosecutor = make_user("prosecutor")
    advocate = make_user("advocate")
    bay = make_user("other_provider")
    attorney = make_user("attorney")
    forensic = make_user("forensic")
    interpreter = make_user("interpreter")
    coordinator = make_user("coordinator")

    def register(code: str, enc: int, tags: tuple[str, ...], area: str | None, **extra: str) -> Person:
        return services.person_register(
            actor=investigator,
            operation=operation,
            code=code,
            encountered_at=at(enc),
            tags=tags,
            # P-002 and P-003 also speak English: the prosecutor and the investigator, who speak English
            # only, interview them without an interpreter (interview-scheduling.md rule 4)
            languages=("es", "en") if code in ("P-002", "P-003") else ("es",),
            area=area,
            **extra,
        )

    fn = ("female", "adult", "foreign_national")
    p = {
        "P-001": register("P-001", 0, fn, "community-room", interviewer_gender="female"),
        "P-002": register("P-002", 0, fn, "community-room", interviewer_gender="male"),
        "P-003": register(
            "P-003", 5, ("male", "adult", "us_citizen"), "community-room", interviewer_gender="male"
        ),
        "P-004": register("P-004", 5, ("female", "minor", "us_citizen"), "community-room"),
        "P-005": register("P-005", 10, fn, "undetermined-room"),
        "P-006": register("P-006", 10, ("male", "adult", "us_citizen"), "undetermined-room"),
        "P-007": register("P-007", 15, ("male", "adult"), "undetermined-room"),
        "P-008": register("P-008", 20, fn, "undetermined-room"),
        "P-009": register("P-009", 30, (), None),
    }
    for code, status, minutes in (
        ("P-001", "potential_victim", 12),
        ("P-002", "potential_victim", 12),
        ("P-003", "potential_victim", 14),
        ("P-004", "potential_victim", 16),
        ("P-006", "suspect", 20),
        ("P-007", "witness", 22),
        ("P-005", "potential_victim", 25),  # with the suspect in the gym: alert 1 raised at +25
        ("P-008", "potential_victim", 30),  # alert 2 raised at +30, never cleared
    ):
        services.designation_record(actor=investigator, person=p[code], status=status, at=at(minutes))
    services.person_place(
        actor=investigator, person=p["P-005"], area="community-room", at=at(40)
    )  # clears alert 1

    def needs(person: str, minutes: int, urgent: tuple[str, ...], actor: object = advocate) -> None:
        services.needs_assessment_record(
            actor=actor,  # type: ignore[arg-type]
            person=p[person],
            at=at(minutes),
            medical="Fictional: needs a doctor's visit",
            urgent=urgent,
            language="es",
        )

    def inform(person: str, minutes: int, actor: object = advocate) -> None:
        services.information_record(
            actor=actor,  # type: ignore[arg-type]
            person=p[person],
            language="es",
            materials=["Your rights and the help available"],
            answers="Fictional: explained what happens next",
            at=at(minutes),
        )

    def service(person: str, minutes: int, kind: str, status: str, actor: object = advocate) -> None:
        services.victim_service_record(
            actor=actor,  # type: ignore[arg-type]
            person=p[person],
            kind="service",
            service_kind=kind,
            service_status=status,
            at=at(minutes),
        )

    needs("P-001", 20, ("medical",))
    inform("P-001", 30)
    needs("P-001", 50, ("medical",))  # a second assessment: the person still counts once
    services.victim_service_record(
        actor=advocate, person=p["P-002"], kind="case_note", text="Fictional case note", at=at(35)
    )  # a case note is not a first contact
    needs("P-002", 45, ("shelter", "safety"))
    inform("P-002", 50)
    services.victim_service_record(
        actor=advocate, person=p["P-003"], kind="safety_plan", text="Fictional safety plan", at=at(70)
    )
    needs("P-003", 80, ())
    inform("P-003", 85)
    needs("P-004", 35, ("safety", "food"), actor=bay)
    inform("P-004", 40)
    service("P-005", 100, "shelter", "provided")
    needs("P-005", 105, ("medical",))
    inform("P-005", 110)
    inform("P-008", 60, actor=investigator)  # not a provider: P-008 was never reached by one
    service("P-001", 55, "shelter", "provided")
    service("P-001", 56, "medical", "referred")
    service("P-002", 60, "shelter", "provided")
    service("P-003", 90, "counseling", "referred")
    service("P-004", 45, "child_welfare", "referred", actor=bay)
    service("P-005", 120, "shelter", "provided")  # again: the person still counts once

    rooms = operation.interview_locations.get(plan_id="harbor-rooms")
    suite = operation.interview_locations.get(plan_id="cac-suite")
    services.interview_schedule(
        actor=federal,
        person=p["P-001"],
        interviewer=federal,
        role="investigator",
        location=rooms,
        starts_at=at(60),
        minutes=45,
        interpreter=interpreter,
    )
    cancelled = services.interview_schedule(
        actor=prosecutor,
        person=p["P-002"],
        interviewer=prosecutor,
        role="prosecutor",
        location=rooms,
        starts_at=at(70),
        minutes=30,
    )
    services.interview_cancel(actor=prosecutor, interview=cancelled)  # a cancelled interview does not count
    services.interviewer_preference_withdraw(actor=investigator, person=p["P-002"], at=at(75))
    services.interview_schedule(
        actor=investigator,
        person=p["P-002"],
        interviewer=investigator,
        role="investigator",
        location=rooms,
        starts_at=at(90),
        minutes=30,
    )
    services.interview_schedule(
        actor=prosecutor,
        person=p["P-003"],
        interviewer=prosecutor,
        role="prosecutor",
        location=rooms,
        starts_at=at(120),
        minutes=30,
    )
    services.interview_schedule(
        actor=forensic,
        person=p["P-004"],
        interviewer=forensic,
        role="forensic_interviewer",
        location=suite,
        starts_at=at(100),
        minutes=40,
    )

    flag = services.danger_flag(actor=advocate, person=p["P-002"], at=at(50))
    services.danger_respond(actor=investigator, flag=flag, response="Moved to a private room", at=at(58))
    services.danger_flag(actor=investigator, person=p["P-008"], at=at(100))

    for person, kind, status, minutes, actor in (
        ("P-001", "continued_presence", "requested", 70, federal),
        ("P-001", "continued_presence", "granted", 130, federal),
        ("P-001", "t_visa", "requested", 80, investigator),
        ("P-001", "t_visa", "signed", 140, investigator),
        ("P-002", "continued_presence", "requested", 75, federal),
        ("P-002", "continued_presence", "denied", 135, federal),
        ("P-005", "continued_presence", "requested", 110, federal),
        ("P-005", "u_visa", "requested", 120, attorney),
    ):
        services.relief_record(actor=actor, person=p[person], kind=kind, status=status, at=at(minutes))

    today = (t0 + timedelta(minutes=REPORT_AT_MINUTES)).date()
    hsi = Agency.objects.get(slug="hsi")
    metro = Agency.objects.get(slug="metro-pd")

    def consent(
        person: str, actor: object, recipient: Agency, given: date, expires: date, **extra: str
    ) -> object:
        return services.consent_record(
            actor=actor,  # type: ignore[arg-type]
            person=p[person],
            recipient=recipient,
            items=["needs_details"],
            purpose="Fictional: plan the interview around medical needs",
            in_writing=True,
            given_on=given,
            expires_on=expires,
            **extra,
        )

    consent("P-001", advocate, hsi, today, today + timedelta(days=90))
    revoked = consent("P-002", advocate, metro, today, today + timedelta(days=30))
    services.consent_revoke(actor=advocate, consent=revoked, orally=True)  # type: ignore[arg-type]
    consent("P-003", advocate, hsi, today - timedelta(days=40), today - timedelta(days=10))
    consent("P-004", bay, hsi, today, today + timedelta(days=60), guardian="Fictional guardian")

    services.person_release(
        actor=investigator,
        person=p["P-007"],
        outcome="released",
        reason="Released after questions answered",
        at=at(90),
    )
    services.person_release(
        actor=investigator,
        person=p["P-009"],
        outcome="released",
        reason="Released after questions answered",
        at=at(95),
    )
    services.person_release(
        actor=investigator,
        person=p["P-004"],
        outcome="transferred",
        reason="Transferred to child welfare",
        at=at(150),
    )

    operation.refresh_from_db()
    amended = dict(operation.current_version.document)  # type: ignore[union-attr]
    amended["anticipated"] = {**amended["anticipated"], "persons": 20}
    plan_save(actor=coordinator, operation=operation, plan=parse_plan(json.dumps(amended)), base_version=1)
    operation.refresh_from_db()
    for person in p.values():
        person.refresh_from_db()
    return Exercise(operation=operation, t0=t0, persons=p)
