"""Small presentation helpers for templates (no rules here)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key)


@register.filter
def block_kind(block: object) -> str:
    """A briefing block's kind, for the template to lay it out: paragraph, fields, bullets or table."""
    return type(block).__name__.lower()


@register.filter
def index(items: Sequence[Any], position: int) -> Any:
    """The item at a position of a sequence (a table cell's column heading), or "" beyond its end."""
    return items[position] if 0 <= position < len(items) else ""
