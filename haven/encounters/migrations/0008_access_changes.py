"""The board's change log records what a signed-in reader's access rests on too (haven/encounters/
board_log.py, `SOURCES_0008`): every access column of an account, second-factor devices, the plan's listing
of agencies and record holders. A poll answered before the policy (haven/web/board_polls.py) rests on it.
"""

from __future__ import annotations

from django.db import migrations

from haven.encounters.board_log import SOURCES_0007, SOURCES_0008, install, uninstall

_NEW = tuple(source for source in SOURCES_0008 if source not in SOURCES_0007)


def forward(apps, schema_editor):
    install(schema_editor, _NEW)


def backward(apps, schema_editor):
    uninstall(schema_editor, _NEW)
    install(schema_editor, [source for source in SOURCES_0007 if source.table == "accounts_user"])


class Migration(migrations.Migration):
    dependencies = [
        ("encounters", "0007_board_changes"),
        ("accounts", "0011_account_change_agency_status"),
        ("operations", "0003_record_holder"),
    ]

    operations = [migrations.RunPython(forward, backward)]
