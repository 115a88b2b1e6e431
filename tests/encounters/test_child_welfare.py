"""For a minor: child welfare notified as a step of its own (agency, time) on the person's page, the board
and the report; and the plan's legal-authority notes for minors where the full plan may be read (issue 13)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from haven.accounts.models import Agency
from haven.core.errors import Conflict, Forbidden, RuleViolation, ValidationFailed
from haven.encounters import services
from haven.encounters.models import ChildWelfareNotice
from haven.encounters.selectors import LegalNote, board_for, person_view
from haven.operations.selectors import standing
from tests.personas import agency

pytestmark = pytest.mark.django_db


@pytest.fixture
def cws():
    """The plan's child welfare agency (the example plan's `county-cws`)."""
    return Agency.objects.get(slug="county-cws")


def _board_rows(persona, key, operation):
    user = persona(key)
    return {row.code: row for row in board_for(user, standing(user, operation), operation).rows}


def test_child_welfare_notified_is_recorded_once_for_a_minor(register, persona, operation, cws, t0):
    minor = register("P-003", tags=("female", "minor"), languages=("zh",))
    rows = _board_rows(persona, "advocate", operation)
    assert rows["P-003"].child_welfare == "Child welfare not yet notified"
    notice = services.child_welfare_notify(
        actor=persona("investigator"), person=minor, agency=cws, at=t0 + timedelta(minutes=25)
    )
    assert notice.agency == cws
    with pytest.raises(Conflict):
        services.child_welfare_notify(actor=persona("investigator"), person=minor, agency=cws)
    rows = _board_rows(persona, "advocate", operation)
    assert rows["P-003"].child_welfare.startswith("Child welfare notified")
    assert cws.name in rows["P-003"].child_welfare
    assert ChildWelfareNotice.objects.count() == 1


def test_a_person_of_unknown_age_is_treated_as_a_minor_and_an_adult_needs_no_notice(
    register, persona, operation, cws
):
    unknown = register("P-004", tags=("female",))
    adult = register("P-001", tags=("female", "adult"))
    rows = _board_rows(persona, "investigator", operation)
    assert rows["P-004"].child_welfare == "Child welfare not yet notified"
    assert rows["P-001"].child_welfare == ""
    with pytest.raises(RuleViolation) as refused:
        services.child_welfare_notify(actor=persona("investigator"), person=adult, agency=cws)
    assert refused.value.rule == "child-welfare.minor"
    services.child_welfare_notify(actor=persona("investigator"), person=unknown, agency=cws)


def test_only_a_child_welfare_agency_on_the_operation_is_notified(register, persona, operation):
    minor = register("P-003", tags=("minor",))
    with pytest.raises(ValidationFailed) as refused:
        services.child_welfare_notify(
            actor=persona("investigator"), person=minor, agency=persona("advocate").agency
        )
    assert {p.path for p in refused.value.problems} == {"agency"}
    with pytest.raises(Forbidden):
        services.child_welfare_notify(actor=persona("advocate"), person=minor, agency=agency("county-cws"))


def test_the_person_page_of_a_minor_shows_the_plans_legal_authority_notes_for_minors(
    register, persona, operation
):
    minor = register("P-003", tags=("minor",))
    investigator, advocate = persona("investigator"), persona("advocate")
    view = person_view(investigator, standing(investigator, operation), minor)
    assert view.legal_notes == (
        LegalNote(
            reviewed_by="Metro County District Attorney",
            notes="Mandatory report to child welfare; state safe-harbor law bars charging minors",
        ),
    )
    # legal-authority notes belong to the full plan: a service agency reads none
    assert person_view(advocate, standing(advocate, operation), minor).legal_notes is None
    adult = register("P-001", tags=("adult",))
    assert person_view(investigator, standing(investigator, operation), adult).legal_notes is None


def test_the_page_records_the_notification_and_the_board_shows_it(
    register, persona, operation, client_for, cws
):
    register("P-003", tags=("female", "minor"), languages=("zh",))
    client = client_for("investigator")
    page = client.get(f"/operations/{operation.code}/persons/P-003/").content.decode()
    assert "Not yet notified." in page
    assert "Mandatory report to child welfare" in page  # the plan's legal-authority notes for minors
    response = client.post(
        f"/operations/{operation.code}/persons/P-003/child-welfare/", {"agency": str(cws.pk), "at": ""}
    )
    assert response.status_code == 303
    page = client.get(f"/operations/{operation.code}/persons/P-003/").content.decode()
    assert f"Notified: <strong>{cws.name}</strong>" in page
    board = client_for("advocate").get(f"/operations/{operation.code}/board/").content.decode()
    assert "Child welfare notified" in board
    advocate_page = (
        client_for("advocate").get(f"/operations/{operation.code}/persons/P-003/").content.decode()
    )
    assert "Mandatory report to child welfare" not in advocate_page  # full-plan text: not a provider's


def test_the_api_records_the_notification_and_reads_it_back(register, persona, operation, client_for, cws):
    from tests.api.helpers import send

    register("P-003", tags=("minor",))
    client = client_for("investigator")
    path = f"/operations/{operation.code}/persons/P-003"
    before = send(client, "GET", path).json()
    assert before["minor"] is True
    assert before["child_welfare"] is None
    assert before["legal_notes"][0]["notes"].startswith("Mandatory report to child welfare")
    recorded = send(client, "POST", path + "/child-welfare", {"agency": "county-cws"})
    assert recorded.status_code == 201, recorded.content
    again = send(client, "POST", path + "/child-welfare", {"agency": "county-cws"})
    assert again.status_code == 409
    after = send(client_for("advocate"), "GET", path).json()
    assert after["child_welfare"]["agency"] == cws.name
    assert after["legal_notes"] is None
    board = send(client_for("advocate"), "GET", f"/operations/{operation.code}/board").json()
    [row] = [r for r in board["rows"] if r["code"] == "P-003"]
    assert row["child_welfare"].startswith("Child welfare notified")


def test_the_report_counts_the_minors_child_welfare_was_notified_of(register, persona, operation, cws):
    from django.utils import timezone

    from haven.reports.figures import Scope, compute
    from haven.reports.selectors import report_input

    notified = register("P-003", tags=("minor",))
    register("P-004", tags=("female",))  # age not recorded: treated as a minor, not notified
    register("P-001", tags=("adult",))
    services.child_welfare_notify(actor=persona("investigator"), person=notified, agency=cws)
    facts = report_input(
        operation=operation, scope=Scope.TASK_FORCE, agency_id=None, now=timezone.now(), limit_minutes=60,
        plan_history=True,
    )  # fmt: skip
    values = compute(facts).values
    assert values["minors.treated_as_minor"] == 2
    assert values["minors.child_welfare_notified"] == 1
    assert values["minors.child_welfare_not_notified"] == 1
