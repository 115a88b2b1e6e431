"""The API's request and response schemas, documented in the OpenAPI document.

Field-level need-to-know lives here, in per-audience output schemas (CONVENTIONS, "Reads"): the `full`
views are for investigative agencies on `distribution.full_plan`; the `service` views hold what the service
briefing holds (readiness.md, "The service briefing") and have no field for a site, a time of day of the
action, a suspects' area, a legal-authority note, an investigative responsibility or a plan version — so
none can leak through them, whatever the plan holds.

The plan document itself is `haven.operation-plan/v1`, defined once by `haven.plans.Plan`; its JSON Schema
is published under `#/components/schemas/PlanDocument` (see `plan_document_components`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Final, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, WithJsonSchema

from haven.operations.models import Operation
from haven.plans import Plan
from haven.plans.formats import INVESTIGATIVE_TYPES
from haven.plans.formats import Agency as PlanAgency
from haven.readiness import ReadinessReport, report_to_json

PLAN_DOCUMENT: Final = "PlanDocument"
_COMPONENTS: Final = "#/components/schemas/"
_LINK: Final = "x-haven-component"

#: The plan document as plain JSON data (`plan_to_dict`), documented by the plan format's own schema.
#: (pydantic resolves every $ref among its own definitions, so the field names its component with a marker
#: that `link_components` turns into the $ref once the component is in the document)
PlanDocument = Annotated[dict[str, Any], WithJsonSchema({"type": "object", _LINK: PLAN_DOCUMENT})]

Status = Literal["in_review", "approved"]
#: A plan version number as a request may name it (the database holds 32-bit integers).
MAX_VERSION: Final = 999_999_999


def plan_document_components() -> dict[str, dict[str, Any]]:
    """The JSON Schema of `haven.operation-plan/v1` as OpenAPI components: `PlanDocument` and its parts
    (`PlanAgency`, `PlanOperation`, …), so they cannot clash with the API's own schemas."""
    schema = Plan.model_json_schema(ref_template=_COMPONENTS + "Plan{model}", mode="validation")
    parts: dict[str, dict[str, Any]] = schema.pop("$defs", {})
    schema["title"] = "Operation plan (haven.operation-plan/v1)"
    schema["description"] = (
        "An operation plan as one JSON document. Unknown keys are refused; timestamps carry a UTC offset; "
        "ids are slugs; every agency reference names an agency of the same plan."
    )
    components = {f"Plan{name}": part for name, part in parts.items()}
    components[PLAN_DOCUMENT] = schema
    return components


def link_components(node: object) -> object:
    """Replace each `{"x-haven-component": NAME}` marker in an OpenAPI document by a $ref to NAME."""
    if isinstance(node, dict):
        if _LINK in node:
            return {"$ref": _COMPONENTS + node[_LINK]}
        return {key: link_components(value) for key, value in node.items()}
    if isinstance(node, list):
        return [link_components(item) for item in node]
    return node


def request_body(ref: str, description: str) -> dict[str, Any]:
    """An `openapi_extra` that documents a JSON request body the view reads itself.

    Bodies are read in the view, after the policy check, so that a caller who may not act is refused
    (403/404) whatever they send, and only those who may are told what is wrong with their body."""
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"application/json": {"schema": {"$ref": _COMPONENTS + ref}}},
        }
    }


# -- errors -------------------------------------------------------------------------------------------------


class ErrorOut(Schema):
    """Every refusal: a stable `code` and a message a person can act on."""

    code: str = Field(
        description="not_authenticated, second_factor_required, csrf_failed, not_found, forbidden, "
        "conflict, rule_violation, invalid"
    )
    message: str
    exercise: bool | None = Field(
        default=None, description="true when the refusal is about an exercise operation"
    )


class ProblemOut(Schema):
    path: str = Field(
        description="the field, with 0-based list indexes (`agencies[2].type`); '' for the whole body"
    )
    message: str


class InvalidOut(ErrorOut):
    code: Literal["invalid"] = "invalid"
    problems: list[ProblemOut]


class ConflictOut(ErrorOut):
    code: Literal["conflict"] = "conflict"
    sections: list[str] = Field(default_factory=list, description="the plan sections that clash, if known")


class ConfirmationOut(ErrorOut):
    code: Literal["confirmation_required"] = "confirmation_required"
    subjects: list[str] = Field(
        description="what the change concerns (for a plan: the ids of agencies it drops that hold records); "
        "repeat the request confirming each of them"
    )


class RuleViolationOut(ErrorOut):
    code: Literal["rule_violation"] = "rule_violation"
    rules: list[str] = Field(description="the ids of the readiness rules that fail")


# -- the session --------------------------------------------------------------------------------------------


class AgencyOut(Schema):
    id: str = Field(description="the agency's id (slug), as plans name it")
    name: str


class SessionOut(Schema):
    username: str
    name: str
    agency: AgencyOut
    agency_type: str
    roles: list[str]
    csrf_token: str = Field(description="send it as the X-CSRFToken header with every POST and PUT")


# -- operations ---------------------------------------------------------------------------------------------


class OperationFullOut(Schema):
    """An operation as the investigative agencies on its full plan see it."""

    audience: Literal["full"] = "full"
    code: str
    name: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    status: Status
    exercise: bool
    ready: bool
    version: int = Field(description="the current plan version; send it back as base_version or If-Match")
    approved_version: int | None


class OperationServiceOut(Schema):
    """An operation as every other agency on it sees it: the date range, never a time of day."""

    audience: Literal["service"] = "service"
    code: str
    name: str
    start_date: date
    end_date: date
    status: Status
    exercise: bool
    ready: bool


OperationOut = Annotated[OperationFullOut | OperationServiceOut, Field(discriminator="audience")]


class OperationListOut(Schema):
    operations: list[OperationOut]


def operation_full(operation: Operation, plan: Plan, *, ready: bool) -> OperationFullOut:
    assert operation.current_version is not None
    return OperationFullOut(
        code=operation.code,
        name=plan.operation.name,
        kind=plan.operation.kind.value,
        starts_at=plan.operation.starts_at,
        ends_at=plan.operation.ends_at,
        status=operation.status,  # type: ignore[arg-type]  # a TextChoices value of Status
        exercise=operation.is_exercise,
        ready=ready,
        version=operation.current_version.number,
        approved_version=operation.approved_version.number if operation.approved_version else None,
    )


def operation_service(operation: Operation, plan: Plan, *, ready: bool) -> OperationServiceOut:
    return OperationServiceOut(
        code=operation.code,
        name=plan.operation.name,
        start_date=plan.operation.starts_at.date(),
        end_date=plan.operation.ends_at.date(),
        status=operation.status,  # type: ignore[arg-type]
        exercise=operation.is_exercise,
        ready=ready,
    )


# -- the plan -----------------------------------------------------------------------------------------------


class FullPlanOut(Schema):
    """The whole plan document, for the investigative agencies on `distribution.full_plan`."""

    audience: Literal["full"] = "full"
    code: str
    exercise: bool
    status: Status
    version: int = Field(description="also sent as the ETag header; send it back to save (If-Match)")
    plan: PlanDocument


class PlanSavedOut(FullPlanOut):
    changed: bool = Field(description="false when the document equals the current version (no new version)")
    returned_to_review: bool = Field(
        description="an approved plan edited before the action returns to review"
    )


class StagingOut(Schema):
    name: str | None
    address: str | None
    private_space: bool | None


class MaterialOut(Schema):
    title: str | None
    languages: list[str]


class ContactOut(Schema):
    role: Literal["coordinator", "service_agency"]
    agency: AgencyOut
    name: str | None
    phone: str | None
    email: str | None
    radio: str | None


class ServiceBriefingOut(Schema):
    """What a victim service provider needs to prepare (E-Guide 3.2), and nothing more."""

    operation_name: str
    start_date: date
    end_date: date
    persons_anticipated: int | None
    populations: list[str]
    minors_expected: bool
    languages: list[str] = Field(description="anticipated languages besides English (BCP 47 tags)")
    staging: StagingOut | None
    available_from: datetime | None = Field(
        description="the provider's call window, not the time of the action"
    )
    available_until: datetime | None
    needs_assessment_by: AgencyOut | None
    information_needs: list[str]
    questions_answered_by: AgencyOut | None
    materials: list[MaterialOut]
    points_of_contact: list[ContactOut]


class ServicePlanOut(Schema):
    """The plan as every agency on the operation but the full-plan readers sees it: the service briefing."""

    audience: Literal["service"] = "service"
    code: str
    exercise: bool
    ready: bool
    briefing: ServiceBriefingOut


PlanOut = Annotated[FullPlanOut | ServicePlanOut, Field(discriminator="audience")]


def _agency_ref(plan: Plan, agency_id: str | None) -> AgencyOut | None:
    agency = plan.agency(agency_id)
    return AgencyOut(id=agency.id, name=agency.name) if agency else None


def _contact(role: Literal["coordinator", "service_agency"], agency: PlanAgency) -> ContactOut:
    contact = agency.contact
    return ContactOut(
        role=role,
        agency=AgencyOut(id=agency.id, name=agency.name),
        name=contact.name if contact else None,
        phone=contact.phone if contact else None,
        email=contact.email if contact else None,
        radio=contact.radio if contact else None,
    )


def service_briefing_view(plan: Plan) -> ServiceBriefingOut:
    """The service briefing's content (readiness.md), field by field as `haven.plans.service_briefing`
    lays it out: the coordinator's and the service agencies' points of contact, never an investigative
    agency's responsibilities."""
    anticipated = plan.anticipated
    services = plan.victim_services
    information = plan.victim_information
    staging = services.staging if services else None
    populations = [p.value for p in anticipated.populations] if anticipated else []
    coordinator = plan.agency(plan.communications.coordinator if plan.communications else None)
    contacts = [_contact("coordinator", coordinator)] if coordinator else []
    contacts += [
        _contact("service_agency", agency)
        for agency in plan.agencies
        if agency.type not in INVESTIGATIVE_TYPES and agency is not coordinator
    ]
    return ServiceBriefingOut(
        operation_name=plan.operation.name,
        start_date=plan.operation.starts_at.date(),
        end_date=plan.operation.ends_at.date(),
        persons_anticipated=anticipated.persons if anticipated else None,
        populations=populations,
        minors_expected="minor" in populations,
        languages=list(anticipated.languages_besides_english) if anticipated else [],
        staging=StagingOut(name=staging.name, address=staging.address, private_space=staging.private_space)
        if staging
        else None,
        available_from=services.available_from if services else None,
        available_until=services.available_until if services else None,
        needs_assessment_by=_agency_ref(plan, services.needs_assessment_by if services else None),
        information_needs=list(services.information_needs) if services else [],
        questions_answered_by=_agency_ref(plan, information.questions_answered_by if information else None),
        materials=[
            MaterialOut(title=m.title, languages=list(m.languages))
            for m in (information.materials if information else ())
        ],
        points_of_contact=contacts,
    )


# -- readiness ----------------------------------------------------------------------------------------------


class RuleResultOut(Schema):
    rule: str
    status: Literal["pass", "fail", "not_applicable"]
    message: str
    guidance: str


class ReadinessSummaryOut(Schema):
    model_config = ConfigDict(populate_by_name=True)

    passed: int = Field(alias="pass")
    fail: int
    not_applicable: int


class ReadinessReportOut(Schema):
    """`haven.readiness/v1`, exactly as `haven readiness --format json` writes it."""

    model_config = ConfigDict(populate_by_name=True)

    format: Literal["haven.readiness/v1"]
    operation: str
    ready: bool
    summary: ReadinessSummaryOut
    results: list[RuleResultOut]


class ReadinessFullOut(Schema):
    """Every rule with its message, for investigative agencies on the operation."""

    audience: Literal["full"] = "full"
    code: str
    exercise: bool
    ready: bool
    report: ReadinessReportOut


class ReadinessServiceOut(Schema):
    """Ready or not, and nothing else, for service agencies."""

    audience: Literal["service"] = "service"
    code: str
    exercise: bool
    ready: bool


ReadinessOut = Annotated[ReadinessFullOut | ReadinessServiceOut, Field(discriminator="audience")]


def readiness_full(operation: Operation, report: ReadinessReport) -> ReadinessFullOut:
    return ReadinessFullOut(
        code=operation.code,
        exercise=operation.is_exercise,
        ready=report.ready,
        report=ReadinessReportOut.model_validate(report_to_json(report)),
    )


# -- approval -----------------------------------------------------------------------------------------------


class ApprovalIn(Schema):
    """The plan version the coordinator reviewed and approves; approval is refused if it is not current."""

    model_config = ConfigDict(extra="forbid", strict=True)

    version: int = Field(ge=1, le=MAX_VERSION, description="the plan version you reviewed")


#: Request bodies the views read themselves, published as components by the API.
REQUEST_SCHEMAS: Final[tuple[type[Schema], ...]] = (ApprovalIn,)
