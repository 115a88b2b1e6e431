"""Reading the audit trail: an auditor sees the events on their agency's data or by their users."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from haven.audit.events import AuditEvent, Outcome
from haven.audit.models import AuditRecord


def events_visible_to(actor: Any) -> QuerySet[AuditRecord]:
    """Rule (access-policy.md, "Audit trail"): each agency's auditors, for events on their agency's
    data or by their users; nobody else (empty by default)."""
    if not (getattr(actor, "is_active", False) and getattr(actor, "is_auditor", False)):
        return AuditRecord.objects.none()
    agency_id = actor.agency_id
    return AuditRecord.objects.filter(Q(actor_agency_id=agency_id) | Q(subject_agency_id=agency_id))


def events_filtered(
    actor: Any,
    *,
    username: str = "",
    event_type: str = "",
    outcome: str = "",
    record: str = "",
    person_code: str = "",
    person_ids: Iterable[str] = (),
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditRecord]:
    """The actor's visible events, narrowed by user, kind of event, outcome, record (the id an event
    names) and person (by code: the events on those persons' records — `person_ids`, which the caller
    looks up by code — and the refusals that named the code)."""
    events = events_visible_to(actor)
    if username:
        events = events.filter(actor_label=username)
    if event_type:
        events = events.filter(event_type=event_type)
    if outcome:
        events = events.filter(outcome=outcome)
    if record:
        events = events.filter(target_id=record)
    if person_code:
        # details are written with sorted keys and no spaces (services._details_json)
        named = json.dumps({"person": person_code}, separators=(",", ":"), ensure_ascii=False)[1:-1]
        events = events.filter(
            Q(target_type="person", target_id__in=list(person_ids)) | Q(details__contains=named)
        )
    if since:
        events = events.filter(occurred_at__gte=since)
    if until:
        events = events.filter(occurred_at__lt=until)
    return events.order_by("-sequence")


def last_verifications() -> tuple[AuditRecord | None, AuditRecord | None]:
    """(the last verification run from the audit page, the last one that passed): a fact about the
    whole chain, which holds no case data (counts and the verifier's words), so every auditor sees it."""
    runs = AuditRecord.objects.filter(event_type=AuditEvent.AUDIT_VERIFIED).order_by("-sequence")
    return runs.first(), runs.filter(outcome=Outcome.SUCCESS).first()
