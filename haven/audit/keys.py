"""The audit key: what makes each link of the chain an HMAC that only Haven can extend.

Every event's link is HMAC-SHA256 under an audit key that never enters the database (access-policy.md,
"Audit trail"), so whoever can write the database but lacks the key cannot extend or rewrite the chain
undetected. Where the keys come from — the *audit key ring* — mirrors the key-encryption key's
(haven/access/keys.py), through the same key-file rules (haven/core/keyfiles.py):

* Embedded default (`settings.HAVEN_AUDIT_KEY` empty): `settings.HAVEN_AUDIT_KEY_FILE`, 32 raw bytes,
  created at first use with mode 0600 in a 0700 directory. Beside it: `audit.key.new` (a rotation's new
  key, before its rotation event commits) and `audit.key.<timestamp>.old` (retired keys, read to verify
  the events they linked).
* Production: `HAVEN_AUDIT_KEY` (base64 of 32 bytes) is the current key; `HAVEN_AUDIT_KEY_NEW` the key a
  rotation moves to; `HAVEN_AUDIT_KEY_RETIRED` (comma-separated) earlier keys, for verifying only.

A key is named by its *key id*: 16 hex digits of HMAC(key, "haven.audit.key-id"), stored on each event
and in the chain head, so the verifier knows which key linked what without the id revealing the key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from haven.core import keyfiles

_WHAT = "audit key"
_EXPOSED = "rotate it with `haven audit rotate-key`"
_KEY_ID_LABEL = b"haven.audit.key-id/v1"
_ANCHOR_LABEL = b"haven.audit.anchor-key/v1"


class AuditKeyError(keyfiles.KeyConfigurationError):
    """An audit key that is missing, malformed, unsafely stored, or not the one the chain needs."""


@dataclass(frozen=True)
class AuditKey:
    """One audit key and where it came from (a file path or an environment variable's name)."""

    key: bytes = field(repr=False)
    source: str

    @cached_property
    def key_id(self) -> str:
        return key_id_of(self.key)

    @cached_property
    def anchor_key(self) -> bytes:
        """A key of its own for signing anchors (domain-separated: an anchor's signature is never a
        link, nor a link an anchor's signature)."""
        return hmac.digest(self.key, _ANCHOR_LABEL, "sha256")


@dataclass(frozen=True)
class AuditKeyRing:
    """The audit keys this process holds: `current` links new events (or `pending` once the chain has
    moved to it); `retired` keys only verify the events they once linked."""

    current: AuditKey
    pending: AuditKey | None
    retired: tuple[AuditKey, ...]
    embedded: bool

    @property
    def keys(self) -> list[AuditKey]:
        pending = [self.pending] if self.pending is not None else []
        return [self.current, *pending, *self.retired]

    def find(self, key_id: str) -> AuditKey | None:
        return next((key for key in self.keys if key.key_id == key_id), None)

    def writable(self, key_id: str) -> AuditKey | None:
        """The key that may link the next event of a chain whose head is under `key_id` (empty for a new
        chain): the current or the pending key, never a retired one."""
        if not key_id:
            return self.current
        return next((k for k in (self.current, self.pending) if k is not None and k.key_id == key_id), None)

    @property
    def key_ids(self) -> list[str]:
        return list(dict.fromkeys(key.key_id for key in self.keys))

    @property
    def where(self) -> str:
        if self.embedded:
            return f"the key file {settings.HAVEN_AUDIT_KEY_FILE} and the .new/.old files beside it"
        return "HAVEN_AUDIT_KEY, HAVEN_AUDIT_KEY_NEW and HAVEN_AUDIT_KEY_RETIRED"


def key_id_of(key: bytes) -> str:
    return hmac.new(key, _KEY_ID_LABEL, hashlib.sha256).hexdigest()[:16]


_lock = threading.RLock()
_ring: AuditKeyRing | None = None


def clear_cache() -> None:
    global _ring  # noqa: PLW0603 - the process-wide cache is the point
    with _lock:
        _ring = None


@receiver(setting_changed)
def _settings_changed(*, setting: str, **_: Any) -> None:
    if setting.startswith("HAVEN_AUDIT_KEY") or setting == "DATA_DIR":
        clear_cache()


def audit_key_ring(*, fresh: bool = False) -> AuditKeyRing:
    """The audit key ring of this installation, loaded once per process (again when `fresh`)."""
    global _ring  # noqa: PLW0603 - the process-wide cache is the point
    with _lock:
        if _ring is None or fresh:
            _ring = _load_ring()
        return _ring


def _from_env(value: str, name: str) -> AuditKey:
    try:
        return AuditKey(key=keyfiles.key_from_base64(value, name), source=name)
    except keyfiles.KeyConfigurationError as error:
        raise AuditKeyError(str(error)) from None


def _from_file(path: Path) -> AuditKey:
    try:
        return AuditKey(key=keyfiles.read_key_file(path, what=_WHAT, exposed_hint=_EXPOSED), source=str(path))
    except keyfiles.KeyConfigurationError as error:
        raise AuditKeyError(str(error)) from None


def pending_path(path: Path) -> Path:
    return path.with_name(path.name + ".new")


def _load_ring() -> AuditKeyRing:
    if settings.HAVEN_AUDIT_KEY:
        current = _from_env(settings.HAVEN_AUDIT_KEY, "HAVEN_AUDIT_KEY")
        new_value = os.environ.get("HAVEN_AUDIT_KEY_NEW", "")
        pending = _from_env(new_value, "HAVEN_AUDIT_KEY_NEW") if new_value.strip() else None
        retired = tuple(
            _from_env(value, f"HAVEN_AUDIT_KEY_RETIRED (item {number})")
            for number, value in enumerate(os.environ.get("HAVEN_AUDIT_KEY_RETIRED", "").split(","), start=1)
            if value.strip()
        )
        return AuditKeyRing(current=current, pending=pending, retired=retired, embedded=False)
    path = Path(settings.HAVEN_AUDIT_KEY_FILE)
    if not path.exists():
        try:
            keyfiles.key_file(path, what=_WHAT, exposed_hint=_EXPOSED)
        except keyfiles.KeyConfigurationError as error:
            raise AuditKeyError(str(error)) from None
    current = _from_file(path)
    pending_file = pending_path(path)
    pending = _from_file(pending_file) if pending_file.exists() else None
    retired = tuple(_from_file(old) for old in sorted(path.parent.glob(f"{path.name}.*.old")))
    return AuditKeyRing(current=current, pending=pending, retired=retired, embedded=True)


def create_pending_key_file() -> AuditKey:
    """Embedded default: the new key of a rotation, `audit.key.new` (0600), created once; a rotation
    that was interrupted goes on with the same one."""
    import secrets  # noqa: PLC0415

    path = pending_path(Path(settings.HAVEN_AUDIT_KEY_FILE))
    if not path.exists():
        try:
            keyfiles.write_new_key_file(path, secrets.token_bytes(keyfiles.KEY_BYTES), what=_WHAT)
        except keyfiles.KeyConfigurationError as error:
            raise AuditKeyError(str(error)) from None
    clear_cache()
    return _from_file(path)


def retire_current_key_file(stamp: str) -> Path:
    """Embedded default, after the rotation event committed: keep the old key as
    `audit.key.<stamp>.old` (a hard link: at every instant the key is on disk) and move `.new` into
    place as the current key."""
    path = Path(settings.HAVEN_AUDIT_KEY_FILE)
    old = path.with_name(f"{path.name}.{stamp}.old")
    if not old.exists():
        os.link(path, old)
    pending_path(path).replace(path)
    keyfiles.fsync_directory(path.parent)
    clear_cache()
    return old
