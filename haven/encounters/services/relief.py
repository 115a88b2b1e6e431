"""Immigration relief: Continued Presence and T/U-visa certification steps."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from haven.access.policies import Access, Compartment, require
from haven.accounts.models import AgencyType, User
from haven.audit.events import AuditEvent
from haven.audit.services import record
from haven.core.errors import RuleViolation, ValidationFailed
from haven.core.problems import Problem
from haven.encounters.models import (
    Person,
    Population,
    ReliefKind,
    ReliefStatus,
    ReliefStep,
)
from haven.encounters.services._base import (
    _clean,
    _standing,
    _when,
)

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
