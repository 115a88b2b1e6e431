"""The key ring: the key-encryption keys (KEKs) of this installation, which never enter the database.

Envelope encryption (docs/encryption.md) wraps each agency's data key with the current KEK
(haven/access/keys.py), and the authenticators' TOTP secrets are sealed under a key derived from it
(haven/accounts/authenticators.py). The ring lives here, below both, because accounts may not import
access: both ask the same ring, loaded once per process.

Where the KEKs come from:

* Embedded default (`settings.HAVEN_KEK` empty): `settings.HAVEN_KEK_FILE`, 32 raw bytes, created at first
  use with mode 0600 in a 0700 directory (haven/core/keyfiles.py). Next to it, read for unwrapping only:
  `kek.key.new` (a rotation that has not finished) and `kek.key.<timestamp>.old` (earlier keys that a data
  key or a backup may still need). A key file or directory that group or others may read is refused.
* Production: `HAVEN_KEK` (base64 of 32 bytes) is the current key. For unwrapping only: `HAVEN_KEK_NEW`
  (the key a rotation moves to) and `HAVEN_KEK_RETIRED` (comma-separated earlier keys still needed).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from haven.core import keyfiles

KEY_BYTES = keyfiles.KEY_BYTES
GENERATE_HINT = keyfiles.GENERATE_HINT


class EncryptionError(Exception):
    """Base of everything that can go wrong with keys and sealed values; never shown as empty text."""


class KekConfigurationError(EncryptionError, keyfiles.KeyConfigurationError):
    """A key-encryption key that is missing, malformed or unsafely stored; the message says how to fix it."""


class KekFileInsecure(KekConfigurationError, keyfiles.KeyFileInsecure):
    """A key file, or its directory, that someone other than its owner may read or change."""


class KekInvalid(KekConfigurationError, keyfiles.KeyInvalid):
    """A key-encryption key value (environment variable or key file) that is not 32 bytes."""


class UnknownKek(EncryptionError):
    """Something sealed or wrapped by a key-encryption key that is not in this installation's key ring."""


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
    """The keys this process may use: `current` wraps and seals anew; the others only open."""

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

    @property
    def where(self) -> str:
        """Where this ring's keys come from, for messages that ask for a missing one."""
        if self.embedded:
            return f"the key file {settings.HAVEN_KEK_FILE} and the .new/.old key files beside it"
        return "HAVEN_KEK, HAVEN_KEK_NEW and HAVEN_KEK_RETIRED"


def kek_id_of(key: bytes) -> str:
    """The name of a key-encryption key: the first 16 hex digits of its SHA-256 (`sha256sum kek.key`)."""
    return hashlib.sha256(key).hexdigest()[:16]


def derive_key(kek: Kek, purpose: bytes) -> bytes:
    """A 32-byte key for one purpose, derived from a KEK with HKDF-SHA256 (RFC 5869): keys for different
    purposes are independent, and none of them reveals the KEK."""
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose).derive(kek.key)


# --- the ring, loaded once per process ---------------------------------------------------------------

_lock = threading.RLock()
_ring: KeyRing | None = None


def clear_ring() -> None:
    """Forget the loaded key ring (after a rotation, or when settings change); the next use reloads it."""
    global _ring  # noqa: PLW0603 - the process-wide cache is the point
    with _lock:
        _ring = None


@receiver(setting_changed)
def _settings_changed(*, setting: str, **_: Any) -> None:
    if setting.startswith("HAVEN_KEK") or setting == "DATA_DIR":
        clear_ring()


def key_ring(*, fresh: bool = False) -> KeyRing:
    """The key ring of this installation, loaded once per process (again when `fresh`)."""
    global _ring  # noqa: PLW0603 - the process-wide cache is the point
    with _lock:
        if _ring is None or fresh:
            _ring = _load_ring()
        return _ring


def find_kek(kek_id: str) -> tuple[Kek | None, KeyRing]:
    """The ring's key named `kek_id`, reloading the ring once if it is not there (another process may
    have rotated since this one loaded it); None if this installation does not hold it."""
    ring = key_ring()
    kek = ring.find(kek_id)
    if kek is None:
        ring = key_ring(fresh=True)
        kek = ring.find(kek_id)
    return kek, ring


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
    current = read_key_file(path) if path.exists() else create_key_file(path)
    pending_file = pending_path(path)
    pending = read_key_file(pending_file) if pending_file.exists() else None
    retired = tuple(read_key_file(old) for old in sorted(path.parent.glob(f"{path.name}.*.old")))
    return KeyRing(current=current, pending=pending, retired=retired, embedded=True)


def kek_from_base64(value: str, name: str) -> Kek:
    """A key-encryption key from an environment value; a malformed one is refused naming the variable
    (and never echoing the value)."""
    with _as_kek_error():
        return Kek(key=keyfiles.key_from_base64(value, name), source=name)


def pending_path(path: Path) -> Path:
    """Where a rotation writes the new key file before it takes the current one's place."""
    return path.with_name(path.name + ".new")


@contextmanager
def _as_kek_error() -> Iterator[None]:
    """Key-file problems (haven/core/keyfiles.py) as the encryption errors callers of the ring catch."""
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


def write_new_key_file(path: Path, key: bytes) -> bool:
    """Write a new key file (0600 from its first instant) unless one is there; False if it was."""
    with _as_kek_error():
        return keyfiles.write_new_key_file(path, key, what=_WHAT)


def create_key_file(path: Path) -> Kek:
    """The key in `path`, created with 32 random bytes at first use."""
    with _as_kek_error():
        return Kek(key=keyfiles.key_file(path, what=_WHAT, exposed_hint=_EXPOSED), source=str(path))
