"""The live board: the same page with different content for each audience, its alerts, its filters in
the URL, its self-refresh (which is not activity), one audit event per request, and a number of queries
that does not grow with the number of persons."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from haven.audit.models import AuditRecord
from haven.encounters import services
from haven.operations.models import Operation
from tests.access.matrix_encounters import SENSITIVE_AREA, VICTIMS_AREA, Scenario, scenario
from tests.api.helpers import send
from tests.operations.fixtures import make_operation
from tests.personas import make_user, sign_in

pytestmark = pytest.mark.django_db

#: a moment's day on the operation's clock: "today", or "6 Dec" for one before its midnight
DAY = r"(?:today|\d{1,2} [A-Z][a-z]{2})"
AUTO = {f"HTTP_{settings.HAVEN_AUTO_REFRESH_HEADER.upper().replace('-', '_')}": "1"}


@pytest.fixture
def s(persona) -> Scenario:
    return scenario()


def board_url(operation: Operation, rows: bool = False) -> str:
    return f"/operations/{operation.code}/board/{'rows/' if rows else ''}"


def board_html(client: Client, operation: Operation, **params: str) -> str:
    response = client.get(board_url(operation), params)
    assert response.status_code == 200
    return response.content.decode()


def row_of(html: str, code: str) -> str:
    """The table row of one person."""
    match = re.search(
        rf'<tr class="board-row[^"]*">\s*<th scope="row"[^>]*>\s*<a [^>]*>{code}</a>.*?</tr>', html, re.S
    )
    assert match, f"no row for {code}"
    return match.group(0)


def separate_badly(s: Scenario) -> None:
    """A potential victim left with a suspect in the undetermined area: a separation alert."""
    investigator = make_user("investigator")
    person = services.person_register(
        actor=investigator,
        operation=s.operation,
        code="P-004",
        tags=["female", "adult"],
        area="undetermined-room",
    )
    services.designation_record(actor=investigator, person=person, status="potential_victim")


def test_investigator_sees_designations_sensitive_areas_and_separation_alerts(s, client_for):
    separate_badly(s)
    html = board_html(client_for("investigator"), s.operation)
    suspect = row_of(html, "P-002")
    assert "Suspect" in suspect
    assert SENSITIVE_AREA in suspect
    assert "Potential victim" in row_of(html, "P-001")
    assert '<h2 id="separation-heading">Separation: move now</h2>' in html
    # one line per area, naming who must move (the suspect, never the victim)
    assert re.search(
        r"<strong>Metro Community Center gym</strong>: move <a [^>]*>P-002</a> out — kept apart from <a [^>]*>P-004</a>",
        html,
    )


@pytest.mark.parametrize("who", ["advocate", "other_provider", "attorney", "forensic", "interpreter"])
def test_service_users_see_the_same_rows_without_designations_or_sensitive_areas(s, client_for, who):
    separate_badly(s)
    html = board_html(client_for(who), s.operation)
    for code in ("P-001", "P-003", "P-004"):
        row_of(html, code)
    # a person designated suspect has left the victim-care pathway: on no service agency's board
    assert 'href="/operations/NL-2026-12/persons/P-002/"' not in html
    assert VICTIMS_AREA in row_of(html, "P-001")
    assert SENSITIVE_AREA not in html
    assert "Precinct 4 holding" not in html  # not even as a filter choice
    assert "Suspect" not in html
    assert "Potential victim" not in html
    assert "Separation" not in html
    assert "Register a person" not in html


def test_imminent_danger_is_at_the_top_for_everyone_until_an_investigative_user_responds(s, client_for):
    for who in ("investigator", "advocate", "attorney", "interpreter"):
        html = board_html(client_for(who), s.operation)
        danger = html.index('<h2 id="danger-heading">Imminent danger</h2>')
        assert danger < html.index("<table"), who
        assert re.search(
            rf">P-001</a> — flagged <time [^>]*>{DAY} \d\d:\d\d UTC.* by Ada Advocate; no response", html
        )
        assert "Imminent danger</span>" in row_of(html, "P-001")
    services.danger_respond(actor=make_user("investigator"), flag=s.flag, response="Officer with her")
    html = board_html(client_for("advocate"), s.operation)
    assert 'id="danger-heading"' not in html
    assert "Imminent danger</span>" not in row_of(html, "P-001")


def test_waiting_longer_than_the_limit_for_a_first_provider_contact_is_an_alert(s, client_for, settings):
    html = board_html(client_for("advocate"), s.operation)
    # the suspect (P-002) is not waiting for a provider, and not on a provider's board
    assert "1 person is waiting longer than 1 h for a first contact with a provider." in html
    assert "Waiting 1 h 30 min for a provider" in row_of(html, "P-003")
    assert "Waiting" not in row_of(html, "P-001")  # assessed 60 minutes ago
    assert "badge--late" in row_of(html, "P-003")


def test_each_row_says_stage_urgent_needs_and_who_owns_the_next_step_since_when(s, client_for):
    html = board_html(client_for("other_provider"), s.operation)
    victim = row_of(html, "P-001")
    assert "Interview scheduled" in victim
    assert "Medical</span>" in victim
    assert "Decide on Continued Presence (requested)" in victim
    assert "Homeland Security Investigations" in victim
    minor = row_of(html, "P-003")
    assert "Encountered" in minor
    assert "Separate: place in an area" in minor
    assert re.search(rf"Metro City Police Department, since <time [^>]*>{DAY} \d\d:\d\d UTC", minor)


@pytest.mark.parametrize("who", ["interpreter", "forensic"])
def test_a_pending_relief_request_is_no_next_step_for_those_who_may_not_read_immigration_relief(
    s, client_for, who
):
    """Only investigative agencies, victim attorneys and providers read immigration relief: for an
    interpreter or a forensic interviewer the board (page and API) names the step after it, as the
    person's page shows them no relief at all."""
    client = client_for(who)
    victim = row_of(board_html(client, s.operation), "P-001")
    assert "Continued Presence" not in victim
    assert "Interview</td>" in victim or ">Interview<" in victim
    rows = send(client, "GET", f"/operations/{s.operation.code}/board").json()["rows"]
    step = next(row["next_step"] for row in rows if row["code"] == "P-001")
    assert step == "Interview"
    person = client.get(f"/operations/{s.operation.code}/persons/P-001/").content.decode()
    assert "Continued Presence" not in person
    for reader in ("other_provider", "attorney", "investigator"):
        rows = send(client_for(reader), "GET", f"/operations/{s.operation.code}/board").json()["rows"]
        step = next(row["next_step"] for row in rows if row["code"] == "P-001")
        assert step == "Decide on Continued Presence (requested)", reader


def test_filters_by_stage_and_area_are_kept_in_the_url_and_in_the_refresh(s, client_for):
    client = client_for("investigator")
    html = board_html(client, s.operation, stage="encountered")
    assert "P-003" in html
    assert ">P-001</a>" not in html.split("<table")[1]
    assert re.search(r'hx-get="/operations/[^/]+/board/rows/\?stage=encountered"', html)
    assert '<option value="encountered" selected>' in html
    by_area = board_html(client, s.operation, area="undetermined-room")
    rows = by_area.split("<table")[1]
    assert ">P-002</a>" in rows
    assert ">P-001</a>" not in rows
    # the polled fragment applies the same filters and is only the list, never the filter form
    fragment = client.get(
        board_url(s.operation, rows=True), {"stage": "encountered"}, **AUTO
    ).content.decode()
    assert "P-003" in fragment
    assert ">P-001</a>" not in fragment.split("<table")[1]
    assert "<form" not in fragment
    assert "<html" not in fragment


def test_a_service_user_cannot_filter_by_an_area_it_may_not_see(s, client_for):
    html = board_html(client_for("advocate"), s.operation, area="undetermined-room")
    assert "No one matches these filters." in html
    assert SENSITIVE_AREA not in html


def test_the_board_refreshes_itself_marked_as_automatic_and_swaps_only_the_list(s, client_for):
    html = board_html(client_for("advocate"), s.operation)
    live = re.search(r'<div id="board-live"[^>]*>', html, re.S)
    assert live
    tag = live.group(0)
    assert 'hx-trigger="every 15s, board-refresh"' in tag
    assert 'hx-swap="innerHTML"' in tag
    assert f'hx-headers=\'{{"{settings.HAVEN_AUTO_REFRESH_HEADER}": "1"}}\'' in tag
    assert html.index('class="board-filters"') < html.index('id="board-live"')
    # focus survives a swap because every link in the list has a stable id
    assert 'id="board-link-P-001"' in html


def test_the_automatic_refresh_does_not_keep_the_session_alive(s, persona):
    start = timezone.now()
    client = Client()
    with time_machine.travel(start, tick=False):
        sign_in(client, persona("advocate"))
    with time_machine.travel(start + timedelta(minutes=20), tick=False):
        assert client.get(board_url(s.operation, rows=True), **AUTO).status_code == 200
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert client.get(board_url(s.operation, rows=True), **AUTO).status_code == 200
    with time_machine.travel(start + timedelta(minutes=30), tick=False):
        expired = client.get(board_url(s.operation, rows=True), HTTP_HX_REQUEST="true", **AUTO)
    assert expired.status_code == 401
    assert expired["HX-Redirect"].startswith("/sign-in/")


def test_a_person_using_the_board_keeps_the_session_alive(s, persona):
    start = timezone.now()
    client = Client()
    with time_machine.travel(start, tick=False):
        sign_in(client, persona("advocate"))
    with time_machine.travel(start + timedelta(minutes=20), tick=False):
        assert client.get(board_url(s.operation)).status_code == 200
    with time_machine.travel(start + timedelta(minutes=45), tick=False):
        assert client.get(board_url(s.operation)).status_code == 200


@pytest.mark.parametrize("rows", [False, True])
def test_one_board_request_is_one_audit_event_not_one_per_person(s, client_for, rows):
    client = client_for("investigator")
    before = AuditRecord.objects.count()
    response = client.get(board_url(s.operation, rows=rows))
    assert response.status_code == 200
    new = list(AuditRecord.objects.filter(sequence__gt=before).values_list("event_type", flat=True))
    assert new == ["board.viewed"]


def test_hidden_and_missing_boards_look_the_same(s, client_for):
    client = client_for("outsider")
    hidden = client.get(board_url(s.operation))
    missing = client.get("/operations/NO-SUCH-OP/board/")
    assert hidden.status_code == missing.status_code == 404
    strip = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')
    assert strip.sub("", hidden.content.decode()) == strip.sub("", missing.content.decode())
    assert client.get(board_url(s.operation, rows=True)).status_code == 404


def _board_queries(client: Client, operation: Operation, rows: bool) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(board_url(operation, rows=rows)).status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["investigator", "advocate"])
def test_the_number_of_queries_does_not_grow_with_the_number_of_persons(
    persona, client_for, django_assert_max_num_queries, who
):
    operation = make_operation(starts_in=-timedelta(hours=1))
    investigator = persona("investigator")
    advocate = persona("advocate")

    def add(first: int, last: int) -> None:
        for n in range(first, last + 1):
            person = services.person_register(
                actor=investigator,
                operation=operation,
                code=f"P-{n:03d}",
                tags=["adult", "female" if n % 2 else "male"],
                languages=["es", "en"],
                area=("community-room", "undetermined-room", "")[n % 3] or None,
            )
            if n % 2:
                services.needs_assessment_record(
                    actor=advocate, person=person, urgent=["food"], language="es"
                )
            if n % 5 == 0:
                services.danger_flag(actor=advocate, person=person)

    add(1, 3)
    client = client_for(who)
    client.get(board_url(operation))  # warm the session
    small = _board_queries(client, operation, rows=False)
    small_rows = _board_queries(client, operation, rows=True)
    add(4, 30)
    with django_assert_max_num_queries(small):
        client.get(board_url(operation))
    assert _board_queries(client, operation, rows=False) == small
    assert _board_queries(client, operation, rows=True) == small_rows
    assert board_html(client, operation).count('<tr class="board-row') == 30


def test_an_officer_registers_a_person_from_the_board_and_the_board_shows_the_stage(s, client_for):
    client = client_for("investigator")
    html = board_html(client, s.operation)
    assert 'value="P-004"' in html  # the next free code is offered
    response = client.post(
        f"/operations/{s.operation.code}/persons/register/",
        {
            "code": "P-004",
            "tags": ["male", "adult"],
            "languages": "en, es",
            "priority": "urgent",
            "area": "community-room",
        },
    )
    assert response.status_code == 303
    assert response["Location"] == board_url(s.operation) + "?registered=P-004"
    html = board_html(client, s.operation, registered="P-004")
    assert "P-004 registered." in html
    row = row_of(html, "P-004")
    assert "Separated" in row
    assert VICTIMS_AREA in row
    assert "Urgent priority" in row
    assert 'value="P-005"' in html


def test_registration_problems_are_shown_at_their_fields_with_the_input_kept(s, client_for):
    client = client_for("investigator")
    register = f"/operations/{s.operation.code}/persons/register/"
    response = client.post(register, {"code": "Maria", "languages": "es", "priority": "normal"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="register_code_error"' in html
    assert "never a name" in html
    assert 'value="Maria"' in html
    response = client.post(register, {"code": "P-007", "languages": "spanish", "priority": "high"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="register_languages_error"' in html
    assert "&#x27;spanish&#x27; is not a BCP 47 language tag (e.g. en, es, yue, zh-Hant)" in html
    assert 'value="spanish"' in html
    assert '<option value="high" selected>' in html
    duplicate = client.post(
        f"/operations/{s.operation.code}/persons/register/", {"code": "P-001", "priority": "normal"}
    )
    assert duplicate.status_code == 400
    assert "P-001 is already registered on this operation" in duplicate.content.decode()
    assert (
        client_for("advocate")
        .post(f"/operations/{s.operation.code}/persons/register/", {"code": "P-009", "priority": "normal"})
        .status_code
        == 403
    )


def test_exercise_operations_show_the_exercise_banner_on_the_board(persona, client_for):
    exercise = scenario(exercise=True)
    html = board_html(client_for("investigator"), exercise.operation)
    assert "banner--exercise" in html
    assert "is a rehearsal on fictional data" in html
    real = make_operation(starts_in=-timedelta(hours=1), changes={"operation.code": "REAL-1"})
    assert "banner--exercise" not in board_html(client_for("investigator"), real)


# --- issue 14: the order, search and "my tasks", durations and days -----------------------------------------


def _codes_in_order(html: str) -> list[str]:
    return re.findall(r'<a class="board-row__code" id="board-link-(P-\d+)"', html)


def test_the_page_lists_persons_in_the_order_of_urgency_as_the_selector_does(s, client_for):
    from haven.encounters.selectors import board_for
    from haven.operations.selectors import standing

    for who in ("investigator", "advocate"):
        html = board_html(client_for(who), s.operation)
        actor = make_user(who)
        expected = [r.code for r in board_for(actor, standing(actor, s.operation), s.operation).rows]
        assert _codes_in_order(html) == expected, who
        assert expected[0] == "P-001"  # the open imminent-danger flag first
    # the longest wait (P-003, 90 min) comes before the rest, whatever the code order
    rows = _codes_in_order(board_html(client_for("investigator"), s.operation))
    assert rows.index("P-003") < rows.index("P-002")


def test_search_and_my_tasks_are_kept_in_the_url_and_in_the_refresh(s, client_for):
    client = client_for("investigator")
    html = board_html(client, s.operation, q="chinese", mine="1")
    assert _codes_in_order(html) == ["P-003"]  # Chinese-speaking, and the lead agency places them
    assert re.search(r'hx-get="/operations/[^/]+/board/rows/\?q=chinese&amp;mine=1"', html)
    assert 'value="chinese"' in html
    assert re.search(r'<a [^>]*aria-current="page"[^>]*>My tasks</a>', html)
    fragment = client.get(board_url(s.operation, rows=True), {"q": "chinese", "mine": "1"}, **AUTO)
    assert _codes_in_order(fragment.content.decode()) == ["P-003"]
    # my tasks, compared by agency: HSI owns the next step of none of these persons but P-001's decision
    federal = board_html(client_for("federal_agent"), s.operation, mine="1")
    assert _codes_in_order(federal) == ["P-001"]
    assert "Decide on Continued Presence (requested)" in row_of(federal, "P-001")
    assert "No one matches these filters." in board_html(client_for("interpreter"), s.operation, mine="1")


def test_a_search_longer_than_the_api_takes_is_cut_not_an_error(s, client_for):
    html = board_html(client_for("investigator"), s.operation, q="P-00" + "x" * 500)
    assert "No one matches these filters." in html
