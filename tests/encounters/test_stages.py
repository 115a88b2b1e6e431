"""The workflow stage is derived from a person's records, over every path."""

from __future__ import annotations

from datetime import timedelta

import pytest

from haven.encounters import services
from haven.encounters.selectors import person_view
from haven.encounters.stages import Milestones, Stage, stage_of
from haven.operations.selectors import standing


@pytest.mark.parametrize(
    ("milestones", "stage"),
    [
        (Milestones(), Stage.ENCOUNTERED),
        (Milestones(placed=True), Stage.SEPARATED),
        (Milestones(placed=True, needs_assessed=True), Stage.NEEDS_ASSESSED),
        (Milestones(placed=True, needs_assessed=True, informed=True), Stage.INFORMED),
        (
            Milestones(placed=True, needs_assessed=True, informed=True, interview_scheduled=True),
            Stage.INTERVIEW_SCHEDULED,
        ),
        (
            Milestones(
                placed=True, needs_assessed=True, informed=True, interview_scheduled=True, interviewed=True
            ),
            Stage.INTERVIEWED,
        ),
        (
            Milestones(placed=True, needs_assessed=True, informed=True, interviewed=True, services=True),
            Stage.REFERRED,
        ),
        # services without any interview: an interview is never a condition of service
        (Milestones(placed=True, needs_assessed=True, informed=True, services=True), Stage.REFERRED),
        (Milestones(placed=True, needs_assessed=True, outcome="released"), Stage.RELEASED),
        (Milestones(placed=True, services=True, outcome="transferred"), Stage.TRANSFERRED),
        (Milestones(needs_assessed=True), Stage.NEEDS_ASSESSED),
    ],
)
def test_stage_of(milestones, stage):
    assert stage_of(milestones) is stage


@pytest.mark.django_db
def test_a_person_moves_through_every_stage(register, persona, care, rooms, t0):
    investigator = persona("investigator")
    person = register(area=None)

    def stage() -> Stage:
        person.refresh_from_db()
        return person_view(investigator, standing(investigator, person.operation), person).stage

    assert stage() is Stage.ENCOUNTERED
    services.person_place(actor=investigator, person=person, area="community-room")
    assert stage() is Stage.SEPARATED
    services.needs_assessment_record(
        actor=persona("advocate"), person=person, at=t0 + timedelta(minutes=30), language="en"
    )
    assert stage() is Stage.NEEDS_ASSESSED
    services.information_record(
        actor=persona("advocate"),
        person=person,
        language="es",
        materials=["What happens next"],
        at=t0 + timedelta(minutes=40),
    )
    assert stage() is Stage.INFORMED
    interview = services.interview_schedule(
        actor=persona("federal_agent"),
        person=person,
        interviewer=persona("federal_agent"),
        role="investigator",
        location=rooms,
        starts_at=t0 + timedelta(minutes=90),
        minutes=45,
    )
    assert stage() is Stage.INTERVIEW_SCHEDULED
    services.interview_conduct(actor=persona("federal_agent"), interview=interview, notes="Recruited online")
    assert stage() is Stage.INTERVIEWED
    services.victim_service_record(
        actor=persona("advocate"),
        person=person,
        kind="service",
        service_kind="shelter",
        service_status="provided",
        text="Bed at the shelter",
    )
    assert stage() is Stage.REFERRED
    services.person_release(actor=investigator, person=person, outcome="transferred", reason="To the shelter")
    assert stage() is Stage.TRANSFERRED


@pytest.mark.django_db
def test_designation_history_keeps_every_change(register, persona, t0):
    investigator = persona("investigator")
    person = register(area="undetermined-room")
    for minutes, status in ((20, "undetermined"), (50, "potential_victim"), (80, "suspect")):
        services.designation_record(
            actor=investigator, person=person, status=status, at=t0 + timedelta(minutes=minutes)
        )
    view = person_view(investigator, standing(investigator, person.operation), person)
    assert view.designation == "suspect"
    assert [d.status for d in view.designation_history] == ["undetermined", "potential_victim", "suspect"]
