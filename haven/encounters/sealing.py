"""Sealing compartment-only text of encounter records with the owning agency's data key.

Convention: a model field `<name>_sealed` holds the ciphertext of `<name>`; the associated data binds
the owning agency, the table, `<name>` and the row id, so a ciphertext moved anywhere else fails to open.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from haven.access.crypto import seal, unseal


def seal_field(instance: Any, name: str, agency_id: UUID, text: str) -> None:
    """Set `<name>_sealed` on a model instance whose primary key is already set (UUIDs are).

    Empty text is sealed too: a blanked column must fail to open, never read as "nothing written"."""
    sealed = seal(
        agency_id=agency_id, table=instance._meta.db_table, field=name, row_id=instance.pk, plaintext=text
    )
    setattr(instance, f"{name}_sealed", sealed)


def open_field(instance: Any, name: str, agency_id: UUID) -> str:
    """The text of `<name>`; a ciphertext that does not open — blanked, moved or changed — raises."""
    sealed = bytes(getattr(instance, f"{name}_sealed") or b"")
    return unseal(
        agency_id=agency_id, table=instance._meta.db_table, field=name, row_id=instance.pk, sealed=sealed
    )
