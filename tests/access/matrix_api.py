"""Access-matrix rows for the HTTP API under /api/v1/. Statuses: 200 answered, 400 a body that is not
valid (only for those who may act), 401 not signed in or no second factor (JSON, never a redirect),
403 refused, 404 hidden or missing. "*" is every persona not named.

The operation is the test task force's (tests/operations/fixtures.py): metro-pd, hsi and county-da are on
the full plan; harbor-vs, bay-vs, legal-aid, county-cac and lingua receive the service briefing; the
outsider's agency (far-sheriff) is not on the plan. The POST row sends an empty body: those who may not
approve are refused before the body is read; the coordinator is told the body is invalid. The PUT of the
plan and the POST that creates an operation are covered per persona in tests/api/test_operations_api.py.
"""

from __future__ import annotations

from haven.operations.models import Operation
from tests.operations.fixtures import make_operation

A = "anonymous"
U = "unverified"
_SIGNED_IN_ONLY = {A: 401, U: 401, "*": 200}
_ON_THE_OPERATION = {A: 401, U: 401, "outsider": 404, "*": 200}

MATRIX: dict[str, tuple[str, dict[str, int]]] = {
    "api/v1/": ("GET", _SIGNED_IN_ONLY),
    "api/v1/openapi.json": ("GET", _SIGNED_IN_ONLY),
    "api/v1/session": ("GET", _SIGNED_IN_ONLY),
    "api/v1/operations": ("GET", _SIGNED_IN_ONLY),
    "api/v1/operations/<code>": ("GET", _ON_THE_OPERATION),
    "api/v1/operations/<code>/plan": ("GET", _ON_THE_OPERATION),
    "api/v1/operations/<code>/readiness": ("GET", _ON_THE_OPERATION),
    "api/v1/operations/<code>/briefing": ("GET", _ON_THE_OPERATION),
    "api/v1/operations/<code>/approval": (
        "POST",
        {A: 401, U: 401, "coordinator": 400, "outsider": 404, "*": 403},
    ),
    "api/v1/<path:unknown>": ("GET", {A: 401, U: 401, "*": 404}),
}


CODE = "API-MATRIX-1"  # its own code, so that it never clashes with another area's operation


def arrange() -> dict[str, str]:
    operation = Operation.objects.filter(code=CODE).first() or make_operation(
        changes={"operation.code": CODE}
    )
    return {"<code>": operation.code, "<path:unknown>": "no-such-endpoint/"}
