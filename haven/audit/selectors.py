"""Reading the audit trail: an auditor sees the events on their agency's data or by their users."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

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
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditRecord]:
    events = events_visible_to(actor)
    if username:
        events = events.filter(actor_label=username)
    if event_type:
        events = events.filter(event_type=event_type)
    if since:
        events = events.filter(occurred_at__gte=since)
    if until:
        events = events.filter(occurred_at__lt=until)
    return events.order_by("-sequence")
