"""Writing to the audit trail: one event per call, appended to the hash chain in the caller's transaction."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any, Protocol, cast

from django.db import transaction
from django.utils import timezone

from haven.audit.chain import canonical_form, canonical_time, event_hash
from haven.audit.context import client_address
from haven.audit.events import DETAIL_KEYS, AuditEvent, Outcome
from haven.audit.models import GENESIS_HASH, AuditChainHead, AuditRecord

DetailValue = str | int | bool | None | list[str]


class Actor(Protocol):
    """What the audit trail needs of a user (named here so audit never imports accounts)."""

    pk: Any
    username: str

    @property
    def agency_id(self) -> Any: ...


class Target(Protocol):
    pk: Any


def _uuid_text(value: object) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, uuid.UUID):
        return value.hex
    return uuid.UUID(str(value)).hex


# Control characters (the canonical form's field separator among them) never reach a stored field:
# a field holding the separator could trade text with its neighbour without changing the hash.
_CONTROL = dict.fromkeys([*range(0x20), 0x7F], "\ufffd")


def _plain(text: str, limit: int) -> str:
    """The text as stored: control characters shown as U+FFFD, cut to the column's length."""
    return text.translate(_CONTROL)[:limit]


def _details_json(details: Mapping[str, DetailValue] | None) -> str:
    clean: dict[str, DetailValue] = {}
    for key, value in (details or {}).items():
        allowed = DETAIL_KEYS.get(key)
        if allowed is None:
            raise ValueError(f"audit detail '{key}' is not declared in haven.audit.events.DETAIL_KEYS")
        if value is not None and not isinstance(value, allowed):
            raise TypeError(f"audit detail '{key}' must be {allowed}, not {type(value).__name__}")
        if isinstance(value, list) and not all(isinstance(item, str) for item in value):
            raise TypeError(f"audit detail '{key}' must be a list of strings")
        if isinstance(value, str) and len(value) > 200:
            raise ValueError(f"audit detail '{key}' is longer than 200 characters")
        clean[key] = cast(DetailValue, value)
    return json.dumps(clean, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _lock_head() -> AuditChainHead:
    """Lock the chain head (a row lock on PostgreSQL; SQLite's BEGIN IMMEDIATE serialises writers)."""
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is not None:
        return head
    last = AuditRecord.objects.order_by("-sequence").only("sequence", "hash").first()
    AuditChainHead.objects.bulk_create(
        [
            AuditChainHead(
                pk=1,
                sequence=last.sequence if last else 0,
                hash=last.hash if last else GENESIS_HASH,
            )
        ],
        ignore_conflicts=True,
    )
    return AuditChainHead.objects.select_for_update().get(pk=1)


def record(
    *,
    actor: Actor | None,
    event: AuditEvent,
    outcome: Outcome = Outcome.SUCCESS,
    target: Target | None = None,
    target_type: str = "",
    target_id: object = None,
    subject_agency_id: uuid.UUID | str | None = None,
    operation_id: uuid.UUID | str | None = None,
    actor_label: str = "",
    details: Mapping[str, DetailValue] | None = None,
) -> AuditRecord:
    """Append one event to the chain, inside the caller's transaction (or its own).

    Rule (access-policy.md, "Audit trail"): who, which agency, what, which record, when (UTC), from
    where, outcome — and never the sensitive content itself.
    """
    if not isinstance(event, AuditEvent):
        raise TypeError("event must be an AuditEvent")
    if target is not None:
        # the model's name, also through a lazy proxy such as request.user (never "simplelazyobject")
        meta = getattr(target, "_meta", None)
        target_type = target_type or (
            str(meta.model_name) if meta is not None else type(target).__name__.lower()
        )
        target_id = target.pk
    with transaction.atomic():
        head = _lock_head()
        event_row = AuditRecord(
            sequence=head.sequence + 1,
            occurred_at=timezone.now(),
            actor=cast(Any, actor),  # the user model, named through settings.AUTH_USER_MODEL
            actor_label=_plain(actor.username if actor is not None else actor_label, 150),
            actor_agency_id=getattr(actor, "agency_id", None),
            subject_agency_id=subject_agency_id,
            event_type=event.value,
            target_type=_plain(target_type, 64),
            target_id="" if target_id is None else _plain(str(target_id), 64),
            operation_id=operation_id,
            outcome=Outcome(outcome).value,
            client_address=_plain(client_address.get(), 64),
            details=_details_json(details),
            prev_hash=head.hash,
        )
        canonical = canonical_form(
            sequence=event_row.sequence,
            occurred_at=canonical_time(event_row.occurred_at),
            actor_id=_uuid_text(actor.pk if actor is not None else None),
            actor_label=event_row.actor_label,
            actor_agency_id=_uuid_text(event_row.actor_agency_id),
            subject_agency_id=_uuid_text(event_row.subject_agency_id),
            event_type=event_row.event_type,
            target_type=event_row.target_type,
            target_id=event_row.target_id,
            operation_id=_uuid_text(event_row.operation_id),
            outcome=event_row.outcome,
            client_address=event_row.client_address,
            details=event_row.details,
        )
        event_row.hash = event_hash(head.hash, canonical)
        event_row.save(force_insert=True)
        head.sequence = event_row.sequence
        head.hash = event_row.hash
        head.save(update_fields=["sequence", "hash"])
    return event_row
