"""Reading YAML or JSON documents into plain data, and pydantic's refusals into Haven's own messages.

Shared by every file format Haven reads (the plan, the readiness policy, the exercise file, the interview
problem, API bodies): a document is read as YAML 1.2 (so `no` stays the string "no"), or as JSON; a
timestamp-looking scalar stays the text it was written as, so that the schema decides what it is; a
duplicate key is an error; and a whole number beyond ±(2^53 − 1) is refused at its path before Python
turns its digits into a number (a 5,000-digit one would make `int()` raise, a hexadecimal one of any size
would be kept and break whatever prints it).
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from enum import Enum
from typing import Any, Final, Literal, get_args, get_origin

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from haven.core.problems import Problem, format_path
from haven.plans.formats import CONSISTENCY_ERROR, HAVEN_ERROR, Path, describe_value

_MAX_NODES: Final = 200_000  # aliases can make a small file expand without bound

#: The largest whole number a document may hold: 2^53 − 1, the largest every JSON reader (JavaScript's
#: included) keeps exactly. No count, minute or capacity Haven reads comes near it.
MAX_WHOLE_NUMBER: Final = 2**53 - 1
# digits worth converting at all: more than this, in any base YAML allows, is beyond MAX_WHOLE_NUMBER
_MAX_DIGITS: Final = 64


class DocumentError(Exception):
    """A document that cannot be read at all: not text, not YAML or JSON, with a duplicate key, or with
    whole numbers too large (each of them named at its path)."""

    def __init__(self, message: str, path: Path = (), *, more: Sequence[tuple[Path, str]] = ()) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.more = tuple(more)

    def problem(self) -> Problem:
        return Problem(format_path(self.path), self.message)

    def problems(self) -> list[Problem]:
        """This problem and the others found with it, each at its path."""
        return [self.problem(), *(Problem(format_path(path), message) for path, message in self.more)]


class _TooLarge:
    """A whole number beyond `MAX_WHOLE_NUMBER`, as read: its digits are counted, never converted."""

    __slots__ = ("digits",)

    def __init__(self, digits: int) -> None:
        self.digits = digits

    def message(self) -> str:
        return (
            f"is too large a whole number ({self.digits} digits): a whole number here is at most "
            f"{MAX_WHOLE_NUMBER} (2^53 − 1), and at least −{MAX_WHOLE_NUMBER}"
        )


def _whole_number(text: str, base: int = 10) -> int | _TooLarge:
    """The number `text` writes (digits and a sign; with `base` 0, YAML's 0x/0o/0b prefix), or
    `_TooLarge` — counted before any conversion, so that no length of digits makes `int()` work or raise."""
    digits = text.lstrip("+-")
    if base != 10:
        digits = digits[2:]
    significant = digits.lstrip("0")
    if len(significant) > _MAX_DIGITS:
        return _TooLarge(len(digits))
    value = int(text, base)
    return _TooLarge(len(digits)) if abs(value) > MAX_WHOLE_NUMBER else value


def json_whole_number(literal: str) -> int | _TooLarge:
    """`parse_int` for `json.loads`: every JSON reader of Haven's passes it, then `too_large_problems`."""
    return _whole_number(literal)


def too_large_problems(data: object) -> list[Problem]:
    """Every whole number too large in data read with `json_whole_number` (or by `read_document`), at
    its path; none when there is none."""
    return [Problem(format_path(path), message) for path, message in _too_large(data)]


def _too_large(data: object) -> list[tuple[Path, str]]:
    found: list[tuple[Path, str]] = []

    def walk(node: object, where: Path) -> None:
        if isinstance(node, _TooLarge):
            found.append((where, node.message()))
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*where, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, (*where, index))

    walk(data, ())
    return found


def _refuse_too_large(data: object) -> None:
    """`DocumentError` naming every whole number too large in `data`, at its path; nothing if none is."""
    found = _too_large(data)
    if found:
        (path, message), *others = found
        raise DocumentError(message, path, more=others)


# -- reading ------------------------------------------------------------------------------------------------


def read_document(text: str | bytes, *, filename: str = "") -> object:
    """The plain data (dicts, lists, str, int, float, bool, None) of a YAML or JSON document."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DocumentError(f"the file is not UTF-8 text (byte {exc.start} cannot be read)") from None
    text = text.removeprefix("\ufeff")
    if filename.lower().endswith(".json"):
        return _read_json(text)
    if text.lstrip().startswith("{"):
        # JSON, or YAML written in flow style ({format: …}): JSON's message if it is neither
        try:
            return _read_json(text)
        except DocumentError as as_json:
            try:
                return _read_yaml(text)
            except DocumentError:
                raise as_json from None
    return _read_yaml(text)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DocumentError(f"duplicate key {key!r} in a JSON object")
        result[key] = value
    return result


def _read_json(text: str) -> object:
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_int=json_whole_number)
    except json.JSONDecodeError as exc:
        raise DocumentError(
            f"JSON syntax error at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise DocumentError("the JSON document is nested too deeply") from None
    _refuse_too_large(data)
    return data


def _read_yaml(text: str) -> object:
    yaml = YAML(typ="safe", pure=True)
    yaml.version = (1, 2)
    try:
        node = yaml.compose(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        what = exc.problem or exc.context or "cannot be read"
        raise DocumentError(f"YAML syntax error{where}: {what}") from None
    except YAMLError as exc:
        raise DocumentError(f"YAML syntax error: {exc}") from None
    except RecursionError:
        raise DocumentError("the YAML document is nested too deeply") from None
    if node is None:
        return None
    builder = _Builder()
    data = builder.build(node, ())
    if builder.too_large:
        _refuse_too_large(data)
    return data


class _Builder:
    """Turns composed YAML nodes into plain data, keeping timestamps as text and refusing duplicate keys."""

    def __init__(self) -> None:
        self.count = 0
        self.active: set[int] = set()
        self.too_large = False

    def build(self, node: Node, path: Path) -> object:
        self.count += 1
        if self.count > _MAX_NODES:
            raise DocumentError("the YAML document is too large (too many aliases?)")
        if id(node) in self.active:
            raise DocumentError(f"recursive alias at line {node.start_mark.line + 1}", path)
        if isinstance(node, ScalarNode):
            value = self.scalar(node)
            self.too_large = self.too_large or isinstance(value, _TooLarge)
            return value
        self.active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
            if isinstance(node, MappingNode):
                return self.mapping(node, path)
        finally:
            self.active.discard(id(node))
        raise DocumentError(f"unsupported YAML node at line {node.start_mark.line + 1}", path)

    def mapping(self, node: MappingNode, path: Path) -> dict[str, object]:
        result: dict[str, object] = {}
        lines: dict[str, int] = {}
        merged: dict[str, object] = {}
        for key_node, value_node in node.value:
            if str(key_node.tag).endswith(":merge"):
                sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                for source in sources:
                    value = self.build(source, path)
                    if not isinstance(value, dict):
                        raise DocumentError(
                            f"a merge key (<<) must name a mapping (line {key_node.start_mark.line + 1})",
                            path,
                        )
                    for key, item in value.items():
                        merged.setdefault(key, item)
                continue
            key = self.build(key_node, path)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                raise DocumentError(f"keys must be text, not {describe_value(key)} (line {line})", path)
            if key in result:
                raise DocumentError(
                    f"duplicate key {key!r} at line {line} (first at line {lines[key]})", (*path, key)
                )
            lines[key] = line
            result[key] = self.build(value_node, (*path, key))
        for key, item in merged.items():
            result.setdefault(key, item)
        return result

    @staticmethod
    def scalar(node: ScalarNode) -> object:
        tag = str(node.tag).rsplit(":", 1)[-1]
        value: str = node.value
        if tag == "null":
            return None
        if tag == "bool":
            return value.lower() == "true"
        if tag == "int":
            digits = value.replace("_", "")
            try:
                prefixed = digits.lstrip("+-")[:2].lower() in {"0x", "0o", "0b"}
                return _whole_number(digits, 0 if prefixed else 10)
            except ValueError:
                return value
        if tag == "float":
            lowered = value.lower().replace("_", "")
            if lowered in {".nan"}:
                return float("nan")
            if lowered.lstrip("+-") == ".inf":
                return float("-inf") if lowered.startswith("-") else float("inf")
            try:
                return float(lowered)
            except ValueError:
                return value
        # str, timestamp (kept as written: the schema decides), binary and anything else: the text
        return value


# -- pydantic's refusals, in Haven's words ------------------------------------------------------------------


def _unwrap(annotation: object) -> object:
    """`X | None` → X; `Annotated[X, …]` → X."""
    while True:
        origin = get_origin(annotation)
        if origin is typing.Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def annotation_at(root: type[BaseModel], loc: Sequence[str | int]) -> object:
    """The type found at a path of a model: a model class, an enum, a Literal, `str`, …, or None."""
    current: object = root
    for part in loc:
        current = _unwrap(current)
        if isinstance(part, int):
            if get_origin(current) not in (tuple, list):
                return None
            current = get_args(current)[0]
        elif isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(part)
            if field is None:
                return None
            current = field.annotation
        else:
            return None
    return _unwrap(current)


def _sort_key(root: type[BaseModel], path: Path) -> tuple[int, ...]:
    key: list[int] = []
    for depth, part in enumerate(path):
        if isinstance(part, int):
            key.append(part)
            continue
        owner = annotation_at(root, path[:depth])
        if isinstance(owner, type) and issubclass(owner, BaseModel):
            names = list(owner.model_fields)
            key.append(names.index(part) if part in names else len(names))
        else:
            key.append(0)
    return tuple(key)


def _choices(annotation: object) -> list[str]:
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return [str(member.value) for member in annotation]
    if get_origin(annotation) is Literal:
        return [str(arg) for arg in get_args(annotation)]
    return []


def _message(root: type[BaseModel], error: Mapping[str, Any]) -> str:
    kind: str = error["type"]
    value = error.get("input")
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    loc: tuple[str | int, ...] = tuple(error["loc"])
    if kind == HAVEN_ERROR:
        return str(ctx.get("message", "is not valid"))
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        owner = annotation_at(root, loc[:-1])
        allowed = list(owner.model_fields) if isinstance(owner, type) and issubclass(owner, BaseModel) else []
        return f"unknown key {loc[-1]!r}; the keys allowed here are {', '.join(allowed)}"
    if value is None and kind.endswith("_type"):
        return "is required and must not be empty"
    if kind in {"enum", "literal_error"}:
        choices = _choices(annotation_at(root, loc))
        if len(choices) == 1:
            return f"must be exactly {choices[0]!r}, not {describe_value(value)}"
        if isinstance(value, str):
            return f"{value!r} is not one of {', '.join(choices)}"
        return f"must be one of {', '.join(choices)}, not {describe_value(value)}"
    if kind in {"string_type", "string_sub_type"}:
        return f"must be text, not {describe_value(value)}"
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return f"must be a whole number, not {describe_value(value)}"
    if kind in {"float_type", "float_parsing", "finite_number"}:
        return f"must be a finite number, not {describe_value(value)}"
    if kind in {"bool_type", "bool_parsing"}:
        return f"must be true or false, not {describe_value(value)}"
    if kind == "greater_than_equal":
        return f"must be {ctx.get('ge')} or more, not {value}"
    if kind == "greater_than":
        return f"must be more than {ctx.get('gt')}, not {value}"
    if kind == "less_than_equal":
        return f"must be {ctx.get('le')} or less, not {value}"
    if kind == "string_too_long":
        length = len(value) if isinstance(value, str) else "more"
        return f"must be at most {ctx.get('max_length')} characters, not {length}"
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return f"must be a mapping of keys to values, not {describe_value(value)}"
    if kind in {"tuple_type", "list_type", "iterable_type"}:
        return f"must be a list, not {describe_value(value)}"
    if kind == "too_short":
        needed = ctx.get("min_length", 1)
        return f"must list at least {needed} {'entry' if needed == 1 else 'entries'}"
    return f"is not valid here ({describe_value(value)})"


def validation_problems(
    root: type[BaseModel], exc: ValidationError, extra: Iterable[tuple[Path, str]] = ()
) -> list[Problem]:
    """Every error of a validation plus the `extra` ones, in document order, worded for people."""
    found: list[tuple[Path, str]] = []
    for error in exc.errors(include_url=False):
        if error["type"] == CONSISTENCY_ERROR:
            continue  # reported one by one through `extra`
        found.append((tuple(error["loc"]), _message(root, error)))
    found.extend(extra)
    unique = list(dict.fromkeys(found))
    unique.sort(key=lambda item: _sort_key(root, item[0]))
    return [Problem(format_path(path), message) for path, message in unique]
