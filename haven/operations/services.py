"""Every change to an operation and its plan: versions, approval, amendments — each one audited."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from haven.access.policies import Access, Compartment, may_create_operation, require
from haven.accounts.models import Agency, User
from haven.accounts.services import agency_create_for_plan
from haven.audit.events import AuditEvent, Outcome
from haven.audit.services import record
from haven.core.clock import clock_time, offset_minutes
from haven.core.errors import ConfirmationRequired, Conflict, Forbidden, RuleViolation, ValidationFailed
from haven.core.problems import Problem
from haven.notifications.models import Kind
from haven.notifications.services import notification_send
from haven.operations.models import (
    Area,
    InterviewLocation,
    Operation,
    OperationAgency,
    OperationStatus,
    PlanVersion,
    RecordHolder,
    VersionKind,
)
from haven.operations.selectors import operations_visible_to, plan_of, readers_on, standing
from haven.plans import Plan, parse_plan, plan_to_dict
from haven.plans.briefing import service_briefing
from haven.readiness import DEFAULT_POLICY, Policy, evaluate, load_policy_file

SECTIONS = (
    "operation",
    "agencies",
    "mou",
    "communications",
    "distribution",
    "sites",
    "anticipated",
    "victim_services",
    "resources",
    "interview_locations",
    "separation",
    "interviews",
    "legal_authorities",
    "immigration_relief",
    "victim_information",
)


def readiness_policy() -> Policy:
    """The task force's readiness policy: `HAVEN_READINESS_POLICY` (a policy file) or the defaults."""
    path = getattr(settings, "HAVEN_READINESS_POLICY", "")
    return load_policy_file(path) if path else DEFAULT_POLICY


def _changed_sections(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    if before is None:
        return [s for s in SECTIONS if s in after]
    return [s for s in SECTIONS if before.get(s) != after.get(s)]


def _haven_agencies(*, actor: User, plan: Plan) -> dict[str, Agency]:
    """Map each plan agency to the Haven agency of the same id, adding the ones Haven lacks.

    Rule: access follows the Haven agency's type, which only admins change; a plan that gives an agency
    another type than Haven knows it by is refused, so a plan cannot raise an agency's access."""
    known = {a.slug: a for a in Agency.objects.filter(slug__in=[a.id for a in plan.agencies])}
    problems = [
        Problem(
            f"agencies[{i}].type",
            f"'{entry.type.value}' differs from the type Haven knows {entry.id} by ({known[entry.id].type}); "
            "an admin changes an agency's type in Haven",
        )
        for i, entry in enumerate(plan.agencies)
        if entry.id in known and known[entry.id].type != entry.type.value
    ]
    # an agency Haven lacks but knows by the same name is a typo of its id (harbour-vs for harbor-vs): a
    # second "Harbor Victim Services" that no user belongs to would keep the real provider off the operation
    new = [(i, entry) for i, entry in enumerate(plan.agencies) if entry.id not in known]
    if new:
        by_name = {_name_key(a.name): a for a in Agency.objects.all()}
        for i, entry in new:
            twin = by_name.get(_name_key(entry.name))
            if twin is not None:
                problems.append(
                    Problem(
                        f"agencies[{i}].id",
                        f"'{entry.id}' is not in Haven, but {twin.name} is, as '{twin.slug}': use that id "
                        "(a new agency with the same name would have none of its users)",
                    )
                )
    if problems:
        raise ValidationFailed(problems, what="plan")
    for entry in plan.agencies:
        if entry.id not in known:
            known[entry.id] = agency_create_for_plan(
                actor=actor, slug=entry.id, name=entry.name, type=entry.type.value
            )
    return known


def _name_key(name: str) -> str:
    """An agency's name as compared for twins: case, spacing and punctuation aside."""
    return " ".join("".join(ch if ch.isalnum() else " " for ch in name.casefold()).split())


def _check_actor_keeps_access(actor: User, plan: Plan) -> None:
    full = set(plan.distribution.full_plan) if plan.distribution else set()
    if actor.agency.slug not in full:
        raise ValidationFailed(
            [
                Problem(
                    "distribution.full_plan",
                    f"must include your agency ({actor.agency.slug}): otherwise you could no longer see or edit this plan",
                )
            ],
            what="plan",
        )


def _sync(operation: Operation, plan: Plan, agencies: dict[str, Agency]) -> None:
    """Refresh the typed tables the rest of Haven queries from the plan just saved."""
    operation.name = plan.operation.name
    operation.kind = plan.operation.kind.value
    operation.starts_at = plan.operation.starts_at
    operation.ends_at = plan.operation.ends_at
    operation.utc_offset_minutes = offset_minutes(plan.operation.starts_at)
    full = set(plan.distribution.full_plan) if plan.distribution else set()
    briefing = set(plan.distribution.service_briefing) if plan.distribution else set()
    listed = {a.id for a in plan.agencies}
    OperationAgency.objects.filter(operation=operation).exclude(plan_id__in=listed).delete()
    for entry in plan.agencies:
        OperationAgency.objects.update_or_create(
            operation=operation,
            plan_id=entry.id,
            defaults={
                "agency": agencies[entry.id],
                "on_full_plan": entry.id in full,
                "on_service_briefing": entry.id in briefing,
            },
        )
    areas = plan.separation.areas if plan.separation else ()
    Area.objects.filter(operation=operation).exclude(plan_id__in=[a.id for a in areas]).update(retired=True)
    for area in areas:
        Area.objects.update_or_create(
            operation=operation,
            plan_id=area.id,
            defaults={
                "name": area.name or area.id,
                "holds": area.holds.value,
                "location": area.location or "",
                "retired": False,
            },
        )
    locations = plan.interview_locations
    InterviewLocation.objects.filter(operation=operation).exclude(
        plan_id__in=[loc.id for loc in locations]
    ).update(retired=True)
    for loc in locations:
        InterviewLocation.objects.update_or_create(
            operation=operation,
            plan_id=loc.id,
            defaults={
                "name": loc.name or loc.id,
                "setting": loc.setting.value,
                "private_rooms": loc.private_rooms or 0,
                "retired": False,
            },
        )


def _new_version(
    *, operation: Operation, plan: Plan, actor: User, kind: VersionKind, before: dict[str, Any] | None
) -> PlanVersion:
    document = plan_to_dict(plan)
    report = evaluate(plan, readiness_policy())
    number = (operation.current_version.number if operation.current_version else 0) + 1
    version = PlanVersion(
        operation=operation,
        number=number,
        document=document,
        author=actor,
        kind=kind,
        sections_changed=_changed_sections(before, document),
        ready=report.ready,
        failing_rules=[r.rule for r in report.results if r.status.value == "fail"],
    )
    version.full_clean()
    version.save()
    operation.current_version = version
    return version


def code_taken(actor: User, code: str) -> Problem | None:
    """Why `code` cannot be the code of a new operation, or None when it is free.

    Rule (access-policy.md: a hidden record and a missing one look the same): codes are unique across
    Haven, since they are the operations' addresses. A code held by an operation the actor can see is
    refused naming that operation, which the actor knows already and can open; a code held by one the
    actor cannot see is refused in one sentence, the same for every such code, that names no operation,
    agency, status or kind (docs/security.md, "Edges")."""
    taken = Operation.objects.filter(code=code).only("pk", "name").first()
    if taken is None:
        return None
    if operations_visible_to(actor).filter(pk=taken.pk).exists():
        return Problem(
            "operation.code",
            f"'{code}' is already the code of {taken.name}, an operation your agency is on; "
            "choose another code",
        )
    return Problem("operation.code", f"'{code}' cannot be used as an operation's code; choose another code")


@transaction.atomic
def operation_create(*, actor: User, plan: Plan, is_exercise: bool = False) -> Operation:
    """Create an operation from a plan. Rules: coordinators of investigative agencies create operations;
    the code is unique, and taken by an operation the actor cannot see it is refused without saying so
    (`code_taken`); the creator's agency is on `distribution.full_plan`."""
    if not may_create_operation(actor):
        raise Forbidden("Only a coordinator of an investigative agency can create an operation.")
    taken = code_taken(actor, plan.operation.code)
    if taken is not None:
        raise ValidationFailed([taken], what="plan")
    _check_actor_keeps_access(actor, plan)
    agencies = _haven_agencies(actor=actor, plan=plan)
    operation = Operation(
        code=plan.operation.code,
        name=plan.operation.name,
        kind=plan.operation.kind.value,
        starts_at=plan.operation.starts_at,
        ends_at=plan.operation.ends_at,
        utc_offset_minutes=offset_minutes(plan.operation.starts_at),
        is_exercise=is_exercise,
        created_by=actor,
    )
    operation.full_clean(exclude=["current_version", "approved_version"])
    operation.save()
    version = _new_version(operation=operation, plan=plan, actor=actor, kind=VersionKind.CREATED, before=None)
    _sync(operation, plan, agencies)
    operation.save()
    record(
        actor=actor,
        event=AuditEvent.OPERATION_CREATED,
        target=operation,
        operation_id=operation.pk,
        subject_agency_id=actor.agency_id,
        details={"version": version.number, "exercise": is_exercise},
    )
    return operation


class RemovalNeedsConfirmation(ConfirmationRequired):
    """The plan drops agencies that hold records of their own on the operation: the coordinator confirms,
    knowing what each keeps (`agencies`: their ids in the plan)."""

    @property
    def agencies(self) -> list[str]:
        return self.subjects


def _check_removals(operation: Operation, plan: Plan, confirmed: Iterable[str]) -> None:
    """Rule (issue 12): an agency that holds records or consents on the operation keeps managing them
    whatever the plan says; removing it from the plan says so and needs the author's confirmation."""
    listed = {a.id for a in plan.agencies}
    holders = list(
        RecordHolder.objects.filter(operation=operation)
        .exclude(agency__slug__in=listed)
        .filter(agency__participations__operation=operation)  # on the plan until this save
        .select_related("agency")
        .order_by("agency__name")
    )
    unconfirmed = [h.agency for h in holders if h.agency.slug not in set(confirmed)]
    if not unconfirmed:
        return
    names = ", ".join(f"{a.name} ({a.slug})" for a in unconfirmed)
    one = len(unconfirmed) == 1
    raise RemovalNeedsConfirmation(
        f"{names} {'holds' if one else 'hold'} records of {'its' if one else 'their'} own on this operation. "
        f"Taken off the plan, {'it keeps' if one else 'each keeps'} reading and managing those records and the "
        "consents it recorded — a client's revocation can always be recorded — and sees nothing else of the "
        "operation. Confirm the removal to save; nothing was saved yet.",
        subjects=[a.slug for a in unconfirmed],
    )


class SectionConflict(Conflict):
    """Another save changed the same sections since this one's base version."""

    def __init__(self, sections: list[str], message: str) -> None:
        self.sections = sections
        super().__init__(message)


@dataclass(frozen=True)
class SaveResult:
    version: PlanVersion
    changed: bool
    returned_to_review: bool = False


def plan_save(
    *,
    actor: User,
    operation: Operation,
    plan: Plan,
    base_version: int,
    sections: Iterable[str] | None = None,
    kind: VersionKind | None = None,
    confirm_removal: Iterable[str] = (),
) -> SaveResult:
    """Save a new version of the plan.

    Rules: only a coordinator of an investigative agency on the full plan writes it; a save based on an
    older version is refused when another save since then changed one of the same sections (never a silent
    overwrite); an approved plan edited before the action starts returns to review; once the action has
    started, changes are amendments — recorded and audited — and the operation stays approved."""
    try:
        return _plan_save(
            actor=actor,
            operation=operation,
            plan=plan,
            base_version=base_version,
            sections=sections,
            kind=kind,
            confirm_removal=confirm_removal,
        )
    except Conflict as refusal:
        # recorded after the refused transaction rolled back, so the refusal itself stays on record
        record(
            actor=actor,
            event=AuditEvent.PLAN_SAVE_REFUSED,
            outcome=Outcome.FAILURE,
            target=operation,
            operation_id=operation.pk,
            details={
                "sections": getattr(refusal, "sections", []),
                "reason": "confirmation required"
                if isinstance(refusal, ConfirmationRequired)
                else "conflict",
            },
        )
        raise


@transaction.atomic
def _plan_save(
    *,
    actor: User,
    operation: Operation,
    plan: Plan,
    base_version: int,
    sections: Iterable[str] | None = None,
    kind: VersionKind | None = None,
    confirm_removal: Iterable[str] = (),
) -> SaveResult:
    """The transaction of `plan_save`."""
    operation = (
        Operation.objects.select_for_update(of=("self",))
        .select_related("current_version")
        .get(pk=operation.pk)
    )
    require(standing(actor, operation), Compartment.FULL_PLAN, Access.WRITE, hide=False)
    current = operation.current_version
    assert current is not None
    document = plan_to_dict(plan)
    touched = list(sections) if sections is not None else _changed_sections(current.document, document)
    if base_version != current.number:
        base = operation.versions.filter(number=base_version).first()
        if base is None:
            raise Conflict(f"Version {base_version} of this plan does not exist; reload the plan.")
        if sections is None:
            # what this save changes is measured against the version its author opened, not against
            # the current one: the sections someone else changed meanwhile are theirs, not touched here
            touched = _changed_sections(base.document, document)
        clashing = [s for s in touched if base.document.get(s) != current.document.get(s)]
        if clashing:
            raise SectionConflict(
                clashing,
                f"{', '.join(clashing)} changed since you opened the plan: {current.author.name} saved version "
                f"{current.number} at {clock_time(current.created_at, operation.utc_offset_minutes)}. Your changes were "
                "not saved; reload to see "
                "theirs, then make yours again.",
            )
        # Other sections changed meanwhile: apply only the sections this save is about onto the current plan.
        merged = dict(current.document)
        for section in touched:
            if section in document:
                merged[section] = document[section]
            else:
                merged.pop(section, None)
        # the merge result is re-validated whole
        plan = parse_plan(json.dumps(merged))
        document = plan_to_dict(plan)
    if plan.operation.code != operation.code:
        raise ValidationFailed(
            [
                Problem(
                    "operation.code", f"cannot change from '{operation.code}'; an operation keeps its code"
                )
            ],
            what="plan",
        )
    if document == current.document:
        return SaveResult(version=current, changed=False)
    _check_actor_keeps_access(actor, plan)
    _check_removals(operation, plan, confirm_removal)
    agencies = _haven_agencies(actor=actor, plan=plan)
    started = operation.has_started()
    version_kind = kind or (
        VersionKind.AMENDMENT if started and operation.is_approved else VersionKind.EDITED
    )
    version = _new_version(
        operation=operation, plan=plan, actor=actor, kind=version_kind, before=current.document
    )
    _sync(operation, plan, agencies)
    returned = False
    if operation.is_approved and not started:
        operation.status = OperationStatus.IN_REVIEW
        returned = True
    operation.full_clean(exclude=["current_version", "approved_version"])
    operation.save()
    event = AuditEvent.PLAN_AMENDED if version.kind == VersionKind.AMENDMENT else AuditEvent.PLAN_SAVED
    record(
        actor=actor,
        event=event,
        target=operation,
        operation_id=operation.pk,
        details={"version": version.number, "sections": version.sections_changed},
    )
    if version.kind == VersionKind.AMENDMENT:
        _amendment_notify(actor, operation, version, before=plan_of(current), after=plan)
    if returned:
        record(
            actor=actor,
            event=AuditEvent.OPERATION_RETURNED_TO_REVIEW,
            target=operation,
            operation_id=operation.pk,
            details={"version": version.number},
        )
    return SaveResult(version=version, changed=True, returned_to_review=returned)


def _amendment_notify(
    actor: User, operation: Operation, version: PlanVersion, *, before: Plan, after: Plan
) -> None:
    """An amendment reaches the plan's distribution list (issue 14): who reads the full plan learns which
    sections changed; an agency on the service briefing's list that does not read the full plan learns
    only that the briefing changed, and only when it did."""
    full = readers_on(operation, Compartment.FULL_PLAN)
    notification_send(
        actor=actor,
        kind=Kind.PLAN_AMENDED,
        recipients=full,
        operation_id=operation.pk,
        operation_code=operation.code,
        target=reverse("web:history", kwargs={"code": operation.code}),
        sections=version.sections_changed,
    )
    if list(service_briefing(before).texts()) == list(service_briefing(after).texts()):
        return
    listed = OperationAgency.objects.filter(operation=operation, on_service_briefing=True)
    among = User.objects.filter(is_active=True, agency_id__in=listed.values("agency_id")).exclude(
        pk__in=[u.pk for u in full]
    )
    notification_send(
        actor=actor,
        kind=Kind.BRIEFING_AMENDED,
        recipients=readers_on(operation, Compartment.SERVICE_BRIEFING, among=among.select_related("agency")),
        operation_id=operation.pk,
        operation_code=operation.code,
        target=reverse("web:briefing", kwargs={"code": operation.code}),
    )


def operation_approve(*, actor: User, operation: Operation, version: int | None = None) -> PlanVersion:
    """Approve the current version. Rules: only a coordinator who may write the plan; refused while any
    readiness rule fails (the refusal names them); the approval names the version it approved."""
    try:
        return _operation_approve(actor=actor, operation=operation, version=version)
    except RuleViolation as refusal:
        record(
            actor=actor,
            event=AuditEvent.OPERATION_APPROVAL_REFUSED,
            outcome=Outcome.FAILURE,
            target=operation,
            operation_id=operation.pk,
            details={"rules": refusal.rule.split(",")},
        )
        raise


@transaction.atomic
def _operation_approve(*, actor: User, operation: Operation, version: int | None) -> PlanVersion:
    operation = (
        Operation.objects.select_for_update(of=("self",))
        .select_related("current_version")
        .get(pk=operation.pk)
    )
    require(standing(actor, operation), Compartment.FULL_PLAN, Access.WRITE, hide=False)
    current = operation.current_version
    assert current is not None
    if version is not None and version != current.number:
        raise Conflict(
            f"You reviewed version {version}, but the plan is now at version {current.number}; review it again."
        )
    report = evaluate(plan_of(current), readiness_policy())
    failing = [r.rule for r in report.results if r.status.value == "fail"]
    if failing:
        record(
            actor=actor,
            event=AuditEvent.OPERATION_APPROVAL_REFUSED,
            outcome=Outcome.FAILURE,
            target=operation,
            operation_id=operation.pk,
            details={"rules": failing, "version": current.number},
        )
        raise RuleViolation(
            f"Approval refused: {len(failing)} readiness rule{'s' if len(failing) != 1 else ''} fail: "
            + ", ".join(failing),
            rule=",".join(failing),
        )
    operation.status = OperationStatus.APPROVED
    operation.approved_version = current
    operation.approved_by = actor
    operation.approved_at = timezone.now()
    operation.save(update_fields=["status", "approved_version", "approved_by", "approved_at", "updated_at"])
    record(
        actor=actor,
        event=AuditEvent.OPERATION_APPROVED,
        target=operation,
        operation_id=operation.pk,
        details={"version": current.number},
    )
    return current


@dataclass(frozen=True)
class ImportResult:
    operation: Operation
    created: bool
    changed: bool


@transaction.atomic
def plan_import(
    *, actor: User, plan: Plan, is_exercise: bool = False, confirm_removal: Iterable[str] = ()
) -> ImportResult:
    """Create the operation a plan file describes, or save it as a new version of the existing one.
    Importing what is already there changes nothing; dropping an agency that holds records needs
    `confirm_removal` naming it, as any plan save does. An operation the actor cannot see is not there for
    them: its code is refused as `operation_create` refuses it."""
    existing = (
        operations_visible_to(actor)
        .filter(code=plan.operation.code)
        .select_related("current_version")
        .first()
    )
    if existing is None:
        operation = operation_create(actor=actor, plan=plan, is_exercise=is_exercise)
        record(
            actor=actor,
            event=AuditEvent.PLAN_IMPORTED,
            target=operation,
            operation_id=operation.pk,
            details={"version": 1},
        )
        return ImportResult(operation, created=True, changed=True)
    assert existing.current_version is not None
    result = plan_save(
        actor=actor,
        operation=existing,
        plan=plan,
        base_version=existing.current_version.number,
        kind=VersionKind.IMPORTED if not existing.has_started() or not existing.is_approved else None,
        confirm_removal=confirm_removal,
    )
    if result.changed:
        record(
            actor=actor,
            event=AuditEvent.PLAN_IMPORTED,
            target=existing,
            operation_id=existing.pk,
            details={"version": result.version.number},
        )
    existing.refresh_from_db()
    return ImportResult(existing, created=False, changed=result.changed)
