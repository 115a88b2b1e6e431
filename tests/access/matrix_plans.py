"""Access-matrix rows for the plan pages: a new operation, the plan and its sections, readiness, approval,
history, briefings and the plan export.

The operation is the test task force's (tests/operations/fixtures.py): metro-pd (the investigator, the
coordinator, the auditor and the admin), hsi and county-da are on the full plan; harbor-vs, bay-vs,
legal-aid, county-cac and lingua receive the service briefing; the outsider's agency is not on the plan.
Statuses: 200 page, 302 redirect (to sign-in for the anonymous), 400 a POST without its form (only for
those who may act), 403 refused, 404 hidden or missing. "*" is every persona not named.
"""

from __future__ import annotations

from haven.operations.models import Operation
from tests.operations.fixtures import make_operation

A = "anonymous"
U = "unverified"
BASE = "operations/<str:code>/"
OFF = {A: 302, U: 302, "outsider": 404}
FULL_PLAN = ("investigator", "coordinator", "federal_agent", "prosecutor", "auditor", "admin")


def _only(allowed: tuple[str, ...], status: int, others: int = 403) -> dict[str, int]:
    return {**OFF, **dict.fromkeys(allowed, status), "*": others}


MATRIX: dict[str, tuple[str, dict[str, int]]] = {
    # coordinators of investigative agencies create operations; the outsider's agency is investigative
    # but the outsider is no coordinator
    "operations/new/": ("GET", {A: 302, U: 302, "coordinator": 200, "*": 403}),
    BASE + "plan/": ("GET", _only(FULL_PLAN, 200)),
    BASE + "plan/<slug:section>/": ("GET", _only(FULL_PLAN, 200)),
    # everyone on the operation: the messages for investigative agencies, ready or not for the others
    BASE + "readiness/": ("GET", {**OFF, "*": 200}),
    # an empty POST: the coordinator is told which version is missing, everyone else is refused first
    BASE + "approve/": ("POST", _only(("coordinator",), 400)),
    BASE + "history/": ("GET", _only(FULL_PLAN, 200)),
    # the audience-appropriate briefing: the full plan or the service briefing
    BASE + "briefing/": ("GET", {**OFF, "*": 200}),
    BASE + "export/": ("GET", _only(FULL_PLAN, 200)),
}

CODE = "NL-2026-12"  # the task force's operation, shared with the other areas' rows under operations/<code>/


def arrange() -> dict[str, str]:
    operation = Operation.objects.filter(code=CODE).first() or make_operation()
    return {"<str:code>": operation.code, "<slug:section>": "mou"}
