"""The plan's agencies section offers the directory of agencies Haven knows, and a typo that names a known
agency under a new id is refused at its field (issue 13)."""

from __future__ import annotations

import re

import pytest

from haven.accounts.models import Agency
from tests.operations.fixtures import make_operation
from tests.web.test_plan_pages import HX, form_values, open_section, post_section, text_of, versions

pytestmark = pytest.mark.django_db


def test_the_agencies_section_offers_the_agencies_haven_knows(client_for, persona):
    persona("advocate")
    operation = make_operation()
    html = client_for("coordinator").get(f"/operations/{operation.code}/plan/agencies/").content.decode()
    directory = re.search(r'<datalist id="agency-directory">(.*?)</datalist>', html, re.S)
    assert directory is not None
    assert (
        '<option value="harbor-vs">Harbor Victim Services (Victim service provider)</option>' in directory[1]
    )
    assert 'list="agency-directory"' in html


def test_an_id_typed_for_a_known_agency_is_refused_naming_it(client_for, persona):
    persona("advocate")
    operation = make_operation()
    client = client_for("coordinator")
    data = open_section(client, operation, "agencies")
    added = client.post(
        f"/operations/{operation.code}/plan/agencies/", {**data, "_action": "add:items"}, **HX
    )
    data = form_values(added.content.decode(), "section-agencies")
    row = int(data["agencies-rows"]) - 1
    # a new id, under the name Haven knows as bay-vs
    data |= {
        f"agencies-{row}-id": "bayside-vs",
        f"agencies-{row}-name": "Bayside  Survivor Network",
        f"agencies-{row}-type": "victim_service_provider",
    }
    before = versions(operation)
    response = post_section(client, operation, "agencies", data, **HX)
    assert response.status_code == 422
    text = text_of(response.content.decode())
    assert "'bayside-vs' is not in Haven, but Bayside Survivor Network is, as 'bay-vs'" in text
    assert versions(operation) == before
    assert not Agency.objects.filter(slug="bayside-vs").exists()
