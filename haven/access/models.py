"""The per-agency data keys of encryption at rest, stored only in wrapped form (see haven/access/keys.py)."""

from __future__ import annotations

import uuid

from django.db import models

from haven.accounts.models import Agency


class AgencyDataKey(models.Model):
    """One agency's data key, wrapped (AES-256-GCM) by a key-encryption key that never enters the database.

    Rule (access-policy.md, "Encryption at rest"): compartment-only text is sealed with the data key of the
    agency that owns it; the data key is useless without the key-encryption key named by `kek_id`. An
    agency has at most one active key (`retired_at` empty); a retired key stays, still wrapped, so that
    whatever it sealed can still be read.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="data_keys", editable=False)
    wrapped_key = models.BinaryField(editable=False)
    # The first 16 hex digits of SHA-256 of the key-encryption key that wrapped `wrapped_key`.
    kek_id = models.CharField(max_length=16, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    # When the wrapping last changed (a key-encryption key rotation); the data key itself does not change.
    rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    retired_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ("created_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["agency"],
                condition=models.Q(retired_at__isnull=True),
                name="access_one_active_data_key_per_agency",
            ),
        ]

    def __str__(self) -> str:
        state = "retired" if self.retired_at else "active"
        return f"data key {self.id} ({state}, wrapped by {self.kek_id})"
