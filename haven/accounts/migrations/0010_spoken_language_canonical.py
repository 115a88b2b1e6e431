"""Keep the languages users speak valid as BCP 47 tags in their canonical form (haven.core.languages).

Before, a language was one of the ISO 639-1 codes; each of them is a BCP 47 tag and already canonical except
`tl` (Tagalog), whose canonical form is `fil`. Rewriting it keeps it matching what people type now. The
reverse step does nothing: `fil` could not be stored before, so every `fil` came from here or is new."""

from django.db import migrations

RENAMED = {"tl": "fil"}


def canonical_spoken_languages(apps, schema_editor):
    SpokenLanguage = apps.get_model("accounts", "SpokenLanguage")
    rows = SpokenLanguage.objects.using(schema_editor.connection.alias)
    for old, new in RENAMED.items():
        for row in rows.filter(code=old):
            if rows.filter(user_id=row.user_id, code=new).exists():
                row.delete()
            else:
                row.code = new
                row.save(update_fields=["code"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0009_spoken_language_bcp47_tag")]

    operations = [migrations.RunPython(canonical_spoken_languages, migrations.RunPython.noop)]
