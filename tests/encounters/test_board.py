"""The live board's data: next step and owner, waiting alerts, constant queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from haven.accounts.models import Agency
from haven.encounters import services
from haven.encounters.selectors import board_for
from haven.operations.selectors import standing

pytestmark = pytest.mark.django_db

T = datetime(2026, 12, 6, 11, 0, tzinfo=UTC)


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


# --- the order, "my tasks" and search (issue 14) ------------------------------------------------------


def test_the_board_puts_open_danger_first_then_urgent_needs_then_the_longest_waits(
    register, persona, operation
):
    # given: persons in every tier, registered so that the code order is the wrong answer
    cared = register("P-001", minutes=5)
    services.needs_assessment_record(actor=persona("advocate"), person=cared, language="en")
    register("P-002", minutes=40)  # waiting for a provider since 40 minutes after the start
    register("P-003", minutes=10)  # waiting longer
    urgent = register("P-004", minutes=50)
    services.needs_assessment_record(actor=persona("advocate"), person=urgent, urgent=["medical"])
    danger = register("P-005", minutes=60)
    services.danger_flag(actor=persona("advocate"), person=danger)
    released = register("P-006", minutes=1)
    services.person_release(
        actor=persona("investigator"), person=released, outcome="released", reason="Adult"
    )
    # when / then: danger, urgent needs, the longest wait, a shorter wait, the rest, those who left
    order = ["P-005", "P-004", "P-003", "P-002", "P-001", "P-006"]
    assert [r.code for r in _board(persona, operation).rows] == order
    assert [r.code for r in _board(persona, operation, who="advocate").rows] == order


def test_the_urgency_key_is_the_one_rule_of_the_order():
    from haven.encounters.selectors import board_urgency

    def row(code: str, **kw):
        return SimpleNamespace(
            code=code,
            danger=kw.get("danger", False),
            danger_since=kw.get("danger_since"),
            urgent=kw.get("urgent", []),
            waiting_minutes=kw.get("waiting"),
            encountered_at=kw.get("at", T),
            next_step=kw.get("step", "Refer to services"),
        )

    rows = [
        row("P-009"),
        row("P-008", step="—"),
        row("P-007", waiting=5),
        row("P-006", waiting=95),
        row("P-005", urgent=["shelter"], at=T + timedelta(minutes=9)),
        row("P-004", urgent=["medical"], at=T),
        row("P-003", danger=True, danger_since=T + timedelta(minutes=30)),
        row("P-002", danger=True, danger_since=T),
    ]
    assert [r.code for r in sorted(rows, key=board_urgency)] == [
        "P-002",  # the oldest open danger flag
        "P-003",
        "P-004",  # urgent needs, encountered first
        "P-005",
        "P-006",  # the longest wait for a provider
        "P-007",
        "P-009",  # the rest
        "P-008",  # no next step: released or transferred
    ]


def test_my_tasks_are_the_rows_whose_next_step_my_agency_owns(register, persona, operation, care):
    register("P-001", area=None)  # the lead agency places them
    register("P-002")  # Harbor Victim Services assesses needs
    care(register("P-003"))  # HSI schedules the interview
    rows = {r.code: r for r in _board(persona, operation).rows}
    assert rows["P-001"].next_owner_ids == ["metro-pd"]
    assert rows["P-002"].next_owner_ids == ["harbor-vs"]
    assert rows["P-003"].next_owner_ids == ["hsi"]
    assert [r.code for r in _board(persona, operation, mine=True).rows] == ["P-001"]
    assert [r.code for r in _board(persona, operation, who="advocate", mine=True).rows] == ["P-002"]
    assert [r.code for r in _board(persona, operation, who="federal_agent", mine=True).rows] == ["P-003"]
    assert _board(persona, operation, who="attorney", mine=True).rows == []


def test_my_tasks_compare_agency_ids_not_names(register, persona, operation):
    register("P-002")
    # the directory's name of the agency differs from the plan's: the ids still match
    Agency.objects.filter(slug="harbor-vs").update(name="Harbour Victim Services (renamed)")
    assert [r.code for r in _board(persona, operation, who="advocate", mine=True).rows] == ["P-002"]
    # and another agency that took the plan's name is not the owner
    Agency.objects.filter(slug="bay-vs").update(name="Harbor Victim Services")
    assert _board(persona, operation, who="other_provider", mine=True).rows == []


def test_the_board_searches_by_code_language_and_area(register, persona, operation):
    register("P-001", languages=("es",), area="community-room")
    register("P-002", languages=("zh",), area="undetermined-room")
    register("P-013", languages=("en", "es"), area=None)

    def found(search: str, who: str = "investigator") -> list[str]:
        return [r.code for r in _board(persona, operation, who=who, search=search).rows]

    assert found("p-013") == ["P-013"]
    assert found("13") == ["P-013"]
    assert sorted(found("es")) == ["P-001", "P-013"]  # the language's tag
    assert sorted(found("Spanish")) == ["P-001", "P-013"]  # and its name
    assert found("mandarin") == []
    assert found("chinese") == ["P-002"]
    assert found("harbor") == ["P-001"]  # a word of the area's name
    assert found("gym") == ["P-002"]
    assert found("undetermined-room") == ["P-002"]  # and its id in the plan
    assert sorted(found("community")) == ["P-001", "P-002"]
    assert found("spanish community") == ["P-001"]  # every word must match
    assert found("nobody") == []
    # an area a service agency may not read is not found through the search either
    assert found("gym", who="advocate") == []
    assert found("undetermined-room", who="advocate") == []
    assert found("chinese", who="advocate") == ["P-002"]
