"""A coordinator never learns that an operation they cannot see exists by choosing its code.

Codes are unique across the deployment (they are the operations' addresses). A code taken by an operation
the coordinator can see is refused naming it (they know it already, and can act); a code taken by one they
cannot see is refused with one sentence that is the same for every such code — it names no operation,
agency, status or kind — through the service, the page, the API and `haven plan import` alike, and nothing
is stored."""

from __future__ import annotations

import io
import json
import re
import sys
from html import unescape

import pytest
from django.core.management import call_command

from haven.accounts.models import User
from haven.accounts.services import second_factor_provision
from haven.core.errors import ValidationFailed
from haven.operations.models import Operation
from haven.operations.services import operation_create, plan_import
from haven.plans import parse_plan
from tests.api.helpers import send
from tests.operations.fixtures import make_operation, task_force_data
from tests.personas import make_user, secret_for, sign_in
from tests.reports.builders import coordinator_of

pytestmark = pytest.mark.django_db

HIDDEN = "NL-2026-12"  # the task force's operation, which the sheriff's office is not on
HIDDEN_EXERCISE = "TTX-2026-3"  # another one it cannot see, an exercise, not approved
SECRET_NAMES = ("Northern Light", "Metro", "exercise", "approved", "review", "another operation")


@pytest.fixture
def hidden() -> tuple[Operation, Operation]:
    first = make_operation(changes={"operation.code": HIDDEN})
    second = make_operation(
        approved=False,
        exercise=True,
        changes={"operation.code": HIDDEN_EXERCISE, "operation.name": "Tabletop Lantern"},
    )
    return first, second


@pytest.fixture
def sheriff() -> User:
    """A coordinator of the Farhaven County Sheriff, whose agency is on neither operation."""
    make_user("outsider")  # creates the sheriff's office
    user = coordinator_of("far-sheriff")
    second_factor_provision(actor=None, user=user, secret_base32=secret_for(user.username))
    return user


def sheriff_plan_data(code: str) -> dict[str, object]:
    """A plan of the sheriff's own: the task force's plan with the sheriff's office in the police's place."""
    text = json.dumps(task_force_data(changes={"operation.code": code}))
    text = text.replace('"metro-pd"', '"far-sheriff"').replace(
        "Metro City Police Department", "Farhaven County Sheriff"
    )
    return json.loads(text)


def refusal(actor: User, code: str) -> str:
    with pytest.raises(ValidationFailed) as refused:
        operation_create(actor=actor, plan=parse_plan(json.dumps(sheriff_plan_data(code))))
    [problem] = refused.value.problems
    assert problem.path == "operation.code"
    return problem.message


def assert_says_nothing_of_an_operation(message: str, code: str) -> None:
    for secret in (*SECRET_NAMES, "Tabletop Lantern"):
        assert secret.lower() not in message.lower(), (secret, message)
    assert code in message  # it says which code, so the coordinator knows what to change


# --- the service ----------------------------------------------------------------------------------------


def test_a_hidden_operations_code_is_refused_in_words_that_are_the_same_for_every_hidden_code(
    hidden, sheriff
):
    first = refusal(sheriff, HIDDEN)
    second = refusal(sheriff, HIDDEN_EXERCISE)
    assert_says_nothing_of_an_operation(first, HIDDEN)
    assert_says_nothing_of_an_operation(second, HIDDEN_EXERCISE)
    assert first.replace(HIDDEN, "CODE") == second.replace(HIDDEN_EXERCISE, "CODE")
    assert Operation.objects.count() == 2


def test_a_code_the_coordinator_can_see_is_refused_naming_its_operation(hidden):
    message = refusal(make_user("coordinator"), HIDDEN)
    assert "Operation Northern Light" in message


def test_a_free_code_is_accepted(hidden, sheriff):
    operation = operation_create(actor=sheriff, plan=parse_plan(json.dumps(sheriff_plan_data("FAR-2026-1"))))
    assert operation.code == "FAR-2026-1"


def test_importing_a_plan_with_a_hidden_operations_code_is_refused_like_creating_one(hidden, sheriff):
    with pytest.raises(ValidationFailed) as refused:
        plan_import(actor=sheriff, plan=parse_plan(json.dumps(sheriff_plan_data(HIDDEN))))
    assert [(p.path, p.message) for p in refused.value.problems] == [
        ("operation.code", refusal(sheriff, HIDDEN))
    ]
    assert hidden[0].versions.count() == 1


# --- where a coordinator meets it -----------------------------------------------------------------------


def test_the_new_operation_page_refuses_a_hidden_code_with_the_same_words(hidden, sheriff, client):
    sign_in(client, sheriff)
    response = client.post(
        "/operations/new/",
        {
            "code": HIDDEN,
            "name": "Operation Farhaven",
            "kind": "reactive",
            "starts_at_local": "2027-02-01T06:00",
            "starts_at_offset": "-05:00",
            "ends_at_local": "2027-02-01T10:00",
            "ends_at_offset": "-05:00",
            "lead_agency": "far-sheriff",
        },
    )
    assert response.status_code == 422
    error = response.content.decode().split('class="field__error" id="id_code_error">')[1].split("</div>")[0]
    shown = unescape(re.sub(r"<[^>]+>", "", error)).strip()
    assert shown == refusal(sheriff, HIDDEN)
    assert_says_nothing_of_an_operation(shown, HIDDEN)
    assert Operation.objects.count() == 2


def test_the_api_refuses_a_hidden_code_with_the_same_words(hidden, sheriff, client):
    sign_in(client, sheriff)
    response = send(client, "POST", "/operations", sheriff_plan_data(HIDDEN))
    assert response.status_code == 400
    assert response.json()["problems"] == [{"path": "operation.code", "message": refusal(sheriff, HIDDEN)}]
    assert_says_nothing_of_an_operation(response.json()["problems"][0]["message"], HIDDEN)


def test_haven_plan_import_refuses_a_hidden_code_with_the_same_words(hidden, sheriff, tmp_path):
    source = tmp_path / "plan.json"
    source.write_text(json.dumps(sheriff_plan_data(HIDDEN)))
    err = io.StringIO()
    old = sys.stderr
    sys.stderr = err
    try:
        with pytest.raises(SystemExit) as exited:
            call_command("plan", "import", str(source), "--as", sheriff.username)
    finally:
        sys.stderr = old
    assert exited.value.code == 2
    assert err.getvalue().strip() == f"operation.code: {refusal(sheriff, HIDDEN)}"
    assert hidden[0].versions.count() == 1
