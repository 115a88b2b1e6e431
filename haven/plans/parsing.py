"""Reading a plan file: YAML or JSON text in, a valid `Plan` out, or every problem of the file at once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from haven.core.problems import InvalidInput, Problem, format_path
from haven.plans.documents import DocumentError, read_document, validation_problems
from haven.plans.formats import Plan, consistency_problems


def parse_plan(text: str | bytes, *, filename: str = "") -> Plan:
    """The plan a YAML or JSON document holds; `InvalidInput` (what="plan") with one problem per fault."""
    try:
        data = read_document(text, filename=filename)
    except DocumentError as exc:
        raise InvalidInput(exc.problems(), what="plan") from None
    if data is None:
        raise InvalidInput(
            [Problem("", "the file is empty: a plan needs format, operation and agencies")], what="plan"
        )
    if not isinstance(data, dict):
        raise InvalidInput(
            [Problem("", "a plan must be a mapping with format, operation and agencies at the top level")],
            what="plan",
        )
    # every problem at once: a control character does not hide the file's other faults
    control = list(_control_characters(data, ()))
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        # the references are checked on the raw data too, so that they are reported with the type errors
        others = validation_problems(Plan, exc, consistency_problems(data))
        seen = {problem.path for problem in control}
        raise InvalidInput([*control, *(p for p in others if p.path not in seen)], what="plan") from None
    if control:
        raise InvalidInput(control, what="plan")
    return plan


def _control_characters(node: object, path: tuple[str | int, ...]) -> Iterator[Problem]:
    """Text with a NUL or another control character (other than tab and line breaks) is refused: no
    database stores a NUL, and no plan needs one."""
    if isinstance(node, str):
        if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in node):
            yield Problem(format_path(path), "contains a control character (such as NUL); remove it")
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _control_characters(value, (*path, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _control_characters(value, (*path, index))


def load_plan_file(path: str | Path) -> Plan:
    """The plan in a file; a file that cannot be read is refused like an invalid plan."""
    path = Path(path)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise InvalidInput([Problem("", f"cannot read {path}: {exc.strerror or exc}")], what="plan") from None
    return parse_plan(content, filename=path.name)
