"""Who may generate which after-action report: one decision, from the actor's standing on the operation.

Rules, in the spirit of access-policy.md:

- an agency not on the operation sees no report, and does not learn the operation exists (NotFound);
- investigative agencies (law enforcement, federal law enforcement, prosecutors) read every figure:
  their coordinators the `internal` report (exact counts, the per-person timeline by pseudonymous code),
  their other members the `shareable` one (de-identified, suppressed);
- a service agency reads only the figures about needs and services for its own clients — the persons its
  users recorded a needs assessment or a service record for — never investigative ones (designations,
  interviews, relief decisions, separation alerts, danger flags, the plan's readiness): its coordinators
  exactly, its other members suppressed;
- the plan's amendments (how many, which sections, when, by whom) belong to the full plan's history: they
  are in the report only for those on the full plan's distribution;
- consents belong to the provider that recorded them: a service agency's report counts its own, the task
  force's report none.
"""

from __future__ import annotations

from haven.access.policies import Access, Compartment, Standing, allows
from haven.core.errors import Forbidden, NotFound
from haven.reports.audiences import Audience
from haven.reports.figures import Scope


def audiences_for(standing: Standing) -> list[Audience]:
    """The audiences this actor may generate a report for, most detailed first."""
    if not standing.on_operation:
        return []
    if standing.coordinator:
        return [Audience.INTERNAL, Audience.SHAREABLE]
    return [Audience.SHAREABLE]


def default_audience(standing: Standing) -> Audience:
    """The most detailed report the actor may have (what the report page opens with)."""
    allowed = audiences_for(standing)
    if not allowed:
        raise NotFound("No such operation.")
    return allowed[0]


def report_scope(standing: Standing, audience: Audience) -> Scope:
    """Decide whether the actor may generate a report for this audience, and whose figures it holds.

    Refuses with NotFound off the operation (hidden and missing look the same) and with Forbidden for an
    audience the actor's role does not reach."""
    if not standing.on_operation:
        raise NotFound("No such operation.")
    if audience not in audiences_for(standing):
        raise Forbidden(
            "The internal after-action report is for coordinators; ask for the shareable one "
            "(audience=shareable)."
        )
    if allows(standing, Compartment.INVESTIGATIVE, Access.READ):
        return Scope.TASK_FORCE
    return Scope.SERVICE_AGENCY


def reads_plan_history(standing: Standing) -> bool:
    """The plan's versions and amendments are part of the full plan (access-policy.md)."""
    return allows(standing, Compartment.FULL_PLAN, Access.READ)
