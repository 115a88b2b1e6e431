"""Re-computing the audit chain: reads the events in order, a batch of sequences at a time (constant
memory), and names the first event that was changed, removed or inserted, a head row that is missing or
was edited, and (with anchors kept elsewhere) a chain that was truncated or rebuilt.

Each link is HMAC-SHA256 under the audit key of its *epoch*: the key that links event #1, then the key
each `audit.key_rotated` event moves the chain to (its own link is under the new key, and it carries the
retiring key's proof). The database builds each event's bytes — its stored link to the previous event,
then its canonical form, the same form `haven.audit.chain.canonical_form` builds when the event is
written — with concatenation that keeps every byte stored (SQLite's printf('%s') stops at a NUL), so
Python only computes HMACs and compares. A batch that fails that quick check is gone through event by
event to name the first problem. Long chains are split into sequence ranges verified by parallel worker
processes and stitched together: each range's first link must be the previous range's last hash.
"""

from __future__ import annotations

import hmac
import json
import multiprocessing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import apsw
from django.db import connection, connections
from django.db.backends.sqlite3.creation import DatabaseCreation as SQLiteCreation

from haven.audit.chain import CANONICAL_VERSION, FIELD_SEPARATOR, hmac_states, rotation_proof
from haven.audit.events import AuditEvent
from haven.audit.keys import AuditKeyRing, audit_key_ring
from haven.audit.models import GENESIS_HASH, AuditChainHead, AuditRecord

PARALLEL_THRESHOLD = 200_000
MAX_WORKERS = 8  # one per core, up to this many database connections
RENUMBERED_SEARCH = 100_000  # how far back a renumbered event's old number is looked for

# What a verification found (`Verification.kind`): stable words that tests and the audit page use.
CHANGED = "changed"
INSERTED = "inserted"
REMOVED = "removed"
HEAD_MISSING = "head_missing"
HEAD_EDITED = "head_edited"
TRUNCATED = "truncated"
KEY = "key"
ANCHOR_INVALID = "anchor_invalid"

_NULLABLE_UUIDS = ("actor_id", "actor_agency_id", "subject_agency_id", "operation_id")
_TEXT = (
    "actor_label",
    "event_type",
    "target_type",
    "target_id",
    "outcome",
    "client_address",
    "details",
    "key_id",
)
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
    "key_id",
)


def _canonical_sql(vendor: str, *, linked: bool = False, concat_function: bool = False) -> str:
    """The canonical form as a SQL expression over one row (for a query with parameters): UTF-8 bytes
    on SQLite, text on PostgreSQL; `linked` puts the stored previous hash in front, as hashed.

    Every byte stored is kept, whatever a field holds: PostgreSQL and SQLite 3.44+ (APSW's) build it
    with one concat(); the standard library's older SQLite with `||` (a NULL turned into nothing
    first). SQLite's printf('%s'), used before, stopped at a NUL, so text after one went unhashed.
    """
    postgresql = vendor == "postgresql"
    values: list[str] = []
    for column in _ORDER:
        if column == "occurred_at" and postgresql:
            values.append("to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
        elif column == "occurred_at":
            # Django stores "YYYY-MM-DD HH:MM:SS[.ffffff]" (UTC), leaving the fraction out when zero.
            values.append(
                "iif(length(occurred_at) = 19, replace(occurred_at, ' ', 'T') || '.000000Z', "
                "replace(occurred_at, ' ', 'T') || 'Z')"
            )
        elif column in _NULLABLE_UUIDS and postgresql:
            values.append(f"encode(uuid_send({column}), 'hex')")  # 32 hex digits; NULL: nothing
        else:
            # SQLite keeps UUIDs as 32 hex digits; concat() writes NULL as nothing.
            assert column in (*_TEXT, *_NULLABLE_UUIDS, "sequence")
            values.append(column)
    if linked:
        # A stored link of another length than a hash's is left out: the link check then fails.
        values.insert(0, "CASE WHEN length(prev_hash) = 64 THEN prev_hash ELSE '' END")
    # The version, then each field after the separator (a control character, written into the
    # literal as it is; the version holds no quote).
    fields = len(_ORDER)
    parts = [*values[:-fields], f"'{CANONICAL_VERSION}'"]
    for value in values[-fields:]:
        parts += [f"'{FIELD_SEPARATOR}'", value]
    if postgresql:
        return f"concat({', '.join(parts)})"
    if concat_function:
        return f"CAST(concat({', '.join(parts)}) AS BLOB)"
    return f"CAST({' || '.join(f'coalesce({part}, {chr(39)}{chr(39)})' for part in parts)} AS BLOB)"


def _utf8(data: str | bytes) -> bytes:
    """PostgreSQL hands the canonical form over as text (cheaper than bytea's hex), SQLite as bytes."""
    return data.encode() if isinstance(data, str) else data


@dataclass(frozen=True, slots=True)
class Verification:
    """What verification found: `kind` is one of CHANGED … ANCHOR_INVALID above (empty when intact),
    `sequence` the event it points at, `events` how many were verified intact before it."""

    intact: bool
    events: int
    problem: str = ""
    sequence: int | None = None
    kind: str = ""
    anchors: int = 0


@dataclass(frozen=True, slots=True)
class Epoch:
    """From `start` on (up to the next epoch), events are linked under this key."""

    start: int
    key_id: str
    key: bytes


def _key_at(epochs: list[Epoch], sequence: int) -> bytes:
    key = epochs[0].key
    for epoch in epochs:
        if epoch.start > sequence:
            break
        key = epoch.key
    return key


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
    problem_kind: str = ""


def describe(sequence: int) -> str:
    event = AuditRecord.objects.filter(sequence=sequence).only("event_type", "occurred_at").first()
    if event is None:
        return f"event #{sequence}"
    return f"event #{sequence} ({event.event_type} at {event.occurred_at:%Y-%m-%dT%H:%M:%S}Z)"


def _authentic(key: bytes, prev_hash: str, canonical: bytes, stored_hash: str) -> bool:
    return hmac.compare_digest(hmac.digest(key, prev_hash.encode() + canonical, "sha256").hex(), stored_hash)


def _with_sequence(canonical: bytes, sequence: int) -> bytes:
    """The canonical form with another sequence number (the second field)."""
    version, _old, rest = canonical.split(FIELD_SEPARATOR.encode(), 2)
    return FIELD_SEPARATOR.encode().join((version, str(sequence).encode(), rest))


def _removed(expected: int, found: int) -> str:
    missing = f"event #{expected} was" if found == expected + 1 else f"events #{expected}–#{found - 1} were"
    return f"{missing} removed: the chain jumps from #{expected - 1} to #{found}"


@dataclass(frozen=True, slots=True)
class _Walk:
    """What going through some events one by one found."""

    count: int = 0
    first_sequence: int | None = None
    first_prev: str = ""
    last_hash: str = ""
    problem: str = ""
    at: int | None = None
    kind: str = ""


def _not_keyed(sequence: int) -> str:
    return (
        f"{describe(sequence)} was changed: its link is not the one the audit key gives its content "
        "(changed, or written by someone without the audit key)"
    )


def _classify(rows: list[tuple[Any, ...]], index: int, expected_prev: str, key: bytes) -> tuple[str, str]:
    """Why the row at `index` fails, as (kind, problem): it links to the previous event but its content
    is not authentic (changed, or inserted when the next event links past it), or it does not link to
    the previous event (inserted, or renumbered after events before it were removed)."""
    sequence, prev_hash, canonical, stored_hash = rows[index]
    following = rows[index + 1] if index + 1 < len(rows) else None
    if prev_hash == expected_prev:
        if following is not None and following[1] == expected_prev:
            return INSERTED, (
                f"{describe(sequence)} was inserted: the event after it links past it to #{sequence - 1}"
            )
        return CHANGED, _not_keyed(sequence)
    if not _authentic(key, prev_hash, canonical, stored_hash):
        for shift in range(1, RENUMBERED_SEARCH + 1):
            if _authentic(key, prev_hash, _with_sequence(canonical, sequence + shift), stored_hash):
                return REMOVED, (
                    f"events were removed before #{sequence} and the later ones renumbered: the event "
                    f"now numbered #{sequence} was #{sequence + shift}"
                )
    return INSERTED, (
        f"{describe(sequence)} was inserted: it does not link to event #{sequence - 1}, whose link "
        "is authentic"
    )


def _walk(
    low: int, high: int, expected_sequence: int | None, expected_prev: str, epochs: list[Epoch]
) -> _Walk:
    """Go through the events low..high one by one (None: start from the first event found, as a range
    verified on its own does): the first problem, and what was intact."""
    table = AuditRecord._meta.db_table
    sql = (
        f"SELECT sequence, prev_hash, {_canonical_sql(connection.vendor)}, hash "  # noqa: S608 - fixed names
        f"FROM {table} WHERE sequence BETWEEN %s AND %s ORDER BY sequence"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [low, high])
        rows = [(s, p, _utf8(c), h) for s, p, c, h in cursor.fetchall()]
    first_sequence, first_prev = None, ""
    if rows and expected_sequence is None:
        first_sequence, first_prev = rows[0][0], rows[0][1]
        expected_sequence, expected_prev = first_sequence, first_prev
    for index, (sequence, prev_hash, canonical, stored_hash) in enumerate(rows):
        assert expected_sequence is not None
        key = _key_at(epochs, sequence)
        if sequence != expected_sequence:
            return _Walk(
                index,
                first_sequence,
                first_prev,
                expected_prev,
                _removed(expected_sequence, sequence),
                expected_sequence,
                REMOVED,
            )
        if prev_hash != expected_prev or not _authentic(key, prev_hash, canonical, stored_hash):
            kind, problem = _classify(rows, index, expected_prev, key)
            return _Walk(index, first_sequence, first_prev, expected_prev, problem, sequence, kind)
        expected_prev = stored_hash
        expected_sequence += 1
    return _Walk(len(rows), first_sequence, first_prev, expected_prev)


Rows = list[tuple[Any, ...]]


@contextmanager
def _batch_reader() -> Iterator[tuple[Callable[[str, list[int]], Rows], bool]]:
    """How the quick check reads a batch of events: `read(sql, params)` → rows.

    On an SQLite file, outside a transaction (as `haven audit verify` runs), through APSW — a
    well-kept binding with its own, newer SQLite — opened read-only: measured on a million events it
    reads and builds them faster than the standard library's module (newer SQLite's concat(), and
    cheaper rows into Python). The second value says whether the SQL may use concat(). Otherwise through Django's connection: PostgreSQL, an in-memory
    database, and a caller inside a transaction, whose own writes another connection cannot see."""
    name = connection.settings_dict["NAME"]
    if (
        connection.vendor == "sqlite"
        and not connection.in_atomic_block
        and not SQLiteCreation.is_in_memory_db(name)
    ):
        database = apsw.Connection(str(name), flags=apsw.SQLITE_OPEN_READONLY)
        database.set_busy_timeout(20_000)
        try:
            # The SQL is written for Django's cursor: %s for a parameter and %% for a percent sign.
            yield (
                lambda sql, params: database.execute(sql % (("?",) * len(params)), params).fetchall(),
                True,
            )
        finally:
            database.close()
        return
    with connection.cursor() as cursor:

        def read(sql: str, params: list[int]) -> Rows:
            cursor.execute(sql, params)
            rows: Rows = cursor.fetchall()
            return rows

        yield read, connection.vendor == "postgresql"


def _pieces(epochs: list[Epoch], low: int, high: int) -> list[tuple[int, int, bytes]]:
    """The sequences low..high split where the key changes: (offset from low, end offset, key)."""
    pieces: list[tuple[int, int, bytes]] = []
    for number, epoch in enumerate(epochs):
        end = epochs[number + 1].start - 1 if number + 1 < len(epochs) else high
        first, last = max(low, epoch.start if number else low), min(high, end)
        if first <= last:
            pieces.append((first - low, last - low + 1, epoch.key))
    return pieces


def _scan(low: int, high: int, batch_size: int, epochs: list[Epoch]) -> _Segment:
    """Verify the events with low ≤ sequence ≤ high, relative to the first one's stored link.

    Each batch of sequences gets the quick check first: every sequence present, each event's bytes
    (its stored link, then its canonical form) starting with the previous event's hash and giving its
    own under its epoch's key. A batch that fails it is gone through again event by event (`_walk`),
    which names the first problem; the quick check only ever saves that work."""
    table = AuditRecord._meta.db_table
    states = {epoch.key: hmac_states(epoch.key) for epoch in epochs}
    count = 0
    first_sequence: int | None = None
    first_prev = last = ""
    with _batch_reader() as (read, concat_function):
        sql = (
            f"SELECT {_canonical_sql(connection.vendor, linked=True, concat_function=concat_function)}, "  # noqa: S608
            f"hash FROM {table} WHERE sequence BETWEEN %s AND %s ORDER BY sequence"
        )
        for batch_low in range(low, high + 1, batch_size):
            batch_high = min(batch_low + batch_size - 1, high)
            rows = read(sql, [batch_low, batch_high])  # one batch: batch_size events at most
            if rows and isinstance(rows[0][0], str):
                rows = [(_utf8(linked), stored_hash) for linked, stored_hash in rows]
            intact = len(rows) == batch_high - batch_low + 1
            if intact:
                link = rows[0][0][:64] if first_sequence is None else last.encode()
                first_link = link
                for start, end, key in _pieces(epochs, batch_low, batch_high):
                    # HMAC-SHA256 written out (chain.hmac_states): a call per event costs 10 %
                    inner_copy, outer_copy = states[key][0].copy, states[key][1].copy
                    for linked, stored_hash in rows[start:end]:
                        step = inner_copy()
                        step.update(linked)
                        final = outer_copy()
                        final.update(step.digest())
                        if not linked.startswith(link) or final.hexdigest() != stored_hash:
                            intact = False
                            break
                        link = stored_hash.encode()
                    if not intact:
                        break
            if intact:
                if first_sequence is None:
                    first_sequence, first_prev = batch_low, first_link.decode()
                last = rows[-1][1]
                count += len(rows)
                continue
            expected = None if first_sequence is None else first_sequence + count
            walk = _walk(batch_low, batch_high, expected, last, epochs)
            if first_sequence is None and walk.first_sequence is not None:
                first_sequence, first_prev = walk.first_sequence, walk.first_prev
            if walk.problem:
                return _Segment(
                    count,
                    first_sequence,
                    first_prev,
                    None,
                    "",
                    walk.problem,
                    walk.at,
                    count + walk.count,
                    walk.kind,
                )
            if walk.count:
                last = walk.last_hash
            count += walk.count
    if first_sequence is None:
        return _Segment(0)
    return _Segment(count, first_sequence, first_prev, first_sequence + count - 1, last)


def _scan_in_worker(bounds: tuple[int, int, int, list[Epoch]]) -> _Segment:
    connections.close_all()  # a fresh connection in this process, never the parent's
    try:
        return _scan(*bounds)
    finally:
        connections.close_all()


@dataclass(frozen=True, slots=True)
class _Start:
    """The chain as it stood when verification began, read in one statement (one snapshot): Haven
    goes on recording while the verifier reads, and events appended after this are left for the
    next run instead of being taken for tampering."""

    last_sequence: int | None
    head_sequence: int | None
    head_hash: str | None
    head_key_id: str | None
    first_sequence: int | None
    first_key_id: str | None


def _start() -> _Start:
    events, head = AuditRecord._meta.db_table, AuditChainHead._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT max(sequence) FROM {events}), "  # noqa: S608 - fixed names
            f"(SELECT sequence FROM {head} WHERE id = 1), (SELECT hash FROM {head} WHERE id = 1), "
            f"(SELECT key_id FROM {head} WHERE id = 1), (SELECT min(sequence) FROM {events}), "
            f"(SELECT key_id FROM {events} ORDER BY sequence LIMIT 1)"
        )
        row = cursor.fetchone()
    return _Start(*row)


@dataclass(frozen=True, slots=True)
class _Found:
    kind: str
    sequence: int
    problem: str


def _epochs(start: _Start, ring: AuditKeyRing) -> tuple[list[Epoch], _Found | None]:
    """The keys of the chain, from event #1's and each rotation event's, and the first problem with
    them: a key this installation does not hold, a rotation the retiring key did not sign. (What the
    rows say is checked as the chain is: a rotation event or key id changed breaks its link.)"""
    assert start.first_sequence is not None
    first_key = ring.find(start.first_key_id or "")
    if first_key is None:
        return [Epoch(start.first_sequence, start.first_key_id or "", b"")], _Found(
            KEY,
            start.first_sequence,
            f"{describe(start.first_sequence)} is linked under audit key {start.first_key_id or '(none)'}, "
            f"which is not in this installation's key ring ({', '.join(ring.key_ids)}, from {ring.where}): "
            "restore that key (kept as retired), or the event was changed",
        )
    epochs = [Epoch(start.first_sequence, first_key.key_id, first_key.key)]
    rotations = (
        AuditRecord.objects.filter(
            event_type=AuditEvent.AUDIT_KEY_ROTATED.value, sequence__lte=start.last_sequence
        )
        .order_by("sequence")
        .values_list("sequence", "prev_hash", "details")
    )
    for sequence, prev_hash, details in rotations:
        try:
            fields = json.loads(details)
            new_id, proof = str(fields["key_id"]), str(fields["proof"])
        except (ValueError, KeyError, TypeError):
            return epochs, _Found(CHANGED, sequence, _not_keyed(sequence))
        new_key = ring.find(new_id)
        if new_key is None:
            return [*epochs, Epoch(sequence, new_id, b"")], _Found(
                KEY,
                sequence,
                f"{describe(sequence)} moves the chain to audit key {new_id}, which is not in this "
                f"installation's key ring ({', '.join(ring.key_ids)}, from {ring.where}): restore that key, "
                "or the event was changed",
            )
        expected = rotation_proof(epochs[-1].key, sequence=sequence, prev_hash=prev_hash, new_key_id=new_id)
        epochs.append(Epoch(sequence, new_key.key_id, new_key.key))
        if not hmac.compare_digest(expected, proof):
            return epochs, _Found(
                CHANGED,
                sequence,
                f"{describe(sequence)} moves the chain to audit key {new_id} without the previous key's "
                "signature: it was changed or forged",
            )
    return epochs, None


def _segments(last: int | None, batch_size: int, workers: int, epochs: list[Epoch]) -> list[_Segment]:
    if last is None:
        return []
    if workers <= 1 or last < PARALLEL_THRESHOLD:
        return [_scan(1, last, batch_size, epochs)]
    step = -(-last // workers)
    bounds = [(low, min(low + step - 1, last), batch_size, epochs) for low in range(1, last + 1, step)]
    connections.close_all()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return pool.map(_scan_in_worker, bounds)


def verify_chain(
    batch_size: int = 20_000, workers: int | None = None, anchors: list[str] | None = None
) -> Verification:
    """Recompute every link. Rules: each event's link is HMAC-SHA256 under its epoch's audit key over
    the previous link and its canonical form; sequences have no gaps; the chain head row exists and
    records the last event; the chain ends under a key this installation may still write with; and
    every anchor kept elsewhere (`anchors`, lines of `haven audit anchor`) still lies on the chain."""
    if workers is None:
        workers = min(MAX_WORKERS, multiprocessing.cpu_count())
    start = _start()
    if start.last_sequence is None:
        result = Verification(True, 0)
        return verify_anchors(anchors, result) if anchors else result
    ring = audit_key_ring()
    epochs, key_problem = _epochs(start, ring)
    found = _chain(start, epochs, batch_size, workers)
    if key_problem is not None and (
        found is None or key_problem.sequence <= (found.sequence if found.sequence is not None else 0)
    ):
        intact_before = key_problem.sequence - 1
        return Verification(
            False, max(intact_before, 0), key_problem.problem, key_problem.sequence, key_problem.kind
        )
    if found is not None:
        return found
    result = _head_and_end(start, epochs, ring)
    if result.intact and anchors:
        return verify_anchors(anchors, result)
    return result


def _chain(start: _Start, epochs: list[Epoch], batch_size: int, workers: int) -> Verification | None:
    """The first problem along the chain, or None."""
    expected_prev = GENESIS_HASH
    expected_sequence = 1
    total = 0
    head = start.head_sequence
    for segment in _segments(start.last_sequence, batch_size, workers, epochs):
        if segment.first_sequence is None:
            continue
        if segment.first_sequence != expected_sequence:
            return Verification(
                False, total, _removed(expected_sequence, segment.first_sequence), expected_sequence, REMOVED
            )
        if segment.first_prev != expected_prev:
            at = segment.first_sequence
            return Verification(
                False,
                total,
                f"{describe(at)} was inserted: it does not link to event #{at - 1}, whose link is authentic",
                at,
                INSERTED,
            )
        if segment.problem:
            problem_at = segment.problem_sequence
            kind, problem = segment.problem_kind, segment.problem
            if head is not None and problem_at is not None and problem_at > head and kind == CHANGED:
                kind = INSERTED
                problem = (
                    f"{describe(problem_at)} was inserted after the chain head (#{head}): it is not linked "
                    "under the audit key"
                )
            return Verification(False, total + segment.intact_before_problem, problem, problem_at, kind)
        assert segment.last_sequence is not None
        expected_prev = segment.last_hash
        expected_sequence = segment.last_sequence + 1
        total += segment.count
    return None


def _head_and_end(start: _Start, epochs: list[Epoch], ring: AuditKeyRing) -> Verification:
    """The chain verified link by link: now its head row, and the key it ends under."""
    total = start.last_sequence or 0
    last_hash = AuditRecord.objects.filter(sequence=total).values_list("hash", flat=True).first() or ""
    if start.head_sequence is None:
        return Verification(
            False,
            total,
            f"the chain head row is missing: {total} events verified, but nothing records where the chain "
            "ends (removed events at its end would go unseen)",
            None,
            HEAD_MISSING,
        )
    head_sequence, head_hash = start.head_sequence, start.head_hash
    if head_sequence > total:
        return Verification(
            False,
            total,
            f"{_removed(total + 1, head_sequence + 1).split(':')[0]} from the end: the chain ends at "
            f"#{total}, but its head records #{head_sequence}",
            total + 1,
            REMOVED,
        )
    if head_sequence < total:
        return Verification(
            False,
            total,
            f"the chain head was edited: it records #{head_sequence}, but the chain goes on, authentic, "
            f"to #{total}",
            head_sequence,
            HEAD_EDITED,
        )
    if head_hash != last_hash or (start.head_key_id or "") != epochs[-1].key_id:
        return Verification(
            False,
            total,
            f"the chain head was edited: it records #{head_sequence} with another link or key than "
            f"event #{head_sequence} carries",
            head_sequence,
            HEAD_EDITED,
        )
    if ring.writable(epochs[-1].key_id) is None:
        return Verification(
            False,
            total,
            f"the chain ends under audit key {epochs[-1].key_id}, which is retired here: the events after "
            "its rotation were removed, or the key was retired without `haven audit rotate-key`",
            total,
            KEY,
        )
    return Verification(True, total)


def verify_anchors(lines: list[str], verified: Verification | None = None) -> Verification:
    """Every anchor kept elsewhere must be signed by an audit key of this installation and name an
    event still on the chain with the same link: a chain truncated, or rebuilt (even with the key), no
    longer carries the head an auditor kept."""
    from haven.audit.anchors import AnchorInvalid, parse_anchor  # noqa: PLC0415 - anchors use this module

    if verified is None:
        verified = verify_chain()
        if not verified.intact:
            return verified
    count = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            anchor = parse_anchor(line)
        except AnchorInvalid as error:
            return Verification(
                False, verified.events, f"anchor line {number}: {error}", None, ANCHOR_INVALID
            )
        link = AuditRecord.objects.filter(sequence=anchor.sequence).values_list("hash", flat=True).first()
        when = anchor.time.strftime("%Y-%m-%dT%H:%M:%SZ")
        if link is None:
            return Verification(
                False,
                verified.events,
                f"the chain was truncated: the anchor of {when} (line {number}) keeps head #{anchor.sequence}, "
                f"but the chain ends at #{verified.events}",
                anchor.sequence,
                TRUNCATED,
            )
        if link != anchor.link:
            return Verification(
                False,
                verified.events,
                f"the chain was truncated and rebuilt: event #{anchor.sequence} carries another link than the "
                f"anchor of {when} (line {number}) kept",
                anchor.sequence,
                TRUNCATED,
            )
        count += 1
    return Verification(True, verified.events, anchors=count)
