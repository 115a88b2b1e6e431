"""Pages about an operation show its times in the operation's own offset from UTC (its plan's), as the
people on the ground read their clocks, labelled with that offset ("UTC−05:00"); times typed into its
forms are read in it too. Everything else — the audit trail, the API, the files — stays in UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta, timezone, tzinfo
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone as django_timezone

from haven.operations.models import Operation


def zone(offset_minutes: int) -> tzinfo:
    return timezone(timedelta(minutes=offset_minutes))


def zone_label(zone: tzinfo | None = None) -> str:
    """`UTC`, or `UTC−05:00` / `UTC+05:30`: the label every shown time carries (with a minus sign,
    U+2212, which no line breaks after, so the label never splits at the end of a line)."""
    offset = (zone or django_timezone.get_current_timezone()).utcoffset(None)
    minutes = 0 if offset is None else int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "\u2212" if minutes < 0 else "+"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


class OperationTimeMiddleware:
    """Activates the operation's offset for the pages under /operations/<code>/ (one small query; the
    page itself still decides, through the policy, whether the operation is shown at all)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        finally:
            django_timezone.deactivate()

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: dict[str, Any]
    ) -> None:
        match = request.resolver_match
        code = kwargs.get("operation_code", kwargs.get("code"))
        if match is None or match.namespace != "web" or not isinstance(code, str):
            return
        offset = Operation.objects.filter(code=code).values_list("utc_offset_minutes", flat=True).first()
        if offset:
            django_timezone.activate(zone(offset))
