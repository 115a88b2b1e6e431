"""Key-encryption keys (key file or environment), data keys, and `haven keys rotate`: every failure says
what is wrong, and rotation keeps everything readable."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pytest_django.fixtures import Settings

from haven.access import keys
from haven.access.crypto import SealBroken, seal, unseal
from haven.access.keys import (
    DataKeyUnwrapFailed,
    KekConfigurationError,
    KekFileInsecure,
    KekInvalid,
    UnknownKek,
)
from haven.access.models import AgencyDataKey
from haven.accounts.models import Agency
from haven.audit.models import AuditRecord
from tests.personas import agency

OLD_KEK = bytes(range(32))
NEW_KEK = bytes(range(100, 132))
THIRD_KEK = bytes(range(200, 232))


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


def kek_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:16]


@pytest.fixture(autouse=True)
def key_file(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    settings.HAVEN_KEK = ""
    settings.HAVEN_KEK_FILE = tmp_path / "data" / "keys" / "kek.key"
    monkeypatch.delenv("HAVEN_KEK_NEW", raising=False)
    monkeypatch.delenv("HAVEN_KEK_RETIRED", raising=False)
    keys.clear_caches()
    yield settings.HAVEN_KEK_FILE
    keys.clear_caches()


@pytest.fixture
def owners(db: None) -> list[Agency]:
    return [agency("harbor-vs"), agency("legal-aid"), agency("metro-pd")]


Sealed = tuple[dict[str, object], str, bytes]


def seal_several(owners: list[Agency]) -> list[Sealed]:
    """Three texts per agency, in two tables and fields."""
    sealed = []
    for owner in owners:
        for number, (table, field) in enumerate(
            [
                ("encounters_needs", "notes_sealed"),
                ("encounters_needs", "summary_sealed"),
                ("attorney", "body"),
            ]
        ):
            where: dict[str, object] = {
                "agency_id": owner.pk,
                "table": table,
                "field": field,
                "row_id": uuid.uuid4(),
            }
            text = f"{owner.slug} note {number}: prefers to be called Mei; safe contact after 6 pm"
            sealed.append((where, text, seal(**where, plaintext=text)))
    return sealed


def assert_all_open(sealed: list[Sealed]) -> None:
    keys.clear_caches()  # as a freshly started process would read them
    for where, text, blob in sealed:
        assert unseal(**where, sealed=blob) == text


def kek_ids_by_agency() -> dict[str, str]:
    return {row.agency.slug: row.kek_id for row in AgencyDataKey.objects.select_related("agency")}


def rotate(*args: str) -> str:
    out = io.StringIO()
    call_command("keys", "rotate", *args, stdout=out)
    return out.getvalue()


def write_key_file(path: Path, key: bytes, mode: int = 0o600) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.parent.chmod(0o700)
    path.write_bytes(key)
    path.chmod(mode)


# --- the embedded key file -------------------------------------------------------------------------------


def test_the_key_file_is_created_at_first_use_0600_in_a_0700_directory(
    key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: a umask that would leave new files world-readable
    previous_umask = os.umask(0)
    modes_when_linked: list[int] = []
    real_link = os.link

    def watching_link(source: os.PathLike[str], target: os.PathLike[str]) -> None:
        modes_when_linked.append(stat.S_IMODE(Path(source).stat().st_mode))
        real_link(source, target)

    monkeypatch.setattr(os, "link", watching_link)
    try:
        assert not key_file.exists()

        ring = keys.key_ring()
    finally:
        os.umask(previous_umask)

    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    assert modes_when_linked == [0o600]  # already private before it had its name
    assert key_file.read_bytes() == ring.current.key
    assert len(ring.current.key) == 32
    assert ring.current.kek_id == kek_id(key_file.read_bytes())
    assert [p.name for p in key_file.parent.iterdir()] == ["kek.key"]  # no temporary file left


def test_the_same_key_file_is_used_again(key_file: Path) -> None:
    first = keys.key_ring().current.key
    keys.clear_caches()

    assert keys.key_ring().current.key == first


def test_a_world_readable_key_file_is_refused_with_the_fix(key_file: Path) -> None:
    write_key_file(key_file, OLD_KEK, mode=0o644)

    with pytest.raises(KekFileInsecure) as refused:
        keys.key_ring()

    assert f"chmod 600 {key_file}" in str(refused.value)
    assert "0644" in str(refused.value)


def test_a_key_directory_others_can_enter_is_refused_with_the_fix(key_file: Path) -> None:
    write_key_file(key_file, OLD_KEK)
    key_file.parent.chmod(0o755)

    with pytest.raises(KekFileInsecure, match=f"chmod 700 {key_file.parent}"):
        keys.key_ring()


def test_a_key_file_of_the_wrong_length_is_refused(key_file: Path) -> None:
    write_key_file(key_file, OLD_KEK + b"\n")

    with pytest.raises(KekInvalid, match="exactly 32 random bytes"):
        keys.key_ring()


def test_a_symbolic_link_as_key_file_is_refused(key_file: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.key"
    elsewhere.write_bytes(OLD_KEK)
    elsewhere.chmod(0o600)
    key_file.parent.mkdir(parents=True, mode=0o700)
    key_file.symlink_to(elsewhere)

    with pytest.raises(KekConfigurationError, match="not a symbolic link"):
        keys.key_ring()


# --- the production key from the environment -------------------------------------------------------------


def test_the_production_key_comes_from_haven_kek_and_no_file_is_made(
    settings: Settings, key_file: Path, owners: list[Agency]
) -> None:
    settings.HAVEN_KEK = b64(OLD_KEK)

    sealed = seal_several(owners)

    ring = keys.key_ring()
    assert (ring.current.key, ring.current.source, ring.embedded) == (OLD_KEK, "HAVEN_KEK", False)
    assert not key_file.exists()
    assert set(kek_ids_by_agency().values()) == {kek_id(OLD_KEK)}
    assert_all_open(sealed)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("this is not base64 at all!", "not valid base64"),
        (b64(OLD_KEK[:16]), "decodes to 16 bytes"),
        (b64(OLD_KEK + b"!"), "decodes to 33 bytes"),
        (OLD_KEK.hex(), "decodes to 48 bytes"),
    ],
)
def test_a_bad_haven_kek_is_refused_naming_the_variable(settings: Settings, value: str, problem: str) -> None:
    settings.HAVEN_KEK = value

    with pytest.raises(KekInvalid) as refused:
        keys.key_ring()

    message = str(refused.value)
    assert message.startswith("HAVEN_KEK ")
    assert problem in message
    assert value not in message  # the secret is never echoed


def test_a_bad_new_or_retired_key_is_refused_naming_its_variable(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.HAVEN_KEK = b64(OLD_KEK)
    monkeypatch.setenv("HAVEN_KEK_NEW", "short")
    with pytest.raises(KekInvalid, match=r"^HAVEN_KEK_NEW "):
        keys.key_ring(fresh=True)

    monkeypatch.delenv("HAVEN_KEK_NEW")
    monkeypatch.setenv("HAVEN_KEK_RETIRED", f"{b64(NEW_KEK)},{b64(b'x')}")
    with pytest.raises(KekInvalid, match=r"^HAVEN_KEK_RETIRED \(item 2\) "):
        keys.key_ring(fresh=True)


# --- keys that do not open -------------------------------------------------------------------------------


def test_a_data_key_wrapped_by_an_unknown_kek_says_which_key_is_missing(
    key_file: Path, owners: list[Agency]
) -> None:
    sealed = seal_several(owners[:1])
    wrapped_by = keys.key_ring().current.kek_id

    # the key file is replaced by another one (lost, or restored from the wrong backup)
    key_file.unlink()
    write_key_file(key_file, NEW_KEK)
    keys.clear_caches()

    where, _, blob = sealed[0]
    with pytest.raises(UnknownKek) as refused:
        unseal(**where, sealed=blob)
    message = str(refused.value)
    assert f"wrapped by the key-encryption key {wrapped_by}" in message
    assert "agency harbor-vs" in message
    assert kek_id(NEW_KEK) in message
    assert "Restore that key from your key backup" in message


def test_an_altered_wrapped_key_fails_to_unwrap(
    owners: list[Agency],
) -> None:
    sealed = seal_several(owners[:1])
    row = AgencyDataKey.objects.get(agency=owners[0])
    altered = bytearray(bytes(row.wrapped_key))
    altered[20] ^= 0xFF
    AgencyDataKey.objects.filter(pk=row.pk).update(wrapped_key=bytes(altered))
    keys.clear_caches()

    where, _, blob = sealed[0]
    with pytest.raises(DataKeyUnwrapFailed, match="authentication failed") as refused:
        unseal(**where, sealed=blob)
    assert f"key-encryption key {row.kek_id}" in str(refused.value)


def test_a_data_key_naming_one_kek_but_wrapped_by_another_fails_to_unwrap(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, owners: list[Agency]
) -> None:
    # given: harbor's data key wrapped by the old key, its row relabelled as if the new key had wrapped it
    settings.HAVEN_KEK = b64(OLD_KEK)
    where, _, blob = seal_several(owners[:1])[0]
    AgencyDataKey.objects.update(kek_id=kek_id(NEW_KEK))
    monkeypatch.setenv("HAVEN_KEK_RETIRED", b64(NEW_KEK))
    keys.clear_caches()

    with pytest.raises(DataKeyUnwrapFailed) as refused:
        unseal(**where, sealed=blob)

    message = str(refused.value)
    assert (
        f"does not open with the key-encryption key {kek_id(NEW_KEK)} from HAVEN_KEK_RETIRED (item 1)"
        in message
    )
    assert "holds a different key than the one that wrapped it" in message


def test_a_wrapped_key_copied_to_another_agency_does_not_unwrap(owners: list[Agency]) -> None:
    harbor, legal_aid = owners[:2]
    sealed = seal_several([harbor, legal_aid])
    theirs = AgencyDataKey.objects.get(agency=harbor)
    AgencyDataKey.objects.filter(agency=legal_aid).update(wrapped_key=theirs.wrapped_key)
    keys.clear_caches()

    legal_aid_text = next(item for item in sealed if item[0]["agency_id"] == legal_aid.pk)
    with pytest.raises(DataKeyUnwrapFailed, match="agency legal-aid"):
        unseal(**legal_aid_text[0], sealed=legal_aid_text[2])


def test_a_seal_made_under_a_replaced_data_key_is_broken_not_empty(owners: list[Agency]) -> None:
    where, _, blob = seal_several(owners[:1])[0]
    AgencyDataKey.objects.all().delete()
    keys.clear_caches()

    with pytest.raises(SealBroken, match="which this database does not hold"):
        unseal(**where, sealed=blob)


# --- rotation, embedded ----------------------------------------------------------------------------------


def test_rotating_the_key_file_keeps_everything_readable(key_file: Path, owners: list[Agency]) -> None:
    sealed = seal_several(owners)
    old_key = key_file.read_bytes()

    output = rotate()

    new_key = key_file.read_bytes()
    assert new_key != old_key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    (kept,) = key_file.parent.glob("kek.key.*.old")
    assert kept.read_bytes() == old_key
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert not (key_file.parent / "kek.key.new").exists()
    assert set(kek_ids_by_agency().values()) == {kek_id(new_key)}
    assert "3 data keys re-wrapped" in output
    assert str(kept) in output
    assert "no .old key file is needed to run" in output
    assert_all_open(sealed)
    # and after the operator has moved the old key file away
    kept.unlink()
    assert_all_open(sealed)


def test_rotation_is_audited(owners: list[Agency]) -> None:
    seal_several(owners)
    old = keys.key_ring().current.kek_id

    rotate()

    event = AuditRecord.objects.get(event_type="keys.rotated")
    new = kek_ids_by_agency()["harbor-vs"]
    assert (event.actor_id, event.actor_label, event.target_id) == (None, "haven keys rotate", new)
    assert event.details == (
        '{"agencies":["harbor-vs","legal-aid","metro-pd"],"authenticators":0,"count":3,"kek_id":"'
        + new
        + '","kek_source":"key file","previous_kek_ids":["'
        + old
        + '"]}'
    )


def test_rotating_one_agency_moves_only_its_key_and_keeps_the_rest_readable(
    key_file: Path, owners: list[Agency]
) -> None:
    sealed = seal_several(owners)
    old = kek_id(key_file.read_bytes())

    output = rotate("--agency", "legal-aid")

    new = kek_id(key_file.read_bytes())
    assert kek_ids_by_agency() == {"harbor-vs": old, "legal-aid": new, "metro-pd": old}
    assert f"Data keys still wrapped by earlier keys: {old} (2 data keys)" in output
    event = AuditRecord.objects.get(event_type="keys.rotated")
    assert event.subject_agency_id == owners[1].pk
    assert '"count":1' in event.details
    assert_all_open(sealed)

    # a full rotation afterwards moves every agency to one new key
    rotate()
    assert len(set(kek_ids_by_agency().values())) == 1
    assert len(list(key_file.parent.glob("kek.key.*.old"))) == 2
    assert_all_open(sealed)


def test_a_data_key_created_after_rotation_uses_the_new_key_file(
    key_file: Path, owners: list[Agency]
) -> None:
    seal_several(owners[:1])
    rotate()

    sealed = seal_several(owners[1:2])

    assert kek_ids_by_agency()["legal-aid"] == kek_id(key_file.read_bytes())
    assert_all_open(sealed)


def test_an_interrupted_rotation_changes_nothing_and_the_next_run_finishes_it(
    key_file: Path, owners: list[Agency], monkeypatch: pytest.MonkeyPatch
) -> None:
    sealed = seal_several(owners)
    before = kek_ids_by_agency()
    old_key = key_file.read_bytes()
    real_record = keys.record

    def audit_down(**kwargs: object) -> object:
        raise RuntimeError("the audit trail is unavailable")

    monkeypatch.setattr(keys, "record", audit_down)
    with pytest.raises(RuntimeError, match="audit trail is unavailable"):
        rotate()

    # then: one transaction, so no data key moved; the old key file is still in place
    assert kek_ids_by_agency() == before
    assert key_file.read_bytes() == old_key
    pending = key_file.parent / "kek.key.new"
    assert stat.S_IMODE(pending.stat().st_mode) == 0o600
    assert_all_open(sealed)

    monkeypatch.setattr(keys, "record", real_record)
    rotate()

    assert set(kek_ids_by_agency().values()) == {kek_id(key_file.read_bytes())}
    assert not pending.exists()
    assert_all_open(sealed)


def test_rotation_is_all_or_nothing_when_a_data_key_cannot_be_opened(owners: list[Agency]) -> None:
    sealed = seal_several(owners)
    AgencyDataKey.objects.filter(agency=owners[2]).update(kek_id=kek_id(THIRD_KEK))
    before = kek_ids_by_agency()

    with pytest.raises(CommandError, match="agency metro-pd"):
        rotate()

    assert kek_ids_by_agency() == before
    assert not AuditRecord.objects.filter(event_type="keys.rotated").exists()
    assert_all_open([item for item in sealed if item[0]["agency_id"] != owners[2].pk])


def test_rotating_an_unknown_agency_is_refused(owners: list[Agency]) -> None:
    with pytest.raises(CommandError, match="There is no agency 'nobody'"):
        rotate("--agency", "nobody")


# --- rotation, production --------------------------------------------------------------------------------


def test_rotating_the_environment_key_keeps_everything_readable(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, key_file: Path, owners: list[Agency]
) -> None:
    settings.HAVEN_KEK = b64(OLD_KEK)
    sealed = seal_several(owners)
    monkeypatch.setenv("HAVEN_KEK_NEW", b64(NEW_KEK))

    output = rotate()

    assert set(kek_ids_by_agency().values()) == {kek_id(NEW_KEK)}
    assert "set HAVEN_KEK to the value of HAVEN_KEK_NEW and remove HAVEN_KEK_NEW" in output
    assert f"No data key needs the old key ({kek_id(OLD_KEK)})" in output
    assert '"kek_source":"environment"' in AuditRecord.objects.get(event_type="keys.rotated").details
    assert not key_file.exists()
    assert_all_open(sealed)  # before the swap: HAVEN_KEK_NEW opens them

    # the operator swaps the environment
    settings.HAVEN_KEK = b64(NEW_KEK)
    monkeypatch.delenv("HAVEN_KEK_NEW")
    assert_all_open(sealed)


def test_rotating_one_agency_in_production_needs_the_old_key_kept_as_retired(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, owners: list[Agency]
) -> None:
    settings.HAVEN_KEK = b64(OLD_KEK)
    sealed = seal_several(owners)
    monkeypatch.setenv("HAVEN_KEK_NEW", b64(NEW_KEK))

    output = rotate("--agency", "harbor-vs")

    assert kek_ids_by_agency() == {
        "harbor-vs": kek_id(NEW_KEK),
        "legal-aid": kek_id(OLD_KEK),
        "metro-pd": kek_id(OLD_KEK),
    }
    assert "Keep the old HAVEN_KEK value in HAVEN_KEK_RETIRED" in output
    settings.HAVEN_KEK = b64(NEW_KEK)
    monkeypatch.delenv("HAVEN_KEK_NEW")
    # forgetting the old key: the other agencies' texts cannot be read, and say why
    keys.clear_caches()
    legal_aid_text = next(item for item in sealed if item[0]["agency_id"] == owners[1].pk)
    with pytest.raises(UnknownKek, match=kek_id(OLD_KEK)):
        unseal(**legal_aid_text[0], sealed=legal_aid_text[2])
    # keeping it as retired: everything is readable
    monkeypatch.setenv("HAVEN_KEK_RETIRED", b64(OLD_KEK))
    assert_all_open(sealed)


def test_production_rotation_without_a_new_key_is_refused(settings: Settings, owners: list[Agency]) -> None:
    settings.HAVEN_KEK = b64(OLD_KEK)
    seal_several(owners[:1])

    with pytest.raises(CommandError, match="Set HAVEN_KEK_NEW to the new key-encryption key"):
        rotate()


def test_production_rotation_to_the_same_key_is_refused(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, owners: list[Agency]
) -> None:
    settings.HAVEN_KEK = b64(OLD_KEK)
    monkeypatch.setenv("HAVEN_KEK_NEW", b64(OLD_KEK))

    with pytest.raises(CommandError, match="HAVEN_KEK_NEW holds the same key as HAVEN_KEK"):
        rotate()


# --- status ----------------------------------------------------------------------------------------------


def test_status_names_the_keys_and_what_each_wraps(key_file: Path, owners: list[Agency]) -> None:
    seal_several(owners)
    rotate("--agency", "metro-pd")
    out = io.StringIO()

    call_command("keys", "status", stdout=out)

    old = next(key_file.parent.glob("kek.key.*.old")).read_bytes()
    text = out.getvalue()
    assert f"Current key: {kek_id(key_file.read_bytes())}" in text
    assert f"Earlier key, kept for unwrapping: {kek_id(old)}" in text
    assert f"Wrapped by {kek_id(old)}: 2 data keys (in the key ring)" in text
    assert f"Wrapped by {kek_id(key_file.read_bytes())}: 1 data key (in the key ring)" in text


def test_status_fails_when_a_wrapping_key_is_missing(owners: list[Agency]) -> None:
    seal_several(owners[:1])
    AgencyDataKey.objects.update(kek_id=kek_id(THIRD_KEK))

    with pytest.raises(CommandError, match=kek_id(THIRD_KEK)):
        call_command("keys", "status", stdout=io.StringIO())
