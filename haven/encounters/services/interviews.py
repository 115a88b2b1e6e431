"""Interviews: the guardrails (needs and information first, nondetention, the right interviewer, a
language the person understands), scheduling, the record of the interview, cancelling."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q

from haven.access.policies import Access, Compartment, require
from haven.accounts.models import AgencyType, InterviewerRole, User
from haven.audit.events import AuditEvent
from haven.audit.services import record
from haven.core.clock import clock_time
from haven.core.errors import Conflict, RuleViolation, ValidationFailed
from haven.core.languages import language_name, languages_label
from haven.core.problems import Problem
from haven.encounters import rules
from haven.encounters.models import (
    Interview,
    InterviewStatus,
    Person,
)
from haven.encounters.sealing import seal_field
from haven.encounters.services import notices
from haven.encounters.services._base import (
    _clean,
    _holds_records,
    _locked,
    _standing,
    _when,
    refusals_audited,
)
from haven.encounters.services.persons import current_designation, languages_of
from haven.operations.models import InterviewLocation, Operation
from haven.operations.selectors import current_plan

#: The interview locations where minors are interviewed at a moment, as the operation's planning day says.
#: The day is the scheduling package's, above this one: it tells the guardrails when it loads
#: (`SchedulingConfig.ready` → `use_minor_locations`); a booking before then is refused, not let through.
MinorLocations = Callable[[Operation, datetime], frozenset[Any]]
_minor_locations: list[MinorLocations] = []


def use_minor_locations(lookup: MinorLocations) -> None:
    """Where the guardrails learn the day's locations for minors (set once, by the scheduling app)."""
    _minor_locations[:] = [lookup]


def _minor_room(person: Person, location: InterviewLocation, starts_at: datetime, *, minor: bool) -> None:
    """The day's locations for minors bind an interview booked by hand as they bind the planner
    (`rules.room_for_population`): a minor only there, an adult only elsewhere."""
    if not _minor_locations:  # fail closed: never book as if no day kept rooms for minors
        raise RuntimeError(
            "The planning day's locations for minors are unknown: haven.scheduling did not load "
            "(SchedulingConfig.ready sets them)."
        )
    minors_at = _minor_locations[0](person.operation, starts_at)
    if rules.room_for_population(minors_at, minor=minor, location=location.pk):
        return
    places = ", ".join(
        InterviewLocation.objects.filter(pk__in=minors_at).order_by("plan_id").values_list("name", flat=True)
    )
    if minor:
        message = (
            f"{person.code} is a minor, or their age is not recorded: that day minors are interviewed only at "
            f"{places}, and {location.name} is not one of them."
        )
    else:
        message = f"That day {places} is kept for minors: {person.code} is interviewed elsewhere."
    raise RuleViolation(message, rule=rules.MINOR_ROOM)


def interview_danger_check(*, person: Person) -> None:
    """Refuse any interview of a person while an imminent-danger flag on them has no response (issue 13):
    someone on the operation responds first. The planner leaves such a person out with the same words."""
    if person.danger_flags.filter(responded_at__isnull=True).exists():
        raise RuleViolation(
            f"{rules.open_danger_reason(person.code)} — no interview is scheduled until someone on the "
            "operation records the response to the flag.",
            rule=rules.DANGER_OPEN,
        )


def interview_guardrails(
    *,
    person: Person,
    interviewer: User,
    role: str,
    location: InterviewLocation,
    starts_at: datetime,
    minutes: int,
    note_taker: User,
    interpreter: User | None,
    ignore: Interview | None = None,
    room: str = "",
) -> None:
    """The guardrails every interview passes (E-Guide 5.2, 5.3; exercise.md; of the validity rules of
    interview-scheduling.md, that no room, interviewer or interpreter holds two interviews at once).
    Raises the first broken."""
    code = person.code
    when = clock_time(starts_at, person.operation.utc_offset_minutes)
    interview_danger_check(person=person)
    # the care gates and the nondetention setting are for potential victims, witnesses and undetermined
    # persons; a suspect's interview is recorded as such (rules.in_victim_care)
    care = rules.in_victim_care(current_designation(person))
    if care and not person.needs_assessments.filter(at__lt=starts_at).exists():
        raise RuleViolation(
            f"{code}'s needs were not assessed before {when}: a provider assesses needs before any "
            "investigative interview.",
            rule="interview.needs-first",
        )
    if care and not person.information.filter(at__lt=starts_at).exists():
        raise RuleViolation(
            f"{code} was not given information before {when}: the person is told "
            "what happens next, and their questions answered, before any interview.",
            rule="interview.information-first",
        )
    minor = rules.treated_as_minor(person.tags.values_list("tag", flat=True))
    if minor and role != InterviewerRole.FORENSIC_INTERVIEWER:
        raise RuleViolation(
            f"{code} is a minor, or their age is not recorded: only a forensic interviewer interviews a minor.",
            rule="interview.minor-forensic",
        )
    if role not in interviewer.interviewer_roles:
        raise RuleViolation(
            f"{interviewer.name} is not qualified to interview as {role.replace('_', ' ')}.",
            rule="interview.qualified",
        )
    if care:
        _plan_conductor(person, interviewer, role)
    if location.operation_id != person.operation_id or location.retired:
        raise ValidationFailed(
            [Problem("location", "is an interview location of this operation's plan")], what="interview"
        )
    _minor_room(person, location, starts_at, minor=minor)
    if care and not location.is_nondetention:
        raise RuleViolation(
            f"{location.name} is a detention setting: interviews take place in a nondetention setting.",
            rule="interview.nondetention",
        )
    if note_taker.pk != interviewer.pk:
        raise RuleViolation("The interviewer is the single official note taker.", rule="interview.note-taker")
    preference = person.stated_interviewer_gender
    if preference and interviewer.gender != preference:
        raise RuleViolation(
            f"{code} asked for a {preference} interviewer; {interviewer.name} is not. The person "
            "may withdraw the preference (recorded) — it is never overridden.",
            rule="interview.gender-preference",
        )
    _language_access(person, interviewer, interpreter)
    ends_at = starts_at + timedelta(minutes=minutes)
    busy = Interview.objects.exclude(status=InterviewStatus.CANCELLED)
    if ignore is not None:
        busy = busy.exclude(pk=ignore.pk)
    overlapping = Q(starts_at__lt=ends_at)
    clashes = [
        i
        for i in busy.filter(overlapping).filter(Q(person=person) | Q(interviewer=interviewer))
        if i.starts_at + timedelta(minutes=i.minutes) > starts_at
    ]
    if any(i.person_id == person.pk for i in clashes):
        raise RuleViolation(
            f"{code} already has an interview at that time: interviews are individual.",
            rule="interview.person-overlap",
        )
    if clashes:
        raise RuleViolation(
            f"{interviewer.name} already has an interview at that time.", rule="interview.interviewer-overlap"
        )
    if interpreter is not None and interpreter.agency.type != AgencyType.INTERPRETER_SERVICE:
        raise ValidationFailed(
            [Problem("interpreter", "is a user of an interpreter service agency")], what="interview"
        )
    if interpreter is not None or room:
        resources = Q()
        if interpreter is not None:
            resources |= Q(interpreter=interpreter)
        if room:
            resources |= Q(location=location, room=room)
        for other in busy.filter(overlapping).filter(resources):
            if other.starts_at + timedelta(minutes=other.minutes) <= starts_at:
                continue
            if interpreter is not None and other.interpreter_id == interpreter.pk:
                raise RuleViolation(
                    f"{interpreter.name} already interprets an interview at that time.",
                    rule="interview.interpreter-overlap",
                )
            raise RuleViolation(
                f"Room {room} at {location.name} already holds an interview at that time.",
                rule="interview.room-overlap",
            )


def _plan_conductor(person: Person, interviewer: User, role: str) -> None:
    """The plan's `interviews` section — the role and agency that conduct the interview of an adult, of a
    minor — binds an interview booked by hand as it binds the planner (issue 13; the rule is decided in
    `rules.interview_conductors` and `rules.conducts`). A suspect's interview is not a victim interview of
    the plan: the caller asks only for persons on the victim-care pathway."""
    operation = person.operation
    minor = rules.treated_as_minor(person.tags.values_list("tag", flat=True))
    plan = current_plan(operation)
    conductors = rules.interview_conductors(
        ((i.population.value, i.conducted_by.value, i.agency) for i in plan.interviews), minor=minor
    )
    agencies = dict(operation.participants.values_list("plan_id", "agency__name"))
    agency = (
        operation.participants.filter(agency_id=interviewer.agency_id)
        .values_list("plan_id", flat=True)
        .first()
        or ""
    )
    if conductors is None or rules.conducts(conductors, role=role, agency=agency):
        return
    whom = "minors (and anyone whose age is not recorded) are" if minor else "adults are"
    raise RuleViolation(
        f"The plan's interviews section says {whom} interviewed by {rules.conductors_words(conductors, agencies)}: "
        f"{interviewer.name} would interview {person.code} as {role.replace('_', ' ')} of "
        f"{interviewer.agency.name}. Book one of them, or amend the plan's interviews section.",
        rule=rules.PLAN_CONDUCTOR,
    )


def _language_access(person: Person, interviewer: User, interpreter: User | None) -> None:
    """Rule 4 of interview-scheduling.md for an interview booked by hand, as the solver keeps it when it
    plans: a language the person and the interviewer share, or an interpreter between the two."""
    spoken = languages_of(person)
    interviewing = interviewer.language_codes
    interpreting = interpreter.language_codes if interpreter is not None else None
    access = rules.interview_language_access(
        person=spoken, interviewer=interviewing, interpreter=interpreting
    )
    if access in rules.INTERVIEW_HELD:
        return
    code = person.code
    if access == rules.LanguageAccess.NO_LANGUAGE:
        raise RuleViolation(
            f"No language is recorded for {code}: record the languages they speak (on the roster, or in "
            "their needs assessment) before booking an interview, so that it is held in a language they "
            "understand.",
            rule="interview.language",
        )
    person_words = f"{code} speaks {languages_label(spoken)}"
    interviewer_words = f"{interviewer.name} speaks {languages_label(interviewing) or 'no recorded language'}"
    wanted = " or ".join(language_name(tag) for tag in spoken)
    if access == rules.LanguageAccess.NO_INTERPRETER:
        message = (
            f"{person_words}; {interviewer_words}: an interpreter of {wanted} and a language of the "
            "interviewer is needed, or an interviewer who speaks one of the person's languages."
        )
    else:
        assert interpreter is not None
        whose = code if access == rules.LanguageAccess.INTERPRETER_NOT_THE_PERSONS else interviewer.name
        message = (
            f"{person_words}; {interviewer_words}; {interpreter.name} speaks "
            f"{languages_label(interpreting or []) or 'no recorded language'}, none of {whose}'s languages: an "
            f"interpreter of {wanted} and a language of the interviewer is needed."
        )
    raise RuleViolation(message, rule="interview.language")


@refusals_audited(AuditEvent.INTERVIEW_REFUSED)
def interview_schedule(
    *,
    actor: User,
    person: Person,
    interviewer: User,
    role: str,
    location: InterviewLocation,
    starts_at: datetime,
    minutes: int,
    note_taker: User | None = None,
    interpreter: User | None = None,
    room: str = "",
    replaces: Interview | None = None,
) -> Interview:
    """Schedule an interview, only once care came first (see `interview_guardrails`). Rule:
    investigative agencies schedule, forensic interview providers for their own interviewers; interviewers
    are on the operation. The interviewer and the interpreter are notified, with the calendar entry; an
    interview that `replaces` one cancelled for it (`interview_cancel(moving=True)`) is a move."""
    operation = person.operation
    require(
        _standing(actor, operation),
        Compartment.INTERVIEW_SCHEDULE,
        Access.WRITE,
        interviewer.agency_id,
        hide=False,
    )
    if not operation.participants.filter(agency_id=interviewer.agency_id).exists():
        raise ValidationFailed(
            [Problem("interviewer", "is a user of an agency on this operation")], what="interview"
        )
    if rules.interview_minutes_problem(minutes):
        raise ValidationFailed(
            [Problem("minutes", rules.interview_minutes_problem(minutes))], what="interview"
        )
    note_taker = note_taker or interviewer
    interview_guardrails(
        person=person,
        interviewer=interviewer,
        role=role,
        location=location,
        starts_at=_when(starts_at, "starts_at"),
        minutes=minutes,
        note_taker=note_taker,
        interpreter=interpreter,
        room=room,
    )
    interview = Interview(
        person=person,
        interviewer=interviewer,
        agency=interviewer.agency,
        role=role,
        location=location,
        room=room,
        starts_at=starts_at,
        minutes=minutes,
        note_taker=note_taker,
        interpreter=interpreter,
        scheduled_by=actor,
        of_suspect=not rules.in_victim_care(current_designation(person)),
    )
    seal_field(interview, "notes", interviewer.agency_id, "")
    _clean(interview)
    interview.save()
    record(
        actor=actor,
        event=AuditEvent.INTERVIEW_SCHEDULED,
        target=interview,
        operation_id=operation.pk,
        details={"role": role, "kind": "suspect" if interview.of_suspect else "victim-centered"},
    )
    notices.interview_booked(actor=actor, interview=interview, replaces=replaces)
    return interview


@refusals_audited(AuditEvent.INTERVIEW_REFUSED)
def interview_conduct(
    *, actor: User, interview: Interview, notes: str = "", minutes: int | None = None
) -> Interview:
    """Record that the interview took place, with the official notes. Rule: the interviewer — the single
    official note taker — records it; notes are sealed with the interviewer's agency key."""
    person = interview.person
    require(
        _standing(actor, person.operation),
        Compartment.INTERVIEW_RECORD,
        Access.WRITE,
        interview.agency_id,
        hide=False,
    )
    if actor.pk != interview.interviewer_id:
        raise RuleViolation(
            "Only the interviewer, the single official note taker, records the interview.",
            rule="interview.note-taker",
        )
    interview = _locked(interview)
    if interview.status == InterviewStatus.CANCELLED:
        raise RuleViolation("This interview was cancelled.", rule="interview.cancelled")
    if interview.status == InterviewStatus.CONDUCTED:
        # the official notes are recorded once: nothing may quietly replace them
        raise Conflict("This interview was already recorded; its official notes stay as recorded.")
    if minutes is not None:
        if rules.interview_minutes_problem(minutes):
            raise ValidationFailed(
                [Problem("minutes", rules.interview_minutes_problem(minutes))], what="interview"
            )
        interview.minutes = minutes
    interview.status = InterviewStatus.CONDUCTED
    seal_field(interview, "notes", interview.agency_id, notes.strip())
    _clean(interview)
    interview.save()
    if interview.agency.type == AgencyType.FORENSIC_INTERVIEW:
        _holds_records(person, interview.agency_id)  # its own interview record (access-policy.md)
    record(
        actor=actor,
        event=AuditEvent.INTERVIEW_RECORDED,
        target=interview,
        operation_id=person.operation_id,
        subject_agency_id=interview.agency_id,
    )
    return interview


@transaction.atomic
def interview_cancel(*, actor: User, interview: Interview, moving: bool = False) -> Interview:
    """Cancel a scheduled interview (the person declined, or the plan changed). Its interviewer and
    interpreter are notified — unless it is `moving`: the interview that replaces it says so."""
    require(
        _standing(actor, interview.person.operation),
        Compartment.INTERVIEW_SCHEDULE,
        Access.WRITE,
        interview.agency_id,
        hide=False,
    )
    interview = _locked(interview)
    if interview.status != InterviewStatus.SCHEDULED:
        raise RuleViolation("Only a scheduled interview can be cancelled.", rule="interview.cancel")
    interview.status = InterviewStatus.CANCELLED
    interview.save(update_fields=["status", "updated_at"])
    record(
        actor=actor,
        event=AuditEvent.INTERVIEW_SCHEDULED,
        target=interview,
        operation_id=interview.person.operation_id,
        details={"status": "cancelled"},
    )
    if not moving:
        notices.interview_cancelled(actor=actor, interview=interview)
    return interview
