"""The live planner and a booking by hand agree on a person's languages (issue 13): the roster's, and the
language a needs assessment found, matched as BCP 47 tags."""

from __future__ import annotations

from datetime import timedelta

from haven.encounters import services as encounters
from haven.scheduling.live import build_problem, current_day
from tests.scheduling.test_live import (  # noqa: F401  (fixtures)
    coordinator,
    mark,
    now,
    operation,
    register,
)


def test_the_language_a_needs_assessment_found_is_planned_with(operation, register, persona, mark, now):  # noqa: F811
    person = register("P-001", languages=(), tags=("female", "adult"))
    at = operation.starts_at + timedelta(minutes=30)
    encounters.needs_assessment_record(actor=persona("advocate"), person=person, at=at, language="ES-mx")
    encounters.information_record(
        actor=persona("advocate"), person=person, language="es-MX", materials=["What happens next"],
        at=at + timedelta(minutes=10),
    )  # fmt: skip
    mark()
    (planned,) = build_problem(operation, current_day(operation, now), now=now).problem.persons
    assert planned.languages == ["es-MX"]
