"""Suspects leave the victim-care pathway, and separation catches a controller before the label (issue 13).

- A person designated suspect has no provider wait, is not counted as waiting, and is on no service
  agency's board; the needs-first, information-first and nondetention gates are for interviews of
  potential victims, witnesses and undetermined persons; a suspect's interview is recorded as such.
  Designations can change back, with their history.
- An observation whose signs show control towards a person keeps the two apart from that moment.
- Designating a suspect who is in an area holding potential victims moves them in the same step, or
  leaves an open alert naming who must move; alerts are grouped one per area.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from haven.core.errors import RuleViolation
from haven.encounters import services
from haven.encounters.models import DesignationStatus, Interview, SeparationAlert
from haven.encounters.selectors import board_for, person_for
from haven.operations.models import InterviewLocation
from haven.operations.selectors import standing

pytestmark = pytest.mark.django_db


def _suspect(persona, person, **kwargs):
    return services.designation_record(
        actor=persona("investigator"), person=person, status=DesignationStatus.SUSPECT, **kwargs
    )


def _board(persona, key, operation):
    user = persona(key)
    return board_for(user, standing(user, operation), operation)


# --- suspects leave the victim-care pathway -----------------------------------------------------------


def test_a_suspect_has_no_provider_wait_and_is_on_no_service_agencys_board(register, persona, operation):
    register("P-001")
    suspect = register("P-002", area="precinct-holding")
    _suspect(persona, suspect)
    investigative = {row.code: row for row in _board(persona, "investigator", operation).rows}
    assert investigative["P-002"].waiting_minutes is None
    assert not investigative["P-002"].waited_too_long
    assert investigative["P-002"].next_step != "Assess needs"
    assert investigative["P-001"].next_step == "Assess needs"
    for key in ("advocate", "interpreter", "attorney", "forensic"):
        assert [row.code for row in _board(persona, key, operation).rows] == ["P-001"], key
    with pytest.raises(Exception) as hidden:
        person_for(persona("advocate"), operation.code, "P-002")
    assert type(hidden.value).__name__ == "NotFound"


def test_a_suspect_designated_back_returns_to_the_pathway_with_history(register, persona, operation):
    person = register("P-002", area="precinct-holding")
    _suspect(persona, person)
    services.designation_record(
        actor=persona("investigator"), person=person, status=DesignationStatus.POTENTIAL_VICTIM, move_to="community-room"
    )  # fmt: skip
    rows = {row.code: row for row in _board(persona, "advocate", operation).rows}
    assert rows["P-002"].next_step == "Assess needs"
    assert list(person.designations.order_by("at", "created_at").values_list("status", flat=True)) == [
        "suspect",
        "potential_victim",
    ]


def test_the_board_shows_the_latest_designation_in_time_whatever_order_they_were_entered(
    register, persona, operation, t0
):
    """A designation entered late for an earlier time does not replace a later one; of two at the same
    time, the one entered last stands (as the person page reads the history)."""
    person = register("P-003", area="precinct-holding")
    investigator = persona("investigator")
    later, earlier = t0 + timedelta(minutes=40), t0 + timedelta(minutes=20)
    services.designation_record(actor=investigator, person=person, status=DesignationStatus.SUSPECT, at=later)
    services.designation_record(
        actor=investigator, person=person, status=DesignationStatus.POTENTIAL_VICTIM, at=earlier
    )
    rows = {row.code: row for row in _board(persona, "investigator", operation).rows}
    assert rows["P-003"].designation == DesignationStatus.SUSPECT
    services.designation_record(
        actor=investigator, person=person, status=DesignationStatus.UNDETERMINED, at=later
    )
    rows = {row.code: row for row in _board(persona, "investigator", operation).rows}
    assert rows["P-003"].designation == DesignationStatus.UNDETERMINED


def test_a_suspects_interview_needs_no_care_first_and_is_recorded_as_a_suspects(
    register, persona, operation, t0
):
    person = register("P-002", area="precinct-holding")
    _suspect(persona, person)
    station = InterviewLocation.objects.create(
        operation=operation, plan_id="station", name="Precinct interview room", setting="detention", private_rooms=1
    )  # fmt: skip
    interview = services.interview_schedule(
        actor=persona("investigator"),
        person=person,
        interviewer=persona("investigator"),
        role="investigator",
        location=station,
        starts_at=t0 + timedelta(hours=1),
        minutes=45,
        interpreter=persona("interpreter"),
    )  # fmt: skip (rule 4 holds for a suspect too: he speaks Spanish, Ivy English)
    assert interview.of_suspect
    victim = register("P-001")
    with pytest.raises(RuleViolation) as refused:
        services.interview_schedule(
            actor=persona("investigator"), person=victim, interviewer=persona("investigator"), role="investigator",
            location=station, starts_at=t0 + timedelta(hours=3), minutes=45,
        )  # fmt: skip
    assert refused.value.rule == "interview.needs-first"
    assert Interview.objects.count() == 1


# --- separation that catches a controller before the label ----------------------------------------------


def test_a_control_observation_keeps_the_two_apart_from_that_moment(register, persona, operation):
    controlled = register("P-001", area="community-room")
    controller = register("P-003", area="undetermined-room")
    services.observation_record(
        actor=persona("investigator"), person=controller, towards=controlled, signs=["answers_for_others"]
    )
    with pytest.raises(RuleViolation) as refused:
        services.person_place(actor=persona("investigator"), person=controller, area="community-room")
    assert refused.value.rule == "separation.controller-with-controlled"
    assert "P-003" in refused.value.message
    assert "answers for others" in refused.value.message.lower()
    controller.refresh_from_db()
    assert controller.area.plan_id == "undetermined-room"


def test_a_control_observation_of_two_persons_in_one_area_raises_an_alert_naming_who_moves(
    register, persona, operation
):
    controlled = register("P-001", area="community-room")
    controller = register("P-003", area="community-room")
    services.observation_record(
        actor=persona("investigator"), person=controller, towards=controlled, signs=["gives_orders"]
    )
    alert = SeparationAlert.objects.get(cleared_at__isnull=True)
    assert alert.suspect == controller  # who must move: the controller, never the controlled
    assert alert.potential_victim == controlled
    services.person_place(actor=persona("investigator"), person=controller, area="precinct-holding")
    assert not SeparationAlert.objects.filter(cleared_at__isnull=True).exists()


def test_designating_a_suspect_in_a_victims_area_moves_them_in_the_same_step(register, persona, operation):
    register("P-001", area="community-room")
    person = register("P-002", area="community-room")
    _suspect(persona, person, move_to="precinct-holding")
    person.refresh_from_db()
    assert person.area.plan_id == "precinct-holding"
    assert not SeparationAlert.objects.filter(cleared_at__isnull=True).exists()


def test_a_suspect_left_in_a_victims_area_keeps_an_open_alert_grouped_by_area(register, persona, operation):
    register("P-001", area="community-room")
    register("P-004", area="community-room")
    person = register("P-002", area="community-room")
    _suspect(persona, person)
    board = _board(persona, "investigator", operation)
    assert len(board.separation_alerts) == 1  # one per area, not one per pair
    [alert] = board.separation_alerts
    assert alert["must_move"] == ["P-002"]
    assert alert["kept_from"] == ["P-001", "P-004"]
    # the victims are never the ones told to move
    assert "P-001" not in alert["must_move"]
