"""One place that turns domain errors into pages: hidden and missing look the same (404)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from haven.access.crypto import SealBroken
from haven.audit.denials import record_denial
from haven.audit.services import AuditChainBroken
from haven.core.errors import (
    AUDIT_UNAVAILABLE_MESSAGE,
    KEYS_UNAVAILABLE_MESSAGE,
    RACED_MESSAGE,
    SEAL_BROKEN_MESSAGE,
    Conflict,
    Forbidden,
    HavenError,
    NotFound,
    RuleViolation,
    is_unique_violation,
)
from haven.core.keyring import EncryptionError

logger = logging.getLogger("haven")


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, SealBroken) and not request.path.startswith("/api/"):
            # says so, never an empty value in its place (access-policy.md); the details go to the log
            logger.error("%s", exception)
            context = {"title": "A protected record could not be opened", "message": SEAL_BROKEN_MESSAGE}
            return render(request, "web/error.html", context, status=500)
        if isinstance(exception, AuditChainBroken) and not request.path.startswith("/api/"):
            # nothing can be recorded, so nothing is done: said in words, never a traceback
            logger.error("%s", exception)
            context = {"title": "The audit trail cannot be written", "message": AUDIT_UNAVAILABLE_MESSAGE}
            return render(request, "web/error.html", context, status=503)
        if isinstance(exception, EncryptionError) and not request.path.startswith("/api/"):
            # a key missing or not matching (a restore without the key backup): said in words
            logger.error("%s", exception)
            context = {"title": "A protected record could not be opened", "message": KEYS_UNAVAILABLE_MESSAGE}
            return render(request, "web/error.html", context, status=500)
        if (
            isinstance(exception, IntegrityError)
            and is_unique_violation(exception)
            and not request.path.startswith("/api/")
        ):
            logger.warning("integrity error answered as a conflict: %s", exception)
            context = {"title": "Changed by someone else", "message": RACED_MESSAGE}
            return render(request, "web/error.html", context, status=409)
        if request.path.startswith("/api/") or not isinstance(exception, HavenError):
            return None
        status = 400
        if isinstance(exception, NotFound):
            status = 404
        elif isinstance(exception, Forbidden):
            status = 403
        elif isinstance(exception, Conflict):
            status = 409
        elif isinstance(exception, RuleViolation):
            status = 422
        if status in (403, 404):
            record_denial(request, exception)
        title = {404: "Not found", 403: "Not allowed", 409: "Changed by someone else"}.get(status, "Refused")
        return render(
            request, "web/error.html", {"title": title, "message": exception.message}, status=status
        )
