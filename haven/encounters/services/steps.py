"""Steps taken for a person: imminent danger flagged and answered (anyone on the operation), child welfare
notified of a minor."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from haven.access.policies import Access, Compartment, require
from haven.accounts.models import Agency, AgencyType, User
from haven.audit.events import AuditEvent
from haven.audit.services import record
from haven.core.errors import Conflict, RuleViolation, ValidationFailed
from haven.core.problems import Problem
from haven.encounters import rules
from haven.encounters.models import (
    ChildWelfareNotice,
    DangerFlag,
    Person,
)
from haven.encounters.services import notices
from haven.encounters.services._base import (
    _clean,
    _locked,
    _standing,
    _when,
)


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
    notices.danger_raised(actor=actor, person=person)
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


@transaction.atomic
def child_welfare_notify(
    *, actor: User, person: Person, agency: Agency, at: datetime | None = None
) -> ChildWelfareNotice:
    """Record that child welfare was notified of a minor. Rules: investigative agencies write the roster's
    steps; a person treated as a minor (rules.treated_as_minor: tagged minor, or no age recorded); the
    agency notified is a child welfare agency on the operation's plan; recorded once."""
    operation = person.operation
    require(_standing(actor, operation), Compartment.ROSTER, Access.WRITE, hide=False)
    if not rules.treated_as_minor(person.tags.values_list("tag", flat=True)):
        raise RuleViolation(
            f"{person.code} is recorded as an adult: child welfare is notified of minors.",
            rule="child-welfare.minor",
        )
    if agency.type != AgencyType.CHILD_WELFARE or not operation.participants.filter(agency=agency).exists():
        raise ValidationFailed(
            [Problem("agency", "is a child welfare agency on this operation's plan")],
            what="child welfare notice",
        )
    person = _locked(person)
    if ChildWelfareNotice.objects.filter(person=person).exists():
        raise Conflict(f"Child welfare was already notified of {person.code}; the notice is recorded once.")
    notice = ChildWelfareNotice(person=person, agency=agency, by=actor, at=_when(at))
    _clean(notice)
    notice.save()
    record(
        actor=actor,
        event=AuditEvent.CHILD_WELFARE_NOTIFIED,
        target=person,
        operation_id=operation.pk,
        details={"agencies": [agency.slug]},
    )
    return notice
