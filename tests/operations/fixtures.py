"""An operation for tests: the Northern Light example, moved in time relative to now, with a second
victim service provider (bay-vs) so "a provider of another agency on the operation" exists."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from haven.accounts.models import User
from haven.operations.models import Operation
from haven.operations.selectors import current_plan
from haven.operations.services import operation_approve, operation_create, plan_save
from haven.plans import Plan, parse_plan, plan_to_dict
from tests.personas import make_user
from tests.plans.builders import edited, example_data

EXAMPLE_START = datetime.fromisoformat("2026-12-03T05:00:00-05:00")
# One "now" for the whole test session, so two plans built a second apart carry the same times.
_ANCHOR = timezone.now().replace(second=0, microsecond=0)
_TIMESTAMP_KEYS = {"starts_at", "ends_at", "available_from", "available_until", "at", "acknowledged_at"}
_DATE_KEYS = {"signed_on", "expires_on"}


def _shift(node: Any, delta: timedelta) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in _TIMESTAMP_KEYS and isinstance(value, str):
                out[key] = (datetime.fromisoformat(value) + delta).isoformat()
            elif key in _DATE_KEYS and isinstance(value, str):
                out[key] = (date.fromisoformat(value) + timedelta(days=delta.days)).isoformat()
            else:
                out[key] = _shift(value, delta)
        return out
    if isinstance(node, list):
        return [_shift(item, delta) for item in node]
    return node


def task_force_data(
    *, starts_in: timedelta = timedelta(days=3), changes: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The example plan data, starting `starts_in` from now (negative: already started)."""
    data = example_data()
    data["agencies"].append(
        {
            "id": "bay-vs",
            "name": "Bayside Survivor Network",
            "type": "victim_service_provider",
            "responsibilities": ["Case management"],
            "contact": {"name": "Otto Provider", "phone": "+1 555 0110"},
        }
    )
    data["mou"]["parties"].append("bay-vs")
    data["communications"]["channels"][2]["parties"].append("bay-vs")
    data["distribution"]["service_briefing"].append("bay-vs")
    data["victim_services"]["providers"].append("bay-vs")
    data["victim_services"]["notifications"].append(
        {
            "agency": "bay-vs",
            "at": "2026-11-30T10:00:00-05:00",
            "acknowledged_at": "2026-11-30T13:00:00-05:00",
        }
    )
    start = _ANCHOR + starts_in
    data = _shift(data, start - EXAMPLE_START)
    return edited(changes or {}, base=data)


def task_force_plan(**kwargs: Any) -> Plan:
    return parse_plan(json.dumps(task_force_data(**kwargs)))


def make_operation(
    *,
    starts_in: timedelta = timedelta(days=3),
    approved: bool = True,
    exercise: bool = False,
    changes: dict[str, Any] | None = None,
    coordinator: User | None = None,
) -> Operation:
    """Create (and approve) the test operation as the metro-pd coordinator."""
    actor = coordinator or make_user("coordinator")
    operation = operation_create(
        actor=actor, plan=task_force_plan(starts_in=starts_in, changes=changes), is_exercise=exercise
    )
    if approved:
        operation_approve(actor=actor, operation=operation)
    operation.refresh_from_db()
    return operation


def without_agency(
    document: dict[str, Any], slug: str, *, instead: str = "bay-vs", keep_entry: bool = False
) -> dict[str, Any]:
    """The plan document with one agency taken out: named in a list, it leaves the list; named as the one
    doing something, `instead` does it (issue 12's amendment: harbor-vs replaced by another id). With
    `keep_entry`, its entry in `agencies` stays (every reference gone, as a coordinator editing section by
    section leaves it just before removing the agency itself)."""

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if node.get("agency") == slug and "at" in node:  # its own advance notice
                return None
            return {k: (instead if v == slug else walk(v)) for k, v in node.items()}
        if isinstance(node, list):
            kept = [walk(item) for item in node if item != slug]
            return [item for item in kept if item is not None]
        return node

    entries = document["agencies"]
    changed = walk({k: v for k, v in document.items() if k != "agencies"})
    changed["agencies"] = [a for a in entries if keep_entry or a["id"] != slug]
    return dict(sorted(changed.items(), key=lambda item: list(document).index(item[0])))


def amend_interviews(operation: Operation, coordinator: User, entries: list[dict[str, Any]]) -> None:
    """Amend the plan's `interviews` section (the operation has started: an amendment)."""
    document = plan_to_dict(current_plan(operation))
    document["interviews"] = entries
    operation.refresh_from_db()
    plan_save(
        actor=coordinator,
        operation=operation,
        plan=parse_plan(json.dumps(document)),
        base_version=operation.current_version.number,
    )
    operation.refresh_from_db()


#: A plan `interviews` section that lets interviewers of every role and agency interview adults (the test
#: plan has adults interviewed by investigators of hsi, and hand booking follows it: issue 13). Tests of
#: other rules that book Ivy (metro-pd), Pat (a prosecutor) or Fern (county-cac) for an adult use it.
ANY_INTERVIEWER_FOR_ADULTS: list[dict[str, Any]] = [
    {"population": "adult", "conducted_by": "investigator"},
    {"population": "adult", "conducted_by": "prosecutor"},
    {"population": "adult", "conducted_by": "forensic_interviewer"},
    {"population": "minor", "conducted_by": "forensic_interviewer", "agency": "county-cac"},
]


def allow_any_interviewer_for_adults(operation: Operation) -> None:
    """Amend a started operation's plan to `ANY_INTERVIEWER_FOR_ADULTS`."""
    amend_interviews(operation, make_user("coordinator"), ANY_INTERVIEWER_FOR_ADULTS)
