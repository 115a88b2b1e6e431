"""An approved operation with the cast on it, and small helpers to walk a person through the workflow."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from haven.encounters import services
from haven.encounters.models import Person
from haven.operations.models import InterviewLocation, Operation
from tests.operations.fixtures import allow_any_interviewer_for_adults, make_operation


@pytest.fixture
def operation(persona) -> Operation:
    for key in (
        "investigator",
        "federal_agent",
        "advocate",
        "other_provider",
        "attorney",
        "forensic",
        "prosecutor",
    ):
        persona(key)
    return make_operation(starts_in=-timedelta(hours=3))


@pytest.fixture
def t0(operation) -> Any:
    return operation.starts_at


@pytest.fixture
def register(operation, persona, t0):
    def make(
        code: str = "P-001",
        *,
        tags=("female", "adult", "foreign_national"),
        languages=("es",),
        area: str | None = "community-room",
        minutes: int = 10,
        **extra: Any,
    ) -> Person:
        return services.person_register(
            actor=persona("investigator"),
            operation=operation,
            code=code,
            encountered_at=t0 + timedelta(minutes=minutes),
            tags=tags,
            languages=languages,
            area=area,
            **extra,
        )

    return make


@pytest.fixture
def care(persona, t0):
    """Needs assessed and information given, as a provider does before any interview."""

    def give(person: Person, *, at_minutes: int = 30) -> None:
        services.needs_assessment_record(
            actor=persona("advocate"),
            person=person,
            at=t0 + timedelta(minutes=at_minutes),
            medical="Needs insulin twice a day",
            urgent=["medical"],
            language="es",
        )
        services.information_record(
            actor=persona("advocate"),
            person=person,
            language="es",
            materials=["Your rights and the help available"],
            questions="Will I be deported?",
            answers="Explained relief options",
            at=t0 + timedelta(minutes=at_minutes + 10),
        )

    return give


@pytest.fixture
def rooms(operation) -> InterviewLocation:
    return operation.interview_locations.get(plan_id="harbor-rooms")


def later(t0: Any, minutes: int) -> Any:
    return t0 + timedelta(minutes=minutes)


def now() -> Any:
    return timezone.now()


@pytest.fixture
def any_interviewer_for_adults(operation) -> None:
    """See `tests.operations.fixtures.ANY_INTERVIEWER_FOR_ADULTS`."""
    allow_any_interviewer_for_adults(operation)
