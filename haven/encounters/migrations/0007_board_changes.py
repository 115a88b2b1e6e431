"""The board's change log: a table, and triggers on every table whose records the board shows that add a
row to it in the writer's transaction (haven/encounters/board_log.py, with the tables of `SOURCES_0007`).
`selectors.board_version` counts the rows.
"""

from __future__ import annotations

from django.db import migrations, models

from haven.encounters.board_log import SOURCES_0007, install, uninstall


def forward(apps, schema_editor):
    install(schema_editor, SOURCES_0007)


def backward(apps, schema_editor):
    uninstall(schema_editor, SOURCES_0007)
    if schema_editor.connection.vendor == "postgresql":
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
        migrations.RunPython(forward, backward),
    ]
