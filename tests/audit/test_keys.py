"""The audit key: where it lives, how the chain moves to a new one, and a v1 chain re-keyed once."""

from __future__ import annotations

import base64
import hashlib
import importlib
import os
import stat
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from haven.audit import keys
from haven.audit.events import AuditEvent
from haven.audit.models import AuditChainHead, AuditRecord
from haven.audit.services import AuditChainBroken, record
from haven.audit.verify import verify_chain
from tests.audit.tampering import tamper

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_dir(tmp_path, settings):
    """A key directory of this test's own (the embedded default's layout)."""
    directory = tmp_path / "keys"
    settings.HAVEN_AUDIT_KEY = ""
    settings.HAVEN_AUDIT_KEY_FILE = directory / "audit.key"
    keys.clear_cache()
    yield directory
    keys.clear_cache()


def _append(count: int) -> None:
    for i in range(count):
        record(actor=None, event=AuditEvent.AGENCY_CHANGED, actor_label="haven", details={"count": i})


def test_the_embedded_default_creates_the_audit_key_at_first_use_as_a_private_file(key_dir):
    _append(1)
    path = key_dir / "audit.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_dir.stat().st_mode) == 0o700
    assert len(path.read_bytes()) == 32
    assert AuditRecord.objects.get().key_id == keys.key_id_of(path.read_bytes())
    assert verify_chain().intact


def test_an_audit_key_file_others_may_read_is_refused(key_dir):
    _append(1)
    (key_dir / "audit.key").chmod(0o644)
    keys.clear_cache()
    with pytest.raises(keys.AuditKeyError, match="chmod 600"):
        record(actor=None, event=AuditEvent.AGENCY_CHANGED)


def test_the_key_id_does_not_reveal_the_key_and_the_key_is_not_in_the_database(key_dir):
    _append(2)
    key = (key_dir / "audit.key").read_bytes()
    event = AuditRecord.objects.order_by("sequence").first()
    assert event is not None
    assert event.key_id != hashlib.sha256(key).hexdigest()[:16]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM audit_auditrecord")
        dump = repr(cursor.fetchall())
    assert key.hex() not in dump
    assert base64.b64encode(key).decode() not in dump


def test_production_takes_the_audit_key_from_the_environment(settings):
    value = base64.b64encode(os.urandom(32)).decode()
    settings.HAVEN_AUDIT_KEY = value
    keys.clear_cache()
    try:
        _append(2)
        assert AuditRecord.objects.first().key_id == keys.key_id_of(base64.b64decode(value))  # type: ignore[union-attr]
        assert verify_chain().intact
    finally:
        keys.clear_cache()


def test_a_chain_verified_with_another_key_is_not_intact(settings, key_dir):
    """Whoever holds the database but not the key: the chain does not verify under any other key."""
    _append(3)
    settings.HAVEN_AUDIT_KEY = base64.b64encode(os.urandom(32)).decode()
    keys.clear_cache()
    result = verify_chain()
    assert (result.intact, result.kind, result.sequence) == (False, "key", 1)
    with pytest.raises(AuditChainBroken, match="neither the current nor the new key"):
        record(actor=None, event=AuditEvent.AGENCY_CHANGED)


# --- rotation ----------------------------------------------------------------------------------------


def test_rotating_the_key_moves_the_chain_to_it_and_keeps_the_old_key_to_verify_the_past(key_dir, capsys):
    _append(3)
    old = (key_dir / "audit.key").read_bytes()
    call_command("audit", "rotate-key")
    assert "kept as" in capsys.readouterr().out
    new = (key_dir / "audit.key").read_bytes()
    assert new != old
    retired = list(key_dir.glob("audit.key.*.old"))
    assert [path.read_bytes() for path in retired] == [old]
    assert not (key_dir / "audit.key.new").exists()
    _append(2)
    rotation = AuditRecord.objects.get(event_type=AuditEvent.AUDIT_KEY_ROTATED)
    assert rotation.sequence == 4
    assert rotation.key_id == keys.key_id_of(new)
    assert (
        list(AuditRecord.objects.filter(sequence__gt=4).values_list("key_id", flat=True))
        == [keys.key_id_of(new)] * 2
    )
    assert AuditChainHead.objects.get().key_id == keys.key_id_of(new)
    result = verify_chain()
    assert (result.intact, result.events) == (True, 6)
    # without the retired key the events it linked cannot be verified
    retired[0].unlink()
    keys.clear_cache()
    result = verify_chain()
    assert (result.intact, result.kind, result.sequence) == (False, "key", 1)


def test_a_rotation_interrupted_before_its_key_files_moved_is_finished_by_running_it_again(
    key_dir, monkeypatch
):
    _append(2)
    old = (key_dir / "audit.key").read_bytes()

    def crash(stamp: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(keys, "retire_current_key_file", crash)
    with pytest.raises(KeyboardInterrupt):
        call_command("audit", "rotate-key")
    assert (key_dir / "audit.key.new").exists()
    _append(1)  # servers go on, under the new key (read from audit.key.new)
    assert verify_chain().intact
    monkeypatch.undo()
    call_command("audit", "rotate-key")
    assert AuditRecord.objects.filter(event_type=AuditEvent.AUDIT_KEY_ROTATED).count() == 1
    assert [p.read_bytes() for p in key_dir.glob("audit.key.*.old")] == [old]
    keys.clear_cache()
    _append(1)
    assert verify_chain().intact


def test_after_a_rotation_the_retired_key_can_no_longer_extend_the_chain(key_dir):
    """An old key that leaked (the reason to rotate) cannot append: events after the rotation must be
    linked under the new key."""
    _append(2)
    old = (key_dir / "audit.key").read_bytes()
    call_command("audit", "rotate-key")
    _append(1)
    # the leaked old key links a forged event, and the head is moved to it
    from haven.audit.chain import canonical_form, canonical_time, event_link

    last = AuditRecord.objects.order_by("-sequence").first()
    assert last is not None
    old_id = keys.key_id_of(old)
    canonical = canonical_form(
        sequence=last.sequence + 1,
        occurred_at=canonical_time(last.occurred_at),
        actor_id="",
        actor_label="mallory",
        actor_agency_id="",
        subject_agency_id="",
        event_type="sign_in.succeeded",
        target_type="",
        target_id="",
        operation_id="",
        outcome="success",
        client_address="",
        details="{}",
        key_id=old_id,
    )
    AuditRecord.objects.create(
        sequence=last.sequence + 1,
        occurred_at=last.occurred_at,
        actor_label="mallory",
        event_type="sign_in.succeeded",
        outcome="success",
        details="{}",
        prev_hash=last.hash,
        hash=event_link(old, last.hash, canonical),
        key_id=old_id,
    )
    result = verify_chain()
    assert (result.intact, result.sequence) == (False, last.sequence + 1)


def test_a_forged_rotation_to_a_key_the_attacker_made_is_found(key_dir):
    _append(3)
    tamper(
        (
            "UPDATE audit_auditrecord SET event_type = %s, details = %s WHERE sequence = 2",
            [AuditEvent.AUDIT_KEY_ROTATED.value, '{"key_id":"0123456789abcdef","proof":"00"}'],
        )
    )
    result = verify_chain()
    assert (result.intact, result.sequence) == (False, 2)


def test_production_rotation_needs_the_new_key_in_the_environment(settings, monkeypatch):
    from django.core.management.base import CommandError

    settings.HAVEN_AUDIT_KEY = base64.b64encode(os.urandom(32)).decode()
    keys.clear_cache()
    try:
        _append(1)
        with pytest.raises(CommandError, match="HAVEN_AUDIT_KEY_NEW"):
            call_command("audit", "rotate-key")
        new_value = base64.b64encode(os.urandom(32)).decode()
        monkeypatch.setenv("HAVEN_AUDIT_KEY_NEW", new_value)
        call_command("audit", "rotate-key")
        _append(1)  # servers that hold the new key as HAVEN_AUDIT_KEY_NEW link under it
        assert AuditRecord.objects.order_by("-sequence").first().key_id == keys.key_id_of(  # type: ignore[union-attr]
            base64.b64decode(new_value)
        )
        assert verify_chain().intact
        # step 3: the new key becomes current, the old one retired
        monkeypatch.setenv("HAVEN_AUDIT_KEY_RETIRED", settings.HAVEN_AUDIT_KEY)
        monkeypatch.delenv("HAVEN_AUDIT_KEY_NEW")
        settings.HAVEN_AUDIT_KEY = new_value
        keys.clear_cache()
        _append(1)
        assert verify_chain().intact
    finally:
        keys.clear_cache()


# --- a v1 chain (plain SHA-256) from before ----------------------------------------------------------


def _migration():
    return importlib.import_module("haven.audit.migrations.0004_rekey_v1_chain")


def _write_v1_chain(count: int) -> None:
    """Events as the v1 code linked them: SHA-256 over the previous hash and the v1 canonical form."""
    from datetime import UTC, datetime, timedelta

    migration = _migration()
    prev = "0" * 64
    rows = []
    for sequence in range(1, count + 1):
        event = AuditRecord(
            sequence=sequence,
            occurred_at=datetime(2026, 12, 1, 9, tzinfo=UTC) + timedelta(seconds=sequence),
            actor_label="haven",
            event_type="agency.changed",
            outcome="success",
            details=f'{{"count":{sequence}}}',
            prev_hash=prev,
            key_id="",
        )
        canonical = migration.SEPARATOR.join([migration.V1, *migration._fields(event)])
        event.hash = hashlib.sha256((prev + canonical).encode()).hexdigest()
        prev = event.hash
        rows.append(event)
    tamper(("DELETE FROM audit_auditchainhead", []))
    from tests.audit.tampering import triggers_off

    with triggers_off():
        AuditRecord.objects.bulk_create(rows)
        AuditChainHead.objects.create(pk=1, sequence=count, hash=prev, key_id="")


def test_an_intact_v1_chain_is_re_keyed_once_and_then_verifies(key_dir):
    _write_v1_chain(5)
    assert not verify_chain().intact
    assert _migration().rekey_v1_chain(AuditRecord, AuditChainHead, connection) == 5
    assert verify_chain().intact
    _append(1)
    assert verify_chain().events == 6
    assert _migration().rekey_v1_chain(AuditRecord, AuditChainHead, connection) == 0


def test_a_broken_v1_chain_is_not_re_keyed(key_dir):
    _write_v1_chain(5)
    tamper(("UPDATE audit_auditrecord SET outcome = 'denied' WHERE sequence = 3", []))
    with pytest.raises(RuntimeError, match="does not verify at event #3"):
        _migration().rekey_v1_chain(AuditRecord, AuditChainHead, connection)
    assert set(AuditRecord.objects.values_list("key_id", flat=True)) == {""}


def test_the_test_settings_keep_the_audit_key_in_the_data_directory():
    assert Path(settings.HAVEN_AUDIT_KEY_FILE).parent == Path(settings.DATA_DIR) / "keys"
    with override_settings(HAVEN_AUDIT_KEY=""):
        assert keys.audit_key_ring().embedded
