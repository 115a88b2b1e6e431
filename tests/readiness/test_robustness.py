"""Random damage to valid plans never crashes the parser or the rules: a plan validates, or is refused with paths."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haven.core.problems import InvalidInput
from haven.plans.formats import Plan
from haven.plans.parsing import parse_plan
from haven.readiness.report import evaluate
from haven.readiness.rules import RULES
from tests.plans.builders import example_data
from tests.plans.strategies import plan_data

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(
        [
            "jade-spa",
            "harbor-rooms",
            "metro-pd",
            "no",
            "",
            "2026-12-03",
            "2026-12-03T05:00:00",
            "0001-01-01T00:00:00+05:00",
            "9999-12-31T23:59:59-05:00",
            "2999-12-31T23:59:59-14:00",
            "1900-01-01T00:00:00+14:00",
            "2026-12-03T05:00:00+23:59",
        ]
    ),
    st.lists(st.integers(0, 3), max_size=2),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths(value, (*prefix, index))
    return found


@st.composite
def damaged(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(draw(st.one_of(st.just(example_data()), plan_data())))
    for _ in range(draw(st.integers(1, 4))):
        targets = paths(data)
        if not targets:
            break
        path = draw(st.sampled_from(targets))
        parent: Any = data
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["delete", "replace", "inject", "swap"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "replace":
            parent[path[-1]] = draw(JUNK)
        elif action == "inject" and isinstance(parent[path[-1]], dict):
            parent[path[-1]][draw(st.sampled_from(["note", "id2", "Type", "typo"]))] = draw(JUNK)
        elif action == "swap" and isinstance(parent[path[-1]], str):
            parent[path[-1]] = draw(
                st.sampled_from(["jade-spa", "harbor-rooms", "community-room", "x-1", "hsi"])
            )
    return data


def read(text: str) -> Plan | InvalidInput:
    try:
        return parse_plan(text)
    except InvalidInput as refusal:
        return refusal


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged())
def test_damaged_plans_validate_or_are_refused_with_paths(data: dict[str, Any]) -> None:
    outcome = read(json.dumps(data))
    if isinstance(outcome, InvalidInput):
        assert outcome.problems
        for problem in outcome.problems:
            assert problem.path
            assert problem.message
            assert "Input should" not in problem.message
    else:
        report = evaluate(outcome)
        assert [result.rule for result in report.results] == [rule.id for rule in RULES]
        assert all(result.message for result in report.results)
