"""The rule pack: the rules as data (`rules.yaml`) and the registry of the checks that implement them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from typing import TYPE_CHECKING, Annotated, Final

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictStr, ValidationError

from haven.core.problems import InvalidInput
from haven.plans.documents import read_document, validation_problems
from haven.plans.formats import Plan

if TYPE_CHECKING:
    from haven.readiness.facts import Facts


class Status(StrEnum):
    PASS = "pass"  # noqa: S105 - a verdict, not a password
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a check found: a status and one message for the reader."""

    status: Status
    message: str


def passed(message: str) -> Outcome:
    return Outcome(Status.PASS, message)


def failed(*faults: str) -> Outcome:
    """A failure naming every fault found, joined into one message."""
    return Outcome(Status.FAIL, "; ".join(faults))


def not_applicable(message: str) -> Outcome:
    return Outcome(Status.NOT_APPLICABLE, message)


def _plan_section(key: str) -> str:
    if key == "format" or key not in Plan.model_fields:
        raise ValueError(f"{key!r} is not a section of the plan file")
    return key


#: A top-level key of the plan file (operation-plan.md, "Structure").
PlanSection = Annotated[StrictStr, AfterValidator(_plan_section)]


class Rule(BaseModel):
    """One entry of the rule pack."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: StrictStr
    title: StrictStr
    guidance: StrictStr
    parameters: tuple[StrictStr, ...] = ()
    #: The plan's sections (top-level keys of the file) that fix the rule when it fails, the main one first.
    sections: Annotated[tuple[PlanSection, ...], Field(min_length=1)]


class _RulePack(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: tuple[Rule, ...]


def _load_rules() -> tuple[Rule, ...]:
    text = resources.files("haven.readiness").joinpath("rules.yaml").read_text(encoding="utf-8")
    try:
        return _RulePack.model_validate(read_document(text, filename="rules.yaml")).rules
    except ValidationError as exc:  # pragma: no cover - the shipped pack is tested
        raise InvalidInput(validation_problems(_RulePack, exc), what="rule pack") from None


#: The rules, in the order of the checklist (and of every report).
RULES: Final[tuple[Rule, ...]] = _load_rules()

Check = Callable[["Facts"], Outcome]
CHECKS: Final[dict[str, Check]] = {}


def check(rule_id: str) -> Callable[[Check], Check]:
    """Register the function that checks the rule `rule_id` of the pack."""

    def register(function: Check) -> Check:
        if rule_id in CHECKS:
            raise ValueError(f"two checks registered for {rule_id}")
        if all(rule.id != rule_id for rule in RULES):
            raise ValueError(f"{rule_id} is not a rule of rules.yaml")
        CHECKS[rule_id] = function
        return function

    return register
