"""Who may see what: the compartment table of access-policy.md, in one place.

Every page, API endpoint, export, briefing, count, board and loader asks this module; nothing else
decides. The table below reads almost line for line like the one in the policy. A rule is a function of
the actor's *standing* on the operation (their agency's place in it) and, for compartments that belong
to one agency, of the agency that owns the record. Everything not granted is refused (fail closed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from haven.accounts.models import INVESTIGATIVE_TYPES, LAW_ENFORCEMENT_TYPES, AgencyType, User
from haven.core.errors import Forbidden, NotFound


class Compartment(StrEnum):
    """The rows of the compartment table (access-policy.md, "Compartments")."""

    FULL_PLAN = "full_plan"
    READINESS_MESSAGES = "readiness_messages"
    READINESS_STATUS = "readiness_status"
    SERVICE_BRIEFING = "service_briefing"
    ROSTER = "roster"
    INVESTIGATIVE = "investigative"  # sensitive areas, designations and their history, observations
    IMMINENT_DANGER = "imminent_danger"
    CONTINUED_PRESENCE = "continued_presence"
    VISA_CERTIFICATION = "visa_certification"
    NEEDS_FULL = "needs_full"
    NEEDS_SUMMARY = "needs_summary"
    INFORMATION = "information"
    QUESTIONS = "questions"
    INTERVIEW_SCHEDULE = "interview_schedule"
    INTERVIEW_RECORD = "interview_record"
    VICTIM_SERVICE_RECORD = "victim_service_record"
    ATTORNEY_NOTES = "attorney_notes"
    CONSENT = "consent"


class Access(StrEnum):
    READ = "read"
    WRITE = "write"


@dataclass(frozen=True, slots=True)
class Standing:
    """An actor's place on one operation, from their agency's listing in its plan.

    `on_operation`: the plan lists the agency and the agency is active — live access, as the table gives.
    `retained`: the plan no longer lists it, but it holds records of its own there (and is active): it keeps
    its own records and consents (the owner-held rows of the table) and nothing else of the operation."""

    user_id: UUID
    agency_id: UUID
    agency_type: str
    on_operation: bool
    on_full_plan: bool = False
    coordinator: bool = False
    retained: bool = False

    @property
    def present(self) -> bool:
        """On the operation, or keeping its own records there."""
        return self.on_operation or self.retained

    @property
    def investigative(self) -> bool:
        return self.on_operation and self.agency_type in INVESTIGATIVE_TYPES

    @property
    def law_enforcement(self) -> bool:
        return self.on_operation and self.agency_type in LAW_ENFORCEMENT_TYPES

    @property
    def federal_law_enforcement(self) -> bool:
        return self.on_operation and self.agency_type == AgencyType.FEDERAL_LAW_ENFORCEMENT

    @property
    def service(self) -> bool:
        return self.on_operation and self.agency_type not in INVESTIGATIVE_TYPES

    @property
    def provider(self) -> bool:
        return self.on_operation and self.agency_type == AgencyType.VICTIM_SERVICE_PROVIDER

    @property
    def victim_attorney(self) -> bool:
        return self.on_operation and self.agency_type == AgencyType.VICTIM_ATTORNEY

    @property
    def forensic_interview(self) -> bool:
        return self.on_operation and self.agency_type == AgencyType.FORENSIC_INTERVIEW

    def owns(self, owner_agency_id: UUID | None, *agency_types: str) -> bool:
        """The record is the actor's agency's own (and its agency is of one of `agency_types`, if given):
        true on the operation and, for an agency the plan dropped, where it keeps its own records."""
        return (
            self.present
            and owner_agency_id is not None
            and owner_agency_id == self.agency_id
            and (not agency_types or self.agency_type in agency_types)
        )


NOT_ON_OPERATION = None

Rule = Callable[[Standing, "UUID | None"], bool]


def _never(_: Standing, __: UUID | None) -> bool:
    return False


_PROVIDER = AgencyType.VICTIM_SERVICE_PROVIDER
_ATTORNEY = AgencyType.VICTIM_ATTORNEY
_FORENSIC = AgencyType.FORENSIC_INTERVIEW

# compartment → (who may read, who may write). `owner` is the agency that holds the record, where the
# compartment belongs to one agency (needs assessment, questions, victim service record, attorney notes,
# consent, interview record).
TABLE: dict[Compartment, tuple[Rule, Rule]] = {
    # full plan: investigative agencies on distribution.full_plan read; their coordinators write
    Compartment.FULL_PLAN: (
        lambda s, _o: s.investigative and s.on_full_plan,
        lambda s, _o: s.investigative and s.on_full_plan and s.coordinator,
    ),
    # readiness results with their messages: investigative read; service agencies: ready or not only
    Compartment.READINESS_MESSAGES: (lambda s, _o: s.investigative, _never),
    Compartment.READINESS_STATUS: (lambda s, _o: s.on_operation, _never),
    # the service briefing: everyone on the operation
    Compartment.SERVICE_BRIEFING: (lambda s, _o: s.on_operation, _never),
    # encounter roster: investigative read/write, service read
    Compartment.ROSTER: (lambda s, _o: s.on_operation, lambda s, _o: s.investigative),
    # sensitive areas, designations, group observations: investigative only
    Compartment.INVESTIGATIVE: (lambda s, _o: s.investigative, lambda s, _o: s.investigative),
    # imminent danger and the response: everyone on the operation, both ways
    Compartment.IMMINENT_DANGER: (lambda s, _o: s.on_operation, lambda s, _o: s.on_operation),
    # Continued Presence: investigative read, federal law enforcement writes; attorneys read/write;
    # providers read
    Compartment.CONTINUED_PRESENCE: (
        lambda s, _o: s.investigative or s.victim_attorney or s.provider,
        lambda s, _o: s.federal_law_enforcement or s.victim_attorney,
    ),
    # T/U certifications: investigative read/write, attorneys read/write, providers read
    Compartment.VISA_CERTIFICATION: (
        lambda s, _o: s.investigative or s.victim_attorney or s.provider,
        lambda s, _o: s.investigative or s.victim_attorney,
    ),
    # needs assessment in full: only the assessing provider agency (written by providers)
    Compartment.NEEDS_FULL: (lambda s, o: s.owns(o, _PROVIDER), lambda s, o: s.owns(o, _PROVIDER)),
    # needs summary: assessed or not, urgent domains, language — everyone on the operation reads
    Compartment.NEEDS_SUMMARY: (lambda s, _o: s.on_operation, _never),
    # information given (materials, language, when, by whom): everyone on the operation
    Compartment.INFORMATION: (lambda s, _o: s.on_operation, lambda s, _o: s.on_operation),
    # the person's questions and the answers, as text: only the agency that recorded them
    Compartment.QUESTIONS: (lambda s, o: s.owns(o), lambda s, o: s.owns(o)),
    # interview schedule (time, room, interviewer role): investigative read/write, service read
    # a forensic interview provider also schedules and cancels its own interviewers' interviews (the
    # owner is the interviewer's agency; None: planning the day as a whole, docs/live-scheduling.md)
    Compartment.INTERVIEW_SCHEDULE: (
        lambda s, _o: s.on_operation,
        lambda s, o: s.investigative or (s.forensic_interview and (o is None or s.owns(o))),
    ),
    # interview record and official notes: investigative read/write; also the agency of the
    # interviewer who conducted it (a forensic interview provider)
    Compartment.INTERVIEW_RECORD: (
        lambda s, o: s.investigative or s.owns(o, _FORENSIC),
        lambda s, o: s.investigative or (s.forensic_interview and o is None) or s.owns(o, _FORENSIC),
    ),
    # victim service record (safety plan, services, case notes): only the provider agency that holds it
    Compartment.VICTIM_SERVICE_RECORD: (lambda s, o: s.owns(o, _PROVIDER), lambda s, o: s.owns(o, _PROVIDER)),
    # attorney notes: only the victim attorney agency that wrote them
    Compartment.ATTORNEY_NOTES: (lambda s, o: s.owns(o, _ATTORNEY), lambda s, o: s.owns(o, _ATTORNEY)),
    # consent records: the recording provider reads/writes (the recipient's view is `consent_names`)
    Compartment.CONSENT: (lambda s, o: s.owns(o, _PROVIDER), lambda s, o: s.owns(o, _PROVIDER)),
}


def allows(
    standing: Standing | None, compartment: Compartment, access: Access, owner: UUID | None = None
) -> bool:
    """May the actor with this standing read or write this compartment (of a record owned by `owner`)?
    An agency the plan dropped reaches only what `owns` grants: its own records."""
    if standing is None or not standing.present:
        return False
    read, write = TABLE[compartment]
    rule = read if access is Access.READ else write
    return bool(rule(standing, owner))


def require(
    standing: Standing | None,
    compartment: Compartment,
    access: Access,
    owner: UUID | None = None,
    *,
    hide: bool = True,
) -> None:
    """Refuse unless allowed. Hidden and missing look the same (`NotFound`) unless the actor may know
    the record exists (`hide=False` → `Forbidden`)."""
    if allows(standing, compartment, access, owner):
        return
    action = f"{access.value} {compartment.value.replace('_', ' ')}"
    if hide:
        raise NotFound(owner=owner, action=action)
    raise Forbidden(
        f"Your agency cannot {access.value} this ({compartment.value.replace('_', ' ')}).",
        owner=owner,
        action=action,
    )


def may_read_notification(actor: User, recipient_id: UUID) -> bool:
    """A notification is its recipient's alone (issue 14): not their coordinator's, their agency's admin's or
    auditor's — it says what needs that person. Everyone else's, and a missing one, look the same."""
    return bool(actor.is_active and actor.pk == recipient_id)


def may_create_operation(actor: User) -> bool:
    """Coordinators of investigative agencies create operations for the task force."""
    return actor.is_active and actor.is_coordinator and actor.agency.type in INVESTIGATIVE_TYPES
