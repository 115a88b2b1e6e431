"""Models for the encryption tests only: the model-field pattern of haven/access/crypto.py, on real tables.

They live in their own app registry, so Django's migrations and the test database's flush never see them;
the `sealed_note_tables` fixture creates their tables for a test module and drops them after. Every text is invented.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps.registry import Apps
from django.db import connection, models

from haven.access.crypto import EncryptedText

crypto_test_apps = Apps(installed_apps=())


class SealedNoteBase(models.Model):
    """What an encounter record with compartment-only text looks like: an owner, a plain column, and the
    sealed text behind an `EncryptedText`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency_id = models.UUIDField()
    # Plain, not sealed: the control that proves a search of the raw database finds what is there.
    label = models.CharField(max_length=100)
    body_sealed = models.BinaryField()
    summary_sealed = models.BinaryField(null=True)
    body = EncryptedText("body_sealed")
    summary = EncryptedText("summary_sealed")

    class Meta:
        abstract = True
        apps = crypto_test_apps
        app_label = "crypto_tests"

    def __str__(self) -> str:
        return self.label


class SealedNote(SealedNoteBase):
    class Meta(SealedNoteBase.Meta):
        db_table = "crypto_tests_sealed_note"


class OtherSealedNote(SealedNoteBase):
    """The same columns in another table, to prove the table is bound into each seal."""

    class Meta(SealedNoteBase.Meta):
        db_table = "crypto_tests_other_sealed_note"


MODELS: tuple[type[models.Model], ...] = (SealedNote, OtherSealedNote)


@pytest.fixture(scope="module")
def sealed_note_tables(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The test models' tables, for one test module (outside any test's transaction)."""
    with django_db_blocker.unblock(), connection.schema_editor() as editor:
        for model in MODELS:
            editor.create_model(model)
    yield
    with django_db_blocker.unblock(), connection.schema_editor() as editor:
        for model in MODELS:
            editor.delete_model(model)
