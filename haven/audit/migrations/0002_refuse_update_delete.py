"""On PostgreSQL, the audit table refuses UPDATE and DELETE for everyone who does not own it."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION haven_audit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: %% on %%.%% is refused', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER haven_audit_append_only
    BEFORE UPDATE OR DELETE ON audit_auditrecord
    FOR EACH ROW EXECUTE FUNCTION haven_audit_refuse_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS haven_audit_append_only ON audit_auditrecord;
DROP FUNCTION IF EXISTS haven_audit_refuse_change();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
