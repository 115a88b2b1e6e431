"""What is recorded once stays as first recorded, even when two requests race: each request loads its
own copy of the record before its transaction, so the check must read the row inside the transaction
that writes it. Two copies loaded before either write stand in for two simultaneous requests."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine

from haven.accounts.models import Agency
from haven.core.errors import Conflict, RuleViolation, ValidationFailed
from haven.encounters import services
from haven.encounters.models import Consent, DangerFlag, Interview, InterviewStatus, Person
from haven.encounters.sealing import open_field
from haven.encounters.selectors import active_consents

pytestmark = pytest.mark.django_db


def _consent_to_hsi(persona, person: Person, given_on: date) -> Consent:
    return services.consent_record(
        actor=persona("advocate"),
        person=person,
        recipient=Agency.objects.get(slug="hsi"),
        items=["needs_details"],
        purpose="Plan the interview around her medical needs",
        in_writing=True,
        given_on=given_on,
        expires_on=given_on + timedelta(days=30),
    )


def test_a_second_outcome_from_a_stale_copy_is_refused_and_the_first_stays(register, persona):
    person = register()
    first, second = Person.objects.get(pk=person.pk), Person.objects.get(pk=person.pk)
    services.person_release(
        actor=persona("investigator"), person=first, outcome="released", reason="Went home"
    )
    with pytest.raises(Conflict, match="already recorded as released"):
        services.person_release(
            actor=persona("federal_agent"), person=second, outcome="transferred", reason="To a shelter"
        )
    person.refresh_from_db()
    assert (person.outcome, person.outcome_reason) == ("released", "Went home")


def test_a_second_danger_response_from_a_stale_copy_is_refused_and_the_first_stays(register, persona):
    person = register()
    flag = services.danger_flag(actor=persona("advocate"), person=person)
    first, second = DangerFlag.objects.get(pk=flag.pk), DangerFlag.objects.get(pk=flag.pk)
    services.danger_respond(actor=persona("investigator"), flag=first, response="Officer with her")
    with pytest.raises(Conflict, match="already recorded by"):
        services.danger_respond(actor=persona("federal_agent"), flag=second, response="Agent on the way")
    flag.refresh_from_db()
    assert flag.response == "Officer with her"
    assert flag.responded_by == persona("investigator")


def test_a_second_withdrawal_from_a_stale_copy_keeps_the_first_one_s_time_and_way(register, persona):
    person = register()
    consent = _consent_to_hsi(persona, person, date.today())
    first, second = Consent.objects.get(pk=consent.pk), Consent.objects.get(pk=consent.pk)
    services.consent_revoke(actor=persona("advocate"), consent=first, orally=True)
    services.consent_revoke(actor=persona("advocate"), consent=second, orally=False)
    consent.refresh_from_db()
    assert consent.revoked_orally is True
    assert consent.revoked_at == Consent.objects.get(pk=first.pk).revoked_at


def test_a_consent_given_for_a_later_day_can_be_withdrawn_before_it_starts_and_never_releases(
    register, persona
):
    person = register()
    starts = date.today() + timedelta(days=4)
    # a consent dated for a later day is refused since issue 13; one recorded on that day, seen from
    # before it, stands for the rows kept from before
    with time_machine.travel(starts + timedelta(hours=12)):
        consent = _consent_to_hsi(persona, person, starts)
    services.consent_revoke(actor=persona("advocate"), consent=consent, orally=True)
    consent.refresh_from_db()
    assert consent.revoked_at is not None
    hsi = Agency.objects.get(slug="hsi")
    for day in (date.today(), starts, starts + timedelta(days=10)):
        assert active_consents(person, hsi.pk, today=day) == []


def test_official_notes_are_recorded_once_even_from_a_stale_copy(register, persona, rooms, t0, care):
    person = register()
    care(person)
    interview = services.interview_schedule(
        actor=persona("federal_agent"),
        person=person,
        interviewer=persona("federal_agent"),
        role="investigator",
        location=rooms,
        starts_at=t0 + timedelta(minutes=120),
        minutes=60,
    )
    first, second = Interview.objects.get(pk=interview.pk), Interview.objects.get(pk=interview.pk)
    services.interview_conduct(actor=persona("federal_agent"), interview=first, notes="Describes a job offer")
    with pytest.raises(Conflict, match="already recorded"):
        services.interview_conduct(actor=persona("federal_agent"), interview=second, notes="REPLACED")
    with pytest.raises(RuleViolation, match="Only a scheduled interview"):
        services.interview_cancel(actor=persona("federal_agent"), interview=second)
    interview.refresh_from_db()
    assert interview.status == InterviewStatus.CONDUCTED
    assert open_field(interview, "notes", interview.agency_id) == "Describes a job offer"


def test_information_needs_real_materials_or_answers_not_blank_ones(register, persona):
    person = register()
    with pytest.raises(ValidationFailed) as refused:
        services.information_record(
            actor=persona("advocate"), person=person, language="es", materials=["   "]
        )
    assert refused.value.problems[0].path == "materials"
    assert not person.information.exists()


def test_only_a_unique_constraint_reads_as_a_race_other_integrity_errors_stay_faults(register):
    """A second copy refused by a unique constraint is two requests at the same moment (answered 409);
    any other integrity error (here a missing author) is a fault, never dressed up as someone else's save."""
    from django.db import IntegrityError, transaction

    from haven.core.errors import is_unique_violation

    person = register()
    copy = {"operation": person.operation, "code": person.code, "encountered_at": person.encountered_at}
    with pytest.raises(IntegrityError) as duplicate, transaction.atomic():
        Person.objects.create(**copy, registered_by=person.registered_by)
    assert is_unique_violation(duplicate.value)
    with pytest.raises(IntegrityError) as authorless, transaction.atomic():
        Person.objects.create(**{**copy, "code": "P-777"})
    assert not is_unique_violation(authorless.value)


def test_an_empty_needs_assessment_is_refused_so_a_stray_tap_never_opens_the_way_to_an_interview(
    register, persona
):
    person = register()
    with pytest.raises(ValidationFailed) as refused:
        services.needs_assessment_record(actor=persona("advocate"), person=person)
    assert "record what the assessment found" in refused.value.problems[0].message
    assert not person.needs_assessments.exists()
    for found in ({"language": "es"}, {"urgent": ["food"]}, {"safety": "Afraid of her employer"}):
        services.needs_assessment_record(actor=persona("advocate"), person=person, **found)
    assert person.needs_assessments.count() == 3
