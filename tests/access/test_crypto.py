"""Sealing compartment-only text (access-policy.md, "Encryption at rest"): bound to its place, never empty
on failure, and absent from the raw database and its dump."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pytest_django.fixtures import DjangoAssertNumQueries, DjangoCaptureOnCommitCallbacks, Settings

from haven.access import keys
from haven.access.crypto import SealBroken, UnknownAgency, seal, seal_for, unseal, unseal_for
from haven.access.models import AgencyDataKey
from haven.accounts.models import Agency
from haven.audit.models import AuditRecord
from tests.access.crypto_models import OtherSealedNote, SealedNote, sealed_note_tables
from tests.personas import agency

__all__ = ["sealed_note_tables"]  # imported for pytest, which finds the fixture by name
pytestmark = pytest.mark.usefixtures("sealed_note_tables")

NOTE = (
    "Client asked that her sister in Manila not be contacted; prefers Tagalog; shelter bed at Harbor House."
)


@pytest.fixture(autouse=True)
def key_file(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Each test its own embedded key file, and no cached key from another test."""
    settings.HAVEN_KEK = ""
    settings.HAVEN_KEK_FILE = tmp_path / "keys" / "kek.key"
    monkeypatch.delenv("HAVEN_KEK_NEW", raising=False)
    monkeypatch.delenv("HAVEN_KEK_RETIRED", raising=False)
    keys.clear_caches()
    yield settings.HAVEN_KEK_FILE
    keys.clear_caches()


@pytest.fixture
def harbor(db: None) -> Agency:
    return agency("harbor-vs")


@pytest.fixture
def legal_aid(db: None) -> Agency:
    return agency("legal-aid")


def place(owner: Agency, **changes: object) -> dict[str, object]:
    where: dict[str, object] = {
        "agency_id": owner.pk,
        "table": "encounters_needs_assessment",
        "field": "notes_sealed",
        "row_id": uuid.UUID("6f1c1b7e-2d1a-4c55-9a4e-0b7f3c2e9d11"),
    }
    where.update(changes)
    return where


# --- round trip ------------------------------------------------------------------------------------------


def test_sealed_text_opens_in_its_place(harbor: Agency) -> None:
    sealed = seal(**place(harbor), plaintext=NOTE)

    assert NOTE.encode() not in sealed
    assert sealed[0] == 1
    assert len(sealed) == len(NOTE.encode()) + 45
    assert unseal(**place(harbor), sealed=sealed) == NOTE


def test_each_seal_uses_a_fresh_nonce(harbor: Agency) -> None:
    first = seal(**place(harbor), plaintext=NOTE)
    second = seal(**place(harbor), plaintext=NOTE)

    assert first[17:29] != second[17:29]
    assert first != second


def test_empty_text_round_trips_as_empty_and_is_not_an_empty_value(harbor: Agency) -> None:
    sealed = seal(**place(harbor), plaintext="")

    assert len(sealed) == 45
    assert unseal(**place(harbor), sealed=sealed) == ""
    with pytest.raises(SealBroken, match="holds no sealed value"):
        unseal(**place(harbor), sealed=b"")
    with pytest.raises(SealBroken, match="holds no sealed value"):
        unseal(**place(harbor), sealed=None)


@pytest.mark.parametrize(
    "text",
    [
        "Necesita un intérprete de español; teme a la señora «Rosa».",
        "她说护照被老板拿走了。",
        "Права на проживание нет; просит адвоката.",
        "لا تتصلوا بعائلتها",
        "Needs: 🛏️ bed, 🩺 clinic, 📞 call mother — not today",
        "line one\nline two\ttabbed\r\n\x00 after a NUL",
    ],
)
def test_non_ascii_text_round_trips(harbor: Agency, text: str) -> None:
    sealed = seal(**place(harbor), plaintext=text)

    assert text.encode() not in sealed
    assert unseal(**place(harbor), sealed=sealed) == text


def test_a_memoryview_from_the_database_driver_opens(harbor: Agency) -> None:
    sealed = seal(**place(harbor), plaintext=NOTE)

    assert unseal(**place(harbor), sealed=memoryview(sealed)) == NOTE


def test_row_id_spellings_of_one_uuid_are_one_place(harbor: Agency) -> None:
    row = uuid.UUID("6f1c1b7e-2d1a-4c55-9a4e-0b7f3c2e9d11")
    sealed = seal(**place(harbor, row_id=row), plaintext=NOTE)

    assert unseal(**place(harbor, row_id=str(row)), sealed=sealed) == NOTE
    assert unseal(**place(harbor, row_id=row.hex), sealed=sealed) == NOTE


# --- bound to its place ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("component", "elsewhere"),
    [
        ("row_id", uuid.UUID("0a8e3f52-77c4-4f0e-8d0c-5b7d2a1e6c90")),
        ("field", "summary_sealed"),
        ("table", "encounters_attorney_note"),
    ],
)
def test_a_seal_moved_to_another_row_field_or_table_is_broken(
    harbor: Agency, component: str, elsewhere: object
) -> None:
    sealed = seal(**place(harbor), plaintext=NOTE)

    with pytest.raises(SealBroken, match="authentication failed") as broken:
        unseal(**place(harbor, **{component: elsewhere}), sealed=sealed)

    moved_to = place(harbor, **{component: elsewhere})
    message = str(broken.value)
    assert f"{moved_to['table']}.{moved_to['field']}" in message
    assert str(moved_to["row_id"]) in message
    assert NOTE not in message


def test_a_seal_moved_to_another_agency_is_broken(harbor: Agency, legal_aid: Agency) -> None:
    seal(**place(legal_aid), plaintext="legal aid's own note")
    sealed = seal(**place(harbor), plaintext=NOTE)

    with pytest.raises(SealBroken, match="data key of another agency") as broken:
        unseal(**place(legal_aid), sealed=sealed)
    assert "encounters_needs_assessment.notes_sealed" in str(broken.value)


def test_a_seal_moved_to_an_agency_without_a_key_is_broken_and_makes_no_key(
    harbor: Agency, legal_aid: Agency
) -> None:
    sealed = seal(**place(harbor), plaintext=NOTE)

    with pytest.raises(SealBroken):
        unseal(**place(legal_aid), sealed=sealed)
    assert not AgencyDataKey.objects.filter(agency=legal_aid).exists()


def test_every_single_changed_byte_breaks_the_seal(harbor: Agency) -> None:
    sealed = seal(**place(harbor), plaintext="Prefers a female interviewer.")

    for index in range(len(sealed)):
        tampered = bytearray(sealed)
        tampered[index] ^= 0x01
        with pytest.raises(SealBroken):
            unseal(**place(harbor), sealed=bytes(tampered))


def test_a_truncated_or_extended_seal_is_broken(harbor: Agency) -> None:
    sealed = seal(**place(harbor), plaintext=NOTE)

    for damaged in (sealed[:-1], sealed[:44], sealed[:1], sealed + b"\x00"):
        with pytest.raises(SealBroken):
            unseal(**place(harbor), sealed=damaged)


def test_a_seal_from_another_installation_names_the_missing_data_key(harbor: Agency) -> None:
    sealed = bytearray(seal(**place(harbor), plaintext=NOTE))
    stranger = uuid.UUID("9d5e0c4b-1f2a-4b3c-8d7e-6a5b4c3d2e1f")
    sealed[1:17] = stranger.bytes

    with pytest.raises(SealBroken, match=f"data key {stranger}, which this database does not hold"):
        unseal(**place(harbor), sealed=bytes(sealed))


def test_a_bad_place_is_refused_before_anything_is_sealed(harbor: Agency) -> None:
    with pytest.raises(ValueError, match="row_id is required"):
        seal(**place(harbor, row_id=None), plaintext=NOTE)
    with pytest.raises(ValueError, match="table must be a non-empty name"):
        seal(**place(harbor, table=""), plaintext=NOTE)
    with pytest.raises(TypeError, match="only text is sealed"):
        seal(**place(harbor), plaintext=b"bytes")
    assert not AgencyDataKey.objects.exists()


def test_sealing_for_an_agency_that_does_not_exist_is_refused(db: None) -> None:
    with pytest.raises(UnknownAgency, match="no agency"):
        seal(
            agency_id=uuid.UUID("11111111-2222-4333-8444-555555555555"),
            table="encounters_needs_assessment",
            field="notes_sealed",
            row_id=uuid.uuid4(),
            plaintext=NOTE,
        )
    assert not AgencyDataKey.objects.exists()


# --- data keys -------------------------------------------------------------------------------------------


def test_an_agency_gets_one_data_key_at_its_first_seal_and_it_is_audited(harbor: Agency) -> None:
    assert not AgencyDataKey.objects.filter(agency=harbor).exists()

    seal(**place(harbor), plaintext=NOTE)
    seal(**place(harbor, field="summary_sealed"), plaintext=NOTE)

    data_key = AgencyDataKey.objects.get(agency=harbor)
    assert len(bytes(data_key.wrapped_key)) == 61
    assert data_key.kek_id == keys.key_ring().current.kek_id
    created = AuditRecord.objects.filter(event_type="keys.data_key_created")
    assert [(event.subject_agency_id, event.target_id) for event in created] == [
        (harbor.pk, str(data_key.pk))
    ]


@transaction.atomic
def _seal_then_fail(owner: Agency) -> None:
    seal(**place(owner), plaintext="rolled back")
    raise RuntimeError("the service failed")


def test_a_rolled_back_data_key_is_never_used_again(
    harbor: Agency, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError, match="the service failed"):
            _seal_then_fail(harbor)
        assert not AgencyDataKey.objects.exists()

        sealed = seal(**place(harbor), plaintext=NOTE)

    kept = AgencyDataKey.objects.get(agency=harbor)
    assert uuid.UUID(bytes=sealed[1:17]) == kept.pk
    keys.clear_caches()
    assert unseal(**place(harbor), sealed=sealed) == NOTE


def test_a_committed_data_key_is_served_from_memory(
    harbor: Agency,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        sealed = seal(**place(harbor), plaintext=NOTE)

    with django_assert_num_queries(0):
        again = seal(**place(harbor), plaintext=NOTE)
        assert unseal(**place(harbor), sealed=sealed) == NOTE
        assert unseal(**place(harbor), sealed=again) == NOTE


def test_a_data_key_created_in_the_open_transaction_is_served_from_memory_within_it(
    harbor: Agency, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    # the test's own transaction never commits: like one long service transaction (an exercise load)
    first = seal(**place(harbor), plaintext=NOTE)

    with django_assert_num_queries(0):
        again = seal(**place(harbor), plaintext=NOTE)
        assert unseal(**place(harbor), sealed=first) == NOTE
        assert unseal(**place(harbor), sealed=again) == NOTE


def test_a_data_key_of_a_rolled_back_savepoint_is_forgotten_within_the_transaction(harbor: Agency) -> None:
    with pytest.raises(RuntimeError, match="the service failed"):
        _seal_then_fail(harbor)

    sealed = seal(**place(harbor), plaintext=NOTE)

    kept = AgencyDataKey.objects.get(agency=harbor)
    assert uuid.UUID(bytes=sealed[1:17]) == kept.pk
    assert unseal(**place(harbor), sealed=sealed) == NOTE


def test_a_second_process_creating_the_same_agency_key_uses_the_first(harbor: Agency) -> None:
    sealed = seal(**place(harbor), plaintext=NOTE)
    keys.clear_caches()

    # Another process lost the race: its insert collides with the active key, and it adopts that key.
    adopted = keys._create_data_key(harbor.pk)

    assert adopted.id == AgencyDataKey.objects.get(agency=harbor).pk
    assert AgencyDataKey.objects.filter(agency=harbor).count() == 1
    assert unseal(**place(harbor), sealed=sealed) == NOTE


# --- the model-field pattern -----------------------------------------------------------------------------


def test_encrypted_text_seals_on_assignment_and_opens_on_reading(harbor: Agency) -> None:
    note = SealedNote(agency_id=harbor.pk, label="needs assessment", body=NOTE, summary="")
    note.save()

    stored = SealedNote.objects.get(pk=note.pk)
    assert NOTE.encode() not in bytes(stored.body_sealed)
    assert stored.body == NOTE
    assert stored.summary == ""
    assert unseal_for(stored, "body_sealed", harbor.pk) == NOTE
    assert (
        unseal(
            agency_id=harbor.pk,
            table="crypto_tests_sealed_note",
            field="body_sealed",
            row_id=note.pk,
            sealed=stored.body_sealed,
        )
        == NOTE
    )


def test_seal_for_and_unseal_for_without_the_descriptor(harbor: Agency) -> None:
    note = SealedNote(agency_id=harbor.pk, label="attorney note")
    seal_for(note, "body_sealed", harbor.pk, "Eligible for a T visa; gather I-914 Supplement B.")
    seal_for(note, "summary_sealed", harbor.pk, "")
    note.save()

    stored = SealedNote.objects.get(pk=note.pk)
    assert unseal_for(stored, "body_sealed", harbor.pk) == "Eligible for a T visa; gather I-914 Supplement B."


def test_a_text_never_sealed_is_refused_not_shown_empty(harbor: Agency) -> None:
    note = SealedNote(agency_id=harbor.pk, label="no summary", body=NOTE)
    note.save()

    stored = SealedNote.objects.get(pk=note.pk)
    with pytest.raises(SealBroken, match=r"crypto_tests_sealed_note\.summary_sealed"):
        _ = stored.summary


def test_only_a_binary_field_holds_sealed_text(harbor: Agency) -> None:
    note = SealedNote(agency_id=harbor.pk, label="x")

    with pytest.raises(TypeError, match="must be a BinaryField"):
        seal_for(note, "label", harbor.pk, NOTE)


def test_sealed_bytes_copied_between_rows_fields_tables_or_agencies_in_the_database_do_not_open(
    harbor: Agency, legal_aid: Agency
) -> None:
    # given: two rows of harbor, one row in another table, one row of legal aid
    first = SealedNote.objects.create(agency_id=harbor.pk, label="first", body=NOTE, summary="short")
    second = SealedNote.objects.create(agency_id=harbor.pk, label="second", body="other", summary="")
    other_table = OtherSealedNote.objects.create(agency_id=harbor.pk, label="other", body="x", summary="")
    theirs = SealedNote.objects.create(agency_id=legal_aid.pk, label="theirs", body="x", summary="")
    stolen = bytes(SealedNote.objects.get(pk=first.pk).body_sealed)

    # when: someone with write access to the database moves the sealed bytes
    SealedNote.objects.filter(pk=second.pk).update(body_sealed=stolen)
    SealedNote.objects.filter(pk=first.pk).update(summary_sealed=stolen)
    OtherSealedNote.objects.filter(pk=other_table.pk).update(body_sealed=stolen)
    SealedNote.objects.filter(pk=theirs.pk).update(body_sealed=stolen, agency_id=legal_aid.pk)

    # then: each read fails, naming the place; nothing reads as empty
    with pytest.raises(SealBroken, match=f"crypto_tests_sealed_note.body_sealed for row {second.pk}"):
        _ = SealedNote.objects.get(pk=second.pk).body
    with pytest.raises(SealBroken, match=f"crypto_tests_sealed_note.summary_sealed for row {first.pk}"):
        _ = SealedNote.objects.get(pk=first.pk).summary
    with pytest.raises(SealBroken, match=r"crypto_tests_other_sealed_note\.body_sealed"):
        _ = OtherSealedNote.objects.get(pk=other_table.pk).body
    with pytest.raises(SealBroken, match="another agency"):
        _ = SealedNote.objects.get(pk=theirs.pk).body
    assert SealedNote.objects.get(pk=first.pk).body == NOTE


# --- a dump of the database holds none of that text ------------------------------------------------------


def _seal_markers(owners: list[Agency]) -> tuple[list[str], str]:
    """Rows whose sealed texts carry unique markers, and a marker stored plainly as the control."""
    markers = []
    run = uuid.uuid4().hex[:12]
    control = f"PLAIN-CONTROL-{run}"
    for number, owner in enumerate(owners):
        body = f"SEALED-BODY-{run}-{number} client disclosed her employer's address"
        summary = f"SEALED-SUMMARY-{run}-{number} önskar tolk på svenska"
        SealedNote.objects.create(agency_id=owner.pk, label=control, body=body, summary=summary)
        markers += [body, summary]
    return markers, control


def _assert_markers_absent(raw: bytes, markers: list[str], control: str, what: str) -> None:
    assert control.encode() in raw, (
        f"the control marker is missing from {what}: the search would prove nothing"
    )
    for marker in markers:
        for form in (marker.encode(), marker.encode().hex().encode(), marker.encode("utf-16-le")):
            assert form not in raw, f"{what} holds sealed text in the clear"
        assert marker.split(" ", 1)[0].encode() not in raw


def _unwrapped_keys(owners: list[Agency]) -> list[bytes]:
    return [keys.active_data_key(owner.pk).key for owner in owners]


def _raw_storage() -> tuple[bytes, str]:
    """The bytes the database keeps on disk: the SQLite file (and its write-ahead log); on PostgreSQL the
    test table's heap file, after a checkpoint has written it out (read as the superuser the suite runs as)."""
    if connection.vendor == "sqlite":
        database = Path(connection.settings_dict["NAME"])
        with sqlite3.connect(database) as reader:  # fold the write-ahead log into the file first
            reader.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        wal = database.with_name(database.name + "-wal")
        return database.read_bytes() + (
            wal.read_bytes() if wal.exists() else b""
        ), f"the SQLite file {database}"
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")
        cursor.execute("SELECT pg_relation_filepath(%s)", [SealedNote._meta.db_table])
        (relation,) = cursor.fetchone()
        cursor.execute("SELECT pg_read_binary_file(%s)", [relation])
        (heap,) = cursor.fetchone()
    return bytes(heap), f"the PostgreSQL heap file {relation}"


@pytest.mark.django_db(transaction=True)
def test_the_stored_database_holds_none_of_the_sealed_text() -> None:
    owners = [agency("harbor-vs"), agency("legal-aid"), agency("bay-vs")]
    markers, control = _seal_markers(owners)
    data_keys = _unwrapped_keys(owners)

    raw, what = _raw_storage()

    _assert_markers_absent(raw, markers, control, what)
    assert not any(key in raw for key in data_keys), f"an unwrapped data key is in {what}"
    readable = [note.body for note in SealedNote.objects.filter(label=control)]
    assert sorted(readable) == sorted(m for m in markers if m.startswith("SEALED-BODY"))
    SealedNote.objects.all().delete()


def _pg_dump() -> str:
    found = shutil.which("pg_dump") or next(
        iter(sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_dump"), reverse=True)), None
    )
    if found is None:
        pytest.fail("pg_dump is needed to search a dump of the database: install postgresql-client")
    return str(found)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_pg_dump_holds_none_of_the_sealed_text() -> None:
    owners = [agency("harbor-vs"), agency("legal-aid"), agency("bay-vs")]
    markers, control = _seal_markers(owners)
    data_keys = _unwrapped_keys(owners)
    connection.ensure_connection()
    info = connection.connection.info  # where the live connection actually goes (socket or host, port, role)
    command = [
        _pg_dump(),
        "--no-owner",
        "--dbname",
        info.dbname,
        "--host",
        info.host,
        "--port",
        str(info.port),
    ]
    command += ["--username", info.user]
    env = {"PATH": "/usr/bin:/bin", "PGPASSWORD": info.password or ""}

    done = subprocess.run(command, check=False, capture_output=True, env=env)

    assert done.returncode == 0, done.stderr.decode()
    dump = done.stdout
    assert b"crypto_tests_sealed_note" in dump
    _assert_markers_absent(dump, markers, control, "the pg_dump")
    assert not any(key.hex().encode() in dump for key in data_keys), "an unwrapped data key is in the dump"
    SealedNote.objects.all().delete()


# --- any text --------------------------------------------------------------------------------------------


@hypothesis_settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.text(),
    table=st.text(min_size=1, max_size=40),
    field=st.text(min_size=1, max_size=40),
    row_id=st.one_of(st.uuids(), st.integers(min_value=0), st.text(min_size=1, max_size=40)),
)
def test_any_text_comes_back_from_any_place(
    harbor: Agency, text: str, table: str, field: str, row_id: object
) -> None:
    where = {"agency_id": harbor.pk, "table": table, "field": field, "row_id": row_id}

    sealed = seal(**where, plaintext=text)

    assert unseal(**where, sealed=sealed) == text
