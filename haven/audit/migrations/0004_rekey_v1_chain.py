"""Data: a chain linked with plain SHA-256 (canonical form v1) is re-linked under the audit key (v2).

No production deployment held a v1 chain, so the chain is treated as keyed from its first event: an
embedded database from before (a demo, an exercise) is re-linked once, *after* its v1 chain verified
intact, so nothing that was already changed is laundered. A v1 chain that does not verify stops the
migration, naming the first event that breaks it (restore the database from a backup, or start a fresh
one). The v1 rules are copied here as they were, so this file keeps working whatever the chain becomes.
"""

from __future__ import annotations

import hashlib
from datetime import UTC

from django.db import migrations

from haven.audit.chain import canonical_form, event_link
from haven.audit.keys import audit_key_ring

GENESIS = "0" * 64
V1 = "haven.audit/v1"
SEPARATOR = "\x1f"


def _time(moment) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _hex(value) -> str:
    return "" if value is None else value.hex


def _fields(event) -> list[str]:
    return [
        str(event.sequence),
        _time(event.occurred_at),
        _hex(event.actor_id),
        event.actor_label,
        _hex(event.actor_agency_id),
        _hex(event.subject_agency_id),
        event.event_type,
        event.target_type,
        event.target_id,
        _hex(event.operation_id),
        event.outcome,
        event.client_address,
        event.details,
    ]


def rekey_v1_chain(record_model, head_model, connection) -> int:
    """Verify a v1 chain, then re-link it under the current audit key; the number of events re-linked."""
    events = list(record_model.objects.order_by("sequence"))
    if not events or all(event.key_id for event in events):
        return 0
    prev = GENESIS
    for expected, event in enumerate(events, start=1):
        canonical = SEPARATOR.join([V1, *_fields(event)])
        if (
            event.sequence != expected
            or event.prev_hash != prev
            or hashlib.sha256((prev + canonical).encode()).hexdigest() != event.hash
        ):
            raise RuntimeError(
                f"The audit chain (v1) does not verify at event #{expected}: Haven will not re-link a chain "
                "under the audit key that was already broken. Restore the database from a backup, or start "
                "a fresh one; the previous release's `haven audit verify` names what was changed."
            )
        prev = event.hash
    head = head_model.objects.filter(pk=1).first()
    if head is not None and (head.sequence, head.hash) != (events[-1].sequence, events[-1].hash):
        raise RuntimeError(
            f"The audit chain head (#{head.sequence}) is not the chain's last event (#{events[-1].sequence}): "
            "Haven will not re-link a chain that was already broken. Restore the database from a backup."
        )
    key = audit_key_ring().current
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgresql:
            cursor.execute("ALTER TABLE audit_auditrecord DISABLE TRIGGER USER")
        prev = GENESIS
        for event in events:
            fields = _fields(event)
            canonical = canonical_form(
                sequence=event.sequence,
                occurred_at=fields[1],
                actor_id=fields[2],
                actor_label=fields[3],
                actor_agency_id=fields[4],
                subject_agency_id=fields[5],
                event_type=fields[6],
                target_type=fields[7],
                target_id=fields[8],
                operation_id=fields[9],
                outcome=fields[10],
                client_address=fields[11],
                details=fields[12],
                key_id=key.key_id,
            )
            link = event_link(key.key, prev, canonical)
            cursor.execute(
                "UPDATE audit_auditrecord SET prev_hash = %s, hash = %s, key_id = %s WHERE id = %s",
                [prev, link, key.key_id, event.pk],
            )
            prev = link
        if postgresql:
            cursor.execute("ALTER TABLE audit_auditrecord ENABLE TRIGGER USER")
    head_model.objects.update_or_create(
        pk=1, defaults={"sequence": events[-1].sequence, "hash": prev, "key_id": key.key_id}
    )
    return len(events)


def forward(apps, schema_editor):
    rekey_v1_chain(
        apps.get_model("audit", "AuditRecord"),
        apps.get_model("audit", "AuditChainHead"),
        schema_editor.connection,
    )


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_keyed_chain")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
