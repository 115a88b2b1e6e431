"""The consent rules of access-policy.md, each refused, and the valid consent accepted."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from haven.core.errors import Forbidden, NotFound, RuleViolation, ValidationFailed
from haven.encounters import services

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 3)


def _consent(persona, person, *, who="advocate", recipient="federal_agent", **changes):
    fields = {
        "items": ["needs_details"],
        "purpose": "Plan the interview",
        "in_writing": True,
        "given_on": TODAY,
        "expires_on": TODAY + timedelta(days=180),
    }
    fields.update(changes)
    return services.consent_record(
        actor=persona(who), person=person, recipient=persona(recipient).agency, **fields
    )


def test_a_valid_consent_is_recorded(register, persona):
    consent = _consent(persona, register())
    assert consent.items == ["needs_details"]


def test_the_recipient_can_never_record_it(register, persona):
    person = register()
    with pytest.raises(Forbidden):
        _consent(persona, person, who="federal_agent")
    with pytest.raises(RuleViolation, match="recording it as its recipient"):
        _consent(persona, person, recipient="advocate")


def test_attorney_notes_can_never_be_released(register, persona):
    with pytest.raises(RuleViolation) as refused:
        _consent(persona, register(), items=["needs_details", "attorney_notes"])
    assert refused.value.rule == "consent.attorney-notes"


def test_a_consent_is_in_writing(register, persona):
    with pytest.raises(RuleViolation) as refused:
        _consent(persona, register(), in_writing=False)
    assert refused.value.rule == "consent.in-writing"


@pytest.mark.parametrize(("days", "accepted"), [(365, True), (366, False)])
def test_a_consent_expires_at_most_a_year_later(register, persona, days, accepted):
    person = register()
    if accepted:
        assert _consent(persona, person, expires_on=TODAY + timedelta(days=days)).pk
    else:
        with pytest.raises(ValidationFailed) as refused:
            _consent(persona, person, expires_on=TODAY + timedelta(days=days))
        assert refused.value.problems[0].path == "expires_on"


def test_a_minors_consent_names_a_guardian_or_the_legal_basis(register, persona):
    minor = register("P-005", tags=("female", "minor"))
    with pytest.raises(ValidationFailed) as refused:
        _consent(persona, minor)
    assert refused.value.problems[0].path == "guardian"
    assert _consent(persona, minor, guardian="Aunt, legal guardian").pk
    assert _consent(persona, minor, minor_may_consent="State law lets a 16-year-old consent to services").pk


def test_the_recipient_is_an_agency_on_the_operation(register, persona):
    with pytest.raises(ValidationFailed) as refused:
        _consent(persona, register(), recipient="outsider")
    assert refused.value.problems[0].path == "recipient"


def test_only_the_recording_provider_revokes_it(register, persona):
    consent = _consent(persona, register())
    with pytest.raises(NotFound):
        services.consent_revoke(actor=persona("other_provider"), consent=consent)
    services.consent_revoke(
        actor=persona("advocate"), consent=consent, orally=True, at=datetime(2026, 12, 4, 9, tzinfo=UTC)
    )
    consent.refresh_from_db()
    assert consent.revoked_orally
    assert consent.revoked_at is not None
