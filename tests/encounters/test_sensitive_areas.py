"""A service agency cannot tell a person in a suspects' or undetermined area from a person not placed.

access-policy.md: "person's area when it holds suspects or is undetermined" is investigative information.
Answering `placed: true` with `area: null` (or "Placed (the area is not shared with your agency)", or the
stage "Separated" with no area) told a provider exactly that: this person is a suspect or not yet
determined. So to a service agency such a person reads as one not placed — on the roster, the person's
record, the board and their filters, in the API and on the pages alike — while the area of potential
victims stays readable. Investigative agencies see every area.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from haven.encounters import services
from haven.operations.models import Operation
from tests.api.helpers import send
from tests.operations.fixtures import make_operation
from tests.personas import make_user

pytestmark = pytest.mark.django_db

SERVICE = ("advocate", "other_provider", "attorney")
IN_SUSPECTS_AREA, IN_UNDETERMINED_AREA, NOT_PLACED, WITH_VICTIMS = "P-010", "P-011", "P-012", "P-013"
ALIKE = (IN_SUSPECTS_AREA, IN_UNDETERMINED_AREA, NOT_PLACED)


@pytest.fixture
def operation() -> Operation:
    for key in ("advocate", "other_provider", "attorney"):
        make_user(key)
    operation = make_operation(starts_in=-timedelta(hours=2))
    investigator = make_user("investigator")
    encountered = timezone.now() - timedelta(minutes=30)
    for code, area in (
        (IN_SUSPECTS_AREA, "precinct-holding"),
        (IN_UNDETERMINED_AREA, "undetermined-room"),
        (NOT_PLACED, None),
        (WITH_VICTIMS, "community-room"),
    ):
        services.person_register(
            actor=investigator,
            operation=operation,
            code=code,
            encountered_at=encountered,
            tags=["adult"],
            languages=["es"],
            area=area,
        )
    return operation


def _api(client_for, who: str, operation: Operation, tail: str) -> Any:  # type: ignore[no-untyped-def]
    response = send(client_for(who), "GET", f"/operations/{operation.code}{tail}")
    assert response.status_code == 200, response.content
    return response.json()


def _without_code(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key != "code"}


def _page(client_for, who: str, url: str, code: str) -> str:  # type: ignore[no-untyped-def]
    response = client_for(who).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    html = re.sub(r'"X-CSRFToken": "[^"]*"', "", html)
    return html.replace(code, "CODE")


# --- the API ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", SERVICE)
def test_the_api_roster_shows_a_service_agency_a_person_in_a_sensitive_area_as_not_placed(
    operation, client_for, who
):
    rows = {row["code"]: row for row in _api(client_for, who, operation, "/persons")["persons"]}
    assert rows[IN_SUSPECTS_AREA]["placed"] is False
    assert rows[IN_SUSPECTS_AREA]["area"] is None
    assert _without_code(rows[IN_SUSPECTS_AREA]) == _without_code(rows[NOT_PLACED])
    assert _without_code(rows[IN_UNDETERMINED_AREA]) == _without_code(rows[NOT_PLACED])
    assert rows[WITH_VICTIMS]["placed"] is True
    assert rows[WITH_VICTIMS]["area"]["id"] == "community-room"


@pytest.mark.parametrize("who", SERVICE)
def test_the_api_person_record_and_board_show_the_same(operation, client_for, who):
    records = {code: _api(client_for, who, operation, f"/persons/{code}") for code in ALIKE}
    assert records[IN_SUSPECTS_AREA]["placed"] is False
    assert _without_code(records[IN_SUSPECTS_AREA]) == _without_code(records[NOT_PLACED])
    assert _without_code(records[IN_UNDETERMINED_AREA]) == _without_code(records[NOT_PLACED])
    board = {row["code"]: row for row in _api(client_for, who, operation, "/board")["rows"]}
    assert _without_code(board[IN_SUSPECTS_AREA]) == _without_code(board[NOT_PLACED])
    assert _without_code(board[IN_UNDETERMINED_AREA]) == _without_code(board[NOT_PLACED])


@pytest.mark.parametrize("who", SERVICE)
def test_filtering_by_stage_does_not_single_out_a_person_in_a_sensitive_area(operation, client_for, who):
    separated = _api(client_for, who, operation, "/persons?stage=separated")
    encountered = _api(client_for, who, operation, "/persons?stage=encountered")
    assert [p["code"] for p in separated["persons"]] == [WITH_VICTIMS]
    assert [p["code"] for p in encountered["persons"]] == list(ALIKE)
    board = _api(client_for, who, operation, "/board")
    counts = {s["stage"]: s["count"] for s in board["stages"] if s["count"]}
    assert counts == {"encountered": 3, "separated": 1}


def test_an_investigative_agency_reads_every_area(operation, client_for):
    rows = {row["code"]: row for row in _api(client_for, "investigator", operation, "/persons")["persons"]}
    assert (rows[IN_SUSPECTS_AREA]["placed"], rows[IN_SUSPECTS_AREA]["area"]["id"]) == (
        True,
        "precinct-holding",
    )
    assert rows[IN_SUSPECTS_AREA]["stage"] == "separated"
    assert rows[NOT_PLACED]["placed"] is False


# --- the pages --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", SERVICE)
def test_the_person_page_shows_a_service_agency_a_person_in_a_sensitive_area_as_not_placed(
    operation, client_for, who
):
    pages = {
        code: _page(client_for, who, f"/operations/{operation.code}/persons/{code}/", code) for code in ALIKE
    }
    assert "not shared with your agency" not in pages[IN_SUSPECTS_AREA]
    assert pages[IN_SUSPECTS_AREA] == pages[NOT_PLACED]
    assert pages[IN_UNDETERMINED_AREA] == pages[NOT_PLACED]


@pytest.mark.parametrize("who", SERVICE)
def test_the_board_page_shows_the_same_rows(operation, client_for, who):
    html = client_for(who).get(f"/operations/{operation.code}/board/").content.decode()
    rows = {
        code: re.search(
            rf'<tr class="board-row[^"]*">\s*<th scope="row"[^>]*>\s*<a [^>]*>{code}</a>.*?</tr>', html, re.S
        )
        for code in ALIKE
    }
    assert all(rows.values())
    shown = {code: match.group(0).replace(code, "CODE") for code, match in rows.items() if match}
    assert shown[IN_SUSPECTS_AREA] == shown[NOT_PLACED]
    assert shown[IN_UNDETERMINED_AREA] == shown[NOT_PLACED]
