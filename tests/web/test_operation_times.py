"""An operation's pages show its times in its plan's own offset from UTC, labelled with it, and read typed
times in it; the API, the audit page and the files stay in UTC."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.utils import timezone as django_timezone

from haven.encounters.models import Person
from haven.operations.models import Operation
from haven.web.timezones import zone, zone_label
from tests.access.matrix_encounters import scenario

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("minutes", "label"), [(0, "UTC"), (-300, "UTC−05:00"), (330, "UTC+05:30"), (-570, "UTC−09:30")]
)
def test_the_label_names_the_offset(minutes, label):
    assert zone_label(zone(minutes)) == label


def test_an_operation_keeps_its_plans_offset(persona):
    s = scenario()
    assert s.operation.utc_offset_minutes == -300  # the example plan is written at -05:00


def test_the_person_page_shows_the_encounter_in_the_operations_offset(persona, client_for):
    s = scenario()
    person = Person.objects.get(operation=s.operation, code="P-001")
    person.encountered_at = datetime(2026, 12, 3, 10, 40, tzinfo=UTC)
    person.save(update_fields=["encountered_at"])
    html = client_for("investigator").get(f"/operations/{s.operation.code}/persons/P-001/").content.decode()
    # the day is named as the operation's clock reads it: the year only when it is not this year's
    assert re.search(
        r'<time datetime="2026-12-03T05:40:00-05:00">3 Dec(?: 2026)? 05:40 UTC−05:00</time>', html
    )
    assert "10:40 UTC" not in html


def test_the_board_says_its_times_are_in_the_operations_offset(persona, client_for):
    s = scenario()
    html = client_for("investigator").get(f"/operations/{s.operation.code}/board/").content.decode()
    now = django_timezone.now().astimezone(timezone(timedelta(hours=-5)))
    assert f'updated <time datetime="{now:%Y-%m-%dT%H}' in html
    assert " UTC−05:00</time>" in html


def test_a_time_typed_on_an_operations_page_is_read_in_its_offset(persona, client_for):
    s = scenario()
    client = client_for("investigator")
    register = f"/operations/{s.operation.code}/persons/register/"
    form = client.get(f"/operations/{s.operation.code}/board/").content.decode()
    assert "Encountered at (UTC−05:00)" in form
    response = client.post(
        register,
        {"code": "P-004", "languages": "en", "priority": "normal", "encountered_at": "2026-12-03T05:40"},
    )
    assert response.status_code == 303
    stored = Person.objects.get(operation=s.operation, code="P-004").encountered_at
    assert stored == datetime(2026, 12, 3, 10, 40, tzinfo=UTC)


def test_an_operation_at_utc_shows_utc_and_the_api_and_audit_page_stay_in_utc(persona, client_for):
    s = scenario()
    Operation.objects.filter(pk=s.operation.pk).update(utc_offset_minutes=0)
    person = Person.objects.get(operation=s.operation, code="P-001")
    person.encountered_at = datetime(2026, 12, 3, 10, 40, tzinfo=UTC)
    person.save(update_fields=["encountered_at"])
    client = client_for("investigator")
    html = client.get(f"/operations/{s.operation.code}/persons/P-001/").content.decode()
    assert re.search(r"3 Dec(?: 2026)? 10:40 UTC</time>", html)
    Operation.objects.filter(pk=s.operation.pk).update(utc_offset_minutes=-300)
    api = client.get(f"/api/v1/operations/{s.operation.code}/persons/P-001")
    assert api.status_code == 200
    assert api.json()["encountered_at"].startswith("2026-12-03T10:40:00")
