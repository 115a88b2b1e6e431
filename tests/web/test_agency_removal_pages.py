"""Removing from the plan an agency that holds records asks first, saying what it keeps (issue 12) — on the
plan page and through the API; the dropped provider then finds its client on its own home page."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from haven.encounters import services
from haven.operations.selectors import current_plan
from haven.operations.services import plan_save
from haven.plans import parse_plan, plan_to_dict
from tests.api.helpers import send
from tests.operations.fixtures import make_operation, without_agency
from tests.web.test_plan_pages import HX, form_values, open_section, post_section, text_of, versions

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(persona):
    """A started operation on which Harbor Victim Services holds a client's safety plan."""
    for key in ("investigator", "advocate", "federal_agent"):
        persona(key)
    operation = make_operation(starts_in=-timedelta(hours=2))
    person = services.person_register(
        actor=persona("investigator"),
        operation=operation,
        code="P-001",
        encountered_at=operation.starts_at + timedelta(minutes=5),
        tags=("female", "adult"),
        languages=("es",),
        area="community-room",
    )
    services.victim_service_record(
        actor=persona("advocate"), person=person, kind="safety_plan", text="Stays with her sister"
    )
    return operation


def _unreferenced(persona, operation) -> None:
    """Every other section stops naming harbor-vs; its entry in the agencies section is all that is left."""
    document = without_agency(plan_to_dict(current_plan(operation)), "harbor-vs", keep_entry=True)
    plan_save(
        actor=persona("coordinator"),
        operation=operation,
        plan=parse_plan(json.dumps(document)),
        base_version=operation.current_version.number,
    )
    operation.refresh_from_db()


def test_the_plan_page_asks_before_removing_a_provider_that_holds_records(client_for, persona, held):
    _unreferenced(persona, held)
    client = client_for("coordinator")
    data = open_section(client, held, "agencies")
    index = next(i for i in range(40) if data.get(f"agencies-{i}-id") == "harbor-vs")
    html = client.post(
        f"/operations/{held.code}/plan/agencies/", {**data, "_action": f"remove:items:{index}"}, **HX
    ).content.decode()
    before = versions(held)
    asked = post_section(client, held, "agencies", form_values(html, "section-agencies"), **HX)
    assert asked.status_code == 409
    text = text_of(asked.content.decode())
    assert "Not saved yet." in text
    assert "Harbor Victim Services (harbor-vs)" in text
    assert "keeps reading and managing those records and the consents it recorded" in text
    assert versions(held) == before
    confirmed = form_values(asked.content.decode(), "section-agencies")
    assert confirmed["confirm_removal"] == "harbor-vs"
    saved = post_section(client, held, "agencies", confirmed, **HX)
    assert saved.status_code == 200
    assert versions(held) == before + 1
    held.refresh_from_db()
    assert "harbor-vs" not in {a.id for a in current_plan(held).agencies}


def test_the_dropped_provider_finds_its_client_from_its_home_page(client_for, persona, held):
    _unreferenced(persona, held)
    document = without_agency(plan_to_dict(current_plan(held)), "harbor-vs")
    plan_save(
        actor=persona("coordinator"),
        operation=held,
        plan=parse_plan(json.dumps(document)),
        base_version=held.current_version.number,
        confirm_removal=["harbor-vs"],
    )
    advocate = client_for("advocate")
    home = text_of(advocate.get("/").content.decode())
    assert held.code in home
    assert "Your own records only" in home
    board = advocate.get(f"/operations/{held.code}/board/")
    assert board.status_code == 200
    assert "P-001" in text_of(board.content.decode())
    assert "Your agency is no longer on this operation's plan" in text_of(board.content.decode())
    person = advocate.get(f"/operations/{held.code}/persons/P-001/")
    assert person.status_code == 200
    assert "Stays with her sister" in text_of(person.content.decode())


def test_the_api_names_the_agencies_to_confirm_and_saves_once_confirmed(client_for, persona, held):
    client = client_for("coordinator")
    version = held.current_version.number
    document = without_agency(plan_to_dict(current_plan(held)), "harbor-vs")
    path = f"/operations/{held.code}/plan"
    asked = send(client, "PUT", path, document, **{"If-Match": f'"{version}"'})
    assert asked.status_code == 409
    body = asked.json()
    assert body["code"] == "confirmation_required"
    assert body["subjects"] == ["harbor-vs"]
    assert "Harbor Victim Services" in body["message"]
    saved = send(client, "PUT", path + "?confirm_removal=harbor-vs", document, **{"If-Match": f'"{version}"'})
    assert saved.status_code == 200, saved.content
    assert saved.json()["version"] == version + 1


def test_the_cli_import_asks_for_the_removal_to_be_confirmed(persona, held, tmp_path):
    from tests.operations.test_cli import _run

    path = tmp_path / "plan.json"
    path.write_text(json.dumps(without_agency(plan_to_dict(current_plan(held)), "harbor-vs"), default=str))
    coordinator = persona("coordinator").username
    code, _, err = _run("plan", "import", str(path), "--as", coordinator)
    assert code == 2
    assert "Harbor Victim Services (harbor-vs) holds records" in err
    assert "--confirm-removal harbor-vs" in err
    code, out, _ = _run("plan", "import", str(path), "--as", coordinator, "--confirm-removal", "harbor-vs")
    assert code == 0, out
    held.refresh_from_db()
    assert "harbor-vs" not in {a.id for a in current_plan(held).agencies}
