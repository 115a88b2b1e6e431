"""The NinjaAPI behind `/api/v1/`: session authentication with CSRF, error mapping, the OpenAPI document.

Routers for each area are added here, each in its own module: operations (`operations.py`) and the
records after the action (`encounters.py`). The OpenAPI document is at `/api/v1/openapi.json`; there is
no docs page, because Swagger UI would load scripts from a CDN, which the content security policy forbids
and an offline deployment cannot reach.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.urls import URLPattern, URLResolver, path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Router
from ninja.openapi.schema import OpenAPISchema
from ninja.security import SessionAuth

from haven.accounts.models import User
from haven.accounts.otp import second_factor_passed
from haven.api import errors
from haven.api.encounter_schemas import ENCOUNTER_REQUEST_SCHEMAS
from haven.api.encounters import router as encounters_router
from haven.api.operations import router as operations_router
from haven.api.schemas import (
    REQUEST_SCHEMAS,
    AgencyOut,
    ErrorOut,
    SessionOut,
    link_components,
    plan_document_components,
)

DESCRIPTION = """\
Haven's HTTP API. Sign in through the pages first (password, then the authentication code): the API uses
that session. Every POST and PUT sends the `X-CSRFToken` header (`GET /api/v1/session` gives the token).
A client that polls sends `X-Haven-Auto-Refresh: 1`, so that polling does not keep an idle session alive.

Errors carry a stable `code`: `not_authenticated`, `second_factor_required` (401), `csrf_failed`,
`forbidden` (403), `not_found` (404, the same for a hidden record and a missing one), `conflict` (409),
`invalid` (400, with every problem and its field path), `rule_violation` (422, with the failing rules).
Every response about an exercise operation carries `"exercise": true` and the header `X-Haven-Exercise: true`.
"""


class HavenSession(SessionAuth):
    """The signed-in session, with CSRF checked on unsafe methods; the accounts middleware has already
    refused (401) a request without a session or without the second factor — this checks it again."""

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = request.user
        if isinstance(user, User) and user.is_active and second_factor_passed(user):
            return user
        return None


class HavenAPI(NinjaAPI):
    def create_response(
        self,
        request: HttpRequest,
        data: Any,
        *,
        status: int | None = None,
        temporal_response: HttpResponse | None = None,
    ) -> HttpResponse:
        response = super().create_response(request, data, status=status, temporal_response=temporal_response)
        if errors.is_exercise(request):
            response[errors.EXERCISE_HEADER] = "true"
        return response

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema["components"]["schemas"]
        components.update(plan_document_components())
        for model in (*REQUEST_SCHEMAS, *ENCOUNTER_REQUEST_SCHEMAS):
            components[model.__name__] = model.model_json_schema()
        for key in ("paths", "components"):
            schema[key] = link_components(schema[key])
        return schema

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = [u for u in super()._get_urls() if getattr(u, "name", None) != "api-root"]
        # the root names the API's place (ninja reverses it); anything else under /api/v1/ is a JSON 404
        return [*urls, path("", api_root, name="api-root"), path("<path:unknown>", unknown_path)]


def api_root(request: HttpRequest) -> HttpResponse:
    return JsonResponse(
        {"title": api.title, "version": api.version, "openapi": request.path + "openapi.json"},
        content_type=errors.JSON,
    )


@csrf_exempt
def unknown_path(request: HttpRequest, unknown: str) -> HttpResponse:
    return JsonResponse(errors.NOT_FOUND_BODY, status=404, content_type=errors.JSON)


api = HavenAPI(
    title="Haven API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    docs_url=None,
    auth=HavenSession(),
)
errors.install(api)

session_router = Router(tags=["session"])


@session_router.get(
    "",
    response={200: SessionOut, 401: ErrorOut},
    summary="Who is signed in, and the CSRF token for POST and PUT",
)
def session(request: HttpRequest) -> SessionOut:
    user = request.auth  # type: ignore[attr-defined]  # set by HavenSession
    assert isinstance(user, User)
    return SessionOut(
        username=user.username,
        name=user.name,
        agency=AgencyOut(id=user.agency.slug, name=user.agency.name),
        agency_type=user.agency.type,
        roles=[str(role) for role in user.roles],
        csrf_token=get_token(request),
    )


api.add_router("/session", session_router)
api.add_router("/operations", operations_router)
# persons, their records and the live board, under /operations/{code}/ (before the JSON 404 catch-all,
# which `_get_urls` adds after every router)
api.add_router("/operations", encounters_router)
