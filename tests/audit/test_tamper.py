"""The tamper suite: what whoever holds the database (or a copy of it) tries on the audit trail, and
what `haven audit verify` says about each. Issue 12: every one of these said "intact" or named the wrong
thing before links were keyed (HMAC-SHA256 under a key kept outside the database), the head row was
required, the verifier hashed the exact bytes stored, and anchors were kept outside.

Each test changes the tables the way an attacker with write access to the database would: on
PostgreSQL as a superuser who switches triggers off for the session, on SQLite as the file's holder who
drops the triggers first. The attacker knows the code (the canonical form, the SQL that builds it) but
not the audit key.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.management import call_command
from django.db import connection

from haven.audit.events import AuditEvent, Outcome
from haven.audit.models import AuditChainHead, AuditRecord
from haven.audit.services import record
from haven.audit.verify import verify_chain
from tests.audit.tampering import tamper

pytestmark = pytest.mark.django_db


def _append(count: int, **fields: object) -> list[AuditRecord]:
    return [
        record(
            actor=None,
            event=AuditEvent.AGENCY_CHANGED,
            actor_label=str(fields.get("actor_label", "haven")),
            details={"count": i},
        )
        for i in range(count)
    ]


def _tamper(*statements: tuple[str, list[object]]) -> None:
    tamper(*statements)


def _rows() -> list[tuple[int, str, bytes]]:
    """(sequence, prev_hash, canonical bytes) as the verifier builds them: what an attacker who read
    the code would hash."""
    from haven.audit.verify import _canonical_sql

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT sequence, prev_hash, {_canonical_sql(connection.vendor)} "
            "FROM audit_auditrecord ORDER BY sequence",
            [],  # with parameters, so that Django turns the SQL's %% into %
        )
        rows = cursor.fetchall()
    return [(s, p, c.encode() if isinstance(c, str) else bytes(c)) for s, p, c in rows]


def _recompute_with_plain_sha256(from_sequence: int) -> None:
    """Re-link every event from `from_sequence` on with SHA-256, as the chain was linked before it was
    keyed, and move the head to the new last link."""
    rows = _rows()
    prev = next(p for s, p, _ in rows if s == from_sequence)
    statements = []
    for sequence, _, canonical in rows:
        if sequence < from_sequence:
            continue
        digest = hashlib.sha256(prev.encode() + canonical).hexdigest()
        statements.append(
            (
                "UPDATE audit_auditrecord SET prev_hash = %s, hash = %s WHERE sequence = %s",
                [prev, digest, sequence],
            )
        )
        prev = digest
    statements.append(("UPDATE audit_auditchainhead SET hash = %s WHERE id = 1", [prev]))
    _tamper(*statements)


def _head() -> tuple[int, str]:
    head = AuditChainHead.objects.get(pk=1)
    return head.sequence, head.hash


# --- change -------------------------------------------------------------------------------------------


def test_an_updated_field_is_named_as_that_event_changed():
    _append(8)
    _tamper(("UPDATE audit_auditrecord SET outcome = %s WHERE sequence = 5", [Outcome.DENIED.value]))
    result = verify_chain()
    assert (result.intact, result.kind, result.sequence, result.events) == (False, "changed", 5, 4)
    assert "event #5" in result.problem


def test_an_event_changed_and_every_later_link_recomputed_with_plain_sha256_is_found():
    """Before links were keyed, an edit followed by recomputing every later hash was "intact"."""
    _append(8)
    _tamper(("UPDATE audit_auditrecord SET outcome = %s WHERE sequence = 3", [Outcome.DENIED.value]))
    _recompute_with_plain_sha256(3)
    result = verify_chain()
    assert (result.intact, result.kind, result.sequence) == (False, "changed", 3)
    assert "audit key" in result.problem


@pytest.mark.skipif("connection.vendor == 'postgresql'", reason="PostgreSQL text cannot hold NUL at all")
def test_text_appended_after_a_nul_in_a_field_is_a_change():
    """SQLite's printf('%s') stops at NUL: the verifier hashed the original text and said "intact"."""
    _append(5)
    _tamper(
        (
            "UPDATE audit_auditrecord SET actor_label = actor_label || char(0) || 'mallory' WHERE sequence = 2",
            [],
        )
    )
    result = verify_chain()
    assert (result.intact, result.kind, result.sequence) == (False, "changed", 2)


@pytest.mark.skipif("connection.vendor == 'postgresql'", reason="PostgreSQL text cannot hold NUL at all")
@pytest.mark.parametrize("column", ["details", "occurred_at", "target_id", "prev_hash", "actor_agency_id"])
def test_a_nul_and_more_text_in_any_column_is_found(column):
    _append(5)
    _tamper(
        (
            f"UPDATE audit_auditrecord SET {column} = coalesce({column}, '') || char(0) || 'x' WHERE sequence = 3",
            [],
        )
    )
    result = verify_chain()
    assert (result.intact, result.sequence) == (False, 3)


# --- removal -----------------------------------------------------------------------------------------


def test_a_deleted_event_is_named_removed():
    _append(8)
    _tamper(("DELETE FROM audit_auditrecord WHERE sequence = 4", []))
    result = verify_chain()
    assert (result.intact, result.kind, result.sequence) == (False, "removed", 4)


def _delete_mallorys_events_and_renumber() -> None:
    """Ten events, #4 and #7 mallory's `person.opened`: delete them and renumber the rest down to close
    the gaps, the head following."""
    for i in range(10):
        mallory = i in (3, 6)
        record(
            actor=None,
            event=AuditEvent.PERSON_OPENED if mallory else AuditEvent.AGENCY_CHANGED,
            actor_label="mallory" if mallory else "haven",
            details={"count": i},
        )
    _tamper(
        ("DELETE FROM audit_auditrecord WHERE actor_label = 'mallory'", []),
        ("UPDATE audit_auditrecord SET sequence = -sequence WHERE sequence > 4", []),
        ("UPDATE audit_auditrecord SET sequence = -sequence - 1 WHERE sequence < 0 AND sequence > -7", []),
        ("UPDATE audit_auditrecord SET sequence = -sequence - 2 WHERE sequence < 0", []),
        ("UPDATE audit_auditchainhead SET sequence = 8 WHERE id = 1", []),
    )
    assert list(AuditRecord.objects.order_by("sequence").values_list("sequence", flat=True)) == list(
        range(1, 9)
    )


def test_events_deleted_and_the_rest_renumbered_are_named_removed_and_renumbered():
    _delete_mallorys_events_and_renumber()
    result = verify_chain()
    assert (result.intact, result.kind, result.sequence) == (False, "removed", 4)
    assert "renumbered" in result.problem
    assert "#5" in result.problem  # the event now numbered #4 was #5


def test_events_deleted_renumbered_and_relinked_with_plain_sha256_are_found():
    """Before links were keyed: "intact". The relinked events no longer carry their old links, so the
    verifier can only say the first of them is not linked under the audit key."""
    _delete_mallorys_events_and_renumber()
    _recompute_with_plain_sha256(4)
    result = verify_chain()
    assert (result.intact, result.sequence) == (False, 4)
    assert result.kind in ("changed", "inserted", "removed")


def test_the_last_events_deleted_with_the_head_left_are_named_removed():
    _append(8)
    _tamper(("DELETE FROM audit_auditrecord WHERE sequence > 6", []))
    result = verify_chain()
    assert (result.intact, result.kind, result.sequence) == (False, "removed", 7)


def test_the_last_events_and_the_head_row_deleted_fail_as_head_missing():
    """Before, deleting the last events and the head row left a chain that verified."""
    _append(8)
    _tamper(
        ("DELETE FROM audit_auditrecord WHERE sequence > 5", []),
        ("DELETE FROM audit_auditchainhead", []),
    )
    result = verify_chain()
    assert (result.intact, result.kind) == (False, "head_missing")
    assert "head" in result.problem


def test_the_application_does_not_recreate_a_deleted_head_row_over_a_truncated_chain():
    """Recreating the head from the last event left would launder the truncation on the next event."""
    from haven.audit.services import AuditChainBroken

    _append(4)
    _tamper(("DELETE FROM audit_auditchainhead", []))
    with pytest.raises(AuditChainBroken, match="head"):
        record(actor=None, event=AuditEvent.AGENCY_CHANGED)
    assert verify_chain().kind == "head_missing"


# --- insertion ---------------------------------------------------------------------------------------


def test_an_event_inserted_in_the_middle_with_the_later_ones_renumbered_is_named_inserted():
    _append(6)
    sequence, _ = _head()
    rows = {s: p for s, p, _ in _rows()}
    _tamper(
        ("UPDATE audit_auditrecord SET sequence = -sequence WHERE sequence >= 4", []),
        ("UPDATE audit_auditrecord SET sequence = -sequence + 1 WHERE sequence < 0", []),
        (
            "INSERT INTO audit_auditrecord (sequence, occurred_at, actor_label, event_type, target_type, "
            "target_id, outcome, client_address, details, prev_hash, hash, key_id) VALUES "
            "(4, '2026-12-03 10:00:00.000000', 'mallory', 'sign_in.succeeded', '', '', 'success', '', "
            "'{}', %s, %s, (SELECT key_id FROM audit_auditrecord WHERE sequence = 1))",
            [rows[4], "e" * 64],
        ),
        ("UPDATE audit_auditchainhead SET sequence = %s WHERE id = 1", [sequence + 1]),
    )
    result = verify_chain()
    assert (result.intact, result.kind, result.sequence) == (False, "inserted", 4)


def test_an_event_appended_behind_the_heads_back_is_named_inserted():
    events = _append(3)
    _tamper(
        (
            "INSERT INTO audit_auditrecord (sequence, occurred_at, actor_label, event_type, target_type, "
            "target_id, outcome, client_address, details, prev_hash, hash, key_id) VALUES "
            "(4, '2026-12-03 10:00:00.000000', 'mallory', 'sign_in.succeeded', '', '', 'success', '', "
            "'{}', %s, %s, (SELECT key_id FROM audit_auditrecord WHERE sequence = 1))",
            [events[-1].hash, "f" * 64],
        )
    )
    result = verify_chain()
    assert (result.intact, result.kind, result.sequence) == (False, "inserted", 4)


def test_a_forged_event_appended_with_a_correct_plain_hash_and_the_head_moved_is_found():
    """The attacker builds the canonical form exactly as the verifier does, links it with SHA-256 and
    moves the head to it: before, "intact"."""
    _append(3)
    _tamper(
        (
            "INSERT INTO audit_auditrecord (sequence, occurred_at, actor_label, event_type, target_type, "
            "target_id, outcome, client_address, details, prev_hash, hash, key_id) "
            "SELECT 4, occurred_at, 'mallory', 'sign_in.succeeded', '', '', 'success', '', '{}', hash, "
            "'x', key_id FROM audit_auditrecord WHERE sequence = 3",
            [],
        )
    )
    last = next(p for s, p, _ in _rows() if s == 4)
    canonical = next(c for s, _, c in _rows() if s == 4)
    forged = hashlib.sha256(last.encode() + canonical).hexdigest()
    _tamper(
        ("UPDATE audit_auditrecord SET hash = %s WHERE sequence = 4", [forged]),
        ("UPDATE audit_auditchainhead SET sequence = 4, hash = %s WHERE id = 1", [forged]),
    )
    result = verify_chain()
    assert (result.intact, result.sequence) == (False, 4)
    assert result.kind in ("changed", "inserted")
    assert "audit key" in result.problem


# --- the head ----------------------------------------------------------------------------------------


def test_a_head_whose_hash_was_edited_is_named_edited_not_an_event_changed():
    _append(5)
    _tamper(("UPDATE audit_auditchainhead SET hash = %s WHERE id = 1", ["a" * 64]))
    result = verify_chain()
    assert (result.intact, result.kind) == (False, "head_edited")
    assert "was changed" not in result.problem


def test_a_head_moved_back_over_authentic_events_is_named_edited():
    events = _append(5)
    _tamper(("UPDATE audit_auditchainhead SET sequence = 3, hash = %s WHERE id = 1", [events[2].hash]))
    result = verify_chain()
    assert (result.intact, result.kind) == (False, "head_edited")


# --- truncation, and a chain rebuilt with the key: anchors kept elsewhere --------------------------


def _anchor(capsys) -> str:
    call_command("audit", "anchor")
    line = capsys.readouterr().out.strip()
    assert line.startswith("haven-audit-anchor ")
    return line


def _verify_with_anchors(tmp_path, capsys, *lines: str) -> tuple[int, str]:
    path = tmp_path / "anchors.txt"
    path.write_text("".join(f"{line}\n" for line in lines))
    try:
        call_command("audit", "verify", "--anchors", str(path))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    else:
        code = 0
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_a_chain_truncated_with_its_head_moved_fails_against_a_kept_anchor(tmp_path, capsys):
    events = _append(6)
    kept = _anchor(capsys)
    _tamper(
        ("DELETE FROM audit_auditrecord WHERE sequence > 4", []),
        ("UPDATE audit_auditchainhead SET sequence = 4, hash = %s WHERE id = 1", [events[3].hash]),
    )
    # without the anchor a clean truncation is indistinguishable from a shorter chain
    assert verify_chain().intact
    code, output = _verify_with_anchors(tmp_path, capsys, kept)
    assert code == 1
    assert "truncated" in output
    assert "#6" in output


def test_a_chain_rebuilt_with_the_key_fails_against_a_kept_anchor(tmp_path, capsys):
    """Whoever holds the key can rebuild the chain from a point on; an anchor kept elsewhere still
    names the head that is gone."""
    from haven.audit.verify import verify_anchors

    _append(4)
    kept = _anchor(capsys)
    _tamper(
        ("DELETE FROM audit_auditrecord WHERE sequence >= 3", []),
        (
            "UPDATE audit_auditchainhead SET sequence = 2, hash = (SELECT hash FROM audit_auditrecord WHERE sequence = 2) WHERE id = 1",
            [],
        ),
    )
    _append(3, actor_label="rebuilt")  # linked under the key, as the application links
    assert verify_chain().intact
    result = verify_anchors([kept])
    assert (result.intact, result.kind, result.sequence) == (False, "truncated", 4)
    assert "another link" in result.problem


def test_anchors_of_an_intact_chain_pass_and_a_forged_anchor_is_refused(tmp_path, capsys):
    _append(3)
    first = _anchor(capsys)
    _append(2)
    second = _anchor(capsys)
    code, output = _verify_with_anchors(tmp_path, capsys, first, second)
    assert code == 0, output
    assert "2 anchors" in output
    fields = dict(part.split("=", 1) for part in first.split()[1:])
    forged = first.replace(f"link={fields['link']}", "link=" + "0" * 64)
    code, output = _verify_with_anchors(tmp_path, capsys, forged)
    assert code == 1
    assert "signature" in output


def test_an_anchor_line_says_sequence_link_and_time():
    from haven.audit.anchors import anchor_line, parse_anchor

    events = _append(2)
    line = anchor_line()
    anchor = parse_anchor(line)
    assert (anchor.sequence, anchor.link) == (2, events[-1].hash)
    assert anchor.time.tzinfo is not None
    json.dumps(line)  # one printable line
    assert "\n" not in line
