"""Generating an after-action report: decide, read, compute, publish for the audience, audit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from django.utils import timezone

from haven.accounts.models import User
from haven.audit.events import AuditEvent
from haven.audit.services import record
from haven.core.clock import zone
from haven.core.errors import ValidationFailed
from haven.core.problems import Problem
from haven.operations.selectors import operation_for
from haven.operations.services import readiness_policy
from haven.reports.audiences import Audience, Published, publish
from haven.reports.figures import Scope, TimelineRow, compute
from haven.reports.policies import audiences_for, default_audience, reads_plan_history, report_scope
from haven.reports.selectors import report_input

FORMAT = "haven.after-action/v1"
FORMATS = ("html", "json", "md", "csv", "pdf")


@dataclass(frozen=True)
class Report:
    """One generated report: about which operation, for whom, and the figures that audience reads."""

    code: str
    name: str
    exercise: bool
    starts_at: datetime
    ends_at: datetime
    audience: Audience
    scope: Scope
    agency: str  # the service agency whose clients a service-agency report covers ("" for the task force)
    generated_at: datetime
    generated_by: str
    limit_minutes: int
    published: Published
    timeline: list[TimelineRow] = field(default_factory=list)
    audiences: tuple[Audience, ...] = ()  # the audiences the actor may ask for
    utc_offset_minutes: int = 0  # the operation's clock: every moment of the report is read on it

    @property
    def zone(self) -> tzinfo:
        return zone(self.utc_offset_minutes)

    @property
    def threshold(self) -> int:
        return self.published.threshold

    @property
    def figures(self) -> dict[str, Any]:
        return self.published.values

    @property
    def internal(self) -> bool:
        return self.audience is Audience.INTERNAL


def parse_audience(text: str | None) -> Audience | None:
    """`internal`, `shareable`, or nothing (the actor's default); anything else is refused by name."""
    if not text:
        return None
    try:
        return Audience(text)
    except ValueError:
        raise ValidationFailed(
            [Problem("audience", f"'{text[:40]}' is not one of internal, shareable")], what="report"
        ) from None


def report_generate(
    *,
    actor: User,
    code: str,
    audience: Audience | None,
    format: str,  # noqa: A002 - the audit detail's name
    via: str,
    now: datetime | None = None,
) -> Report:
    """Generate the after-action report of an operation for an audience, and audit it.

    Rules: see `haven.reports.policies` (who may generate which); every generation — page, download or
    command — records one REPORT_GENERATED event with the audience and the format."""
    operation, standing = operation_for(actor, code)
    chosen = audience or default_audience(standing)
    scope = report_scope(standing, chosen)
    policy = readiness_policy()
    moment = now or timezone.now()
    facts = report_input(
        operation=operation,
        scope=scope,
        agency_id=actor.agency_id if scope is Scope.SERVICE_AGENCY else None,
        now=moment,
        limit_minutes=policy.provider_contact_limit_minutes,
        plan_history=reads_plan_history(standing),
    )
    published = publish(compute(facts), chosen, policy.suppression_threshold)
    record(
        actor=actor,
        event=AuditEvent.REPORT_GENERATED,
        target=operation,
        operation_id=operation.pk,
        details={"audience": chosen.value, "format": format, "via": via, "kind": scope.value},
    )
    return Report(
        code=operation.code,
        name=operation.name,
        exercise=operation.is_exercise,
        starts_at=operation.starts_at,
        ends_at=operation.ends_at,
        audience=chosen,
        scope=scope,
        agency=actor.agency.name if scope is Scope.SERVICE_AGENCY else "",
        generated_at=moment,
        generated_by=actor.username,
        limit_minutes=policy.provider_contact_limit_minutes,
        published=published,
        timeline=published.timeline,
        audiences=tuple(audiences_for(standing)),
        utc_offset_minutes=operation.utc_offset_minutes,
    )
