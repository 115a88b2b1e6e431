"""The audit trail: one row per event, chained by hashes so that no one can quietly change it."""

from __future__ import annotations

from django.conf import settings
from django.db import models

GENESIS_HASH = "0" * 64


class AuditRecord(models.Model):
    """One audit event. Rows are appended by `haven.audit.services.record` and never changed.

    `sequence` numbers the chain without gaps; `prev_hash` is the previous event's `hash`; `hash` is
    HMAC-SHA256 under the audit key named by `key_id` over `prev_hash` and the event's canonical form
    (see `haven.audit.chain`). On PostgreSQL the application's role may only insert rows, and a trigger
    moves the chain head with each insert (migration 0005).
    """

    sequence = models.BigIntegerField(unique=True, editable=False)
    occurred_at = models.DateTimeField(editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    actor_label = models.CharField(max_length=150, blank=True, editable=False)
    actor_agency_id = models.UUIDField(null=True, blank=True, editable=False, db_index=True)
    subject_agency_id = models.UUIDField(null=True, blank=True, editable=False, db_index=True)
    event_type = models.CharField(max_length=64, editable=False, db_index=True)
    target_type = models.CharField(max_length=64, blank=True, editable=False)
    target_id = models.CharField(max_length=64, blank=True, editable=False)
    operation_id = models.UUIDField(null=True, blank=True, editable=False, db_index=True)
    outcome = models.CharField(max_length=16, editable=False)
    client_address = models.CharField(max_length=64, blank=True, editable=False)
    details = models.TextField(default="{}", editable=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, unique=True, editable=False)
    key_id = models.CharField(max_length=16, blank=True, default="", editable=False)

    class Meta:
        ordering = ("-sequence",)
        verbose_name = "audit event"

    def __str__(self) -> str:
        return f"#{self.sequence} {self.event_type} {self.occurred_at:%Y-%m-%d %H:%M:%S}Z"


class AuditChainHead(models.Model):
    """The last event of the chain. Locked by every append so that concurrent writers cannot fork it,
    moved only by the insert trigger (migration 0005), and compared by the verifier so that events
    appended, removed or edited behind its back are found. `key_id` names the audit key the next event
    is linked under (empty before the first event)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)
    key_id = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_chain_head_singleton")]

    def __str__(self) -> str:
        return f"head #{self.sequence}"
