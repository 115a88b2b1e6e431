"""Hidden and missing look the same: status, body, and timing class (the same database work, so the
same time to the answer) — on pages and in the API."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from haven.encounters import services
from tests.operations.fixtures import make_operation
from tests.personas import make_user, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def operation(db):
    for key in ("investigator", "advocate", "outsider"):
        make_user(key)
    operation = make_operation(starts_in=-timedelta(hours=2))
    services.person_register(actor=make_user("investigator"), operation=operation, code="P-001")
    return operation


def _answer(client: Client, url: str) -> tuple[int, str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    body = re.sub(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+', "", response.content.decode())
    return response.status_code, body, len(queries)


PAIRS = [
    # (url of a record the outsider may not see, url of a record that does not exist)
    ("/operations/{code}/plan/", "/operations/NO-SUCH-1/plan/"),
    ("/operations/{code}/board/", "/operations/NO-SUCH-1/board/"),
    ("/operations/{code}/briefing/", "/operations/NO-SUCH-1/briefing/"),
    ("/operations/{code}/persons/P-001/", "/operations/NO-SUCH-1/persons/P-001/"),
    ("/api/v1/operations/{code}", "/api/v1/operations/NO-SUCH-1"),
    ("/api/v1/operations/{code}/persons/P-001", "/api/v1/operations/NO-SUCH-1/persons/P-001"),
    ("/api/v1/operations/{code}/readiness", "/api/v1/operations/NO-SUCH-1/readiness"),
]


@pytest.mark.parametrize(("hidden", "missing"), PAIRS)
def test_an_outsider_cannot_tell_hidden_from_missing(operation, hidden, missing):
    client = Client()
    sign_in(client, make_user("outsider"))
    seen = _answer(client, hidden.format(code=operation.code))
    absent = _answer(client, missing)
    assert seen[0] == absent[0] == 404
    assert seen[1] == absent[1]
    assert seen[2] == absent[2], "hidden and missing must cost the same database work"
