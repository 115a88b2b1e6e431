"""Small presentation helpers for templates (no rules here)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone

from haven.core.clock import clock_moment, duration, offset_minutes

register = template.Library()


@register.filter
def moment(value: datetime | None) -> str:
    """`today 06:40 UTC−05:00` or `3 Dec 06:40 UTC−05:00`: a moment on the page's clock (the operation's,
    activated by `haven.web.timezones`), its day named relative to that clock's today."""
    if value is None:
        return ""
    return clock_moment(value, offset_minutes(value.astimezone(timezone.get_current_timezone())))


@register.filter
def minutes(value: int | None) -> str:
    """`45 min`, `1 h 25 min`, `2 d 3 h` (`haven.core.clock.duration`)."""
    return "" if value is None else duration(value)


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


@register.inclusion_tag("web/_operation_tabs.html", takes_context=True)
def operation_tabs(context: dict[str, Any], operation: Any, current: str) -> dict[str, Any]:
    """The operation's sections this user may open (the policy decides; the template only lists them)."""
    from haven.access.policies import Access, Compartment, allows  # noqa: PLC0415 - template-time import
    from haven.operations.selectors import operation_for, standing  # noqa: PLC0415

    user = context["request"].user
    if isinstance(operation, str):  # a page that knows only the code (already authorised by its view)
        operation, place = operation_for(user, operation)
    else:
        place = standing(user, operation)
    tabs = []
    if allows(place, Compartment.FULL_PLAN, Access.READ):
        tabs += [("plan", "Plan", "web:plan"), ("history", "History", "web:history")]
    if allows(place, Compartment.SERVICE_BRIEFING, Access.READ):
        tabs.append(("briefing", "Briefing", "web:briefing"))
    if allows(place, Compartment.ROSTER, Access.READ):
        tabs.append(("board", "Live board", "web:board"))
    if allows(place, Compartment.INTERVIEW_SCHEDULE, Access.READ):
        tabs.append(("interviews", "Interview plan", "web:interview-plan"))
    if allows(place, Compartment.ROSTER, Access.READ):
        tabs.append(("report", "Report", "web:report"))
    return {"operation": operation, "tabs": tabs, "current": current}
