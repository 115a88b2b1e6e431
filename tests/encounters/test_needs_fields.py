"""A needs assessment has a field for every need the readiness policy allows and one for the person's
concerns (issue 13), each sealed for the assessing provider like the rest of the assessment."""

from __future__ import annotations

from datetime import timedelta

import pytest

from haven.encounters import services
from haven.encounters.models import NeedsAssessment
from haven.encounters.selectors import NeedsAssessmentEntry, person_view
from haven.operations.selectors import standing
from haven.readiness.policy import DEFAULT_POLICY
from tests.database_copy import database_copy_bytes

pytestmark = pytest.mark.django_db

WRITTEN = {
    "clothing": "MARK-CLOTHING-coat-1101",
    "contact": "MARK-CONTACT-sister-1102",
    "childcare": "MARK-CHILDCARE-son-1103",
    "transportation": "MARK-TRANSPORT-bus-1104",
    "legal": "MARK-LEGAL-visa-1105",
    "counseling": "MARK-COUNSEL-sleep-1106",
    "concerns": "MARK-CONCERNS-family-1107",
}


def test_the_read_models_assessment_entry_carries_every_sealed_text_of_an_assessment():
    # a sealed text added to the model and forgotten in the person read model would never be shown
    sealed = set(NeedsAssessmentEntry.__dataclass_fields__) - {
        "at",
        "by",
        "agency",
        "urgent",
        "language",
    }
    assert sealed == set(NeedsAssessment.SEALED)


def test_every_need_the_policy_allows_has_a_field():
    assert {*NeedsAssessment.NEEDS, "language"} == set(DEFAULT_POLICY.allowed_information_needs)
    assert {"concerns", "language_notes"} <= set(NeedsAssessment.SEALED)


def test_each_need_and_the_concerns_are_recorded_sealed_and_read_by_the_assessing_provider_alone(
    register, persona, t0
):
    person = register()
    services.needs_assessment_record(
        actor=persona("advocate"), person=person, at=t0 + timedelta(minutes=30), **WRITTEN
    )
    advocate = persona("advocate")
    (full,) = person_view(advocate, standing(advocate, person.operation), person).needs_full or []
    assert {name: getattr(full, name) for name in WRITTEN} == WRITTEN
    investigator = persona("investigator")
    assert person_view(investigator, standing(investigator, person.operation), person).needs_full is None
    copy = database_copy_bytes()
    assert not any(text.encode() in copy for text in WRITTEN.values())


def test_the_persons_concerns_alone_are_an_assessment(register, persona, t0):
    person = register()
    assessment = services.needs_assessment_record(
        actor=persona("advocate"), person=person, concerns="Worried about her family at home"
    )
    assert assessment.pk
