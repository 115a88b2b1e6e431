"""Agencies leave a plan or are deactivated without stranding anyone (issue 12).

A provider that holds records or consents on an operation keeps managing its own records and consents
there whatever the plan says; a revocation can always be recorded by the agency that recorded the consent;
no consent releases anything while its recording agency cannot manage it. Deactivating an agency ends its
users' sessions, refuses their sign-in and removes it from every operation's live access.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from haven.accounts import services as account_services
from haven.core.clock import utc_today
from haven.core.errors import Conflict, NotFound
from haven.encounters import services
from haven.encounters.models import Consent, NeedsAssessment, VictimServiceRecord
from haven.encounters.selectors import board_for, person_for, person_view
from haven.operations.selectors import current_plan, operation_for, operations_visible_to
from haven.operations.services import RemovalNeedsConfirmation, plan_save
from haven.plans import parse_plan, plan_to_dict
from tests.operations.fixtures import without_agency

pytestmark = pytest.mark.django_db


def _safety_plan_and_consent(persona, person) -> Consent:
    services.victim_service_record(
        actor=persona("advocate"), person=person, kind="safety_plan", text="Stays with her sister on Elm Row"
    )
    return services.consent_record(
        actor=persona("advocate"),
        person=person,
        recipient=persona("federal_agent").agency,
        items=["safety_plan"],
        purpose="Plan the interview around her safety",
        in_writing=True,
        given_on=utc_today(),
        expires_on=utc_today() + timedelta(days=90),
    )


def _drop(
    persona,
    operation,
    slug: str = "harbor-vs",
    *,
    confirm: tuple[str, ...] = ("harbor-vs",),
    instead="bay-vs",
):
    return plan_save(
        actor=persona("coordinator"),
        operation=operation,
        plan=parse_plan(
            json.dumps(without_agency(plan_to_dict(current_plan(operation)), slug, instead=instead))
        ),
        base_version=operation.current_version.number,
        confirm_removal=confirm,
    )


# --- a provider dropped from the plan ---------------------------------------------------------------


def test_dropping_a_provider_that_holds_records_asks_for_confirmation_and_says_what_it_keeps(
    register, persona, operation
):
    _safety_plan_and_consent(persona, register())
    with pytest.raises(RemovalNeedsConfirmation) as asked:
        _drop(persona, operation, confirm=())
    assert isinstance(asked.value, Conflict)
    assert asked.value.agencies == ["harbor-vs"]
    assert "Harbor Victim Services" in asked.value.message
    assert "keeps" in asked.value.message
    assert "consents" in asked.value.message
    operation.refresh_from_db()
    assert "harbor-vs" in {a.id for a in current_plan(operation).agencies}  # nothing saved


def test_dropping_an_agency_that_holds_nothing_needs_no_confirmation(register, persona, operation):
    register()
    result = _drop(persona, operation, "bay-vs", confirm=(), instead="harbor-vs")
    assert result.changed
    with pytest.raises(NotFound):
        operation_for(persona("other_provider"), operation.code)


def test_a_dropped_provider_keeps_reading_and_managing_its_own_records(register, persona, operation):
    person = register()
    services.needs_assessment_record(
        actor=persona("advocate"), person=person, medical="Needs insulin twice a day", language="es"
    )
    consent = _safety_plan_and_consent(persona, person)
    _drop(persona, operation)

    advocate = persona("advocate")
    found, standing = person_for(advocate, operation.code, person.code)
    view = person_view(advocate, standing, found)
    assert [r.text for r in view.service_records or ()] == ["Stays with her sister on Elm Row"]
    assert view.needs_full
    assert view.needs_full[0].medical == "Needs insulin twice a day"
    assert [c.consent.pk for c in view.consents_recorded or ()] == [consent.pk]
    # and writes its own records there
    services.victim_service_record(actor=advocate, person=found, kind="case_note", text="Called back")
    assert VictimServiceRecord.objects.filter(person=person, agency=advocate.agency).count() == 2
    services.needs_assessment_record(actor=advocate, person=found, urgent=["shelter"], language="es")
    assert NeedsAssessment.objects.filter(person=person).count() == 2


def test_a_dropped_provider_records_an_oral_revocation(register, persona, operation):
    consent = _safety_plan_and_consent(persona, register())
    _drop(persona, operation)
    services.consent_revoke(actor=persona("advocate"), consent=consent, orally=True)
    consent.refresh_from_db()
    assert consent.revoked_at is not None
    assert consent.revoked_orally


def test_a_dropped_provider_sees_nothing_else_of_the_operation(register, persona, operation):
    client = register("P-001")
    stranger = register("P-002")
    _safety_plan_and_consent(persona, client)
    services.danger_flag(actor=persona("investigator"), person=client)
    services.information_record(
        actor=persona("other_provider"), person=client, language="es", materials=["What happens next"]
    )
    _drop(persona, operation)
    advocate = persona("advocate")
    with pytest.raises(NotFound):
        person_for(advocate, operation.code, stranger.code)
    found, standing = person_for(advocate, operation.code, client.code)
    view = person_view(advocate, standing, found)
    assert view.danger == ()  # the imminent-danger flag is live operation work
    assert view.information == ()  # the information others gave
    assert view.interviews == ()
    assert view.area is None
    assert not view.needs_summary
    board = board_for(advocate, standing, operation)
    assert [row.code for row in board.rows] == ["P-001"]
    assert board.danger == []
    assert board.rows[0].next_step == "—"


def test_the_recipient_keeps_reading_while_the_dropped_provider_can_still_revoke(
    register, persona, operation
):
    person = register()
    _safety_plan_and_consent(persona, person)
    _drop(persona, operation)
    agent = persona("federal_agent")
    found, standing = person_for(agent, operation.code, person.code)
    assert "safety_plan" in person_view(agent, standing, found).released_items


# --- an agency deactivated ------------------------------------------------------------------------


def test_a_deactivated_providers_consents_release_nothing(register, persona, operation):
    person = register()
    _safety_plan_and_consent(persona, person)
    account_services.agency_update(actor=None, agency=persona("advocate").agency, is_active=False)
    agent = persona("federal_agent")
    found, standing = person_for(agent, operation.code, person.code)
    view = person_view(agent, standing, found)
    assert view.released_items == ()
    assert view.service_records is None or view.service_records == ()


def test_a_deactivated_agency_has_no_live_access_and_its_records_stay(register, persona, operation):
    person = register()
    _safety_plan_and_consent(persona, person)
    advocate = persona("advocate")
    account_services.agency_update(actor=None, agency=advocate.agency, is_active=False)
    advocate.refresh_from_db()
    assert list(operations_visible_to(advocate)) == []
    with pytest.raises(NotFound):
        operation_for(advocate, operation.code)
    assert VictimServiceRecord.objects.filter(person=person, agency=advocate.agency).exists()


def test_a_dropped_provider_reads_its_client_through_the_api_and_the_page(
    register, persona, operation, client_for
):
    """The insider review: after the plan dropped harbor-vs, its advocate's API read of its own client
    answered 500 (the needs summary it may not read was required), and the page said "Not assessed yet"
    above the provider's own assessment."""
    person = register()
    services.needs_assessment_record(
        actor=persona("advocate"), person=person, medical="Needs insulin twice a day", language="es"
    )
    _safety_plan_and_consent(persona, person)
    _drop(persona, operation)
    client = client_for("advocate")
    api = client.get(f"/api/v1/operations/{operation.code}/persons/{person.code}")
    assert api.status_code == 200, api.content
    body = api.json()
    assert body["needs_summary"] is None
    assert [a["medical"] for a in body["needs_assessments"]] == ["Needs insulin twice a day"]
    page = client.get(f"/operations/{operation.code}/persons/{person.code}/").content.decode()
    assert "Needs insulin twice a day" in page
    assert "Not assessed yet" not in page
