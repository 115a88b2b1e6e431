"""Reading encounter records through the policy: the roster, one person's record per audience, the
live board. Selectors start from what the actor may see; field-level rules come from the policy."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final
from uuid import UUID

from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from haven.access.policies import Access, Compartment, Standing, allows
from haven.accounts.models import AgencyType, User
from haven.audit.events import AuditEvent
from haven.audit.services import record
from haven.core.clock import utc_today
from haven.core.errors import NotFound
from haven.encounters.models import (
    Consent,
    DangerFlag,
    Designation,
    DesignationStatus,
    InformationGiven,
    Interview,
    InterviewStatus,
    NeedsAssessment,
    Person,
    PersonLanguage,
    PersonTag,
    ReliefStep,
    SeparationAlert,
    VictimServiceKind,
    VictimServiceRecord,
)
from haven.encounters.sealing import open_field
from haven.encounters.stages import STAGE_LABELS, Milestones, Stage, stage_of
from haven.operations.models import Operation
from haven.operations.selectors import current_plan, operation_for


def persons_visible_to(standing: Standing, operation: Operation) -> QuerySet[Person]:
    """The roster: everyone on the operation reads it (code, tags, languages, stage, priority)."""
    if not allows(standing, Compartment.ROSTER, Access.READ):
        return Person.objects.none()
    return Person.objects.filter(operation=operation)


def person_for(actor: User, code: str, person_code: str, *, audit: bool = True) -> tuple[Person, Standing]:
    """Fetch and authorise one person: the same NotFound whether missing or hidden."""
    operation, standing_ = operation_for(actor, code)
    person = (
        persons_visible_to(standing_, operation)
        .select_related("operation", "area")
        .prefetch_related("tags", "languages")
        .filter(code=person_code)
        .first()
    )
    if person is None:
        raise NotFound("No such person.")
    if audit:
        record(actor=actor, event=AuditEvent.PERSON_OPENED, target=person, operation_id=operation.pk)
    return person, standing_


def active_consents(person: Person, recipient_agency_id: UUID, today: date | None = None) -> list[Consent]:
    """Consents naming this agency that are neither revoked nor expired (checked on every request)."""
    today = today or utc_today()
    return list(
        person.consents.select_related("agency").filter(
            recipient_id=recipient_agency_id,
            revoked_at__isnull=True,
            given_on__lte=today,
            expires_on__gte=today,
        )
    )


# --- one person's record, per audience -------------------------------------------------------------


@dataclass
class PersonView:
    """What one actor may see of one person; a section is None when the policy hides it."""

    person: Person
    stage: Stage
    tags: list[str]
    languages: list[str]
    area: str | None
    area_hidden: bool
    interviewer_gender: str
    designation: str | None = None
    designation_history: list[Designation] | None = None
    observations: list[dict[str, Any]] | None = None
    shown_towards: list[dict[str, Any]] | None = None
    danger: list[DangerFlag] = field(default_factory=list)
    relief: list[ReliefStep] | None = None
    needs_summary: dict[str, Any] = field(default_factory=dict)
    needs_full: list[dict[str, Any]] | None = None
    information: list[dict[str, Any]] = field(default_factory=list)
    interviews: list[dict[str, Any]] = field(default_factory=list)
    service_records: list[dict[str, Any]] | None = None
    attorney_notes: list[dict[str, Any]] | None = None
    consents_recorded: list[dict[str, Any]] | None = None
    consents_received: list[dict[str, Any]] = field(default_factory=list)
    released_items: list[str] = field(default_factory=list)


def _milestones(person: Person) -> Milestones:
    interviews = person.interviews.exclude(status=InterviewStatus.CANCELLED)
    return Milestones(
        placed=person.area_id is not None,
        needs_assessed=person.needs_assessments.exists(),
        informed=person.information.exists(),
        interview_scheduled=interviews.exists(),
        interviewed=interviews.filter(status=InterviewStatus.CONDUCTED).exists(),
        services=person.service_records.filter(kind=VictimServiceKind.SERVICE).exists(),
        outcome=person.outcome,
    )


def person_view(actor: User, standing: Standing, person: Person) -> PersonView:
    """Assemble the person's record as this actor may see it. Every read under a consent is audited with
    the consent's id."""
    investigative = allows(standing, Compartment.INVESTIGATIVE, Access.READ)
    area_hidden = person.area is not None and person.area.is_sensitive and not investigative
    view = PersonView(
        person=person,
        stage=stage_of(_milestones(person)),
        tags=[t.tag for t in person.tags.all()],
        languages=[lang.code for lang in person.languages.all()],
        area=None if (person.area is None or area_hidden) else person.area.name,
        area_hidden=area_hidden,
        interviewer_gender=person.stated_interviewer_gender,
    )
    if investigative:
        history = list(person.designations.select_related("by").order_by("at", "created_at"))
        view.designation_history = history
        view.designation = history[-1].status if history else DesignationStatus.UNDETERMINED
        view.observations = [
            {
                "at": o.at,
                "by": o.by.name,
                "towards": o.towards.code if o.towards else None,
                "signs": [s.sign for s in o.signs.all()],
                "text": open_field(o, "text", o.agency_id),
            }
            for o in person.observations.select_related("by", "towards").prefetch_related("signs")
        ]
        view.shown_towards = [
            {"from": o.person.code, "signs": [s.sign for s in o.signs.all()], "at": o.at}
            for o in person.observed_towards.select_related("person").prefetch_related("signs")
        ]
    view.danger = list(person.danger_flags.select_related("flagged_by", "responded_by"))
    if allows(standing, Compartment.CONTINUED_PRESENCE, Access.READ):
        view.relief = list(person.relief_steps.select_related("by", "agency"))
    assessments = list(person.needs_assessments.select_related("by", "agency"))
    view.needs_summary = {
        "assessed": bool(assessments),
        "urgent": sorted({d for a in assessments for d in a.urgent_domains}),
        "language": next((a.language for a in reversed(assessments) if a.language), ""),
    }
    consents = active_consents(person, standing.agency_id) if standing.on_operation else []
    released = {item for c in consents for item in c.items}
    view.released_items = sorted(released)
    consent_reads: dict[Consent, set[str]] = {}

    def via_consent(item: str, owner: UUID) -> Consent | None:
        for consent in consents:
            if item in consent.items and consent.agency_id == owner:
                consent_reads.setdefault(consent, set()).add(item)
                return consent
        return None

    full = []
    for a in assessments:
        if allows(standing, Compartment.NEEDS_FULL, Access.READ, a.agency_id) or via_consent(
            "needs_details", a.agency_id
        ):
            full.append(
                {
                    "at": a.at,
                    "by": a.by.name,
                    "agency": a.agency.name,
                    "urgent": a.urgent_domains,
                    "language": a.language,
                    **{
                        name: open_field(a, name, a.agency_id)
                        for name in ("medical", "shelter", "food", "safety", "language_notes")
                    },
                }
            )
    view.needs_full = full if full or standing.provider else None
    for info in person.information.select_related("by", "agency"):
        entry: dict[str, Any] = {
            "at": info.at,
            "by": info.by.name,
            "agency": info.agency.name,
            "language": info.language,
            "materials": info.materials,
        }
        if allows(standing, Compartment.QUESTIONS, Access.READ, info.agency_id):
            entry["questions"] = open_field(info, "questions", info.agency_id)
            entry["answers"] = open_field(info, "answers", info.agency_id)
        view.information.append(entry)
    for interview in person.interviews.select_related("interviewer", "location", "agency", "interpreter"):
        item: dict[str, Any] = {
            "id": interview.pk,
            "starts_at": interview.starts_at,
            "minutes": interview.minutes,
            "role": interview.role,
            "location": interview.location.name,
            "room": interview.room,
            "status": interview.status,
        }
        if allows(standing, Compartment.INTERVIEW_RECORD, Access.READ, interview.agency_id):
            item["interviewer"] = interview.interviewer.name
            item["interpreter"] = interview.interpreter.name if interview.interpreter else None
            item["notes"] = open_field(interview, "notes", interview.agency_id)
            item["may_record"] = interview.interviewer_id == actor.pk
        view.interviews.append(item)
    records = []
    for kept in person.service_records.select_related("by", "agency"):
        item_name = {
            VictimServiceKind.SAFETY_PLAN: "safety_plan",
            VictimServiceKind.SERVICE: "services",
            VictimServiceKind.CONTACT: "contact",
        }.get(VictimServiceKind(kept.kind))
        own = allows(standing, Compartment.VICTIM_SERVICE_RECORD, Access.READ, kept.agency_id)
        if own or (item_name and via_consent(item_name, kept.agency_id)):
            records.append(
                {
                    "at": kept.at,
                    "kind": kept.kind,
                    "by": kept.by.name,
                    "agency": kept.agency.name,
                    "service_kind": kept.service_kind,
                    "service_status": kept.service_status,
                    "text": open_field(kept, "text", kept.agency_id),
                }
            )
    view.service_records = records if records or standing.provider else None
    if standing.victim_attorney:
        view.attorney_notes = [
            {"at": n.at, "by": n.by.name, "text": open_field(n, "text", n.agency_id)}
            for n in person.attorney_notes.select_related("by").filter(agency_id=standing.agency_id)
        ]
    if standing.provider:
        view.consents_recorded = [
            {"consent": c, "purpose": open_field(c, "purpose", c.agency_id), "reads": consent_read_events(c)}
            for c in person.consents.select_related("recipient").filter(agency_id=standing.agency_id)
        ]
    # what releases today: the consents read from above (not one given for a later day)
    view.consents_received = [
        {"consent": c, "items": c.items, "expires_on": c.expires_on, "from": c.agency.name} for c in consents
    ]
    for consent, items in consent_reads.items():
        # the recording provider's data: its auditors see every read made under its consents
        record(
            actor=actor,
            event=AuditEvent.CONSENT_READ,
            target=person,
            subject_agency_id=consent.agency_id,
            operation_id=person.operation_id,
            details={"consent_id": str(consent.pk), "items": sorted(items)},
        )
    return view


def consent_read_events(consent: Consent) -> list[dict[str, Any]]:
    """Every read made under a consent, for the provider that recorded it."""
    from haven.audit.models import AuditRecord  # noqa: PLC0415 - reading the trail, not writing it

    return [
        {"at": e.occurred_at, "by": e.actor_label}
        for e in AuditRecord.objects.filter(
            event_type=AuditEvent.CONSENT_READ, details__contains=str(consent.pk)
        )
        .only("occurred_at", "actor_label")
        .order_by("sequence")
    ]


# --- facts of many persons at once (roster, board, API) --------------------------------------------------

#: `stages.stage_of` as the database computes it: an outcome wins, then the furthest milestone reached
#: (each a field of `stages.Milestones`). Pinned to `stage_of` over every combination by the tests.
STAGE_MILESTONES: Final[tuple[tuple[Stage, str], ...]] = (
    (Stage.REFERRED, "services"),
    (Stage.INTERVIEWED, "interviewed"),
    (Stage.INTERVIEW_SCHEDULED, "interview_scheduled"),
    (Stage.INFORMED, "informed"),
    (Stage.NEEDS_ASSESSED, "needs_assessed"),
    (Stage.SEPARATED, "placed"),
)


def with_stage(persons: QuerySet[Person]) -> QuerySet[Person]:
    """The persons annotated with `stage_now`, their workflow stage computed by the database — to filter
    and count by stage without reading every person's records into Python. `roster_facts` computes the
    same stage with `stage_of`; a test holds the two to the same answer for every combination."""
    person = OuterRef("pk")
    live = Interview.objects.filter(person=person).exclude(status=InterviewStatus.CANCELLED)
    milestones: dict[str, Q | Exists] = {
        "placed": Q(area__isnull=False),
        "needs_assessed": Exists(NeedsAssessment.objects.filter(person=person)),
        "informed": Exists(InformationGiven.objects.filter(person=person)),
        "interview_scheduled": Exists(live),
        "interviewed": Exists(live.filter(status=InterviewStatus.CONDUCTED)),
        "services": Exists(VictimServiceRecord.objects.filter(person=person, kind=VictimServiceKind.SERVICE)),
    }
    return persons.annotate(
        stage_now=Case(
            When(outcome=Stage.RELEASED.value, then=Value(Stage.RELEASED.value)),
            When(outcome=Stage.TRANSFERRED.value, then=Value(Stage.TRANSFERRED.value)),
            *(When(milestones[name], then=Value(stage.value)) for stage, name in STAGE_MILESTONES),
            default=Value(Stage.ENCOUNTERED.value),
        )
    )


@dataclass
class RosterFacts:
    """What the records of one person say, as the roster, the board and the API show it."""

    milestones: Milestones
    stage: Stage
    tags: list[str]
    languages: list[str]
    urgent: list[str]
    danger: bool
    first_provider_contact: datetime | None
    designation: str
    pending_relief: list[tuple[str, datetime]]
    next_interview_agency: str


def roster_facts(operation: Operation, persons: Sequence[Mapping[str, Any]]) -> dict[Any, RosterFacts]:
    """The facts of many persons (each a dict with `id`, `area_id`, `outcome`) in a fixed number of
    queries: one per kind of record, for these persons alone. Never a subquery per row, which PostgreSQL
    may answer by reading a whole table of records, and never `prefetch_related`, which builds objects."""
    ids = [p["id"] for p in persons]
    # a short page names its persons; a whole operation is selected by the operation (no huge IN list)
    scope: dict[str, Any] = {"person_id__in": ids} if len(ids) <= 500 else {"person__operation": operation}
    wanted = set(ids)
    provider = AgencyType.VICTIM_SERVICE_PROVIDER

    def grouped(query: QuerySet[Any], *fields: str) -> dict[Any, list[tuple[Any, ...]]]:
        found: dict[Any, list[tuple[Any, ...]]] = defaultdict(list)
        for person_id, *values in query.filter(**scope).order_by().values_list("person_id", *fields):
            if person_id in wanted:
                found[person_id].append(tuple(values))
        return found

    tags = grouped(PersonTag.objects.all(), "tag")
    languages = grouped(PersonLanguage.objects.all(), "code")
    needs = grouped(
        NeedsAssessment.objects.all(),
        "at",
        "agency__type",
        *(f"urgent_{d}" for d in NeedsAssessment.URGENT_DOMAINS),
    )
    information = grouped(InformationGiven.objects.all(), "at", "agency__type")
    records = grouped(VictimServiceRecord.objects.all(), "at", "agency__type", "kind")
    interviews = grouped(
        Interview.objects.exclude(status=InterviewStatus.CANCELLED), "status", "starts_at", "agency__name"
    )
    danger = grouped(DangerFlag.objects.filter(responded_at__isnull=True), "flagged_at")
    designations = grouped(Designation.objects.all(), "at", "created_at", "status")
    relief = grouped(ReliefStep.objects.all(), "at", "created_at", "kind", "status")
    facts: dict[Any, RosterFacts] = {}
    for p in persons:
        key = p["id"]
        their_interviews = interviews.get(key, [])
        milestones = Milestones(
            placed=p["area_id"] is not None,
            needs_assessed=key in needs,
            informed=key in information,
            interview_scheduled=bool(their_interviews),
            interviewed=any(status == InterviewStatus.CONDUCTED for status, *_ in their_interviews),
            services=any(kind == VictimServiceKind.SERVICE for *_, kind in records.get(key, [])),
            outcome=p["outcome"],
        )
        contacts = [at for at, kind, *_ in needs.get(key, []) if kind == provider]
        contacts += [at for at, kind in information.get(key, []) if kind == provider]
        contacts += [at for at, kind, _ in records.get(key, []) if kind == provider]
        urgent = {
            domain
            for _, _, *flags in needs.get(key, [])
            for domain, flag in zip(NeedsAssessment.URGENT_DOMAINS, flags, strict=True)
            if flag
        }
        latest: dict[str, tuple[str, datetime]] = {}
        for at, _, kind, status in sorted(relief.get(key, [])):
            latest[kind] = (status, at)
        scheduled = sorted(
            (starts, agency)
            for status, starts, agency in their_interviews
            if status == InterviewStatus.SCHEDULED
        )
        history = sorted(designations.get(key, []))
        facts[key] = RosterFacts(
            milestones=milestones,
            stage=stage_of(milestones),
            tags=sorted(tag for (tag,) in tags.get(key, [])),
            languages=sorted(code for (code,) in languages.get(key, [])),
            urgent=[d for d in NeedsAssessment.URGENT_DOMAINS if d in urgent],
            danger=key in danger,
            first_provider_contact=min(contacts) if contacts else None,
            designation=history[-1][2] if history else DesignationStatus.UNDETERMINED,
            pending_relief=sorted(
                ((kind, at) for kind, (status, at) in latest.items() if status == "requested"),
                key=lambda item: item[1],
            ),
            next_interview_agency=scheduled[0][1] if scheduled else "",
        )
    return facts


# --- the live board --------------------------------------------------------------------------------


@dataclass
class BoardRow:
    code: str
    stage: Stage
    stage_label: str
    priority: str
    area: str | None
    tags: list[str]
    languages: list[str]
    urgent: list[str]
    designation: str | None
    next_step: str
    next_owner: str
    next_since: datetime | None
    danger: bool
    waiting_minutes: int | None
    waited_too_long: bool
    encountered_at: datetime


@dataclass
class Board:
    operation: Operation
    rows: list[BoardRow]
    danger: list[dict[str, Any]]
    separation_alerts: list[dict[str, Any]]
    limit_minutes: int
    stages: dict[str, int]
    areas: list[tuple[str, str]]
    investigative: bool
    now: datetime


def _plan_owners(operation: Operation) -> dict[str, str]:
    plan = current_plan(operation)
    names = {a.id: a.name for a in plan.agencies}
    vs = plan.victim_services
    info = plan.victim_information
    relief = plan.immigration_relief
    by_population = {i.population.value: names.get(i.agency or "", i.agency or "") for i in plan.interviews}
    return {
        "lead": names.get(plan.operation.lead_agency, plan.operation.lead_agency),
        "assess": names.get(vs.needs_assessment_by or "", "a victim service provider")
        if vs
        else "a provider",
        "inform": names.get(info.questions_answered_by or "", "a victim service provider")
        if info
        else "a provider",
        "interview_adult": by_population.get("adult", "the interviewing agency"),
        "interview_minor": by_population.get("minor", "a forensic interviewer"),
        "continued_presence": names.get(relief.continued_presence_by or "", "federal law enforcement")
        if relief
        else "federal law enforcement",
        "providers": ", ".join(names.get(p, p) for p in (vs.providers if vs else ())) or "a provider",
    }


def relief_decider(owners: dict[str, str], kind: str) -> str:
    """Who decides a relief request: Continued Presence the plan's federal agency, a T- or U-visa
    certification the lead agency — the same on the board and on the person's page."""
    return owners["continued_presence"] if kind == "continued_presence" else owners["lead"]


def relief_deciders(operation: Operation) -> dict[str, str]:
    owners = _plan_owners(operation)
    return {kind: relief_decider(owners, kind) for kind in ("continued_presence", "t_visa", "u_visa")}


def board_for(
    actor: User,
    standing: Standing,
    operation: Operation,
    *,
    stage: str = "",
    area: str = "",
    limit_minutes: int = 60,
) -> Board:
    """The live board: every person with stage, area, urgent needs, next step and who owns it, and the
    alerts — in a fixed number of queries whatever the number of persons. Service users get the same rows
    without designations or sensitive areas."""
    investigative = allows(standing, Compartment.INVESTIGATIVE, Access.READ)
    # A pending relief request is a next step only for those who may read immigration relief: for
    # anyone else it would tell what the person's page hides.
    sees_relief = allows(standing, Compartment.CONTINUED_PRESENCE, Access.READ)
    now = timezone.now()
    persons: list[Mapping[str, Any]] = list(
        persons_visible_to(standing, operation)
        .order_by("code")
        .values("id", "code", "priority", "outcome", "area_id", "encountered_at")
    )
    facts_of = roster_facts(operation, persons)
    areas = {a.pk: a for a in operation.areas.all()}
    owners = _plan_owners(operation)
    rows: list[BoardRow] = []
    counts: dict[str, int] = {}
    for p in persons:
        facts = facts_of[p["id"]]
        current = facts.stage
        counts[current] = counts.get(current, 0) + 1
        first_contact = facts.first_provider_contact
        # an exercise set in the future has not been waited through yet: never a negative wait
        waited = max(0, int(((first_contact or now) - p["encountered_at"]).total_seconds() // 60))
        step, owner, since = _next_step(current, p, facts, owners, sees_relief=sees_relief)
        place = areas.get(p["area_id"])
        area_name = place.name if place is not None and (investigative or not place.is_sensitive) else None
        rows.append(
            BoardRow(
                code=p["code"],
                stage=current,
                stage_label=STAGE_LABELS[current],
                priority=p["priority"],
                area=area_name,
                tags=facts.tags,
                languages=facts.languages,
                urgent=facts.urgent,
                designation=facts.designation if investigative else None,
                next_step=step,
                next_owner=owner,
                next_since=since,
                danger=facts.danger,
                waiting_minutes=waited if first_contact is None and not p["outcome"] else None,
                waited_too_long=first_contact is None and not p["outcome"] and waited > limit_minutes,
                encountered_at=p["encountered_at"],
            )
        )
    all_areas = sorted(
        (a.plan_id, a.name) for a in areas.values() if not a.retired and (investigative or not a.is_sensitive)
    )
    if stage:
        rows = [r for r in rows if r.stage == stage]
    if area:
        names = dict(all_areas)
        rows = [r for r in rows if r.area is not None and r.area == names.get(area)]
    danger = [
        {"code": f.person.code, "since": f.flagged_at, "by": f.flagged_by.name}
        for f in DangerFlag.objects.filter(person__operation=operation, responded_at__isnull=True)
        .select_related("person", "flagged_by")
        .order_by("flagged_at")
    ]
    alerts = []
    if investigative:
        alerts = [
            {
                "area": a.area.name,
                "suspect": a.suspect.code,
                "potential_victim": a.potential_victim.code,
                "since": a.raised_at,
            }
            for a in SeparationAlert.objects.filter(
                operation=operation, cleared_at__isnull=True
            ).select_related("area", "suspect", "potential_victim")
        ]
    return Board(
        operation=operation,
        rows=rows,
        danger=danger,
        separation_alerts=alerts,
        limit_minutes=limit_minutes,
        stages=counts,
        areas=all_areas,
        investigative=investigative,
        now=now,
    )


def _next_step(
    stage: Stage, p: Mapping[str, Any], facts: RosterFacts, owners: dict[str, str], *, sees_relief: bool
) -> tuple[str, str, Any]:
    """The next step of a person's workflow and the agency that owns it (and since when, where known);
    a pending relief request is left out for a viewer who may not read immigration relief."""
    m, tags = facts.milestones, facts.tags
    pending = facts.pending_relief if sees_relief else []
    if stage in (Stage.RELEASED, Stage.TRANSFERRED):
        return ("—", "", None)
    if not m.placed:
        return ("Separate: place in an area", owners["lead"], p["encountered_at"])
    if not m.needs_assessed:
        return ("Assess needs", owners["assess"], p["encountered_at"])
    if not m.informed:
        return ("Give information and answer questions", owners["inform"], None)
    if pending:
        kind, requested_at = pending[-1]
        label = {
            "continued_presence": "Continued Presence",
            "t_visa": "T-visa certification",
            "u_visa": "U-visa certification",
        }[kind]
        decider = relief_decider(owners, kind)
        return (f"Decide on {label} (requested)", decider, requested_at)
    if not m.interview_scheduled and not m.interviewed:
        who = owners["interview_minor"] if "minor" in tags else owners["interview_adult"]
        return ("Schedule the interview", who, None)
    if m.interview_scheduled and not m.interviewed:
        return ("Interview", facts.next_interview_agency or owners["interview_adult"], None)
    if not m.services:
        return ("Refer to services", owners["providers"], None)
    return ("Follow up services", owners["providers"], None)


# --- persons as the audit trail names them -----------------------------------------------------------------


def person_labels_for_audit(person_ids: Sequence[str]) -> dict[str, str]:
    """Persons named in audit events, by pseudonymous code and operation ("P-002 · NL-2026-12"), which
    an auditor can follow up: the code is what every page shows, never a name."""
    return {
        str(pk): f"{code} · {operation}"
        for pk, code, operation in Person.objects.filter(pk__in=list(person_ids)).values_list(
            "pk", "code", "operation__code"
        )
    }


def person_ids_with_code(code: str) -> list[str]:
    """The persons (across operations) with this pseudonymous code, for the auditor's filter by person."""
    return [str(pk) for pk in Person.objects.filter(code=code.strip().upper()).values_list("pk", flat=True)]
