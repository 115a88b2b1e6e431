"""The live board's data: next step and owner, waiting alerts, constant queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from haven.encounters import services
from haven.encounters.selectors import board_for
from haven.operations.selectors import standing

pytestmark = pytest.mark.django_db


def _board(persona, operation, who="investigator", **kwargs):
    actor = persona(who)
    return board_for(actor, standing(actor, operation), operation, **kwargs)


def test_the_next_step_and_its_owner_follow_the_plan(register, persona, operation, care):
    waiting = register("P-001", area=None)
    placed = register("P-002")
    assessed = register("P-003")
    services.needs_assessment_record(actor=persona("advocate"), person=assessed, language="en")
    informed = register("P-004")
    care(informed)
    minor = register("P-005", tags=("female", "minor"))
    care(minor)
    rows = {r.code: r for r in _board(persona, operation).rows}
    assert (rows["P-001"].next_step, rows["P-001"].next_owner) == (
        "Separate: place in an area",
        "Metro City Police Department",
    )
    assert (rows["P-002"].next_step, rows["P-002"].next_owner) == ("Assess needs", "Harbor Victim Services")
    assert rows["P-003"].next_step == "Give information and answer questions"
    assert (rows["P-004"].next_step, rows["P-004"].next_owner) == (
        "Schedule the interview",
        "Homeland Security Investigations, Metro office",
    )
    assert rows["P-005"].next_owner == "Metro Child Advocacy Center"
    assert waiting.code == "P-001"
    assert placed.code == "P-002"


def test_waiting_longer_than_the_limit_raises_an_alert(register, persona, operation):
    long_ago = register("P-001", minutes=0)  # encountered three hours ago, no provider yet
    rows = {r.code: r for r in _board(persona, operation, limit_minutes=60).rows}
    assert rows["P-001"].waited_too_long
    services.needs_assessment_record(
        actor=persona("advocate"), person=long_ago, at=timezone.now(), language="en"
    )
    rows = {r.code: r for r in _board(persona, operation, limit_minutes=60).rows}
    assert not rows["P-001"].waited_too_long
    assert rows["P-001"].waiting_minutes is None


def test_the_board_filters_by_stage_and_area(register, persona, operation, care):
    register("P-001")
    register("P-002", area="undetermined-room")
    assert [r.code for r in _board(persona, operation, area="undetermined-room").rows] == ["P-002"]
    assert [r.code for r in _board(persona, operation, stage="separated").rows] == ["P-001", "P-002"]
    assert _board(persona, operation, stage="interviewed").rows == []


def test_imminent_danger_is_on_everyones_board_until_answered(register, persona, operation):
    person = register()
    flag = services.danger_flag(actor=persona("advocate"), person=person)
    for who in ("investigator", "advocate", "other_provider", "attorney"):
        assert [d["code"] for d in _board(persona, operation, who=who).danger] == ["P-001"]
    services.danger_respond(actor=persona("investigator"), flag=flag, response="Unit sent to the shelter")
    assert _board(persona, operation, who="advocate").danger == []


def test_board_queries_do_not_grow_with_the_number_of_persons(
    register, persona, operation, care, django_assert_num_queries
):
    for i in range(1, 4):
        care(register(f"P-{i:03d}"))
    _board(persona, operation)  # warm the caches of the plan and standing
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        _board(persona, operation)
    for i in range(4, 31):
        person = register(f"P-{i:03d}", minutes=i)
        care(person)
        services.designation_record(
            actor=persona("investigator"),
            person=person,
            status="potential_victim",
            at=operation.starts_at + timedelta(minutes=i),
        )
    with django_assert_num_queries(len(few)):
        board = _board(persona, operation)
    assert len(board.rows) == 30
