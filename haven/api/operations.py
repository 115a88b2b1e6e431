"""Operations and their plans over HTTP: list, read, create, the plan (read and save), readiness, approval
and the briefings — through the same selectors, services and policy as the pages.

Every view starts from `operation_for` (the same 404 for a hidden operation and a missing one), then asks
the policy what this caller may see or do, and only then reads a request body: a caller who may not act
is refused whatever they send, and never learns what was wrong with it.
"""

from __future__ import annotations

import re
from typing import Final, Literal

from django.http import HttpRequest, HttpResponse
from ninja import HeaderEx, P, QueryEx, Router, Status

from haven.access.policies import Access, Compartment, Standing, allows, may_create_operation, require
from haven.accounts.models import User
from haven.api import errors
from haven.api.schemas import (
    MAX_VERSION,
    PLAN_DOCUMENT,
    ApprovalIn,
    ConfirmationOut,
    ConflictOut,
    ErrorOut,
    FullPlanOut,
    InvalidOut,
    OperationFullOut,
    OperationListOut,
    OperationOut,
    OperationServiceOut,
    PlanOut,
    PlanSavedOut,
    ReadinessOut,
    ReadinessServiceOut,
    RuleViolationOut,
    ServicePlanOut,
    operation_full,
    operation_service,
    readiness_full,
    request_body,
    service_briefing_view,
)
from haven.audit.events import AuditEvent
from haven.audit.services import record
from haven.core.errors import Forbidden, NotFound, ValidationFailed
from haven.core.problems import InvalidInput, Problem
from haven.operations.models import Operation
from haven.operations.selectors import current_plan, operation_for, operations_visible_to, standing_on
from haven.operations.services import operation_approve, operation_create, plan_save, readiness_policy
from haven.plans import Plan, full_briefing, parse_plan, render_markdown, render_pdf, service_briefing
from haven.plans.formats import CODE_RE
from haven.readiness import ReadinessReport, evaluate

router = Router(tags=["operations"])

_PLAN_BODY: Final = request_body(
    PLAN_DOCUMENT, "A whole plan document (haven.operation-plan/v1) as JSON; unknown keys are refused."
)
_VERSION_RE: Final = re.compile(r"[1-9][0-9]{0,8}")
_BRIEFING_TYPES: Final = {"md": "text/markdown; charset=utf-8", "pdf": "application/pdf"}
_ETAG_DOC: Final = {
    "ETag": {
        "description": 'the plan version, quoted ("3"): send it back as If-Match',
        "schema": {"type": "string"},
    }
}


# -- shared steps -------------------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]  # set by HavenSession
    assert isinstance(user, User)
    return user


def _visible(request: HttpRequest, code: str) -> tuple[User, Operation, Standing]:
    """The operation the caller's agency takes part in, or the same 404 as for one that does not exist."""
    actor = _actor(request)
    if not CODE_RE.fullmatch(code):
        # no operation has such a code; and text a database cannot hold (NUL) never reaches it
        raise NotFound
    operation, standing = operation_for(actor, code)
    errors.mark_exercise(request, operation.is_exercise)
    return actor, operation, standing


def _report(plan: Plan) -> ReadinessReport:
    return evaluate(plan, readiness_policy())


def _summary(operation: Operation, plan: Plan, standing: Standing) -> OperationFullOut | OperationServiceOut:
    ready = _report(plan).ready
    if allows(standing, Compartment.FULL_PLAN, Access.READ):
        return operation_full(operation, plan, ready=ready)
    require(standing, Compartment.READINESS_STATUS, Access.READ)
    return operation_service(operation, plan, ready=ready)


def _reloaded(operation: Operation) -> Operation:
    return Operation.objects.select_related("current_version", "approved_version").get(pk=operation.pk)


def _plan_body(request: HttpRequest, *, also: list[Problem] | None = None) -> Plan:
    """The plan document in the body, refused with every problem (and any `also`) at once."""
    problems = list(also or [])
    try:
        plan = parse_plan(request.body, filename="plan.json")
    except InvalidInput as invalid:
        problems += invalid.problems
    if problems:
        raise ValidationFailed(problems, what="request" if also else "plan")
    return plan


def _base_version(base_version: int | None, if_match: str | None) -> tuple[int | None, list[Problem]]:
    """The version the caller edited: `?base_version=N` or `If-Match: "N"` (both: they must agree)."""
    from_header: int | None = None
    if if_match is not None:
        tag = if_match.strip().removeprefix("W/").strip('"')
        if not _VERSION_RE.fullmatch(tag):
            return None, [Problem("If-Match", 'must be the quoted plan version you edited, e.g. "3"')]
        from_header = int(tag)
    if base_version is not None and from_header is not None and base_version != from_header:
        return None, [Problem("base_version", f"says {base_version} but If-Match says {from_header}")]
    chosen = base_version if base_version is not None else from_header
    if chosen is None:
        return None, [
            Problem(
                "base_version", 'give the version you edited: ?base_version=N or the header If-Match: "N"'
            )
        ]
    return chosen, []


# -- operations ---------------------------------------------------------------------------------------------


@router.get(
    "",
    response={200: OperationListOut, 401: ErrorOut},
    summary="The operations your agency takes part in",
)
def operations_list(request: HttpRequest) -> OperationListOut:
    """Each as its audience sees it; an operation your agency is not on is not listed. One audit event."""
    actor = _actor(request)
    operations = list(operations_visible_to(actor).select_related("current_version", "approved_version"))
    items = [_summary(op, current_plan(op), standing_on(actor, op)) for op in operations]
    record(actor=actor, event=AuditEvent.OPERATIONS_LISTED, details={"count": len(items), "via": "api"})
    errors.mark_exercise(request, any(op.is_exercise for op in operations))
    return OperationListOut(operations=items)


@router.post(
    "",
    response={201: OperationFullOut, 400: InvalidOut, 401: ErrorOut, 403: ErrorOut},
    openapi_extra=_PLAN_BODY,
    summary="Create an operation from a plan document (coordinators of investigative agencies)",
)
def operations_create(request: HttpRequest, exercise: bool = False) -> Status[OperationFullOut]:
    """`?exercise=true` marks a tabletop exercise on fictional data."""
    actor = _actor(request)
    if not may_create_operation(actor):
        raise Forbidden("Only a coordinator of an investigative agency can create an operation.")
    plan = _plan_body(request)
    operation = _reloaded(operation_create(actor=actor, plan=plan, is_exercise=exercise))
    errors.mark_exercise(request, operation.is_exercise)
    return Status(201, operation_full(operation, plan, ready=_report(plan).ready))


@router.get(
    "/{code}",
    response={200: OperationOut, 401: ErrorOut, 404: ErrorOut},
    summary="One operation: the full summary for full-plan readers, dates only for everyone else",
)
def operations_detail(request: HttpRequest, code: str) -> OperationFullOut | OperationServiceOut:
    actor, operation, standing = _visible(request, code)
    summary = _summary(operation, current_plan(operation), standing)
    record(
        actor=actor,
        event=AuditEvent.OPERATION_VIEWED,
        target=operation,
        operation_id=operation.pk,
        details={"via": "api", "audience": summary.audience},
    )
    return summary


# -- the plan -----------------------------------------------------------------------------------------------


@router.get(
    "/{code}/plan",
    response={200: PlanOut, 401: ErrorOut, 404: ErrorOut},
    openapi_extra={"responses": {200: {"headers": _ETAG_DOC}}},
    summary="The plan as your agency may see it: the whole document, or the service briefing",
)
def plan_read(request: HttpRequest, code: str, response: HttpResponse) -> FullPlanOut | ServicePlanOut:
    actor, operation, standing = _visible(request, code)
    version = operation.current_version
    assert version is not None
    if allows(standing, Compartment.FULL_PLAN, Access.READ):
        record(
            actor=actor,
            event=AuditEvent.PLAN_EXPORTED,
            target=operation,
            operation_id=operation.pk,
            details={"format": "json", "via": "api", "version": version.number},
        )
        response["ETag"] = f'"{version.number}"'
        return FullPlanOut(
            code=operation.code,
            exercise=operation.is_exercise,
            status=operation.status,  # type: ignore[arg-type]
            version=version.number,
            plan=version.document,
        )
    require(standing, Compartment.SERVICE_BRIEFING, Access.READ)
    plan = current_plan(operation)
    record(
        actor=actor,
        event=AuditEvent.BRIEFING_VIEWED,
        target=operation,
        operation_id=operation.pk,
        details={"audience": "service", "via": "api"},
    )
    return ServicePlanOut(
        code=operation.code,
        exercise=operation.is_exercise,
        ready=_report(plan).ready,
        briefing=service_briefing_view(plan),
    )


@router.put(
    "/{code}/plan",
    response={
        200: PlanSavedOut,
        400: InvalidOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ConflictOut | ConfirmationOut,
    },
    openapi_extra={**_PLAN_BODY, "responses": {200: {"headers": _ETAG_DOC}}},
    summary="Save the whole plan as a new version (coordinators on the full plan)",
)
def plan_replace(
    request: HttpRequest,
    code: str,
    response: HttpResponse,
    *,
    base_version: QueryEx[
        int | None, P(ge=1, le=MAX_VERSION, description="the plan version you edited")
    ] = None,
    if_match: HeaderEx[
        str | None, P(alias="If-Match", description='the plan version you edited: "N"')
    ] = None,
    confirm_removal: QueryEx[
        list[str],
        P(
            max_length=100,
            description="agency ids this save drops although they hold records of their own on the "
            "operation: each keeps its own records and consents there (409 confirmation_required names them)",
        ),
    ] = [],  # noqa: B006 - ninja copies the default per request
) -> PlanSavedOut:
    """Saving what is already there makes no new version. A save based on an older version is refused (409)
    when someone else changed the same sections since; otherwise it is merged section by section. A save
    that drops an agency holding records of its own there is refused (409 `confirmation_required`, naming
    them) until `confirm_removal` names each."""
    actor, operation, standing = _visible(request, code)
    require(standing, Compartment.FULL_PLAN, Access.WRITE, hide=False)
    base, problems = _base_version(base_version, if_match)
    plan = _plan_body(request, also=problems)
    assert base is not None
    result = plan_save(
        actor=actor, operation=operation, plan=plan, base_version=base, confirm_removal=confirm_removal
    )
    operation = _reloaded(operation)
    response["ETag"] = f'"{result.version.number}"'
    return PlanSavedOut(
        code=operation.code,
        exercise=operation.is_exercise,
        status=operation.status,  # type: ignore[arg-type]
        version=result.version.number,
        plan=result.version.document,
        changed=result.changed,
        returned_to_review=result.returned_to_review,
    )


# -- readiness and approval ---------------------------------------------------------------------------------


@router.get(
    "/{code}/readiness",
    response={200: ReadinessOut, 401: ErrorOut, 404: ErrorOut},
    by_alias=True,
    summary="Readiness: every rule with its message (investigative agencies), or ready / not ready",
)
def readiness_read(request: HttpRequest, code: str) -> object:
    actor, operation, standing = _visible(request, code)
    report = _report(current_plan(operation))
    full = allows(standing, Compartment.READINESS_MESSAGES, Access.READ)
    if not full:
        require(standing, Compartment.READINESS_STATUS, Access.READ)
    record(
        actor=actor,
        event=AuditEvent.READINESS_VIEWED,
        target=operation,
        operation_id=operation.pk,
        details={"via": "api", "audience": "full" if full else "service"},
    )
    if full:
        return readiness_full(operation, report)
    return ReadinessServiceOut(code=operation.code, exercise=operation.is_exercise, ready=report.ready)


@router.post(
    "/{code}/approval",
    response={
        200: OperationFullOut,
        400: InvalidOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ConflictOut,
        422: RuleViolationOut,
    },
    openapi_extra=request_body("ApprovalIn", "The plan version you reviewed."),
    summary="Approve the current plan version (refused while any readiness rule fails)",
)
def approval_create(request: HttpRequest, code: str) -> OperationFullOut:
    actor, operation, standing = _visible(request, code)
    require(standing, Compartment.FULL_PLAN, Access.WRITE, hide=False)
    body = errors.read_body(request, ApprovalIn)
    operation_approve(actor=actor, operation=operation, version=body.version)
    operation = _reloaded(operation)
    plan = current_plan(operation)
    return operation_full(operation, plan, ready=_report(plan).ready)


# -- briefings ----------------------------------------------------------------------------------------------


@router.get(
    "/{code}/briefing",
    response={400: InvalidOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    openapi_extra={
        "responses": {
            200: {
                "description": "The briefing, as Markdown or PDF",
                "content": {
                    "text/markdown": {"schema": {"type": "string"}},
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                },
            }
        }
    },
    summary="The service briefing or the full plan, as Markdown or PDF",
)
def briefing_read(
    request: HttpRequest,
    code: str,
    audience: QueryEx[
        Literal["service", "full"] | None,
        P(description="default: full for full-plan readers, service for everyone else"),
    ] = None,
    format_: QueryEx[Literal["md", "pdf"], P(alias="format")] = "md",
) -> HttpResponse:
    actor, operation, standing = _visible(request, code)
    reads_full = allows(standing, Compartment.FULL_PLAN, Access.READ)
    chosen = audience or ("full" if reads_full else "service")
    compartment = Compartment.FULL_PLAN if chosen == "full" else Compartment.SERVICE_BRIEFING
    require(standing, compartment, Access.READ, hide=False)
    plan = current_plan(operation)
    report = _report(plan)
    briefing = (
        full_briefing(plan, exercise=operation.is_exercise, readiness=report.to_briefing_note())
        if chosen == "full"
        else service_briefing(plan, exercise=operation.is_exercise, ready=report.ready)
    )
    content = render_pdf(briefing) if format_ == "pdf" else render_markdown(briefing).encode("utf-8")
    record(
        actor=actor,
        event=AuditEvent.BRIEFING_EXPORTED,
        target=operation,
        operation_id=operation.pk,
        details={"audience": chosen, "format": format_, "via": "api"},
    )
    response = HttpResponse(content, content_type=_BRIEFING_TYPES[format_])
    response["Content-Disposition"] = f'inline; filename="{operation.code}-{chosen}-briefing.{format_}"'
    if operation.is_exercise:
        response[errors.EXERCISE_HEADER] = "true"
    return response
