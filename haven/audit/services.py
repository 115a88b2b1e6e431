"""Writing to the audit trail: one event per call, appended to the hash chain in the caller's transaction."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, cast

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from haven.audit.chain import canonical_form, canonical_time, event_link, rotation_proof
from haven.audit.context import client_address
from haven.audit.events import DETAIL_KEYS, AuditEvent, Outcome
from haven.audit.keys import AuditKey, audit_key_ring
from haven.audit.models import GENESIS_HASH, AuditChainHead, AuditRecord

if TYPE_CHECKING:
    from haven.audit.verify import Verification

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


class AuditChainBroken(Exception):
    """The chain cannot be extended as it stands: its head row is gone while events exist, or it is
    under an audit key this process does not hold. Nothing is recorded (and so nothing is done) until an
    operator restores the database or the key; `haven audit verify` says what was found."""


def _lock_head() -> tuple[int, str, str]:
    """Lock the chain head and return it (sequence, hash, key id).

    PostgreSQL: through `haven_audit_lock_head()` (migrations 0005 and 0006), a function that runs as the tables'
    owner, since the application's role may not update the head (nor so lock it) itself. SQLite runs
    every transaction `BEGIN IMMEDIATE`, which serialises writers. Either way a head row that is missing
    is created only for an empty chain: over events it would launder whatever removed it.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            try:  # (inside the append's transaction, which the error then rolls back whole)
                cursor.execute("SELECT sequence, hash, key_id FROM haven_audit_lock_head()")
                row = cursor.fetchone()
            except DatabaseError as error:
                if "chain head" in str(error):
                    raise AuditChainBroken(str(error).splitlines()[0]) from None
                raise
            return int(row[0]), str(row[1]), str(row[2])
        head = AuditChainHead.objects.filter(pk=1).values_list("sequence", "hash", "key_id").first()
        if head is not None:
            return head
        if AuditRecord.objects.exists():
            raise AuditChainBroken(_HEAD_MISSING)
        AuditChainHead.objects.create(pk=1, sequence=0, hash=GENESIS_HASH, key_id="")
        return 0, GENESIS_HASH, ""


_HEAD_MISSING = (
    "the audit chain head row is missing while events exist: the chain cannot be extended. Run "
    "`haven audit verify`, and restore the database from a backup."
)


def _key_for(head_key_id: str) -> AuditKey:
    ring = audit_key_ring()
    key = ring.writable(head_key_id)
    if key is None:
        ring = audit_key_ring(fresh=True)
        key = ring.writable(head_key_id)
    if key is None:
        raise AuditChainBroken(
            f"the audit chain is linked under audit key {head_key_id}, which is neither the current nor "
            f"the new key of this installation ({', '.join(ring.key_ids)}, from {ring.where}). Set the "
            "chain's key as HAVEN_AUDIT_KEY (or HAVEN_AUDIT_KEY_NEW during a rotation) and restart."
        )
    return key


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
    where, outcome — and never the sensitive content itself; linked under the audit key.
    """
    if not isinstance(event, AuditEvent):
        raise TypeError("event must be an AuditEvent")
    if event is AuditEvent.AUDIT_KEY_ROTATED:
        raise ValueError("the audit key moves only through haven.audit.services.audit_key_rotate")
    return _append(
        actor=actor,
        event=event,
        outcome=outcome,
        target=target,
        target_type=target_type,
        target_id=target_id,
        subject_agency_id=subject_agency_id,
        operation_id=operation_id,
        actor_label=actor_label,
        details=details,
    )


def _append(
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
    rotate_to: AuditKey | None = None,
) -> AuditRecord:
    if target is not None:
        # the model's name, also through a lazy proxy such as request.user (never "simplelazyobject")
        meta = getattr(target, "_meta", None)
        target_type = target_type or (
            str(meta.model_name) if meta is not None else type(target).__name__.lower()
        )
        target_id = target.pk
    with transaction.atomic():
        head_sequence, head_hash, head_key_id = _lock_head()
        key = _key_for(head_key_id)
        sequence = head_sequence + 1
        if rotate_to is not None:
            details = {
                **(details or {}),
                "key_id": rotate_to.key_id,
                "previous_key_id": key.key_id,
                "proof": rotation_proof(
                    key.key, sequence=sequence, prev_hash=head_hash, new_key_id=rotate_to.key_id
                ),
            }
            key = rotate_to
        event_row = AuditRecord(
            sequence=sequence,
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
            prev_hash=head_hash,
            key_id=key.key_id,
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
            key_id=event_row.key_id,
        )
        event_row.hash = event_link(key.key, head_hash, canonical)
        # the insert trigger checks that the event follows the head, and moves the head to it
        event_row.save(force_insert=True)
    return event_row


def audit_key_rotate(*, actor: Actor | None, new_key: AuditKey, actor_label: str = "") -> AuditRecord:
    """Move the chain to a new audit key: one `audit.key_rotated` event, linked under the new key and
    carrying the retiring key's proof (haven.audit.chain.rotation_proof), so it is authenticated under
    both. Every later event is linked under the new key; the retired key is kept to verify the events
    before it. Rule (docs/security.md, "Rotating the audit key")."""
    with transaction.atomic():
        _head_sequence, _head_hash, head_key_id = _lock_head()
        if head_key_id == new_key.key_id:
            raise ValueError(f"the audit chain is already linked under key {new_key.key_id}")
        return _append(
            actor=actor, event=AuditEvent.AUDIT_KEY_ROTATED, actor_label=actor_label, rotate_to=new_key
        )


def audit_chain_verify(*, actor: Actor) -> Verification:
    """Verify the whole chain now (in this process) and record the result as `audit.verified`: success
    when intact, failure naming what was found. The caller has checked the actor is an auditor."""
    from haven.audit.verify import verify_chain  # noqa: PLC0415 - the verifier reads what this module writes

    result = verify_chain(workers=1)
    details: dict[str, DetailValue] = {
        "status": "intact" if result.intact else "broken",
        "events_verified": result.events,
    }
    if not result.intact:
        details.update({"kind": result.kind, "problem": result.problem[:200]})
    record(
        actor=actor,
        event=AuditEvent.AUDIT_VERIFIED,
        outcome=Outcome.SUCCESS if result.intact else Outcome.FAILURE,
        subject_agency_id=actor.agency_id,
        details=details,
    )
    return result


def audit_events_exported(*, actor: Actor, filters: list[str], count: int) -> AuditRecord:
    """Record that the actor exported `count` audit events with these filters (the export is an access
    to the trail like any other)."""
    return record(
        actor=actor,
        event=AuditEvent.AUDIT_EXPORTED,
        subject_agency_id=actor.agency_id,
        details={"filters": sorted(filters), "count": count, "format": "csv"},
    )
