"""Consent to release a provider's record to one agency, and its revocation (access-policy.md, "Consent")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from django.db import transaction

from haven.access.policies import Access, Compartment, require
from haven.accounts.models import Agency, User
from haven.audit.events import AuditEvent
from haven.audit.services import record
from haven.core.clock import FIRST_YEAR, LAST_YEAR, clock_day, plausible_year, utc_today
from haven.core.errors import RuleViolation, ValidationFailed
from haven.core.problems import Problem
from haven.encounters import rules
from haven.encounters.models import (
    Consent,
    Person,
)
from haven.encounters.sealing import seal_field
from haven.encounters.services import notices
from haven.encounters.services._base import (
    _clean,
    _holds_records,
    _locked,
    _standing,
    _when,
    refusals_audited,
)


def _add_year(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


@refusals_audited(AuditEvent.CONSENT_RECORDED)
def consent_record(
    *,
    actor: User,
    person: Person,
    recipient: Agency,
    items: Sequence[str],
    purpose: str,
    in_writing: bool,
    given_on: date,
    expires_on: date,
    guardian: str = "",
    minor_may_consent: str = "",
) -> Consent:
    """Record a client's consent to release items to one agency.

    Rules (access-policy.md, "Consent"): recorded by the provider that holds the information, never by
    the recipient; names one recipient agency on the operation; releases only needs_details, safety_plan,
    services or contact (never attorney notes); given in writing; expires at most one year after it was
    given; for a minor, names the consenting parent or guardian or the legal basis for the minor's own
    consent."""
    require(
        _standing(actor, person.operation), Compartment.CONSENT, Access.WRITE, actor.agency_id, hide=False
    )
    problems: list[Problem] = []
    if recipient.pk == actor.agency_id:
        raise RuleViolation(
            "A consent cannot name the agency recording it as its recipient.", rule="consent.recipient"
        )
    if not person.operation.participants.filter(agency=recipient).exists():
        problems.append(Problem("recipient", f"{recipient.slug} is not an agency on this operation"))
    unknown = [i for i in items if i not in Consent.ITEMS]
    if "attorney_notes" in items:
        raise RuleViolation(
            "Attorney notes can never be released through a consent.", rule="consent.attorney-notes"
        )
    problems += [Problem("items", f"'{i}' is not one of {', '.join(Consent.ITEMS)}") for i in unknown]
    if not items:
        problems.append(Problem("items", f"name at least one of {', '.join(Consent.ITEMS)}"))
    if not in_writing:
        raise RuleViolation("A consent must be given in writing.", rule="consent.in-writing")
    if not purpose.strip():
        problems.append(Problem("purpose", "say what the information will be used for"))
    if expires_on <= given_on:
        problems.append(Problem("expires_on", "must be after the date the consent was given"))
    elif expires_on > _add_year(given_on):
        problems.append(
            Problem("expires_on", f"must be at most one year after {given_on} ({_add_year(given_on)})")
        )
    # today on the operation's clock or on UTC's, whichever is later: never a day that has not come yet
    today = max(clock_day(person.operation.utc_offset_minutes), utc_today())
    if given_on > today:
        problems.append(Problem("given_on", f"is after today ({today}): record a consent once it is given"))
    elif not plausible_year(given_on):
        problems.append(Problem("given_on", f"is between the years {FIRST_YEAR} and {LAST_YEAR}"))
    is_minor = rules.treated_as_minor(person.tags.values_list("tag", flat=True))
    if is_minor and not (guardian.strip() or minor_may_consent.strip()):
        problems.append(
            Problem(
                "guardian",
                "for a minor (or a person whose age is not recorded), name the consenting parent or guardian, "
                "or the legal basis "
                "for the minor's own consent (minor_may_consent)",
            )
        )
    if problems:
        raise ValidationFailed(problems, what="consent")
    consent = Consent(
        person=person,
        recorded_by=actor,
        agency=actor.agency,
        recipient=recipient,
        in_writing=True,
        given_on=given_on,
        expires_on=expires_on,
        **{f"releases_{i}": i in items for i in Consent.ITEMS},
    )
    seal_field(consent, "purpose", actor.agency_id, purpose.strip())
    seal_field(consent, "guardian", actor.agency_id, guardian.strip())
    seal_field(consent, "minor_may_consent", actor.agency_id, minor_may_consent.strip())
    _clean(consent)
    consent.save()
    _holds_records(person, actor.agency_id)
    record(
        actor=actor,
        event=AuditEvent.CONSENT_RECORDED,
        target=consent,
        operation_id=person.operation_id,
        subject_agency_id=actor.agency_id,
        details={"items": consent.items, "code": recipient.slug},
    )
    return consent


@transaction.atomic
def consent_revoke(
    *, actor: User, consent: Consent, orally: bool = False, at: datetime | None = None
) -> Consent:
    """Record that the client withdrew a consent (orally or in writing). Rule: the recording provider
    records it; it takes effect on the next request."""
    person = consent.person
    require(_standing(actor, person.operation), Compartment.CONSENT, Access.WRITE, consent.agency_id)
    consent = _locked(consent)
    if consent.revoked_at is not None:
        return consent
    # withdrawn before the day it was to start: it never releases anything (recorded, not refused)
    revoked_at = _when(at)
    consent.revoked_at, consent.revoked_by, consent.revoked_orally = revoked_at, actor, orally
    consent.save(update_fields=["revoked_at", "revoked_by", "revoked_orally", "updated_at"])
    record(
        actor=actor,
        event=AuditEvent.CONSENT_REVOKED,
        target=consent,
        operation_id=person.operation_id,
        subject_agency_id=consent.agency_id,
        details={"via": "orally" if orally else "in writing"},
    )
    notices.consent_revoked(actor=actor, consent=consent)
    return consent
