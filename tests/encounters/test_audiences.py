"""What each persona sees of one person: the compartments of access-policy.md, with marker texts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from haven.encounters import services
from haven.encounters.selectors import NeedsSummary, ShownTowardsEntry, board_for, person_view
from haven.operations.selectors import standing

pytestmark = pytest.mark.django_db

MARKERS = {
    "needs": "MARK-NEEDS-insulin-7731",
    "questions": "MARK-QUESTION-deport-2210",
    "answers": "MARK-ANSWER-relief-5521",
    "safety": "MARK-SAFETY-codeword-9902",
    "attorney": "MARK-ATTORNEY-tvisa-4410",
    "observation": "MARK-OBS-orders-6620",
    "interview": "MARK-INTERVIEW-joboffer-8843",
}


@pytest.fixture
def recorded(register, persona, rooms, t0):
    person = register()
    suspect = register("P-002", tags=("male", "adult"), area="precinct-holding")
    services.designation_record(actor=persona("investigator"), person=suspect, status="suspect")
    services.designation_record(actor=persona("investigator"), person=person, status="potential_victim")
    services.observation_record(
        actor=persona("investigator"),
        person=suspect,
        towards=person,
        signs=["gives_orders", "is_deferred_to"],
    )
    services.observation_record(
        actor=persona("investigator"), person=person, signs=["appears_fearful"], text=MARKERS["observation"]
    )
    services.needs_assessment_record(
        actor=persona("advocate"),
        person=person,
        at=t0 + timedelta(minutes=30),
        medical=MARKERS["needs"],
        urgent=["medical"],
        language="es",
    )
    services.information_record(
        actor=persona("advocate"),
        person=person,
        language="es",
        materials=["What happens next"],
        questions=MARKERS["questions"],
        answers=MARKERS["answers"],
        at=t0 + timedelta(minutes=40),
    )
    services.victim_service_record(
        actor=persona("advocate"), person=person, kind="safety_plan", text=MARKERS["safety"]
    )
    services.attorney_note_record(actor=persona("attorney"), person=person, text=MARKERS["attorney"])
    interview = services.interview_schedule(
        actor=persona("federal_agent"),
        person=person,
        interviewer=persona("federal_agent"),
        role="investigator",
        location=rooms,
        starts_at=t0 + timedelta(minutes=90),
        minutes=45,
    )
    services.interview_conduct(
        actor=persona("federal_agent"), interview=interview, notes=MARKERS["interview"]
    )
    return person


def _seen(who: str, persona, person) -> str:
    actor = persona(who)
    view = person_view(actor, standing(actor, person.operation), person)
    return repr(view)


WHO_SEES = {
    "investigator": {"observation", "interview"},
    "federal_agent": {"observation", "interview"},
    "advocate": {"needs", "questions", "answers", "safety"},
    "other_provider": set(),
    "attorney": {"attorney"},
    "forensic": set(),
}


@pytest.mark.parametrize("who", sorted(WHO_SEES))
def test_each_persona_sees_exactly_its_compartments(recorded, persona, who):
    seen = _seen(who, persona, recorded)
    for name, marker in MARKERS.items():
        assert (marker in seen) is (name in WHO_SEES[who]), f"{who} and {name}"


def test_service_users_see_the_needs_summary_but_not_designations_or_sensitive_areas(recorded, persona):
    advocate = persona("other_provider")
    view = person_view(advocate, standing(advocate, recorded.operation), recorded)
    assert view.needs_summary == NeedsSummary(assessed=True, urgent=("medical",), language="es")
    assert view.designation is None
    assert view.designation_history is None
    assert view.observations is None
    board = board_for(advocate, standing(advocate, recorded.operation), recorded.operation)
    rows = {r.code: r for r in board.rows}
    assert "P-002" not in rows  # a suspect: off the victim-care pathway, on no service agency's board
    assert rows["P-001"].area == "Harbor Center community room"
    assert rows["P-001"].designation is None
    assert board.separation_alerts == []


def test_the_relationship_list_shows_who_deferred_to_whom(recorded, persona):
    investigator = persona("investigator")
    view = person_view(investigator, standing(investigator, recorded.operation), recorded)
    assert view.shown_towards is not None
    assert view.shown_towards == (
        ShownTowardsEntry(
            from_person="P-002", signs=("gives_orders", "is_deferred_to"), at=view.shown_towards[0].at
        ),
    )


def test_a_consent_releases_exactly_its_items_to_its_recipient_until_revoked(recorded, persona):
    hsi = persona("federal_agent")
    consent = services.consent_record(
        actor=persona("advocate"),
        person=recorded,
        recipient=hsi.agency,
        items=["needs_details"],
        purpose="Plan the interview around medical needs",
        in_writing=True,
        given_on=date.today(),
        expires_on=date.today() + timedelta(days=90),
    )
    seen = _seen("federal_agent", persona, recorded)
    assert MARKERS["needs"] in seen
    assert MARKERS["safety"] not in seen
    assert MARKERS["attorney"] not in seen
    from haven.audit.models import AuditRecord

    reads = AuditRecord.objects.filter(event_type="consent.read", actor_label=hsi.username)
    assert reads.count() == 1
    assert str(consent.pk) in reads.get().details
    # the provider sees the consent and the read made under it
    advocate = persona("advocate")
    view = person_view(advocate, standing(advocate, recorded.operation), recorded)
    assert [len(c.reads) for c in view.consents_recorded or ()] == [1]
    services.consent_revoke(actor=advocate, consent=consent, orally=True)
    assert MARKERS["needs"] not in _seen("federal_agent", persona, recorded)
