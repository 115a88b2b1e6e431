"""Pages about an operation show its times in the operation's own offset from UTC (its plan's), as the
people on the ground read their clocks, labelled with that offset ("UTC−05:00"); times typed into its
forms are read in it too. Everything else — the audit trail, the API, the files — stays in UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.utils import timezone as django_timezone

from haven.core.clock import zone, zone_label
from haven.operations.models import Operation

__all__ = ["OperationTimeMiddleware", "current_zone_label", "label_times", "zone", "zone_label"]


def current_zone_label() -> str:
    """The label of the offset this page shows its times in (the operation's, else UTC)."""
    return zone_label(django_timezone.get_current_timezone())


def label_times(form: forms.BaseForm) -> None:
    """A time typed into an operation's form is read in its offset: each time field's label says which."""
    for field in form.fields.values():
        if isinstance(field, forms.DateTimeField | forms.TimeField):
            field.label = f"{field.label} ({current_zone_label()})"


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
