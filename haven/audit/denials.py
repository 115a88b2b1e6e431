"""Recording a refused request: one event that names what was refused and on which record, for the
auditors of the agency whose record it was (the web pages and the API both record through here)."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest

from haven.audit.events import AuditEvent, Outcome
from haven.audit.models import AuditRecord
from haven.audit.services import DetailValue, record
from haven.core.errors import HavenError

# URL keywords that name an operation or a person by code, in the web's and the API's routes
_OPERATION_KEYS = ("operation_code", "code")
_PERSON_KEYS = ("person_code",)


def _record_named(kwargs: dict[str, Any]) -> tuple[str, str]:
    """The record a URL names by id, as (type, id): the last `<thing>_id` keyword holding a UUID."""
    for name, value in reversed(list(kwargs.items())):
        if name.endswith("_id"):
            try:
                return name.removesuffix("_id"), str(uuid.UUID(str(value)))
            except ValueError:
                continue
    return "", ""


def record_denial(request: HttpRequest, error: HavenError, *, api_code: str = "") -> AuditRecord:
    """Rule (access-policy.md, "Audit trail"): every denied request is one event — who, what they tried
    (the policy's action, or the route's name), on which record (the operation and person codes and the
    record id the URL named), from where — never shown to the one refused."""
    user = request.user if request.user.is_authenticated else None
    match = request.resolver_match
    kwargs: dict[str, Any] = dict(match.kwargs) if match is not None else {}
    route = (match.url_name or "") if match is not None else ""
    details: dict[str, DetailValue] = {
        "path": request.path[:200],
        "method": request.method or "",
        "action": (error.action or route or "")[:200],
    }
    if api_code:
        details["code"] = api_code
    operation = next((str(kwargs[key]) for key in _OPERATION_KEYS if key in kwargs), "")
    person = next((str(kwargs[key]) for key in _PERSON_KEYS if key in kwargs), "")
    if operation:
        details["operation"] = operation[:200]
    if person:
        details["person"] = person[:200]
    target_type, target_id = _record_named(kwargs)
    return record(
        actor=user,
        event=AuditEvent.ACCESS_DENIED,
        outcome=Outcome.DENIED,
        subject_agency_id=error.owner,
        target_type=target_type,
        target_id=target_id or None,
        details=details,
    )
