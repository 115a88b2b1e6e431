"""Live planning: the problem built from an operation's records, plans that keep every rule, acceptance
through the encounter guardrails, re-planning around what is under way or pinned, and the interviewers'
calendars. Solver time limits stay short (1–2 s): these problems are small."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from icalendar import Calendar

from haven.accounts.models import User
from haven.audit.models import AuditRecord
from haven.core.errors import Forbidden, RuleViolation, ValidationFailed
from haven.encounters import services as encounters
from haven.encounters.models import Interview, InterviewStatus, Person
from haven.operations.models import InterviewLocation, Operation
from haven.scheduling import services
from haven.scheduling.formats import InterviewProblem, Schedule
from haven.scheduling.live import build_problem, ceil_slot, current_day, floor_slot, suspect_left_out
from haven.scheduling.models import InterviewPlan, PlanningDay, PlanStatus, SolveRun, SolveStatus
from haven.scheduling.selectors import plan_documents
from haven.scheduling.services import Marked, RoomMarked
from haven.scheduling.validate import check_schedule
from haven.web.timezones import zone
from tests.operations.fixtures import amend_interviews, make_operation

LIMIT = 1.5


@pytest.fixture
def operation(persona) -> Operation:
    """The approved test operation, started three hours ago, with the cast (and an interpreter) on it."""
    for key in ("investigator", "federal_agent", "advocate", "forensic", "prosecutor", "interpreter"):
        persona(key)
    return make_operation(starts_in=-timedelta(hours=3))


@pytest.fixture
def rooms(operation) -> InterviewLocation:
    return operation.interview_locations.get(plan_id="harbor-rooms")


@pytest.fixture
def register(operation, persona):
    def make(code: str, *, tags=("female", "adult"), languages=("es",), area="community-room", **extra):
        return encounters.person_register(
            actor=persona("investigator"),
            operation=operation,
            code=code,
            encountered_at=operation.starts_at + timedelta(minutes=10),
            tags=tags,
            languages=languages,
            area=area,
            **extra,
        )

    return make


@pytest.fixture
def care(operation, persona):
    """Needs assessed and information given, as a provider does before any interview."""

    def give(person: Person) -> None:
        # in the person's own language (a needs assessment's language is one of the person's, and
        # information is given in one of theirs that the material exists in)
        at = operation.starts_at + timedelta(minutes=30)
        language = next((lang.code for lang in person.languages.all()), "es")
        held = language in ("en", "es", "zh")  # the plan's material exists in these
        encounters.needs_assessment_record(actor=persona("advocate"), person=person, at=at, language=language)
        encounters.information_record(
            actor=persona("advocate"),
            person=person,
            language=language,
            materials=["Your rights and the help available"] if held else [],
            answers="" if held else "Explained what happens next, in person",
            at=at + timedelta(minutes=10),
        )

    return give


def documents(plan: InterviewPlan) -> tuple[InterviewProblem, Schedule]:
    return plan_documents(plan)


def by_person(plan: InterviewPlan) -> dict[str, Any]:
    return {a["person"]: a for a in plan.schedule["assignments"]}


@pytest.fixture
def now() -> datetime:
    return timezone.now()


@pytest.fixture
def coordinator(persona) -> User:
    return persona("coordinator")


@pytest.fixture
def mark(operation, persona, coordinator, now):
    """Mark interviewers (persona keys, optionally with a role), interpreters and rooms available."""

    def marked(
        interviewers: tuple[str, ...] = ("federal_agent",),
        interpreters: tuple[str, ...] = (),
        rooms: tuple[str, ...] = ("harbor-rooms-1", "harbor-rooms-2"),
        *,
        hours: int = 8,
        minutes: int = 60,
        roles: dict[str, str] | None = None,
        minors_at: tuple[str, ...] = (),
    ) -> None:
        start, end = floor_slot(now), floor_slot(now) + timedelta(hours=hours)
        services.availability_set(
            actor=coordinator,
            operation=operation,
            starts_at=start,
            ends_at=end,
            interview_minutes=minutes,
            interviewers=[
                Marked(persona(key), start, end, role=(roles or {}).get(key, "")) for key in interviewers
            ],
            interpreters=[Marked(persona(key), start, end) for key in interpreters],
            rooms=[RoomMarked(room, start, end) for room in rooms],
            now=now,
            **(
                {"minor_locations": [operation.interview_locations.get(plan_id=p) for p in minors_at]}
                if minors_at
                else {}
            ),
        )

    return marked


def ready_person(register, care, code: str, **extra: Any) -> Person:
    person = register(code, **extra)
    care(person)
    return person


def any_investigator_for_adults(operation: Operation, coordinator: User) -> None:
    """The example plan has adults interviewed by investigators of hsi, and the cast has one: tests that
    need two interviewers for adults amend it to investigators of any agency (Ivy, of metro-pd, too)."""
    amend_interviews(
        operation,
        coordinator,
        [
            {"population": "adult", "conducted_by": "investigator"},
            {"population": "minor", "conducted_by": "forensic_interviewer", "agency": "county-cac"},
        ],
    )


def plan(coordinator, operation, now, **extra: Any) -> InterviewPlan:
    return services.schedule_plan(actor=coordinator, operation=operation, time_limit=LIMIT, now=now, **extra)


# --- the problem from the records ------------------------------------------------------------------------


def test_ready_is_the_first_slot_after_both_needs_and_information(
    operation, register, care, persona, mark, now
):
    # given a person cared for before now, one whose information is given later today, and two waiting
    ready_person(register, care, "P-001")
    later = register("P-002")
    advocate = persona("advocate")
    encounters.needs_assessment_record(
        actor=advocate, person=later, at=now - timedelta(minutes=5), language="en"
    )
    information_at = ceil_slot(now) + timedelta(minutes=50)
    encounters.information_record(
        actor=advocate,
        person=later,
        language="es",
        materials=["Your rights and the help available"],
        at=information_at,
    )
    register("P-003")
    only_needs = register("P-004")
    encounters.needs_assessment_record(
        actor=advocate, person=only_needs, at=now - timedelta(minutes=5), language="en"
    )
    mark()
    # when
    live = build_problem(operation, current_day(operation, now), now=now)
    # then
    persons = {p.id: p for p in live.problem.persons}
    assert set(persons) == {"P-001", "P-002"}
    assert live.problem.start == ceil_slot(now)
    assert live.problem.slot_minutes == 15
    assert persons["P-001"].ready == 0  # cared for before now: ready now
    # information at 50 minutes after the start: the interview may begin in the first slot after it
    assert persons["P-002"].ready == 4
    assert live.problem.start + timedelta(minutes=15 * persons["P-002"].ready) > information_at
    waiting = {w.person: w.missing for w in live.waiting}
    assert waiting == {
        "P-003": ("needs assessment", "information given"),
        "P-004": ("information given",),
    }
    assert persons["P-001"].duration == 4
    assert live.problem.horizon == (floor_slot(now) + timedelta(hours=8) - ceil_slot(now)) // timedelta(
        minutes=15
    )


def test_minors_languages_priority_and_a_stated_preference(operation, register, care, persona, mark, now):
    ready_person(register, care, "P-001", tags=("female", "minor"), languages=("zh",), priority="urgent")
    ready_person(register, care, "P-002", tags=("female",), languages=("es", "en"))  # age not recorded
    ready_person(register, care, "P-003", tags=("male", "adult"), interviewer_gender="male")
    withdrawn = ready_person(register, care, "P-004", interviewer_gender="female")
    encounters.interviewer_preference_withdraw(actor=persona("investigator"), person=withdrawn)
    ready_person(register, care, "P-005", interviewer_gender="female")
    mark()
    persons = {
        p.id: p for p in build_problem(operation, current_day(operation, now), now=now).problem.persons
    }
    assert persons["P-001"].minor
    assert persons["P-001"].priority == "urgent"
    assert persons["P-001"].languages == ["zh"]
    assert persons["P-002"].minor  # never an adult by omission
    assert persons["P-002"].languages == ["en", "es"]
    assert not persons["P-003"].minor
    assert persons["P-003"].interviewer_gender == "male"
    assert persons["P-004"].interviewer_gender is None  # withdrawn, and recorded as withdrawn
    assert persons["P-005"].interviewer_gender == "female"
    assert persons["P-005"].priority == "normal"


def test_keep_apart_from_designations_and_observations(operation, register, care, persona, mark, now):
    investigator = persona("investigator")
    suspect = ready_person(register, care, "P-001", tags=("male", "adult"), area=None)
    victim = ready_person(register, care, "P-002")
    other_victim = ready_person(register, care, "P-003")
    watcher = ready_person(register, care, "P-004", area=None)
    bystander = ready_person(register, care, "P-005")
    encounters.designation_record(actor=investigator, person=suspect, status="suspect")
    encounters.designation_record(actor=investigator, person=victim, status="potential_victim")
    encounters.designation_record(actor=investigator, person=other_victim, status="potential_victim")
    # an undetermined person seen watching someone: kept apart from them whatever the designations say yet
    encounters.observation_record(
        actor=investigator, person=watcher, towards=bystander, signs=["watches_others"]
    )
    mark()
    problem = build_problem(operation, current_day(operation, now), now=now).problem
    pairs = {frozenset((p.id, other)) for p in problem.persons for other in p.keep_apart}
    # the suspect is not in the problem at all (off the victim-care pathway): nothing to keep apart from
    assert "P-001" not in {p.id for p in problem.persons}
    assert pairs == {frozenset(("P-004", "P-005"))}


def test_interviewed_released_and_transferred_persons_are_left_out(
    operation, register, care, persona, mark, rooms, now
):
    investigator, federal = persona("investigator"), persona("federal_agent")
    ready_person(register, care, "P-001")
    interviewed = ready_person(register, care, "P-002")
    interview = encounters.interview_schedule(
        actor=federal,
        person=interviewed,
        interviewer=federal,
        role="investigator",
        location=rooms,
        starts_at=now - timedelta(minutes=90),
        minutes=30,
    )
    encounters.interview_conduct(actor=federal, interview=interview, notes="Recorded.")
    released = ready_person(register, care, "P-003")
    encounters.person_release(actor=investigator, person=released, outcome="released", reason="Went home")
    moved = ready_person(register, care, "P-004")
    encounters.person_release(
        actor=investigator, person=moved, outcome="transferred", reason="To child welfare"
    )
    mark()
    live = build_problem(operation, current_day(operation, now), now=now)
    assert [p.id for p in live.problem.persons] == ["P-001"]
    assert live.waiting == []


def test_only_the_marked_interviewers_interpreters_and_rooms_take_part(operation, persona, mark, now):
    mark(
        interviewers=("federal_agent", "forensic", "prosecutor"),
        interpreters=("interpreter",),
        rooms=("harbor-rooms-3", "cac-suite-2"),
        roles={"prosecutor": "prosecutor"},
    )
    problem = build_problem(operation, current_day(operation, now), now=now).problem
    interviewers = {i.id: i for i in problem.interviewers}
    assert set(interviewers) == {"fay.federal", "fern.forensic", "pat.prosecutor"}
    assert interviewers["fern.forensic"].role == "forensic_interviewer"
    assert interviewers["fay.federal"].languages == ["en", "es"]
    assert interviewers["fay.federal"].gender == "female"
    assert [t.id for t in problem.interpreters] == ["ines.interpreter"]
    assert [(r.id, r.location, r.private, r.nondetention) for r in problem.rooms] == [
        ("cac-suite-2", "cac-suite", True, True),
        ("harbor-rooms-3", "harbor-rooms", True, True),
    ]
    assert all(r.available == [(0, problem.horizon)] for r in problem.rooms)


def test_availability_refuses_what_cannot_take_part(operation, persona, coordinator, now):
    start, end = floor_slot(now), floor_slot(now) + timedelta(hours=8)
    with pytest.raises(ValidationFailed) as refused:
        services.availability_set(
            actor=coordinator,
            operation=operation,
            starts_at=start,
            ends_at=end,
            interview_minutes=60,
            interviewers=[
                Marked(persona("advocate"), start, end),
                Marked(persona("investigator"), start, end, role="forensic_interviewer"),
                Marked(persona("federal_agent"), end, start),
            ],
            interpreters=[
                Marked(persona("other_provider"), start, end),
                Marked(persona("investigator"), start, end),
            ],
            rooms=[RoomMarked("harbor-rooms-9", start, end)],
            now=now,
        )
    assert {p.path for p in refused.value.problems} == {
        "interviewers[0].user",
        "interviewers[1].role",
        "interviewers[2].available_until",
        "interpreters[0].user",  # a victim service provider is not an interpreter service
        "interpreters[1].user",  # already listed as an interviewer
        "rooms[0].room",
    }


def test_only_coordinators_of_agencies_writing_the_schedule_plan(operation, persona, now):
    start, end = floor_slot(now), floor_slot(now) + timedelta(hours=8)
    for key in ("investigator", "advocate", "forensic"):
        with pytest.raises(Forbidden):
            services.availability_set(
                actor=persona(key),
                operation=operation,
                starts_at=start,
                ends_at=end,
                interview_minutes=60,
                interviewers=[],
                interpreters=[],
                rooms=[],
                now=now,
            )


# --- plans and their acceptance --------------------------------------------------------------------------


def test_every_plan_keeps_every_rule(operation, register, care, persona, coordinator, mark, now):
    investigator = persona("investigator")
    ready_person(register, care, "P-001", interviewer_gender="female", priority="urgent")
    ready_person(register, care, "P-002", tags=("female", "minor"), languages=("en",), area=None)
    suspect = ready_person(register, care, "P-003", tags=("male", "adult"), area=None)
    encounters.designation_record(actor=investigator, person=suspect, status="suspect")
    victim = ready_person(register, care, "P-004", languages=("zh",))
    encounters.designation_record(actor=investigator, person=victim, status="potential_victim")
    ready_person(register, care, "P-005", languages=("es",), tags=("male", "adult"))
    mark(interviewers=("federal_agent", "forensic", "investigator"), interpreters=("interpreter",))
    made = plan(coordinator, operation, now)
    problem, schedule = documents(made)
    assert check_schedule(problem, schedule) == []
    assert made.status == PlanStatus.DRAFT
    # everyone is planned or said unscheduled, except the suspect: off the victim-care pathway (issue 13)
    assert {a.person for a in schedule.assignments} | {u.person for u in schedule.unscheduled} == {
        "P-001",
        "P-002",
        "P-004",
        "P-005",
    }
    assert suspect_left_out("P-003") in made.notes
    assert made.unscheduled_weight == schedule.cost.unscheduled_weight
    assert made.solver_status in ("optimal", "feasible")
    assert AuditRecord.objects.filter(event_type="schedule.planned", target_id=str(made.pk)).count() == 1
    # a second plan supersedes the draft
    again = plan(coordinator, operation, now)
    made.refresh_from_db()
    assert made.status == PlanStatus.SUPERSEDED
    assert again.status == PlanStatus.DRAFT


def test_accepting_creates_interviews_that_pass_the_guardrails(
    operation, register, care, persona, coordinator, mark, now
):
    ready_person(register, care, "P-001", interviewer_gender="female")
    ready_person(register, care, "P-002", tags=("female", "minor"), languages=("en",))
    ready_person(register, care, "P-003", languages=("zh",), tags=("male", "adult"))
    mark(interviewers=("federal_agent", "forensic"), interpreters=("interpreter",))
    made = plan(coordinator, operation, now)
    assert made.unscheduled_weight == 0
    # when
    services.schedule_accept(actor=coordinator, plan=made, now=now)
    # then
    made.refresh_from_db()
    assert made.status == PlanStatus.ACCEPTED
    assert made.accepted_by == coordinator
    interviews = {i.person.code: i for i in Interview.objects.filter(person__operation=operation)}
    assert set(interviews) == {"P-001", "P-002", "P-003"}
    problem = plan_documents(made)[0]
    for code, assignment in by_person(made).items():
        interview = interviews[code]
        assert interview.status == InterviewStatus.SCHEDULED
        assert interview.starts_at == problem.start + timedelta(minutes=15 * assignment["start"])
        assert interview.room == assignment["room"]
        assert interview.interviewer.username == assignment["interviewer"]
        assert (interview.interpreter.username if interview.interpreter else None) == assignment[
            "interpreter"
        ]
        assert interview.note_taker == interview.interviewer
        encounters.interview_guardrails(
            person=interview.person,
            interviewer=interview.interviewer,
            role=interview.role,
            location=interview.location,
            starts_at=interview.starts_at,
            minutes=interview.minutes,
            note_taker=interview.note_taker,
            interpreter=interview.interpreter,
            ignore=interview,
        )
    assert interviews["P-002"].role == "forensic_interviewer"
    assert interviews["P-003"].interpreter is not None
    accepted = AuditRecord.objects.get(event_type="schedule.accepted", target_id=str(made.pk))
    assert accepted.outcome == "success"
    with pytest.raises(RuleViolation):
        services.schedule_accept(actor=coordinator, plan=made, now=now)


def test_a_refusal_on_accepting_names_the_person_and_rule_and_stores_nothing(
    operation, register, care, coordinator, mark, now
):
    ready_person(register, care, "P-001")
    changed = ready_person(register, care, "P-002")
    mark(interviewers=("federal_agent",))
    made = plan(coordinator, operation, now)
    assert set(by_person(made)) == {"P-001", "P-002"}
    # given the person states a preference the planned interviewer does not meet, after the plan was made
    Person.objects.filter(pk=changed.pk).update(interviewer_gender="male")
    # when
    with pytest.raises(RuleViolation) as refused:
        services.schedule_accept(actor=coordinator, plan=made, now=now)
    # then
    assert refused.value.rule == "interview.gender-preference"
    assert "P-002" in refused.value.message
    assert not Interview.objects.filter(person__operation=operation).exists()
    made.refresh_from_db()
    assert made.status == PlanStatus.DRAFT
    failure = AuditRecord.objects.get(event_type="schedule.accepted", target_id=str(made.pk))
    assert failure.outcome == "failure"
    assert "interview.gender-preference" in failure.details
    assert not AuditRecord.objects.filter(event_type="interview.scheduled").exists()


def test_a_plan_whose_time_has_passed_is_not_accepted(operation, register, care, coordinator, mark, now):
    ready_person(register, care, "P-001")
    mark()
    made = plan(coordinator, operation, now)
    with pytest.raises(RuleViolation) as refused:
        services.schedule_accept(actor=coordinator, plan=made, now=now + timedelta(hours=3))
    assert refused.value.rule == "schedule.stale"
    assert not Interview.objects.exists()


# --- re-planning -----------------------------------------------------------------------------------------


def test_replanning_keeps_pinned_and_started_interviews_in_place(
    operation, register, care, persona, coordinator, mark, now
):
    for n in range(1, 6):
        ready_person(register, care, f"P-00{n}", languages=("en", "es"))
    mark(interviewers=("federal_agent", "investigator"), rooms=("harbor-rooms-1", "harbor-rooms-2"))
    first = plan(coordinator, operation, now)
    before = by_person(first)
    assert len(before) == 5
    earliest = min(before.values(), key=lambda a: (a["start"], a["person"]))
    latest = max(before.values(), key=lambda a: (a["start"], a["person"]))
    services.assignment_pin(actor=coordinator, plan=first, person=latest["person"])
    services.schedule_accept(actor=coordinator, plan=first, now=now)
    # when the earliest interview has started, and the plan is made again
    problem = plan_documents(first)[0]
    later = problem.start + timedelta(minutes=15 * earliest["start"] + 5)
    again = services.schedule_replan(actor=coordinator, plan=first, time_limit=LIMIT, now=later)
    # then
    after = by_person(again)
    started = sorted(a["person"] for a in before.values() if a["start"] == earliest["start"])
    assert again.started == started
    assert again.pinned == [latest["person"]]
    replanned, schedule = documents(again)
    assert check_schedule(replanned, schedule) == []
    fixed = {p.id: p.fixed for p in replanned.persons if p.fixed is not None}
    assert set(fixed) == {*started, latest["person"]}
    start_shift = (replanned.start - problem.start) // timedelta(minutes=15)
    for kept in [before[code] for code in started] + [latest]:
        moved = after[kept["person"]]
        assert moved["start"] + start_shift == kept["start"]
        assert moved["interviewer"] == kept["interviewer"]
        assert moved["room"] == kept["room"]
    # accepting the new plan leaves the started and pinned interview records as they were
    services.schedule_accept(actor=coordinator, plan=again, now=later)
    live = Interview.objects.filter(person__operation=operation, status=InterviewStatus.SCHEDULED)
    assert live.count() == 5
    for kept in [before[code] for code in started] + [latest]:
        record = live.get(person__code=kept["person"])
        assert record.starts_at == problem.start + timedelta(minutes=15 * kept["start"])


def test_a_gone_interviewer_gets_nothing_after_their_time(
    operation, register, care, persona, coordinator, mark, now
):
    for n in range(1, 7):
        ready_person(register, care, f"P-00{n}", languages=("en", "es"))
    any_investigator_for_adults(operation, coordinator)
    mark(interviewers=("federal_agent", "investigator"), rooms=("harbor-rooms-1", "harbor-rooms-2"))
    first = plan(coordinator, operation, now)
    problem = plan_documents(first)[0]
    assert any(a["interviewer"] == "ivy.investigator" and a["start"] >= 4 for a in by_person(first).values())
    # when the investigator leaves an hour after the start
    leaves = problem.start + timedelta(hours=1)
    services.interviewer_gone(
        actor=coordinator, operation=operation, user=persona("investigator"), gone_from=leaves, now=now
    )
    again = services.schedule_replan(actor=coordinator, plan=first, time_limit=LIMIT, now=now)
    # then
    replanned, schedule = documents(again)
    assert check_schedule(replanned, schedule) == []
    hers = [a for a in schedule.assignments if a.interviewer == "ivy.investigator"]
    assert hers, "she still interviews before she leaves"
    for assignment in hers:
        assert replanned.start + timedelta(minutes=15 * (assignment.start + 4)) <= leaves


def test_an_added_room_is_used(operation, register, care, coordinator, mark, rooms, now):
    for n in range(1, 3):
        ready_person(register, care, f"P-00{n}", languages=("en", "es"))
    any_investigator_for_adults(operation, coordinator)
    mark(interviewers=("federal_agent", "investigator"), rooms=("harbor-rooms-1",))
    first = plan(coordinator, operation, now)
    assert sorted(a["start"] for a in by_person(first).values()) == [0, 4]  # one room: one waits
    # when
    start = floor_slot(now)
    services.room_add(
        actor=coordinator,
        operation=operation,
        location=rooms,
        room="harbor-annex-1",
        available_from=start,
        available_until=start + timedelta(hours=8),
        now=now,
    )
    again = services.schedule_replan(actor=coordinator, plan=first, time_limit=LIMIT, now=now)
    # then
    after = by_person(again)
    assert sorted(a["start"] for a in after.values()) == [0, 0]
    assert {a["room"] for a in after.values()} == {"harbor-rooms-1", "harbor-annex-1"}
    assert again.weighted_wait == 0


def test_a_room_is_added_only_in_a_nondetention_setting(operation, coordinator, mark, now):
    mark()
    detention = operation.interview_locations.create(
        plan_id="county-jail", name="County jail interview room", setting="detention", private_rooms=1
    )
    start = floor_slot(now)
    with pytest.raises(RuleViolation) as refused:
        services.room_add(
            actor=coordinator,
            operation=operation,
            location=detention,
            room="county-jail-1",
            available_from=start,
            available_until=start + timedelta(hours=2),
            now=now,
        )
    assert refused.value.rule == "interview.nondetention"


# --- the interviewer's calendar --------------------------------------------------------------------------


def test_the_calendar_holds_exactly_that_interviewers_interviews_and_no_names(
    operation, register, care, persona, coordinator, mark, client_for, now
):
    ready_person(register, care, "P-001", languages=("en",))
    ready_person(register, care, "P-002", languages=("en",))
    ready_person(register, care, "P-003", tags=("female", "minor"), languages=("en",))
    any_investigator_for_adults(operation, coordinator)
    mark(interviewers=("investigator", "forensic"), rooms=("harbor-rooms-1", "harbor-rooms-2", "cac-suite-1"))
    made = plan(coordinator, operation, now)
    services.schedule_accept(actor=coordinator, plan=made, now=now)
    investigator = persona("investigator")
    hers = Interview.objects.filter(interviewer=investigator, status=InterviewStatus.SCHEDULED)
    assert hers.count() >= 1
    # when
    response = client_for("investigator").get(f"/operations/{operation.code}/interviews/mine.ics")
    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    calendar = Calendar.from_ical(response.content)
    events = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert {str(e["UID"]) for e in events} == {f"{i.pk}@haven" for i in hers}
    for event in events:
        interview = hers.get(pk=str(event["UID"]).split("@")[0])
        assert event.decoded("DTSTART") == interview.starts_at
        assert interview.person.code in str(event["SUMMARY"])
        assert interview.room in str(event["LOCATION"])
    for name in (u.name for u in User.objects.all()):
        assert name not in text
    assert "P-003" not in text  # the minor's interview is the forensic interviewer's
    exported = AuditRecord.objects.get(event_type="schedule.exported")
    assert exported.actor_label == investigator.username


def test_the_plan_page_shows_the_timeline_and_the_unscheduled(
    operation, register, care, coordinator, mark, client_for, now
):
    ready_person(register, care, "P-001")
    ready_person(register, care, "P-002", tags=("female", "minor"), languages=("ht",))
    register("P-003")
    mark()
    plan(coordinator, operation, now)
    page = client_for("coordinator").get(f"/operations/{operation.code}/interviews/plan/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "harbor-rooms-1" in html
    assert "P-001" in html
    assert "no forensic interviewer" in html  # P-002's reason
    assert "Waiting for care" in html
    assert "P-003" in html
    # a service provider reads the plan, without the forms and without who interviews
    reader = client_for("advocate").get(f"/operations/{operation.code}/interviews/plan/")
    assert reader.status_code == 200
    assert "Fay Federal" not in reader.content.decode()
    assert "Save availability" not in reader.content.decode()


def test_day_helpers() -> None:
    moment = datetime.fromisoformat("2026-12-03T10:07:00+00:00")
    assert floor_slot(moment).minute == 0
    assert ceil_slot(moment).minute == 15
    assert ceil_slot(floor_slot(moment)) == floor_slot(moment)


def test_no_plan_before_availability_is_marked(operation, coordinator, now):
    with pytest.raises(RuleViolation) as refused:
        plan(coordinator, operation, now)
    assert refused.value.rule == "schedule.no-day"
    assert Operation.objects.count() == 1


# --- what the page shows, to whom, and at what cost ------------------------------------------------------


def test_whom_someone_is_kept_apart_from_is_for_investigative_readers(operation, persona):
    from haven.operations.selectors import standing
    from haven.scheduling.selectors import redact_reason

    reason = (
        "every time an eligible investigator and a room are free, P-001 would be at the same location as "
        "P-002, P-007, from whom they must be kept apart"
    )
    note = "P-003's pin was released: it cannot be kept: P-003 must be kept apart from P-002, whose fixed"
    investigative = standing(persona("investigator"), operation)
    assert redact_reason(reason, investigative) == reason
    for key in ("advocate", "forensic", "interpreter"):
        reader = standing(persona(key), operation)
        assert "P-002" not in redact_reason(reason, reader)
        assert "same location as someone, from whom" in redact_reason(reason, reader)
        assert redact_reason(note, reader).endswith("kept apart from someone, whose fixed")


def test_a_pin_whose_interviewer_leaves_before_it_ends_is_released(
    operation, register, care, persona, coordinator, mark, now
):
    for n in range(1, 4):
        ready_person(register, care, f"P-00{n}", languages=("en", "es"))
    any_investigator_for_adults(operation, coordinator)
    mark(interviewers=("federal_agent", "investigator"))
    first = plan(coordinator, operation, now)
    hers = next(a for a in by_person(first).values() if a["interviewer"] == "ivy.investigator")
    services.assignment_pin(actor=coordinator, plan=first, person=hers["person"])
    problem = plan_documents(first)[0]
    services.interviewer_gone(
        actor=coordinator,
        operation=operation,
        user=persona("investigator"),
        gone_from=problem.start + timedelta(minutes=15 * hers["start"]),
        now=now,
    )
    again = services.schedule_replan(actor=coordinator, plan=first, time_limit=LIMIT, now=now)
    assert again.pinned == []
    assert any(note.startswith(f"{hers['person']}'s pin") and "left at" in note for note in again.notes)
    assert by_person(again)[hers["person"]]["interviewer"] != "ivy.investigator"
    # the note names who left: for those who see who interviews, not for a provider reading the plan
    from haven.operations.selectors import standing
    from haven.scheduling.selectors import plan_view

    assert plan_view(standing(coordinator, operation), again).notes == list(again.notes)
    assert plan_view(standing(persona("advocate"), operation), again).notes == []


def test_only_the_newest_plan_is_replanned_pinned_or_accepted(
    operation, register, care, coordinator, mark, now
):
    ready_person(register, care, "P-001")
    mark()
    first = plan(coordinator, operation, now)
    plan(coordinator, operation, now)
    first.refresh_from_db()
    for attempt in (
        lambda: services.schedule_replan(actor=coordinator, plan=first, time_limit=LIMIT, now=now),
        lambda: services.assignment_pin(actor=coordinator, plan=first, person="P-001"),
        lambda: services.schedule_accept(actor=coordinator, plan=first, now=now),
    ):
        with pytest.raises(RuleViolation) as refused:
            attempt()
        assert refused.value.rule == "schedule.superseded"


def test_the_plan_page_is_one_audit_event_and_its_queries_do_not_grow_with_the_plan(
    operation, register, care, coordinator, mark, client_for, now
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("coordinator")
    url = f"/operations/{operation.code}/interviews/plan/"
    mark(interviewers=("federal_agent", "investigator", "forensic"))

    def queries_with(count: int) -> int:
        for n in range(count):
            code = f"P-{n + 1:03d}"
            if not Person.objects.filter(operation=operation, code=code).exists():
                ready_person(register, care, code, languages=("en", "es"))
        plan(coordinator, operation, now)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = queries_with(2)
    viewed = AuditRecord.objects.filter(event_type="schedule.viewed").count()
    many = queries_with(8)
    assert few == many
    assert AuditRecord.objects.filter(event_type="schedule.viewed").count() == viewed + 1


def test_planning_from_the_page_starts_a_run_and_the_page_follows_it_to_the_plan(
    operation, register, care, mark, client_for, settings, django_capture_on_commit_callbacks
):
    """Issue 14: the request that starts planning returns at once, with the run's progress; the worker
    solves it (here the tests' immediate backend, when the transaction commits); the progress endpoint then
    sends the page to the plan."""
    settings.HAVEN_SCHEDULE_TIME_LIMIT = LIMIT
    ready_person(register, care, "P-001")
    client = client_for("coordinator")
    base = f"/operations/{operation.code}/interviews/plan/"
    # before availability is marked, planning is refused with the reason, in the request
    refused = client.post(base + "solve/", headers={"HX-Request": "true"})
    assert refused.status_code == 422
    assert "Mark who is available today first" in refused.content.decode()
    mark()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        answered = client.post(base + "solve/", headers={"HX-Request": "true"})
    assert answered.status_code == 200
    page = answered.content.decode()
    assert 'id="plan-result"' in page
    assert 'id="plan-progress"' in page
    assert "waiting for the worker to start" in page
    assert not InterviewPlan.objects.exists()  # nothing was solved in the request
    run = SolveRun.objects.get()
    assert run.status == SolveStatus.QUEUED
    status_url = base + f"runs/{run.pk}/"
    polled = client.get(status_url, headers={"HX-Request": "true"})
    assert polled.status_code == 200
    assert "waiting for the worker" in polled.content.decode()
    assert len(queued) == 1
    queued[0]()  # the worker's turn: the task solves the run
    run.refresh_from_db()
    assert run.status == SolveStatus.DONE
    made = InterviewPlan.objects.get()
    assert run.plan == made
    done = client.get(status_url, headers={"HX-Request": "true"})
    assert done["HX-Redirect"].endswith("?saved=planned#plan-result")
    assert "Planned." in client.get(done["HX-Redirect"]).content.decode()
    # without JavaScript: back to the page, at the plan, where the run's progress is shown
    with django_capture_on_commit_callbacks(execute=False):
        again = client.post(f"/operations/{operation.code}/interviews/plans/{made.pk}/replan/")
    assert again.status_code == 303
    assert again["Location"].endswith("/interviews/plan/#plan-result")
    assert SolveRun.objects.get(status=SolveStatus.QUEUED).previous == made
    assert "Planning the interviews" in client.get(again["Location"]).content.decode()


def test_a_second_start_while_a_run_is_under_way_joins_it(operation, register, care, mark, persona):
    ready_person(register, care, "P-001")
    mark()
    coordinator = persona("coordinator")
    first = services.schedule_solve_start(actor=coordinator, operation=operation, time_limit=LIMIT)
    second = services.schedule_solve_start(actor=coordinator, operation=operation, time_limit=LIMIT)
    assert first == second
    assert SolveRun.objects.count() == 1


def test_a_run_refused_by_the_time_it_is_solved_says_why_on_the_page(
    operation, register, care, mark, persona, client_for
):
    ready_person(register, care, "P-001")
    mark()
    coordinator = persona("coordinator")
    run = services.schedule_solve_start(actor=coordinator, operation=operation, time_limit=LIMIT)
    # the day's window is gone by the time the worker gets to it
    gone = timezone.now() - timedelta(minutes=1)
    PlanningDay.objects.update(starts_at=gone - timedelta(hours=8), ends_at=gone)
    services.schedule_solve_run(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == SolveStatus.REFUSED
    assert "Mark who is available today first" in run.message
    client = client_for("coordinator")
    polled = client.get(
        f"/operations/{operation.code}/interviews/plan/runs/{run.pk}/", headers={"HX-Request": "true"}
    )
    page = client.get(polled["HX-Redirect"]).content.decode()
    assert "Mark who is available today first" in page


def test_the_availability_form_saves_and_refuses_with_the_field(operation, persona, client_for):
    client = client_for("coordinator")
    url = f"/operations/{operation.code}/interviews/plan/availability/"
    fay = persona("federal_agent")
    key = f"iv_{fay.pk.hex}"
    start = floor_slot(timezone.now())
    # times are typed as the page shows them: in the operation's own offset (-05:00 in this plan)
    local = zone(operation.utc_offset_minutes)
    assert operation.utc_offset_minutes == -300
    data = {
        "day_from": f"{start.astimezone(local):%H:%M}",
        "day_until": f"{(start + timedelta(hours=8)).astimezone(local):%H:%M}",
        "interview_minutes": "60",
        key: "on",
        f"{key}_role": "investigator",
        f"{key}_from": f"{(start + timedelta(hours=1)).astimezone(local):%H:%M}",
        "rm_harbor-rooms-1": "on",
    }
    assert client.post(url, data).status_code == 303
    day = current_day(operation, timezone.now())
    assert day is not None
    assert day.starts_at == start
    assert day.ends_at == start + timedelta(hours=8)
    availability = day.availabilities.get()
    assert (availability.user, availability.role) == (fay, "investigator")
    assert availability.available_from == start + timedelta(hours=1)
    assert availability.available_until == day.ends_at
    assert [r.room for r in day.rooms.all()] == ["harbor-rooms-1"]
    # a role the interviewer does not hold is refused next to the field
    refused = client.post(url, {**data, f"{key}_role": "forensic_interviewer"})
    assert refused.status_code == 400
    assert "forensic_interviewer is not one of the available choices" in refused.content.decode()


# --- acceptance against what changed since the plan was made -------------------------------------------


def test_a_forensic_coordinator_plans_but_an_investigative_coordinator_accepts(
    operation, register, care, coordinator, mark, now, client_for
):
    """Accepting books and cancels every agency's interviewers' interviews, which access-policy.md leaves
    to investigative agencies; a forensic interview provider's coordinator plans, and is told who accepts."""
    from tests.reports.builders import coordinator_of

    ready_person(register, care, "P-001")
    mark()
    cac = coordinator_of("county-cac")
    made = plan(cac, operation, now)
    with pytest.raises(Forbidden, match="A coordinator of an investigative agency accepts the plan"):
        services.schedule_accept(actor=cac, plan=made, now=now)
    assert not Interview.objects.filter(person__operation=operation).exists()
    from django.test import Client

    from haven.accounts import services as accounts
    from tests.personas import secret_for, sign_in

    accounts.second_factor_provision(actor=None, user=cac, secret_base32=secret_for(cac.username))
    browser = Client()
    sign_in(browser, cac)
    page = browser.get(f"/operations/{operation.code}/interviews/plan/").content.decode()
    assert "Re-plan" in page
    assert "Accept the plan" not in page
    assert "A coordinator of an investigative agency accepts the plan" in page
    services.schedule_accept(actor=coordinator, plan=made, now=now)
    assert (
        Interview.objects.filter(person__operation=operation, status=InterviewStatus.SCHEDULED).count() == 1
    )


def test_a_plan_is_not_accepted_once_an_interviewer_left_before_one_of_their_interviews_ends(
    operation, register, care, persona, coordinator, mark, now
):
    for n in range(1, 4):
        ready_person(register, care, f"P-00{n}")
    mark(interviewers=("federal_agent",))
    made = plan(coordinator, operation, now)
    problem = plan_documents(made)[0]
    last = max(by_person(made).values(), key=lambda a: a["start"])
    leaves = problem.start + timedelta(minutes=15 * (last["start"] + 1))  # during their last interview
    services.interviewer_gone(
        actor=coordinator, operation=operation, user=persona("federal_agent"), gone_from=leaves, now=now
    )
    with pytest.raises(RuleViolation, match=r"left at .*, after this plan was made") as refused:
        services.schedule_accept(actor=coordinator, plan=made, now=now)
    assert refused.value.rule == "schedule.stale"
    assert not Interview.objects.filter(person__operation=operation).exists()


def test_someone_who_leaves_between_quarter_hours_is_given_nothing_that_ends_after_it(
    operation, register, care, persona, coordinator, mark, now
):
    ready_person(register, care, "P-001")
    mark(interviewers=("federal_agent", "investigator"))
    first = plan(coordinator, operation, now)
    start = plan_documents(first)[0].start
    leaves = start + timedelta(hours=1, minutes=5)
    services.interviewer_gone(
        actor=coordinator, operation=operation, user=persona("investigator"), gone_from=leaves, now=now
    )
    again = services.schedule_replan(actor=coordinator, plan=first, time_limit=LIMIT, now=now)
    problem = plan_documents(again)[0]
    [hers] = [i for i in problem.interviewers if i.id == "ivy.investigator"]
    assert max(end for _start, end in hers.available) * 15 <= 65  # up to 1:00, not 1:15


def test_accepting_leaves_an_interview_on_another_day_of_someone_the_plan_does_not_book(
    operation, register, care, persona, coordinator, mark, rooms, now
):
    ready_person(register, care, "P-001")
    other_day = encounters.interview_schedule(
        actor=persona("federal_agent"),
        person=ready_person(register, care, "P-002", languages=("zh",)),  # nobody speaks Chinese today
        interviewer=persona("federal_agent"),
        role="investigator",
        location=rooms,
        starts_at=floor_slot(now) + timedelta(days=2),
        minutes=60,
        interpreter=persona("interpreter"),  # rule 4: Fay speaks English and Spanish, Ines Chinese too
    )
    mark(interviewers=("federal_agent",))
    made = plan(coordinator, operation, now)
    assert "P-002" not in by_person(made)
    services.schedule_accept(actor=coordinator, plan=made, now=now)
    other_day.refresh_from_db()
    assert other_day.status == InterviewStatus.SCHEDULED


def test_the_pin_that_clashes_with_an_interview_under_way_is_the_one_found_to_release() -> None:
    """When a pin and an interview under way cannot both be kept, the pin gives way: the clash is found
    by time and by a shared interviewer, interpreter or room, whichever of the two the solver names."""
    from types import SimpleNamespace

    from haven.scheduling.live import _pin_against

    def fixed(start: int, interviewer: str, room: str, interpreter: str | None = None) -> dict[str, Any]:
        return {"start": start, "interviewer": interviewer, "room": room, "interpreter": interpreter}

    draft = SimpleNamespace(
        persons={
            "P-007": {"fixed": fixed(4, "dmensah", "r1"), "duration": 4},  # under way, slots 4–7
            "P-010": {"fixed": fixed(6, "dmensah", "r2"), "duration": 4},  # pinned: same interviewer
            "P-011": {"fixed": fixed(8, "dmensah", "r1"), "duration": 4},  # pinned: after it ends
            "P-012": {"fixed": fixed(5, "lnguyen", "r3", "wchen"), "duration": 4},  # pinned: nothing shared
        }
    )
    assert _pin_against(draft, "P-007", {"P-011": 1, "P-012": 1}) is None
    assert _pin_against(draft, "P-007", {"P-011": 1, "P-012": 1, "P-010": 1}) == "P-010"
    draft.persons["P-012"]["fixed"]["room"] = "r1"  # now the same room at an overlapping time
    assert _pin_against(draft, "P-007", {"P-012": 1}) == "P-012"


def test_saving_availability_over_another_coordinator_s_change_is_refused_and_keeps_their_room(
    operation, persona, coordinator, mark, rooms, now, client_for
):
    """Tab 1 opens the page; tab 2 adds a room; tab 1 saves: the added room was deleted without a word."""
    import re

    mark(interviewers=("federal_agent",))
    client = client_for("coordinator")
    page = client.get(f"/operations/{operation.code}/interviews/plan/").content.decode()
    opened = re.search(r'name="version" value="([^"]+)"', page)
    assert opened is not None
    day = current_day(operation, now)
    assert day is not None
    services.room_add(
        actor=coordinator,
        operation=operation,
        location=rooms,
        room="harbor-annex-1",
        available_from=day.starts_at,
        available_until=day.ends_at,
        now=now,
    )
    local = zone(operation.utc_offset_minutes)
    form = {
        "version": opened.group(1),
        "day_from": f"{day.starts_at.astimezone(local):%H:%M}",
        "day_until": f"{day.ends_at.astimezone(local):%H:%M}",
        "interview_minutes": "60",
        "rm_harbor-rooms-1": "on",
    }
    refused = client.post(f"/operations/{operation.code}/interviews/plan/availability/", form)
    assert refused.status_code == 409
    assert "Someone else changed today" in refused.content.decode()
    assert day.rooms.filter(room="harbor-annex-1").exists()
    assert day.availabilities.count() == 1
    reloaded = client.get(f"/operations/{operation.code}/interviews/plan/").content.decode()
    fresh = re.search(r'name="version" value="([^"]+)"', reloaded)
    assert fresh is not None
    saved = client.post(
        f"/operations/{operation.code}/interviews/plan/availability/", {**form, "version": fresh.group(1)}
    )
    assert saved.status_code == 303


# --- imminent danger comes first (issue 13) --------------------------------------------------------------

DANGER = "P-007 has an open imminent-danger flag: respond to it first"


def test_a_person_with_an_open_danger_flag_is_not_planned_until_someone_responds(
    operation, register, care, persona, coordinator, mark, client_for, now
):
    """Issue 13: the planner scheduled a child whose imminent-danger flag had no response."""
    ready_person(register, care, "P-001")
    child = ready_person(
        register, care, "P-007", tags=("female", "minor"), languages=("en",), priority="urgent"
    )
    flag = encounters.danger_flag(actor=persona("advocate"), person=child)
    mark(interviewers=("federal_agent", "forensic"))
    # when
    made = plan(coordinator, operation, now)
    # then the child is left out of the problem, with the reason, and the coordinator reads it on the page
    problem = documents(made)[0]
    assert [p.id for p in problem.persons] == ["P-001"]
    assert made.held == [{"person": "P-007", "reason": DANGER, "priority": "urgent"}]
    html = client_for("coordinator").get(f"/operations/{operation.code}/interviews/plan/").content.decode()
    assert DANGER in html
    assert "Not scheduled (1)" in html
    # once someone responds to the flag, the next plan schedules the child
    encounters.danger_respond(actor=persona("investigator"), flag=flag, response="Officer posted at the door")
    again = plan(coordinator, operation, now)
    assert again.held == []
    assert set(by_person(again)) == {"P-001", "P-007"}


def test_accepting_refuses_a_person_flagged_since_the_plan_was_made_and_stores_nothing(
    operation, register, care, persona, coordinator, mark, now
):
    ready_person(register, care, "P-001")
    flagged = ready_person(register, care, "P-007")
    mark()
    made = plan(coordinator, operation, now)
    assert set(by_person(made)) == {"P-001", "P-007"}
    encounters.danger_flag(actor=persona("advocate"), person=flagged)
    with pytest.raises(RuleViolation, match=DANGER) as refused:
        services.schedule_accept(actor=coordinator, plan=made, now=now)
    assert refused.value.rule == "interview.danger-open"
    assert not Interview.objects.filter(person__operation=operation).exists()
    made.refresh_from_db()
    assert made.status == PlanStatus.DRAFT


def test_an_interview_booked_before_the_flag_is_neither_kept_nor_planned_while_it_is_open(
    operation, register, care, persona, coordinator, mark, now
):
    """An interview that would stay exactly as planned passes the same check, and a held person's interview
    that has not started makes way, as an unscheduled person's does."""
    ready_person(register, care, "P-001")
    flagged = ready_person(register, care, "P-007")
    mark()
    first = plan(coordinator, operation, now)
    services.schedule_accept(actor=coordinator, plan=first, now=now)
    booked = Interview.objects.get(person=flagged, status=InterviewStatus.SCHEDULED)
    again = plan(coordinator, operation, now)  # the booked interviews stay where they are
    flag = encounters.danger_flag(actor=persona("advocate"), person=flagged)
    with pytest.raises(RuleViolation) as refused:
        services.schedule_accept(actor=coordinator, plan=again, now=now)
    assert refused.value.rule == "interview.danger-open"
    # re-planned while the flag is open: held, and accepting cancels the interview booked before the flag
    held = plan(coordinator, operation, now)
    assert [h["person"] for h in held.held] == ["P-007"]
    services.schedule_accept(actor=coordinator, plan=held, now=now)
    booked.refresh_from_db()
    assert booked.status == InterviewStatus.CANCELLED
    encounters.danger_respond(actor=persona("advocate"), flag=flag, response="Moved to a safe room")
    assert "P-007" in by_person(plan(coordinator, operation, now))


# --- the plan says who interviews whom (issue 13) ---------------------------------------------------------


def test_the_plans_interviews_section_says_who_interviews_whom(
    operation, register, care, coordinator, mark, client_for, now
):
    """Issue 13: the planner gave an adult to a prosecutor where the plan says adults are interviewed by HSI
    investigators. The example plan: adults by investigators of hsi, minors by forensic interviewers of
    county-cac. A person whose age is not recorded gets the minors' entry."""
    for code in ("P-001", "P-002", "P-003"):
        ready_person(register, care, code, languages=("en",))
    ready_person(register, care, "P-004", tags=("female",), languages=("en",))
    mark(
        interviewers=("federal_agent", "investigator", "prosecutor", "forensic"),
        roles={"prosecutor": "prosecutor"},
    )
    live = build_problem(operation, current_day(operation, now), now=now)
    persons = {p.id: p for p in live.problem.persons}
    assert persons["P-001"].eligible_interviewers == ["fay.federal"]
    assert persons["P-004"].eligible_interviewers == ["fern.forensic"]
    # when
    made = plan(coordinator, operation, now)
    # then only the HSI investigator interviews the adults, though the others were free sooner
    placed = by_person(made)
    assert {placed[code]["interviewer"] for code in ("P-001", "P-002", "P-003")} == {"fay.federal"}
    assert placed["P-004"]["interviewer"] == "fern.forensic"
    # the coordinator reads why on the page; a provider, who gets the service briefing, does not
    url = f"/operations/{operation.code}/interviews/plan/"
    said = (
        "Adults: interviewed by investigators of Homeland Security Investigations, Metro office "
        "(the plan&#x27;s interviews section)."
    )
    assert said in client_for("coordinator").get(url).content.decode()
    assert "Homeland Security" not in client_for("advocate").get(url).content.decode()
    services.schedule_accept(actor=coordinator, plan=made, now=now)
    booked = Interview.objects.filter(person__operation=operation).select_related("interviewer__agency")
    assert {(i.person.code, i.interviewer.agency.slug, i.role) for i in booked} == {
        ("P-001", "hsi", "investigator"),
        ("P-002", "hsi", "investigator"),
        ("P-003", "hsi", "investigator"),
        ("P-004", "county-cac", "forensic_interviewer"),
    }


def test_an_entry_without_an_agency_allows_any_and_a_missing_entry_leaves_the_rules_alone(
    operation, register, care, coordinator, mark, now
):
    ready_person(register, care, "P-001", languages=("en",))
    ready_person(register, care, "P-002", tags=("female", "minor"), languages=("en",))
    mark(
        interviewers=("federal_agent", "investigator", "prosecutor", "forensic"),
        roles={"prosecutor": "prosecutor"},
    )
    amend_interviews(operation, coordinator, [{"population": "adult", "conducted_by": "prosecutor"}])
    persons = {
        p.id: p for p in build_problem(operation, current_day(operation, now), now=now).problem.persons
    }
    assert persons["P-001"].eligible_interviewers == ["pat.prosecutor"]
    assert persons["P-002"].eligible_interviewers is None  # no entry for minors: a forensic interviewer, any
    amend_interviews(operation, coordinator, [])
    persons = {
        p.id: p for p in build_problem(operation, current_day(operation, now), now=now).problem.persons
    }
    assert persons["P-001"].eligible_interviewers is None


def test_a_minor_whose_entry_names_no_forensic_interviewer_is_not_scheduled_and_told_why(
    operation, register, care, coordinator, mark, now
):
    ready_person(register, care, "P-001", tags=("male", "minor"), languages=("en",))
    mark(interviewers=("federal_agent", "forensic"))
    amend_interviews(
        operation, coordinator, [{"population": "minor", "conducted_by": "investigator", "agency": "hsi"}]
    )
    made = plan(coordinator, operation, now)
    assert by_person(made) == {}
    assert made.schedule["unscheduled"] == [
        {"person": "P-001", "reason": "no forensic interviewer eligible for P-001 is available"}
    ]


def test_accepting_refuses_a_plan_the_amended_plan_no_longer_allows(
    operation, register, care, coordinator, mark, now
):
    ready_person(register, care, "P-001", languages=("en",))
    mark(
        interviewers=("federal_agent", "prosecutor"),
        roles={"prosecutor": "prosecutor"},
    )
    made = plan(coordinator, operation, now)
    assert by_person(made)["P-001"]["interviewer"] == "fay.federal"
    amend_interviews(
        operation, coordinator, [{"population": "adult", "conducted_by": "prosecutor", "agency": "county-da"}]
    )
    with pytest.raises(RuleViolation, match="the plan's interviews section") as refused:
        services.schedule_accept(actor=coordinator, plan=made, now=now)
    assert refused.value.rule == "schedule.plan-interviewer"
    assert not Interview.objects.filter(person__operation=operation).exists()


# --- where minors are interviewed (issue 13) --------------------------------------------------------------


def test_minors_are_interviewed_where_the_day_says_and_adults_elsewhere(
    operation, register, care, coordinator, mark, now
):
    """Issue 13: a minor's forensic interview was put in a room at Harbor Center while the Child Advocacy
    Center's suites were free. The plan cannot say where minors are interviewed (operation-plan.md has no
    such field), so the coordinator says it with today's availability: minors in the rooms of the locations
    ticked for them, adults elsewhere."""
    ready_person(register, care, "P-001", tags=("female", "minor"), languages=("en",))
    ready_person(register, care, "P-002", tags=("male",), languages=("en",))  # age not recorded: a minor
    ready_person(register, care, "P-003", languages=("en",))
    mark(
        interviewers=("federal_agent", "forensic"),
        rooms=("harbor-rooms-1", "harbor-rooms-2", "cac-suite-1"),
        minors_at=("cac-suite",),
    )
    persons = {
        p.id: p for p in build_problem(operation, current_day(operation, now), now=now).problem.persons
    }
    assert persons["P-001"].eligible_rooms == ["cac-suite-1"]
    assert persons["P-002"].eligible_rooms == ["cac-suite-1"]
    assert persons["P-003"].eligible_rooms == ["harbor-rooms-1", "harbor-rooms-2"]
    # when
    placed = by_person(plan(coordinator, operation, now))
    # then the minors wait for the suite rather than take a free room at Harbor Center
    assert placed["P-001"]["room"] == placed["P-002"]["room"] == "cac-suite-1"
    assert placed["P-003"]["room"].startswith("harbor-rooms-")


def test_without_a_location_for_minors_anyone_is_interviewed_in_any_room(
    operation, register, care, coordinator, mark, now
):
    ready_person(register, care, "P-001", tags=("female", "minor"), languages=("en",))
    mark(interviewers=("forensic",), rooms=("harbor-rooms-1", "cac-suite-1"))
    assert current_day(operation, now).minor_locations.count() == 0
    persons = build_problem(operation, current_day(operation, now), now=now).problem.persons
    assert [p.eligible_rooms for p in persons] == [None]


def test_a_location_for_minors_is_a_nondetention_location_of_the_operation(
    operation, persona, coordinator, now
):
    start, end = floor_slot(now), floor_slot(now) + timedelta(hours=8)
    cell = InterviewLocation.objects.create(
        operation=operation, plan_id="precinct-4", name="Precinct 4 interview room", setting="detention"
    )
    elsewhere = make_operation(changes={"operation.code": "NL-OTHER-1"}).interview_locations.first()
    with pytest.raises(ValidationFailed) as refused:
        services.availability_set(
            actor=coordinator,
            operation=operation,
            starts_at=start,
            ends_at=end,
            interview_minutes=60,
            interviewers=[Marked(persona("forensic"), start, end)],
            interpreters=[],
            rooms=[RoomMarked("cac-suite-1", start, end)],
            minor_locations=[cell, elsewhere],
            now=now,
        )
    assert [(p.path, p.message) for p in refused.value.problems] == [
        ("minor_locations[0]", "is a nondetention interview location of this operation's plan"),
        ("minor_locations[1]", "is a nondetention interview location of this operation's plan"),
    ]
    assert current_day(operation, now) is None


def test_the_availability_form_marks_where_minors_are_interviewed(operation, persona, client_for):
    client = client_for("coordinator")
    url = f"/operations/{operation.code}/interviews/plan/"
    page = client.get(url).content.decode()
    assert "Where minors are interviewed" in page
    assert 'name="minors_at" value="cac-suite"' in page
    start = floor_slot(timezone.now())
    local = zone(operation.utc_offset_minutes)
    saved = client.post(
        url + "availability/",
        {
            "day_from": f"{start.astimezone(local):%H:%M}",
            "day_until": f"{(start + timedelta(hours=8)).astimezone(local):%H:%M}",
            "interview_minutes": "60",
            "rm_cac-suite-1": "on",
            "minors_at": ["cac-suite"],
        },
    )
    assert saved.status_code == 303
    day = current_day(operation, timezone.now())
    assert [location.plan_id for location in day.minor_locations.all()] == ["cac-suite"]
    again = client.get(url).content.decode()
    assert 'name="minors_at" value="cac-suite" id="av_minors_at_0" checked' in again
    assert 'name="minors_at" value="harbor-rooms" id="av_minors_at_1">' in again


def test_an_interview_booked_by_hand_keeps_the_days_rooms_for_minors(
    operation, register, care, persona, mark, now
):
    """The day's rooms for minors bind an interview booked by hand as they bind the planner: a minor (or a
    person whose age is not recorded) only at the locations ticked for minors, an adult only elsewhere;
    a time outside any planning day is not bound by one."""
    minor = ready_person(register, care, "P-001", tags=("female", "minor"), languages=("en",))
    unknown_age = ready_person(register, care, "P-002", tags=("male",), languages=("en",))
    adult = ready_person(register, care, "P-003", languages=("en",))
    mark(
        interviewers=("federal_agent", "forensic"),
        rooms=("harbor-rooms-1", "cac-suite-1"),
        minors_at=("cac-suite",),
    )
    harbor = operation.interview_locations.get(plan_id="harbor-rooms")
    cac = operation.interview_locations.get(plan_id="cac-suite")
    forensic, agent = persona("forensic"), persona("federal_agent")
    at = floor_slot(now) + timedelta(hours=1)

    def book(
        person: Person, interviewer: User, role: str, location: InterviewLocation, when: datetime
    ) -> Interview:
        return encounters.interview_schedule(
            actor=interviewer,
            person=person,
            interviewer=interviewer,
            role=role,
            location=location,
            starts_at=when,
            minutes=60,
        )

    for child in (minor, unknown_age):
        with pytest.raises(RuleViolation) as refused:
            book(child, forensic, "forensic_interviewer", harbor, at)
        assert refused.value.rule == "interview.minor-room"
        assert child.code in refused.value.message
        assert cac.name in refused.value.message
    with pytest.raises(RuleViolation) as refused:
        book(adult, agent, "investigator", cac, at)
    assert refused.value.rule == "interview.minor-room"
    assert not Interview.objects.filter(person__operation=operation).exists()
    # where the day says, each is booked; and on a day with no planning day, anywhere
    assert book(minor, forensic, "forensic_interviewer", cac, at).location == cac
    assert book(adult, agent, "investigator", harbor, at).location == harbor
    assert (
        book(unknown_age, forensic, "forensic_interviewer", harbor, at + timedelta(days=2)).location == harbor
    )


def test_accepting_refuses_a_room_the_day_no_longer_allows(operation, register, care, coordinator, mark, now):
    ready_person(register, care, "P-001", tags=("female", "minor"), languages=("en",))
    mark(interviewers=("forensic",), rooms=("harbor-rooms-1",))
    made = plan(coordinator, operation, now)
    assert by_person(made)["P-001"]["room"] == "harbor-rooms-1"
    mark(interviewers=("forensic",), rooms=("harbor-rooms-1", "cac-suite-1"), minors_at=("cac-suite",))
    with pytest.raises(RuleViolation, match="re-plan") as refused:
        services.schedule_accept(actor=coordinator, plan=made, now=now)
    assert refused.value.rule == "schedule.minor-room"
    assert not Interview.objects.filter(person__operation=operation).exists()


def test_a_pin_the_plan_no_longer_allows_is_released(operation, register, care, coordinator, mark, now):
    for n in range(1, 3):
        ready_person(register, care, f"P-00{n}", languages=("en", "es"))
    any_investigator_for_adults(operation, coordinator)
    mark(interviewers=("federal_agent", "investigator"))
    first = plan(coordinator, operation, now)
    hers = next(a for a in by_person(first).values() if a["interviewer"] == "ivy.investigator")
    services.assignment_pin(actor=coordinator, plan=first, person=hers["person"])
    # when the plan is amended back: adults by investigators of hsi
    amend_interviews(
        operation, coordinator, [{"population": "adult", "conducted_by": "investigator", "agency": "hsi"}]
    )
    again = services.schedule_replan(actor=coordinator, plan=first, time_limit=LIMIT, now=now)
    # then
    assert again.pinned == []
    assert any(
        note.startswith(f"{hers['person']}'s pin was released")
        and "interviewer ivy.investigator is not one of the interviewers eligible" in note
        for note in again.notes
    ), again.notes
    assert {a["interviewer"] for a in by_person(again).values()} == {"fay.federal"}


def test_the_plan_page_speaks_a_coordinators_words_not_the_solvers_costs(
    operation, register, care, coordinator, mark, client_for, now
):
    """Issue 14: who is scheduled, who is left out and why, the average wait, whether the plan is the best
    possible — not "unscheduled weight · weighted wait · lower bound"."""
    ready_person(register, care, "P-001")
    ready_person(register, care, "P-002", tags=("female", "minor"), languages=("ht",))
    mark()
    made = plan(coordinator, operation, now)
    html = client_for("coordinator").get(f"/operations/{operation.code}/interviews/plan/").content.decode()
    summary = html[html.index('class="sched-summary"') :]
    summary = summary[: summary.index("</ul>")]
    assert "1 person scheduled; 1 person left out: P-002." in summary
    assert "P-002: no forensic interviewer" in summary
    assert re.search(r"The wait for an interview is \d+ (h|min)", summary)
    expected = "This is the best possible plan." if made.solver_status == "optimal" else "plan"
    assert expected in summary
    for jargon in ("unscheduled weight", "weighted wait", "lower bound", "quarter hours"):
        assert jargon not in html


def test_the_day_window_defaults_to_the_operations_period(operation, client_for):
    """Issue 14: before the day is saved, its window is the operation's (05:00–11:00 on its clock for this
    plan, started three hours ago), not "now + 10 hours"."""
    html = client_for("coordinator").get(f"/operations/{operation.code}/interviews/plan/").content.decode()
    local = zone(operation.utc_offset_minutes)
    assert f'name="day_from" value="{floor_slot(operation.starts_at).astimezone(local):%H:%M}"' in html
    assert f'name="day_until" value="{ceil_slot(operation.ends_at).astimezone(local):%H:%M}"' in html


def test_a_suspect_is_never_planned_as_a_victim_interview_nor_listed_as_waiting_for_care(
    operation, register, care, persona, mark, now
):
    # given: two persons designated suspect — one cared for before the designation, one never — and a victim
    investigator = persona("investigator")
    cared_for = ready_person(register, care, "P-001", tags=("male", "adult"), area=None)
    uncared = register("P-002", tags=("male", "adult"), area=None)
    victim = ready_person(register, care, "P-003")
    for suspect in (cared_for, uncared):
        encounters.designation_record(actor=investigator, person=suspect, status="suspect")
    encounters.designation_record(actor=investigator, person=victim, status="potential_victim")
    mark()
    # when
    live = build_problem(operation, current_day(operation, now), now=now)
    # then: suspects leave the victim-care pathway (issue 13): not planned, not waiting, and the plan says so
    assert [p.id for p in live.problem.persons] == ["P-003"]
    assert [w.person for w in live.waiting] == []
    assert [n for n in live.notes if "suspect" in n] == [
        "P-001 is designated suspect: left out of the plan, which holds victim-centered interviews; a "
        "suspect's interview is booked by hand and recorded as such.",
        "P-002 is designated suspect: left out of the plan, which holds victim-centered interviews; a "
        "suspect's interview is booked by hand and recorded as such.",
    ]
    # and a designation changed back brings the person back (bonded victims exist)
    encounters.designation_record(actor=investigator, person=cared_for, status="potential_victim")
    again = build_problem(operation, current_day(operation, now), now=now)
    assert sorted(p.id for p in again.problem.persons) == ["P-001", "P-003"]
