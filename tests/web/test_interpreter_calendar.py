"""The interpreter's calendar file names the languages to interpret, and never case content (issue 13)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar

from haven.encounters import services
from tests.access.matrix_encounters import NEEDS_TEXT, QUESTIONS_TEXT, Scenario, scenario
from tests.operations.fixtures import allow_any_interviewer_for_adults

pytestmark = pytest.mark.django_db


@pytest.fixture
def s(persona) -> Scenario:
    return scenario()


def test_the_interpreters_calendar_names_the_languages_to_interpret_and_no_case_content(
    s, persona, client_for
):
    services.danger_respond(actor=persona("investigator"), flag=s.flag, response="Officer with her")
    allow_any_interviewer_for_adults(s.operation)  # Ivy, of metro-pd, interviews an adult
    interview = services.interview_schedule(
        actor=persona("investigator"),
        person=s.victim,
        interviewer=persona("investigator"),
        role="investigator",
        location=s.operation.interview_locations.get(plan_id="harbor-rooms"),
        starts_at=timezone.now() + timedelta(hours=5),
        minutes=45,
        interpreter=persona("interpreter"),
        room="2C",
    )
    response = client_for("interpreter").get(f"/operations/{s.operation.code}/interviews/mine.ics")
    assert response.status_code == 200
    (event,) = [c for c in Calendar.from_ical(response.content).walk() if c.name == "VEVENT"]
    assert str(event["UID"]) == f"{interview.pk}@haven"
    summary = str(event["SUMMARY"])
    assert summary == "Interpreting Spanish ↔ English: interview P-001"
    assert "Spanish (es) for P-001 and English (en) for the interviewer" in str(event["DESCRIPTION"])
    text = response.content.decode()
    for secret in (NEEDS_TEXT, QUESTIONS_TEXT, "Ivy Investigator", "Ines Interpreter"):
        assert secret not in text
    # the interviewer's own file says an interpreter comes, and for which languages
    mine = client_for("investigator").get(f"/operations/{s.operation.code}/interviews/mine.ics")
    (own,) = [c for c in Calendar.from_ical(mine.content).walk() if c.name == "VEVENT"]
    assert "with an interpreter of Spanish" in str(own["DESCRIPTION"])
