"""Request and response schemas of the encounter API (persons, their records, the live board).

Field-level need-to-know is in the response schemas: every compartment of access-policy.md that an
audience may not read is its own section, `null` when the policy hides it (`encounters.selectors.
person_view` decides; nothing here does). A section that is shown is never partial: a hidden part of a
shown record (the questions and answers of information given, the record and notes of an interview) is a
nested section of its own, `null` when hidden — so `null` always means "not yours to read", and an empty
string or list means "nothing recorded".

Request bodies refuse unknown fields (`extra="forbid"`): a client that sends `consent_overridden`,
`agency`, `by`, `author` or a `designation` inside a needs assessment is told which field is not
accepted, and nothing changes. The owning agency of every record is always the author's. The request
schemas are flat (no nested models), so each is one OpenAPI component without `$defs`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Final, Literal
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from haven.api.schemas import AgencyOut
from haven.core.clock import in_plausible_years
from haven.core.languages import language_tag

# -- vocabularies (pinned to the models' choices by tests/api/test_encounters_api.py) -------------------------

StageName = Literal[
    "encountered",
    "separated",
    "needs_assessed",
    "informed",
    "interview_scheduled",
    "interviewed",
    "referred",
    "released",
    "transferred",
]
PopulationTag = Literal["female", "male", "adult", "minor", "us_citizen", "foreign_national"]
PriorityName = Literal["urgent", "high", "normal"]
GenderName = Literal["female", "male"]
DesignationName = Literal["potential_victim", "suspect", "witness", "undetermined"]
SignName = Literal[
    "gives_orders",
    "answers_for_others",
    "watches_others",
    "holds_documents",
    "holds_money",
    "is_deferred_to",
    "appears_fearful",
    "has_injuries",
]
UrgentDomain = Literal["medical", "shelter", "food", "safety", "language"]
VictimServiceKindName = Literal["safety_plan", "service", "case_note", "contact"]
ServiceKindName = Literal[
    "shelter",
    "medical",
    "food",
    "clothing",
    "interpreter",
    "child_welfare",
    "transportation",
    "counseling",
    "immigration_legal",
    "childcare",
]
ServiceStatusName = Literal["provided", "referred"]
ConsentItem = Literal["needs_details", "safety_plan", "services", "contact"]
InterviewerRoleName = Literal["investigator", "prosecutor", "forensic_interviewer"]
InterviewStatusName = Literal["scheduled", "conducted", "cancelled"]
ReliefKindName = Literal["continued_presence", "t_visa", "u_visa"]
ReliefStatusName = Literal["requested", "granted", "denied", "signed", "declined"]
OutcomeName = Literal["released", "transferred"]
Audience = Literal["investigative", "service"]

#: Limits of the roster's pages.
DEFAULT_LIMIT: Final = 200
MAX_LIMIT: Final = 1000


Moment = Annotated[AwareDatetime, AfterValidator(in_plausible_years)]
Day = Annotated[date, AfterValidator(in_plausible_years)]
PersonCode = Annotated[
    str, StringConstraints(pattern=r"^P-[0-9]{3,5}$"), Field(description="a pseudonymous code, P-001")
]
LanguageCode = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9]{1,8}(-[A-Za-z0-9]{1,8})*$", max_length=35),
    AfterValidator(language_tag),  # valid, and kept canonical (haven.core.languages)
    Field(
        description="a BCP 47 language tag (en, es, yue, zh-Hant), kept in its canonical form; Cantonese "
        "(yue) and Mandarin (cmn) are not Chinese (zh)"
    ),
]
PlanId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
AgencyId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
Username = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{1,149}$")]
Text40 = Annotated[str, StringConstraints(max_length=40)]
Text200 = Annotated[str, StringConstraints(max_length=200)]
Text300 = Annotated[str, StringConstraints(max_length=300)]
Text500 = Annotated[str, StringConstraints(max_length=500)]
Text1000 = Annotated[str, StringConstraints(max_length=1000)]
Text2000 = Annotated[str, StringConstraints(max_length=2000)]
Text4000 = Annotated[str, StringConstraints(max_length=4000)]
Text20000 = Annotated[str, StringConstraints(max_length=20000)]


# -- requests -----------------------------------------------------------------------------------------------


class EncounterIn(BaseModel):
    """Base of the request bodies: unknown fields are refused, values are taken as JSON gives them.

    (A pydantic model, not a ninja `Schema`: ninja's schemas read their input as Python objects, which
    strict validation would refuse for dates given as JSON text.)"""

    model_config = ConfigDict(extra="forbid", strict=True)


class PersonRegisterIn(EncounterIn):
    """A person encountered, under a pseudonymous code (never a name)."""

    code: PersonCode
    tags: list[PopulationTag] = Field(default_factory=list, max_length=6)
    languages: list[LanguageCode] = Field(default_factory=list, max_length=20)
    priority: PriorityName = "normal"
    interviewer_gender: GenderName | None = Field(
        default=None, description="the interviewer gender the person asked for, if any"
    )
    area: PlanId | None = Field(default=None, description="a separation area of the plan (its id)")
    encountered_at: Moment | None = Field(default=None, description="default: now")


class PlacementIn(EncounterIn):
    area: PlanId = Field(description="a separation area of the plan (its id)")


class DesignationIn(EncounterIn):
    status: DesignationName
    move_to: PlanId | None = Field(
        default=None,
        description="a separation area to move the person to in the same step (a suspect who is with "
        "potential victims); left out, an open separation alert names who must move",
    )


class ObservationIn(EncounterIn):
    signs: list[SignName] = Field(default_factory=list, max_length=8)
    text: Text2000 = Field(default="", description="what was seen; readable by investigative agencies only")
    towards: PersonCode | None = Field(default=None, description="the person the signs were shown towards")


class NeedsAssessmentIn(EncounterIn):
    """A needs assessment; its text is readable by the assessing provider agency alone."""

    urgent: list[UrgentDomain] = Field(default_factory=list, max_length=5)
    medical: Text2000 = ""
    medications: Text500 = Field(
        default="", description="medicines the person takes or needs, with doses if known"
    )
    shelter: Text2000 = ""
    food: Text2000 = ""
    safety: Text2000 = ""
    clothing: Text2000 = ""
    contact: Text2000 = Field(
        default="", description="whom the person wants to reach (family, consulate), never contact details"
    )
    childcare: Text2000 = ""
    transportation: Text2000 = ""
    legal: Text2000 = ""
    counseling: Text2000 = ""
    language: LanguageCode | None = Field(default=None, description="the language the person prefers")
    language_notes: Text500 = ""
    concerns: Text4000 = Field(default="", description="what the person is worried about, in their words")


class InformationIn(EncounterIn):
    """Information given; the questions and answers are readable by the recording agency alone."""

    language: LanguageCode = Field(
        description="a language of the person that every material given exists in (BCP 47)"
    )
    materials: list[Text200] = Field(
        default_factory=list, max_length=50, description="titles of the plan's victim information materials"
    )
    questions: Text4000 = ""
    answers: Text4000 = ""


class ServiceRecordIn(EncounterIn):
    """Part of the provider's own confidential record; `service_kind` and `service_status` for a service."""

    kind: VictimServiceKindName
    text: Text4000 = ""
    service_kind: ServiceKindName | None = None
    service_status: ServiceStatusName | None = None


class AttorneyNoteIn(EncounterIn):
    text: Text4000


class ConsentIn(EncounterIn):
    """A client's written, time-limited consent to release items to one other agency on the operation."""

    recipient: AgencyId = Field(description="the id of the one agency it releases to (not your own)")
    items: list[ConsentItem | Literal["attorney_notes"]] = Field(
        max_length=5,
        description="what it releases; attorney_notes is always refused (rule consent.attorney-notes)",
    )
    purpose: Text1000
    in_writing: bool = Field(description="a consent is given in writing (rule consent.in-writing)")
    given_on: Day
    expires_on: Day = Field(description="at most one year after given_on")
    guardian: Text200 = Field(default="", description="for a minor: the consenting parent or guardian")
    minor_may_consent: Text300 = Field(
        default="", description="for a minor: the legal basis for the minor's own consent"
    )


class ConsentRevocationIn(EncounterIn):
    orally: bool = Field(description="true when the person withdrew the consent orally")


class InterviewIn(EncounterIn):
    """An interview to schedule; the interviewer is the single official note taker."""

    interviewer: Username = Field(description="the interviewer's username (a user on this operation)")
    role: InterviewerRoleName
    location: PlanId = Field(description="an interview location of the plan (its id)")
    starts_at: Moment
    minutes: int = Field(ge=1, le=480)
    note_taker: Username | None = Field(
        default=None,
        description="must be the interviewer (rule interview.note-taker); default: the interviewer",
    )
    interpreter: Username | None = Field(default=None, description="a user of an interpreter service")
    room: Text40 = ""


class InterviewRecordIn(EncounterIn):
    notes: Text20000 = Field(description="the official notes")
    minutes: int | None = Field(default=None, ge=1, le=480, description="how long it took")


class ReliefIn(EncounterIn):
    kind: ReliefKindName
    status: ReliefStatusName


class DangerIn(EncounterIn):
    """Flagging imminent danger takes no fields."""


class ChildWelfareIn(EncounterIn):
    agency: PlanId = Field(description="the child welfare agency notified (its id in the plan)")
    at: Moment | None = Field(default=None, description="when it was notified; default: now")


class DangerResponseIn(EncounterIn):
    response: Annotated[str, StringConstraints(min_length=1, max_length=300)] = Field(
        description="what was done"
    )


class ReleaseIn(EncounterIn):
    outcome: OutcomeName
    reason: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class PreferenceWithdrawalIn(EncounterIn):
    """Withdrawing the interviewer-gender preference takes no fields."""


#: Request bodies the views read themselves, published as OpenAPI components by the API.
ENCOUNTER_REQUEST_SCHEMAS: Final[tuple[type[EncounterIn], ...]] = (
    PersonRegisterIn,
    PlacementIn,
    DesignationIn,
    ObservationIn,
    NeedsAssessmentIn,
    InformationIn,
    ServiceRecordIn,
    AttorneyNoteIn,
    ConsentIn,
    ConsentRevocationIn,
    InterviewIn,
    InterviewRecordIn,
    ReliefIn,
    DangerIn,
    DangerResponseIn,
    ChildWelfareIn,
    ReleaseIn,
    PreferenceWithdrawalIn,
)


# -- responses ----------------------------------------------------------------------------------------------


class Out(BaseModel):
    """Base of the responses: plain pydantic models built from plain data (the views never hand them an
    ORM object), so a page of a thousand persons is validated once, quickly."""


# -- the roster ---------------------------------------------------------------------------------------------


class AreaOut(Out):
    id: str = Field(description="the area's id in the plan")
    name: str


class OutcomeOut(Out):
    status: OutcomeName
    reason: str
    at: datetime


class PersonRowOut(Out):
    """One person on the roster, as everyone on the operation reads it."""

    code: str
    encountered_at: datetime
    stage: StageName
    priority: PriorityName
    tags: list[PopulationTag]
    languages: list[str]
    placed: bool = Field(
        description="placed in an area your agency may read; for a service agency, a person in an area that "
        "holds suspects or is undetermined reads as not placed"
    )
    area: AreaOut | None = Field(
        description="null when not placed, or when the area holds suspects or is undetermined and your "
        "agency is not investigative"
    )
    urgent: list[UrgentDomain] = Field(description="urgent domains of the needs summary")
    danger: bool = Field(description="an imminent-danger flag is open")
    outcome: OutcomeOut | None


class RosterOut(Out):
    operation: str
    exercise: bool
    audience: Audience
    total: int = Field(description="persons matching the filters, on every page")
    limit: int
    offset: int
    next_offset: int | None = Field(description="the offset of the next page; null on the last")
    persons: list[PersonRowOut]


class RecordedOut(Out):
    """What a write answers: what was recorded, its id, and the person's roster row after it."""

    operation: str
    exercise: bool
    recorded: str = Field(description="what was recorded: person, placement, designation, consent, …")
    id: UUID | None = Field(description="the new record's id, where it has one")
    person: PersonRowOut


# -- one person ---------------------------------------------------------------------------------------------


class DesignationOut(Out):
    status: DesignationName
    by: str
    at: datetime


class ObservationOut(Out):
    at: datetime
    by: str
    towards: str | None
    signs: list[SignName]
    text: str


class ShownTowardsOut(Out):
    """Signs another person was seen showing towards this one (who deferred to whom)."""

    from_person: str
    signs: list[SignName]
    at: datetime


class ChildWelfareOut(Out):
    agency: str = Field(description="the child welfare agency notified (its name)")
    at: datetime
    by: str


class LegalNoteOut(Out):
    reviewed_by: str
    notes: str


class DangerFlagOut(Out):
    id: UUID
    flagged_at: datetime
    flagged_by: str
    responded_at: datetime | None
    responded_by: str | None
    response: str


class ReliefStepOut(Out):
    kind: ReliefKindName
    status: ReliefStatusName
    by: str
    agency: str
    at: datetime


class NeedsSummaryOut(Out):
    assessed: bool
    urgent: list[UrgentDomain]
    language: str


class NeedsAssessmentOut(Out):
    at: datetime
    by: str
    agency: str
    urgent: list[UrgentDomain]
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


class QuestionsOut(Out):
    questions: str
    answers: str


class InformationOut(Out):
    at: datetime
    by: str
    agency: str
    language: str
    materials: list[str]
    questions_and_answers: QuestionsOut | None = Field(
        description="null unless your agency recorded this information"
    )


class InterviewRecordOut(Out):
    interviewer: str
    interpreter: str | None
    notes: str
    may_record: bool = Field(description="you are the interviewer, who records it")


class InterviewOut(Out):
    id: UUID
    starts_at: datetime
    minutes: int
    role: InterviewerRoleName
    location: str
    room: str
    status: InterviewStatusName
    record: InterviewRecordOut | None = Field(
        description="null unless your agency is investigative, or conducted the interview"
    )


class ServiceRecordOut(Out):
    at: datetime
    kind: VictimServiceKindName
    by: str
    agency: str
    service_kind: str
    service_status: str
    text: str


class AttorneyNoteOut(Out):
    at: datetime
    by: str
    text: str


class ConsentReadOut(Out):
    at: datetime
    by: str


class ConsentRecordedOut(Out):
    id: UUID
    recipient: AgencyOut
    items: list[ConsentItem]
    purpose: str
    given_on: date
    expires_on: date
    state: Literal["active", "not_yet_given", "expired", "revoked"]
    revoked_at: datetime | None
    revoked_orally: bool
    reads: list[ConsentReadOut] = Field(description="every read made under this consent")


class ConsentReceivedOut(Out):
    """A consent that names your agency: what it releases and until when."""

    from_agency: str
    items: list[ConsentItem]
    expires_on: date


class PersonOut(Out):
    """One person's record as your agency may read it. A section is null when the policy hides it."""

    operation: str
    exercise: bool
    audience: Audience
    code: str
    encountered_at: datetime
    stage: StageName
    priority: PriorityName
    tags: list[PopulationTag]
    languages: list[str]
    placed: bool = Field(
        description="placed in an area your agency may read; for a service agency, a person in an area that "
        "holds suspects or is undetermined reads as not placed"
    )
    area: AreaOut | None = Field(
        description="null when not placed, or when the area holds suspects or is undetermined and your "
        "agency is not investigative"
    )
    interviewer_gender: GenderName | None = Field(description="the interviewer gender the person asked for")
    interviewer_gender_withdrawn_at: datetime | None
    outcome: OutcomeOut | None
    danger: list[DangerFlagOut]
    minor: bool = Field(
        description="tagged minor, or no age recorded: treated as a minor wherever that protects"
    )
    child_welfare: ChildWelfareOut | None = Field(
        description="for a minor: child welfare notified (null: not yet)"
    )
    legal_notes: list[LegalNoteOut] | None = Field(
        description="for a minor, the plan's legal-authority notes for minors (readers of the full plan only)"
    )
    needs_summary: NeedsSummaryOut | None = Field(
        description="everyone on the operation reads it; null only when the policy hides it"
    )
    information: list[InformationOut]
    interviews: list[InterviewOut]
    consents_received: list[ConsentReceivedOut] = Field(description="active consents naming your agency")
    released_items: list[ConsentItem] = Field(description="what those consents release to your agency")
    # investigative agencies only
    designation: DesignationName | None
    designation_history: list[DesignationOut] | None
    observations: list[ObservationOut] | None
    shown_towards: list[ShownTowardsOut] | None
    # investigative agencies, victim attorneys and providers
    relief: list[ReliefStepOut] | None
    # the assessing provider agency (or a recipient under a consent releasing needs_details)
    needs_assessments: list[NeedsAssessmentOut] | None
    # the provider agency that holds them (or a recipient under a consent releasing them)
    service_records: list[ServiceRecordOut] | None
    # the victim attorney agency that wrote them
    attorney_notes: list[AttorneyNoteOut] | None
    # the recording provider
    consents_recorded: list[ConsentRecordedOut] | None


# -- the board ----------------------------------------------------------------------------------------------


class BoardRowOut(Out):
    code: str
    stage: StageName
    priority: PriorityName
    area: str | None = Field(description="the area's name, as the roster shows it")
    tags: list[PopulationTag]
    languages: list[str]
    urgent: list[UrgentDomain]
    designation: DesignationName | None = Field(description="investigative agencies only")
    next_step: str
    next_owner: str
    next_owner_ids: list[str] = Field(
        description="the plan's ids of the agencies that own the next step ('my tasks' compares these)"
    )
    next_since: datetime | None
    danger: bool
    danger_since: datetime | None = Field(description="when the oldest unanswered danger flag was raised")
    waiting_minutes: int | None = Field(description="minutes since encountered, until a provider's contact")
    waited_too_long: bool
    encountered_at: datetime
    child_welfare: str = Field(
        description="for a minor: child welfare notified or not yet, in words; '' otherwise"
    )


class DangerAlertOut(Out):
    code: str
    since: datetime
    by: str


class SeparationAlertOut(Out):
    """One per area: who must move (a suspect, or a person seen controlling another — never the victim),
    and the persons they are kept from."""

    area: str
    must_move: list[str] = Field(description="person codes of those who must leave the area")
    kept_from: list[str] = Field(description="person codes of those they must be kept apart from")
    reasons: list[str] = Field(description="why, in words (a suspect with a potential victim, …)")
    since: datetime


class StageCountOut(Out):
    stage: StageName
    count: int


class BoardOut(Out):
    """The live board: the same rows for everyone on the operation, with what each audience may read."""

    operation: str
    exercise: bool
    audience: Audience
    now: datetime
    limit_minutes: int = Field(description="the longest wait for a first provider contact before an alert")
    stages: list[StageCountOut] = Field(description="persons per stage, before the filters")
    areas: list[AreaOut] = Field(description="the areas you may filter by")
    danger: list[DangerAlertOut] = Field(description="open imminent-danger flags, oldest first")
    separation_alerts: list[SeparationAlertOut] | None = Field(description="investigative agencies only")
    rows: list[BoardRowOut]
