"""Re-computing the audit chain: streams the events in order, in constant memory, and names the first
event that was changed, removed or inserted out of chain.

The database concatenates each row's stored fields into the canonical form (the same form
`haven.audit.chain.canonical_form` builds when the event is written), so Python only hashes and
compares. Long chains are split into sequence ranges verified by parallel worker processes and
stitched together: each range's first link must be the previous range's last hash.
"""

from __future__ import annotations

import hashlib
import multiprocessing
from dataclasses import dataclass

from django.db import connection, connections

from haven.audit.chain import CANONICAL_VERSION
from haven.audit.models import GENESIS_HASH, AuditChainHead, AuditRecord

PARALLEL_THRESHOLD = 200_000

_NULLABLE_UUIDS = ("actor_id", "actor_agency_id", "subject_agency_id", "operation_id")
_TEXT = ("actor_label", "event_type", "target_type", "target_id", "outcome", "client_address", "details")
_ORDER = (
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
)


def _canonical_sql(vendor: str) -> str:
    """The canonical form as a SQL expression over one row, for SQLite or PostgreSQL."""
    sep = "chr(31)" if vendor == "postgresql" else "char(31)"
    parts = [f"'{CANONICAL_VERSION}'"]
    for column in _ORDER:
        if column == "sequence":
            parts.append("CAST(sequence AS TEXT)")
        elif column == "occurred_at":
            if vendor == "postgresql":
                parts.append("to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
            else:
                # Django stores "YYYY-MM-DD HH:MM:SS[.ffffff]" (UTC); the fraction is left out when zero.
                parts.append(
                    "replace(occurred_at, ' ', 'T') || "
                    "CASE WHEN length(occurred_at) = 19 THEN '.000000' ELSE '' END || 'Z'"
                )
        elif column in _NULLABLE_UUIDS:
            parts.append(
                f"coalesce(replace(CAST({column} AS TEXT), '-', ''), '')" if vendor == "postgresql"
                else f"coalesce({column}, '')"
            )  # fmt: skip
        else:
            assert column in _TEXT
            parts.append(column)
    return f" || {sep} || ".join(parts)


@dataclass(frozen=True, slots=True)
class Verification:
    intact: bool
    events: int
    problem: str = ""
    sequence: int | None = None


@dataclass(frozen=True, slots=True)
class _Segment:
    """What one scan of a sequence range found."""

    count: int
    first_sequence: int | None = None
    first_prev: str = ""
    last_sequence: int | None = None
    last_hash: str = ""
    problem: str = ""
    problem_sequence: int | None = None
    intact_before_problem: int = 0


def describe(sequence: int) -> str:
    event = AuditRecord.objects.filter(sequence=sequence).only("event_type", "occurred_at").first()
    if event is None:
        return f"event #{sequence}"
    return f"event #{sequence} ({event.event_type} at {event.occurred_at:%Y-%m-%dT%H:%M:%S}Z)"


def _removed(expected: int, found: int) -> str:
    missing = f"event #{expected}" if found == expected + 1 else f"events #{expected}–#{found - 1}"
    return f"{missing} was removed: the chain jumps from #{expected - 1} to #{found}"


def _scan(low: int, high: int, batch_size: int) -> _Segment:
    """Verify the events with low ≤ sequence ≤ high, relative to the first one's stored link."""
    table = AuditRecord._meta.db_table
    sql = (
        f"SELECT sequence, prev_hash, hash, {_canonical_sql(connection.vendor)} "  # noqa: S608 - fixed names
        f"FROM {table} WHERE sequence BETWEEN %s AND %s ORDER BY sequence"
    )
    sha256 = hashlib.sha256
    count = 0
    first_sequence: int | None = None
    first_prev = expected_prev = ""
    expected_sequence = 0
    # A server-side cursor on PostgreSQL, so millions of events stream without being held in memory.
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, [low, high])
        while rows := cursor.fetchmany(batch_size):
            for sequence, prev_hash, stored_hash, canonical in rows:
                if first_sequence is None:
                    first_sequence, first_prev = sequence, prev_hash
                    expected_prev, expected_sequence = prev_hash, sequence
                problem = ""
                if sequence != expected_sequence:
                    problem = _removed(expected_sequence, sequence)
                elif prev_hash != expected_prev:
                    problem = (
                        f"{describe(sequence)} was inserted out of chain, or #{sequence - 1} was changed: "
                        f"its previous hash does not match event #{sequence - 1}"
                    )
                elif sha256((expected_prev + canonical).encode()).hexdigest() != stored_hash:
                    problem = f"{describe(sequence)} was changed: its hash does not match its content"
                if problem:
                    at = expected_sequence if sequence != expected_sequence else sequence
                    return _Segment(count, first_sequence, first_prev, None, "", problem, at, count)
                expected_prev = stored_hash
                expected_sequence += 1
                count += 1
    return _Segment(count, first_sequence, first_prev, expected_sequence - 1, expected_prev)


def _scan_in_worker(bounds: tuple[int, int, int]) -> _Segment:
    connections.close_all()  # a fresh connection in this process, never the parent's
    try:
        return _scan(*bounds)
    finally:
        connections.close_all()


def _segments(batch_size: int, workers: int) -> list[_Segment]:
    last = AuditRecord.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    if last is None:
        return []
    if workers <= 1 or last < PARALLEL_THRESHOLD:
        return [_scan(1, last, batch_size)]
    step = -(-last // workers)
    bounds = [(low, min(low + step - 1, last), batch_size) for low in range(1, last + 1, step)]
    connections.close_all()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return pool.map(_scan_in_worker, bounds)


def verify_chain(batch_size: int = 20_000, workers: int | None = None) -> Verification:
    """Recompute every hash and link. Rule: each event's hash covers the previous hash and its
    canonical form; sequences have no gaps; the last event is the recorded chain head."""
    if workers is None:
        workers = min(2, multiprocessing.cpu_count())
    expected_prev = GENESIS_HASH
    expected_sequence = 1
    total = 0
    for segment in _segments(batch_size, workers):
        if segment.first_sequence is None:
            continue
        if segment.first_sequence != expected_sequence:
            return Verification(
                False, total, _removed(expected_sequence, segment.first_sequence), expected_sequence
            )
        if segment.first_prev != expected_prev:
            at = segment.first_sequence
            return Verification(
                False,
                total,
                f"{describe(at)} was inserted out of chain, or #{at - 1} was changed: "
                f"its previous hash does not match event #{at - 1}",
                at,
            )
        if segment.problem:
            return Verification(
                False, total + segment.intact_before_problem, segment.problem, segment.problem_sequence
            )
        assert segment.last_sequence is not None
        expected_prev = segment.last_hash
        expected_sequence = segment.last_sequence + 1
        total += segment.count
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.sequence != total or head.hash != expected_prev):
        if total > head.sequence:
            return Verification(
                False,
                total,
                f"{describe(head.sequence + 1)} was inserted out of chain: "
                f"it follows the recorded chain head #{head.sequence}",
                head.sequence + 1,
            )
        if total == head.sequence:
            return Verification(
                False,
                total,
                f"{describe(total)} was changed: its hash is not the one recorded as the chain head",
                total,
            )
        return Verification(
            False,
            total,
            f"event #{total + 1} was removed: the chain ends at #{total}, "
            f"but the recorded chain head is #{head.sequence}",
            total + 1,
        )
    return Verification(True, total)
