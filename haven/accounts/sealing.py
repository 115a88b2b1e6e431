"""Sealing the authenticators' TOTP secrets, so that a copy of the database computes no code.

Rule (issue 12, "A copy of the database is not a way in"): a TOTP secret is stored only sealed —
AES-256-GCM under a key derived with HKDF-SHA256 from the key-encryption key (haven/core/keyring.py), which
never enters the database — with the authenticator's id and its user's id as associated data, so a sealed
secret copied to another authenticator or user does not open. The row names the KEK it was sealed under
(`kek_id`); `haven keys rotate` seals each secret again under the new one.

Accounts sits below access (which owns agencies' data keys), so the secrets are sealed with the KEK itself
rather than a data key: the key ring lives in core, where both can reach it.

A sealed secret is `version (1 byte) ‖ nonce (12, fresh per seal) ‖ ciphertext ‖ tag (16)`.
"""

from __future__ import annotations

import secrets
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from haven.core.keyring import EncryptionError, Kek, UnknownKek, derive_key, find_kek, key_ring

SEAL_VERSION = 1
NONCE_BYTES = 12
_PURPOSE = b"haven.accounts.authenticator-secret.v1"
_AAD_LABEL = b"haven.authenticator-secret.v1\x00"


class AuthenticatorSecretBroken(EncryptionError):
    """A sealed authenticator secret that does not open: altered, or moved from another authenticator or
    user. Names the authenticator; the person cannot sign in with it until an admin resets it."""


def _associated_data(device_id: int, user_id: uuid.UUID) -> bytes:
    return _AAD_LABEL + bytes([SEAL_VERSION]) + device_id.to_bytes(8, "big") + user_id.bytes


def seal_secret(
    *, device_id: int, user_id: uuid.UUID, secret: bytes, kek: Kek | None = None
) -> tuple[bytes, str]:
    """The sealed secret and the id of the KEK it is sealed under (the ring's current key by default)."""
    if not isinstance(secret, bytes) or not secret:
        raise ValueError("an authenticator secret is a non-empty byte string")
    kek = kek or key_ring().current
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(derive_key(kek, _PURPOSE)).encrypt(nonce, secret, _associated_data(device_id, user_id))
    return bytes([SEAL_VERSION]) + nonce + sealed, kek.kek_id


def open_secret(
    *, device_id: int, user_id: uuid.UUID, sealed: bytes | memoryview | None, kek_id: str, username: str = ""
) -> bytes:
    """The secret sealed for exactly this authenticator and user; UnknownKek when this installation does
    not hold the KEK it names, AuthenticatorSecretBroken when it does not open."""
    who = f"the authenticator of {username or f'user {user_id}'} (authenticator {device_id})"
    kek, ring = find_kek(kek_id)
    if kek is None:
        raise UnknownKek(
            f"The secret of {who} was sealed under the key-encryption key {kek_id}, which is not in this "
            f"installation's key ring ({', '.join(ring.kek_ids)}, from {ring.where}). Restore that key from "
            "your key backup: without it this person cannot pass the second factor (an admin can reset the "
            "authenticator so that they enrol again)."
        )
    blob = bytes(sealed) if sealed is not None else b""
    if len(blob) < 1 + NONCE_BYTES + 16 + 1 or blob[0] != SEAL_VERSION:
        raise AuthenticatorSecretBroken(
            f"The sealed secret of {who} is not a sealed secret this Haven reads (version {SEAL_VERSION}, at "
            "least 30 bytes). An admin can reset the authenticator so that the person enrols again."
        )
    try:
        return AESGCM(derive_key(kek, _PURPOSE)).decrypt(
            blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :], _associated_data(device_id, user_id)
        )
    except InvalidTag:
        raise AuthenticatorSecretBroken(
            f"The sealed secret of {who} does not open with the key-encryption key {kek_id}: it was altered, "
            "or moved here from another authenticator or user. An admin can reset the authenticator so that "
            "the person enrols again."
        ) from None
