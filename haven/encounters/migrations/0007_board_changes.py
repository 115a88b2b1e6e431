"""The board's change log: every table whose records the board shows gets triggers that add a row to
`encounters_boardchange` (the operation whose board changed; NULL for an agency's or a user's name) on
insert, update and delete, in the writer's transaction. `selectors.board_version` counts them.

The tables are listed here as they stand at this migration (a migration does not read the code of
later ones); `tests/web/test_board_polling.py` holds the installed triggers to the records the board
reads (`selectors._BOARD_SOURCES`) on both databases. Django rebuilds an SQLite table to alter it, which
drops its triggers: that test fails until a later migration that alters one of these tables creates
them again (`install(apps, schema_editor, tables)` below).
"""

from __future__ import annotations

from django.db import migrations, models

#: (app, model, how a row names its operation, the columns whose update the board shows; () for all)
#: "person": through its person (person_id); "operation": its operation_id; "self": it is the operation;
#: "everywhere": NULL, shown on every board
SOURCES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("encounters", "person", "operation", ()),
    ("encounters", "persontag", "person", ()),
    ("encounters", "personlanguage", "person", ()),
    ("encounters", "designation", "person", ()),
    ("encounters", "needsassessment", "person", ()),
    ("encounters", "informationgiven", "person", ()),
    ("encounters", "victimservicerecord", "person", ()),
    ("encounters", "attorneynote", "person", ()),
    ("encounters", "consent", "person", ()),
    ("encounters", "interview", "person", ()),
    ("encounters", "reliefstep", "person", ()),
    ("encounters", "dangerflag", "person", ()),
    ("encounters", "childwelfarenotice", "person", ()),
    ("encounters", "separationalert", "operation", ()),
    ("operations", "area", "operation", ()),
    ("operations", "operation", "self", ()),
    ("accounts", "agency", "everywhere", ("name", "slug")),
    ("accounts", "user", "everywhere", ("name", "agency_id")),
)

LOG = "encounters_boardchange"
OPERATIONS = ("INSERT", "UPDATE", "DELETE")


def _trigger_name(table: str, operation: str) -> str:
    return f"haven_board_{table}_{operation.lower()}"


# (The SQL below is built only from this file's constants: no value from outside reaches it.)


def _sqlite_row_operation(mode: str, row: str) -> str:
    if mode == "person":
        return f"SELECT operation_id FROM encounters_person WHERE id = {row}.person_id"  # noqa: S608
    column = {"operation": f"{row}.operation_id", "self": f"{row}.id", "everywhere": "NULL"}[mode]
    return f"SELECT {column}"


POSTGRESQL_FUNCTION = """
CREATE OR REPLACE FUNCTION haven_board_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed record;
BEGIN
    IF TG_OP = 'DELETE' THEN
        changed := OLD;
    ELSE
        changed := NEW;
    END IF;
    IF TG_ARGV[0] = 'person' THEN
        INSERT INTO encounters_boardchange (operation_id) SELECT p.operation_id FROM encounters_person p WHERE p.id = changed.person_id;
    ELSIF TG_ARGV[0] = 'operation' THEN
        INSERT INTO encounters_boardchange (operation_id) VALUES (changed.operation_id);
    ELSIF TG_ARGV[0] = 'self' THEN
        INSERT INTO encounters_boardchange (operation_id) VALUES (changed.id);
    ELSE
        INSERT INTO encounters_boardchange (operation_id) VALUES (NULL);
    END IF;
    RETURN NULL;
END;
$$;
"""


def install(apps, schema_editor, tables: tuple[str, ...] | None = None) -> None:
    """Create the triggers of SOURCES (or of those of its tables named in `tables`)."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_FUNCTION)
    for app, model, mode, columns in SOURCES:
        table = apps.get_model(app, model)._meta.db_table
        if tables is not None and table not in tables:
            continue
        for operation in OPERATIONS:
            event = f"UPDATE OF {', '.join(columns)}" if operation == "UPDATE" and columns else operation
            name = _trigger_name(table, operation)
            if vendor == "postgresql":
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                schema_editor.execute(
                    f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW "
                    f"EXECUTE FUNCTION haven_board_changed('{mode}')"
                )
            elif vendor == "sqlite":
                row = "OLD" if operation == "DELETE" else "NEW"
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
                schema_editor.execute(
                    f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN "
                    f"INSERT INTO encounters_boardchange (operation_id) {_sqlite_row_operation(mode, row)}; END"
                )


def uninstall(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for app, model, _mode, _columns in SOURCES:
        table = apps.get_model(app, model)._meta.db_table
        for operation in OPERATIONS:
            name = _trigger_name(table, operation)
            if vendor == "postgresql":
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            elif vendor == "sqlite":
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS haven_board_changed()")


class Migration(migrations.Migration):
    dependencies = [
        ("encounters", "0006_canonical_languages_and_sealed_new_needs"),
        ("operations", "0003_record_holder"),
        ("accounts", "0011_account_change_agency_status"),
    ]

    operations = [
        migrations.CreateModel(
            name="BoardChange",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("operation_id", models.UUIDField(db_index=True, null=True)),
            ],
        ),
        migrations.RunPython(install, uninstall),
    ]
