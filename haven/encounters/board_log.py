"""The board's change log, kept by the database: triggers on every table whose records the live board
shows add a row to `encounters_boardchange` (`BoardChange`: the operation whose board changed, NULL for
what every board shows) on insert, update and delete, in the writer's transaction. An update that moves a
row to another person or operation logs both operations. `selectors.board_version` counts the rows.

Migrations create the triggers (`install`, with the list of tables as that migration knows them:
`SOURCES_0007` for encounters 0007); `tests/web/test_board_polling.py` holds the installed triggers to
what the board reads, on both databases.

**A later migration that alters `encounters_person` on SQLite** must drop the triggers that read it first
and create them again after (`around_person_table`): Django rebuilds an SQLite table to alter it (copy,
drop, rename), and SQLite refuses the rename while triggers of other tables name the table ("error in
trigger haven_board_…: no such table: main.encounters_person"). A migration that alters one of the other
tables drops that table's own triggers with it: `install` them again for that table.
(TRUNCATE is not logged: Haven never truncates these tables.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import migrations

LOG = "encounters_boardchange"
PERSON_TABLE = "encounters_person"
_EVENTS = ("INSERT", "UPDATE", "DELETE")


@dataclass(frozen=True)
class Source:
    """A table the board reads, and how one of its rows names its operation: "person" (through its
    person_id), "operation" (its operation_id), "self" (it is the operation), "everywhere" (NULL: shown on
    every board). `columns`: the columns whose update the board shows (none: any update)."""

    table: str
    mode: str
    columns: tuple[str, ...] = ()


#: The tables as encounters 0007 knows them (frozen: a later migration names its own list).
SOURCES_0007: tuple[Source, ...] = (
    Source("encounters_person", "operation"),
    *(
        Source(f"encounters_{name}", "person")
        for name in (
            "persontag",
            "personlanguage",
            "designation",
            "needsassessment",
            "informationgiven",
            "victimservicerecord",
            "attorneynote",
            "consent",
            "interview",
            "reliefstep",
            "dangerflag",
            "childwelfarenotice",
        )
    ),
    Source("encounters_separationalert", "operation"),
    Source("operations_area", "operation"),
    Source("operations_operation", "self"),
    Source("accounts_agency", "everywhere"),  # names and types (a provider's contact is told by its type)
    Source("accounts_user", "everywhere", ("name", "agency_id")),
)

# (The SQL below is built only from this module's constants: no value from outside reaches it.)

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
        INSERT INTO encounters_boardchange (operation_id)
            SELECT p.operation_id FROM encounters_person p WHERE p.id = changed.person_id;
        IF TG_OP = 'UPDATE' THEN
            IF OLD.person_id IS DISTINCT FROM NEW.person_id THEN
                INSERT INTO encounters_boardchange (operation_id)
                    SELECT p.operation_id FROM encounters_person p WHERE p.id = OLD.person_id;
            END IF;
        END IF;
    ELSIF TG_ARGV[0] = 'operation' THEN
        INSERT INTO encounters_boardchange (operation_id) VALUES (changed.operation_id);
        IF TG_OP = 'UPDATE' THEN
            IF OLD.operation_id IS DISTINCT FROM NEW.operation_id THEN
                INSERT INTO encounters_boardchange (operation_id) VALUES (OLD.operation_id);
            END IF;
        END IF;
    ELSIF TG_ARGV[0] = 'self' THEN
        INSERT INTO encounters_boardchange (operation_id) VALUES (changed.id);
    ELSE
        INSERT INTO encounters_boardchange (operation_id) VALUES (NULL);
    END IF;
    RETURN NULL;
END;
$$;
"""


def _trigger_name(table: str, event: str) -> str:
    return f"haven_board_{table}_{event.lower()}"


def _sqlite_inserts(mode: str, event: str) -> list[str]:
    """The statements of an SQLite trigger's body: the row's operation; for an update that moved the row,
    the operation it left too."""
    row = "OLD" if event == "DELETE" else "NEW"
    insert = f"INSERT INTO {LOG} (operation_id) "
    if mode == "person":
        located = [f"SELECT operation_id FROM {PERSON_TABLE} WHERE id = {row}.person_id"]  # noqa: S608
        moved = f"SELECT operation_id FROM {PERSON_TABLE} WHERE id = OLD.person_id AND OLD.person_id IS NOT NEW.person_id"  # noqa: S608
    elif mode == "operation":
        located = [f"SELECT {row}.operation_id"]
        moved = "SELECT OLD.operation_id WHERE OLD.operation_id IS NOT NEW.operation_id"
    elif mode == "self":
        located, moved = [f"SELECT {row}.id"], ""
    else:
        located, moved = ["SELECT NULL"], ""
    if event == "UPDATE" and moved:
        located.append(moved)
    return [insert + select for select in located]


def install(schema_editor: Any, sources: Iterable[Source]) -> None:
    """Create (or create again) the triggers of these tables."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_FUNCTION)
    for source in sources:
        for event in _EVENTS:
            when = f"UPDATE OF {', '.join(source.columns)}" if event == "UPDATE" and source.columns else event
            name = _trigger_name(source.table, event)
            if vendor == "postgresql":
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {source.table}")
                schema_editor.execute(
                    f"CREATE TRIGGER {name} AFTER {when} ON {source.table} FOR EACH ROW "
                    f"EXECUTE FUNCTION haven_board_changed('{source.mode}')"
                )
            elif vendor == "sqlite":
                body = "; ".join(_sqlite_inserts(source.mode, event))
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
                schema_editor.execute(
                    f"CREATE TRIGGER {name} AFTER {when} ON {source.table} BEGIN {body}; END"
                )


def uninstall(schema_editor: Any, sources: Iterable[Source]) -> None:
    """Drop the triggers of these tables."""
    vendor = schema_editor.connection.vendor
    for source in sources:
        for event in _EVENTS:
            name = _trigger_name(source.table, event)
            if vendor == "postgresql":
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {source.table}")
            elif vendor == "sqlite":
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


def _run(action: Callable[[Any, Iterable[Source]], None], sources: Sequence[Source]) -> Callable[..., None]:
    def run(apps: Any, schema_editor: Any) -> None:
        action(schema_editor, sources)

    return run


def around_person_table(operations: Sequence[Any], sources: Sequence[Source]) -> list[Any]:
    """A later migration's operations on `encounters_person`, between dropping the triggers that read it
    (and its own) and creating them again: `operations = around_person_table([AlterField(…)], SOURCES)`,
    with the migration's own list of sources."""
    reading = [s for s in sources if s.mode == "person" or s.table == PERSON_TABLE]
    return [
        migrations.RunPython(_run(uninstall, reading), _run(install, reading)),
        *operations,
        migrations.RunPython(_run(install, reading), _run(uninstall, reading)),
    ]
