"""The chain head moves only with an appended event, through one narrow path.

PostgreSQL (the application's role may insert audit events and read the head, nothing else):
* `haven_audit_lock_head()` locks and returns the head for an append. It runs as the tables' owner
  (SECURITY DEFINER), since locking a row FOR UPDATE needs a privilege the application's role lacks. A
  missing head is created only for an empty chain.
* A trigger before each insert into the audit table, also as the owner, checks that the event follows the
  head (sequence = head + 1, previous hash = head's hash) and moves the head to it.
* A guard refuses any other INSERT, UPDATE, DELETE or TRUNCATE on the head, and TRUNCATE on the audit
  table, from anyone but the owner (migrations, restores); UPDATE and DELETE on the audit table stay
  refused for everyone (migration 0002).

SQLite: the same check and move as triggers (the file's holder can drop them: there the audit key is
what protects the chain). Django rebuilds an SQLite table to alter it, which drops its triggers: a later
migration that alters audit_auditrecord must create them again.
"""

from __future__ import annotations

from django.db import migrations

# (PostgreSQL's statements go through the schema editor with parameters: a % in them is written %%.)

POSTGRESQL = """
CREATE OR REPLACE FUNCTION haven_audit_lock_head() RETURNS TABLE(sequence bigint, hash varchar, key_id varchar)
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY SELECT h.sequence, h.hash, h.key_id FROM audit_auditchainhead h WHERE h.id = 1 FOR UPDATE;
    IF FOUND THEN
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM audit_auditrecord) THEN
        RAISE EXCEPTION 'the audit chain head row is missing while events exist: the chain cannot be extended'
            USING ERRCODE = 'data_exception';
    END IF;
    INSERT INTO audit_auditchainhead (id, sequence, hash, key_id) VALUES (1, 0, repeat('0', 64), '')
        ON CONFLICT (id) DO NOTHING;
    RETURN QUERY SELECT h.sequence, h.hash, h.key_id FROM audit_auditchainhead h WHERE h.id = 1 FOR UPDATE;
END;
$$;

CREATE OR REPLACE FUNCTION haven_audit_advance_head() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    head_sequence bigint;
    head_hash varchar;
BEGIN
    SELECT h.sequence, h.hash INTO head_sequence, head_hash FROM audit_auditchainhead h WHERE h.id = 1 FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the audit chain head row is missing: event #%% cannot be appended', NEW.sequence
            USING ERRCODE = 'data_exception';
    END IF;
    IF NEW.sequence <> head_sequence + 1 OR NEW.prev_hash <> head_hash THEN
        RAISE EXCEPTION 'audit event #%% does not follow the chain head #%%: refused', NEW.sequence, head_sequence
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    UPDATE audit_auditchainhead SET sequence = NEW.sequence, hash = NEW.hash, key_id = NEW.key_id WHERE id = 1;
    RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION haven_audit_owner_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE') THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    RAISE EXCEPTION 'the audit chain head moves only with an appended event: %% on %%.%% is refused',
        TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER haven_audit_advance_head BEFORE INSERT ON audit_auditrecord
    FOR EACH ROW EXECUTE FUNCTION haven_audit_advance_head();
CREATE TRIGGER haven_audit_head_guard BEFORE INSERT OR UPDATE OR DELETE ON audit_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION haven_audit_owner_only();
CREATE TRIGGER haven_audit_head_truncate_guard BEFORE TRUNCATE ON audit_auditchainhead
    FOR EACH STATEMENT EXECUTE FUNCTION haven_audit_owner_only();
CREATE TRIGGER haven_audit_truncate_guard BEFORE TRUNCATE ON audit_auditrecord
    FOR EACH STATEMENT EXECUTE FUNCTION haven_audit_owner_only();
INSERT INTO audit_auditchainhead (id, sequence, hash, key_id)
    SELECT 1, 0, repeat('0', 64), '' WHERE NOT EXISTS (SELECT 1 FROM audit_auditrecord)
    ON CONFLICT (id) DO NOTHING;
"""

POSTGRESQL_BACKWARD = """
DROP TRIGGER IF EXISTS haven_audit_truncate_guard ON audit_auditrecord;
DROP TRIGGER IF EXISTS haven_audit_head_truncate_guard ON audit_auditchainhead;
DROP TRIGGER IF EXISTS haven_audit_head_guard ON audit_auditchainhead;
DROP TRIGGER IF EXISTS haven_audit_advance_head ON audit_auditrecord;
DROP FUNCTION IF EXISTS haven_audit_owner_only();
DROP FUNCTION IF EXISTS haven_audit_advance_head();
DROP FUNCTION IF EXISTS haven_audit_lock_head();
"""

SQLITE = [
    """
CREATE TRIGGER haven_audit_check_head BEFORE INSERT ON audit_auditrecord
BEGIN
    SELECT RAISE(ABORT, 'audit event does not follow the chain head: refused')
    WHERE NOT EXISTS (
        SELECT 1 FROM audit_auditchainhead
        WHERE id = 1 AND sequence = NEW.sequence - 1 AND hash = NEW.prev_hash
    );
END
""",
    """
CREATE TRIGGER haven_audit_advance_head AFTER INSERT ON audit_auditrecord
BEGIN
    UPDATE audit_auditchainhead SET sequence = NEW.sequence, hash = NEW.hash, key_id = NEW.key_id WHERE id = 1;
END
""",
    """
INSERT OR IGNORE INTO audit_auditchainhead (id, sequence, hash, key_id)
    SELECT 1, 0, '0000000000000000000000000000000000000000000000000000000000000000', ''
    WHERE NOT EXISTS (SELECT 1 FROM audit_auditrecord)
""",
]

SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS haven_audit_advance_head",
    "DROP TRIGGER IF EXISTS haven_audit_check_head",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_BACKWARD)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_rekey_v1_chain")]
    operations = [migrations.RunPython(forward, backward)]
