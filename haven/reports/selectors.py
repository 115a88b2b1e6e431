"""Reading one operation's records for its after-action report, as plain facts, in a fixed number of
queries whatever the number of persons (one query per kind of record).

Only what the scope allows is read: a service agency's report reads its own needs assessments and service
records and nothing investigative (no designations, interviews, relief, alerts, danger flags or plan).
Sealed text is never read: a report holds counts and times only.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.db.models import OuterRef, Subquery

from haven.accounts.models import AgencyType, InterviewerRole
from haven.encounters.models import (
    Consent,
    DangerFlag,
    Designation,
    DesignationStatus,
    InformationGiven,
    Interview,
    NeedsAssessment,
    Person,
    PersonTag,
    Population,
    ReliefStep,
    SeparationAlert,
    ServiceKind,
    VictimServiceRecord,
)
from haven.operations.models import Operation, PlanVersion, VersionKind
from haven.reports.figures import (
    AlertFacts,
    AmendmentFacts,
    ApprovalFacts,
    ConsentFacts,
    DangerFacts,
    InformationFacts,
    InterviewFacts,
    NeedsFacts,
    PersonFacts,
    ReliefFacts,
    ReportInput,
    Scope,
    ServiceRecordFacts,
    Vocabulary,
)

PROVIDER = AgencyType.VICTIM_SERVICE_PROVIDER.value

VOCABULARY = Vocabulary(
    tags=tuple(Population.values),
    designations=tuple(DesignationStatus.values),
    urgent_domains=NeedsAssessment.URGENT_DOMAINS,
    service_kinds=tuple(ServiceKind.values),
    interviewer_roles=tuple(InterviewerRole.values),
)


def report_input(
    *,
    operation: Operation,
    scope: Scope,
    agency_id: UUID | None,
    now: datetime,
    limit_minutes: int,
    plan_history: bool,
) -> ReportInput:
    """The facts of the operation's records that a report of this scope is computed from.

    Consents belong to the provider that recorded them: its own report counts them, the task force's
    does not. The plan's amendments belong to the full plan: read only with `plan_history`."""
    if scope is Scope.SERVICE_AGENCY:
        assert agency_id is not None, "a service agency's report is its own"
        return ReportInput(
            scope=scope,
            now=now,
            limit_minutes=limit_minutes,
            vocabulary=VOCABULARY,
            needs=_needs(operation, agency_id),
            service_records=_service_records(operation, agency_id),
            consents=[
                ConsentFacts(
                    given_on=row["given_on"],
                    expires_on=row["expires_on"],
                    revoked=row["revoked_at"] is not None,
                )
                for row in Consent.objects.filter(person__operation=operation, agency_id=agency_id).values(
                    "given_on", "expires_on", "revoked_at"
                )
            ],
        )
    return ReportInput(
        scope=scope,
        now=now,
        limit_minutes=limit_minutes,
        vocabulary=VOCABULARY,
        persons=_persons(operation),
        needs=_needs(operation, None),
        information=[
            InformationFacts(
                person=row["person__code"], at=row["at"], by_provider=row["agency__type"] == PROVIDER
            )
            for row in InformationGiven.objects.filter(person__operation=operation).values(
                "person__code", "at", "agency__type"
            )
        ],
        service_records=_service_records(operation, None),
        interviews=[
            InterviewFacts(
                person=row["person__code"],
                starts_at=row["starts_at"],
                role=row["role"],
                status=row["status"],
                interpreter=row["interpreter_id"] is not None,
                nondetention=row["location__setting"] == "nondetention",
                interviewer_gender=row["interviewer__gender"],
            )
            for row in Interview.objects.filter(person__operation=operation).values(
                "person__code",
                "starts_at",
                "role",
                "status",
                "interpreter_id",
                "location__setting",
                "interviewer__gender",
            )
        ],
        relief=[
            ReliefFacts(person=row["person__code"], kind=row["kind"], status=row["status"], at=row["at"])
            for row in ReliefStep.objects.filter(person__operation=operation)
            .order_by("at", "created_at")
            .values("person__code", "kind", "status", "at")
        ],
        danger=[
            DangerFacts(
                person=row["person__code"], flagged_at=row["flagged_at"], responded_at=row["responded_at"]
            )
            for row in DangerFlag.objects.filter(person__operation=operation).values(
                "person__code", "flagged_at", "responded_at"
            )
        ],
        alerts=[
            AlertFacts(raised_at=row["raised_at"], cleared_at=row["cleared_at"])
            for row in SeparationAlert.objects.filter(operation=operation).values("raised_at", "cleared_at")
        ],
        approval=_approval(operation),
        plan_history=plan_history,
        amendments=[
            AmendmentFacts(
                version=row["number"],
                author=row["author__name"],
                at=row["created_at"],
                sections=tuple(row["sections_changed"] or ()),
            )
            for row in PlanVersion.objects.filter(operation=operation, kind=VersionKind.AMENDMENT)
            .order_by("number")
            .values("number", "author__name", "created_at", "sections_changed")
        ]
        if plan_history
        else [],
    )


def _persons(operation: Operation) -> list[PersonFacts]:
    tags: dict[str, set[str]] = {}
    for code, tag in PersonTag.objects.filter(person__operation=operation).values_list("person__code", "tag"):
        tags.setdefault(code, set()).add(tag)
    latest = (
        Designation.objects.filter(person=OuterRef("pk")).order_by("-at", "-created_at").values("status")[:1]
    )
    rows = (
        Person.objects.filter(operation=operation)
        .annotate(designation_now=Subquery(latest))
        .order_by("code")
        .values(
            "code",
            "encountered_at",
            "designation_now",
            "outcome",
            "outcome_reason",
            "interviewer_gender",
            "interviewer_gender_withdrawn_at",
            "child_welfare_notice__at",
        )
    )
    return [
        PersonFacts(
            code=row["code"],
            encountered_at=row["encountered_at"],
            tags=frozenset(tags.get(row["code"], ())),
            designation=row["designation_now"] or DesignationStatus.UNDETERMINED.value,
            outcome=row["outcome"],
            outcome_reason=row["outcome_reason"],
            interviewer_gender="" if row["interviewer_gender_withdrawn_at"] else row["interviewer_gender"],
            child_welfare_at=row["child_welfare_notice__at"],
        )
        for row in rows
    ]


def _needs(operation: Operation, agency_id: UUID | None) -> list[NeedsFacts]:
    query = NeedsAssessment.objects.filter(person__operation=operation)
    if agency_id is not None:
        query = query.filter(agency_id=agency_id)
    domains = NeedsAssessment.URGENT_DOMAINS
    return [
        NeedsFacts(
            person=row["person__code"],
            at=row["at"],
            by_provider=row["agency__type"] == PROVIDER,
            urgent=frozenset(d for d in domains if row[f"urgent_{d}"]),
        )
        for row in query.values("person__code", "at", "agency__type", *(f"urgent_{d}" for d in domains))
    ]


def _service_records(operation: Operation, agency_id: UUID | None) -> list[ServiceRecordFacts]:
    query = VictimServiceRecord.objects.filter(person__operation=operation)
    if agency_id is not None:
        query = query.filter(agency_id=agency_id)
    return [
        ServiceRecordFacts(
            person=row["person__code"],
            at=row["at"],
            by_provider=row["agency__type"] == PROVIDER,
            kind=row["kind"],
            service_kind=row["service_kind"],
            service_status=row["service_status"],
        )
        for row in query.values(
            "person__code", "at", "agency__type", "kind", "service_kind", "service_status"
        )
    ]


def _approval(operation: Operation) -> ApprovalFacts | None:
    if operation.approved_version_id is None:
        return None
    row = (
        PlanVersion.objects.filter(pk=operation.approved_version_id)
        .values("number", "ready", "failing_rules")
        .first()
    )
    if row is None:
        return None
    return ApprovalFacts(
        version=row["number"], ready=row["ready"], failing_rules=tuple(row["failing_rules"] or ())
    )
