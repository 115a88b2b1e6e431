"""Each guardrail refusing, and the same action allowed once its precondition holds."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from haven.audit.models import AuditRecord
from haven.core.errors import Forbidden, RuleViolation, ValidationFailed
from haven.encounters import services
from haven.encounters.models import InterviewStatus, SeparationAlert
from haven.operations.models import InterviewLocation
from tests.operations.fixtures import make_operation

pytestmark = pytest.mark.django_db


def _schedule(
    persona, person, rooms, t0, *, who="federal_agent", role="investigator", minutes_after=120, **kw
):
    return services.interview_schedule(
        actor=persona(who),
        person=person,
        interviewer=kw.pop("interviewer", persona(who)),
        role=role,
        location=kw.pop("location", rooms),
        starts_at=t0 + timedelta(minutes=minutes_after),
        minutes=60,
        **kw,
    )


def test_encounter_records_need_an_approved_operation(persona):
    operation = make_operation(approved=False)
    with pytest.raises(RuleViolation, match="not approved"):
        services.person_register(actor=persona("investigator"), operation=operation, code="P-001")


def test_only_investigative_agencies_register_people(operation, persona):
    with pytest.raises(Forbidden):
        services.person_register(actor=persona("advocate"), operation=operation, code="P-001")


def test_a_person_code_is_pseudonymous(operation, persona):
    with pytest.raises(ValidationFailed) as refused:
        services.person_register(actor=persona("investigator"), operation=operation, code="Maria Garcia")
    assert refused.value.problems[0].path == "code"


def test_interview_refused_before_needs_then_allowed(register, persona, rooms, t0, care):
    person = register()
    with pytest.raises(RuleViolation, match="needs were not assessed") as refused:
        _schedule(persona, person, rooms, t0)
    assert refused.value.rule == "interview.needs-first"
    assert AuditRecord.objects.filter(event_type="interview.refused").count() == 1
    care(person)
    interview = _schedule(persona, person, rooms, t0)
    assert interview.status == InterviewStatus.SCHEDULED


def test_interview_refused_before_information_then_allowed(register, persona, rooms, t0):
    person = register()
    services.needs_assessment_record(
        actor=persona("advocate"), person=person, at=t0 + timedelta(minutes=30), language="en"
    )
    with pytest.raises(RuleViolation) as refused:
        _schedule(persona, person, rooms, t0)
    assert refused.value.rule == "interview.information-first"
    services.information_record(
        actor=persona("advocate"),
        person=person,
        language="es",
        materials=["What happens next"],
        at=t0 + timedelta(minutes=40),
    )
    assert _schedule(persona, person, rooms, t0).pk


def test_care_recorded_after_the_interview_start_does_not_count(register, persona, rooms, t0, care):
    person = register()
    care(person, at_minutes=200)
    with pytest.raises(RuleViolation, match="needs were not assessed"):
        _schedule(persona, person, rooms, t0, minutes_after=120)
    assert _schedule(persona, person, rooms, t0, minutes_after=240).pk


def test_a_minor_is_interviewed_only_by_a_forensic_interviewer(register, persona, rooms, t0, care, operation):
    person = register("P-002", tags=("female", "minor"))
    care(person)
    with pytest.raises(RuleViolation) as refused:
        _schedule(persona, person, rooms, t0)
    assert refused.value.rule == "interview.minor-forensic"
    suite = operation.interview_locations.get(plan_id="cac-suite")
    interview = _schedule(
        persona, person, rooms, t0, who="forensic", role="forensic_interviewer", location=suite
    )
    assert interview.role == "forensic_interviewer"


def test_a_forensic_interview_provider_schedules_and_cancels_only_its_own_interviewers_interviews(
    register, persona, rooms, t0, care, operation
):
    """access-policy.md gives service agencies the interview schedule to read; the one exception Haven
    makes is a forensic interview provider scheduling its own interviewers (minors are interviewed by
    them). It may not book or cancel a police or federal interviewer."""
    adult, minor = register(), register("P-002", tags=("female", "minor"))
    care(adult)
    care(minor)
    with pytest.raises(Forbidden):
        _schedule(persona, adult, rooms, t0, who="forensic", interviewer=persona("federal_agent"))
    federal = _schedule(persona, adult, rooms, t0)
    with pytest.raises(Forbidden):
        services.interview_cancel(actor=persona("forensic"), interview=federal)
    suite = operation.interview_locations.get(plan_id="cac-suite")
    own = _schedule(persona, minor, rooms, t0, who="forensic", role="forensic_interviewer", location=suite)
    assert (
        services.interview_cancel(actor=persona("forensic"), interview=own).status
        == InterviewStatus.CANCELLED
    )
    assert services.interview_cancel(actor=persona("investigator"), interview=federal).status == (
        InterviewStatus.CANCELLED
    )


@pytest.mark.usefixtures("any_interviewer_for_adults")
def test_an_interpreter_or_a_room_holds_one_interview_at_a_time(register, persona, rooms, t0, care):
    """interview-scheduling.md rule 5 holds for interviews booked by hand too: an interpreter was booked
    three times at once, and two persons into one room (the guardrails checked person and interviewer)."""
    # P-002 and P-003 speak English too: Ivy Investigator and Pat Prosecutor interview them without an
    # interpreter (rule 4)
    first = register("P-001")
    second, third = register("P-002", languages=("es", "en")), register("P-003", languages=("es", "en"))
    for person in (first, second, third):
        care(person)
    _schedule(persona, first, rooms, t0, interpreter=persona("interpreter"), room="room-1")
    with pytest.raises(RuleViolation) as busy_interpreter:
        _schedule(
            persona, second, rooms, t0, who="investigator", interpreter=persona("interpreter"), room="room-2"
        )
    assert busy_interpreter.value.rule == "interview.interpreter-overlap"
    with pytest.raises(RuleViolation) as busy_room:
        _schedule(persona, second, rooms, t0, who="investigator", room="room-1")
    assert busy_room.value.rule == "interview.room-overlap"
    # another room, or the same room once the first interview has ended, is free
    _schedule(persona, second, rooms, t0, who="investigator", room="room-2")
    _schedule(
        persona, third, rooms, t0, who="prosecutor", role="prosecutor", room="room-1", minutes_after=180
    )


@pytest.mark.usefixtures("any_interviewer_for_adults")
def test_an_interviewer_must_be_qualified_for_the_role(register, persona, rooms, t0, care):
    person = register()
    care(person)
    with pytest.raises(RuleViolation) as refused:
        _schedule(persona, person, rooms, t0, role="prosecutor")
    assert refused.value.rule == "interview.qualified"
    interpreted = _schedule(
        persona, person, rooms, t0, who="prosecutor", role="prosecutor", interpreter=persona("interpreter")
    )
    assert interpreted.pk


def test_interviews_take_place_in_a_nondetention_setting(register, persona, rooms, t0, care, operation):
    person = register()
    care(person)
    cell = InterviewLocation.objects.create(
        operation=operation,
        plan_id="precinct-4",
        name="Precinct 4 interview room",
        setting="detention",
        private_rooms=1,
    )
    with pytest.raises(RuleViolation) as refused:
        _schedule(persona, person, rooms, t0, location=cell)
    assert refused.value.rule == "interview.nondetention"
    assert _schedule(persona, person, rooms, t0).pk


def test_the_interviewer_is_the_single_official_note_taker(register, persona, rooms, t0, care):
    person = register()
    care(person)
    with pytest.raises(RuleViolation) as refused:
        _schedule(persona, person, rooms, t0, note_taker=persona("investigator"))
    assert refused.value.rule == "interview.note-taker"
    interview = _schedule(persona, person, rooms, t0)
    with pytest.raises(RuleViolation):
        services.interview_conduct(
            actor=persona("investigator"), interview=interview, notes="Someone else's notes"
        )
    services.interview_conduct(
        actor=persona("federal_agent"), interview=interview, notes="Describes a job offer"
    )
    interview.refresh_from_db()
    assert interview.status == InterviewStatus.CONDUCTED


def test_a_stated_gender_preference_is_honoured_unless_withdrawn(register, persona, rooms, t0, care):
    person = register(interviewer_gender="male")
    care(person)
    with pytest.raises(RuleViolation) as refused:
        _schedule(persona, person, rooms, t0)  # fay.federal is female
    assert refused.value.rule == "interview.gender-preference"
    services.interviewer_preference_withdraw(actor=persona("advocate"), person=person)
    assert _schedule(persona, person, rooms, t0).pk
    assert AuditRecord.objects.filter(event_type="person.changed", target_id=str(person.pk)).exists()


@pytest.mark.usefixtures("any_interviewer_for_adults")
def test_interviews_are_individual(register, persona, rooms, t0, care):
    first, second = register("P-001"), register("P-002")
    care(first)
    care(second)
    _schedule(persona, first, rooms, t0)
    with pytest.raises(RuleViolation) as refused:
        _schedule(
            persona, first, rooms, t0, who="prosecutor", role="prosecutor", interpreter=persona("interpreter")
        )
    assert refused.value.rule == "interview.person-overlap"
    with pytest.raises(RuleViolation) as busy:
        _schedule(persona, second, rooms, t0)
    assert busy.value.rule == "interview.interviewer-overlap"
    assert _schedule(persona, second, rooms, t0, minutes_after=180).pk


def test_a_suspect_is_never_placed_where_potential_victims_are(register, persona, t0):
    suspect = register("P-002", area="undetermined-room")
    services.designation_record(actor=persona("investigator"), person=suspect, status="suspect")
    with pytest.raises(RuleViolation) as refused:
        services.person_place(actor=persona("investigator"), person=suspect, area="community-room")
    assert refused.value.rule == "separation.suspect-in-victims-area"
    services.person_place(actor=persona("investigator"), person=suspect, area="precinct-holding")
    suspect.refresh_from_db()
    assert suspect.area.plan_id == "precinct-holding"


def test_a_potential_victim_is_never_placed_in_a_suspects_area(register, persona):
    victim = register("P-001", area="undetermined-room")
    services.designation_record(actor=persona("investigator"), person=victim, status="potential_victim")
    with pytest.raises(RuleViolation) as refused:
        services.person_place(actor=persona("investigator"), person=victim, area="precinct-holding")
    assert refused.value.rule == "separation.victim-in-suspects-area"
    services.person_place(actor=persona("investigator"), person=victim, area="community-room")


def test_a_suspect_is_not_placed_in_an_undetermined_area_holding_a_potential_victim(register, persona):
    victim = register("P-001", area="undetermined-room")
    services.designation_record(actor=persona("investigator"), person=victim, status="potential_victim")
    suspect = register("P-002", area=None)
    services.designation_record(actor=persona("investigator"), person=suspect, status="suspect")
    with pytest.raises(RuleViolation) as refused:
        services.person_place(actor=persona("investigator"), person=suspect, area="undetermined-room")
    assert refused.value.rule == "separation.suspect-with-victims"


def test_a_designation_change_leaving_a_suspect_with_a_victim_raises_an_alert_until_one_moves(
    register, persona
):
    victim = register("P-001", area="undetermined-room")
    manager = register("P-002", area="undetermined-room")
    services.designation_record(actor=persona("investigator"), person=victim, status="potential_victim")
    assert not SeparationAlert.objects.exists()
    services.designation_record(actor=persona("investigator"), person=manager, status="suspect")
    alert = SeparationAlert.objects.get()
    assert (alert.suspect, alert.potential_victim, alert.cleared_at) == (manager, victim, None)
    services.person_place(actor=persona("investigator"), person=manager, area="precinct-holding")
    alert.refresh_from_db()
    assert alert.cleared_at is not None
    assert AuditRecord.objects.filter(event_type="separation.alert_raised").count() == 1
    assert AuditRecord.objects.filter(event_type="separation.alert_cleared").count() == 1


def test_only_investigative_users_designate_and_observe(register, persona):
    person = register()
    with pytest.raises(Forbidden):
        services.designation_record(actor=persona("advocate"), person=person, status="potential_victim")
    with pytest.raises(Forbidden):
        services.observation_record(actor=persona("attorney"), person=person, signs=["appears_fearful"])


def test_only_providers_assess_needs_and_keep_victim_service_records(register, persona):
    person = register()
    with pytest.raises(Forbidden):
        services.needs_assessment_record(actor=persona("investigator"), person=person, medical="x")
    with pytest.raises(Forbidden):
        services.victim_service_record(
            actor=persona("investigator"), person=person, kind="safety_plan", text="x"
        )
    with pytest.raises(Forbidden):
        services.attorney_note_record(actor=persona("advocate"), person=person, text="x")


def test_continued_presence_is_requested_by_federal_law_enforcement(register, persona):
    person = register()
    with pytest.raises(Forbidden):
        services.relief_record(
            actor=persona("investigator"), person=person, kind="continued_presence", status="requested"
        )
    step = services.relief_record(
        actor=persona("federal_agent"), person=person, kind="continued_presence", status="requested"
    )
    assert step.status == "requested"
    citizen = register("P-003", tags=("male", "adult", "us_citizen"))
    with pytest.raises(RuleViolation, match="foreign_national"):
        services.relief_record(
            actor=persona("federal_agent"), person=citizen, kind="continued_presence", status="requested"
        )


def test_imminent_danger_is_answered_by_anyone_on_the_operation_and_by_nobody_else(register, persona):
    """access-policy.md: the imminent-danger flag and the response recorded are read/write for investigative
    and service agencies alike — the advocate standing next to the person may record that help came."""
    person = register()
    flag = services.danger_flag(actor=persona("attorney"), person=person)
    with pytest.raises(Forbidden):  # over HTTP the operation itself is hidden from them (404)
        services.danger_respond(actor=persona("outsider"), flag=flag, response="Not on this operation")
    services.danger_respond(actor=persona("advocate"), flag=flag, response="Moved to a safe room")
    flag.refresh_from_db()
    assert (flag.responded_by, flag.response) == (persona("advocate"), "Moved to a safe room")


def test_no_interview_is_booked_while_an_imminent_danger_flag_has_no_response(
    register, persona, rooms, t0, care
):
    """Issue 13: a child whose imminent-danger flag had no response was scheduled. Safety comes first: no
    interview is booked for a person whose flag is open; once someone records the response, it is."""
    person = register()
    care(person)
    flag = services.danger_flag(actor=persona("advocate"), person=person)
    with pytest.raises(
        RuleViolation, match="P-001 has an open imminent-danger flag: respond to it first"
    ) as refused:
        _schedule(persona, person, rooms, t0)
    assert refused.value.rule == "interview.danger-open"
    assert not person.interviews.exists()
    refusal = AuditRecord.objects.get(event_type="interview.refused")
    assert json.loads(refusal.details) == {"rule": "interview.danger-open"}
    services.danger_respond(actor=persona("investigator"), flag=flag, response="Officer posted at the door")
    assert _schedule(persona, person, rooms, t0).status == InterviewStatus.SCHEDULED


def test_a_danger_response_and_an_outcome_are_recorded_once(register, persona):
    from haven.core.errors import Conflict

    person = register()
    flag = services.danger_flag(actor=persona("advocate"), person=person)
    services.danger_respond(actor=persona("investigator"), flag=flag, response="Officer posted")
    with pytest.raises(Conflict):
        services.danger_respond(actor=persona("investigator"), flag=flag, response="Something else")
    services.person_release(
        actor=persona("investigator"), person=person, outcome="released", reason="Went home"
    )
    with pytest.raises(Conflict):
        services.person_release(
            actor=persona("investigator"), person=person, outcome="transferred", reason="x"
        )


def test_a_refusal_names_the_time_on_the_operations_clock_whatever_zone_it_was_given_in(
    register, persona, rooms, t0
):
    """The plan is written at -05:00: a refusal says the time as the people on the ground read it, with
    its offset, however the caller wrote the time (a form reads it in the operation's offset, the API
    takes any offset)."""
    from datetime import UTC

    from haven.core.clock import zone

    person = register()
    starts_at = (t0 + timedelta(minutes=120)).astimezone(UTC)
    expected = f"before {starts_at.astimezone(zone(-300)):%H:%M} UTC\u221205:00:"
    for given in (starts_at, starts_at.astimezone(zone(-300)), starts_at.astimezone(zone(330))):
        with pytest.raises(RuleViolation) as refused:
            services.interview_schedule(
                actor=persona("federal_agent"),
                person=person,
                interviewer=persona("federal_agent"),
                role="investigator",
                location=rooms,
                starts_at=given,
                minutes=60,
            )
        assert expected in refused.value.message


def test_a_hand_booked_interview_follows_the_plans_interviews_section(register, persona, rooms, t0, care):
    """Issue 13: the plan's `interviews` section binds the planner, and an interview booked by hand the same
    way (the test plan: adults by investigators of hsi, minors by forensic interviewers of county-cac)."""
    person = register()  # an adult potential victim, cared for
    care(person)
    refused = []
    for who, role in (("investigator", "investigator"), ("prosecutor", "prosecutor")):
        with pytest.raises(RuleViolation) as outside_the_plan:
            _schedule(persona, person, rooms, t0, who=who, role=role, interpreter=persona("interpreter"))
        refused.append(outside_the_plan.value)
    assert [r.rule for r in refused] == ["interview.plan-conductor"] * 2
    assert "adults are interviewed by investigators of Homeland Security" in str(refused[0])
    assert not person.interviews.exists()
    assert AuditRecord.objects.filter(event_type="interview.refused").count() == 2
    # the plan's conductor books it
    assert _schedule(persona, person, rooms, t0).pk
    # a suspect's interview is not a victim interview of the plan: recorded as a suspect's, by whoever
    # the rules allow (issue 13: suspects leave the victim-care pathway)
    suspect = register("P-002", tags=("male", "adult"), area=None)
    services.designation_record(actor=persona("investigator"), person=suspect, status="suspect")
    of_suspect = _schedule(
        persona, suspect, rooms, t0, who="investigator", interpreter=persona("interpreter")
    )
    assert of_suspect.of_suspect
