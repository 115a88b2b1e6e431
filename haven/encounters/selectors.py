"""Reading encounter records through the policy: the roster, one person's record per audience, the
live board. Selectors start from what the actor may see; field-level rules come from the policy."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final
from uuid import UUID

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.crypto import salted_hmac

from haven.access.policies import Access, Compartment, Standing, allows
from haven.accounts.models import AgencyType, User
from haven.audit.events import AuditEvent
from haven.audit.services import record
from haven.core.clock import clock_time, utc_today
from haven.core.errors import NotFound
from haven.core.languages import language_name
from haven.core.prepared import Bound, Prepared, bound_query, together
from haven.encounters import board_log
from haven.encounters.models import (
    AttorneyNote,
    BoardChange,
    ChildWelfareNotice,
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
    SeparationReason,
    VictimServiceKind,
    VictimServiceRecord,
)
from haven.encounters.rules import (
    ConsentState,
    consent_state,
    in_victim_care,
    relief_decider,
    treated_as_minor,
)
from haven.encounters.sealing import open_field
from haven.encounters.stages import STAGE_LABELS, Milestones, Stage, stage_of
from haven.operations.models import Area, AreaHolds, Operation
from haven.operations.selectors import current_plan, operation_for

# --- a person's area, as each audience may read it ---------------------------------------------------


def area_readable(standing: Standing, holds: str | None) -> bool:
    """Whether this audience reads that a person is in an area holding `holds` (None: not placed).

    Rule (access-policy.md, "Compartments"): a person's area when it holds suspects or is undetermined is
    investigative information. To any other audience such a person reads exactly as one not placed —
    `placed`, the area, the workflow stage, the next step and the filters alike — because "placed, area
    not shown" would itself say "a suspect, or not yet determined". Every roster, record, board, page
    and API answer asks this one function (or `placed_readable`, its form for a query)."""
    if holds is None or not allows(standing, Compartment.ROSTER, Access.READ):
        return False  # (an agency the plan dropped keeps its own records, not where the person is now)
    return holds == AreaHolds.POTENTIAL_VICTIMS or allows(standing, Compartment.INVESTIGATIVE, Access.READ)


def placed_readable(standing: Standing) -> Q:
    """`area_readable` as a condition on persons: placed in an area this audience may read."""
    if allows(standing, Compartment.INVESTIGATIVE, Access.READ):
        return Q(area__isnull=False)
    if not allows(standing, Compartment.ROSTER, Access.READ):
        return Q(pk__in=[])
    return Q(area__holds=AreaHolds.POTENTIAL_VICTIMS)


def readable_area(standing: Standing, area: Area | None) -> Area | None:
    """The person's area if this audience may read it, else None (as for a person not placed)."""
    return area if area is not None and area_readable(standing, area.holds) else None


def persons_visible_to(standing: Standing, operation: Operation) -> QuerySet[Person]:
    """The roster: everyone on the operation reads it (code, tags, languages, stage, priority). An agency
    the plan dropped keeps its own clients: the persons it holds records of its own on."""
    if allows(standing, Compartment.INVESTIGATIVE, Access.READ):
        return Person.objects.filter(operation=operation)
    if allows(standing, Compartment.ROSTER, Access.READ):
        # a person designated suspect leaves the victim-care pathway: no service agency's board or list
        # shows them, unless the agency holds records of its own on them (issue 13)
        return with_designation(Person.objects.filter(operation=operation)).exclude(
            Q(designation_now=DesignationStatus.SUSPECT) & ~_held_by(standing.agency_id)
        )
    if standing.retained:
        return Person.objects.filter(operation=operation).filter(_held_by(standing.agency_id))
    return Person.objects.none()


def with_designation(persons: QuerySet[Person]) -> QuerySet[Person]:
    """The persons annotated with `designation_now`: their latest designation, undetermined when none —
    computed by the database the way `services.current_designation` reads it."""
    latest = (
        Designation.objects.filter(person=OuterRef("pk")).order_by("-at", "-created_at").values("status")[:1]
    )
    return persons.annotate(
        designation_now=Coalesce(Subquery(latest), Value(DesignationStatus.UNDETERMINED.value))
    )


def _held_by(agency_id: UUID) -> Q:
    """The persons on whom the agency holds a record of its own (the owner-held rows of the table)."""
    person = OuterRef("pk")
    return (
        Q(Exists(NeedsAssessment.objects.filter(person=person, agency_id=agency_id)))
        | Q(Exists(InformationGiven.objects.filter(person=person, agency_id=agency_id)))
        | Q(Exists(VictimServiceRecord.objects.filter(person=person, agency_id=agency_id)))
        | Q(Exists(AttorneyNote.objects.filter(person=person, agency_id=agency_id)))
        | Q(Exists(Consent.objects.filter(person=person, agency_id=agency_id)))
        | Q(Exists(Interview.objects.filter(person=person, agency_id=agency_id)))
    )


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


def consent_state_of(consent: Consent, today: date | None = None) -> ConsentState:
    """The consent's state today (`rules.consent_state`), for the page, the API and the selectors alike."""
    return consent_state(
        given_on=consent.given_on,
        expires_on=consent.expires_on,
        revoked=consent.revoked_at is not None,
        today=today or utc_today(),
    )


def active_consents(person: Person, recipient_agency_id: UUID, today: date | None = None) -> list[Consent]:
    """Consents naming this agency that release today (`rules.consent_state`), checked on every request.

    Rule (issue 12): no consent releases anything while its recording agency cannot manage it — a
    deactivated provider cannot record the client's revocation, so its consents release nothing."""
    candidates = person.consents.select_related("agency").filter(
        recipient_id=recipient_agency_id, agency__is_active=True
    )
    return [c for c in candidates if consent_state_of(c, today) is ConsentState.ACTIVE]


# --- one person's record, per audience -------------------------------------------------------------
#
# Each section is a frozen record of its own. A section the policy hides from this audience is None (or,
# for a list every audience reads, holds only the entries it may read); a part of an entry that only some
# readers may see is a nested record that is None for the others. No dict whose keys say who may read it.


@dataclass(frozen=True, slots=True)
class ObservationEntry:
    """An observation of the person (investigative agencies)."""

    at: datetime
    by: str
    #: the code of the person the signs were shown towards, if any
    towards: str | None
    signs: tuple[str, ...]
    text: str


@dataclass(frozen=True, slots=True)
class ShownTowardsEntry:
    """Signs another person was seen showing towards this one (investigative agencies)."""

    from_person: str
    signs: tuple[str, ...]
    at: datetime


@dataclass(frozen=True, slots=True)
class LegalNote:
    """The plan's legal-authority note for minors (readers of the full plan, for a minor)."""

    reviewed_by: str
    notes: str


@dataclass(frozen=True, slots=True)
class NeedsSummary:
    """Assessed or not, the urgent domains, the language (everyone on the operation)."""

    assessed: bool
    urgent: tuple[str, ...]
    language: str


@dataclass(frozen=True, slots=True)
class NeedsAssessmentEntry:
    """One full needs assessment: the assessing provider, or a recipient under a consent releasing
    `needs_details`. One field per sealed text of `NeedsAssessment.SEALED` (a test pins the two)."""

    at: datetime
    by: str
    agency: str
    urgent: tuple[str, ...]
    language: str
    medical: str
    shelter: str
    food: str
    safety: str
    clothing: str
    contact: str
    childcare: str
    transportation: str
    legal: str
    counseling: str
    language_notes: str
    concerns: str


@dataclass(frozen=True, slots=True)
class QuestionsAndAnswers:
    """The person's questions and the answers given: the agency that gave the information only."""

    questions: str
    answers: str


@dataclass(frozen=True, slots=True)
class InformationEntry:
    """Information given to the person (everyone on the operation); the questions and answers are None
    for every reader but the agency that gave it."""

    at: datetime
    by: str
    agency: str
    language: str
    materials: tuple[str, ...]
    questions_and_answers: QuestionsAndAnswers | None


@dataclass(frozen=True, slots=True)
class InterviewRecord:
    """Who conducted an interview and its official notes: investigative agencies and the agency that
    conducted it."""

    interviewer: str
    interpreter: str | None
    notes: str
    #: the reader is the interviewer, who records it
    may_record: bool


@dataclass(frozen=True, slots=True)
class InterviewEntry:
    """An interview on the schedule; `record` is None for a reader of the schedule only."""

    id: UUID
    starts_at: datetime
    minutes: int
    role: str
    location: str
    room: str
    status: str
    record: InterviewRecord | None


@dataclass(frozen=True, slots=True)
class ServiceRecordEntry:
    """A victim service record: the provider that keeps it, or a recipient under a consent."""

    at: datetime
    kind: str
    by: str
    agency: str
    service_kind: str
    service_status: str
    text: str


@dataclass(frozen=True, slots=True)
class AttorneyNoteEntry:
    """A victim attorney's note: the attorney's agency only."""

    at: datetime
    by: str
    text: str


@dataclass(frozen=True, slots=True)
class ConsentRead:
    """One read made under a consent."""

    at: datetime
    by: str


@dataclass(frozen=True, slots=True)
class ConsentRecorded:
    """A consent the reader's agency recorded, with every read made under it (the recording provider)."""

    consent: Consent
    purpose: str
    reads: tuple[ConsentRead, ...]


@dataclass(frozen=True, slots=True)
class ConsentReceived:
    """An active consent naming the reader's agency: what it releases and until when."""

    from_agency: str
    items: tuple[str, ...]
    expires_on: date


@dataclass(frozen=True, slots=True)
class PersonView:
    """What one actor may see of one person; a section is None when the policy hides it."""

    person: Person
    stage: Stage
    tags: tuple[str, ...]
    languages: tuple[str, ...]
    #: the area as this audience may read it (`readable_area`): None also when it may not
    area: Area | None
    interviewer_gender: str
    # investigative agencies only
    designation: str | None
    designation_history: tuple[Designation, ...] | None
    observations: tuple[ObservationEntry, ...] | None
    shown_towards: tuple[ShownTowardsEntry, ...] | None
    # readers of the imminent-danger compartment (empty for the others)
    danger: tuple[DangerFlag, ...]
    relief: tuple[ReliefStep, ...] | None
    needs_summary: NeedsSummary | None
    needs_full: tuple[NeedsAssessmentEntry, ...] | None
    information: tuple[InformationEntry, ...]
    interviews: tuple[InterviewEntry, ...]
    service_records: tuple[ServiceRecordEntry, ...] | None
    attorney_notes: tuple[AttorneyNoteEntry, ...] | None
    consents_recorded: tuple[ConsentRecorded, ...] | None
    consents_received: tuple[ConsentReceived, ...]
    released_items: tuple[str, ...]
    # a person treated as a minor: the child welfare notice (None: not yet) — and, for readers of the full
    # plan, the plan's legal-authority notes for minors (None: not a minor, or not the reader's to read)
    child_welfare: ChildWelfareNotice | None
    legal_notes: tuple[LegalNote, ...] | None


def _milestones(person: Person, standing: Standing) -> Milestones:
    interviews = person.interviews.exclude(status=InterviewStatus.CANCELLED)
    return Milestones(
        placed=readable_area(standing, person.area) is not None,
        needs_assessed=person.needs_assessments.exists(),
        informed=person.information.exists(),
        interview_scheduled=interviews.exists(),
        interviewed=interviews.filter(status=InterviewStatus.CONDUCTED).exists(),
        services=person.service_records.filter(kind=VictimServiceKind.SERVICE).exists(),
        outcome=person.outcome,
    )


def _needs_assessment_entry(a: NeedsAssessment) -> NeedsAssessmentEntry:
    def text(name: str) -> str:
        return open_field(a, name, a.agency_id)

    return NeedsAssessmentEntry(
        at=a.at,
        by=a.by.name,
        agency=a.agency.name,
        urgent=tuple(a.urgent_domains),
        language=a.language,
        medical=text("medical"),
        shelter=text("shelter"),
        food=text("food"),
        safety=text("safety"),
        clothing=text("clothing"),
        contact=text("contact"),
        childcare=text("childcare"),
        transportation=text("transportation"),
        legal=text("legal"),
        counseling=text("counseling"),
        language_notes=text("language_notes"),
        concerns=text("concerns"),
    )


def person_view(actor: User, standing: Standing, person: Person) -> PersonView:
    """Assemble the person's record as this actor may see it: each section asks the policy whether this
    audience reads it. Every read under a consent is audited with the consent's id."""
    tags = tuple(t.tag for t in person.tags.all())
    designation: str | None = None
    history: tuple[Designation, ...] | None = None
    observations: tuple[ObservationEntry, ...] | None = None
    shown_towards: tuple[ShownTowardsEntry, ...] | None = None
    if allows(standing, Compartment.INVESTIGATIVE, Access.READ):
        history = tuple(person.designations.select_related("by").order_by("at", "created_at"))
        designation = history[-1].status if history else DesignationStatus.UNDETERMINED
        observations = tuple(
            ObservationEntry(
                at=o.at,
                by=o.by.name,
                towards=o.towards.code if o.towards else None,
                signs=tuple(s.sign for s in o.signs.all()),
                text=open_field(o, "text", o.agency_id),
            )
            for o in person.observations.select_related("by", "towards").prefetch_related("signs")
        )
        shown_towards = tuple(
            ShownTowardsEntry(from_person=o.person.code, signs=tuple(s.sign for s in o.signs.all()), at=o.at)
            for o in person.observed_towards.select_related("person").prefetch_related("signs")
        )
    danger: tuple[DangerFlag, ...] = ()
    if allows(standing, Compartment.IMMINENT_DANGER, Access.READ):
        danger = tuple(person.danger_flags.select_related("flagged_by", "responded_by"))
    child_welfare: ChildWelfareNotice | None = None
    legal_notes: tuple[LegalNote, ...] | None = None
    if treated_as_minor(tags) and allows(standing, Compartment.ROSTER, Access.READ):
        child_welfare = (
            ChildWelfareNotice.objects.filter(person=person).select_related("agency", "by").first()
        )
        if allows(standing, Compartment.FULL_PLAN, Access.READ):
            plan = current_plan(person.operation)
            names = {a.id: a.name for a in plan.agencies}
            legal_notes = tuple(
                LegalNote(
                    reviewed_by=names.get(entry.reviewed_by or "", entry.reviewed_by or ""),
                    notes=entry.notes or "",
                )
                for entry in plan.legal_authorities
                if entry.population.value == "minor"
            )
    relief: tuple[ReliefStep, ...] | None = None
    if allows(standing, Compartment.CONTINUED_PRESENCE, Access.READ):
        relief = tuple(person.relief_steps.select_related("by", "agency"))
    assessments = list(person.needs_assessments.select_related("by", "agency"))
    needs_summary: NeedsSummary | None = None
    if allows(standing, Compartment.NEEDS_SUMMARY, Access.READ):
        needs_summary = NeedsSummary(
            assessed=bool(assessments),
            urgent=tuple(sorted({d for a in assessments for d in a.urgent_domains})),
            language=next((a.language for a in reversed(assessments) if a.language), ""),
        )
    consents = active_consents(person, standing.agency_id) if standing.on_operation else []
    consent_reads: dict[Consent, set[str]] = {}

    def via_consent(item: str, owner: UUID) -> Consent | None:
        for consent in consents:
            if item in consent.items and consent.agency_id == owner:
                consent_reads.setdefault(consent, set()).add(item)
                return consent
        return None

    full = tuple(
        _needs_assessment_entry(a)
        for a in assessments
        if allows(standing, Compartment.NEEDS_FULL, Access.READ, a.agency_id)
        or via_consent("needs_details", a.agency_id)
    )
    needs_full = (
        full if full or allows(standing, Compartment.NEEDS_FULL, Access.READ, standing.agency_id) else None
    )
    information_read = allows(standing, Compartment.INFORMATION, Access.READ)
    information: list[InformationEntry] = []
    for info in person.information.select_related("by", "agency"):
        questions = allows(standing, Compartment.QUESTIONS, Access.READ, info.agency_id)
        if not (information_read or questions):
            continue
        information.append(
            InformationEntry(
                at=info.at,
                by=info.by.name,
                agency=info.agency.name,
                language=info.language,
                materials=tuple(str(m) for m in info.materials),
                questions_and_answers=QuestionsAndAnswers(
                    questions=open_field(info, "questions", info.agency_id),
                    answers=open_field(info, "answers", info.agency_id),
                )
                if questions
                else None,
            )
        )
    schedule = allows(standing, Compartment.INTERVIEW_SCHEDULE, Access.READ)
    interviews: list[InterviewEntry] = []
    for interview in person.interviews.select_related("interviewer", "location", "agency", "interpreter"):
        own_record = allows(standing, Compartment.INTERVIEW_RECORD, Access.READ, interview.agency_id)
        if not (schedule or own_record):
            continue
        interviews.append(
            InterviewEntry(
                id=interview.pk,
                starts_at=interview.starts_at,
                minutes=interview.minutes,
                role=interview.role,
                location=interview.location.name,
                room=interview.room,
                status=interview.status,
                record=InterviewRecord(
                    interviewer=interview.interviewer.name,
                    interpreter=interview.interpreter.name if interview.interpreter else None,
                    notes=open_field(interview, "notes", interview.agency_id),
                    may_record=interview.interviewer_id == actor.pk,
                )
                if own_record
                else None,
            )
        )
    records: list[ServiceRecordEntry] = []
    for kept in person.service_records.select_related("by", "agency"):
        item_name = {
            VictimServiceKind.SAFETY_PLAN: "safety_plan",
            VictimServiceKind.SERVICE: "services",
            VictimServiceKind.CONTACT: "contact",
        }.get(VictimServiceKind(kept.kind))
        own = allows(standing, Compartment.VICTIM_SERVICE_RECORD, Access.READ, kept.agency_id)
        if own or (item_name and via_consent(item_name, kept.agency_id)):
            records.append(
                ServiceRecordEntry(
                    at=kept.at,
                    kind=kept.kind,
                    by=kept.by.name,
                    agency=kept.agency.name,
                    service_kind=kept.service_kind,
                    service_status=kept.service_status,
                    text=open_field(kept, "text", kept.agency_id),
                )
            )
    provider = allows(standing, Compartment.CONSENT, Access.READ, standing.agency_id)
    attorney_notes: tuple[AttorneyNoteEntry, ...] | None = None
    if allows(standing, Compartment.ATTORNEY_NOTES, Access.READ, standing.agency_id):
        attorney_notes = tuple(
            AttorneyNoteEntry(at=n.at, by=n.by.name, text=open_field(n, "text", n.agency_id))
            for n in person.attorney_notes.select_related("by").filter(agency_id=standing.agency_id)
        )
    consents_recorded: tuple[ConsentRecorded, ...] | None = None
    if provider:
        consents_recorded = tuple(
            ConsentRecorded(
                consent=c, purpose=open_field(c, "purpose", c.agency_id), reads=consent_read_events(c)
            )
            for c in person.consents.select_related("recipient").filter(agency_id=standing.agency_id)
        )
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
    return PersonView(
        person=person,
        stage=stage_of(_milestones(person, standing)),
        tags=tags,
        languages=tuple(lang.code for lang in person.languages.all()),
        area=readable_area(standing, person.area),
        interviewer_gender=person.stated_interviewer_gender,
        designation=designation,
        designation_history=history,
        observations=observations,
        shown_towards=shown_towards,
        danger=danger,
        relief=relief,
        needs_summary=needs_summary,
        needs_full=needs_full,
        information=tuple(information),
        interviews=tuple(interviews),
        service_records=tuple(records) if records or provider else None,
        attorney_notes=attorney_notes,
        consents_recorded=consents_recorded,
        # what releases today: the consents read from above (not one given for a later day)
        consents_received=tuple(
            ConsentReceived(from_agency=c.agency.name, items=tuple(c.items), expires_on=c.expires_on)
            for c in consents
        ),
        released_items=tuple(sorted({item for c in consents for item in c.items})),
        child_welfare=child_welfare,
        legal_notes=legal_notes,
    )


def consent_read_events(consent: Consent) -> tuple[ConsentRead, ...]:
    """Every read made under a consent, for the provider that recorded it."""
    from haven.audit.models import AuditRecord  # noqa: PLC0415 - reading the trail, not writing it

    return tuple(
        ConsentRead(at=e.occurred_at, by=e.actor_label)
        for e in AuditRecord.objects.filter(
            event_type=AuditEvent.CONSENT_READ, details__contains=str(consent.pk)
        )
        .only("occurred_at", "actor_label")
        .order_by("sequence")
    )


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


def with_stage(persons: QuerySet[Person], standing: Standing) -> QuerySet[Person]:
    """The persons annotated with `stage_now`, their workflow stage as this audience reads it, computed by
    the database — to filter and count by stage without reading every person's records into Python.
    `roster_facts` computes the same stage with `stage_of`; a test holds the two to the same answer for
    every combination."""
    person = OuterRef("pk")
    live = Interview.objects.filter(person=person).exclude(status=InterviewStatus.CANCELLED)
    milestones: dict[str, Q | Exists] = {
        "placed": placed_readable(standing),
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


@dataclass(frozen=True)
class Owner:
    """Who owns a next step: the agency's name as the plan gives it, and the plan's agency ids
    (`Agency.slug`) — several for "the providers", none where the plan names no one ("a provider")."""

    name: str
    ids: tuple[str, ...] = ()


NO_OWNER: Final = Owner("")


@dataclass(slots=True)
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
    next_interview_agency: Owner | None
    # for a person treated as a minor: when child welfare was notified, and which agency (None: not yet)
    child_welfare: tuple[datetime, str] | None = None
    # when the oldest imminent-danger flag still unanswered was raised (None: none open)
    danger_since: datetime | None = None


#: The kinds of record `roster_facts` reads, each for the persons of one operation (or a page of them):
#: the records' model and filter, the fields read after the person's id, and their order (none: the
#: database's). The latest designation is the last in time (then entry): ordered by the database, only the
#: statuses come back (no two times to read per person).
_FACT_QUERIES: Final[dict[str, tuple[type[Any], Q, tuple[str, ...], tuple[str, ...]]]] = {
    "tags": (PersonTag, Q(), ("tag",), ()),
    "languages": (PersonLanguage, Q(), ("code",), ()),
    "needs": (
        NeedsAssessment,
        Q(),
        ("at", "agency__type", *(f"urgent_{d}" for d in NeedsAssessment.URGENT_DOMAINS)),
        (),
    ),
    "information": (InformationGiven, Q(), ("at", "agency__type"), ()),
    "records": (VictimServiceRecord, Q(), ("at", "agency__type", "kind"), ()),
    "interviews": (
        Interview,
        ~Q(status=InterviewStatus.CANCELLED),
        ("status", "starts_at", "agency__name", "agency__slug"),
        (),
    ),
    "danger": (DangerFlag, Q(responded_at__isnull=True), ("flagged_at",), ()),
    "designations": (Designation, Q(), ("status",), ("at", "created_at", "status")),
    "relief": (ReliefStep, Q(), ("at", "created_at", "kind", "status"), ()),
    "notices": (ChildWelfareNotice, Q(), ("at", "agency__name"), ()),
}


def _fact_query(read: str, **scope: Any) -> QuerySet[Any]:
    """One of `_FACT_QUERIES` for the persons `scope` names: the person's id first (read raw), then the
    fields."""
    model, condition, fields, order = _FACT_QUERIES[read]
    records: QuerySet[Any] = model.objects.filter(condition, **scope)
    return records.order_by(*order).values_list("person_id", *fields)


def _by_operation(read: str) -> Prepared:
    return Prepared(
        lambda operation_id: _fact_query(read, person__operation_id=operation_id),
        field=Operation._meta.get_field("id"),
        raw=(0,),
    )


#: `_FACT_QUERIES` for a whole operation, each compiled once per process and connection (the board's ten
#: reads cost ~3 ms a render to build and compile afresh): `Prepared`, by the operation's id.
_FACT_READS: Final[dict[str, Prepared]] = {read: _by_operation(read) for read in _FACT_QUERIES}


def roster_facts(
    operation: Operation, persons: Sequence[Mapping[str, Any]], standing: Standing, *, whole: bool = False
) -> list[RosterFacts]:
    """The facts of many persons (each a dict with `id`, `area__holds`, `outcome`), as this audience may
    read them, in the order of `persons`, in a fixed number of queries: one per kind of record, for these
    persons alone. Never a subquery per row, which PostgreSQL may answer by reading a whole table of
    records, and never `prefetch_related`, which builds objects."""
    ids = [p["id"] for p in persons]
    # a short page names its persons; a whole operation is selected by the operation (no huge IN list)
    # (`whole`: the persons are the operation's, as the board reads them — never a list of hundreds of ids,
    # which costs more to compile than to answer)
    by_operation = whole or len(ids) > 500
    # the ten reads at once (on PostgreSQL, one round trip)
    answers = together(_fact_reads(operation) if by_operation else _fact_reads(operation, ids))
    return _facts_from(answers, persons, standing, whole=whole)


def _fact_reads(operation: Operation, ids: Sequence[UUID] | None = None) -> list[Bound]:
    """`_FACT_QUERIES`, ready to run: for the whole operation (compiled once, `_FACT_READS`), or for the
    persons `ids` names."""
    if ids is None:
        return [_FACT_READS[read].bound(operation.pk) for read in _FACT_QUERIES]
    return [bound_query(_fact_query(read, person_id__in=ids), raw=(0,)) for read in _FACT_QUERIES]


def _facts_from(
    answers: Sequence[list[tuple[Any, ...]]],
    persons: Sequence[Mapping[str, Any]],
    standing: Standing,
    *,
    whole: bool,
) -> list[RosterFacts]:
    """`roster_facts` from the rows of `_fact_reads` (`answers`, in its order)."""
    # persons are keyed by their id as the database returns it, never converted to a `UUID` (~1.5 µs each,
    # thousands per board): on PostgreSQL its number (a `UUID` hashes in Python, its `int` in C), on SQLite
    # its hex
    db = connections[DEFAULT_DB_ALIAS]
    native = db.features.has_native_uuid_field
    as_stored = Person._meta.get_field("id").get_db_prep_value

    def key_of(person_id: UUID) -> Any:
        raw = as_stored(person_id, db)
        return raw.int if native else raw

    # (`whole`: the rows are the operation's persons', every one wanted)
    wanted = None if whole else {key_of(p["id"]) for p in persons}
    provider = AgencyType.VICTIM_SERVICE_PROVIDER

    def grouped(read: str, rows: list[tuple[Any, ...]]) -> dict[Any, list[Any]]:
        """Each person's rows of one of `_FACT_QUERIES` (of one field: its values), in the read's order."""
        found: dict[Any, list[Any]] = defaultdict(list)
        one = len(_FACT_QUERIES[read][2]) == 1
        for row in rows:
            key = row[0].int if native else row[0]
            if wanted is None or key in wanted:
                found[key].append(row[1] if one else row[1:])
        return found

    of = {read: grouped(read, rows) for read, rows in zip(_FACT_QUERIES, answers, strict=True)}
    tags, languages, needs, information = of["tags"], of["languages"], of["needs"], of["information"]
    records, interviews, danger, designations = (
        of["records"],
        of["interviews"],
        of["danger"],
        of["designations"],
    )
    relief, notices = of["relief"], of["notices"]
    # the area rule asked once per kind of area, not once per person
    placed_in = {holds: area_readable(standing, holds) for holds in {p["area__holds"] for p in persons}}
    domains = tuple(enumerate(NeedsAssessment.URGENT_DOMAINS, start=2))  # (each flag's column in a needs row)
    conducted, scheduled_status = InterviewStatus.CONDUCTED, InterviewStatus.SCHEDULED
    undetermined = DesignationStatus.UNDETERMINED
    facts: list[RosterFacts] = []
    # (most persons have few kinds of record: each kind is looked at only where the person has one)
    for p in persons:
        key = key_of(p["id"])
        their_interviews = interviews.get(key)
        their_records = records.get(key)
        their_needs = needs.get(key)
        their_information = information.get(key)
        milestones = Milestones(
            placed=placed_in[p["area__holds"]],
            needs_assessed=their_needs is not None,
            informed=their_information is not None,
            interview_scheduled=their_interviews is not None,
            interviewed=their_interviews is not None and any(i[0] == conducted for i in their_interviews),
            services=their_records is not None
            and any(r[2] == VictimServiceKind.SERVICE for r in their_records),
            outcome=p["outcome"],
        )
        contacts: list[datetime] = []
        urgent: list[str] = []
        if their_needs is not None:
            contacts += [row[0] for row in their_needs if row[1] == provider]
            # the urgent domains of any assessment, in the order of `URGENT_DOMAINS` (each column's flags
            # merged: most persons have one assessment)
            merged = (
                their_needs[0] if len(their_needs) == 1 else tuple(map(any, zip(*their_needs, strict=True)))
            )
            urgent = [d for i, d in domains if merged[i]]
        if their_information is not None:
            contacts += [at for at, kind in their_information if kind == provider]
        if their_records is not None:
            contacts += [row[0] for row in their_records if row[1] == provider]
        pending: list[tuple[str, datetime]] = []
        their_relief = relief.get(key)
        if their_relief is not None:
            latest: dict[str, tuple[str, datetime]] = {}
            for at, _, kind, status in sorted(their_relief):
                latest[kind] = (status, at)
            pending = sorted(
                ((kind, at) for kind, (status, at) in latest.items() if status == "requested"),
                key=lambda item: item[1],
            )
        next_agency = None
        if their_interviews is not None:
            scheduled = sorted((i[1], i[2], i[3]) for i in their_interviews if i[0] == scheduled_status)
            if scheduled:
                next_agency = Owner(scheduled[0][1], (scheduled[0][2],))
        their_tags = tags.get(key)
        their_languages = languages.get(key)
        history = designations.get(key)
        flags = danger.get(key)
        notice = notices.get(key)
        facts.append(
            RosterFacts(
                milestones=milestones,
                stage=stage_of(milestones),
                tags=sorted(their_tags) if their_tags else [],
                languages=sorted(their_languages) if their_languages else [],
                urgent=urgent,
                danger=flags is not None,
                danger_since=min(flags) if flags else None,
                first_provider_contact=min(contacts) if contacts else None,
                designation=history[-1] if history else undetermined,
                pending_relief=pending,
                next_interview_agency=next_agency,
                child_welfare=notice[0] if notice else None,
            )
        )
    return facts


# --- the live board --------------------------------------------------------------------------------


@dataclass(slots=True)
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
    # for a person treated as a minor: "Child welfare notified 06:40 UTC−05:00 (County CWS)" or "… not yet
    # notified"; "" for an adult
    child_welfare: str = ""
    child_welfare_pending: bool = False
    # the plan's ids of the agencies that own the next step (`Agency.slug`): "my tasks" compares these
    next_owner_ids: list[str] = field(default_factory=list)
    # when the oldest unanswered imminent-danger flag was raised (None: no open flag, or not shown)
    danger_since: datetime | None = None


def board_urgency(row: BoardRow) -> tuple[int, datetime | int, str]:
    """The board's order, one rule: open imminent danger first (the oldest flag first), then urgent needs
    (encountered first, first), then those waiting for a provider's first contact (the longest wait first),
    then everyone else by code, and last those with no next step (released or transferred). The page,
    its 15-second refresh and the API board sort by this key alone."""
    if row.danger:
        return (0, row.danger_since or row.encountered_at, row.code)
    if row.urgent:
        return (1, row.encountered_at, row.code)
    if row.waiting_minutes is not None:
        return (2, -row.waiting_minutes, row.code)
    if row.next_step != "—":
        return (3, 0, row.code)
    return (4, 0, row.code)


#: the longest search the board takes (characters): the API refuses a longer one, a page cuts it
BOARD_SEARCH_MAX: Final = 100


def board_search_matches(row: BoardRow, search: str, area_id: str = "") -> bool:
    """Whether a row answers the board's search: every word of it found in the person's code (any part:
    `013`, `p-01`), one of their languages (its tag, `es`, exactly; a word of its name, `Span`, from the
    start) or their area (a word of its name from the start, or its id in the plan) — the area as this
    audience may read it, so a hidden area is never found."""
    names = [language_name(c) for c in row.languages]
    if row.area is not None:
        names.append(row.area)
    starts = {w for name in names for w in _SEARCH_WORD.findall(name.lower())}
    exact = {*row.languages, area_id} - {""}
    code = row.code.lower()
    return all(
        word in code or word in exact or any(s.startswith(word) for s in starts)
        for word in search.lower().split()
    )


_SEARCH_WORD: Final = re.compile(r"\w+")


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


def _plan_owners(operation: Operation) -> dict[str, Owner]:
    plan = current_plan(operation)
    names = {a.id: a.name for a in plan.agencies}

    def owner(agency_id: str | None, fallback: str) -> Owner:
        if agency_id and agency_id in names:
            return Owner(names[agency_id], (agency_id,))
        return Owner(agency_id or fallback, (agency_id,) if agency_id else ())

    vs = plan.victim_services
    info = plan.victim_information
    relief = plan.immigration_relief
    by_population = {i.population.value: i.agency for i in plan.interviews}
    providers = [p for p in (vs.providers if vs else ()) if p]
    return {
        "lead": owner(plan.operation.lead_agency, plan.operation.lead_agency),
        "assess": owner(vs.needs_assessment_by, "a victim service provider")
        if vs and vs.needs_assessment_by in names
        else Owner("a victim service provider" if vs else "a provider"),
        "inform": owner(info.questions_answered_by, "a victim service provider")
        if info and info.questions_answered_by in names
        else Owner("a victim service provider" if info else "a provider"),
        "interview_adult": owner(by_population.get("adult"), "the interviewing agency"),
        "interview_minor": owner(by_population.get("minor"), "a forensic interviewer"),
        "continued_presence": owner(relief.continued_presence_by, "federal law enforcement")
        if relief and relief.continued_presence_by in names
        else Owner("federal law enforcement"),
        "providers": Owner(", ".join(names.get(p, p) for p in providers), tuple(providers))
        if providers
        else Owner("a provider"),
    }


def relief_deciders(operation: Operation) -> dict[str, str]:
    owners = _plan_owners(operation)
    return {kind: relief_decider(owners, kind).name for kind in ("continued_presence", "t_visa", "u_visa")}


#: what the board reads of each person it lists
_BOARD_PERSON: Final = ("id", "code", "priority", "outcome", "area_id", "area__holds", "encountered_at")
#: the operation's areas (each read only where the area rule lets this audience read it)
_BOARD_AREAS: Final = Prepared(
    lambda operation_id: Area.objects.filter(operation_id=operation_id).values_list(
        "pk", "plan_id", "name", "holds", "retired"
    ),
    field=Operation._meta.get_field("id"),
)
#: the open imminent-danger flags of the operation, oldest first (for those who may read them)
_OPEN_DANGER: Final = Prepared(
    lambda operation_id: (
        DangerFlag.objects.filter(person__operation_id=operation_id, responded_at__isnull=True)
        .order_by("flagged_at")
        .values_list("person__code", "flagged_at", "flagged_by__name")
    ),
    field=Operation._meta.get_field("id"),
)
#: the operation's separation alerts not yet cleared (for investigative agencies)
_OPEN_ALERTS: Final = Prepared(
    lambda operation_id: SeparationAlert.objects.filter(
        operation_id=operation_id, cleared_at__isnull=True
    ).values_list("area_id", "area__name", "suspect__code", "potential_victim__code", "raised_at", "reason"),
    field=Operation._meta.get_field("id"),
)


def board_for(
    actor: User,
    standing: Standing,
    operation: Operation,
    *,
    stage: str = "",
    area: str = "",
    search: str = "",
    mine: bool = False,
    limit_minutes: int = 60,
    now: datetime | None = None,
) -> Board:
    """The live board: every person with stage, area, urgent needs, next step and who owns it, and the
    alerts — in a fixed number of queries whatever the number of persons. Service users get the same rows
    without designations or sensitive areas. The rows come in the order of urgency (`board_urgency`);
    `search` keeps the rows that match it (`board_search_matches`), `mine` those whose next step the
    actor's agency owns (compared by the plan's agency id, never by name)."""
    investigative = allows(standing, Compartment.INVESTIGATIVE, Access.READ)
    # An agency the plan dropped sees its own clients listed, and nothing of the live operation's work.
    live = allows(standing, Compartment.ROSTER, Access.READ)
    # A pending relief request is a next step only for those who may read immigration relief: for
    # anyone else it would tell what the person's page hides.
    sees_relief = allows(standing, Compartment.CONTINUED_PRESENCE, Access.READ)
    now = now or timezone.now()
    sees_danger = allows(standing, Compartment.IMMINENT_DANGER, Access.READ)
    # every read at once (on PostgreSQL, one round trip): the persons this audience may see (in no order:
    # the rows are sorted by `board_urgency`, whose last key is the code), their records, the areas, and the
    # open danger flags and separation alerts for those who may read them
    reads = [
        bound_query(persons_visible_to(standing, operation).order_by().values_list(*_BOARD_PERSON)),
        *_fact_reads(operation),
        _BOARD_AREAS.bound(operation.pk),
    ]
    if sees_danger:
        reads.append(_OPEN_DANGER.bound(operation.pk))
    if investigative:
        reads.append(_OPEN_ALERTS.bound(operation.pk))
    answers = together(reads)
    facts_at = len(_FACT_QUERIES) + 1
    persons: list[Mapping[str, Any]] = [dict(zip(_BOARD_PERSON, row, strict=True)) for row in answers[0]]
    facts_of = _facts_from(answers[1:facts_at], persons, standing, whole=True)
    # the areas this audience may read (the area rule asked once per area, not once per person)
    areas = [
        (pk, plan_id, name, retired)
        for pk, plan_id, name, holds, retired in answers[facts_at]
        if area_readable(standing, holds)
    ]
    flags = answers[facts_at + 1] if sees_danger else []
    raised = answers[-1] if investigative else []
    area_names = {pk: name for pk, _, name, _ in areas}
    owners = _plan_owners(operation)
    rows: list[BoardRow] = []
    counts: dict[str, int] = {}
    for p, facts in zip(persons, facts_of, strict=True):
        current = facts.stage
        counts[current] = counts.get(current, 0) + 1
        first_contact = facts.first_provider_contact
        # an exercise set in the future has not been waited through yet: never a negative wait
        waited = max(0, int(((first_contact or now) - p["encountered_at"]).total_seconds() // 60))
        care = in_victim_care(facts.designation)
        step, owner, since = (
            ("—", NO_OWNER, None)
            if not live
            else _next_step(current, p, facts, owners, sees_relief=sees_relief)
            if care
            else _suspect_step(p, facts, owners)
        )
        # a suspect is not waiting for a provider (rules.in_victim_care)
        waiting = live and care and first_contact is None and not p["outcome"]
        minor = live and treated_as_minor(facts.tags)
        rows.append(
            BoardRow(
                code=p["code"],
                stage=current,
                stage_label=STAGE_LABELS[current],
                priority=p["priority"],
                area=area_names.get(p["area_id"]),
                tags=facts.tags,
                languages=facts.languages,
                urgent=facts.urgent if live else [],
                designation=facts.designation if investigative else None,
                next_step=step,
                next_owner=owner.name,
                next_owner_ids=list(owner.ids),
                next_since=since,
                danger=facts.danger and live,
                danger_since=facts.danger_since if live else None,
                waiting_minutes=waited if waiting else None,
                waited_too_long=waiting and waited > limit_minutes,
                encountered_at=p["encountered_at"],
                child_welfare=_child_welfare_label(facts, operation) if minor else "",
                child_welfare_pending=minor and facts.child_welfare is None,
            )
        )
    all_areas = sorted((plan_id, name) for _, plan_id, name, retired in areas if not retired)
    if stage:
        rows = [r for r in rows if r.stage == stage]
    if area:
        names = dict(all_areas)
        rows = [r for r in rows if r.area is not None and r.area == names.get(area)]
    if search.strip():
        plan_ids = {name: plan_id for plan_id, name in all_areas}
        rows = [r for r in rows if board_search_matches(r, search, plan_ids.get(r.area or "", ""))]
    if mine:
        own = actor.agency.slug
        rows = [r for r in rows if own in r.next_owner_ids]
    rows.sort(key=board_urgency)
    danger = [{"code": code, "since": since, "by": by} for code, since, by in flags]
    alerts: list[dict[str, Any]] = []
    if investigative:
        # one alert per area: who must move (never the victim) and whom they are kept from
        grouped: dict[Any, dict[str, Any]] = {}
        for area_id, area_name, suspect, kept_from, raised_at, reason in raised:
            entry = grouped.setdefault(
                area_id,
                {
                    "area": area_name,
                    "must_move": set(),
                    "kept_from": set(),
                    "since": raised_at,
                    "reasons": set(),
                },
            )
            entry["must_move"].add(suspect)
            entry["kept_from"].add(kept_from)
            entry["since"] = min(entry["since"], raised_at)
            entry["reasons"].add(SeparationReason(reason).label)
        alerts = [
            {
                **entry,
                "must_move": sorted(entry["must_move"]),
                "kept_from": sorted(entry["kept_from"] - entry["must_move"]),
                "reasons": sorted(entry["reasons"]),
            }
            for entry in sorted(grouped.values(), key=lambda e: (e["since"], e["area"]))
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


# The records the board reads, each with its path to the operation. Each of their tables has triggers that
# log its changes (`BoardChange`, haven/encounters/board_log.py), which `board_version` counts; a test holds
# this list to `board_for` and the installed triggers to this list.
_BOARD_SOURCES: Final[tuple[tuple[type[Any], str], ...]] = (
    (Person, "operation"),
    (PersonTag, "person__operation"),
    (PersonLanguage, "person__operation"),
    (Designation, "person__operation"),
    (NeedsAssessment, "person__operation"),
    (InformationGiven, "person__operation"),
    (VictimServiceRecord, "person__operation"),
    (AttorneyNote, "person__operation"),
    (Consent, "person__operation"),
    (Interview, "person__operation"),
    (ReliefStep, "person__operation"),
    (DangerFlag, "person__operation"),
    (ChildWelfareNotice, "person__operation"),
    (SeparationAlert, "operation"),
    (Area, "operation"),
)


def board_changes(operation: Operation) -> tuple[int, int]:
    """The number of changes logged on this operation's board, and on every board (agencies' and users'
    names, what a reader's access rests on): two counts over an index, one query (`board_log.counts_sql`)."""
    from django.db import connections, router  # noqa: PLC0415

    connection = connections[router.db_for_read(BoardChange)]
    operation_id = BoardChange._meta.get_field("operation_id").get_db_prep_value(operation.pk, connection)
    with connection.cursor() as cursor:
        # (the operation's id is named twice: its logged rows, its tallies)
        cursor.execute(f"SELECT {board_log.counts_sql('%s')}", [operation_id, operation_id])
        here, everywhere = cursor.fetchone()
    return int(here), int(everywhere)


def board_version(
    actor: User,
    standing: Standing,
    operation: Operation,
    *,
    via: str,
    stage: str = "",
    area: str = "",
    search: str = "",
    mine: bool = False,
    limit_minutes: int = 60,
    now: datetime,
    changes: tuple[int, int] | None = None,
) -> str:
    """The board's version for this reader: an opaque validator (an HTTP ETag) that changes whenever
    anything `board_for` would show this reader changes — a record of the operation added, changed or
    removed (the changes the database logged on every table the board reads, `_BOARD_SOURCES`, the
    operation's own row — its plan's version — and agencies' and users' names), the readiness limit, the
    filters, the representation
    (`via`) and the minute (`now`, the board's clock: waits grow with it) — and that differs between
    readers (the reader's id and standing are in it, so no two users and no two audiences share one).
    Within a minute the board's answers differ only in the second they were made at ("updated 06:40:12"):
    a weak validator (`polling.etag`).

    One query (none if the caller counted the `changes` already, `board_changes`), no rendering, no audit
    event: for a poll that may answer 304. It is a keyed hash (HMAC-SHA256 under the installation's secret
    key, salted for this use), so it says nothing itself."""
    fingerprint = changes if changes is not None else board_changes(operation)
    message = repr(
        (
            "board-version/2",
            str(operation.pk),  # two operations (one that took another's code) never share a version
            via,
            standing,
            getattr(actor.agency, "slug", ""),
            (stage, area, search, mine),
            limit_minutes,
            # the minute: every wait and time the board shows is in whole minutes
            now.replace(second=0, microsecond=0).isoformat(),
            fingerprint,
        )
    )
    return salted_hmac("haven.board_version", message, algorithm="sha256").hexdigest()[:40]


def _child_welfare_label(facts: RosterFacts, operation: Operation) -> str:
    """The child welfare step of a person treated as a minor, in words; "" for an adult."""
    if not treated_as_minor(facts.tags):
        return ""
    if facts.child_welfare is None:
        return "Child welfare not yet notified"
    at, agency = facts.child_welfare
    return f"Child welfare notified {clock_time(at, operation.utc_offset_minutes)} ({agency})"


def _suspect_step(
    p: Mapping[str, Any], facts: RosterFacts, owners: dict[str, Owner]
) -> tuple[str, Owner, Any]:
    """A suspect's next step, for investigative agencies: no care steps (rules.in_victim_care)."""
    m = facts.milestones
    if p["outcome"]:
        return ("—", NO_OWNER, None)
    if not m.placed:
        return ("Separate: place in a suspects' area", owners["lead"], p["encountered_at"])
    if not m.interview_scheduled and not m.interviewed:
        return ("Suspect: schedule the interview", owners["lead"], None)
    if m.interview_scheduled and not m.interviewed:
        return ("Suspect: interview", facts.next_interview_agency or owners["lead"], None)
    return ("Record the outcome (released or transferred)", owners["lead"], None)


def _next_step(
    stage: Stage, p: Mapping[str, Any], facts: RosterFacts, owners: dict[str, Owner], *, sees_relief: bool
) -> tuple[str, Owner, Any]:
    """The next step of a person's workflow and the agency that owns it (and since when, where known);
    a pending relief request is left out for a viewer who may not read immigration relief."""
    m, tags = facts.milestones, facts.tags
    pending = facts.pending_relief if sees_relief else []
    if stage in (Stage.RELEASED, Stage.TRANSFERRED):
        return ("—", NO_OWNER, None)
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
        who = owners["interview_minor"] if treated_as_minor(tags) else owners["interview_adult"]
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
