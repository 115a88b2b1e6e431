"""Key-encryption keys (KEKs) and the per-agency data keys they wrap: envelope encryption's key half.

The hierarchy (docs/encryption.md): a KEK that never enters the database wraps one 32-byte data key per
agency (`AgencyDataKey`, created at the agency's first seal); the data key seals text (haven/access/crypto.py).

Where the KEKs come from — the *key ring*:

* Embedded default (`settings.HAVEN_KEK` empty): `settings.HAVEN_KEK_FILE`, 32 raw bytes, created at first
  use with mode 0600 in a 0700 directory. Next to it, read for unwrapping only: `kek.key.new` (a rotation
  that has not finished) and `kek.key.<timestamp>.old` (earlier keys that a data key or a backup may still
  need). A key file or directory that group or others may read is refused.
* Production: `HAVEN_KEK` (base64 of 32 bytes) is the current key. For unwrapping only: `HAVEN_KEK_NEW`
  (the key a rotation moves to) and `HAVEN_KEK_RETIRED` (comma-separated earlier keys still needed).

New data keys are always wrapped by the current key; `kek_rotate` re-wraps them under a new one.
Unwrapped data keys stay in this process's memory, keyed by agency and data key (each entry remembers the
`kek_id` it was unwrapped with); rotation clears them. A data key's bytes never change when it is re-wrapped,
so an entry cached before another process rotated stays correct.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
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
from haven.audit.events import AuditEvent
from haven.audit.services import record
from haven.core import keyfiles

KEY_BYTES = keyfiles.KEY_BYTES
NONCE_BYTES = 12
WRAP_VERSION = 1
_WRAP_AAD_PREFIX = b"haven.data-key.v1\x00"
_GENERATE_HINT = keyfiles.GENERATE_HINT


class EncryptionError(Exception):
    """Base of everything that can go wrong with keys and sealed values; never shown as empty text."""


class KekConfigurationError(EncryptionError, keyfiles.KeyConfigurationError):
    """A key-encryption key that is missing, malformed or unsafely stored; the message says how to fix it."""


class KekFileInsecure(KekConfigurationError, keyfiles.KeyFileInsecure):
    """A key file, or its directory, that someone other than its owner may read or change."""


class KekInvalid(KekConfigurationError, keyfiles.KeyInvalid):
    """A key-encryption key value (environment variable or key file) that is not 32 bytes."""


class UnknownKek(EncryptionError):
    """A data key wrapped by a key-encryption key that is not in this installation's key ring."""


class DataKeyUnwrapFailed(EncryptionError):
    """A data key that the key-encryption key with its kek_id does not open: the wrapped key was altered,
    or the key file or variable holds a different key under the same name."""


class UnknownAgency(EncryptionError):
    """A seal for an agency that does not exist: there is nobody to own the data key."""


class RotationRefused(EncryptionError):
    """`haven keys rotate` cannot start; the message says what the operator has to provide."""


@dataclass(frozen=True)
class Kek:
    """One key-encryption key and where it came from (a file path or an environment variable's name)."""

    key: bytes = field(repr=False)
    source: str

    @cached_property
    def kek_id(self) -> str:
        return kek_id_of(self.key)


@dataclass(frozen=True)
class KeyRing:
    """The keys this process may use: `current` wraps new data keys; the others only unwrap."""

    current: Kek
    pending: Kek | None
    retired: tuple[Kek, ...]
    embedded: bool

    @property
    def keys(self) -> list[Kek]:
        pending = [self.pending] if self.pending is not None else []
        return [self.current, *pending, *self.retired]

    def find(self, kek_id: str) -> Kek | None:
        return next((kek for kek in self.keys if kek.kek_id == kek_id), None)

    @property
    def kek_ids(self) -> list[str]:
        return list(dict.fromkeys(kek.kek_id for kek in self.keys))


@dataclass(frozen=True)
class DataKey:
    """An agency's data key, unwrapped, as the seal and unseal functions use it."""

    id: uuid.UUID
    agency_id: uuid.UUID
    kek_id: str
    key: bytes = field(repr=False)


def kek_id_of(key: bytes) -> str:
    """The name of a key-encryption key: the first 16 hex digits of its SHA-256 (`sha256sum kek.key`)."""
    return hashlib.sha256(key).hexdigest()[:16]


# --- the key ring ----------------------------------------------------------------------------------------

_lock = threading.RLock()
_ring: KeyRing | None = None
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
    global _ring  # noqa: PLW0603 - the process-wide cache is the point
    with _lock:
        _ring = None
        _data_keys.clear()
        _active.clear()
        _pending.clear()  # (not _uncommitted: those keys must stay out of the cache until they commit)


@receiver(setting_changed)
def _settings_changed(*, setting: str, **_: Any) -> None:
    if setting.startswith("HAVEN_KEK") or setting in ("DATA_DIR", "DATABASES"):
        clear_caches()


def key_ring(*, fresh: bool = False) -> KeyRing:
    """The key ring of this installation, loaded once per process (again when `fresh`)."""
    global _ring  # noqa: PLW0603 - the process-wide cache is the point
    with _lock:
        if _ring is None or fresh:
            _ring = _load_ring()
        return _ring


def _load_ring() -> KeyRing:
    if settings.HAVEN_KEK:
        current = kek_from_base64(settings.HAVEN_KEK, "HAVEN_KEK")
        new_value = os.environ.get("HAVEN_KEK_NEW", "")
        pending = kek_from_base64(new_value, "HAVEN_KEK_NEW") if new_value else None
        retired = tuple(
            kek_from_base64(value.strip(), f"HAVEN_KEK_RETIRED (item {number})")
            for number, value in enumerate(os.environ.get("HAVEN_KEK_RETIRED", "").split(","), start=1)
            if value.strip()
        )
        return KeyRing(current=current, pending=pending, retired=retired, embedded=False)
    path = Path(settings.HAVEN_KEK_FILE)
    current = read_key_file(path) if path.exists() else _create_key_file(path)
    pending_path = _pending_path(path)
    pending = read_key_file(pending_path) if pending_path.exists() else None
    retired = tuple(read_key_file(old) for old in sorted(path.parent.glob(f"{path.name}.*.old")))
    return KeyRing(current=current, pending=pending, retired=retired, embedded=True)


def kek_from_base64(value: str, name: str) -> Kek:
    """A key-encryption key from an environment value; a malformed one is refused naming the variable
    (and never echoing the value)."""
    with _as_kek_error():
        return Kek(key=keyfiles.key_from_base64(value, name), source=name)


def _pending_path(path: Path) -> Path:
    return path.with_name(path.name + ".new")


@contextmanager
def _as_kek_error() -> Iterator[None]:
    """Key-file problems (haven/core/keyfiles.py) as the encryption errors callers of this module catch."""
    try:
        yield
    except keyfiles.KeyFileInsecure as error:
        raise KekFileInsecure(str(error)) from None
    except keyfiles.KeyInvalid as error:
        raise KekInvalid(str(error)) from None
    except keyfiles.KeyConfigurationError as error:
        raise KekConfigurationError(str(error)) from error.__cause__


_WHAT = "key-encryption key"
_EXPOSED = "rotate it with `haven keys rotate`"


def read_key_file(path: Path) -> Kek:
    """A key file: exactly 32 bytes, mode 0600 (or stricter), in a 0700 directory; anything else refused."""
    with _as_kek_error():
        return Kek(key=keyfiles.read_key_file(path, what=_WHAT, exposed_hint=_EXPOSED), source=str(path))


def _write_new_key_file(path: Path, key: bytes) -> bool:
    with _as_kek_error():
        return keyfiles.write_new_key_file(path, key, what=_WHAT)


def _create_key_file(path: Path) -> Kek:
    with _as_kek_error():
        return Kek(key=keyfiles.key_file(path, what=_WHAT, exposed_hint=_EXPOSED), source=str(path))


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
    ring = ring or key_ring()
    kek = ring.find(row.kek_id)
    if kek is None:
        ring = key_ring(fresh=True)
        kek = ring.find(row.kek_id)
    if kek is None:
        where = (
            f"the key file {settings.HAVEN_KEK_FILE} and the .new/.old key files beside it"
            if ring.embedded
            else "HAVEN_KEK, HAVEN_KEK_NEW and HAVEN_KEK_RETIRED"
        )
        raise UnknownKek(
            f"The data key of {_agency_label(row.agency_id)} (data key {row.id}) was wrapped by the "
            f"key-encryption key {row.kek_id}, which is not in this installation's key ring "
            f"({', '.join(ring.kek_ids)}, from {where}). Restore that key from your key backup: the data "
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


def kek_rotate(*, agency: Agency | None = None, actor_label: str = "haven keys rotate") -> RotationReport:
    """Re-wrap the data keys (all, or one agency's) under a new key-encryption key, in one transaction.

    Rule (access-policy.md, "Encryption at rest"): rotation keeps everything readable. Embedded: a new key
    file is written as `kek.key.new` first, the data keys are re-wrapped and the rotation audited in one
    transaction, then the old file is kept as `kek.key.<timestamp>.old` and the new one takes its place — at
    every instant each key a data key needs is on disk, so an interrupted run loses nothing and the next run
    finishes it. Production: the new key comes from HAVEN_KEK_NEW; the operator swaps the environment after.
    """
    ring = key_ring(fresh=True)
    if ring.embedded:
        path = Path(settings.HAVEN_KEK_FILE)
        new = ring.pending
        if new is None:
            _write_new_key_file(_pending_path(path), secrets.token_bytes(KEY_BYTES))
            new = read_key_file(_pending_path(path))
            ring = key_ring(fresh=True)
    else:
        if ring.pending is None:
            raise RotationRefused(
                "Set HAVEN_KEK_NEW to the new key-encryption key (32 random bytes in base64; generate one "
                f"with: {_GENERATE_HINT}), keeping HAVEN_KEK as it is, and run `haven keys rotate` again."
            )
        new = ring.pending
        if new.kek_id == ring.current.kek_id:
            raise RotationRefused(
                "HAVEN_KEK_NEW holds the same key as HAVEN_KEK: put a newly generated key in HAVEN_KEK_NEW."
            )
    with transaction.atomic():
        count, previous, slugs = _rewrap(new=new, ring=ring, agency=agency)
        record(
            actor=None,
            actor_label=actor_label,
            event=AuditEvent.KEYS_ROTATED,
            target_type="key_encryption_key",
            target_id=new.kek_id,
            subject_agency_id=agency.pk if agency is not None else None,
            details={
                "kek_id": new.kek_id,
                "previous_kek_ids": previous,
                "count": count,
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
    )
    report.notes.extend(_operator_notes(report, ring=ring))
    return report


def _install_new_key_file(old: Kek, new: Kek) -> Path | None:
    """After the commit: keep the old key file as kek.key.<timestamp>.old, then move kek.key.new in."""
    path = Path(settings.HAVEN_KEK_FILE)
    pending = _pending_path(path)
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
    needed = ", ".join(f"{kek_id} ({data_keys(count)})" for kek_id, count in report.still_needed.items())
    if report.embedded:
        if report.retired_file is not None:
            notes.append(
                f"The previous key file is kept as {report.retired_file}. Database backups taken before "
                "this rotation can only be read with it: store it with those backups, offline, and destroy "
                "it when the last of them is gone."
            )
        if report.still_needed:
            notes.append(
                f"Data keys still wrapped by earlier keys: {needed}. Keep those .old key files; run "
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
    if report.still_needed:
        notes.append(
            f"Data keys still wrapped by other keys: {needed}. Keep the old HAVEN_KEK value in "
            "HAVEN_KEK_RETIRED (comma-separated) until `haven keys rotate` without --agency has moved them."
        )
    else:
        notes.append(
            f"No data key needs the old key ({ring.current.kek_id}) any more; keep it offline as long as you "
            "keep database backups taken before this rotation, then destroy it."
        )
    return notes


def data_keys(count: int) -> str:
    return f"{count} data key{'' if count == 1 else 's'}"


def key_status() -> dict[str, Any]:
    """The key ring's key names and how many data keys each wraps (for `haven keys status`)."""
    ring = key_ring(fresh=True)
    in_use = Counter(AgencyDataKey.objects.values_list("kek_id", flat=True))
    return {
        "source": str(settings.HAVEN_KEK_FILE) if ring.embedded else "HAVEN_KEK",
        "current": ring.current.kek_id,
        "pending": ring.pending.kek_id if ring.pending else None,
        "retired": [kek.kek_id for kek in ring.retired],
        "data_keys_by_kek": dict(sorted(in_use.items())),
        "missing": sorted(kek_id for kek_id in in_use if ring.find(kek_id) is None),
    }
