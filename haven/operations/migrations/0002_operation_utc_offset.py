"""Each operation keeps its plan's own UTC offset, so the pages can show its times as the people on the
ground read their clocks. Existing operations take it from their current plan version's start."""

from datetime import datetime

from django.db import migrations, models


def offsets_from_plans(apps, schema_editor):
    Operation = apps.get_model("operations", "Operation")
    for operation in Operation.objects.exclude(current_version=None).select_related("current_version"):
        starts_at = (operation.current_version.document.get("operation") or {}).get("starts_at")
        try:
            offset = datetime.fromisoformat(str(starts_at)).utcoffset()
        except ValueError:
            continue
        if offset is not None:
            operation.utc_offset_minutes = int(offset.total_seconds() // 60)
            operation.save(update_fields=["utc_offset_minutes"])


class Migration(migrations.Migration):
    dependencies = [("operations", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="operation",
            name="utc_offset_minutes",
            field=models.SmallIntegerField(default=0),
        ),
        migrations.RunPython(offsets_from_plans, migrations.RunPython.noop),
    ]
