"""The migrations keep the data already stored valid (issue 13): every stored language becomes a canonical
BCP 47 tag (`tl` → `fil`, the one ISO 639-1 code whose canonical tag differs), and the new needs of an
assessment recorded before open as empty text, as a need left empty does."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from haven.accounts.models import SpokenLanguage
from haven.encounters import services
from haven.encounters.models import InformationGiven, NeedsAssessment, PersonLanguage
from haven.encounters.sealing import open_field

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("accounts", "0008_sign_in_throttle"), ("encounters", "0004_child_welfare_notice")]


def test_stored_languages_become_canonical_tags_and_earlier_assessments_open_their_new_needs(
    register, persona, t0, care
):
    person = register(languages=["es"])
    care(person)  # a needs assessment and information given, in Spanish
    interpreter = persona("interpreter")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    # what the earlier code could store: Tagalog as `tl`
    old.get_model("accounts", "SpokenLanguage").objects.filter(user_id=interpreter.pk, code="es").update(
        code="tl"
    )
    old.get_model("encounters", "PersonLanguage").objects.filter(person_id=person.pk).update(code="tl")
    old.get_model("encounters", "NeedsAssessment").objects.filter(person_id=person.pk).update(language="tl")
    old.get_model("encounters", "InformationGiven").objects.filter(person_id=person.pk).update(language="tl")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert sorted(SpokenLanguage.objects.filter(user=interpreter).values_list("code", flat=True)) == [
        "en",
        "fil",
        "zh",
    ]
    assert list(PersonLanguage.objects.filter(person=person).values_list("code", flat=True)) == ["fil"]
    (assessment,) = NeedsAssessment.objects.filter(person=person)
    assert assessment.language == "fil"
    assert InformationGiven.objects.get(person=person).language == "fil"
    for name in NeedsAssessment.SEALED:
        expected = "Needs insulin twice a day" if name == "medical" else ""
        assert open_field(assessment, name, assessment.agency_id) == expected
    # and what was migrated passes the services' rules as new records do
    services.information_record(
        actor=persona("advocate"), person=person, language="tl", answers="Explained in Tagalog",
        at=t0 + timedelta(minutes=90),
    )  # fmt: skip
