"""The tallies the board's change log is compacted into (`BoardChangeTally`, haven/encounters/board_log.py
`compact`): a board's count is its logged rows plus its tallies."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("encounters", "0008_access_changes"),
    ]

    operations = [
        migrations.CreateModel(
            name="BoardChangeTally",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("operation_id", models.UUIDField(db_index=True, null=True)),
                ("changes", models.BigIntegerField()),
            ],
        ),
    ]
