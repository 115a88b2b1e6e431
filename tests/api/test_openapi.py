"""The OpenAPI document: valid OpenAPI 3.1, a path for every API route, every error each route can give
declared; and Schemathesis against it through the WSGI application, signed in as each persona — no
server error, no response outside the document (status, content type, headers, body schema).

Each Schemathesis test runs in its own test transaction, on a fresh operation of the test task force:
whatever the generated requests manage to change is rolled back with it. The operations' routes are
fuzzed as the investigator, the coordinator, the advocate and the outsider; the encounter routes (persons,
their records, the board) as the investigator, the assessing provider (the advocate), another provider,
the attorney and the outsider, on the shared cast of `tests/access/matrix_api_encounters.py`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import hypothesis
import jsonschema_rs
import pytest
import schemathesis
from django.conf import settings
from django.core import signals
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.definitions import OPENAPI_31

from config.wsgi import application
from haven.operations.models import Operation
from tests.access.matrix_api_encounters import cast_on
from tests.access.routes import all_routes
from tests.api.helpers import API
from tests.personas import make_user, sign_in

SCHEMA_URL = f"{API}/openapi.json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
MAX_EXAMPLES = 15
# the encounter API has twenty operations: fewer cases each keep the whole run near a minute and a half
ENCOUNTER_EXAMPLES = 6
SESSION_COOKIE = settings.SESSION_COOKIE_NAME


@pytest.fixture
def document(client_for: Any) -> dict[str, Any]:
    response = client_for("investigator").get(SCHEMA_URL)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


# -- the document -------------------------------------------------------------------------------------------


def test_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    errors = [error.message for error in jsonschema_rs.validator_for(OPENAPI_31).iter_errors(document)]
    assert errors == []


def test_every_schema_in_the_document_is_valid_json_schema(document: dict[str, Any]) -> None:
    components = document["components"]["schemas"]
    for name in components:
        # each component compiles with its references resolved inside the document
        jsonschema_rs.validator_for(
            {"$ref": f"#/components/schemas/{name}", "components": {"schemas": components}}
        )
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', str(document).replace("'", '"')))
    assert refs <= set(components), f"dangling references: {refs - set(components)}"


def test_every_api_route_has_a_path_in_the_document(document: dict[str, Any]) -> None:
    documented = {re.sub(r"\{(\w+)\}", r"<\1>", path.removeprefix("/")) for path in document["paths"]}
    routes = {route.pattern for route in all_routes() if route.pattern.startswith("api/v1/")}
    # the API's own plumbing: the document itself, its index, and the JSON 404 for unknown paths
    plumbing = {"api/v1/", "api/v1/openapi.json", "api/v1/<path:unknown>"}
    assert routes - plumbing == documented


def test_every_route_declares_its_errors(document: dict[str, Any]) -> None:
    for path, method, operation in _operations(document):
        declared = set(operation["responses"])
        label = f"{method.upper()} {path}"
        assert "401" in declared, label  # not signed in, or no second factor
        if "{code}" in path:
            assert "404" in declared, label  # hidden or missing
        if method in ("post", "put"):
            assert {"400", "403"} <= declared, label  # an invalid body; CSRF or the policy
        if operation.get("parameters") and any(p["in"] != "path" for p in operation["parameters"]):
            assert "400" in declared, label  # a query or header parameter that is not valid
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                schema = response["content"]["application/json"]["schema"]
                # one error shape, or a choice of them (a 409 is a conflict or a confirmation to give)
                refs = [option["$ref"] for option in schema.get("anyOf", [schema])]
                assert all(ref.endswith("Out") for ref in refs), label


def test_error_schemas_name_their_codes(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert schemas["InvalidOut"]["properties"]["problems"]["items"]["$ref"].endswith("ProblemOut")
    assert "rules" in schemas["RuleViolationOut"]["required"]
    assert set(schemas["ErrorOut"]["required"]) == {"code", "message"}


def test_the_plan_document_schema_refuses_unknown_keys(document: dict[str, Any]) -> None:
    plan = document["components"]["schemas"]["PlanDocument"]
    assert plan["additionalProperties"] is False
    assert {"format", "operation", "agencies"} <= set(plan["required"])
    body = document["paths"]["/api/v1/operations/{code}/plan"]["put"]["requestBody"]
    assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/PlanDocument"}


def test_the_service_schemas_have_no_field_for_what_providers_must_not_see(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    service = ("OperationServiceOut", "ServicePlanOut", "ServiceBriefingOut", "ReadinessServiceOut")
    forbidden = {"sites", "site", "starts_at", "ends_at", "separation", "areas", "legal_authorities", "notes"}
    forbidden |= {"responsibilities", "version", "plan", "report", "results", "kind"}
    for name in service:
        assert not forbidden & set(schemas[name]["properties"]), name


def test_the_docs_page_is_not_served(client_for: Any) -> None:
    # Swagger UI would load scripts from a CDN; the document is the reference
    response = client_for("investigator").get(f"{API}/docs")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found."}


# -- Schemathesis, signed in as each persona ----------------------------------------------------------------


@contextmanager
def _test_transaction_kept() -> Iterator[None]:
    """Requests through the WSGI application would close the test's database connection when they end
    (Django's test client avoids it the same way, and reconnects the handlers after each of its requests)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _signed_in(who: str) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """The OpenAPI document as this persona receives it, their session cookies and the CSRF header."""
    client = Client()
    sign_in(client, make_user(who))
    token = client.get(f"{API}/session").json()["csrf_token"]
    cookies = {name: morsel.value for name, morsel in client.cookies.items()}
    return client.get(SCHEMA_URL).json(), cookies, {"X-CSRFToken": token}


def _is_encounter_route(path: str) -> bool:
    return path.startswith(f"{API}/operations/{{code}}/") and path.split("/")[5] in ("persons", "board")


def _fuzz(
    who: str,
    *,
    select: Callable[[str], bool],
    real: dict[str, str],
    max_examples: int,
) -> tuple[int, dict[str, set[int]]]:
    """Schemathesis over the selected paths, signed in as `who`: positive and negative cases, half of
    them addressing the real records (`real`: values for the path parameters), so that the views behind
    the 404 run too. Returns how many API operations ran, and the statuses seen for each."""
    document, cookies, headers = _signed_in(who)
    schema = schemathesis.openapi.from_dict(document)
    schema.app = application  # requests go through the WSGI application, in this test's transaction
    exercised = 0
    seen: dict[str, set[int]] = {}
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        api_operation = result.ok()
        if not select(api_operation.path):
            continue
        names = re.findall(r"\{(\w+)\}", api_operation.path)
        strategies = [
            api_operation.as_strategy(),
            api_operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE),
        ]
        if names:
            known = {name: real[name] for name in names}
            strategies += [
                api_operation.as_strategy(path_parameters=known),
                api_operation.as_strategy(
                    generation_mode=schemathesis.GenerationMode.NEGATIVE, path_parameters=known
                ),
            ]

        @given(case=st.one_of(*strategies))
        @hypothesis.settings(
            max_examples=max_examples,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case[Any]) -> None:
            negative = case.meta is not None and case.meta.generation.mode.is_negative
            # a negative case may leave out the session cookie on purpose: then it goes without one
            signed_in = not negative or SESSION_COOKIE in (case.cookies or {})
            response = case.call(headers=headers, cookies=cookies if signed_in else None)
            seen.setdefault(f"{case.method} {case.operation.path}", set()).add(response.status_code)
            case.validate_response(
                response, checks=[*CHECKS, negative_data_rejection] if negative else CHECKS, headers=headers
            )

        with _test_transaction_kept():
            run()
        exercised += 1
    return exercised, seen


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["investigator", "coordinator", "advocate", "outsider"])
def test_schemathesis_finds_no_server_error_and_no_response_outside_the_document(
    who: str, operation: Operation
) -> None:
    started = time.monotonic()
    exercised, seen = _fuzz(
        who,
        select=lambda path: not _is_encounter_route(path),
        real={"code": operation.code},
        max_examples=MAX_EXAMPLES,
    )
    assert exercised == 9
    # the generated requests reached the views behind the refusals, as far as this persona may go
    reads = [f"GET {API}/operations/{{code}}{tail}" for tail in ("", "/plan", "/readiness", "/briefing")]
    for read in reads:
        assert (200 in seen[read]) is (who != "outsider"), (read, seen[read])
    assert time.monotonic() - started < 60


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["investigator", "advocate", "other_provider", "attorney", "outsider"])
def test_schemathesis_on_the_encounter_routes_finds_no_server_error_and_no_response_outside_the_document(
    who: str, operation: Operation
) -> None:
    # given the shared cast on the operation: every compartment has a record, and each id is real
    cast = cast_on(operation)
    real = {
        "code": operation.code,
        "person_code": cast.victim.code,
        "consent_id": str(cast.consent.pk),
        "interview_id": str(cast.interview.pk),
        "flag_id": str(cast.flag.pk),
    }
    started = time.monotonic()
    exercised, seen = _fuzz(who, select=_is_encounter_route, real=real, max_examples=ENCOUNTER_EXAMPLES)
    assert exercised == 21
    reads = [
        f"GET {API}/operations/{{code}}{tail}" for tail in ("/persons", "/persons/{person_code}", "/board")
    ]
    for read in reads:
        assert (200 in seen[read]) is (who != "outsider"), (read, seen[read])
    answered = {status for statuses in seen.values() for status in statuses}
    if who == "outsider":
        # an agency not on the operation learns nothing: no record, no refusal that says more than 404
        assert answered <= {401, 404}, answered
    else:
        # the writes' views ran: the bodies were read and judged, not only the path
        writes = {status for key, statuses in seen.items() if key.startswith("POST") for status in statuses}
        assert writes & {200, 201, 400, 422}, writes
    assert time.monotonic() - started < 60
