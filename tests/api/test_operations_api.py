"""The operations API for each kind of caller: an investigative full-plan reader (the investigator), the
coordinator who writes the plan, a service user (the advocate) and an outsider whose agency is not on the
plan — what each sees, what each is refused, and that a refusal never says more than a missing record.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from haven.audit.events import AuditEvent
from haven.audit.models import AuditRecord
from haven.operations.models import Operation, OperationStatus, PlanVersion
from haven.operations.selectors import current_plan
from haven.operations.services import operation_create
from haven.plans import parse_plan
from haven.plans.formats import INVESTIGATIVE_TYPES
from haven.readiness import RULES
from tests.api.helpers import API, send
from tests.markdown import HOSTILE, assert_inert_markdown, rendered_text
from tests.operations.fixtures import make_operation, task_force_data
from tests.personas import make_user, sign_in
from tests.plans.builders import free_text_changes

Clients = Callable[[str], Client]
NOT_FOUND = {"code": "not_found", "message": "Not found."}
MISSING = "NO-SUCH-OP"


def _events(event: AuditEvent) -> int:
    return AuditRecord.objects.filter(event_type=event.value).count()


def _plan_of(client: Client, code: str) -> tuple[dict[str, Any], str]:
    response = send(client, "GET", f"/operations/{code}/plan")
    assert response.status_code == 200
    return response.json()["plan"], response["ETag"]


# -- signing in ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_without_a_session_the_api_answers_401_not_authenticated(operation: Operation) -> None:
    response = Client().get(f"{API}/operations/{operation.code}")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.django_db
def test_before_the_second_factor_the_api_answers_401_second_factor_required(operation: Operation) -> None:
    client = Client()
    user = make_user("investigator")
    client.post("/sign-in/", {"username": user.username, "password": "correct horse battery staple 7"})
    response = client.get(f"{API}/operations")
    assert response.status_code == 401
    assert response.json()["code"] == "second_factor_required"


def test_the_session_names_the_caller_and_gives_the_csrf_token(client_for: Clients) -> None:
    body = send(client_for("advocate"), "GET", "/session").json()
    assert body["username"] == "ada.advocate"
    assert body["agency"] == {"id": "harbor-vs", "name": "Harbor Victim Services"}
    assert body["roles"] == ["member"]
    assert len(body["csrf_token"]) >= 32


@pytest.mark.django_db
def test_unsafe_requests_need_the_csrf_token(operation: Operation) -> None:
    signed_in = Client()
    sign_in(signed_in, make_user("coordinator"))
    client = Client(enforce_csrf_checks=True)  # as a browser or script: the session, and CSRF checked
    client.cookies = signed_in.cookies
    document, etag = _plan_of(client, operation.code)
    path = f"/operations/{operation.code}/plan"

    refused = send(client, "PUT", path, document, **{"If-Match": etag})
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"

    token = send(client, "GET", "/session").json()["csrf_token"]
    accepted = send(client, "PUT", path, document, **{"If-Match": etag, "X-CSRFToken": token})
    assert accepted.status_code == 200


def test_an_unknown_api_path_is_a_json_404(client_for: Clients) -> None:
    response = send(client_for("investigator"), "GET", "/no/such/thing")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


# -- the list -----------------------------------------------------------------------------------------------


def test_the_list_shows_full_plan_readers_the_full_summary(client_for: Clients, operation: Operation) -> None:
    body = send(client_for("investigator"), "GET", "/operations").json()
    [summary] = body["operations"]
    assert summary["audience"] == "full"
    assert summary["code"] == operation.code
    assert summary["version"] == 1
    assert summary["approved_version"] == 1
    assert summary["ready"] is True
    assert summary["exercise"] is False
    assert datetime.fromisoformat(summary["starts_at"]) == operation.starts_at


def test_the_list_shows_service_users_dates_only(client_for: Clients, operation: Operation) -> None:
    body = send(client_for("advocate"), "GET", "/operations").json()
    [summary] = body["operations"]
    assert set(summary) == {
        "audience",
        "code",
        "name",
        "start_date",
        "end_date",
        "status",
        "exercise",
        "ready",
    }
    assert summary["audience"] == "service"
    assert summary["start_date"] == current_plan(operation).operation.starts_at.date().isoformat()


def test_the_list_does_not_show_an_outsider_the_operation(client_for: Clients, operation: Operation) -> None:
    assert send(client_for("outsider"), "GET", "/operations").json() == {"operations": []}


def test_the_list_is_one_audit_event_per_request(client_for: Clients, operation: Operation) -> None:
    make_operation(changes={"operation.code": "NL-SECOND"})
    client = client_for("advocate")
    before = _events(AuditEvent.OPERATIONS_LISTED)
    assert len(send(client, "GET", "/operations").json()["operations"]) == 2
    assert _events(AuditEvent.OPERATIONS_LISTED) == before + 1


def test_the_list_queries_do_not_grow_with_the_number_of_operations(
    client_for: Clients, operation: Operation, django_assert_max_num_queries: Any
) -> None:
    client = client_for("advocate")
    send(client, "GET", "/operations")  # the session's first request settles its bookkeeping
    with CaptureQueriesContext(connection) as one:
        assert len(send(client, "GET", "/operations").json()["operations"]) == 1
    for number in range(3):
        make_operation(changes={"operation.code": f"NL-MORE-{number}"})
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(send(client, "GET", "/operations").json()["operations"]) == 4


# -- one operation ------------------------------------------------------------------------------------------


def test_the_summary_for_each_audience(client_for: Clients, operation: Operation) -> None:
    path = f"/operations/{operation.code}"
    assert send(client_for("coordinator"), "GET", path).json()["audience"] == "full"
    assert send(client_for("investigator"), "GET", path).json()["kind"] == "proactive"
    service = send(client_for("advocate"), "GET", path).json()
    assert service["audience"] == "service"
    assert "starts_at" not in service
    assert "version" not in service


ENDPOINTS = [
    ("GET", ""),
    ("GET", "/plan"),
    ("PUT", "/plan"),
    ("GET", "/readiness"),
    ("POST", "/approval"),
    ("GET", "/briefing"),
    ("GET", "/briefing?audience=full&format=pdf"),
]


@pytest.mark.parametrize(("method", "tail"), ENDPOINTS)
def test_a_hidden_operation_and_a_missing_one_look_the_same(
    client_for: Clients, operation: Operation, method: str, tail: str
) -> None:
    client = client_for("outsider")
    hidden = send(client, method, f"/operations/{operation.code}{tail}", {"version": 1})
    missing = send(client, method, f"/operations/{MISSING}{tail}", {"version": 1})
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    assert hidden.json() == NOT_FOUND
    assert hidden.headers.get("X-Haven-Exercise") is None


def test_a_hidden_operation_is_audited_as_access_denied(client_for: Clients, operation: Operation) -> None:
    client = client_for("outsider")
    before = _events(AuditEvent.ACCESS_DENIED)
    send(client, "GET", f"/operations/{operation.code}/plan")
    denied = AuditRecord.objects.filter(event_type=AuditEvent.ACCESS_DENIED.value).order_by("-sequence")[0]
    assert _events(AuditEvent.ACCESS_DENIED) == before + 1
    assert json.loads(denied.details)["path"] == f"{API}/operations/{operation.code}/plan"


# -- the plan, read -----------------------------------------------------------------------------------------


def test_full_plan_readers_get_the_whole_document_and_its_version(
    client_for: Clients, operation: Operation
) -> None:
    before = _events(AuditEvent.PLAN_EXPORTED)
    response = send(client_for("investigator"), "GET", f"/operations/{operation.code}/plan")
    body = response.json()
    assert body["audience"] == "full"
    assert body["version"] == 1
    assert response["ETag"] == '"1"'
    assert parse_plan(json.dumps(body["plan"])) == current_plan(operation)
    assert _events(AuditEvent.PLAN_EXPORTED) == before + 1


@pytest.mark.django_db
def test_service_users_get_the_service_briefing_and_nothing_investigative(client_for: Clients) -> None:
    # the call window opens an hour before the action, so the action's times cannot hide behind it
    data = task_force_data()
    starts = datetime.fromisoformat(data["operation"]["starts_at"])
    data["victim_services"]["available_from"] = (starts - timedelta(hours=1)).isoformat()
    plan = parse_plan(json.dumps(data))
    operation = operation_create(actor=make_user("coordinator"), plan=plan)

    response = send(client_for("advocate"), "GET", f"/operations/{operation.code}/plan")
    body = response.json()
    text = response.content.decode()

    assert body["audience"] == "service"
    assert "ETag" not in response
    briefing = body["briefing"]
    assert plan.anticipated is not None
    assert plan.separation is not None
    assert briefing["persons_anticipated"] == plan.anticipated.persons
    assert briefing["staging"]["name"] == "Harbor Center"
    assert briefing["start_date"] == starts.date().isoformat()
    assert {c["agency"]["id"] for c in briefing["points_of_contact"]} >= {"harbor-vs", "bay-vs", "metro-pd"}
    never = [plan.operation.starts_at.isoformat(), plan.operation.ends_at.isoformat()]
    never += [text for site in plan.sites for text in (site.name, site.address) if text]
    never += [a.name or a.id for a in plan.separation.areas if a.holds.value != "potential_victims"]
    never += [la.notes for la in plan.legal_authorities if la.notes]
    never += [r for a in plan.agencies if a.type in INVESTIGATIVE_TYPES for r in a.responsibilities]
    never += ["starts_at", "ends_at", '"version"', "sites", "legal_authorities", "separation"]
    assert len(never) > 15  # the plan holds what the briefing must leave out
    leaked = [item for item in never if item in text]
    assert leaked == []


def test_an_outsider_cannot_read_the_plan(client_for: Clients, operation: Operation) -> None:
    response = send(client_for("outsider"), "GET", f"/operations/{operation.code}/plan")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


# -- the plan, saved ----------------------------------------------------------------------------------------


def test_saving_the_plan_as_it_is_makes_no_new_version(client_for: Clients, operation: Operation) -> None:
    client = client_for("coordinator")
    document, etag = _plan_of(client, operation.code)
    response = send(client, "PUT", f"/operations/{operation.code}/plan", document, **{"If-Match": etag})
    assert response.status_code == 200
    body = response.json()
    assert (body["changed"], body["version"], body["status"]) == (False, 1, "approved")
    assert PlanVersion.objects.filter(operation=operation).count() == 1


def test_a_change_makes_a_new_version_and_returns_an_approved_plan_to_review(
    client_for: Clients, operation: Operation
) -> None:
    client = client_for("coordinator")
    document, _ = _plan_of(client, operation.code)
    document["anticipated"]["persons"] = 16
    response = send(client, "PUT", f"/operations/{operation.code}/plan?base_version=1", document)
    assert response.status_code == 200
    body = response.json()
    assert (body["changed"], body["version"], body["returned_to_review"]) == (True, 2, True)
    assert body["status"] == "in_review"
    assert response["ETag"] == '"2"'
    assert body["plan"]["anticipated"]["persons"] == 16


def test_a_save_over_someone_elses_change_to_the_same_section_is_a_409(
    client_for: Clients, operation: Operation
) -> None:
    first, second = client_for("coordinator"), client_for("coordinator")
    mine, etag = _plan_of(first, operation.code)
    theirs, _ = _plan_of(second, operation.code)
    theirs["anticipated"]["persons"] = 20
    assert (
        send(second, "PUT", f"/operations/{operation.code}/plan", theirs, **{"If-Match": etag}).status_code
        == 200
    )

    mine["anticipated"]["persons"] = 9
    response = send(first, "PUT", f"/operations/{operation.code}/plan", mine, **{"If-Match": etag})
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict"
    assert "anticipated" in body["message"]
    assert current_plan(Operation.objects.get(pk=operation.pk)).anticipated.persons == 20  # type: ignore[union-attr]


def test_an_invalid_plan_is_refused_with_every_problem_and_its_path(
    client_for: Clients, operation: Operation
) -> None:
    client = client_for("coordinator")
    document, etag = _plan_of(client, operation.code)
    document["agencies"][0]["type"] = "police"
    document["operation"]["starts_at"] = "2026-12-03T05:00:00"
    document["resources"][0]["agency"] = "nobody"
    response = send(client, "PUT", f"/operations/{operation.code}/plan", document, **{"If-Match": etag})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    paths = [problem["path"] for problem in body["problems"]]
    assert {"agencies[0].type", "operation.starts_at", "resources[0].agency"} <= set(paths)
    assert all(problem["message"] for problem in body["problems"])
    assert PlanVersion.objects.filter(operation=operation).count() == 1


def test_text_a_database_cannot_hold_is_refused_not_a_server_error(
    client_for: Clients, operation: Operation
) -> None:
    client = client_for("coordinator")
    assert send(client, "GET", "/operations/NL%002026").json() == NOT_FOUND
    document, etag = _plan_of(client, operation.code)
    document["operation"]["name"] = "Northern\u0000Light"
    response = send(client, "PUT", f"/operations/{operation.code}/plan", document, **{"If-Match": etag})
    assert response.status_code == 400
    assert [p["path"] for p in response.json()["problems"]] == ["operation.name"]


def test_a_body_that_is_not_json_is_refused(client_for: Clients, operation: Operation) -> None:
    response = send(
        client_for("coordinator"), "PUT", f"/operations/{operation.code}/plan?base_version=1", b"{nope"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_a_save_must_name_the_version_it_edited(client_for: Clients, operation: Operation) -> None:
    client = client_for("coordinator")
    document, _ = _plan_of(client, operation.code)
    path = f"/operations/{operation.code}/plan"

    missing = send(client, "PUT", path, document).json()
    assert [p["path"] for p in missing["problems"]] == ["base_version"]
    disagreeing = send(client, "PUT", path + "?base_version=1", document, **{"If-Match": '"2"'}).json()
    assert [p["path"] for p in disagreeing["problems"]] == ["base_version"]
    for tag in ("latest", '"0"', '"²"', '"' + "9" * 5000 + '"'):
        malformed = send(client, "PUT", path, document, **{"If-Match": tag}).json()
        assert [p["path"] for p in malformed["problems"]] == ["If-Match"], tag
    too_large = send(client, "PUT", path + f"?base_version={2**63}", document).json()
    assert [p["path"] for p in too_large["problems"]] == ["base_version"]


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [("investigator", 403, "forbidden"), ("advocate", 403, "forbidden"), ("outsider", 404, "not_found")],
)
def test_only_the_coordinator_saves_the_plan(
    client_for: Clients, operation: Operation, who: str, status: int, code: str
) -> None:
    document, etag = _plan_of(client_for("coordinator"), operation.code)
    document["anticipated"]["persons"] = 3
    response = send(
        client_for(who), "PUT", f"/operations/{operation.code}/plan", document, **{"If-Match": etag}
    )
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert PlanVersion.objects.filter(operation=operation).count() == 1


# -- forged requests ----------------------------------------------------------------------------------------

FORGED = [
    ("status", "approved"),
    ("consent_overridden", True),
    ("agency", "bay-vs"),
    ("approved_by", "cole.coordinator"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value"), FORGED)
def test_a_forged_field_in_a_plan_is_refused_and_changes_nothing(
    client_for: Clients, field: str, value: object
) -> None:
    operation = make_operation(approved=False, changes={"anticipated.persons": 0})
    client = client_for("coordinator")
    document, etag = _plan_of(client, operation.code)
    document[field] = value
    document["operation"][field] = value
    response = send(client, "PUT", f"/operations/{operation.code}/plan", document, **{"If-Match": etag})
    assert response.status_code == 400
    assert {p["path"] for p in response.json()["problems"]} == {field, f"operation.{field}"}
    operation.refresh_from_db()
    assert operation.status == OperationStatus.IN_REVIEW
    assert PlanVersion.objects.filter(operation=operation).count() == 1


@pytest.mark.parametrize(("field", "value"), FORGED)
def test_a_forged_field_in_an_approval_is_refused(
    client_for: Clients, operation: Operation, field: str, value: object
) -> None:
    response = send(
        client_for("coordinator"),
        "POST",
        f"/operations/{operation.code}/approval",
        {"version": 1, field: value},
    )
    assert response.status_code == 400
    assert [p["path"] for p in response.json()["problems"]] == [field]


@pytest.mark.parametrize("version", [True, "1", 1.0])
def test_an_approval_names_its_version_as_a_whole_number_not_a_look_alike(
    client_for: Clients, operation: Operation, version: object
) -> None:
    """An approval is a coordinator's signature on one version: true, "1" and 1.0 each approved
    version 1 before; they are refused naming the field."""
    response = send(
        client_for("coordinator"), "POST", f"/operations/{operation.code}/approval", {"version": version}
    )
    assert response.status_code == 400
    assert [p["path"] for p in response.json()["problems"]] == ["version"]


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value"), FORGED)
def test_a_forged_field_in_a_new_plan_creates_nothing(client_for: Clients, field: str, value: object) -> None:
    data = task_force_data()
    data[field] = value
    response = send(client_for("coordinator"), "POST", "/operations", data)
    assert response.status_code == 400
    assert [p["path"] for p in response.json()["problems"]] == [field]
    assert not Operation.objects.exists()


def test_an_advocate_cannot_save_by_naming_another_agency(client_for: Clients, operation: Operation) -> None:
    document, etag = _plan_of(client_for("coordinator"), operation.code)
    document["agency"] = "metro-pd"
    response = send(
        client_for("advocate"), "PUT", f"/operations/{operation.code}/plan", document, **{"If-Match": etag}
    )
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")


# -- creating -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_coordinator_creates_an_operation_from_a_plan(client_for: Clients) -> None:
    response = send(client_for("coordinator"), "POST", "/operations?exercise=true", task_force_data())
    assert response.status_code == 201
    body = response.json()
    assert (body["audience"], body["version"], body["exercise"], body["status"]) == (
        "full",
        1,
        True,
        "in_review",
    )
    assert Operation.objects.get(code=body["code"]).is_exercise


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["investigator", "prosecutor", "advocate", "outsider", "admin"])
def test_only_a_coordinator_creates_operations(client_for: Clients, who: str) -> None:
    response = send(client_for(who), "POST", "/operations", task_force_data())
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    assert not Operation.objects.exists()


def test_a_5000_digit_number_in_a_plan_body_is_refused_at_its_path(client_for: Clients) -> None:
    body = json.dumps(task_force_data()).replace('"persons": 14', '"persons": ' + "9" * 5000)
    response = send(client_for("coordinator"), "POST", "/operations", body)
    assert response.status_code == 400
    [problem] = response.json()["problems"]
    assert problem["path"] == "anticipated.persons"
    assert "too large" in problem["message"]
    assert not Operation.objects.exists()


def test_a_5000_digit_plan_version_is_refused_by_name(client_for: Clients, operation: Operation) -> None:
    client = client_for("coordinator")
    big = "9" * 5000
    by_query = send(client, "PUT", f"/operations/{operation.code}/plan?base_version={big}", task_force_data())
    by_header = send(
        client, "PUT", f"/operations/{operation.code}/plan", task_force_data(), **{"If-Match": f'"{big}"'}
    )
    assert (by_query.status_code, by_header.status_code) == (400, 400)
    assert "base_version" in by_query.content.decode()
    assert "If-Match" in by_header.content.decode()


def test_a_code_already_taken_is_refused_with_its_path(client_for: Clients, operation: Operation) -> None:
    response = send(client_for("coordinator"), "POST", "/operations", task_force_data())
    assert response.status_code == 400
    assert [p["path"] for p in response.json()["problems"]] == ["operation.code"]


UNSAFE_BY_PERSONA = {
    "anonymous": (401, 401, 401),
    "coordinator": (400, 400, 400),
    "investigator": (403, 403, 403),
    "federal_agent": (403, 403, 403),
    "prosecutor": (403, 403, 403),
    "advocate": (403, 403, 403),
    "attorney": (403, 403, 403),
    "interpreter": (403, 403, 403),
    "auditor": (403, 403, 403),
    "admin": (403, 403, 403),
    "outsider": (403, 404, 404),
}


@pytest.mark.parametrize(("who", "expected"), UNSAFE_BY_PERSONA.items())
def test_unsafe_requests_with_an_empty_body_for_each_persona(
    operation: Operation, who: str, expected: tuple[int, int, int]
) -> None:
    """Those who may not act are refused before their body is read; those who may, told it is invalid."""
    client = Client()
    if who != "anonymous":
        sign_in(client, make_user(who))
    statuses = (
        send(client, "POST", "/operations", b"").status_code,
        send(client, "PUT", f"/operations/{operation.code}/plan", b"").status_code,
        send(client, "POST", f"/operations/{operation.code}/approval", b"").status_code,
    )
    assert statuses == expected


# -- readiness and approval ---------------------------------------------------------------------------------


def test_investigative_users_read_every_rule_and_its_message(
    client_for: Clients, operation: Operation
) -> None:
    body = send(client_for("prosecutor"), "GET", f"/operations/{operation.code}/readiness").json()
    assert body["audience"] == "full"
    report = body["report"]
    assert report["format"] == "haven.readiness/v1"
    assert [result["rule"] for result in report["results"]] == [rule.id for rule in RULES]
    assert report["summary"] == {"pass": 23, "fail": 0, "not_applicable": 0}
    assert all(result["message"] for result in report["results"])


def test_service_users_learn_only_whether_the_plan_is_ready(
    client_for: Clients, operation: Operation
) -> None:
    before = _events(AuditEvent.READINESS_VIEWED)
    body = send(client_for("advocate"), "GET", f"/operations/{operation.code}/readiness").json()
    assert body == {"audience": "service", "code": operation.code, "exercise": False, "ready": True}
    assert _events(AuditEvent.READINESS_VIEWED) == before + 1


@pytest.mark.django_db
def test_approval_of_a_ready_plan(client_for: Clients) -> None:
    operation = make_operation(approved=False)
    response = send(
        client_for("coordinator"), "POST", f"/operations/{operation.code}/approval", {"version": 1}
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["approved_version"]) == ("approved", 1)


@pytest.mark.django_db
def test_approval_is_refused_while_rules_fail_and_names_them(client_for: Clients) -> None:
    operation = make_operation(
        approved=False,
        changes={"victim_services.staging.private_space": False, "separation.transport_separate": False},
    )
    before = _events(AuditEvent.OPERATION_APPROVAL_REFUSED)
    response = send(
        client_for("coordinator"), "POST", f"/operations/{operation.code}/approval", {"version": 1}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "rule_violation"
    assert body["rules"] == ["services.private-space", "separation.system"]
    assert "services.private-space" in body["message"]
    operation.refresh_from_db()
    assert operation.status == OperationStatus.IN_REVIEW
    assert _events(AuditEvent.OPERATION_APPROVAL_REFUSED) > before


@pytest.mark.django_db
def test_a_plan_that_says_nothing_about_the_persons_expected_cannot_be_approved(client_for: Clients) -> None:
    operation = make_operation(approved=False, changes={"anticipated": None})
    client = client_for("coordinator")
    report = send(client, "GET", f"/operations/{operation.code}/readiness").json()["report"]
    assert report["ready"] is False
    assert [r["rule"] for r in report["results"] if r["status"] == "fail"] == ["populations.stated"]
    response = send(client, "POST", f"/operations/{operation.code}/approval", {"version": 1})
    assert response.status_code == 422
    assert response.json()["rules"] == ["populations.stated"]
    operation.refresh_from_db()
    assert operation.status == OperationStatus.IN_REVIEW


@pytest.mark.django_db
def test_approval_of_a_version_that_is_no_longer_current_is_a_409(client_for: Clients) -> None:
    operation = make_operation(approved=False)
    client = client_for("coordinator")
    document, etag = _plan_of(client, operation.code)
    document["anticipated"]["persons"] = 13
    assert (
        send(client, "PUT", f"/operations/{operation.code}/plan", document, **{"If-Match": etag}).status_code
        == 200
    )
    response = send(client, "POST", f"/operations/{operation.code}/approval", {"version": 1})
    assert (response.status_code, response.json()["code"]) == (409, "conflict")


@pytest.mark.parametrize(("who", "status"), [("investigator", 403), ("advocate", 403), ("outsider", 404)])
def test_only_the_coordinator_approves(
    client_for: Clients, operation: Operation, who: str, status: int
) -> None:
    response = send(client_for(who), "POST", f"/operations/{operation.code}/approval", {"version": 1})
    assert response.status_code == status


# -- briefings ----------------------------------------------------------------------------------------------


def test_a_service_user_gets_the_service_briefing_as_markdown_and_pdf(
    client_for: Clients, operation: Operation
) -> None:
    client = client_for("advocate")
    before = _events(AuditEvent.BRIEFING_EXPORTED)
    markdown = send(client, "GET", f"/operations/{operation.code}/briefing")
    assert markdown.status_code == 200
    assert markdown["Content-Type"] == "text/markdown; charset=utf-8"
    assert "SERVICE BRIEFING" in markdown.content.decode()
    assert "Jade Spa" not in markdown.content.decode()
    pdf = send(client, "GET", f"/operations/{operation.code}/briefing?format=pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert _events(AuditEvent.BRIEFING_EXPORTED) == before + 2


@pytest.mark.django_db
def test_briefings_of_a_plan_full_of_hostile_text_are_inert_markdown(client_for: Clients) -> None:
    operation = make_operation(changes=free_text_changes(HOSTILE), approved=False)
    for who, audience in (("investigator", "full"), ("investigator", "service"), ("advocate", "service")):
        response = send(client_for(who), "GET", f"/operations/{operation.code}/briefing?audience={audience}")
        assert response.status_code == 200
        markdown = response.content.decode()
        assert_inert_markdown(markdown)
        assert HOSTILE in rendered_text(markdown)


def test_a_service_user_is_refused_the_full_plan_briefing(client_for: Clients, operation: Operation) -> None:
    response = send(client_for("advocate"), "GET", f"/operations/{operation.code}/briefing?audience=full")
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")


def test_a_refusal_by_the_policy_is_audited_as_access_denied(
    client_for: Clients, operation: Operation
) -> None:
    client = client_for("advocate")
    before = _events(AuditEvent.ACCESS_DENIED)
    send(client, "GET", f"/operations/{operation.code}/briefing?audience=full")
    send(client, "POST", f"/operations/{operation.code}/approval", {"version": 1})
    assert _events(AuditEvent.ACCESS_DENIED) == before + 2


def test_a_full_plan_reader_gets_the_full_plan_by_default(client_for: Clients, operation: Operation) -> None:
    client = client_for("investigator")
    markdown = send(client, "GET", f"/operations/{operation.code}/briefing").content.decode()
    assert "LAW ENFORCEMENT SENSITIVE" in markdown
    assert "Jade Spa" in markdown
    service = send(client, "GET", f"/operations/{operation.code}/briefing?audience=service&format=pdf")
    assert (service.status_code, service["Content-Type"]) == (200, "application/pdf")


def test_an_unknown_briefing_format_is_refused_with_its_parameter(
    client_for: Clients, operation: Operation
) -> None:
    response = send(client_for("investigator"), "GET", f"/operations/{operation.code}/briefing?format=docx")
    assert response.status_code == 400
    assert [p["path"] for p in response.json()["problems"]] == ["format"]


# -- the exercise marker ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["coordinator", "advocate"])
def test_every_response_about_an_exercise_says_so(client_for: Clients, who: str) -> None:
    operation = make_operation(exercise=True)
    client = client_for(who)
    for tail in ("", "/plan", "/readiness"):
        response = send(client, "GET", f"/operations/{operation.code}{tail}")
        assert response.json()["exercise"] is True, tail
        assert response["X-Haven-Exercise"] == "true", tail
    listed = send(client, "GET", "/operations")
    assert listed.json()["operations"][0]["exercise"] is True
    assert listed["X-Haven-Exercise"] == "true"
    assert send(client, "GET", f"/operations/{operation.code}/briefing")["X-Haven-Exercise"] == "true"
    refused = send(client, "PUT", f"/operations/{operation.code}/plan", b"")  # 400 or 403, about the exercise
    assert refused.json()["exercise"] is True
    assert refused["X-Haven-Exercise"] == "true"


def test_a_real_operation_carries_no_exercise_header(client_for: Clients, operation: Operation) -> None:
    response = send(client_for("coordinator"), "GET", f"/operations/{operation.code}")
    assert response.json()["exercise"] is False
    assert "X-Haven-Exercise" not in response


def test_errors_django_answers_before_the_api_still_come_as_json(
    client_for: Clients, operation: Operation
) -> None:
    """A method a route does not take, and a body over the upload limit, were HTML pages."""
    client = client_for("coordinator")
    wrong = send(client, "PUT", f"/operations/{operation.code}/approval", {"version": 1})
    assert wrong.status_code == 405
    assert wrong["Content-Type"].startswith("application/json")
    assert wrong.json()["code"] == "method_not_allowed"
    assert "POST" in wrong["Allow"]
    assert "not PUT" in wrong.json()["message"]
    huge = send(client, "POST", "/operations", b'{"format": "' + b"x" * 3_000_000 + b'"}')
    assert huge.status_code == 400
    assert huge["Content-Type"].startswith("application/json")
    assert huge.json()["code"] == "invalid"
    assert Operation.objects.count() == 1
