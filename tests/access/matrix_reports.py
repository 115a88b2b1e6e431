"""Access-matrix rows for the after-action report: the page and its downloads. Everyone whose agency is
on the operation has a report (GET without `audience` gives the most detailed one they may have: the
internal report for coordinators, the shareable one for investigative members, their own clients' needs
and services for a service agency); the outsider's agency is not on it, and the operation does not exist
for them (404). Statuses: 200 page, 302 redirect to sign-in, 404 hidden or missing. "*" is every persona
not named.

The audiences a persona may not ask for (`?audience=internal` for a member: 403) are covered per persona
in tests/reports/test_audiences.py.
"""

from __future__ import annotations

from haven.operations.models import Operation
from tests.operations.fixtures import make_operation

A = "anonymous"
U = "unverified"
_ON_THE_OPERATION = {A: 302, U: 302, "outsider": 404, "*": 200}

MATRIX: dict[str, tuple[str, dict[str, int]]] = {
    "operations/<slug:code>/report/": ("GET", _ON_THE_OPERATION),
    "operations/<slug:code>/report/export/": ("GET", _ON_THE_OPERATION),
}

CODE = "REPORT-MATRIX-1"  # its own code, so that it never clashes with another area's operation


def arrange() -> dict[str, str]:
    operation = Operation.objects.filter(code=CODE).first() or make_operation(
        changes={"operation.code": CODE}
    )
    return {"<slug:code>": operation.code}
