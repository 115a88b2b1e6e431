"""Persons encountered: registration, placement in separation areas, designation, group observations,
release — with the separation guardrails (suspects never with potential victims)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import transaction

from haven.access.policies import Access, Compartment, require
from haven.accounts.models import User
from haven.audit.events import AuditEvent
from haven.audit.services import record
from haven.core.clock import clock_time
from haven.core.errors import Conflict, RuleViolation, ValidationFailed
from haven.core.languages import language_tag, language_tag_problem
from haven.core.problems import Problem
from haven.encounters import rules
from haven.encounters.models import (
    Designation,
    DesignationStatus,
    Observation,
    ObservationSign,
    Person,
    PersonLanguage,
    PersonTag,
    Placement,
    Population,
    Priority,
    SeparationAlert,
    SeparationReason,
    Sign,
)
from haven.encounters.sealing import seal_field
from haven.encounters.services import notices
from haven.encounters.services._base import (
    _clean,
    _locked,
    _require_approved,
    _standing,
    _when,
    refusals_audited,
)
from haven.operations.models import Area, AreaHolds, Operation


def languages_of(person: Person) -> list[str]:
    """The person's languages (rules.person_languages): the roster's, then any a needs assessment found."""
    return rules.person_languages(
        [lang.code for lang in person.languages.all()],
        [a.language for a in person.needs_assessments.all() if a.language],
    )


def current_designation(person: Person) -> str:
    latest = person.designations.order_by("-at", "-created_at").first()
    return latest.status if latest else DesignationStatus.UNDETERMINED


def _current_designations(operation: Operation) -> dict[uuid.UUID, str]:
    """`current_designation` of every person of the operation who has one, in one query."""
    latest: dict[uuid.UUID, str] = {}
    for person_id, status in (
        Designation.objects.filter(person__operation=operation)
        .order_by("person_id", "at", "created_at")
        .values_list("person_id", "status")
    ):
        latest[person_id] = status
    return latest


def _control_pairs(operation: Operation) -> dict[tuple[uuid.UUID, uuid.UUID], tuple[str, datetime]]:
    """(controller, controlled) → (the sign seen, when), from observations whose signs show control
    (`rules.CONTROL_SIGNS`): the two are kept apart from that moment, whatever their designations say."""
    pairs: dict[tuple[uuid.UUID, uuid.UUID], tuple[str, datetime]] = {}
    seen = (
        ObservationSign.objects.filter(
            observation__person__operation=operation,
            observation__towards__isnull=False,
            sign__in=rules.CONTROL_SIGNS,
        )
        .order_by("observation__at")
        .values_list("observation__person_id", "observation__towards_id", "sign", "observation__at")
    )
    for controller, controlled, sign, at in seen:
        pairs.setdefault((controller, controlled), (sign, at))
    return pairs


def _check_placement(person: Person, area: Area, designation: str) -> None:
    """Rule (E-Guide 5.2): potential victims are kept apart from suspected traffickers and enforcers —
    including a person seen controlling another, before anyone designated them."""
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
    known = _current_designations(person.operation)
    designations = {p.pk: known.get(p.pk, DesignationStatus.UNDETERMINED) for p in others}
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
    control = _control_pairs(person.operation)
    clock = person.operation.utc_offset_minutes
    designated_suspects = {p.pk for p in others if designations[p.pk] == DesignationStatus.SUSPECT}
    if designation == DesignationStatus.SUSPECT:
        designated_suspects.add(person.pk)
    for other in sorted(others, key=lambda p: p.code):
        for controller, controlled in ((person, other), (other, person)):
            seen = control.get((controller.pk, controlled.pk))
            if seen is not None and controlled.pk not in designated_suspects:
                sign, at = seen
                raise RuleViolation(
                    f"{controller.code} was seen towards {controlled.code} ({Sign(sign).label.lower()}, "
                    f"{clock_time(at, clock)}): the two are kept apart, so {person.code} cannot go to "
                    f"{area.name}, where {other.code} is.",
                    rule="separation.controller-with-controlled",
                )


def _refresh_alerts(operation: Operation, moment: datetime) -> None:
    """Open an alert for every two persons in one area who must be kept apart — a suspect with a potential
    victim, a suspect in an area that holds potential victims (with each person there who is not a
    suspect), a person seen controlling another — naming who must move (never the victim); clear the ones
    that no longer hold (someone was moved, released, or re-designated)."""
    persons = list(operation.persons.filter(outcome="", area__isnull=False).select_related("area"))
    designations = _current_designations(operation)
    control = _control_pairs(operation)
    by_id = {p.pk: p for p in persons}
    by_area: dict[uuid.UUID, list[Person]] = {}
    for p in persons:
        by_area.setdefault(p.area_id, []).append(p)  # type: ignore[arg-type]  # placed: area_id is set
    wanted: dict[tuple[uuid.UUID, uuid.UUID, uuid.UUID], str] = {}

    def designation(p: Person) -> str:
        return designations.get(p.pk, DesignationStatus.UNDETERMINED)

    # a suspect against everyone else in the area; anyone else only against those seen controlled by them
    # (in one area at a time, never every pair of the operation: hundreds of persons are placed at once)
    for mover in persons:
        if designation(mover) != DesignationStatus.SUSPECT:
            continue
        assert mover.area is not None
        for other in by_area[mover.area.pk]:
            if other.pk == mover.pk:
                continue
            key = (mover.area.pk, mover.pk, other.pk)
            if designation(other) == DesignationStatus.POTENTIAL_VICTIM:
                wanted[key] = SeparationReason.SUSPECT_WITH_VICTIM
            elif (
                mover.area.holds == AreaHolds.POTENTIAL_VICTIMS
                and designation(other) != DesignationStatus.SUSPECT
            ):
                wanted[key] = SeparationReason.SUSPECT_IN_VICTIMS_AREA
            elif (mover.pk, other.pk) in control and designation(other) != DesignationStatus.SUSPECT:
                wanted[key] = SeparationReason.CONTROLLER_WITH_CONTROLLED
    for controller_id, controlled_id in control:
        controller, controlled = by_id.get(controller_id), by_id.get(controlled_id)
        if controller is None or controlled is None or controller.pk == controlled.pk:
            continue
        if controller.area_id != controlled.area_id or controller.area is None:
            continue
        if DesignationStatus.SUSPECT in (designation(controller), designation(controlled)):
            continue  # a suspect mover was weighed above; nobody is kept from a suspect for control
        key = (controller.area.pk, controller.pk, controlled.pk)
        wanted[key] = SeparationReason.CONTROLLER_WITH_CONTROLLED
    open_alerts = list(SeparationAlert.objects.filter(operation=operation, cleared_at__isnull=True))
    open_pairs = {(a.area_id, a.suspect_id, a.potential_victim_id): a for a in open_alerts}
    for key, alert in open_pairs.items():
        if key in wanted and wanted[key] != alert.reason:
            # the same two, apart for a new reason (seen controlling her, then designated): the alert stays
            # open from the first moment, with the reason that holds now
            alert.reason = wanted[key]
            alert.save(update_fields=["reason", "updated_at"])
        elif key not in wanted:
            alert.cleared_at = moment
            alert.save(update_fields=["cleared_at", "updated_at"])
            record(
                actor=None,
                event=AuditEvent.SEPARATION_ALERT_CLEARED,
                target=alert,
                operation_id=operation.pk,
                actor_label="haven",
            )
    raised = False
    for (area_id, mover_id, other_id), reason in wanted.items():
        if (area_id, mover_id, other_id) in open_pairs:
            continue
        raised = True
        alert = SeparationAlert.objects.create(
            operation=operation,
            area_id=area_id,
            suspect_id=mover_id,
            potential_victim_id=other_id,
            reason=reason,
            raised_at=moment,
        )
        record(
            actor=None,
            event=AuditEvent.SEPARATION_ALERT_RAISED,
            target=alert,
            operation_id=operation.pk,
            actor_label="haven",
            details={"reason": reason},
        )
    if raised:
        notices.separation_raised(operation=operation)


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
    problems += [Problem("languages", language_tag_problem(c)) for c in languages if language_tag_problem(c)]
    if Population.MINOR in tags and Population.ADULT in tags:
        problems.append(Problem("tags", "a person is tagged minor or adult, not both"))
    if operation.persons.filter(code=code).exists():
        problems.append(Problem("code", f"{code} is already registered on this operation"))
    if problems:
        raise ValidationFailed(problems, what="person")
    person = Person(
        operation=operation,
        code=code,
        encountered_at=_when(encountered_at or operation.starts_at, "encountered_at"),
        priority=priority,
        interviewer_gender=interviewer_gender,
        registered_by=actor,
    )
    target_area = _area_of(operation, area)
    _clean(person)
    person.save()
    PersonTag.objects.bulk_create([PersonTag(person=person, tag=t) for t in dict.fromkeys(tags)])
    PersonLanguage.objects.bulk_create(
        [PersonLanguage(person=person, code=c) for c in dict.fromkeys(language_tag(c) for c in languages)]
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


@transaction.atomic
def designation_record(
    *, actor: User, person: Person, status: str, at: datetime | None = None, move_to: str | None = None
) -> Designation:
    """Record an investigative designation; every change is kept, and it can change back. Rules:
    investigative agencies only; `move_to` moves the person in the same step (designating a suspect who
    is with potential victims says where they go); a suspect left with potential victims, or in an area
    that holds them, raises a separation alert naming who must move, open until they are moved."""
    require(_standing(actor, person.operation), Compartment.INVESTIGATIVE, Access.WRITE, hide=False)
    target = _area_of(person.operation, move_to)
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
    if target is not None and target.pk != person.area_id:
        _place(actor=actor, person=person, area=target, at=designation.at)  # refreshes the alerts
    else:
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
    if towards is not None and rules.shows_control(signs):
        # from this moment the two are kept apart: together in one area, an alert says who moves
        _refresh_alerts(person.operation, observation.at)
    return observation
