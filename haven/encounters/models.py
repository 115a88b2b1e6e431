"""After the action: the people encountered, under pseudonymous codes, and every record about them.

No record here holds a person's name. Compartment-only text (full needs assessments, questions and
answers, victim service records, attorney notes, consent purposes, observation text, interview notes)
is stored sealed (`*_sealed`, AES-256-GCM with the owning agency's data key; see haven.access.crypto),
and the agency that owns each such record is a column, so the policy can decide without reading it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from haven.accounts.models import Agency, InterviewerRole
from haven.core.languages import MAX_TAG_LENGTH
from haven.core.models import BaseModel, validate_language_tag
from haven.operations.models import Area, InterviewLocation, Operation

USER = settings.AUTH_USER_MODEL

person_code_validator = RegexValidator(
    r"^P-\d{3,5}$", "Use a pseudonymous code such as P-001 (never a name)."
)


class Population(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    ADULT = "adult", "Adult"
    MINOR = "minor", "Minor"
    US_CITIZEN = "us_citizen", "US citizen"
    FOREIGN_NATIONAL = "foreign_national", "Foreign national"


class Priority(models.TextChoices):
    URGENT = "urgent", "Urgent"
    HIGH = "high", "High"
    NORMAL = "normal", "Normal"


class Outcome(models.TextChoices):
    NONE = "", "—"
    RELEASED = "released", "Released"
    TRANSFERRED = "transferred", "Transferred"


class Person(BaseModel):
    """A person encountered, known only by a pseudonymous code."""

    operation = models.ForeignKey(Operation, on_delete=models.PROTECT, related_name="persons")
    code = models.CharField(max_length=8, validators=[person_code_validator])
    encountered_at = models.DateTimeField()
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    interviewer_gender = models.CharField(
        max_length=8, blank=True, choices=[("", "No preference"), ("female", "Female"), ("male", "Male")]
    )
    # The person may withdraw a stated preference; the withdrawal is recorded, never silently dropped.
    interviewer_gender_withdrawn_at = models.DateTimeField(null=True, blank=True)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, null=True, blank=True, related_name="persons")
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True, default=Outcome.NONE)
    outcome_reason = models.CharField(max_length=200, blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    registered_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ("operation", "code")
        constraints = [models.UniqueConstraint(fields=["operation", "code"], name="unique_person_code")]

    def __str__(self) -> str:
        return self.code

    @property
    def stated_interviewer_gender(self) -> str:
        return "" if self.interviewer_gender_withdrawn_at else self.interviewer_gender


class PersonTag(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="tags")
    tag = models.CharField(max_length=20, choices=Population.choices)

    class Meta:
        ordering = ("tag",)
        constraints = [models.UniqueConstraint(fields=["person", "tag"], name="unique_person_tag")]

    def __str__(self) -> str:
        return self.tag


class PersonLanguage(models.Model):
    """A language the person speaks, as the roster records it (a BCP 47 tag, haven.core.languages)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="languages")
    code = models.CharField(max_length=MAX_TAG_LENGTH, validators=[validate_language_tag])

    class Meta:
        ordering = ("code",)
        constraints = [models.UniqueConstraint(fields=["person", "code"], name="unique_person_language")]

    def __str__(self) -> str:
        return self.code


class Placement(BaseModel):
    """Every move of a person into an area, kept."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="placements")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ("person", "at")


class DesignationStatus(models.TextChoices):
    POTENTIAL_VICTIM = "potential_victim", "Potential victim"
    SUSPECT = "suspect", "Suspect"
    WITNESS = "witness", "Witness"
    UNDETERMINED = "undetermined", "Undetermined"


class Designation(BaseModel):
    """An investigative designation; the latest by time is current, and every one is kept."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="designations")
    status = models.CharField(max_length=20, choices=DesignationStatus.choices)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ("person", "at", "created_at")


class Sign(models.TextChoices):
    GIVES_ORDERS = "gives_orders", "Gives orders"
    ANSWERS_FOR_OTHERS = "answers_for_others", "Answers for others"
    WATCHES_OTHERS = "watches_others", "Watches others"
    HOLDS_DOCUMENTS = "holds_documents", "Holds others' documents"
    HOLDS_MONEY = "holds_money", "Holds others' money"
    IS_DEFERRED_TO = "is_deferred_to", "Is deferred to"
    APPEARS_FEARFUL = "appears_fearful", "Appears fearful"
    HAS_INJURIES = "has_injuries", "Has injuries"


class Observation(BaseModel):
    """A group observation by an investigative user, optionally towards another person."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="observations")
    towards = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="observed_towards"
    )
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    text_sealed = models.BinaryField(blank=True, default=b"")

    class Meta:
        ordering = ("person", "at")


class ObservationSign(models.Model):
    observation = models.ForeignKey(Observation, on_delete=models.CASCADE, related_name="signs")
    sign = models.CharField(max_length=24, choices=Sign.choices)

    class Meta:
        ordering = ("sign",)
        constraints = [
            models.UniqueConstraint(fields=["observation", "sign"], name="unique_observation_sign")
        ]

    def __str__(self) -> str:
        return self.sign


class NeedsAssessment(BaseModel):
    """A provider's needs assessment. The summary (assessed, urgent domains, language) is readable on the
    operation; the full text only by the assessing provider agency.

    It has a field for every need the readiness policy allows (readiness.md, `allowed_information_needs`):
    each need's text is sealed; the `language` need is the language the person prefers (a BCP 47 tag, in
    the summary) with its sealed notes; and `concerns` holds what the person is worried about, in their
    words ("needs and concerns")."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="needs_assessments")
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    language = models.CharField(max_length=MAX_TAG_LENGTH, blank=True, validators=[validate_language_tag])
    urgent_medical = models.BooleanField(default=False)
    urgent_shelter = models.BooleanField(default=False)
    urgent_food = models.BooleanField(default=False)
    urgent_safety = models.BooleanField(default=False)
    urgent_language = models.BooleanField(default=False)
    medical_sealed = models.BinaryField(blank=True, default=b"")
    shelter_sealed = models.BinaryField(blank=True, default=b"")
    food_sealed = models.BinaryField(blank=True, default=b"")
    safety_sealed = models.BinaryField(blank=True, default=b"")
    clothing_sealed = models.BinaryField(blank=True, default=b"")
    contact_sealed = models.BinaryField(blank=True, default=b"")
    childcare_sealed = models.BinaryField(blank=True, default=b"")
    transportation_sealed = models.BinaryField(blank=True, default=b"")
    legal_sealed = models.BinaryField(blank=True, default=b"")
    counseling_sealed = models.BinaryField(blank=True, default=b"")
    language_notes_sealed = models.BinaryField(blank=True, default=b"")
    concerns_sealed = models.BinaryField(blank=True, default=b"")

    class Meta:
        ordering = ("person", "at")

    URGENT_DOMAINS = ("medical", "shelter", "food", "safety", "language")
    #: The needs with a text of their own, in the order the forms show them; with `language` (the tag and
    #: `language_notes`) they are the readiness policy's allowed needs.
    NEEDS = (
        "medical",
        "shelter",
        "food",
        "safety",
        "clothing",
        "contact",
        "childcare",
        "transportation",
        "legal",
        "counseling",
    )
    #: Every sealed text of an assessment (NEEDS_FULL): each need, the language notes, the concerns.
    SEALED = (*NEEDS, "language_notes", "concerns")

    @property
    def urgent_domains(self) -> list[str]:
        return [d for d in self.URGENT_DOMAINS if getattr(self, f"urgent_{d}")]


class InformationGiven(BaseModel):
    """What the person was told (materials, language) — readable on the operation — and the person's
    questions and the answers, readable only by the agency that recorded them."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="information")
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    language = models.CharField(max_length=MAX_TAG_LENGTH, validators=[validate_language_tag])
    materials = models.JSONField(default=list, blank=True)
    questions_sealed = models.BinaryField(blank=True, default=b"")
    answers_sealed = models.BinaryField(blank=True, default=b"")

    class Meta:
        ordering = ("person", "at")


class ServiceKind(models.TextChoices):
    SHELTER = "shelter", "Shelter"
    MEDICAL = "medical", "Medical"
    FOOD = "food", "Food"
    CLOTHING = "clothing", "Clothing"
    INTERPRETER = "interpreter", "Interpreter"
    CHILD_WELFARE = "child_welfare", "Child welfare"
    TRANSPORTATION = "transportation", "Transportation"
    COUNSELING = "counseling", "Counseling"
    IMMIGRATION_LEGAL = "immigration_legal", "Immigration legal"
    CHILDCARE = "childcare", "Childcare"


class ServiceStatus(models.TextChoices):
    PROVIDED = "provided", "Provided"
    REFERRED = "referred", "Referred"


class VictimServiceKind(models.TextChoices):
    SAFETY_PLAN = "safety_plan", "Safety plan"
    SERVICE = "service", "Service"
    CASE_NOTE = "case_note", "Case note"
    CONTACT = "contact", "Contact details"


class VictimServiceRecord(BaseModel):
    """The provider's own confidential record: safety plan, services, case notes, contact details."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="service_records")
    kind = models.CharField(max_length=16, choices=VictimServiceKind.choices)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    service_kind = models.CharField(max_length=20, choices=ServiceKind.choices, blank=True)
    service_status = models.CharField(max_length=10, choices=ServiceStatus.choices, blank=True)
    text_sealed = models.BinaryField(blank=True, default=b"")

    class Meta:
        ordering = ("person", "at")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="service")
                | (~models.Q(service_kind="") & ~models.Q(service_status="")),
                name="service_record_names_kind_and_status",
            )
        ]


class AttorneyNote(BaseModel):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="attorney_notes")
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    text_sealed = models.BinaryField(blank=True, default=b"")

    class Meta:
        ordering = ("person", "at")


class Consent(BaseModel):
    """A client's written, time-limited consent to release named items to one agency (access-policy.md)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")  # the recording provider
    recipient = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="consents_received")
    releases_needs_details = models.BooleanField(default=False)
    releases_safety_plan = models.BooleanField(default=False)
    releases_services = models.BooleanField(default=False)
    releases_contact = models.BooleanField(default=False)
    purpose_sealed = models.BinaryField(blank=True, default=b"")
    in_writing = models.BooleanField()
    given_on = models.DateField()
    expires_on = models.DateField()
    guardian_sealed = models.BinaryField(blank=True, default=b"")
    minor_may_consent_sealed = models.BinaryField(blank=True, default=b"")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    revoked_orally = models.BooleanField(default=False)

    class Meta:
        ordering = ("person", "given_on")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__gt=models.F("given_on")), name="consent_expires_after_given"
            ),
            models.CheckConstraint(condition=models.Q(in_writing=True), name="consent_in_writing"),
            models.CheckConstraint(
                condition=models.Q(releases_needs_details=True)
                | models.Q(releases_safety_plan=True)
                | models.Q(releases_services=True)
                | models.Q(releases_contact=True),
                name="consent_releases_something",
            ),
        ]

    ITEMS = ("needs_details", "safety_plan", "services", "contact")

    @property
    def items(self) -> list[str]:
        return [item for item in self.ITEMS if getattr(self, f"releases_{item}")]


class InterviewStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CONDUCTED = "conducted", "Conducted"
    CANCELLED = "cancelled", "Cancelled"


class Interview(BaseModel):
    """An investigative interview: individual, private, nondetention, by the right interviewer."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="interviews")
    interviewer = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")  # the interviewer's agency
    role = models.CharField(max_length=24, choices=InterviewerRole.choices)
    location = models.ForeignKey(InterviewLocation, on_delete=models.PROTECT, related_name="+")
    room = models.CharField(max_length=40, blank=True)
    starts_at = models.DateTimeField()
    minutes = models.PositiveSmallIntegerField()
    note_taker = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    interpreter = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # booked while the person was designated suspect: no care gates, recorded as a suspect's interview
    of_suspect = models.BooleanField(default=False)
    status = models.CharField(
        max_length=12, choices=InterviewStatus.choices, default=InterviewStatus.SCHEDULED
    )
    scheduled_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    notes_sealed = models.BinaryField(blank=True, default=b"")

    class Meta:
        ordering = ("starts_at",)
        constraints = [
            models.CheckConstraint(condition=models.Q(minutes__gt=0), name="interview_has_length"),
            models.CheckConstraint(
                condition=models.Q(note_taker=models.F("interviewer")),
                name="interview_note_taker_is_interviewer",
            ),
        ]


class ReliefKind(models.TextChoices):
    CONTINUED_PRESENCE = "continued_presence", "Continued Presence"
    T_VISA = "t_visa", "T-visa certification (I-914 Supplement B)"
    U_VISA = "u_visa", "U-visa certification (I-918 Supplement B)"


class ReliefStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    GRANTED = "granted", "Granted"
    DENIED = "denied", "Denied"
    SIGNED = "signed", "Signed"
    DECLINED = "declined", "Declined"


class ReliefStep(BaseModel):
    """One step of a foreign national's immigration relief: requested, then the outcome."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relief_steps")
    kind = models.CharField(max_length=20, choices=ReliefKind.choices)
    status = models.CharField(max_length=12, choices=ReliefStatus.choices)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ("person", "kind", "at")


class DangerFlag(BaseModel):
    """Imminent danger: shown to everyone on the operation until someone on the operation records the response."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="danger_flags")
    flagged_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    flagged_at = models.DateTimeField()
    responded_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    responded_at = models.DateTimeField(null=True, blank=True)
    response = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ("flagged_at",)


class ChildWelfareNotice(BaseModel):
    """Child welfare notified of a minor (or a person whose age is not recorded): which agency, when, by whom —
    a step of its own on the board, the person's page and the report (E-Guide 5.2: minors)."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="child_welfare_notice")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ("at",)

    def __str__(self) -> str:
        return f"{self.person_id}: {self.agency_id} at {self.at:%Y-%m-%d %H:%M}"


class SeparationReason(models.TextChoices):
    SUSPECT_WITH_VICTIM = "suspect_with_victim", "A suspect with a potential victim"
    SUSPECT_IN_VICTIMS_AREA = "suspect_in_victims_area", "A suspect in an area that holds potential victims"
    CONTROLLER_WITH_CONTROLLED = "controller_with_controlled", "Seen controlling a person in the same area"


class SeparationAlert(BaseModel):
    """Two persons in one area who must be kept apart — a suspect and a potential victim, a suspect in an area
    that holds potential victims, or a person seen controlling another — raised when a designation, an
    observation or a placement made it so; open until `suspect` (who must move: never the victim) is moved."""

    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="separation_alerts")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    suspect = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")  # who must move
    potential_victim = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")  # kept from
    reason = models.CharField(
        max_length=32, choices=SeparationReason.choices, default=SeparationReason.SUSPECT_WITH_VICTIM
    )
    raised_at = models.DateTimeField()
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("raised_at",)


class BoardChange(models.Model):
    """One row for each change to a record the board shows, written by the database itself (triggers on
    each such table, migration encounters 0007) in the writer's transaction: whatever writes — a service,
    a bulk update, a loader, a migration — the board's version (`selectors.board_version`) sees it.

    `operation_id` is the operation whose board the change is on; NULL for an agency's or a user's name,
    shown on every board (and for what a reader's access rests on, encounters 0008). A board's count — its
    rows plus its tallies (`BoardChangeTally`, moved there by `board_log.compact`) — grows with every commit
    that changed the board, in whatever order concurrent writers commit (a largest id would not: ids are
    taken before commit)."""

    id = models.BigAutoField(primary_key=True)
    operation_id = models.UUIDField(null=True, db_index=True)

    def __str__(self) -> str:
        return f"#{self.id} on {self.operation_id or 'every board'}"


class BoardChangeTally(models.Model):
    """How many changes of the log (`BoardChange`) were compacted into a number, for one operation (NULL:
    every board): the worker moves logged rows here (`board_log.compact`), in one transaction, so a board's
    count — rows plus tallies — stays what it was and counting stays short however long the night."""

    id = models.BigAutoField(primary_key=True)
    operation_id = models.UUIDField(null=True, db_index=True)
    changes = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.changes} changes on {self.operation_id or 'every board'}"
