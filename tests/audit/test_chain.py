"""The audit trail's hash chain: appends, and `haven audit verify` naming what was tampered with."""

from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.utils import DatabaseError

from haven.audit.events import AuditEvent, Outcome
from haven.audit.models import GENESIS_HASH, AuditChainHead, AuditRecord
from haven.audit.services import record
from haven.audit.verify import verify_chain
from tests.audit.tampering import tamper, triggers_off


def _append(count: int) -> list[AuditRecord]:
    return [
        record(actor=None, event=AuditEvent.AGENCY_CHANGED, actor_label="haven", details={"count": i})
        for i in range(count)
    ]


def _tamper(sql: str, params: list[object]) -> None:
    """Change the table behind the application's back, as someone with direct database access would."""
    tamper((sql, params))


def _verify_exit(capsys) -> tuple[int, str]:
    try:
        call_command("audit", "verify")
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    else:
        code = 0
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.django_db
def test_events_chain_each_to_the_previous():
    events = _append(3)
    assert events[0].prev_hash == GENESIS_HASH
    assert [e.sequence for e in events] == [1, 2, 3]
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    head = AuditChainHead.objects.get()
    assert (head.sequence, head.hash) == (3, events[2].hash)


@pytest.mark.django_db
def test_verify_counts_an_intact_chain(capsys):
    _append(25)
    assert verify_chain(batch_size=7).intact
    code, output = _verify_exit(capsys)
    assert code == 0
    assert "25 events verified" in output


@pytest.mark.django_db
def test_verify_names_a_changed_event(capsys):
    _append(10)
    _tamper("UPDATE audit_auditrecord SET outcome = %s WHERE sequence = 6", [Outcome.DENIED.value])
    result = verify_chain()
    assert not result.intact
    assert result.sequence == 6
    code, output = _verify_exit(capsys)
    assert code == 1
    assert "event #6" in output
    assert "was changed" in output


@pytest.mark.django_db
def test_verify_names_a_removed_event(capsys):
    _append(10)
    _tamper("DELETE FROM audit_auditrecord WHERE sequence = 4", [])
    code, output = _verify_exit(capsys)
    assert code == 1
    assert "event #4 was removed" in output


@pytest.mark.django_db
def test_verify_names_the_last_event_removed(capsys):
    _append(5)
    _tamper("DELETE FROM audit_auditrecord WHERE sequence = 5", [])
    code, output = _verify_exit(capsys)
    assert code == 1
    assert "event #5 was removed" in output


@pytest.mark.django_db
def test_verify_names_an_event_inserted_out_of_chain(capsys):
    events = _append(5)
    forged = AuditRecord(
        sequence=6,
        occurred_at=events[-1].occurred_at,
        actor_label="mallory",
        event_type="sign_in.succeeded",
        outcome="success",
        details="{}",
        prev_hash=events[1].hash,
        hash="f" * 64,
    )
    with triggers_off():
        forged.save()
    code, output = _verify_exit(capsys)
    assert code == 1
    assert "event #6" in output
    assert "was inserted" in output


@pytest.mark.django_db
def test_details_must_be_declared_and_small():
    with pytest.raises(ValueError, match="not declared"):
        record(actor=None, event=AuditEvent.AGENCY_CHANGED, details={"safety_plan": "text"})
    with pytest.raises(TypeError):
        record(actor=None, event=AuditEvent.AGENCY_CHANGED, details={"count": "three"})
    assert AuditRecord.objects.count() == 0


@pytest.mark.django_db
def test_an_event_rolls_back_with_the_action_it_records():
    @transaction.atomic
    def failing_action() -> None:
        record(actor=None, event=AuditEvent.AGENCY_CHANGED)
        raise RuntimeError("the action failed")

    with pytest.raises(RuntimeError):
        failing_action()
    assert AuditRecord.objects.count() == 0
    assert verify_chain().intact


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_postgres_trigger_refuses_update_and_delete():
    _append(2)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditRecord.objects.filter(sequence=1).update(outcome="denied")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditRecord.objects.filter(sequence=2).delete()
    assert AuditRecord.objects.count() == 2


def _race(writers: int, appends: int) -> list[BaseException]:
    """`writers` threads, released at once, each appending `appends` events in transactions of their own;
    what any of them raised."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(writers)

    def writer() -> None:
        try:
            barrier.wait()
            for _ in range(appends):
                with transaction.atomic():
                    record(actor=None, event=AuditEvent.AGENCY_CHANGED, actor_label="writer")
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_cannot_fork_the_chain():
    assert _race(4, 15) == []
    assert AuditRecord.objects.count() == 60
    assert verify_chain().intact


@pytest.mark.django_db(transaction=True)
def test_writers_racing_onto_an_empty_chain_all_append():
    """The first events of a chain: several writers find no head at once. One creates it; the others
    wait for it and follow (a writer that looked for the head before the first committed and for events
    after must not take the fresh chain for a head deleted over events)."""
    for _ in range(25):
        tamper(("DELETE FROM audit_auditrecord", []), ("DELETE FROM audit_auditchainhead", []))
        assert _race(6, 1) == []
        assert AuditRecord.objects.count() == 6
        assert verify_chain().intact


@pytest.mark.django_db
def test_an_event_written_on_a_whole_second_verifies():
    import time_machine

    with time_machine.travel("2026-12-03T10:00:00+00:00", tick=False):
        event = record(actor=None, event=AuditEvent.AGENCY_CHANGED, actor_label="Zoë Ünicode")
    assert event.occurred_at.microsecond == 0
    assert verify_chain().intact


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("tamper", "sequence", "words"),
    [
        ("UPDATE audit_auditrecord SET outcome = 'denied' WHERE sequence = 3", 3, "was changed"),
        ("UPDATE audit_auditrecord SET outcome = 'denied' WHERE sequence = 17", 17, "was changed"),
        ("DELETE FROM audit_auditrecord WHERE sequence = 16", 16, "was removed"),
        ("DELETE FROM audit_auditrecord WHERE sequence = 15", 15, "was removed"),
        ("UPDATE audit_auditrecord SET prev_hash = hash WHERE sequence = 16", 16, "was inserted"),
    ],
)
def test_parallel_verification_finds_the_same_first_problem(monkeypatch, tamper, sequence, words):
    from haven.audit import verify

    _append(30)
    monkeypatch.setattr(verify, "PARALLEL_THRESHOLD", 10)
    assert verify_chain(workers=2).intact
    _tamper(tamper, [])
    result = verify_chain(workers=2)
    assert not result.intact
    assert result.sequence == sequence
    assert words in result.problem
    single = verify_chain(workers=1)
    assert (single.sequence, single.problem) == (result.sequence, result.problem)


# The quick check reads through APSW's read-only connection where it can (an SQLite file, outside a
# transaction, as `haven audit verify` runs) and through Django's connection otherwise: every rule
# is tested through both, and the `reader` fixture checks which one was used.
READERS = [
    pytest.param("django", marks=pytest.mark.django_db, id="django-connection"),
    pytest.param("apsw", marks=pytest.mark.django_db(transaction=True), id="apsw-read-only"),
]


@pytest.fixture
def reader(request, monkeypatch):
    from haven.audit import verify

    opened: list[str] = []
    connect = verify.apsw.Connection

    def spy(name, *args, **kwargs):
        opened.append(name)
        return connect(name, *args, **kwargs)

    monkeypatch.setattr(verify.apsw, "Connection", spy)
    yield request.param
    if request.param == "apsw" and connection.vendor == "sqlite":
        assert opened
        assert set(opened) == {str(connection.settings_dict["NAME"])}
    else:
        assert opened == []


@pytest.mark.parametrize("reader", READERS, indirect=True)
@pytest.mark.parametrize("batch_size", [1, 4, 5, 6, 50])
@pytest.mark.parametrize(
    ("tamper", "sequence", "words"),
    [
        ("UPDATE audit_auditrecord SET outcome = 'denied' WHERE sequence = 5", 5, "was changed"),
        ("UPDATE audit_auditrecord SET details = '{\"count\":99}' WHERE sequence = 9", 9, "was changed"),
        ("DELETE FROM audit_auditrecord WHERE sequence = 5", 5, "was removed"),
        ("DELETE FROM audit_auditrecord WHERE sequence IN (6, 7)", 6, "events #6–#7 were removed"),
        ("UPDATE audit_auditrecord SET prev_hash = hash WHERE sequence = 6", 6, "was inserted"),
        ("UPDATE audit_auditrecord SET hash = upper(hash) WHERE sequence = 4", 4, "was changed"),
    ],
)
def test_where_batches_begin_and_end_does_not_change_the_first_problem_named(
    reader, batch_size, tamper, sequence, words
):
    """Verification checks a whole batch at once and goes through a failing batch event by event:
    the problem is the same whether it sits first, inside or last in its batch."""
    _append(12)
    _tamper(tamper, [])
    result = verify_chain(batch_size=batch_size, workers=1)
    assert not result.intact
    assert result.sequence == sequence
    assert words in result.problem
    assert result.events == sequence - 1


@pytest.mark.parametrize("reader", READERS, indirect=True)
def test_the_quick_check_passes_intact_batches_and_only_a_failing_batch_is_walked(reader, monkeypatch):
    """The quick check is what makes verification fast: if it failed on intact events, every batch
    would be walked field by field and the answers would stay right, only slow. So: an intact
    chain is never walked, and a changed event has only its own batch walked."""
    from haven.audit import verify

    _append(12)
    walked: list[tuple[int, int]] = []
    walk = verify._walk

    def spy(low, high, *args):
        walked.append((low, high))
        return walk(low, high, *args)

    monkeypatch.setattr(verify, "_walk", spy)
    assert verify_chain(batch_size=4, workers=1).intact
    assert walked == []
    _tamper("UPDATE audit_auditrecord SET outcome = 'denied' WHERE sequence = 6", [])
    assert verify_chain(batch_size=4, workers=1).sequence == 6
    assert walked == [(5, 8)]


@pytest.mark.parametrize("reader", READERS, indirect=True)
def test_text_with_accents_and_percent_signs_verifies_and_a_changed_letter_is_found(reader):
    """The database builds the canonical form with a format string and hands over UTF-8 bytes: a '%'
    in a field is data, not format, and a changed accent is a changed event."""
    record(
        actor=None,
        event=AuditEvent.AGENCY_CHANGED,
        actor_label="Zoë 100%s Ünicode",
        details={"reason": "50% → 'done'"},
    )
    record(actor=None, event=AuditEvent.AGENCY_CHANGED, actor_label="Ådne Ørsted", details={"reason": "%d%%"})
    assert verify_chain().intact
    _tamper("UPDATE audit_auditrecord SET actor_label = %s WHERE sequence = 2", ["Adne Ørsted"])
    result = verify_chain()
    assert (result.intact, result.sequence) == (False, 2)
    assert "was changed" in result.problem


@pytest.mark.parametrize("reader", READERS, indirect=True)
@pytest.mark.parametrize("batch_size", [1, 4, 50])
def test_a_link_lengthened_and_rehashed_is_named_where_it_was_changed(reader, batch_size):
    """Someone appends to event #6's stored link and recomputes its hash to match: the bytes hashed
    still start with #5's hash, but the link is not #5's hash, and #6 is the event named (not #7,
    whose link no longer matches #6's new hash)."""
    import hashlib

    from haven.audit.verify import _canonical_sql

    _append(10)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT prev_hash, {_canonical_sql(connection.vendor)} FROM audit_auditrecord WHERE sequence = %s",
            [6],
        )
        prev_hash, canonical = cursor.fetchone()
    # PostgreSQL's varchar(64) refuses a longer link; SQLite keeps whatever it is given.
    forged_link = prev_hash[:63] if connection.vendor == "postgresql" else prev_hash + "0"
    canonical = canonical.encode() if isinstance(canonical, str) else canonical  # PostgreSQL: text
    forged_hash = hashlib.sha256(forged_link.encode() + canonical).hexdigest()
    _tamper(
        "UPDATE audit_auditrecord SET prev_hash = %s, hash = %s WHERE sequence = 6",
        [forged_link, forged_hash],
    )
    result = verify_chain(batch_size=batch_size, workers=1)
    assert (result.intact, result.sequence, result.events) == (False, 6, 5)
    assert "event #6" in result.problem
    assert "was inserted" in result.problem


@pytest.mark.django_db
def test_verify_takes_a_number_of_workers_and_refuses_less_than_one(capsys):
    from django.core.management.base import CommandError

    _append(3)
    call_command("audit", "verify", "--workers", "1", "--batch-size", "2")
    assert "3 events verified" in capsys.readouterr().out
    with pytest.raises(CommandError, match="--workers must be a whole number of at least 1"):
        call_command("audit", "verify", "--workers", "0")
    with pytest.raises(CommandError, match="--batch-size must be a whole number of at least 1"):
        call_command("audit", "verify", "--batch-size", "0")


@pytest.mark.django_db
def test_control_characters_never_reach_a_field_so_no_field_can_hold_the_separator():
    """A sign-in attempt may carry any text as its username: stored with U+FFFD for each control
    character, so text cannot be moved across a field boundary without changing the hash."""
    event = record(
        actor=None,
        event=AuditEvent.SIGN_IN_FAILED,
        outcome=Outcome.FAILURE,
        actor_label="mallory\x1f\x1fnull\x00tab\t",
        target_type="user\x1e",
        target_id="42\n",
    )
    event.refresh_from_db()
    assert event.actor_label == "mallory\ufffd\ufffdnull\ufffdtab\ufffd"
    assert (event.target_type, event.target_id) == ("user\ufffd", "42\ufffd")
    assert verify_chain().intact


@pytest.mark.django_db
def test_events_appended_while_verifying_are_left_for_the_next_run(monkeypatch):
    """Haven keeps recording while `haven audit verify` runs (every page view is an event): the chain
    is verified up to its head as it stood when verification began, and later appends are not
    mistaken for tampering."""
    from haven.audit import verify

    _append(7)
    scan = verify._scan

    def scan_while_haven_records(*args, **kwargs):
        _append(2)  # two page views while the verifier reads
        return scan(*args, **kwargs)

    monkeypatch.setattr(verify, "_scan", scan_while_haven_records)
    result = verify_chain(workers=1)
    assert (result.intact, result.events, result.problem) == (True, 7, "")
    monkeypatch.setattr(verify, "_scan", scan)
    assert verify_chain(workers=1).events == 9


@pytest.mark.django_db
def test_a_target_behind_a_lazy_proxy_is_named_by_its_model(persona):
    """request.user is a lazy proxy: the audit page showed 'simplelazyobject <uuid>' for sign-outs and
    password changes."""
    from django.utils.functional import SimpleLazyObject

    user = persona("advocate")
    event = record(actor=None, event=AuditEvent.AGENCY_CHANGED, target=SimpleLazyObject(lambda: user))
    assert (event.target_type, event.target_id) == ("user", str(user.pk))
    assert verify_chain().intact


@pytest.mark.parametrize("key_length", [0, 16, 32, 64, 100])
def test_the_verifiers_precomputed_hmac_is_hmac_sha256(key_length):
    import hmac
    import os

    from haven.audit.chain import link_function

    key = os.urandom(key_length)
    link = link_function(key)
    for message in (b"", b"haven", os.urandom(300), b"\x00" * 70):
        assert link(message) == hmac.digest(key, message, "sha256").hex()
