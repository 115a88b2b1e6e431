"""The readiness policy `haven.readiness-policy/v1`: a task force's parameters for rules and workflow.

Every key but `format` may be left out and then takes its default:

- `notice_lead_hours` (24): how long before the start a provider must be notified (proactive actions);
- `min_service_hours_after` (4): how long after the end providers must stay available;
- `allowed_information_needs`: the needs a plan may list for the needs assessment;
- `provider_contact_limit_minutes` (60): the longest acceptable wait from an encounter to the first contact
  with a victim service provider (read by the encounter workflow, not by a readiness rule);
- `suppression_threshold` (5): counts below this are suppressed in de-identified after-action figures
  (read by the reports, not by a readiness rule).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from haven.core.problems import InvalidInput, Problem
from haven.plans.documents import DocumentError, read_document, validation_problems
from haven.plans.formats import HAVEN_ERROR, describe_value

POLICY_FORMAT: Final = "haven.readiness-policy/v1"

DEFAULT_INFORMATION_NEEDS: Final = (
    "safety",
    "medical",
    "shelter",
    "food",
    "clothing",
    "language",
    "contact",
    "childcare",
    "transportation",
    "legal",
    "counseling",
)


MAX_HOURS: Final = 8760  # a year: more is a typo, and would overflow the rules' date arithmetic


def _hours(value: object) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not 0 <= value <= MAX_HOURS
    ):
        raise PydanticCustomError(
            HAVEN_ERROR,
            "{message}",
            {"message": f"must be a number of hours from 0 to {MAX_HOURS}, not {describe_value(value)}"},
        )
    return float(value)


def _non_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError(HAVEN_ERROR, "{message}", {"message": "must not be empty"})
    return value


Hours = Annotated[float, BeforeValidator(_hours)]


class Policy(BaseModel):
    """The parameters the readiness rules (and later the encounter workflow and reports) read."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["haven.readiness-policy/v1"]
    notice_lead_hours: Hours = 24.0
    min_service_hours_after: Hours = 4.0
    allowed_information_needs: tuple[Annotated[StrictStr, AfterValidator(_non_blank)], ...] = Field(
        default=DEFAULT_INFORMATION_NEEDS, min_length=1
    )
    provider_contact_limit_minutes: Annotated[StrictInt, Field(ge=1)] = 60
    suppression_threshold: Annotated[StrictInt, Field(ge=1)] = 5


DEFAULT_POLICY: Final = Policy(format=POLICY_FORMAT)


def parse_policy(text: str | bytes, *, filename: str = "") -> Policy:
    """The policy a YAML or JSON document holds; `InvalidInput` (what="policy") with one problem per fault."""
    try:
        data = read_document(text, filename=filename)
    except DocumentError as exc:
        raise InvalidInput(exc.problems(), what="policy") from None
    if not isinstance(data, dict):
        raise InvalidInput(
            [
                Problem(
                    "", f"a readiness policy must be a mapping with format: {POLICY_FORMAT} at the top level"
                )
            ],
            what="policy",
        )
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(validation_problems(Policy, exc), what="policy") from None


def load_policy_file(path: str | Path) -> Policy:
    """The policy in a file; a file that cannot be read is refused like an invalid policy."""
    path = Path(path)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(
            [Problem("", f"cannot read {path}: {exc.strerror or exc}")], what="policy"
        ) from None
    return parse_policy(content, filename=path.name)
