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

Since encounters 0008 the log also records what a signed-in reader's access rests on (`SOURCES_0008`):
the accounts (every column but those a sign-in attempt writes), their second-factor devices, the plan's
listing of agencies and the agencies that keep records on an operation. A poll answered before the
policy runs (`haven.web.board_polls`) is valid only while none of these changed.
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
        every board). `columns`: the columns whose update is logged, only when one of their values changed
    (none: any update)."""

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

#: The columns of an account whose change logs a change on every board (encounters 0008): what the board
#: shows of it and everything its sessions' access rests on (password and epoch, activity, agency, roles).
USER_COLUMNS_0008 = (
    "password",
    "username",
    "name",
    "agency_id",
    "is_active",
    "is_coordinator",
    "is_auditor",
    "is_admin",
    "gender",
    "locked_at",
    "session_epoch",
    "must_change_password",
)
#: An account's columns that log nothing: written at every sign-in attempt (or never after insert), none
#: grants or ends access by itself (a lock writes `locked_at` and `session_epoch` too).
USER_COLUMNS_NOT_LOGGED = ("id", "created_at", "updated_at", "last_login", "failed_sign_ins")
#: A second-factor device's columns whose change logs a change on every board: whose it is, whether it is
#: confirmed, its secret (enrolled again).
AUTHENTICATOR_COLUMNS_0008 = (
    "user_id",
    "confirmed",
    "secret_sealed",
    "kek_id",
    "step",
    "t0",
    "digits",
    "tolerance",
)
#: Written at each code entered (or never after insert); a session's standing does not rest on them.
AUTHENTICATOR_COLUMNS_NOT_LOGGED = (
    "id",
    "name",
    "created_at",
    "last_used_at",
    "throttling_failure_timestamp",
    "throttling_failure_count",
    "drift",
    "last_t",
)

#: encounters 0008: the tables of 0007, the accounts' columns above, and what a standing rests on.
SOURCES_0008: tuple[Source, ...] = (
    *(source for source in SOURCES_0007 if source.table != "accounts_user"),
    Source("accounts_user", "everywhere", USER_COLUMNS_0008),
    Source("accounts_authenticator", "everywhere", AUTHENTICATOR_COLUMNS_0008),
    Source("operations_operationagency", "operation"),
    Source("operations_recordholder", "operation"),
)


TALLY = "encounters_boardchangetally"


def counts_sql(operation_id: str) -> str:
    """The two numbers a board's version rests on, as two SQL select expressions: the changes on the
    operation whose id the SQL expression `operation_id` gives (named twice: a placeholder takes two
    parameters), and those on every board — each the rows still in the log plus the tallies compacted from
    it (`compact`)."""

    def count(scope: str) -> str:
        return (
            f"((SELECT COUNT(*) FROM {LOG} WHERE operation_id {scope}) + "  # noqa: S608 (constants)
            f"(SELECT COALESCE(SUM(changes), 0) FROM {TALLY} WHERE operation_id {scope}))"
        )

    return f"{count(f'= {operation_id}')}, {count('IS NULL')}"


#: a board's logged rows are compacted once there are this many
COMPACT_AT = 100


def compact() -> int:
    """Move the logged changes of each board with at least `COMPACT_AT` rows into its tally, in one
    transaction: the rows deleted (only those this transaction deleted count, so two workers compacting at
    once never count a row twice) and the board's tallies collapsed into one row holding their sum and
    theirs. A reader sees the log before or after, never between: each count stays what it was. Returns
    the number of rows moved. Run by `haven worker` about once a minute (haven.core.housekeeping)."""
    from django.db import transaction  # noqa: PLC0415 (the migrations import this module)
    from django.db.models import Count  # noqa: PLC0415

    from haven.encounters.models import BoardChange, BoardChangeTally  # noqa: PLC0415

    moved = 0
    busy = (
        BoardChange.objects.values("operation_id")
        .annotate(rows=Count("id"))
        .filter(rows__gte=COMPACT_AT)
        .values_list("operation_id", flat=True)
    )
    for operation_id in list(busy):
        scope: dict[str, object] = (
            {"operation_id": operation_id} if operation_id is not None else {"operation_id__isnull": True}
        )
        with transaction.atomic():
            tallies = list(
                BoardChangeTally.objects.select_for_update().filter(**scope).values_list("id", "changes")
            )
            deleted, _ = BoardChange.objects.filter(**scope).delete()
            BoardChangeTally.objects.filter(id__in=[i for i, _ in tallies]).delete()
            total = sum(changes for _, changes in tallies) + deleted
            BoardChangeTally.objects.create(operation_id=operation_id, changes=total)
        moved += deleted
    return moved


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
            when, changed = event, ""
            if event == "UPDATE" and source.columns:
                when = f"UPDATE OF {', '.join(source.columns)}"
                distinct = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
                changed = " OR ".join(f"OLD.{column} {distinct} NEW.{column}" for column in source.columns)
                changed = f" WHEN ({changed})"
            name = _trigger_name(source.table, event)
            if vendor == "postgresql":
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {source.table}")
                schema_editor.execute(
                    f"CREATE TRIGGER {name} AFTER {when} ON {source.table} FOR EACH ROW{changed} "
                    f"EXECUTE FUNCTION haven_board_changed('{source.mode}')"
                )
            elif vendor == "sqlite":
                body = "; ".join(_sqlite_inserts(source.mode, event))
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
                schema_editor.execute(
                    f"CREATE TRIGGER {name} AFTER {when} ON {source.table} FOR EACH ROW{changed} "
                    f"BEGIN {body}; END"
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
