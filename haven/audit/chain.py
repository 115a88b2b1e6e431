"""The canonical form of an audit event and its hash: the one definition the writer and verifier share."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

FIELD_SEPARATOR = "\x1f"
CANONICAL_VERSION = "haven.audit/v1"


def canonical_time(moment: datetime) -> str:
    """UTC, microseconds, always the same width: the form the hash covers."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_form(
    *,
    sequence: int,
    occurred_at: str,
    actor_id: str,
    actor_label: str,
    actor_agency_id: str,
    subject_agency_id: str,
    event_type: str,
    target_type: str,
    target_id: str,
    operation_id: str,
    outcome: str,
    client_address: str,
    details: str,
) -> str:
    """Every field of the event, in a fixed order, separated by a character no field may contain."""
    return FIELD_SEPARATOR.join(
        (
            CANONICAL_VERSION,
            str(sequence),
            occurred_at,
            actor_id,
            actor_label,
            actor_agency_id,
            subject_agency_id,
            event_type,
            target_type,
            target_id,
            operation_id,
            outcome,
            client_address,
            details,
        )
    )


def event_hash(prev_hash: str, canonical: str) -> str:
    """SHA-256 over the previous event's hash and this event's canonical form."""
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()
