"""Key-encryption keys (KEKs) and the per-agency data keys they wrap: envelope encryption's key half.

The hierarchy (docs/encryption.md): a KEK that never enters the database wraps one 32-byte data key per
agency (`AgencyDataKey`, created at the agency's first seal); the data key seals text (haven/access/crypto.py).

Where the KEKs come from — the *key ring* — is haven/core/keyring.py (a key file in the embedded default,
HAVEN_KEK in production), shared with the authenticators' sealed secrets (haven/accounts/authenticators.py);
its names are re-exported here for the callers of this module.

New data keys are always wrapped by the current key; `kek_rotate` re-wraps them under a new one.
Unwrapped data keys stay in this process's memory, keyed by agency and data key (each entry remembers the
`kek_id` it was unwrapped with); rotation clears them. A data key's bytes never change when it is re-wrapped,
so an entry cached before another process rotated stays correct.
"""

from __future__ import annotations

import os
import secrets
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.signals import setting_changed
from django.db import IntegrityError, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.dispatch import receiver
from django.utils import timezone

from haven.access.models import AgencyDataKey
from haven.accounts.models import Agency
from haven.accounts.selectors import authenticator_kek_ids
from haven.accounts.services import authenticator_secrets_reseal
from haven.audit.events import AuditEvent
from haven.audit.services import record
from haven.core import keyfiles, keyring
from haven.core.keyring import (
    GENERATE_HINT,
    KEY_BYTES,
    EncryptionError,
    Kek,
    KekConfigurationError,
    KekFileInsecure,
    KekInvalid,
    KeyRing,
    UnknownKek,
    find_kek,
    kek_from_base64,
    kek_id_of,
    key_ring,
    pending_path,
    read_key_file,
    write_new_key_file,
)

__all__ = [
    "KEY_BYTES",
    "NONCE_BYTES",
    "DataKey",
    "DataKeyUnwrapFailed",
    "EncryptionError",
    "Kek",
    "KekConfigurationError",
    "KekFileInsecure",
    "KekInvalid",
    "KeyRing",
    "RotationRefused",
    "UnknownAgency",
    "UnknownKek",
    "active_data_key",
    "clear_caches",
    "data_key",
    "data_key_owner",
    "kek_from_base64",
    "kek_id_of",
    "kek_rotate",
    "key_ring",
    "key_status",
    "read_key_file",
    "unwrap",
    "wrap",
]

NONCE_BYTES = 12
WRAP_VERSION = 1
_WRAP_AAD_PREFIX = b"haven.data-key.v1\x00"


class DataKeyUnwrapFailed(EncryptionError):
    """A data key that the key-encryption key with its kek_id does not open: the wrapped key was altered,
    or the key file or variable holds a different key under the same name."""


class UnknownAgency(EncryptionError):
    """A seal for an agency that does not exist: there is nobody to own the data key."""


class RotationRefused(EncryptionError):
    """`haven keys rotate` cannot start; the message says what the operator has to provide."""


@dataclass(frozen=True)
class DataKey:
    """An agency's data key, unwrapped, as the seal and unseal functions use it."""

    id: uuid.UUID
    agency_id: uuid.UUID
    kek_id: str
    key: bytes = field(repr=False)


# --- the data key cache ----------------------------------------------------------------------------------------

_lock = threading.RLock()
_data_keys: dict[tuple[uuid.UUID, uuid.UUID], DataKey] = {}
_active: dict[uuid.UUID, uuid.UUID] = {}


@dataclass(frozen=True)
class _Pending:
    data_key: DataKey
    committed: Callable[[], None]


# Data keys created in a transaction that has not committed yet: never in the process-wide cache before
# the commit, so a rolled-back key can never seal anything; until then each is kept for its own
# connection only, while its on-commit callback shows the transaction still stands.
_uncommitted: set[uuid.UUID] = set()
_pending: WeakKeyDictionary[BaseDatabaseWrapper, dict[uuid.UUID, _Pending]] = WeakKeyDictionary()


def clear_caches() -> None:
    """Forget the key ring and every unwrapped data key (after a rotation, or when settings change)."""
    with _lock:
        keyring.clear_ring()
        _data_keys.clear()
        _active.clear()
        _pending.clear()  # (not _uncommitted: those keys must stay out of the cache until they commit)


@receiver(setting_changed)
def _settings_changed(*, setting: str, **_: Any) -> None:
    if setting.startswith("HAVEN_KEK") or setting in ("DATA_DIR", "DATABASES"):
        clear_caches()


# --- wrapping --------------------------------------------------------------------------------------------


def _wrap_aad(agency_id: uuid.UUID, key_id: uuid.UUID) -> bytes:
    # Binds a wrapped key to its row: copying agency A's wrapped key into agency B's row does not open.
    return _WRAP_AAD_PREFIX + agency_id.bytes + key_id.bytes


def wrap(kek: Kek, data_key: bytes, *, agency_id: uuid.UUID, key_id: uuid.UUID) -> bytes:
    """version (1 byte) ‖ nonce (12) ‖ AES-256-GCM(KEK, data key, associated data = agency ‖ key id)."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(kek.key).encrypt(nonce, data_key, _wrap_aad(agency_id, key_id))
    return bytes([WRAP_VERSION]) + nonce + sealed


def _agency_label(agency_id: uuid.UUID) -> str:
    slug = Agency.objects.filter(pk=agency_id).values_list("slug", flat=True).first()
    return f"agency {slug}" if slug else f"agency {agency_id}"


def unwrap(row: AgencyDataKey, *, ring: KeyRing | None = None) -> DataKey:
    """The data key of `row`, opened with the key ring's key named by `row.kek_id`.

    Raises UnknownKek when no key of the ring has that name (after reloading the ring once, in case another
    process rotated), DataKeyUnwrapFailed when the named key does not open it.
    """
    if ring is None or (kek := ring.find(row.kek_id)) is None:
        kek, ring = find_kek(row.kek_id)
    if kek is None:
        raise UnknownKek(
            f"The data key of {_agency_label(row.agency_id)} (data key {row.id}) was wrapped by the "
            f"key-encryption key {row.kek_id}, which is not in this installation's key ring "
            f"({', '.join(ring.kek_ids)}, from {ring.where}). Restore that key from your key backup: the data "
            "this agency sealed cannot be read without it."
        )
    blob = bytes(row.wrapped_key)
    problem = ""
    if len(blob) != 1 + NONCE_BYTES + KEY_BYTES + 16:
        problem = f"it is {len(blob)} bytes long, not {1 + NONCE_BYTES + KEY_BYTES + 16}"
    elif blob[0] != WRAP_VERSION:
        problem = f"its format version is {blob[0]}, and this Haven reads version {WRAP_VERSION}"
    else:
        try:
            key = AESGCM(kek.key).decrypt(
                blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :], _wrap_aad(row.agency_id, row.id)
            )
        except InvalidTag:
            problem = "authentication failed"
    if problem:
        raise DataKeyUnwrapFailed(
            f"The data key of {_agency_label(row.agency_id)} (data key {row.id}) does not open with the "
            f"key-encryption key {row.kek_id} from {kek.source}: {problem}. Either the wrapped key in the "
            "database was altered or moved from another row, or that key source holds a different key than "
            "the one that wrapped it. Restore the database row or the key from backup."
        )
    return DataKey(id=row.id, agency_id=row.agency_id, kek_id=row.kek_id, key=key)


# --- data keys -------------------------------------------------------------------------------------------


def _remember(data_key: DataKey, *, active: bool) -> None:
    with _lock:
        _data_keys[(data_key.agency_id, data_key.id)] = data_key
        if active:
            _active[data_key.agency_id] = data_key.id


def _remember_unless_uncommitted(data_key: DataKey, *, active: bool) -> None:
    if data_key.id not in _uncommitted:
        _remember(data_key, active=active)


def _created_in_this_transaction(agency_id: uuid.UUID) -> DataKey | None:
    """A data key this connection created in its open transaction, while that is still standing.

    Django drops the on-commit callbacks of a savepoint that rolls back (and all of them when the
    transaction does), so the key's callback still being queued is exactly "not rolled back".
    """
    connection = transaction.get_connection()
    with _lock:
        entry = _pending.get(connection, {}).get(agency_id)
        if entry is None:
            return None
        queued = getattr(connection, "run_on_commit", [])
        if any(len(item) > 1 and item[1] is entry.committed for item in queued):
            return entry.data_key
        # rolled back: the row is gone, so nothing can read it from the database and cache it either
        del _pending[connection][agency_id]
        _uncommitted.discard(entry.data_key.id)
        return None


def active_data_key(agency_id: uuid.UUID) -> DataKey:
    """The agency's active data key, created (wrapped by the current KEK, audited) at its first use."""
    with _lock:
        key_id = _active.get(agency_id)
        cached = _data_keys.get((agency_id, key_id)) if key_id else None
    if cached is not None:
        return cached
    created = _created_in_this_transaction(agency_id)
    if created is not None:
        return created
    row = AgencyDataKey.objects.filter(agency_id=agency_id, retired_at__isnull=True).first()
    if row is None:
        return _create_data_key(agency_id)
    data_key = unwrap(row)
    _remember_unless_uncommitted(data_key, active=True)
    return data_key


def data_key(agency_id: uuid.UUID, key_id: uuid.UUID) -> DataKey | None:
    """The data key `key_id` if it exists and belongs to the agency, else None."""
    with _lock:
        cached = _data_keys.get((agency_id, key_id))
    if cached is not None:
        return cached
    created = _created_in_this_transaction(agency_id)
    if created is not None and created.id == key_id:
        return created
    row = AgencyDataKey.objects.filter(pk=key_id, agency_id=agency_id).first()
    if row is None:
        return None
    found = unwrap(row)
    _remember_unless_uncommitted(found, active=row.retired_at is None)
    return found


def data_key_owner(key_id: uuid.UUID) -> uuid.UUID | None:
    """The agency that owns data key `key_id`, for error messages."""
    return AgencyDataKey.objects.filter(pk=key_id).values_list("agency_id", flat=True).first()


def _create_data_key(agency_id: uuid.UUID) -> DataKey:
    if not Agency.objects.filter(pk=agency_id).exists():
        raise UnknownAgency(f"There is no agency {agency_id} to own a data key; nothing was sealed.")
    # Always the key on disk or in the environment now, not one cached before another process rotated.
    kek = key_ring(fresh=True).current
    key = secrets.token_bytes(KEY_BYTES)
    row = AgencyDataKey(id=uuid.uuid4(), agency_id=agency_id, kek_id=kek.kek_id)
    row.wrapped_key = wrap(kek, key, agency_id=agency_id, key_id=row.id)
    try:
        with transaction.atomic():
            row.save(force_insert=True)
            record(
                actor=None,
                actor_label="haven.access.keys",
                event=AuditEvent.DATA_KEY_CREATED,
                target=row,
                target_type="data_key",
                subject_agency_id=agency_id,
                details={"kek_id": kek.kek_id},
            )
    except IntegrityError:
        # Another process created the agency's key first; use that one.
        existing = AgencyDataKey.objects.get(agency_id=agency_id, retired_at__isnull=True)
        data_key = unwrap(existing)
        _remember_unless_uncommitted(data_key, active=True)
        return data_key
    created = DataKey(id=row.id, agency_id=agency_id, kek_id=kek.kek_id, key=key)
    connection = transaction.get_connection()

    def committed() -> None:
        with _lock:
            _pending.get(connection, {}).pop(agency_id, None)
            _uncommitted.discard(row.id)
        _remember(created, active=True)

    if connection.in_atomic_block:
        with _lock:
            _uncommitted.add(row.id)
            _pending.setdefault(connection, {})[agency_id] = _Pending(created, committed)
    transaction.on_commit(committed)
    return created


# --- rotation --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RotationReport:
    """What a rotation did, and what the operator still has to do."""

    new_kek_id: str
    previous_kek_ids: list[str]
    rewrapped: int
    agencies: list[str]
    embedded: bool
    # kek_id → how many data keys it still wraps (keys the operator must keep).
    still_needed: dict[str, int]
    retired_file: Path | None = None
    # authenticator secrets sealed anew under the new key; kek_id → how many are still under another one
    resealed: int = 0
    secrets_still_needed: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _timestamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _rewrap(*, new: Kek, ring: KeyRing, agency: Agency | None) -> tuple[int, list[str], list[str]]:
    """Re-wrap, in the caller's transaction, every data key (of `agency`, if given) not yet under `new`."""
    rows = AgencyDataKey.objects.select_for_update().exclude(kek_id=new.kek_id).select_related("agency")
    if agency is not None:
        rows = rows.filter(agency=agency)
    now = timezone.now()
    previous: set[str] = set()
    slugs: set[str] = set()
    count = 0
    for row in rows.order_by("created_at"):
        opened = unwrap(row, ring=ring)
        previous.add(row.kek_id)
        row.wrapped_key = wrap(new, opened.key, agency_id=row.agency_id, key_id=row.id)
        row.kek_id = new.kek_id
        row.rotated_at = now
        row.save(update_fields=["wrapped_key", "kek_id", "rotated_at"])
        slugs.add(row.agency.slug)
        count += 1
    return count, sorted(previous), sorted(slugs)


def _still_needed(new_kek_id: str) -> dict[str, int]:
    ids = AgencyDataKey.objects.exclude(kek_id=new_kek_id).values_list("kek_id", flat=True)
    return dict(sorted(Counter(ids).items()))


def _secrets_still_needed(new_kek_id: str) -> dict[str, int]:
    return {kek_id: n for kek_id, n in authenticator_kek_ids().items() if kek_id != new_kek_id}


def kek_rotate(*, agency: Agency | None = None, actor_label: str = "haven keys rotate") -> RotationReport:
    """Re-wrap the data keys (all, or one agency's) under a new key-encryption key, in one transaction.

    Rule (access-policy.md, "Encryption at rest"): rotation keeps everything readable. The authenticators'
    TOTP secrets (of that agency's users) are sealed anew under the new key in the same transaction
    (haven/accounts/sealing.py). Embedded: a new key file is written as `kek.key.new` first, the data keys
    are re-wrapped and the rotation audited in one transaction, then the old file is kept as `kek.key.<timestamp>.old` and the new one takes its place — at
    every instant each key a data key needs is on disk, so an interrupted run loses nothing and the next run
    finishes it. Production: the new key comes from HAVEN_KEK_NEW; the operator swaps the environment after.
    """
    ring = key_ring(fresh=True)
    if ring.embedded:
        path = Path(settings.HAVEN_KEK_FILE)
        new = ring.pending
        if new is None:
            write_new_key_file(pending_path(path), secrets.token_bytes(KEY_BYTES))
            new = read_key_file(pending_path(path))
            ring = key_ring(fresh=True)
    else:
        if ring.pending is None:
            raise RotationRefused(
                "Set HAVEN_KEK_NEW to the new key-encryption key (32 random bytes in base64; generate one "
                f"with: {GENERATE_HINT}), keeping HAVEN_KEK as it is, and run `haven keys rotate` again."
            )
        new = ring.pending
        if new.kek_id == ring.current.kek_id:
            raise RotationRefused(
                "HAVEN_KEK_NEW holds the same key as HAVEN_KEK: put a newly generated key in HAVEN_KEK_NEW."
            )
    with transaction.atomic():
        count, previous, slugs = _rewrap(new=new, ring=ring, agency=agency)
        resealed = authenticator_secrets_reseal(kek=new, agency=agency)
        record(
            actor=None,
            actor_label=actor_label,
            event=AuditEvent.KEYS_ROTATED,
            target_type="key_encryption_key",
            target_id=new.kek_id,
            subject_agency_id=agency.pk if agency is not None else None,
            details={
                "kek_id": new.kek_id,
                "previous_kek_ids": sorted({*previous, *resealed}),
                "count": count,
                "authenticators": len(resealed),
                "agencies": slugs,
                "kek_source": "key file" if ring.embedded else "environment",
            },
        )
    retired_file = _install_new_key_file(ring.current, new) if ring.embedded else None
    clear_caches()
    still = _still_needed(new.kek_id)
    report = RotationReport(
        new_kek_id=new.kek_id,
        previous_kek_ids=previous,
        rewrapped=count,
        agencies=slugs,
        embedded=ring.embedded,
        still_needed=still,
        retired_file=retired_file,
        resealed=len(resealed),
        secrets_still_needed=_secrets_still_needed(new.kek_id),
    )
    report.notes.extend(_operator_notes(report, ring=ring))
    return report


def _install_new_key_file(old: Kek, new: Kek) -> Path | None:
    """After the commit: keep the old key file as kek.key.<timestamp>.old, then move kek.key.new in."""
    path = Path(settings.HAVEN_KEK_FILE)
    pending = pending_path(path)
    retired_file: Path | None = None
    if old.kek_id != new.kek_id and path.exists():
        stamp = _timestamp()
        for attempt in range(1, 100):
            candidate = path.with_name(f"{path.name}.{stamp}{'' if attempt == 1 else f'-{attempt}'}.old")
            try:
                os.link(path, candidate)  # same inode, same 0600 mode, never world-readable
            except FileExistsError:
                continue
            retired_file = candidate
            break
    if pending.exists():
        pending.replace(path)
    keyfiles.fsync_directory(path.parent)
    return retired_file


def _operator_notes(report: RotationReport, *, ring: KeyRing) -> list[str]:
    notes: list[str] = []
    needed = _needed(report)
    if report.embedded:
        if report.retired_file is not None:
            notes.append(
                f"The previous key file is kept as {report.retired_file}. Database backups taken before "
                "this rotation can only be read with it: store it with those backups, offline, and destroy "
                "it when the last of them is gone."
            )
        if report.still_needed or report.secrets_still_needed:
            notes.append(
                f"{_what_is_still_under(report)} earlier keys: {needed}. Keep those .old key files; run "
                "`haven keys rotate` without --agency to move every agency to the new key."
            )
        else:
            notes.append(
                "Every data key is now wrapped by the new key file; no .old key file is needed to run."
            )
        return notes
    notes.append(
        "Now set HAVEN_KEK to the value of HAVEN_KEK_NEW and remove HAVEN_KEK_NEW on every application "
        "server, then restart them."
    )
    if report.still_needed or report.secrets_still_needed:
        notes.append(
            f"{_what_is_still_under(report)} other keys: {needed}. Keep the old HAVEN_KEK value in "
            "HAVEN_KEK_RETIRED (comma-separated) until `haven keys rotate` without --agency has moved them."
        )
    else:
        notes.append(
            f"No data key needs the old key ({ring.current.kek_id}) any more; keep it offline as long as you "
            "keep database backups taken before this rotation, then destroy it."
        )
    return notes


def _what_is_still_under(report: RotationReport) -> str:
    if not report.secrets_still_needed:
        return "Data keys still wrapped by"
    if not report.still_needed:
        return "Authenticator secrets still sealed under"
    return "Data keys and authenticator secrets still under"


def _needed(report: RotationReport) -> str:
    """Each earlier key still needed, with what it still protects."""
    kek_ids = sorted({*report.still_needed, *report.secrets_still_needed})
    parts = []
    for kek_id in kek_ids:
        things = [data_keys(report.still_needed[kek_id])] if kek_id in report.still_needed else []
        if kek_id in report.secrets_still_needed:
            things.append(authenticator_secrets(report.secrets_still_needed[kek_id]))
        parts.append(f"{kek_id} ({', '.join(things)})")
    return ", ".join(parts)


def data_keys(count: int) -> str:
    return f"{count} data key{'' if count == 1 else 's'}"


def authenticator_secrets(count: int) -> str:
    return f"{count} authenticator secret{'' if count == 1 else 's'}"


def key_status() -> dict[str, Any]:
    """The key ring's key names, how many data keys each wraps and how many authenticator secrets are
    sealed under each (for `haven keys status`)."""
    ring = key_ring(fresh=True)
    in_use = Counter(AgencyDataKey.objects.values_list("kek_id", flat=True))
    secrets_by_kek = authenticator_kek_ids()
    return {
        "source": str(settings.HAVEN_KEK_FILE) if ring.embedded else "HAVEN_KEK",
        "current": ring.current.kek_id,
        "pending": ring.pending.kek_id if ring.pending else None,
        "retired": [kek.kek_id for kek in ring.retired],
        "data_keys_by_kek": dict(sorted(in_use.items())),
        "authenticators_by_kek": secrets_by_kek,
        "missing": sorted(kek_id for kek_id in {*in_use, *secrets_by_kek} if ring.find(kek_id) is None),
    }
