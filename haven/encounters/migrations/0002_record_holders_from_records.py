"""Every agency that already holds records of its own on an operation is recorded as a record holder, so
that a plan amendment dropping it leaves it its own records (haven.operations.models.RecordHolder)."""

from django.db import migrations

# model → the field naming the agency whose own record it is
_OWNED = {
    "NeedsAssessment": "agency_id",
    "InformationGiven": "agency_id",
    "VictimServiceRecord": "agency_id",
    "AttorneyNote": "agency_id",
    "Consent": "agency_id",
}


def forward(apps, schema_editor):
    RecordHolder = apps.get_model("operations", "RecordHolder")
    pairs = set()
    for name, field in _OWNED.items():
        model = apps.get_model("encounters", name)
        pairs |= set(model.objects.values_list("person__operation_id", field))
    Interview = apps.get_model("encounters", "Interview")
    pairs |= set(
        Interview.objects.filter(status="conducted", agency__type="forensic_interview").values_list(
            "person__operation_id", "agency_id"
        )
    )
    RecordHolder.objects.bulk_create(
        [RecordHolder(operation_id=operation, agency_id=agency) for operation, agency in sorted(pairs)],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("encounters", "0001_initial"),
        ("operations", "0003_record_holder"),
    ]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
