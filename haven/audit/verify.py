"""Re-computing the audit chain: streams the events in order, in constant memory, and names the first
event that was changed, removed or inserted out of chain."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from haven.audit.chain import CANONICAL_VERSION, FIELD_SEPARATOR, canonical_time
from haven.audit.models import GENESIS_HASH, AuditChainHead, AuditRecord

_COLUMNS = (
    "sequence",
    "occurred_at",
    "actor_id",
    "actor_label",
    "actor_agency_id",
    "subject_agency_id",
    "event_type",
    "target_type",
    "target_id",
    "operation_id",
    "outcome",
    "client_address",
    "details",
    "prev_hash",
    "hash",
)


@dataclass(frozen=True, slots=True)
class Verification:
    intact: bool
    events: int
    problem: str = ""
    sequence: int | None = None


def _uuid_hex(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, uuid.UUID):
        return value.hex
    text = str(value)
    return text if len(text) == 32 else uuid.UUID(text).hex


def _time_text(value: object) -> str:
    if isinstance(value, datetime):
        return canonical_time(value)
    text = str(value)  # SQLite hands back the stored text: "YYYY-MM-DD HH:MM:SS[.ffffff]"
    if len(text) == 19:
        text += ".000000"
    return text.replace(" ", "T", 1)[:26] + "Z"


def _rows(batch_size: int) -> Iterator[tuple[object, ...]]:
    table = AuditRecord._meta.db_table
    sql = f"SELECT {', '.join(_COLUMNS)} FROM {table} ORDER BY sequence"  # noqa: S608 - fixed names
    # A server-side cursor on PostgreSQL, so millions of events stream without being held in memory.
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql)
        while True:
            rows = cursor.fetchmany(batch_size)
            if not rows:
                return
            yield from rows


def describe(sequence: int) -> str:
    event = AuditRecord.objects.filter(sequence=sequence).first()
    if event is None:
        return f"event #{sequence}"
    return f"event #{sequence} ({event.event_type} at {canonical_time(event.occurred_at)})"


def verify_chain(batch_size: int = 5000) -> Verification:
    """Recompute every hash and link. Rule: each event's hash covers the previous hash and its
    canonical form; sequences have no gaps; the last event is the recorded chain head."""
    expected_prev = GENESIS_HASH
    expected_sequence = 1
    sep = FIELD_SEPARATOR
    prefix = CANONICAL_VERSION + sep
    sha256 = hashlib.sha256
    count = 0
    for row in _rows(batch_size):
        (
            seq,
            occurred,
            actor,
            label,
            actor_agency,
            subject_agency,
            etype,
            ttype,
            tid,
            op,
            outcome,
            client,
            details,
            prev_hash,
            stored_hash,
        ) = row
        sequence = int(seq)  # type: ignore[call-overload]
        if sequence != expected_sequence:
            if sequence > expected_sequence:
                missing = (
                    f"event #{expected_sequence}"
                    if sequence == expected_sequence + 1
                    else f"events #{expected_sequence}–#{sequence - 1}"
                )
                return Verification(
                    False,
                    count,
                    f"{missing} was removed: the chain jumps from #{expected_sequence - 1} to #{sequence}",
                    expected_sequence,
                )
            return Verification(False, count, f"{describe(sequence)} is out of order", sequence)
        canonical = (
            f"{prefix}{sequence}{sep}{_time_text(occurred)}{sep}{_uuid_hex(actor)}{sep}{label}{sep}"
            f"{_uuid_hex(actor_agency)}{sep}{_uuid_hex(subject_agency)}{sep}{etype}{sep}{ttype}{sep}"
            f"{tid}{sep}{_uuid_hex(op)}{sep}{outcome}{sep}{client}{sep}{details}"
        )
        if prev_hash != expected_prev:
            return Verification(
                False,
                count,
                f"{describe(sequence)} was inserted out of chain, or #{sequence - 1} was changed: "
                f"its previous hash does not match event #{sequence - 1}",
                sequence,
            )
        if sha256((expected_prev + canonical).encode()).hexdigest() != stored_hash:
            return Verification(
                False,
                count,
                f"{describe(sequence)} was changed: its hash does not match its content",
                sequence,
            )
        expected_prev = str(stored_hash)
        expected_sequence += 1
        count += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.sequence != count or head.hash != expected_prev):
        if count > head.sequence:
            return Verification(
                False,
                count,
                f"{describe(head.sequence + 1)} was inserted out of chain: "
                f"it follows the recorded chain head #{head.sequence}",
                head.sequence + 1,
            )
        if count == head.sequence:
            return Verification(
                False,
                count,
                f"{describe(count)} was changed: its hash is not the one recorded as the chain head",
                count,
            )
        return Verification(
            False,
            count,
            f"event #{count + 1} was removed: the chain ends at #{count}, "
            f"but the recorded chain head is #{head.sequence}",
            count + 1,
        )
    return Verification(True, count)
