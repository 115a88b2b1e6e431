"""The first append to an empty chain on PostgreSQL, with several writers at once.

`haven_audit_lock_head()` (0005) looked for the head, and when it found none checked that no event
existed before creating it. Under READ COMMITTED each statement sees what was committed when it began:
a writer that looked for the head before the first writer committed, and for events after, took the
fresh chain for a head deleted over events and refused to append (seen in CI as "the audit chain head
row is missing while events exist"). Now a writer that finds no head tries to create it; only the one
that did create it checks that no event exists (and its error rolls the head back with everything
else). The others wait on the new row's key, then lock the head the first one committed.
"""

from __future__ import annotations

from django.db import migrations

LOCK_HEAD = """
CREATE OR REPLACE FUNCTION haven_audit_lock_head() RETURNS TABLE(sequence bigint, hash varchar, key_id varchar)
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY SELECT h.sequence, h.hash, h.key_id FROM audit_auditchainhead h WHERE h.id = 1 FOR UPDATE;
    IF FOUND THEN
        RETURN;
    END IF;
    INSERT INTO audit_auditchainhead (id, sequence, hash, key_id) VALUES (1, 0, repeat('0', 64), '')
        ON CONFLICT (id) DO NOTHING;
    IF FOUND AND EXISTS (SELECT 1 FROM audit_auditrecord) THEN
        RAISE EXCEPTION 'the audit chain head row is missing while events exist: the chain cannot be extended'
            USING ERRCODE = 'data_exception';
    END IF;
    RETURN QUERY SELECT h.sequence, h.hash, h.key_id FROM audit_auditchainhead h WHERE h.id = 1 FOR UPDATE;
END;
$$;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(LOCK_HEAD)


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_head_moves_only_by_insert")]
    # Backwards keeps the corrected function: 0005's backwards drops it anyway.
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
