"""A hypothesis state machine over consents: record, revoke, let time pass, read as each persona.

Invariant: what the recipient agency can read of a person's provider records equals the union of the
items of its active consents — no more, no less — and nobody else gains anything by them.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from haven.encounters import services
from haven.encounters.selectors import person_view
from haven.operations.selectors import standing
from tests.operations.fixtures import make_operation
from tests.personas import make_user

START = date(2026, 12, 3)
MARK = {
    "needs_details": "SM-NEEDS-3141",
    "safety_plan": "SM-SAFETY-2718",
    "services": "SM-SERVICE-1618",
    "contact": "SM-CONTACT-1414",
}
READERS = ("federal_agent", "investigator", "other_provider", "attorney")


class ConsentMachine(RuleBasedStateMachine):
    @initialize()
    def set_up(self) -> None:
        # each example runs in a savepoint of the test's transaction, rolled back in teardown
        self.savepoint = transaction.atomic()
        self.savepoint.__enter__()
        for key in ("investigator", "federal_agent", "advocate", "other_provider", "attorney"):
            make_user(key)
        self.traveller = time_machine.travel(f"{START.isoformat()}T12:00:00+00:00", tick=False)
        self.traveller.start()
        self.today = START
        operation = make_operation(starts_in=-timedelta(hours=4))
        self.advocate = make_user("advocate")
        self.person = services.person_register(
            actor=make_user("investigator"), operation=operation, code="P-001", tags=["female", "adult"]
        )
        services.needs_assessment_record(
            actor=self.advocate, person=self.person, medical=MARK["needs_details"]
        )
        services.victim_service_record(
            actor=self.advocate, person=self.person, kind="safety_plan", text=MARK["safety_plan"]
        )
        services.victim_service_record(
            actor=self.advocate,
            person=self.person,
            kind="service",
            service_kind="food",
            service_status="provided",
            text=MARK["services"],
        )
        services.victim_service_record(
            actor=self.advocate, person=self.person, kind="contact", text=MARK["contact"]
        )
        self.consents: list[
            tuple[object, str, frozenset[str], date]
        ] = []  # (consent, recipient, items, expiry)
        self.revoked: set[object] = set()

    def teardown(self) -> None:
        if hasattr(self, "traveller"):
            self.traveller.stop()
        if hasattr(self, "savepoint"):
            transaction.set_rollback(True)
            self.savepoint.__exit__(None, None, None)

    @rule(
        recipient=st.sampled_from(["federal_agent", "federal_agent", "investigator", "other_provider"]),
        items=st.sets(st.sampled_from(sorted(MARK)), min_size=1),
        days=st.integers(min_value=1, max_value=60),
    )
    def record(self, recipient: str, items: set[str], days: int) -> None:
        expiry = self.today + timedelta(days=days)
        consent = services.consent_record(
            actor=self.advocate,
            person=self.person,
            recipient=make_user(recipient).agency,
            items=sorted(items),
            purpose="Coordinate care",
            in_writing=True,
            given_on=self.today,
            expires_on=expiry,
        )
        self.consents.append((consent, recipient, frozenset(items), expiry))

    @precondition(lambda self: any(c not in self.revoked for c, *_ in self.consents))
    @rule(data=st.data())
    def revoke(self, data: st.DataObject) -> None:
        live = [c for c, *_ in self.consents if c not in self.revoked]
        consent = data.draw(st.sampled_from(live))
        services.consent_revoke(actor=self.advocate, consent=consent, orally=data.draw(st.booleans()))
        self.revoked.add(consent)

    @rule(days=st.integers(min_value=1, max_value=30))
    def time_passes(self, days: int) -> None:
        self.today += timedelta(days=days)
        self.traveller.stop()
        self.traveller = time_machine.travel(f"{self.today.isoformat()}T12:00:00+00:00", tick=False)
        self.traveller.start()

    @invariant()
    def readers_see_exactly_their_active_consents(self) -> None:
        if not hasattr(self, "person"):
            return
        for reader in READERS:
            actor = make_user(reader)
            view = person_view(actor, standing(actor, self.person.operation), self.person)
            seen = repr(view)
            expected = set()
            for consent, recipient, items, expiry in self.consents:
                if recipient == reader and consent not in self.revoked and self.today <= expiry:
                    expected |= items
            visible = {item for item, marker in MARK.items() if marker in seen}
            assert visible == expected, f"{reader} on {self.today}: sees {visible}, consents give {expected}"


@pytest.mark.django_db
def test_recipient_reads_exactly_the_union_of_its_active_consents() -> None:
    run_state_machine_as_test(
        ConsentMachine,
        settings=settings(
            max_examples=12,
            stateful_step_count=8,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
