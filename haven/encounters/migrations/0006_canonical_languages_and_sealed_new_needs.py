"""Data for 0004: keep every stored language a canonical BCP 47 tag, and seal the new needs of the
assessments already recorded.

- Languages were ISO 639-1 codes; each is a BCP 47 tag and already canonical except `tl` (Tagalog), whose
  canonical form is `fil` (haven.core.languages). Rewriting it keeps it matching what people type now.
- A sealed column that holds nothing must fail to open (haven/encounters/sealing.py: a blanked column is
  never read as "nothing written"), so each assessment recorded before gets an empty text sealed, with its
  agency's key, for clothing, contact, childcare, transportation, legal, counseling and concerns — exactly
  what the service seals for a need left empty.

The reverse step does nothing: 0004's reverse drops the new columns, and `fil` could not be stored before.
"""

from django.db import migrations

from haven.access.crypto import seal

RENAMED = {"tl": "fil"}
NEW_SEALED = ("clothing", "contact", "childcare", "transportation", "legal", "counseling", "concerns")


def canonical_languages(apps, schema_editor):
    alias = schema_editor.connection.alias
    person_language = apps.get_model("encounters", "PersonLanguage").objects.using(alias)
    for old, new in RENAMED.items():
        for row in person_language.filter(code=old):
            if person_language.filter(person_id=row.person_id, code=new).exists():
                row.delete()
            else:
                row.code = new
                row.save(update_fields=["code"])
        for model in ("NeedsAssessment", "InformationGiven"):
            apps.get_model("encounters", model).objects.using(alias).filter(language=old).update(language=new)


def seal_new_needs(apps, schema_editor):
    alias = schema_editor.connection.alias
    model = apps.get_model("encounters", "NeedsAssessment")
    table = model._meta.db_table
    for assessment in model.objects.using(alias).order_by("pk"):
        for name in NEW_SEALED:
            if not bytes(getattr(assessment, f"{name}_sealed") or b""):
                sealed = seal(
                    agency_id=assessment.agency_id,
                    table=table,
                    field=name,
                    row_id=assessment.pk,
                    plaintext="",
                )
                setattr(assessment, f"{name}_sealed", sealed)
        assessment.save(using=alias, update_fields=[f"{name}_sealed" for name in NEW_SEALED])


class Migration(migrations.Migration):
    dependencies = [
        ("encounters", "0005_languages_as_tags_and_every_need"),
        ("access", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(canonical_languages, migrations.RunPython.noop),
        migrations.RunPython(seal_new_needs, migrations.RunPython.noop),
    ]
