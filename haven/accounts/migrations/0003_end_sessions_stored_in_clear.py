"""End the sessions Django's own table holds: their keys are in clear there, so a copy of the database
would hold live sessions (issue 12). Sessions now live in accounts_session under a keyed hash of the key;
everyone signed in signs in again once.

One-way by nature: a deleted session cannot come back, and the reverse step does nothing (going back to
Django's table simply starts it empty)."""

from django.db import migrations


def end_sessions_stored_in_clear(apps, schema_editor):
    apps.get_model("sessions", "Session").objects.using(schema_editor.connection.alias).all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_session_stored_under_a_hash"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(end_sessions_stored_in_clear, migrations.RunPython.noop)]
