"""Each encounter rule decided once (issue 13), pinned here, and every place that answers the question
giving the same answer: the services, the live planner, the pages, the API."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haven.core.clock import utc_today
from haven.core.errors import RuleViolation, ValidationFailed
from haven.encounters import rules, services
from haven.encounters.models import Consent, Interview
from haven.encounters.rules import ConsentState
from haven.encounters.sealing import seal_field
from tests.api.helpers import send

TAGS = ["female", "male", "adult", "minor", "us_citizen", "foreign_national"]


# --- the rules themselves (pure) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "minor"),
    [
        (["minor"], True),
        (["adult"], False),
        ([], True),
        (["female", "us_citizen"], True),
        (["adult", "male"], False),
    ],
)
def test_an_unknown_age_is_treated_as_a_minor(tags, minor):
    assert rules.treated_as_minor(tags) is minor


@given(st.lists(st.sampled_from(TAGS), unique=True))
def test_only_a_person_tagged_adult_alone_is_treated_as_an_adult(tags):
    assert rules.treated_as_minor(tags) == ("adult" not in tags or "minor" in tags)
    assert rules.age_unknown(tags) == ("adult" not in tags and "minor" not in tags)


TODAY = date(2026, 12, 7)


@pytest.mark.parametrize(
    ("given_on", "expires_on", "revoked", "state"),
    [
        (TODAY, TODAY + timedelta(days=30), False, ConsentState.ACTIVE),
        (TODAY + timedelta(days=1), TODAY + timedelta(days=30), False, ConsentState.NOT_YET_GIVEN),
        (TODAY - timedelta(days=30), TODAY - timedelta(days=1), False, ConsentState.EXPIRED),
        (TODAY - timedelta(days=30), TODAY, False, ConsentState.ACTIVE),  # its last day still releases
        (TODAY, TODAY + timedelta(days=30), True, ConsentState.REVOKED),
        (TODAY + timedelta(days=1), TODAY + timedelta(days=30), True, ConsentState.REVOKED),
    ],
)
def test_a_consents_state(given_on, expires_on, revoked, state):
    assert (
        rules.consent_state(given_on=given_on, expires_on=expires_on, revoked=revoked, today=TODAY) == state
    )


NORTHERN_LIGHT = [("adult", "investigator", "hsi"), ("minor", "forensic_interviewer", "county-cac")]


@pytest.mark.parametrize(
    ("entries", "tags", "role", "agency", "conducts"),
    [
        # the plan says adults are interviewed by HSI investigators: not by a prosecutor, not by the police
        (NORTHERN_LIGHT, ["adult"], "investigator", "hsi", True),
        (NORTHERN_LIGHT, ["adult"], "prosecutor", "county-da", False),
        (NORTHERN_LIGHT, ["adult"], "investigator", "metro-pd", False),
        (NORTHERN_LIGHT, ["adult"], "forensic_interviewer", "county-cac", False),
        # a minor, and a person whose age is not recorded, get the minors' entry
        (NORTHERN_LIGHT, ["minor"], "forensic_interviewer", "county-cac", True),
        (NORTHERN_LIGHT, ["female"], "forensic_interviewer", "county-cac", True),
        (NORTHERN_LIGHT, ["female"], "investigator", "hsi", False),
        # an entry without an agency allows any agency; two entries for one population allow either
        ([("adult", "prosecutor", None)], ["adult"], "prosecutor", "usao", True),
        (
            [("adult", "prosecutor", "county-da"), ("adult", "investigator", "hsi")],
            ["adult"],
            "investigator",
            "hsi",
            True,
        ),
        # no entry for the population: the rules alone decide (the readiness rule reports the gap)
        ([("minor", "forensic_interviewer", "county-cac")], ["adult"], "prosecutor", "county-da", True),
        ([], ["adult"], "prosecutor", "county-da", True),
        # entries for other populations do not bind the interviewer
        ([("female", "investigator", "hsi")], ["adult", "female"], "prosecutor", "county-da", True),
    ],
)
def test_who_conducts_the_interview_is_the_plans_entry_for_the_persons_population(
    entries, tags, role, agency, conducts
):
    conductors = rules.interview_conductors(entries, minor=rules.treated_as_minor(tags))
    assert rules.conducts(conductors, role=role, agency=agency) is conducts


def test_the_next_person_code():
    assert rules.next_person_code([]) == "P-001"
    assert rules.next_person_code(["P-002", "P-010", "X-99", "P-abc"]) == "P-011"


# --- the places that ask them ---------------------------------------------------------------------------


def _ready(care, register, **kwargs):
    person = register(**kwargs)
    care(person)
    return person


@pytest.mark.django_db
def test_a_person_of_unknown_age_is_interviewed_only_by_a_forensic_interviewer(
    register, care, persona, rooms, t0
):
    person = _ready(care, register, tags=("female", "foreign_national"))
    with pytest.raises(RuleViolation) as refused:
        services.interview_schedule(
            actor=persona("investigator"), person=person, interviewer=persona("federal_agent"),
            role="investigator", location=rooms, starts_at=t0 + timedelta(hours=2), minutes=60,
        )  # fmt: skip
    assert refused.value.rule == "interview.minor-forensic"
    assert not Interview.objects.exists()


@pytest.mark.django_db
def test_a_consent_for_a_person_of_unknown_age_names_a_guardian_or_the_legal_basis(register, persona):
    person = register(tags=("female",))
    with pytest.raises(ValidationFailed) as refused:
        services.consent_record(
            actor=persona("advocate"), person=person, recipient=persona("federal_agent").agency,
            items=["needs_details"], purpose="Plan the interview", in_writing=True, given_on=utc_today(),
            expires_on=utc_today() + timedelta(days=30),
        )  # fmt: skip
    assert {p.path for p in refused.value.problems} == {"guardian"}


@pytest.mark.django_db
def test_a_consent_given_on_a_later_day_is_refused_naming_the_field(register, persona):
    with pytest.raises(ValidationFailed) as refused:
        services.consent_record(
            actor=persona("advocate"), person=register(), recipient=persona("federal_agent").agency,
            items=["needs_details"], purpose="Plan the interview", in_writing=True,
            given_on=date(2099, 1, 1), expires_on=date(2099, 6, 1),
        )  # fmt: skip
    assert {p.path for p in refused.value.problems} == {"given_on"}
    assert not Consent.objects.exists()


@pytest.mark.django_db
def test_a_consent_given_before_the_year_2000_is_refused_by_the_service_naming_the_field(register, persona):
    with pytest.raises(ValidationFailed) as refused:
        services.consent_record(
            actor=persona("advocate"), person=register(), recipient=persona("federal_agent").agency,
            items=["needs_details"], purpose="Plan the interview", in_writing=True,
            given_on=date(1999, 12, 31), expires_on=date(2000, 6, 1),
        )  # fmt: skip
    assert {p.path for p in refused.value.problems} == {"given_on"}
    assert not Consent.objects.exists()


@pytest.mark.django_db
def test_an_interview_record_of_five_thousand_minutes_is_refused(register, care, persona, rooms, t0):
    person = _ready(care, register, tags=("female", "adult"))
    interview = services.interview_schedule(
        actor=persona("investigator"), person=person, interviewer=persona("federal_agent"),
        role="investigator", location=rooms, starts_at=t0 + timedelta(hours=2), minutes=60,
    )  # fmt: skip
    with pytest.raises(ValidationFailed) as refused:
        services.interview_conduct(
            actor=persona("federal_agent"), interview=interview, notes="Done", minutes=5000
        )
    assert {p.path for p in refused.value.problems} == {"minutes"}
    interview.refresh_from_db()
    assert interview.minutes == 60
    assert interview.status == "scheduled"


@pytest.mark.django_db
def test_a_moment_outside_the_years_2000_to_2100_is_refused_by_the_service_naming_the_field(
    register, care, persona, rooms
):
    # issue 13: ranges are enforced in the service, not only at the edges (forms, API, loader)
    person = _ready(care, register, tags=("female", "adult"))
    far = datetime(3000, 1, 1, 9, 0, tzinfo=UTC)
    with pytest.raises(ValidationFailed) as observation:
        services.observation_record(actor=persona("investigator"), person=person, text="Seen", at=far)
    assert {p.path for p in observation.value.problems} == {"at"}
    with pytest.raises(ValidationFailed) as interview:
        services.interview_schedule(
            actor=persona("investigator"), person=person, interviewer=persona("federal_agent"),
            role="investigator", location=rooms, starts_at=far.replace(year=1999), minutes=60,
        )  # fmt: skip
    assert {p.path for p in interview.value.problems} == {"starts_at"}
    assert not person.observations.exists()
    assert not Interview.objects.filter(person=person).exists()


@pytest.mark.django_db
def test_the_page_and_the_api_say_the_same_of_a_consent_dated_for_a_later_day(
    register, persona, client_for, operation
):
    person = register()
    # as a consent recorded before the services refused later days was stored
    advocate = persona("advocate")
    consent = Consent(
        person=person, recorded_by=advocate, agency=advocate.agency, recipient=persona("federal_agent").agency,
        releases_needs_details=True, in_writing=True, given_on=utc_today() + timedelta(days=3),
        expires_on=utc_today() + timedelta(days=60),
    )  # fmt: skip
    seal_field(consent, "purpose", advocate.agency_id, "Plan the interview")
    consent.save()
    client = client_for("advocate")
    page = client.get(f"/operations/{operation.code}/persons/{person.code}/").content.decode()
    assert f"Not yet given: from {consent.given_on:%Y-%m-%d}" in page
    assert "Active until" not in page
    api = send(client, "GET", f"/operations/{operation.code}/persons/{person.code}").json()
    states = [c["state"] for c in api["consents_recorded"]]
    assert states == ["not_yet_given"]
