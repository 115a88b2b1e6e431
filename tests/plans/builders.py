"""Small plans for tests: start from the example plan and edit it by path (`agencies[2].type`)."""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from haven.core.problems import InvalidInput
from haven.plans.export import plan_to_dict
from haven.plans.formats import Plan
from haven.plans.parsing import parse_plan

EXAMPLE_PATH = Path(__file__).parent / "fixtures" / "plan-northern-light.yaml"


class _Delete:
    def __repr__(self) -> str:
        return "DELETE"


DELETE: Any = _Delete()

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _parts(path: str) -> list[str | int]:
    return [name if name else int(index) for name, index in _PART.findall(path)]


@functools.cache
def _example_json() -> str:
    return json.dumps(plan_to_dict(parse_plan(EXAMPLE_PATH.read_text(encoding="utf-8"))))


def example_text() -> str:
    return EXAMPLE_PATH.read_text(encoding="utf-8")


def example_data() -> dict[str, Any]:
    """The example plan as plain data, a fresh copy each time."""
    data: dict[str, Any] = json.loads(_example_json())
    return data


def example_plan() -> Plan:
    return parse_plan(_example_json())


def edit(data: dict[str, Any], path: str, value: Any) -> None:
    """Set (or, with DELETE, remove) the value at a path such as `agencies[2].contact.name`."""
    parts = _parts(path)
    node: Any = data
    for part in parts[:-1]:
        if isinstance(part, str) and part not in node:
            node[part] = {}
        node = node[part]
    last = parts[-1]
    if value is DELETE:
        del node[last]
    elif isinstance(node, list) and last == len(node):
        node.append(copy.deepcopy(value))  # one past the end appends
    else:
        node[last] = copy.deepcopy(value)


def edited(changes: Mapping[str, Any] | None = None, *, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """The example (or `base`) data with each change applied in order."""
    data = example_data() if base is None else copy.deepcopy(base)
    for path, value in (changes or {}).items():
        edit(data, path, value)
    return data


def plan_with(changes: Mapping[str, Any] | None = None) -> Plan:
    """The example plan with some fields changed; the result must still be a valid plan."""
    return parse_plan(json.dumps(edited(changes)))


def _leaves(node: Any, path: str = "") -> list[tuple[str, Any]]:
    if isinstance(node, dict):
        return [
            leaf for key, value in node.items() for leaf in _leaves(value, f"{path}.{key}" if path else key)
        ]
    if isinstance(node, list):
        return [leaf for index, value in enumerate(node) for leaf in _leaves(value, f"{path}[{index}]")]
    return [(path, node)]


@functools.cache
def _free_text_paths() -> tuple[str, ...]:
    found = []
    for path, value in _leaves(example_data()):
        if not isinstance(value, str):
            continue
        try:
            parse_plan(json.dumps(edited({path: "Free text, not an id or a code"})))
        except InvalidInput:
            continue  # an id, a code, a language, a time or a choice: the format refuses free text there
        found.append(path)
    return tuple(found)


def free_text_changes(text: str) -> dict[str, str]:
    """Every text field of the example plan that takes free text (names, addresses, notes, titles …),
    set to `text` followed by a tag naming the field (`… ~7~`), as changes for `edited`/`make_operation`."""
    return {path: f"{text} ~{n}~" for n, path in enumerate(_free_text_paths())}
