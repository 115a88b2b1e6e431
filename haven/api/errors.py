"""One place that turns refusals into API responses, each with a stable `code`.

| status | code | raised as |
|---|---|---|
| 400 | `invalid` | `InvalidInput` / `ValidationFailed` (a plan, a body), ninja's request validation |
| 401 | `not_authenticated` | (the accounts middleware answers first; also ninja's `AuthenticationError`) |
| 403 | `forbidden` | `Forbidden`: the caller may know the record exists but may not do this |
| 403 | `csrf_failed` | an unsafe request without the X-CSRFToken header |
| 404 | `not_found` | `NotFound` (hidden and missing alike), an unknown API path |
| 409 | `conflict` | `Conflict` / `SectionConflict` |
| 503 | `audit_unavailable` | `AuditChainBroken`: the audit trail cannot be written, so nothing was done |
| 409 | `confirmation_required` | `ConfirmationRequired`: repeat with the named `subjects` confirmed |
| 422 | `rule_violation` | `RuleViolation` (approval while readiness rules fail) |

A 404 body is always exactly `{"code": "not_found", "message": "Not found."}`: a hidden record and a
missing one look the same. Refusals by the policy (403, 404) are audited as `ACCESS_DENIED`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, Final, TypeVar

import pydantic
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as RequestValidationError

from haven.access.crypto import SealBroken
from haven.audit.denials import record_denial
from haven.audit.services import AuditChainBroken
from haven.core.errors import (
    AUDIT_UNAVAILABLE_MESSAGE,
    KEYS_UNAVAILABLE_MESSAGE,
    RACED_MESSAGE,
    SEAL_BROKEN_MESSAGE,
    ConfirmationRequired,
    Conflict,
    Forbidden,
    HavenError,
    NotFound,
    RuleViolation,
    is_unique_violation,
)
from haven.core.keyring import EncryptionError
from haven.core.problems import InvalidInput, Problem, format_path
from haven.plans.documents import json_whole_number, too_large_problems

NOT_FOUND_BODY: Final = {"code": NotFound.code, "message": "Not found."}
EXERCISE_HEADER: Final = "X-Haven-Exercise"
JSON: Final = "application/json; charset=utf-8"

_Model = TypeVar("_Model", bound=pydantic.BaseModel)


# -- the exercise marker ------------------------------------------------------------------------------------


def mark_exercise(request: HttpRequest, exercise: bool) -> None:
    """Remember that this response is about an exercise operation (body and header say so)."""
    if exercise:
        request.haven_exercise = True  # type: ignore[attr-defined]


def is_exercise(request: HttpRequest) -> bool:
    return bool(getattr(request, "haven_exercise", False))


# -- bodies -------------------------------------------------------------------------------------------------


def json_body(request: HttpRequest) -> dict[str, Any]:
    """The request body as a JSON object, or `InvalidInput` saying what is wrong with it."""
    try:
        data = json.loads(request.body or b"", parse_int=json_whole_number)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise InvalidInput([Problem("", "the body must be a JSON object")], what="body") from None
    if not isinstance(data, dict):
        raise InvalidInput([Problem("", "the body must be a JSON object")], what="body")
    too_large = too_large_problems(data)  # refused at their paths, never turned into numbers
    if too_large:
        raise InvalidInput(too_large, what="body")
    return data


def nul_problems(node: object, path: tuple[str | int, ...] = ()) -> list[Problem]:
    """Text holding the NUL character, which no database column can store: one problem per place."""
    if isinstance(node, str):
        return (
            [Problem(format_path(path), "must not contain the NUL character (\\u0000)")]
            if "\x00" in node
            else []
        )
    if isinstance(node, dict):
        found = [
            Problem(format_path(path), "has a key containing the NUL character")
            for key in node
            if "\x00" in key
        ]
        for key, value in node.items():
            found += nul_problems(value, (*path, key))
        return found
    if isinstance(node, list):
        return [problem for index, item in enumerate(node) for problem in nul_problems(item, (*path, index))]
    return []


def read_body(request: HttpRequest, model: type[_Model]) -> _Model:
    """The body validated by `model` (unknown fields refused), every problem with its path."""
    data = json_body(request)
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        problems = [
            Problem(format_path([part for part in error["loc"] if isinstance(part, str | int)]), error["msg"])
            for error in exc.errors(include_url=False)
        ]
        raise InvalidInput(problems, what="body") from None


# -- responses ----------------------------------------------------------------------------------------------


def _respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
    if status != 404 and is_exercise(request):
        body = {**body, "exercise": True}
    response = JsonResponse(body, status=status, content_type=JSON)
    if status != 404 and is_exercise(request):
        response[EXERCISE_HEADER] = "true"
    return response


def _denied(request: HttpRequest, error: HavenError) -> None:
    record_denial(request, error, api_code=error.code)


def not_found(request: HttpRequest, error: NotFound | None = None) -> HttpResponse:
    _denied(request, error or NotFound())
    return JsonResponse(NOT_FOUND_BODY, status=404, content_type=JSON)


def haven_error(request: HttpRequest, error: HavenError) -> HttpResponse:
    if isinstance(error, NotFound):
        return not_found(request, error)
    if isinstance(error, Forbidden):
        _denied(request, error)
        return _respond(request, 403, {"code": error.code, "message": error.message})
    if isinstance(error, ConfirmationRequired):
        body = {"code": error.code, "message": error.message, "subjects": error.subjects}
        return _respond(request, 409, body)
    if isinstance(error, Conflict):
        sections = list(getattr(error, "sections", []))
        return _respond(request, 409, {"code": error.code, "message": error.message, "sections": sections})
    if isinstance(error, RuleViolation):
        rules = [rule for rule in error.rule.split(",") if rule]
        return _respond(request, 422, {"code": error.code, "message": error.message, "rules": rules})
    return _respond(request, 400, {"code": error.code, "message": error.message})


def invalid_input(request: HttpRequest, error: InvalidInput) -> HttpResponse:
    count = len(error.problems)
    message = f"The {error.what} has {count} problem{'s' if count != 1 else ''}; nothing was changed."
    return _respond(
        request,
        400,
        {
            "code": "invalid",
            "message": message,
            "problems": [{"path": p.path, "message": p.message} for p in error.problems],
        },
    )


def request_invalid(request: HttpRequest, error: RequestValidationError) -> HttpResponse:
    """ninja's own validation of query, header and path parameters, in the `invalid` shape."""
    problems = []
    for item in error.errors:
        loc = [part for part in item.get("loc", ()) if isinstance(part, str | int)]
        # ("query", "audience") → "audience"; ("body", "payload", "version") → "version"
        if loc and loc[0] == "body":
            loc = loc[2:]
        elif loc:
            loc = loc[1:]
        problems.append(Problem(format_path(loc), str(item.get("msg", "is not valid"))))
    return invalid_input(request, InvalidInput(problems, what="request"))


def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    if isinstance(error, AuthenticationError):
        return _respond(request, 401, {"code": "not_authenticated", "message": "Sign in first."})
    if error.status_code == 403 and "csrf" in error.message.lower():
        return _respond(
            request,
            403,
            {
                "code": "csrf_failed",
                "message": "CSRF check failed: send the X-CSRFToken header (GET /api/v1/session gives the token).",
            },
        )
    if error.status_code == 404:
        return not_found(request)
    return _respond(request, error.status_code, {"code": "error", "message": error.message})


def http404(request: HttpRequest, error: Http404) -> HttpResponse:
    return not_found(request)


def audit_unavailable(request: HttpRequest, error: AuditChainBroken) -> HttpResponse:
    """The audit trail cannot be written (its key missing, its head gone): nothing was done, said in words."""
    logging.getLogger("haven").error("%s", error)
    return _respond(request, 503, {"code": "audit_unavailable", "message": AUDIT_UNAVAILABLE_MESSAGE})


def keys_unavailable(request: HttpRequest, error: EncryptionError) -> HttpResponse:
    """A key missing or not matching: said in words; which key and which record go to the log."""
    logging.getLogger("haven").error("%s", error)
    return _respond(request, 500, {"code": "keys_unavailable", "message": KEYS_UNAVAILABLE_MESSAGE})


def seal_broken(request: HttpRequest, error: SealBroken) -> HttpResponse:
    """Says so, never an empty value in its place; the field and row go to the log, not the body."""
    logging.getLogger("haven").error("%s", error)
    return _respond(request, 500, {"code": "seal_broken", "message": SEAL_BROKEN_MESSAGE})


class JsonErrorsMiddleware:
    """Under /api/, an error Django answers before the API's own handlers — a body over the upload
    limit (400), a method the route does not take (405), a page error — still comes as the API's JSON
    error shape, never an HTML page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            not request.path.startswith("/api/")
            or response.status_code < 400
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        status = response.status_code
        code, message = _PLAIN_ERRORS.get(status, ("error", "The request could not be handled."))
        if status == 405:
            message = f"This address takes {response.get('Allow', 'other methods')}, not {request.method}."
        replaced = JsonResponse({"code": code, "message": message}, status=status, content_type=JSON)
        if "Allow" in response:
            replaced["Allow"] = response["Allow"]
        return replaced


_PLAIN_ERRORS: Final[dict[int, tuple[str, str]]] = {
    400: (
        "invalid",
        "The request could not be read: a body larger than the limit (2.5 MB), or one that is not "
        "well-formed. Nothing was changed.",
    ),
    403: ("forbidden", "This request was refused."),
    404: (NOT_FOUND_BODY["code"], NOT_FOUND_BODY["message"]),  # hidden and missing alike
    405: ("method_not_allowed", ""),
    413: ("invalid", "The body is larger than the limit (2.5 MB). Nothing was changed."),
    500: ("error", "Haven could not complete this request; nothing was changed. It was logged."),
}


def raced(request: HttpRequest, error: IntegrityError) -> HttpResponse:
    """A unique constraint caught what a check before the insert could not (two requests at once); any
    other integrity error is a fault (500, logged)."""
    if not is_unique_violation(error):
        logging.getLogger("haven").error("integrity error: %s", error)
        return _respond(request, 500, {"code": "error", "message": _PLAIN_ERRORS[500][1]})
    logging.getLogger("haven").warning("integrity error answered as a conflict: %s", error)
    return _respond(request, 409, {"code": Conflict.code, "message": RACED_MESSAGE, "sections": []})


def install(api: NinjaAPI) -> None:
    """Register the handlers on the API (the most specific class wins)."""
    api.exception_handler(IntegrityError)(raced)
    api.exception_handler(SealBroken)(seal_broken)
    api.exception_handler(EncryptionError)(keys_unavailable)
    api.exception_handler(AuditChainBroken)(audit_unavailable)
    api.exception_handler(HavenError)(haven_error)
    api.exception_handler(InvalidInput)(invalid_input)
    api.exception_handler(RequestValidationError)(request_invalid)
    api.exception_handler(HttpError)(http_error)
    api.exception_handler(Http404)(http404)
