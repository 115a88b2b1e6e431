"""After the action over HTTP: the roster, one person's record per audience, every write the person page
offers, and the live board — through the same selectors, services and policy as the pages.

Every view resolves the operation (and the person) first, so a hidden record and a missing one give the
same 404; then asks the policy whether the caller may act, and only then reads the body: a caller who may
not act is refused (403) whatever they send. Bodies refuse unknown fields, so a forged `agency`, `by` or
`consent_overridden` is never honoured; every record's owning agency is its author's (the services say so).
A guardrail refusal is `422 rule_violation` naming the rule; a body with problems `400 invalid` naming
each field.

Query parameters are read here, after the operation is resolved, so that a refusal about an exercise
operation carries the exercise marker like every other answer about it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Final, TypeVar
from uuid import UUID

import pydantic
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import P, PathEx, QueryEx, Router, Status
from pydantic import WithJsonSchema

from haven.access.policies import Access, Compartment, Standing, allows, require
from haven.accounts.models import Agency, User
from haven.api import errors
from haven.api.encounter_schemas import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    AttorneyNoteIn,
    BoardOut,
    ChildWelfareIn,
    ConsentIn,
    ConsentRevocationIn,
    DangerIn,
    DangerResponseIn,
    DesignationIn,
    EncounterIn,
    InformationIn,
    InterviewIn,
    InterviewRecordIn,
    NeedsAssessmentIn,
    ObservationIn,
    PersonOut,
    PersonRegisterIn,
    PlacementIn,
    PreferenceWithdrawalIn,
    RecordedOut,
    ReleaseIn,
    ReliefIn,
    RosterOut,
    ServiceRecordIn,
)
from haven.api.schemas import (
    ConflictOut,
    ErrorOut,
    InvalidOut,
    RuleViolationOut,
    request_body,
)
from haven.audit.events import AuditEvent
from haven.audit.services import record
from haven.core.errors import Forbidden, NotFound, ValidationFailed
from haven.core.memory import collection_deferred
from haven.core.problems import InvalidInput, Problem, format_path
from haven.encounters import services
from haven.encounters.models import (
    NeedsAssessment,
    Person,
)
from haven.encounters.polling import etag, not_modified, unchanged_poll
from haven.encounters.rules import treated_as_minor
from haven.encounters.selectors import (
    BOARD_SEARCH_MAX,
    PersonView,
    area_readable,
    board_for,
    board_version,
    consent_state_of,
    person_for,
    person_view,
    persons_visible_to,
    readable_area,
    roster_facts,
    with_stage,
)
from haven.encounters.stages import Stage
from haven.operations.models import Operation
from haven.operations.selectors import operation_for
from haven.operations.services import readiness_policy
from haven.plans.formats import CODE_RE, SLUG_RE

router = Router(tags=["encounters"])

_Body = TypeVar("_Body", bound=EncounterIn)
_Entry = TypeVar("_Entry")

PERSONS: Final = "/{code}/persons"
PERSON: Final = PERSONS + "/{person_code}"
_PERSON_CODE_RE: Final = re.compile(r"P-[0-9]{3,5}")
_NUMBER_RE: Final = re.compile(r"[0-9]{1,9}")
_BOOLEANS: Final = {"true": True, "false": False, "1": True, "0": False}

# -- what each route can answer, for the OpenAPI document -----------------------------------------------------

_READ: Final = {401: ErrorOut, 404: ErrorOut}
_QUERY_READ: Final = {400: InvalidOut, **_READ}
_WRITE: Final = {400: InvalidOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: RuleViolationOut}

# Path parameters documented with their shape; the views check it, so that a code no record can have is
# the same 404 as a missing record (never a 400 that tells the two apart).
OperationCode = PathEx[
    Annotated[str, WithJsonSchema({"type": "string", "pattern": "^[A-Z0-9][A-Z0-9-]{2,31}$"})],
    P(description="the operation's code"),
]
PersonCodePath = PathEx[
    Annotated[str, WithJsonSchema({"type": "string", "pattern": "^P-[0-9]{3,5}$"})],
    P(description="the person's pseudonymous code"),
]
RecordId = PathEx[
    Annotated[str, WithJsonSchema({"type": "string", "format": "uuid"})], P(description="the record's id")
]

# Query parameters documented with their shape, read as text and checked by the view (see the docstring).
StageQuery = QueryEx[
    Annotated[str | None, WithJsonSchema({"type": "string", "enum": [s.value for s in Stage]})],
    P(default=None, description="only persons at this workflow stage"),
]
AreaQuery = QueryEx[
    Annotated[str | None, WithJsonSchema({"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,39}$"})],
    P(default=None, description="only persons in this separation area (its id in the plan)"),
]
SearchQuery = QueryEx[
    Annotated[str | None, WithJsonSchema({"type": "string", "maxLength": BOARD_SEARCH_MAX})],
    P(
        default=None,
        description="words that must each match a person's code (any part), language (its tag, or a word "
        "of its name from the start) or area (a word of its name from the start, or its id)",
    ),
]
MineQuery = QueryEx[
    Annotated[str | None, WithJsonSchema({"type": "boolean"})],
    P(default=None, description="true: only the rows whose next step your agency owns (my tasks)"),
]
LimitQuery = QueryEx[
    Annotated[str | None, WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT})],
    P(default=None, description=f"persons per page (default {DEFAULT_LIMIT}, at most {MAX_LIMIT})"),
]
OffsetQuery = QueryEx[
    Annotated[str | None, WithJsonSchema({"type": "integer", "minimum": 0, "maximum": 999_999_999})],
    P(default=None, description="persons to skip (default 0); each page gives the next_offset"),
]


def _body_doc(model: type[EncounterIn], description: str) -> dict[str, Any]:
    return request_body(model.__name__, description)


# -- shared steps -------------------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]  # set by HavenSession
    assert isinstance(user, User)
    return user


def _operation(request: HttpRequest, code: str) -> tuple[User, Operation, Standing]:
    """The operation the caller's agency takes part in, or the same 404 as for one that does not exist."""
    actor = _actor(request)
    if not CODE_RE.fullmatch(code):
        # no operation has such a code; and text a database cannot hold (NUL) never reaches it
        raise NotFound
    operation, standing = operation_for(actor, code)
    errors.mark_exercise(request, operation.is_exercise)
    return actor, operation, standing


def _person(
    request: HttpRequest, code: str, person_code: str, *, audit: bool = False
) -> tuple[User, Person, Standing]:
    """The person on an operation the caller's agency takes part in; the same 404 when either is missing
    or hidden."""
    actor = _actor(request)
    if not CODE_RE.fullmatch(code) or not _PERSON_CODE_RE.fullmatch(person_code):
        raise NotFound
    person, standing = person_for(actor, code, person_code, audit=audit)
    errors.mark_exercise(request, person.operation.is_exercise)
    return actor, person, standing


def _record_id(raw: str) -> UUID:
    """A record's id from the path; anything that is not an id is a record that does not exist."""
    try:
        return UUID(raw)
    except ValueError:
        raise NotFound from None


def _text_problems(node: object, path: tuple[str | int, ...] = ()) -> list[Problem]:
    """Text a database cannot hold: NUL, and lone surrogates (which no UTF-8 encodes)."""
    problems = errors.nul_problems(node, path)
    if isinstance(node, str):
        try:
            node.encode("utf-8")
        except UnicodeEncodeError:
            problems.append(Problem(format_path(path), "is not valid Unicode text (a lone surrogate)"))
    elif isinstance(node, dict):
        for key, value in node.items():
            problems += [p for p in _text_problems(value, (*path, key)) if "NUL" not in p.message]
    elif isinstance(node, list):
        for index, item in enumerate(node):
            problems += [p for p in _text_problems(item, (*path, index)) if "NUL" not in p.message]
    return problems


def _body(request: HttpRequest, model: type[_Body]) -> _Body:
    """The body validated by `model` as JSON gives it (no coercion); unknown fields refused by name, every
    problem with its path. An empty body is an empty object."""
    try:
        data: dict[str, Any] = errors.json_body(request) if request.body.strip() else {}
        problems = _text_problems(data)
    except RecursionError:  # JSON nested thousands deep: no body of this API is
        raise InvalidInput([Problem("", "the body is nested too deeply")], what="body") from None
    if problems:
        raise InvalidInput(problems, what="body")
    try:
        return model.model_validate_json(json.dumps(data), strict=True)
    except pydantic.ValidationError as exc:
        allowed = ", ".join(model.model_fields) or "none"
        found = []
        for error in exc.errors(include_url=False):
            where = format_path([part for part in error["loc"] if isinstance(part, str | int)])
            if error["type"] == "extra_forbidden":
                message = f"is not accepted here; the fields allowed are: {allowed}"
            else:
                message = error["msg"]
            found.append(Problem(where, message))
        raise InvalidInput(found, what="body") from None


def _query_problems(
    *,
    stage: str | None = None,
    area: str | None = None,
    limit: str | None = None,
    offset: str | None = None,
    search: str | None = None,
    mine: str | None = None,
) -> list[Problem]:
    problems = []
    if search is not None and len(search) > BOARD_SEARCH_MAX:
        problems.append(Problem("search", f"is at most {BOARD_SEARCH_MAX} characters"))
    if mine is not None and mine.lower() not in _BOOLEANS:
        problems.append(Problem("mine", "is true or false"))
    if stage is not None and stage not in Stage.__members__.values():
        problems.append(Problem("stage", f"is one of {', '.join(Stage)}"))
    if area is not None and not SLUG_RE.fullmatch(area):
        problems.append(Problem("area", "is an area's id in the plan (lower-case letters, digits, '-')"))
    if limit is not None and not (_NUMBER_RE.fullmatch(limit) and 1 <= int(limit) <= MAX_LIMIT):
        problems.append(Problem("limit", f"is a whole number from 1 to {MAX_LIMIT}"))
    if offset is not None and not _NUMBER_RE.fullmatch(offset):
        problems.append(Problem("offset", "is a whole number, 0 or more"))
    return problems


def _audience(standing: Standing) -> str:
    return "investigative" if allows(standing, Compartment.INVESTIGATIVE, Access.READ) else "service"


# -- the roster ---------------------------------------------------------------------------------------------

_ROW_FIELDS: Final = (
    "id",
    "code",
    "encountered_at",
    "priority",
    "outcome",
    "outcome_reason",
    "outcome_at",
    "area_id",
    "area__plan_id",
    "area__name",
    "area__holds",
)
_URGENT_FIELDS: Final = tuple(f"urgent_{domain}" for domain in NeedsAssessment.URGENT_DOMAINS)


def _outcome(status: str, reason: str, at: datetime | None) -> dict[str, Any] | None:
    return {"status": status, "reason": reason, "at": at} if status and at is not None else None


def _rows(persons: QuerySet[Person], standing: Standing) -> list[dict[str, Any]]:
    """Roster rows for a page of persons: code, tags, languages, stage, priority, urgent domains, open
    danger — and the area only where the policy lets this audience read it (`area_readable`: a person in
    an area that holds suspects or is undetermined reads to a service agency as not placed). The facts
    come from `roster_facts`, as the board's do."""
    found = list(persons.order_by("code").values(*_ROW_FIELDS, "operation_id"))
    if not found:
        return []
    facts_of = roster_facts(Operation(pk=found[0]["operation_id"]), found, standing)
    rows = []
    for p, facts in zip(found, facts_of, strict=True):
        shown = area_readable(standing, p["area__holds"])
        rows.append(
            {
                "code": p["code"],
                "encountered_at": p["encountered_at"],
                "stage": facts.stage.value,
                "priority": p["priority"],
                "tags": facts.tags,
                "languages": facts.languages,
                "placed": shown,
                "area": {"id": p["area__plan_id"], "name": p["area__name"]} if shown else None,
                "urgent": facts.urgent,
                "danger": facts.danger,
                "outcome": _outcome(p["outcome"], p["outcome_reason"], p["outcome_at"]),
            }
        )
    return rows


def _row(person: Person, standing: Standing) -> dict[str, Any]:
    [row] = _rows(Person.objects.filter(pk=person.pk), standing)
    return row


# -- one person ---------------------------------------------------------------------------------------------


def _listed(
    entries: Sequence[_Entry] | None, convert: Callable[[_Entry], dict[str, Any]]
) -> list[dict[str, Any]] | None:
    """A section the selector hid stays hidden (None); a shown one is converted entry by entry."""
    return None if entries is None else [convert(entry) for entry in entries]


def _person_out(view: PersonView, standing: Standing) -> PersonOut:
    """The record as `person_view` chose to show it: every section it hid is null here, and a shown
    section carries exactly what the selector put in it."""
    person = view.person
    area = view.area  # as this audience may read it: None for a service agency in a sensitive area
    return PersonOut.model_validate(
        {
            "operation": person.operation.code,
            "exercise": person.operation.is_exercise,
            "audience": _audience(standing),
            "code": person.code,
            "encountered_at": person.encountered_at,
            "stage": view.stage.value,
            "priority": person.priority,
            "tags": view.tags,
            "languages": view.languages,
            "placed": area is not None,
            "area": {"id": area.plan_id, "name": area.name} if area is not None else None,
            "interviewer_gender": view.interviewer_gender or None,
            "interviewer_gender_withdrawn_at": person.interviewer_gender_withdrawn_at,
            "outcome": _outcome(person.outcome, person.outcome_reason, person.outcome_at),
            "danger": [
                {
                    "id": f.pk,
                    "flagged_at": f.flagged_at,
                    "flagged_by": f.flagged_by.name,
                    "responded_at": f.responded_at,
                    "responded_by": f.responded_by.name if f.responded_by else None,
                    "response": f.response,
                }
                for f in view.danger
            ],
            "minor": treated_as_minor(view.tags),
            "child_welfare": (
                {
                    "agency": view.child_welfare.agency.name,
                    "at": view.child_welfare.at,
                    "by": view.child_welfare.by.name,
                }
                if view.child_welfare is not None
                else None
            ),
            "legal_notes": _listed(view.legal_notes, asdict),
            "needs_summary": asdict(view.needs_summary) if view.needs_summary is not None else None,
            "information": [asdict(i) for i in view.information],
            "interviews": [asdict(i) for i in view.interviews],
            "consents_received": [asdict(c) for c in view.consents_received],
            "released_items": view.released_items,
            "designation": view.designation,
            "designation_history": _listed(
                view.designation_history, lambda d: {"status": d.status, "by": d.by.name, "at": d.at}
            ),
            "observations": _listed(view.observations, asdict),
            "shown_towards": _listed(view.shown_towards, asdict),
            "relief": _listed(
                view.relief,
                lambda s: {
                    "kind": s.kind,
                    "status": s.status,
                    "by": s.by.name,
                    "agency": s.agency.name,
                    "at": s.at,
                },
            ),
            "needs_assessments": _listed(view.needs_full, asdict),
            "service_records": _listed(view.service_records, asdict),
            "attorney_notes": _listed(view.attorney_notes, asdict),
            "consents_recorded": _listed(
                view.consents_recorded,
                lambda entry: {
                    "id": entry.consent.pk,
                    "recipient": {"id": entry.consent.recipient.slug, "name": entry.consent.recipient.name},
                    "items": entry.consent.items,
                    "purpose": entry.purpose,
                    "given_on": entry.consent.given_on,
                    "expires_on": entry.consent.expires_on,
                    "state": consent_state_of(entry.consent).value,
                    "revoked_at": entry.consent.revoked_at,
                    "revoked_orally": entry.consent.revoked_orally,
                    "reads": [asdict(r) for r in entry.reads],
                },
            ),
        }
    )


def _recorded(person: Person, standing: Standing, what: str, record_id: UUID | None) -> RecordedOut:
    return RecordedOut(
        operation=person.operation.code,
        exercise=person.operation.is_exercise,
        recorded=what,
        id=record_id,
        person=_row(person, standing),
    )


# -- the roster, registration -------------------------------------------------------------------------------


@router.get(
    PERSONS,
    response={200: RosterOut, **_QUERY_READ},
    summary="The roster: every person encountered, as your agency may read them (paged)",
)
def persons_list(
    request: HttpRequest,
    code: OperationCode,
    *,
    stage: StageQuery = None,
    area: AreaQuery = None,
    limit: LimitQuery = None,
    offset: OffsetQuery = None,
) -> dict[str, Any]:
    """Code, tags, languages, stage, priority, urgent domains, danger; the area where your agency may read
    it. One audit event per request, and the same number of queries whatever the number of persons."""
    actor, operation, standing = _operation(request, code)
    problems = _query_problems(stage=stage, area=area, limit=limit, offset=offset)
    if problems:
        raise ValidationFailed(problems, what="request")
    size = int(limit) if limit else DEFAULT_LIMIT
    skip = int(offset) if offset else 0
    persons = persons_visible_to(standing, operation)
    if stage:
        persons = with_stage(persons, standing).filter(Q(stage_now=stage))
    if area:
        chosen = readable_area(standing, operation.areas.filter(plan_id=area).first())
        # an area this audience may not read is filtered like one that does not exist: nobody is in it
        persons = persons.filter(area=chosen) if chosen is not None else persons.none()
    total = persons.count()
    rows = []
    if skip < total:
        # the page's persons first (by the index on the code), then what their rows need for them alone:
        # a database that computed it in the paging query would compute it for every person skipped too
        chosen_ids = list(persons.order_by("code").values_list("pk", flat=True)[skip : skip + size])
        rows = _rows(Person.objects.filter(pk__in=chosen_ids), standing)
    record(
        actor=actor,
        event=AuditEvent.BOARD_VIEWED,
        target=operation,
        operation_id=operation.pk,
        details={
            "via": "api",
            "action": "roster",
            "count": len(rows),
            "filters": [k for k, v in (("stage", stage), ("area", area)) if v],
        },
    )
    # a plain dict: the response schema validates it once (a page can hold a thousand persons)
    return {
        "operation": operation.code,
        "exercise": operation.is_exercise,
        "audience": _audience(standing),
        "total": total,
        "limit": size,
        "offset": skip,
        "next_offset": skip + size if skip + size < total else None,
        "persons": rows,
    }


@router.post(
    PERSONS,
    response={201: RecordedOut, **_WRITE},
    openapi_extra=_body_doc(PersonRegisterIn, "The person encountered, under a pseudonymous code."),
    summary="Register a person encountered (investigative agencies)",
)
def persons_register(request: HttpRequest, code: OperationCode) -> Status[RecordedOut]:
    """Refused while the plan is not approved (rule operation.approved); a placement in the same request
    follows the separation rules."""
    actor, operation, standing = _operation(request, code)
    require(standing, Compartment.ROSTER, Access.WRITE, hide=False)
    body = _body(request, PersonRegisterIn)
    person = services.person_register(
        actor=actor,
        operation=operation,
        code=body.code,
        encountered_at=body.encountered_at or timezone.now(),
        tags=body.tags,
        languages=body.languages,
        priority=body.priority,
        interviewer_gender=body.interviewer_gender or "",
        area=body.area,
    )
    return Status(201, _recorded(person, standing, "person", None))


# -- one person ---------------------------------------------------------------------------------------------


@router.get(
    PERSON,
    response={200: PersonOut, **_READ},
    summary="One person's record, as your agency may read it (hidden sections are null)",
)
def person_read(request: HttpRequest, code: OperationCode, person_code: PersonCodePath) -> PersonOut:
    """Recorded as an opening of the record; every read made under a consent is recorded with its id."""
    actor, person, standing = _person(request, code, person_code, audit=True)
    return _person_out(person_view(actor, standing, person), standing)


@router.post(
    PERSON + "/placement",
    response={200: RecordedOut, **_WRITE},
    openapi_extra=_body_doc(PlacementIn, "The separation area to move the person into."),
    summary="Place the person in a separation area (investigative agencies)",
)
def person_placement(request: HttpRequest, code: OperationCode, person_code: PersonCodePath) -> RecordedOut:
    """A suspect never goes where potential victims are, nor a potential victim where suspects are."""
    actor, person, standing = _person(request, code, person_code)
    require(standing, Compartment.INVESTIGATIVE, Access.WRITE, hide=False)
    body = _body(request, PlacementIn)
    services.person_place(actor=actor, person=person, area=body.area)
    return _recorded(person, standing, "placement", None)


@router.post(
    PERSON + "/designations",
    response={201: RecordedOut, **_WRITE},
    openapi_extra=_body_doc(DesignationIn, "The designation; every change is kept."),
    summary="Record an investigative designation (investigative agencies)",
)
def person_designation(
    request: HttpRequest, code: OperationCode, person_code: PersonCodePath
) -> Status[RecordedOut]:
    actor, person, standing = _person(request, code, person_code)
    require(standing, Compartment.INVESTIGATIVE, Access.WRITE, hide=False)
    body = _body(request, DesignationIn)
    designation = services.designation_record(
        actor=actor, person=person, status=body.status, move_to=body.move_to
    )
    return Status(201, _recorded(person, standing, "designation", designation.pk))


@router.post(
    PERSON + "/observations",
    response={201: RecordedOut, **_WRITE},
    openapi_extra=_body_doc(
        ObservationIn, "Signs seen and what was seen, optionally towards another person."
    ),
    summary="Record a group observation (investigative agencies)",
)
def person_observation(
    request: HttpRequest, code: OperationCode, person_code: PersonCodePath
) -> Status[RecordedOut]:
    actor, person, standing = _person(request, code, person_code)
    require(standing, Compartment.INVESTIGATIVE, Access.WRITE, hide=False)
    body = _body(request, ObservationIn)
    towards = None
    if body.towards is not None:
        towards = persons_visible_to(standing, person.operation).filter(code=body.towards).first()
        if towards is None:
            raise ValidationFailed(
                [Problem("towards", f"{body.towards} is not a person of this operation")], what="observation"
            )
    observation = services.observation_record(
        actor=actor, person=person, signs=body.signs, text=body.text, towards=towards
    )
    return Status(201, _recorded(person, standing, "observation", observation.pk))


@router.post(
    PERSON + "/needs",
    response={201: RecordedOut, **_WRITE},
    openapi_extra=_body_doc(NeedsAssessmentIn, "The needs assessment (every field optional)."),
    summary="Record a needs assessment (victim service providers)",
)
def person_needs(
    request: HttpRequest, code: OperationCode, person_code: PersonCodePath
) -> Status[RecordedOut]:
    """The full text is readable by the assessing provider agency alone; the summary by everyone on the
    operation. An assessment that found no needs is an assessment."""
    actor, person, standing = _person(request, code, person_code)
    require(standing, Compartment.NEEDS_FULL, Access.WRITE, actor.agency_id, hide=False)
    body = _body(request, NeedsAssessmentIn)
    medical = body.medical.strip()
    if body.medications.strip():
        medical = f"{medical}\nMedications: {body.medications.strip()}".strip()
    assessment = services.needs_assessment_record(
        actor=actor,
        person=person,
        medical=medical,
        shelter=body.shelter,
        food=body.food,
        safety=body.safety,
        clothing=body.clothing,
        contact=body.contact,
        childcare=body.childcare,
        transportation=body.transportation,
        legal=body.legal,
        counseling=body.counseling,
        language=body.language or "",
        language_notes=body.language_notes,
        concerns=body.concerns,
        urgent=body.urgent,
    )
    return Status(201, _recorded(person, standing, "needs_assessment", assessment.pk))


@router.post(
    PERSON + "/information",
    response={201: RecordedOut, **_WRITE},
    openapi_extra=_body_doc(InformationIn, "What the person was told, and their questions and the answers."),
    summary="Record information given to the person (everyone on the operation)",
)
def person_information(
    request: HttpRequest, code: OperationCode, person_code: PersonCodePath
) -> Status[RecordedOut]:
    actor, person, standing = _person(request, code, person_code)
    require(standing, Compartment.INFORMATION, Access.WRITE, hide=False)
    body = _body(request, InformationIn)
    info = services.information_record(
        actor=actor,
        person=person,
        language=body.language,
        materials=body.materials,
        questions=body.questions,
        answers=body.answers,
    )
    return Status(201, _recorded(person, standing, "information", info.pk))


@router.post(
    PERSON + "/service-records",
    response={201: RecordedOut, **_WRITE},
    openapi_extra=_body_doc(ServiceRecordIn, "A safety plan, a service, a case note or contact details."),
    summary="Record part of the provider's own confidential record (victim service providers)",
)
def person_service_record(
    request: HttpRequest, code: OperationCode, person_code: PersonCodePath
) -> Status[RecordedOut]:
    actor, person, standing = _person(request, code, person_code)
    require(standing, Compartment.VICTIM_SERVICE_RECORD, Access.WRITE, actor.agency_id, hide=False)
    body = _body(request, ServiceRecordIn)
    try:
        entry = services.victim_service_record(
            actor=actor,
            person=person,
            kind=body.kind,
            text=body.text,
            service_kind=body.service_kind or "",
            service_status=body.service_status or "",
        )
    except ValidationFailed as error:
        if body.kind != "service":
            raise
        # the service names the service's kind and status `kind` and `status`; the body calls them so
        renames = {"kind": "service_kind", "status": "service_status"}
        raise ValidationFailed(
            [Problem(renames.get(p.path, p.path), p.message) for p in error.problems], what=error.what
        ) from None
    return Status(201, _recorded(person, standing, body.kind, entry.pk))


@router.post(
    PERSON + "/attorney-notes",
    response={201: RecordedOut, **_WRITE},
    openapi_extra=_body_doc(AttorneyNoteIn, "The note, readable by your agency alone."),
    summary="Record a privileged attorney note (victim attorneys)",
)
def person_attorney_note(
    request: HttpRequest, code: OperationCode, person_code: PersonCodePath
) -> Status[RecordedOut]:
    actor, person, standing = _person(request, code, person_code)
    require(standing, Compartment.ATTORNEY_NOTES, Access.WRITE, actor.agency_id, hide=False)
    body = _body(request, AttorneyNoteIn)
    note = services.attorney_note_record(actor=actor, person=person, text=body.text)
    return Status(201, _recorded(person, standing, "attorney_note", note.pk))


@router.post(
    PERSON + "/consents",
    response={201: RecordedOut, **_WRITE},
    openapi_extra=_body_doc(ConsentIn, "The consent, as the person gave it in writing."),
    summary="Record a client's consent to release items to one agency (the provider that holds them)",
)
def person_consent(
    request: HttpRequest, code: OperationCode, person_code: PersonCodePath
) -> Status[RecordedOut]:
    """Never recorded by the recipient (rule consent.recipient), never releasing attorney notes (rule
    consent.attorney-notes), always in writing (rule consent.in-writing), at most a year long."""
    actor, person, standing = _person(request, code, person_code)
    require(standing, Compartment.CONSENT, Access.WRITE, actor.agency_id, hide=False)
    body = _body(request, ConsentIn)
    recipient = Agency.objects.filter(slug=body.recipient).first()
    if recipient is None:
        raise ValidationFailed(
            [Problem("recipient", f"{body.recipient} is not an agency on this operation")], what="consent"
        )
    consent = services.consent_record(
        actor=actor,
        person=person,
        recipient=recipient,
        items=body.items,
        purpose=body.purpose,
        in_writing=body.in_writing,
        given_on=body.given_on,
        expires_on=body.expires_on,
        guardian=body.guardian,
        minor_may_consent=body.minor_may_consent,
    )
    return Status(201, _recorded(person, standing, "consent", consent.pk))


@router.post(
    PERSON + "/consents/{consent_id}/revocation",
    response={200: RecordedOut, **_WRITE},
    openapi_extra=_body_doc(ConsentRevocationIn, "How the person withdrew the consent."),
    summary="Record that the person withdrew a consent (the recording provider)",
)
def person_consent_revocation(
    request: HttpRequest, code: OperationCode, person_code: PersonCodePath, consent_id: RecordId
) -> RecordedOut:
    """It takes effect on the next request. Only the recording provider knows the consent: to anyone
    else it does not exist (404)."""
    actor, person, standing = _person(request, code, person_code)
    consent = person.consents.filter(pk=_record_id(consent_id)).first()
    if consent is None:
        raise NotFound
    require(standing, Compartment.CONSENT, Access.WRITE, consent.agency_id)
    body = _body(request, ConsentRevocationIn)
    services.consent_revoke(actor=actor, consent=consent, orally=body.orally)
    return _recorded(person, standing, "consent_revocation", consent.pk)


def _operation_user(operation: Operation, username: str | None, field: str) -> User | None:
    """A user of an agency on the operation, by username; the same problem for a user who does not exist
    and for one of another agency, so that the API names no one outside the operation."""
    if username is None:
        return None
    user = (
        User.objects.filter(username=username, is_active=True, agency__participations__operation=operation)
        .select_related("agency")
        .first()
    )
    if user is None:
        raise ValidationFailed(
            [Problem(field, f"'{username}' is not a user of an agency on this operation")], what="interview"
        )
    return user


@router.post(
    PERSON + "/interviews",
    response={201: RecordedOut, **_WRITE},
    openapi_extra=_body_doc(InterviewIn, "The interview to schedule."),
    summary="Schedule an interview (investigative agencies, forensic interview providers)",
)
def person_interview(
    request: HttpRequest, code: OperationCode, person_code: PersonCodePath
) -> Status[RecordedOut]:
    """Only once needs were assessed and information given; a minor only by a forensic interviewer; an
    interviewer qualified for the role, in a nondetention setting, honouring a stated gender preference;
    the interviewer is the single official note taker; never two at once for a person or an interviewer."""
    actor, person, standing = _person(request, code, person_code)
    require(standing, Compartment.INTERVIEW_SCHEDULE, Access.WRITE, hide=False)
    body = _body(request, InterviewIn)
    operation = person.operation
    interviewer = _operation_user(operation, body.interviewer, "interviewer")
    note_taker = _operation_user(operation, body.note_taker, "note_taker")
    interpreter = _operation_user(operation, body.interpreter, "interpreter")
    location = operation.interview_locations.filter(plan_id=body.location, retired=False).first()
    if location is None:
        raise ValidationFailed(
            [Problem("location", f"'{body.location}' is not an interview location of this operation's plan")],
            what="interview",
        )
    assert interviewer is not None
    interview = services.interview_schedule(
        actor=actor,
        person=person,
        interviewer=interviewer,
        role=body.role,
        location=location,
        starts_at=body.starts_at,
        minutes=body.minutes,
        note_taker=note_taker,
        interpreter=interpreter,
        room=body.room,
    )
    return Status(201, _recorded(person, standing, "interview", interview.pk))


@router.post(
    PERSON + "/interviews/{interview_id}/record",
    response={200: RecordedOut, **_WRITE},
    openapi_extra=_body_doc(InterviewRecordIn, "The official notes of the interview."),
    summary="Record that the interview took place, with the official notes (the interviewer)",
)
def person_interview_record(
    request: HttpRequest, code: OperationCode, person_code: PersonCodePath, interview_id: RecordId
) -> RecordedOut:
    """Only the interviewer — the single official note taker — records it (rule interview.note-taker)."""
    actor, person, standing = _person(request, code, person_code)
    interview = person.interviews.filter(pk=_record_id(interview_id)).first()
    if interview is None:
        raise NotFound
    require(standing, Compartment.INTERVIEW_RECORD, Access.WRITE, interview.agency_id, hide=False)
    body = _body(request, InterviewRecordIn)
    services.interview_conduct(actor=actor, interview=interview, notes=body.notes, minutes=body.minutes)
    return _recorded(person, standing, "interview_record", interview.pk)


@router.post(
    PERSON + "/relief",
    response={201: RecordedOut, **_WRITE},
    openapi_extra=_body_doc(ReliefIn, "The step of immigration relief."),
    summary="Record a step of immigration relief (investigative agencies, victim attorneys)",
)
def person_relief(
    request: HttpRequest, code: OperationCode, person_code: PersonCodePath
) -> Status[RecordedOut]:
    """For foreign nationals; Continued Presence is requested by federal law enforcement; an outcome
    follows a request."""
    actor, person, standing = _person(request, code, person_code)
    if not (
        allows(standing, Compartment.CONTINUED_PRESENCE, Access.WRITE)
        or allows(standing, Compartment.VISA_CERTIFICATION, Access.WRITE)
    ):
        raise Forbidden("Your agency cannot record immigration relief.")
    body = _body(request, ReliefIn)
    step = services.relief_record(actor=actor, person=person, kind=body.kind, status=body.status)
    return Status(201, _recorded(person, standing, "relief", step.pk))


@router.post(
    PERSON + "/danger",
    response={200: RecordedOut, 201: RecordedOut, **_WRITE},
    openapi_extra=_body_doc(DangerIn, "Nothing: an empty object, or no body."),
    summary="Flag the person as in imminent danger (everyone on the operation)",
)
def person_danger(
    request: HttpRequest, code: OperationCode, person_code: PersonCodePath
) -> Status[RecordedOut]:
    """Shown at the top of the board for everyone until someone on the operation records the response. While a flag is
    open, flagging again answers 200 with that flag."""
    actor, person, standing = _person(request, code, person_code)
    require(standing, Compartment.IMMINENT_DANGER, Access.WRITE, hide=False)
    _body(request, DangerIn)
    already = person.danger_flags.filter(responded_at__isnull=True).exists()
    flag = services.danger_flag(actor=actor, person=person)
    return Status(200 if already else 201, _recorded(person, standing, "danger_flag", flag.pk))


@router.post(
    PERSON + "/child-welfare",
    response={201: RecordedOut, 409: ConflictOut, **_WRITE},
    openapi_extra=_body_doc(ChildWelfareIn, "The child welfare agency notified, and when."),
    summary="Record that child welfare was notified of a minor (investigative agencies)",
)
def person_child_welfare(
    request: HttpRequest, code: OperationCode, person_code: PersonCodePath
) -> Status[RecordedOut]:
    """For a person tagged minor, or whose age is not recorded; recorded once (409 after)."""
    actor, person, standing = _person(request, code, person_code)
    require(standing, Compartment.ROSTER, Access.WRITE, hide=False)
    body = _body(request, ChildWelfareIn)
    agency = Agency.objects.filter(slug=body.agency).first()
    if agency is None:
        raise ValidationFailed(
            [Problem("agency", "is a child welfare agency on this operation's plan")],
            what="child welfare notice",
        )
    notice = services.child_welfare_notify(actor=actor, person=person, agency=agency, at=body.at)
    return Status(201, _recorded(person, standing, "child_welfare", notice.pk))


@router.post(
    PERSON + "/danger/{flag_id}/response",
    response={200: RecordedOut, 409: ConflictOut, **_WRITE},
    openapi_extra=_body_doc(DangerResponseIn, "What was done."),
    summary="Record the response to an imminent-danger flag (investigative agencies)",
)
def person_danger_response(
    request: HttpRequest, code: OperationCode, person_code: PersonCodePath, flag_id: RecordId
) -> RecordedOut:
    """A flag is answered once: a second response is a 409, and the first stays as recorded."""
    actor, person, standing = _person(request, code, person_code)
    flag = person.danger_flags.select_related("responded_by").filter(pk=_record_id(flag_id)).first()
    if flag is None:
        raise NotFound
    require(standing, Compartment.IMMINENT_DANGER, Access.WRITE, hide=False)
    body = _body(request, DangerResponseIn)
    # a second response is a Conflict (409), refused by the service
    services.danger_respond(actor=actor, flag=flag, response=body.response)
    return _recorded(person, standing, "danger_response", flag.pk)


@router.post(
    PERSON + "/release",
    response={200: RecordedOut, 409: ConflictOut, **_WRITE},
    openapi_extra=_body_doc(ReleaseIn, "Released or transferred, and why."),
    summary="Record that the person was released or transferred (investigative agencies)",
)
def person_release(request: HttpRequest, code: OperationCode, person_code: PersonCodePath) -> RecordedOut:
    """An outcome is recorded once: a second is a 409, and the first stays as recorded."""
    actor, person, standing = _person(request, code, person_code)
    require(standing, Compartment.ROSTER, Access.WRITE, hide=False)
    body = _body(request, ReleaseIn)
    # a second outcome is a Conflict (409), refused by the service
    services.person_release(actor=actor, person=person, outcome=body.outcome, reason=body.reason)
    return _recorded(person, standing, "outcome", None)


@router.post(
    PERSON + "/preference-withdrawal",
    response={200: RecordedOut, **_WRITE},
    openapi_extra=_body_doc(PreferenceWithdrawalIn, "Nothing: an empty object, or no body."),
    summary="Record that the person withdrew their interviewer-gender preference (everyone on the operation)",
)
def person_preference_withdrawal(
    request: HttpRequest, code: OperationCode, person_code: PersonCodePath
) -> RecordedOut:
    """Recorded, never silently dropped; refused when no preference is stated (rule preference.none)."""
    actor, person, standing = _person(request, code, person_code)
    require(standing, Compartment.ROSTER, Access.READ, hide=False)
    _body(request, PreferenceWithdrawalIn)
    services.interviewer_preference_withdraw(actor=actor, person=person)
    return _recorded(person, standing, "preference_withdrawal", None)


# -- the live board -----------------------------------------------------------------------------------------


@router.get(
    "/{code}/board",
    response={200: BoardOut, 304: None, **_QUERY_READ},
    summary="The live board: every person with stage, next step and who owns it, and the alerts",
)
def board_read(
    request: HttpRequest,
    response: HttpResponse,
    code: OperationCode,
    *,
    stage: StageQuery = None,
    area: AreaQuery = None,
    search: SearchQuery = None,
    mine: MineQuery = None,
) -> BoardOut:
    """The same rows for everyone on the operation, in the order of urgency (`board_urgency`: open
    imminent danger, urgent needs, the longest waits for a provider, the rest); designations, sensitive
    areas and separation alerts for investigative agencies only. One audit event per request; a fixed
    number of queries. A client that polls sends `X-Haven-Auto-Refresh: 1` and the `ETag` of its last
    answer in `If-None-Match`: when nothing it would be shown changed, the answer is `304 Not Modified`
    with no body and no audit event (the ETag is opaque, and differs between readers)."""
    actor, operation, standing = _operation(request, code)
    problems = _query_problems(stage=stage, area=area, search=search, mine=mine)
    if problems:
        raise ValidationFailed(problems, what="request")
    now = timezone.now()
    filters: dict[str, Any] = {
        "stage": stage or "",
        "area": area or "",
        "search": search or "",
        "mine": _BOOLEANS.get((mine or "").lower(), False),
    }
    limit = readiness_policy().provider_contact_limit_minutes
    version = board_version(actor, standing, operation, via="api", limit_minutes=limit, now=now, **filters)
    if unchanged_poll(request, version):
        return not_modified(version)  # type: ignore[return-value]  # ninja passes an HttpResponse through
    response["ETag"] = etag(version)
    with collection_deferred():  # (haven.core.memory: a render's thousands of short-lived rows)
        board = board_for(actor, standing, operation, limit_minutes=limit, now=now, **filters)
        record(
            actor=actor,
            event=AuditEvent.BOARD_VIEWED,
            target=operation,
            operation_id=operation.pk,
            details={
                "via": "api",
                "count": len(board.rows),
                "filters": [
                    k
                    for k, v in (("stage", stage), ("area", area), ("search", search), ("mine", mine))
                    if v and (k != "mine" or _BOOLEANS[v.lower()])
                ],
            },
        )
        return BoardOut.model_validate(
            {
                "operation": operation.code,
                "exercise": operation.is_exercise,
                "audience": _audience(standing),
                "now": board.now,
                "limit_minutes": board.limit_minutes,
                "stages": [{"stage": s.value, "count": board.stages.get(s, 0)} for s in Stage],
                "areas": [{"id": plan_id, "name": name} for plan_id, name in board.areas],
                "danger": board.danger,
                "separation_alerts": board.separation_alerts if board.investigative else None,
                "rows": [{**asdict(row), "stage": row.stage.value} for row in board.rows],
            }
        )
