"""Sealing compartment-only text with its agency's data key, before it reaches the database.

Rule (access-policy.md, "Encryption at rest"): full needs assessments, victim service records, attorney
notes, consent purposes, observation text, questions and answers and interview notes are stored only
sealed — AES-256-GCM under the data key of the agency that owns them (haven/access/keys.py), with
associated data binding agency, table, field and row. A sealed value copied to another row, field, table
or agency does not open, and says so (`SealBroken`); it is never shown as empty text.

A sealed value is `version (1 byte) ‖ data key id (16) ‖ nonce (12, fresh per seal) ‖ ciphertext ‖ tag (16)`:
45 bytes more than the UTF-8 text. The associated data is the version and data key id, then the agency id,
table, field and row id, each length-prefixed, so no two different places encode alike.

The model-field pattern: a `BinaryField` holds the sealed bytes; `EncryptedText` reads and writes the text
through it, taking the table from `_meta.db_table`, the field from the column and the row from the primary
key (a UUID set at construction, so before the first save). Seal "" for "no text": an empty column is
refused like any broken seal.

    class AttorneyNote(BaseModel):
        agency = models.ForeignKey(Agency, on_delete=models.PROTECT)
        person = models.ForeignKey(Person, on_delete=models.PROTECT)
        body_sealed = models.BinaryField()
        body = EncryptedText("body_sealed")  # owner: agency_id; agency_field="..." for another

    note = AttorneyNote(agency=legal_aid, person=person, body="Client wishes to apply for a T visa.")
    note.full_clean(exclude=["body_sealed"])
    note.save()
    note.body  # -> the text, unsealed; SealBroken if the row's bytes were altered or moved
    # Without the descriptor: seal_for(note, "body_sealed", note.agency_id, text) / unseal_for(note, ...)
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any, overload

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import models

from haven.access.keys import (
    NONCE_BYTES,
    DataKeyUnwrapFailed,
    EncryptionError,
    KekConfigurationError,
    KekFileInsecure,
    KekInvalid,
    UnknownAgency,
    UnknownKek,
    active_data_key,
    data_key,
    data_key_owner,
)

__all__ = [
    "SEAL_VERSION",
    "DataKeyUnwrapFailed",
    "EncryptedText",
    "EncryptionError",
    "KekConfigurationError",
    "KekFileInsecure",
    "KekInvalid",
    "SealBroken",
    "UnknownAgency",
    "UnknownKek",
    "seal",
    "seal_for",
    "unseal",
    "unseal_for",
]

SEAL_VERSION = 1
_KEY_ID_BYTES = 16
_HEADER_BYTES = 1 + _KEY_ID_BYTES + NONCE_BYTES
_TAG_BYTES = 16
_AAD_LABEL = b"haven.seal.v1"

RowId = uuid.UUID | str | int
AgencyId = uuid.UUID | str
Sealed = bytes | bytearray | memoryview


class SealBroken(EncryptionError):
    """A sealed value that does not open where it is read: altered, truncated, or moved from another row,
    field, table or agency. Names the place; never replaced by empty text."""

    def __init__(self, *, table: str, field: str, row_id: object, reason: str) -> None:
        self.table = table
        self.field = field
        self.row_id = row_id
        self.reason = reason
        super().__init__(
            f"The sealed value of {table}.{field} for row {row_id} cannot be opened: {reason}. "
            "Nothing is shown in its place; restore the row from a backup if it was damaged."
        )


def _agency_uuid(agency_id: AgencyId) -> uuid.UUID:
    if isinstance(agency_id, uuid.UUID):
        return agency_id
    if isinstance(agency_id, str):
        try:
            return uuid.UUID(agency_id)
        except ValueError:
            pass
    raise TypeError(f"agency_id must be an agency's UUID, not {agency_id!r}")


def _row_text(row_id: RowId) -> str:
    """The row id in one canonical text: a UUID (object or any of its spellings) as 32 hex digits."""
    if isinstance(row_id, uuid.UUID):
        return row_id.hex
    if isinstance(row_id, bool) or row_id is None or row_id == "":
        raise ValueError(
            "row_id is required: give the record its primary key before sealing "
            "(a UUID primary key has it from construction)."
        )
    if isinstance(row_id, int):
        return str(row_id)
    if isinstance(row_id, str):
        try:
            return uuid.UUID(row_id).hex
        except ValueError:
            return row_id
    raise TypeError(f"row_id must be a UUID, text or integer, not {type(row_id).__name__}")


def _name(value: str, what: str) -> bytes:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} must be a non-empty name, not {value!r}")
    return value.encode("utf-8")


def _associated_data(header: bytes, agency: uuid.UUID, place: tuple[bytes, bytes, bytes]) -> bytes:
    parts = (_AAD_LABEL, header, agency.bytes, *place)
    return b"".join(len(part).to_bytes(4, "big") + part for part in parts)


def _place_bytes(table: str, field: str, row_id: RowId) -> tuple[bytes, bytes, bytes]:
    return _name(table, "table"), _name(field, "field"), _row_text(row_id).encode("utf-8")


def seal(*, agency_id: AgencyId, table: str, field: str, row_id: RowId, plaintext: str) -> bytes:
    """Encrypt `plaintext` with the agency's data key, bound to (agency, table, field, row).

    Creates the agency's data key at its first seal (audited). The result is what the BinaryField stores.
    """
    if not isinstance(plaintext, str):
        raise TypeError(f"only text is sealed, not {type(plaintext).__name__}")
    agency = _agency_uuid(agency_id)
    place = _place_bytes(table, field, row_id)  # refuses a bad name before any key is made
    key = active_data_key(agency)
    header = bytes([SEAL_VERSION]) + key.id.bytes
    nonce = secrets.token_bytes(NONCE_BYTES)
    aad = _associated_data(header, agency, place)
    return header + nonce + AESGCM(key.key).encrypt(nonce, plaintext.encode("utf-8"), aad)


def unseal(*, agency_id: AgencyId, table: str, field: str, row_id: RowId, sealed: Sealed | None) -> str:
    """The text sealed for exactly this (agency, table, field, row); `SealBroken` for anything else.

    An empty string sealed comes back as ""; an empty or missing value is refused, never read as "".
    """
    agency = _agency_uuid(agency_id)
    place = _place_bytes(table, field, row_id)

    def broken(reason: str) -> SealBroken:
        return SealBroken(table=table, field=field, row_id=row_id, reason=reason)

    blob = bytes(sealed) if sealed is not None else b""
    if not blob:
        raise broken("the column holds no sealed value (was it ever sealed?)")
    if blob[0] != SEAL_VERSION:
        raise broken(f"its format version is {blob[0]}, and this Haven reads version {SEAL_VERSION}")
    if len(blob) < _HEADER_BYTES + _TAG_BYTES:
        raise broken(f"it is truncated ({len(blob)} bytes; a sealed value has at least 45)")
    key_id = uuid.UUID(bytes=blob[1 : 1 + _KEY_ID_BYTES])
    key = data_key(agency, key_id)
    if key is None:
        owner = data_key_owner(key_id)
        if owner is None:
            raise broken(f"it was sealed with data key {key_id}, which this database does not hold")
        raise broken(f"it was sealed with the data key of another agency ({owner}), not of agency {agency}")
    aad = _associated_data(blob[: 1 + _KEY_ID_BYTES], agency, place)
    try:
        plain = AESGCM(key.key).decrypt(blob[1 + _KEY_ID_BYTES : _HEADER_BYTES], blob[_HEADER_BYTES:], aad)
    except InvalidTag:
        raise broken(
            "authentication failed — the bytes were altered, or moved here from another row, field, "
            "table or agency"
        ) from None
    return plain.decode("utf-8")


# --- the model-field pattern -----------------------------------------------------------------------------


def _place(instance: models.Model, field_name: str) -> tuple[str, str, Any]:
    field = instance._meta.get_field(field_name)
    if not isinstance(field, models.BinaryField):
        raise TypeError(
            f"{type(instance).__name__}.{field_name} must be a BinaryField to hold sealed text, "
            f"not {type(field).__name__}"
        )
    return instance._meta.db_table, field.column, instance.pk


def seal_for(instance: models.Model, field_name: str, agency_id: AgencyId, text: str) -> None:
    """Seal `text` into the BinaryField `field_name` of `instance` (table and row from the instance)."""
    table, column, row_id = _place(instance, field_name)
    setattr(
        instance,
        field_name,
        seal(agency_id=agency_id, table=table, field=column, row_id=row_id, plaintext=text),
    )


def unseal_for(instance: models.Model, field_name: str, agency_id: AgencyId) -> str:
    """The text sealed in the BinaryField `field_name` of `instance`; `SealBroken` if it does not open."""
    table, column, row_id = _place(instance, field_name)
    return unseal(
        agency_id=agency_id,
        table=table,
        field=column,
        row_id=row_id,
        sealed=getattr(instance, field_name),
    )


class EncryptedText(property):
    """A model attribute whose text lives sealed in a BinaryField: `body = EncryptedText("body_sealed")`.

    Reading unseals (every time: no plaintext is kept on the instance), assigning seals. The owning agency
    is read from `agency_field` (default "agency_id"). A property, so model constructors accept it as a
    keyword; fields are set first, so the primary key and agency are there when it seals.
    """

    def __init__(self, sealed_field: str, *, agency_field: str = "agency_id") -> None:
        self.sealed_field = sealed_field
        self.agency_field = agency_field
        super().__init__(doc=f"Text sealed in {sealed_field}, owned by {agency_field}.")

    @overload
    def __get__(self, instance: None, owner: type | None = None, /) -> EncryptedText: ...
    @overload
    def __get__(self, instance: models.Model, owner: type | None = None, /) -> str: ...
    def __get__(self, instance: models.Model | None, owner: type | None = None, /) -> EncryptedText | str:
        if instance is None:
            return self
        return unseal_for(instance, self.sealed_field, self._agency(instance))

    def __set__(self, instance: Any, value: str, /) -> None:
        seal_for(instance, self.sealed_field, self._agency(instance), value)

    def __delete__(self, instance: Any, /) -> None:
        raise AttributeError(f"sealed text cannot be deleted; seal '' into {self.sealed_field} instead")

    def _agency(self, instance: models.Model) -> AgencyId:
        agency_id = getattr(instance, self.agency_field)
        if agency_id is None:
            raise ValueError(
                f"{type(instance).__name__}.{self.agency_field} is empty: set the owning agency before "
                "its sealed text"
            )
        return agency_id  # type: ignore[no-any-return]
