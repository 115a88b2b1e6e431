"""Care before questions: needs assessments, information given, the provider's own record, attorney notes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import transaction

from haven.access.policies import Access, Compartment, require
from haven.accounts.models import User
from haven.audit.events import AuditEvent
from haven.audit.services import record
from haven.core.errors import ValidationFailed
from haven.core.languages import language_tag, language_tag_problem
from haven.core.problems import Problem
from haven.encounters import rules
from haven.encounters.models import (
    AttorneyNote,
    InformationGiven,
    NeedsAssessment,
    Person,
    ServiceKind,
    ServiceStatus,
    VictimServiceKind,
    VictimServiceRecord,
)
from haven.encounters.sealing import seal_field
from haven.encounters.services._base import (
    _clean,
    _holds_records,
    _standing,
    _when,
)
from haven.encounters.services.persons import languages_of
from haven.operations.selectors import current_plan


@transaction.atomic
def needs_assessment_record(
    *,
    actor: User,
    person: Person,
    at: datetime | None = None,
    medical: str = "",
    shelter: str = "",
    food: str = "",
    safety: str = "",
    clothing: str = "",
    contact: str = "",
    childcare: str = "",
    transportation: str = "",
    legal: str = "",
    counseling: str = "",
    language: str = "",
    language_notes: str = "",
    concerns: str = "",
    urgent: Iterable[str] = (),
) -> NeedsAssessment:
    """Record a provider's needs assessment: a text for every need the readiness policy allows, the
    language the person prefers, and the person's concerns. Rule: victim service providers on the
    operation; the full text is sealed with the assessing agency's key; the summary (urgent domains,
    language) is shared."""
    require(
        _standing(actor, person.operation), Compartment.NEEDS_FULL, Access.WRITE, actor.agency_id, hide=False
    )
    urgent = list(dict.fromkeys(urgent))
    problems = [
        Problem("urgent", f"'{u}' is not one of {', '.join(NeedsAssessment.URGENT_DOMAINS)}")
        for u in urgent
        if u not in NeedsAssessment.URGENT_DOMAINS
    ]
    if language and language_tag_problem(language):
        problems.append(Problem("language", language_tag_problem(language)))
    texts = {
        "medical": medical,
        "shelter": shelter,
        "food": food,
        "safety": safety,
        "clothing": clothing,
        "contact": contact,
        "childcare": childcare,
        "transportation": transportation,
        "legal": legal,
        "counseling": counseling,
        "language_notes": language_notes,
        "concerns": concerns,
    }
    assert tuple(texts) == NeedsAssessment.SEALED
    if not (any(text.strip() for text in texts.values()) or urgent or language):
        # an empty form must not count as "needs assessed", which opens the way to an interview
        problems.append(
            Problem(
                "",
                "record what the assessment found: a need (medical, shelter, food, safety, clothing, contact, "
                "childcare, transportation, legal, counseling), the person's concerns, an urgent need, or the "
                "language it was done in",
            )
        )
    if problems:
        raise ValidationFailed(problems, what="needs assessment")
    assessment = NeedsAssessment(
        person=person,
        by=actor,
        agency=actor.agency,
        at=_when(at),
        language=language_tag(language) if language else "",
        **{f"urgent_{d}": d in urgent for d in NeedsAssessment.URGENT_DOMAINS},
    )
    for name, text in texts.items():
        seal_field(assessment, name, actor.agency_id, text.strip())
    _clean(assessment)
    assessment.save()
    _holds_records(person, actor.agency_id)
    record(
        actor=actor,
        event=AuditEvent.NEEDS_RECORDED,
        target=assessment,
        operation_id=person.operation_id,
        subject_agency_id=actor.agency_id,
    )
    return assessment


@transaction.atomic
def information_record(
    *,
    actor: User,
    person: Person,
    language: str,
    materials: Sequence[str] = (),
    questions: str = "",
    answers: str = "",
    at: datetime | None = None,
) -> InformationGiven:
    """Record what the person was told and what they asked. Rules: anyone on the operation; the materials
    are the plan's; the language is one of the person's and one each material given exists in
    (rules.information_language_problems); questions and answers are sealed for the recording agency alone."""
    require(_standing(actor, person.operation), Compartment.INFORMATION, Access.WRITE, hide=False)
    if language_tag_problem(language):
        raise ValidationFailed([Problem("language", language_tag_problem(language))], what="information")
    language = language_tag(language)
    materials = list(dict.fromkeys(m.strip()[:200] for m in materials if m.strip()))
    if not materials and not answers.strip():
        raise ValidationFailed(
            [Problem("materials", "name the materials given, or the answers given")], what="information"
        )
    information = current_plan(person.operation).victim_information
    held = {m.title: m.languages for m in (information.materials if information else ()) if m.title}
    unknown = [m for m in materials if m not in held]
    if unknown:
        offered = (
            ", ".join(repr(title) for title in held) or "none: add them to the plan's victim information"
        )
        raise ValidationFailed(
            [Problem("materials", f"{m!r} is not one of the plan's materials ({offered})") for m in unknown],
            what="information",
        )
    problems = rules.information_language_problems(
        language=language,
        person=languages_of(person),
        code=person.code,
        materials={m: held[m] for m in materials},
    )
    if problems:
        raise ValidationFailed(problems, what="information")
    info = InformationGiven(
        person=person,
        by=actor,
        agency=actor.agency,
        at=_when(at),
        language=language,
        materials=materials,
    )
    seal_field(info, "questions", actor.agency_id, questions.strip())
    seal_field(info, "answers", actor.agency_id, answers.strip())
    _clean(info)
    info.save()
    _holds_records(person, actor.agency_id)
    record(
        actor=actor,
        event=AuditEvent.INFORMATION_RECORDED,
        target=info,
        operation_id=person.operation_id,
        subject_agency_id=actor.agency_id,
    )
    return info


@transaction.atomic
def victim_service_record(
    *,
    actor: User,
    person: Person,
    kind: str,
    text: str = "",
    service_kind: str = "",
    service_status: str = "",
    at: datetime | None = None,
) -> VictimServiceRecord:
    """Record part of the provider's own confidential record (safety plan, a service provided or
    referred, a case note, contact details). Rule: only the provider agency that holds it."""
    require(
        _standing(actor, person.operation),
        Compartment.VICTIM_SERVICE_RECORD,
        Access.WRITE,
        actor.agency_id,
        hide=False,
    )
    if kind == VictimServiceKind.SERVICE:
        problems = []
        if service_kind not in ServiceKind.values:
            problems.append(
                Problem("kind", f"'{service_kind}' is not one of {', '.join(ServiceKind.values)}")
            )
        if service_status not in ServiceStatus.values:
            problems.append(Problem("status", "is provided or referred"))
        if problems:
            raise ValidationFailed(problems, what="service")
    elif not text.strip():
        raise ValidationFailed([Problem("text", "is required")], what=kind.replace("_", " "))
    entry = VictimServiceRecord(
        person=person,
        kind=kind,
        by=actor,
        agency=actor.agency,
        at=_when(at),
        service_kind=service_kind if kind == VictimServiceKind.SERVICE else "",
        service_status=service_status if kind == VictimServiceKind.SERVICE else "",
    )
    seal_field(entry, "text", actor.agency_id, text.strip())
    _clean(entry)
    entry.save()
    _holds_records(person, actor.agency_id)
    event = {VictimServiceKind.SAFETY_PLAN: AuditEvent.SAFETY_PLAN_RECORDED}.get(
        VictimServiceKind(kind), AuditEvent.SERVICE_RECORDED
    )
    record(
        actor=actor,
        event=event,
        target=entry,
        operation_id=person.operation_id,
        subject_agency_id=actor.agency_id,
        details={"kind": kind},
    )
    return entry


@transaction.atomic
def attorney_note_record(
    *, actor: User, person: Person, text: str, at: datetime | None = None
) -> AttorneyNote:
    """Record a privileged attorney note. Rule: only the victim attorney agency that writes it reads it."""
    require(
        _standing(actor, person.operation),
        Compartment.ATTORNEY_NOTES,
        Access.WRITE,
        actor.agency_id,
        hide=False,
    )
    if not text.strip():
        raise ValidationFailed([Problem("text", "is required")], what="attorney note")
    note = AttorneyNote(person=person, by=actor, agency=actor.agency, at=_when(at))
    seal_field(note, "text", actor.agency_id, text.strip())
    _clean(note)
    note.save()
    _holds_records(person, actor.agency_id)
    record(
        actor=actor,
        event=AuditEvent.ATTORNEY_NOTE_RECORDED,
        target=note,
        operation_id=person.operation_id,
        subject_agency_id=actor.agency_id,
    )
    return note
