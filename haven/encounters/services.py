"""Every write after the action, with the guardrails of the E-Guide's law enforcement action.

Each service: policy check → guardrails → change → full_clean() → audit event, in one transaction.
A guardrail refusal raises `RuleViolation` naming the rule (and is audited after the rollback by the
callers' refusal wrapper), so the same rules hold for pages, the API and the exercise loader.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone

from haven.access.policies import Access, Compartment, Standing, require
from haven.accounts.models import Agency, AgencyType, InterviewerRole, User
from haven.audit.events import AuditEvent, Outcome
from haven.audit.services import record
from haven.core.clock import clock_time
from haven.core.errors import Conflict, RuleViolation, ValidationFailed
from haven.core.problems import Problem
from haven.encounters.models import (
    AttorneyNote,
    Consent,
    DangerFlag,
    Designation,
    DesignationStatus,
    InformationGiven,
    Interview,
    InterviewStatus,
    NeedsAssessment,
    Observation,
    ObservationSign,
    Person,
    PersonLanguage,
    PersonTag,
    Placement,
    Population,
    Priority,
    ReliefKind,
    ReliefStatus,
    ReliefStep,
    SeparationAlert,
    ServiceKind,
    ServiceStatus,
    Sign,
    VictimServiceKind,
    VictimServiceRecord,
)
from haven.encounters.sealing import seal_field
from haven.operations.models import Area, AreaHolds, InterviewLocation, Operation, RecordHolder
from haven.operations.selectors import standing

P = ParamSpec("P")
R = TypeVar("R")
M = TypeVar("M", bound=Model)


def _standing(actor: User, operation: Operation) -> Standing:
    return standing(actor, operation)


def _clean(instance: Any) -> None:
    try:
        instance.full_clean()
    except ValidationError as error:
        problems = [
            Problem(field if field != "__all__" else "", message)
            for field, messages in error.message_dict.items()
            for message in messages
        ]
        raise ValidationFailed(problems, what=type(instance).__name__.lower()) from error


def _locked(instance: M) -> M:
    """The row as it is now, locked until the transaction ends (PostgreSQL; SQLite's BEGIN IMMEDIATE
    already serialises writers): a check such as "recorded once" must read the row inside the
    transaction that writes it, never the copy a request loaded before, or two requests both pass it."""
    return type(instance)._default_manager.select_for_update().get(pk=instance.pk)


def _holds_records(person: Person, agency_id: uuid.UUID) -> None:
    """The agency now holds a record of its own on the person's operation: it keeps managing it there even
    if the plan drops the agency (haven.operations.models.RecordHolder). Idempotent, race-free."""
    RecordHolder.objects.bulk_create(
        [RecordHolder(operation_id=person.operation_id, agency_id=agency_id)], ignore_conflicts=True
    )


def _when(at: datetime | None) -> datetime:
    moment = at or timezone.now()
    if timezone.is_naive(moment):
        raise ValidationFailed([Problem("at", "needs a UTC offset")], what="record")
    return moment


def refusals_audited(event: AuditEvent) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run the service in its transaction; a guardrail refusal is audited after the rollback."""

    def wrap(service: Callable[P, R]) -> Callable[P, R]:
        atomic = transaction.atomic(service)

        @wraps(service)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return atomic(*args, **kwargs)
            except RuleViolation as refusal:
                person: Any = kwargs.get("person")
                actor: Any = kwargs.get("actor")
                record(
                    actor=actor,
                    event=event,
                    outcome=Outcome.FAILURE,
                    target=person,
                    operation_id=getattr(person, "operation_id", None),
                    details={"rule": refusal.rule},
                )
                raise

        return run

    return wrap


def _require_approved(operation: Operation) -> None:
    if not operation.is_approved and operation.approved_version_id is None:
        raise RuleViolation(
            "The operation's plan is not approved yet: encounter records need an approved operation.",
            rule="operation.approved",
        )


def current_designation(person: Person) -> str:
    latest = person.designations.order_by("-at", "-created_at").first()
    return latest.status if latest else DesignationStatus.UNDETERMINED


# --- persons and placement -----------------------------------------------------------------------


def _check_placement(person: Person, area: Area, designation: str) -> None:
    """Rule (E-Guide 5.2): potential victims are kept apart from suspected traffickers and enforcers."""
    if designation == DesignationStatus.SUSPECT and area.holds == AreaHolds.POTENTIAL_VICTIMS:
        raise RuleViolation(
            f"{person.code} is designated a suspect and cannot be placed in {area.name}, which holds potential "
            "victims.",
            rule="separation.suspect-in-victims-area",
        )
    if designation == DesignationStatus.POTENTIAL_VICTIM and area.holds == AreaHolds.SUSPECTS:
        raise RuleViolation(
            f"{person.code} is designated a potential victim and cannot be placed in {area.name}, which holds "
            "suspects.",
            rule="separation.victim-in-suspects-area",
        )
    others = [p for p in area.persons.exclude(pk=person.pk) if p.outcome == ""]
    designations = {p.pk: current_designation(p) for p in others}
    if designation == DesignationStatus.SUSPECT:
        victims = [p.code for p in others if designations[p.pk] == DesignationStatus.POTENTIAL_VICTIM]
        if victims:
            raise RuleViolation(
                f"{person.code} is designated a suspect and {area.name} holds potential victims "
                f"({', '.join(sorted(victims))}).",
                rule="separation.suspect-with-victims",
            )
    if designation == DesignationStatus.POTENTIAL_VICTIM:
        suspects = [p.code for p in others if designations[p.pk] == DesignationStatus.SUSPECT]
        if suspects:
            raise RuleViolation(
                f"{person.code} is designated a potential victim and {area.name} holds suspects "
                f"({', '.join(sorted(suspects))}).",
                rule="separation.victim-with-suspects",
            )


def _refresh_alerts(operation: Operation, moment: datetime) -> None:
    """Open an alert for every suspect and potential victim sharing an area; clear the ones that no
    longer do (someone was moved, released, or re-designated)."""
    persons = list(operation.persons.filter(outcome="", area__isnull=False).select_related("area"))
    designations = {p.pk: current_designation(p) for p in persons}
    pairs: set[tuple[uuid.UUID, uuid.UUID, uuid.UUID]] = set()
    for suspect in persons:
        if designations[suspect.pk] != DesignationStatus.SUSPECT:
            continue
        for victim in persons:
            if (
                victim.area_id == suspect.area_id
                and designations[victim.pk] == DesignationStatus.POTENTIAL_VICTIM
            ):
                assert suspect.area_id is not None
                pairs.add((suspect.area_id, suspect.pk, victim.pk))
    open_alerts = list(SeparationAlert.objects.filter(operation=operation, cleared_at__isnull=True))
    open_pairs = {(a.area_id, a.suspect_id, a.potential_victim_id): a for a in open_alerts}
    for key, alert in open_pairs.items():
        if key not in pairs:
            alert.cleared_at = moment
            alert.save(update_fields=["cleared_at", "updated_at"])
            record(
                actor=None,
                event=AuditEvent.SEPARATION_ALERT_CLEARED,
                target=alert,
                operation_id=operation.pk,
                actor_label="haven",
            )
    for area_id, suspect_id, victim_id in pairs - set(open_pairs):
        alert = SeparationAlert.objects.create(
            operation=operation,
            area_id=area_id,
            suspect_id=suspect_id,
            potential_victim_id=victim_id,
            raised_at=moment,
        )
        record(
            actor=None,
            event=AuditEvent.SEPARATION_ALERT_RAISED,
            target=alert,
            operation_id=operation.pk,
            actor_label="haven",
        )


def _area_of(operation: Operation, area_id: str | None) -> Area | None:
    if not area_id:
        return None
    area = operation.areas.filter(plan_id=area_id, retired=False).first()
    if area is None:
        raise ValidationFailed(
            [Problem("area", f"'{area_id}' is not a separation area of this operation's plan")], what="person"
        )
    return area


@refusals_audited(AuditEvent.PERSON_PLACEMENT_REFUSED)
def person_register(
    *,
    actor: User,
    operation: Operation,
    code: str,
    encountered_at: datetime | None = None,
    tags: Sequence[str] = (),
    languages: Sequence[str] = (),
    priority: str = Priority.NORMAL,
    interviewer_gender: str = "",
    area: str | None = None,
) -> Person:
    """Register a person encountered, under a pseudonymous code. Rules: investigative agencies write
    the roster; the operation is approved; a placement follows the separation rules."""
    require(_standing(actor, operation), Compartment.ROSTER, Access.WRITE, hide=False)
    _require_approved(operation)
    problems = [
        Problem("tags", f"'{t}' is not one of {', '.join(Population.values)}")
        for t in tags
        if t not in Population.values
    ]
    problems += [
        Problem("languages", f"'{c}' is not an ISO 639-1 code")
        for c in languages
        if not (len(c) == 2 and c.isascii() and c.isalpha() and c.islower())
    ]
    if Population.MINOR in tags and Population.ADULT in tags:
        problems.append(Problem("tags", "a person is tagged minor or adult, not both"))
    if operation.persons.filter(code=code).exists():
        problems.append(Problem("code", f"{code} is already registered on this operation"))
    if problems:
        raise ValidationFailed(problems, what="person")
    person = Person(
        operation=operation,
        code=code,
        encountered_at=_when(encountered_at or operation.starts_at),
        priority=priority,
        interviewer_gender=interviewer_gender,
        registered_by=actor,
    )
    target_area = _area_of(operation, area)
    _clean(person)
    person.save()
    PersonTag.objects.bulk_create([PersonTag(person=person, tag=t) for t in dict.fromkeys(tags)])
    PersonLanguage.objects.bulk_create(
        [PersonLanguage(person=person, code=c) for c in dict.fromkeys(languages)]
    )
    record(actor=actor, event=AuditEvent.PERSON_REGISTERED, target=person, operation_id=operation.pk)
    if target_area is not None:
        _place(actor=actor, person=person, area=target_area, at=person.encountered_at)
    return person


def _place(*, actor: User, person: Person, area: Area, at: datetime) -> None:
    _check_placement(person, area, current_designation(person))
    person.area = area
    person.save(update_fields=["area", "updated_at"])
    Placement.objects.create(person=person, area=area, by=actor, at=at)
    record(
        actor=actor,
        event=AuditEvent.PERSON_PLACED,
        target=person,
        operation_id=person.operation_id,
        details={"area": area.plan_id},
    )
    _refresh_alerts(person.operation, at)


@refusals_audited(AuditEvent.PERSON_PLACEMENT_REFUSED)
def person_place(*, actor: User, person: Person, area: str, at: datetime | None = None) -> Person:
    """Move a person into a separation area. Rules: investigative agencies place people; a suspect
    never goes where potential victims are, nor a potential victim where suspects are."""
    operation = person.operation
    require(_standing(actor, operation), Compartment.INVESTIGATIVE, Access.WRITE, hide=False)
    target = _area_of(operation, area)
    assert target is not None
    _place(actor=actor, person=person, area=target, at=_when(at))
    return person


@transaction.atomic
def person_release(
    *, actor: User, person: Person, outcome: str, reason: str, at: datetime | None = None
) -> Person:
    """Record that a person was released or transferred, with the reason. Rule: investigative write."""
    require(_standing(actor, person.operation), Compartment.ROSTER, Access.WRITE, hide=False)
    person = _locked(person)
    if person.outcome:
        raise Conflict(
            f"{person.code} was already recorded as {person.outcome}; an outcome is recorded once."
        )
    if outcome not in ("released", "transferred"):
        raise ValidationFailed([Problem("outcome", "is released or transferred")], what="person")
    if not reason.strip():
        raise ValidationFailed(
            [Problem("reason", "say why (for example: transferred to child welfare)")], what="person"
        )
    person.outcome, person.outcome_reason, person.outcome_at = outcome, reason.strip()[:200], _when(at)
    _clean(person)
    person.save(update_fields=["outcome", "outcome_reason", "outcome_at", "updated_at"])
    record(
        actor=actor,
        event=AuditEvent.PERSON_RELEASED,
        target=person,
        operation_id=person.operation_id,
        details={"status": outcome},
    )
    _refresh_alerts(person.operation, person.outcome_at)
    return person


@transaction.atomic
def interviewer_preference_withdraw(*, actor: User, person: Person, at: datetime | None = None) -> Person:
    """The person withdraws their interviewer-gender preference; recorded, never silently dropped."""
    require(_standing(actor, person.operation), Compartment.ROSTER, Access.READ, hide=False)
    if not person.interviewer_gender or person.interviewer_gender_withdrawn_at:
        raise RuleViolation(
            f"{person.code} has no stated interviewer-gender preference.", rule="preference.none"
        )
    person.interviewer_gender_withdrawn_at = _when(at)
    person.save(update_fields=["interviewer_gender_withdrawn_at", "updated_at"])
    record(
        actor=actor,
        event=AuditEvent.PERSON_CHANGED,
        target=person,
        operation_id=person.operation_id,
        details={"fields": ["interviewer_gender_withdrawn"]},
    )
    return person


# --- investigative records ------------------------------------------------------------------------


@transaction.atomic
def designation_record(
    *, actor: User, person: Person, status: str, at: datetime | None = None
) -> Designation:
    """Record an investigative designation; every change is kept. Rule: investigative agencies only. A
    suspect and a potential victim left in one area raise a separation alert until one is moved."""
    require(_standing(actor, person.operation), Compartment.INVESTIGATIVE, Access.WRITE, hide=False)
    designation = Designation(person=person, status=status, by=actor, at=_when(at))
    _clean(designation)
    designation.save()
    record(
        actor=actor,
        event=AuditEvent.DESIGNATION_RECORDED,
        target=person,
        operation_id=person.operation_id,
        details={"status": status},
    )
    _refresh_alerts(person.operation, designation.at)
    return designation


@transaction.atomic
def observation_record(
    *,
    actor: User,
    person: Person,
    signs: Iterable[str] = (),
    text: str = "",
    towards: Person | None = None,
    at: datetime | None = None,
) -> Observation:
    """Record a group observation (who gives orders, answers for others …). Rule: investigative only;
    the text is sealed with the observer's agency key."""
    require(_standing(actor, person.operation), Compartment.INVESTIGATIVE, Access.WRITE, hide=False)
    signs = list(dict.fromkeys(signs))
    problems = [
        Problem("signs", f"'{s}' is not one of {', '.join(Sign.values)}")
        for s in signs
        if s not in Sign.values
    ]
    if towards is not None and (towards.operation_id != person.operation_id or towards.pk == person.pk):
        problems.append(Problem("towards", "names another person of the same operation"))
    if not signs and not text.strip():
        problems.append(Problem("signs", "record at least one sign or a description"))
    if problems:
        raise ValidationFailed(problems, what="observation")
    observation = Observation(person=person, towards=towards, by=actor, agency=actor.agency, at=_when(at))
    seal_field(observation, "text", actor.agency_id, text.strip())
    _clean(observation)
    observation.save()
    ObservationSign.objects.bulk_create([ObservationSign(observation=observation, sign=s) for s in signs])
    record(
        actor=actor,
        event=AuditEvent.OBSERVATION_RECORDED,
        target=observation,
        operation_id=person.operation_id,
    )
    return observation


# --- provider records -----------------------------------------------------------------------------


@transaction.atomic
def needs_assessment_record(
    *,
    actor: User,
    person: Person,
    at: datetime | None = None,
    medical: str = "",
    shelter: str = "",
    food: str = "",
    safety: str = "",
    language: str = "",
    language_notes: str = "",
    urgent: Iterable[str] = (),
) -> NeedsAssessment:
    """Record a provider's needs assessment. Rule: victim service providers on the operation; the full
    text is sealed with the assessing agency's key; the summary (urgent domains, language) is shared."""
    require(
        _standing(actor, person.operation), Compartment.NEEDS_FULL, Access.WRITE, actor.agency_id, hide=False
    )
    urgent = list(dict.fromkeys(urgent))
    problems = [
        Problem("urgent", f"'{u}' is not one of {', '.join(NeedsAssessment.URGENT_DOMAINS)}")
        for u in urgent
        if u not in NeedsAssessment.URGENT_DOMAINS
    ]
    if language and not (len(language) == 2 and language.isalpha() and language.islower()):
        problems.append(Problem("language", f"'{language}' is not an ISO 639-1 code"))
    written = any(text.strip() for text in (medical, shelter, food, safety, language_notes))
    if not (written or urgent or language):
        # an empty form must not count as "needs assessed", which opens the way to an interview
        problems.append(
            Problem(
                "",
                "record what the assessment found: a need (medical, shelter, food, safety), an urgent "
                "need, or the language it was done in",
            )
        )
    if problems:
        raise ValidationFailed(problems, what="needs assessment")
    assessment = NeedsAssessment(
        person=person,
        by=actor,
        agency=actor.agency,
        at=_when(at),
        language=language,
        **{f"urgent_{d}": d in urgent for d in NeedsAssessment.URGENT_DOMAINS},
    )
    for name, text in (
        ("medical", medical),
        ("shelter", shelter),
        ("food", food),
        ("safety", safety),
        ("language_notes", language_notes),
    ):
        seal_field(assessment, name, actor.agency_id, text.strip())
    _clean(assessment)
    assessment.save()
    _holds_records(person, actor.agency_id)
    record(
        actor=actor,
        event=AuditEvent.NEEDS_RECORDED,
        target=assessment,
        operation_id=person.operation_id,
        subject_agency_id=actor.agency_id,
    )
    return assessment


@transaction.atomic
def information_record(
    *,
    actor: User,
    person: Person,
    language: str,
    materials: Sequence[str] = (),
    questions: str = "",
    answers: str = "",
    at: datetime | None = None,
) -> InformationGiven:
    """Record what the person was told and what they asked. Rule: anyone on the operation; questions and
    answers are sealed for the recording agency alone."""
    require(_standing(actor, person.operation), Compartment.INFORMATION, Access.WRITE, hide=False)
    if not (len(language) == 2 and language.isalpha() and language.islower()):
        raise ValidationFailed(
            [Problem("language", f"'{language}' is not an ISO 639-1 code")], what="information"
        )
    materials = [m.strip()[:200] for m in materials if m.strip()]
    if not materials and not answers.strip():
        raise ValidationFailed(
            [Problem("materials", "name the materials given, or the answers given")], what="information"
        )
    info = InformationGiven(
        person=person,
        by=actor,
        agency=actor.agency,
        at=_when(at),
        language=language,
        materials=materials,
    )
    seal_field(info, "questions", actor.agency_id, questions.strip())
    seal_field(info, "answers", actor.agency_id, answers.strip())
    _clean(info)
    info.save()
    _holds_records(person, actor.agency_id)
    record(
        actor=actor,
        event=AuditEvent.INFORMATION_RECORDED,
        target=info,
        operation_id=person.operation_id,
        subject_agency_id=actor.agency_id,
    )
    return info


@transaction.atomic
def victim_service_record(
    *,
    actor: User,
    person: Person,
    kind: str,
    text: str = "",
    service_kind: str = "",
    service_status: str = "",
    at: datetime | None = None,
) -> VictimServiceRecord:
    """Record part of the provider's own confidential record (safety plan, a service provided or
    referred, a case note, contact details). Rule: only the provider agency that holds it."""
    require(
        _standing(actor, person.operation),
        Compartment.VICTIM_SERVICE_RECORD,
        Access.WRITE,
        actor.agency_id,
        hide=False,
    )
    if kind == VictimServiceKind.SERVICE:
        problems = []
        if service_kind not in ServiceKind.values:
            problems.append(
                Problem("kind", f"'{service_kind}' is not one of {', '.join(ServiceKind.values)}")
            )
        if service_status not in ServiceStatus.values:
            problems.append(Problem("status", "is provided or referred"))
        if problems:
            raise ValidationFailed(problems, what="service")
    elif not text.strip():
        raise ValidationFailed([Problem("text", "is required")], what=kind.replace("_", " "))
    entry = VictimServiceRecord(
        person=person,
        kind=kind,
        by=actor,
        agency=actor.agency,
        at=_when(at),
        service_kind=service_kind if kind == VictimServiceKind.SERVICE else "",
        service_status=service_status if kind == VictimServiceKind.SERVICE else "",
    )
    seal_field(entry, "text", actor.agency_id, text.strip())
    _clean(entry)
    entry.save()
    _holds_records(person, actor.agency_id)
    event = {VictimServiceKind.SAFETY_PLAN: AuditEvent.SAFETY_PLAN_RECORDED}.get(
        VictimServiceKind(kind), AuditEvent.SERVICE_RECORDED
    )
    record(
        actor=actor,
        event=event,
        target=entry,
        operation_id=person.operation_id,
        subject_agency_id=actor.agency_id,
        details={"kind": kind},
    )
    return entry


@transaction.atomic
def attorney_note_record(
    *, actor: User, person: Person, text: str, at: datetime | None = None
) -> AttorneyNote:
    """Record a privileged attorney note. Rule: only the victim attorney agency that writes it reads it."""
    require(
        _standing(actor, person.operation),
        Compartment.ATTORNEY_NOTES,
        Access.WRITE,
        actor.agency_id,
        hide=False,
    )
    if not text.strip():
        raise ValidationFailed([Problem("text", "is required")], what="attorney note")
    note = AttorneyNote(person=person, by=actor, agency=actor.agency, at=_when(at))
    seal_field(note, "text", actor.agency_id, text.strip())
    _clean(note)
    note.save()
    _holds_records(person, actor.agency_id)
    record(
        actor=actor,
        event=AuditEvent.ATTORNEY_NOTE_RECORDED,
        target=note,
        operation_id=person.operation_id,
        subject_agency_id=actor.agency_id,
    )
    return note


# --- consent --------------------------------------------------------------------------------------


def _add_year(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


@refusals_audited(AuditEvent.CONSENT_RECORDED)
def consent_record(
    *,
    actor: User,
    person: Person,
    recipient: Agency,
    items: Sequence[str],
    purpose: str,
    in_writing: bool,
    given_on: date,
    expires_on: date,
    guardian: str = "",
    minor_may_consent: str = "",
) -> Consent:
    """Record a client's consent to release items to one agency.

    Rules (access-policy.md, "Consent"): recorded by the provider that holds the information, never by
    the recipient; names one recipient agency on the operation; releases only needs_details, safety_plan,
    services or contact (never attorney notes); given in writing; expires at most one year after it was
    given; for a minor, names the consenting parent or guardian or the legal basis for the minor's own
    consent."""
    require(
        _standing(actor, person.operation), Compartment.CONSENT, Access.WRITE, actor.agency_id, hide=False
    )
    problems: list[Problem] = []
    if recipient.pk == actor.agency_id:
        raise RuleViolation(
            "A consent cannot name the agency recording it as its recipient.", rule="consent.recipient"
        )
    if not person.operation.participants.filter(agency=recipient).exists():
        problems.append(Problem("recipient", f"{recipient.slug} is not an agency on this operation"))
    unknown = [i for i in items if i not in Consent.ITEMS]
    if "attorney_notes" in items:
        raise RuleViolation(
            "Attorney notes can never be released through a consent.", rule="consent.attorney-notes"
        )
    problems += [Problem("items", f"'{i}' is not one of {', '.join(Consent.ITEMS)}") for i in unknown]
    if not items:
        problems.append(Problem("items", f"name at least one of {', '.join(Consent.ITEMS)}"))
    if not in_writing:
        raise RuleViolation("A consent must be given in writing.", rule="consent.in-writing")
    if not purpose.strip():
        problems.append(Problem("purpose", "say what the information will be used for"))
    if expires_on <= given_on:
        problems.append(Problem("expires_on", "must be after the date the consent was given"))
    elif expires_on > _add_year(given_on):
        problems.append(
            Problem("expires_on", f"must be at most one year after {given_on} ({_add_year(given_on)})")
        )
    is_minor = person.tags.filter(tag=Population.MINOR).exists()
    if is_minor and not (guardian.strip() or minor_may_consent.strip()):
        problems.append(
            Problem(
                "guardian",
                "for a minor, name the consenting parent or guardian, or the legal basis "
                "for the minor's own consent (minor_may_consent)",
            )
        )
    if problems:
        raise ValidationFailed(problems, what="consent")
    consent = Consent(
        person=person,
        recorded_by=actor,
        agency=actor.agency,
        recipient=recipient,
        in_writing=True,
        given_on=given_on,
        expires_on=expires_on,
        **{f"releases_{i}": i in items for i in Consent.ITEMS},
    )
    seal_field(consent, "purpose", actor.agency_id, purpose.strip())
    seal_field(consent, "guardian", actor.agency_id, guardian.strip())
    seal_field(consent, "minor_may_consent", actor.agency_id, minor_may_consent.strip())
    _clean(consent)
    consent.save()
    _holds_records(person, actor.agency_id)
    record(
        actor=actor,
        event=AuditEvent.CONSENT_RECORDED,
        target=consent,
        operation_id=person.operation_id,
        subject_agency_id=actor.agency_id,
        details={"items": consent.items, "code": recipient.slug},
    )
    return consent


@transaction.atomic
def consent_revoke(
    *, actor: User, consent: Consent, orally: bool = False, at: datetime | None = None
) -> Consent:
    """Record that the client withdrew a consent (orally or in writing). Rule: the recording provider
    records it; it takes effect on the next request."""
    person = consent.person
    require(_standing(actor, person.operation), Compartment.CONSENT, Access.WRITE, consent.agency_id)
    consent = _locked(consent)
    if consent.revoked_at is not None:
        return consent
    # withdrawn before the day it was to start: it never releases anything (recorded, not refused)
    revoked_at = _when(at)
    consent.revoked_at, consent.revoked_by, consent.revoked_orally = revoked_at, actor, orally
    consent.save(update_fields=["revoked_at", "revoked_by", "revoked_orally", "updated_at"])
    record(
        actor=actor,
        event=AuditEvent.CONSENT_REVOKED,
        target=consent,
        operation_id=person.operation_id,
        subject_agency_id=consent.agency_id,
        details={"via": "orally" if orally else "in writing"},
    )
    return consent


# --- interviews -----------------------------------------------------------------------------------


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
    if not person.needs_assessments.filter(at__lt=starts_at).exists():
        raise RuleViolation(
            f"{code}'s needs were not assessed before {when}: a provider assesses needs before any "
            "investigative interview.",
            rule="interview.needs-first",
        )
    if not person.information.filter(at__lt=starts_at).exists():
        raise RuleViolation(
            f"{code} was not given information before {when}: the person is told "
            "what happens next, and their questions answered, before any interview.",
            rule="interview.information-first",
        )
    if person.tags.filter(tag=Population.MINOR).exists() and role != InterviewerRole.FORENSIC_INTERVIEWER:
        raise RuleViolation(
            f"{code} is a minor: only a forensic interviewer interviews a minor.",
            rule="interview.minor-forensic",
        )
    if role not in interviewer.interviewer_roles:
        raise RuleViolation(
            f"{interviewer.name} is not qualified to interview as {role.replace('_', ' ')}.",
            rule="interview.qualified",
        )
    if location.operation_id != person.operation_id or location.retired:
        raise ValidationFailed(
            [Problem("location", "is an interview location of this operation's plan")], what="interview"
        )
    if not location.is_nondetention:
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
) -> Interview:
    """Schedule an interview, only once care came first (see `interview_guardrails`). Rule:
    investigative agencies schedule, forensic interview providers for their own interviewers; interviewers
    are on the operation."""
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
    if minutes <= 0 or minutes > 480:
        raise ValidationFailed([Problem("minutes", "is between 1 and 480")], what="interview")
    note_taker = note_taker or interviewer
    interview_guardrails(
        person=person,
        interviewer=interviewer,
        role=role,
        location=location,
        starts_at=_when(starts_at),
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
    )
    seal_field(interview, "notes", interviewer.agency_id, "")
    _clean(interview)
    interview.save()
    record(
        actor=actor,
        event=AuditEvent.INTERVIEW_SCHEDULED,
        target=interview,
        operation_id=operation.pk,
        details={"role": role},
    )
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
def interview_cancel(*, actor: User, interview: Interview) -> Interview:
    """Cancel a scheduled interview (the person declined, or the plan changed)."""
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
    return interview


# --- immigration relief, imminent danger ------------------------------------------------------------


_RELIEF_STATUSES = {
    ReliefKind.CONTINUED_PRESENCE: (ReliefStatus.REQUESTED, ReliefStatus.GRANTED, ReliefStatus.DENIED),
    ReliefKind.T_VISA: (ReliefStatus.REQUESTED, ReliefStatus.SIGNED, ReliefStatus.DECLINED),
    ReliefKind.U_VISA: (ReliefStatus.REQUESTED, ReliefStatus.SIGNED, ReliefStatus.DECLINED),
}


@transaction.atomic
def relief_record(
    *, actor: User, person: Person, kind: str, status: str, at: datetime | None = None
) -> ReliefStep:
    """Record a step of a foreign national's immigration relief. Rules: Continued Presence is requested by
    federal law enforcement (victim attorneys may record its progress); T/U certifications by investigative
    agencies or victim attorneys; only for persons tagged foreign_national."""
    compartment = (
        Compartment.CONTINUED_PRESENCE
        if kind == ReliefKind.CONTINUED_PRESENCE
        else Compartment.VISA_CERTIFICATION
    )
    require(_standing(actor, person.operation), compartment, Access.WRITE, hide=False)
    if kind not in _RELIEF_STATUSES:
        raise ValidationFailed([Problem("kind", f"is one of {', '.join(ReliefKind.values)}")], what="relief")
    if status not in _RELIEF_STATUSES[ReliefKind(kind)]:
        raise ValidationFailed(
            [Problem("status", f"is one of {', '.join(_RELIEF_STATUSES[ReliefKind(kind)])}")], what="relief"
        )
    if not person.tags.filter(tag=Population.FOREIGN_NATIONAL).exists():
        raise RuleViolation(f"{person.code} is not tagged foreign_national.", rule="relief.foreign-national")
    steps = person.relief_steps.filter(kind=kind)
    if status != ReliefStatus.REQUESTED and not steps.filter(status=ReliefStatus.REQUESTED).exists():
        raise RuleViolation(
            f"Record the request for {ReliefKind(kind).label} first.", rule="relief.requested-first"
        )
    if (
        kind == ReliefKind.CONTINUED_PRESENCE
        and status == ReliefStatus.REQUESTED
        and (actor.agency.type != AgencyType.FEDERAL_LAW_ENFORCEMENT)
    ):
        raise RuleViolation(
            "Continued Presence is requested by federal law enforcement.", rule="relief.cp-federal"
        )
    step = ReliefStep(person=person, kind=kind, status=status, by=actor, agency=actor.agency, at=_when(at))
    _clean(step)
    step.save()
    record(
        actor=actor,
        event=AuditEvent.RELIEF_RECORDED,
        target=step,
        operation_id=person.operation_id,
        details={"kind": kind, "status": status},
    )
    return step


@transaction.atomic
def danger_flag(*, actor: User, person: Person, at: datetime | None = None) -> DangerFlag:
    """Flag a person as in imminent danger. Rule: anyone on the operation; shown to everyone on it
    until someone on the operation records the response."""
    require(_standing(actor, person.operation), Compartment.IMMINENT_DANGER, Access.WRITE, hide=False)
    open_flag = person.danger_flags.filter(responded_at__isnull=True).first()
    if open_flag is not None:
        return open_flag
    flag = DangerFlag.objects.create(person=person, flagged_by=actor, flagged_at=_when(at))
    record(actor=actor, event=AuditEvent.DANGER_FLAGGED, target=flag, operation_id=person.operation_id)
    return flag


@transaction.atomic
def danger_respond(*, actor: User, flag: DangerFlag, response: str, at: datetime | None = None) -> DangerFlag:
    """Record the response to an imminent-danger flag. Rule (access-policy.md): anyone on the operation —
    investigative and service agencies read and write the flag and its response; it is recorded once."""
    person = flag.person
    require(_standing(actor, person.operation), Compartment.IMMINENT_DANGER, Access.WRITE, hide=False)
    flag = _locked(flag)
    if flag.responded_at is not None:
        raise Conflict(
            f"The response to this flag was already recorded by {flag.responded_by.name if flag.responded_by else 'someone'}; "
            "flag the person again if they are in danger again."
        )
    if not response.strip():
        raise ValidationFailed([Problem("response", "say what was done")], what="danger response")
    flag.responded_by, flag.responded_at, flag.response = actor, _when(at), response.strip()[:300]
    _clean(flag)
    flag.save()
    record(actor=actor, event=AuditEvent.DANGER_RESPONDED, target=flag, operation_id=person.operation_id)
    return flag
