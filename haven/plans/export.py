"""Writing a plan out as JSON-compatible data, YAML or JSON; what is written reads back to the same plan."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Final

from pydantic import BaseModel

from haven.plans.formats import Plan

_LINE_WIDTH: Final = 110
#: Plain (unquoted) scalars: text starting with a letter, holding no YAML indicator. Anything else is quoted.
_PLAIN_RE: Final = re.compile(r"[^\W\d_][\w .,'()/&@+!?*=~<>%$;-]*", re.UNICODE)
#: Words that some YAML reader (1.1 or 1.2) would take for a boolean or null.
_RESERVED: Final = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})


def _export(value: object) -> object:
    """Model → plain data in field order, without absent fields or empty lists (empty is absent) — except
    a list whose absence means something else (`anticipated.languages: []` states English only)."""
    if isinstance(value, BaseModel):
        out: dict[str, object] = {}
        for name, field in type(value).model_fields.items():
            item = getattr(value, name)
            if item is None or (isinstance(item, tuple) and not item and field.default == ()):
                continue
            out[name] = _export(item)
        return out
    if isinstance(value, tuple | list):
        return [_export(item) for item in value]
    if isinstance(value, datetime | date):
        return value  # kept as an object: JSON writes it as text, YAML writes it unquoted
    if isinstance(value, str):
        return str(value)  # an enum member becomes its plain value
    return value


def _jsonable(value: object) -> object:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def plan_to_dict(plan: Plan) -> dict[str, object]:
    """The plan as JSON-compatible data, keys in the order of the format, absent fields left out."""
    data = _jsonable(_export(plan))
    assert isinstance(data, dict)
    return data


def plan_to_json(plan: Plan) -> str:
    """The plan as indented JSON text."""
    return json.dumps(plan_to_dict(plan), indent=2, ensure_ascii=False) + "\n"


# -- YAML ---------------------------------------------------------------------------------------------------


def _printable(char: str) -> bool:
    code = ord(char)
    return (
        0x20 <= code <= 0x7E
        or 0xA0 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    ) and char not in "\u2028\u2029\ufeff"


_ESCAPES: Final = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


def _quoted(text: str) -> str:
    out = ['"']
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif _printable(char):
            out.append(char)
        elif ord(char) <= 0xFF:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    out.append('"')
    return "".join(out)


def _scalar(value: object, *, in_flow: bool) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    plain = (
        _PLAIN_RE.fullmatch(text) is not None
        and text.lower() not in _RESERVED
        and not text.endswith(" ")
        and not (in_flow and "," in text)
        and all(_printable(char) for char in text)
    )
    return text if plain else _quoted(text)


def _is_scalar(value: object) -> bool:
    return not isinstance(value, dict | list)


def _emit(value: object, indent: int, lines: list[str]) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            if _is_scalar(item):
                lines.append(f"{pad}{key}: {_scalar(item, in_flow=False)}")
            elif isinstance(item, list) and all(_is_scalar(entry) for entry in item):
                flow = f"{pad}{key}: [" + ", ".join(_scalar(entry, in_flow=True) for entry in item) + "]"
                if len(flow) <= _LINE_WIDTH:
                    lines.append(flow)
                else:
                    lines.append(f"{pad}{key}:")
                    lines.extend(f"{pad}  - {_scalar(entry, in_flow=False)}" for entry in item)
            elif isinstance(item, dict) and not item:
                lines.append(f"{pad}{key}: {{}}")
            else:
                lines.append(f"{pad}{key}:")
                _emit(item, indent + 2, lines)
    elif isinstance(value, list):
        for entry in value:
            if isinstance(entry, dict) and entry:
                start = len(lines)
                _emit(entry, indent + 2, lines)
                lines[start] = f"{pad}- " + lines[start][indent + 2 :]
            elif isinstance(entry, dict):
                lines.append(f"{pad}- {{}}")
            else:
                lines.append(f"{pad}- {_scalar(entry, in_flow=False)}")


def plan_to_yaml(plan: Plan) -> str:
    """The plan as block-style YAML: one section after another, short lists inline, ambiguous text quoted."""
    data = _export(plan)
    assert isinstance(data, dict)
    lines: list[str] = []
    for key, section in data.items():
        if lines and not _is_scalar(section):
            lines.append("")
        _emit({key: section}, 0, lines)
    return "\n".join(lines) + "\n"
