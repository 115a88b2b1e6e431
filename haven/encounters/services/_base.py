"""What every encounter service shares: the actor's standing, cleaning, row locks, record holders, times,
and the wrapper that audits a guardrail's refusal after the rollback."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from haven.access.policies import Standing
from haven.accounts.models import User
from haven.audit.events import AuditEvent, Outcome
from haven.audit.services import record
from haven.core.clock import FIRST_YEAR, LAST_YEAR, plausible_year
from haven.core.errors import RuleViolation, ValidationFailed
from haven.core.problems import Problem
from haven.encounters.models import (
    Person,
)
from haven.operations.models import Operation, RecordHolder
from haven.operations.selectors import standing

P = ParamSpec("P")


R = TypeVar("R")


M = TypeVar("M", bound=Model)


def _standing(actor: User, operation: Operation) -> Standing:
    return standing(actor, operation)


def _clean(instance: Any) -> None:
    try:
        instance.full_clean()
    except ValidationError as error:
        problems = [
            Problem(field if field != "__all__" else "", message)
            for field, messages in error.message_dict.items()
            for message in messages
        ]
        raise ValidationFailed(problems, what=type(instance).__name__.lower()) from error


def _locked(instance: M) -> M:
    """The row as it is now, locked until the transaction ends (PostgreSQL; SQLite's BEGIN IMMEDIATE
    already serialises writers): a check such as "recorded once" must read the row inside the
    transaction that writes it, never the copy a request loaded before, or two requests both pass it."""
    return type(instance)._default_manager.select_for_update().get(pk=instance.pk)


def _holds_records(person: Person, agency_id: uuid.UUID) -> None:
    """The agency now holds a record of its own on the person's operation: it keeps managing it there even
    if the plan drops the agency (haven.operations.models.RecordHolder). Idempotent, race-free."""
    RecordHolder.objects.bulk_create(
        [RecordHolder(operation_id=person.operation_id, agency_id=agency_id)], ignore_conflicts=True
    )


def _when(at: datetime | None, field: str = "at") -> datetime:
    """The moment a record is dated (now when not given): with a UTC offset, and within the years every
    edge accepts (`core.clock.plausible_year`) — enforced here so that no caller can forget it."""
    moment = at or timezone.now()
    if timezone.is_naive(moment):
        raise ValidationFailed([Problem(field, "needs a UTC offset")], what="record")
    if not plausible_year(moment):
        raise ValidationFailed(
            [Problem(field, f"is between the years {FIRST_YEAR} and {LAST_YEAR}")], what="record"
        )
    return moment


def refusals_audited(event: AuditEvent) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run the service in its transaction; a guardrail refusal is audited after the rollback."""

    def wrap(service: Callable[P, R]) -> Callable[P, R]:
        atomic = transaction.atomic(service)

        @wraps(service)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return atomic(*args, **kwargs)
            except RuleViolation as refusal:
                person: Any = kwargs.get("person")
                actor: Any = kwargs.get("actor")
                record(
                    actor=actor,
                    event=event,
                    outcome=Outcome.FAILURE,
                    target=person,
                    operation_id=getattr(person, "operation_id", None),
                    details={"rule": refusal.rule},
                )
                raise

        return run

    return wrap


def _require_approved(operation: Operation) -> None:
    if not operation.is_approved and operation.approved_version_id is None:
        raise RuleViolation(
            "The operation's plan is not approved yet: encounter records need an approved operation.",
            rule="operation.approved",
        )
