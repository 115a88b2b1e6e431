"""Sign-in under pressure (issue 12): anonymous attempts throttled per client address before Argon2 runs;
wrong current passwords on the password page count toward the lockout; a lock ends the account's
sessions; the session key changes at the second-factor step as at the password step."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.test import Client, override_settings
from django.utils import timezone

from haven.accounts import services
from haven.audit.models import AuditRecord
from tests.personas import PASSWORD, current_code

pytestmark = pytest.mark.django_db

WRONG = "not the password 123"


def _attempt(client: Client, username: str, password: str = WRONG, address: str = "198.51.100.7"):
    return client.post("/sign-in/", {"username": username, "password": password}, REMOTE_ADDR=address)


@override_settings(HAVEN_SIGN_IN_ATTEMPTS_PER_MINUTE=3)
def test_sign_in_attempts_from_one_address_are_throttled_before_any_password_is_checked(persona):
    user = persona("investigator")
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(3):
            assert _attempt(client, "no.such.user").status_code == 200
        with mock.patch.object(services, "authenticate", wraps=services.authenticate) as checked:
            refused = _attempt(client, user.username, PASSWORD)
            assert checked.call_count == 0  # no password hashing for a throttled attempt
        assert refused.status_code == 429
        assert 0 < int(refused["Retry-After"]) <= 60
        assert "Too many sign-in attempts" in refused.content.decode()
        # another address is not held back
        assert _attempt(Client(), user.username, PASSWORD, address="203.0.113.9").status_code == 302
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert _attempt(client, user.username, PASSWORD).status_code == 302
    throttled = AuditRecord.objects.filter(event_type="sign_in.throttled")
    assert throttled.count() == 1  # recorded once when it engages, not for every refused attempt
    assert throttled.get().client_address == "198.51.100.7"


def test_wrong_current_passwords_on_the_password_page_count_toward_the_lock(persona, client_for):
    client = client_for("investigator")
    form = {
        "current_password": WRONG,
        "new_password": "meadow kettle orbit 81",
        "new_password_again": "meadow kettle orbit 81",
    }
    for _ in range(4):
        response = client.post("/account/password/", form)
        assert response.status_code == 200
        assert "This is not your current password." in response.content.decode()
    assert (
        AuditRecord.objects.filter(
            event_type="account.password_change_refused", actor_label="ivy.investigator", outcome="failure"
        ).count()
        == 4
    )
    client.post("/account/password/", form)
    user = persona("investigator")
    user.refresh_from_db()
    assert user.is_locked
    assert client.get("/")["Location"].startswith("/sign-in/")  # the lock ended the session
    assert user.check_password(PASSWORD)


def test_a_lock_ends_the_accounts_open_sessions(persona, client_for):
    signed_in = client_for("investigator")
    assert signed_in.get("/").status_code == 200
    for _ in range(5):
        _attempt(Client(), "ivy.investigator")
    user = persona("investigator")
    user.refresh_from_db()
    assert user.is_locked
    assert signed_in.get("/")["Location"].startswith("/sign-in/")


def test_the_session_key_changes_at_the_second_factor_step(persona):
    user = persona("investigator")
    client = Client()
    client.post("/sign-in/", {"username": user.username, "password": PASSWORD})
    after_password = client.cookies["sessionid"].value
    response = client.post("/sign-in/code/", {"code": current_code(user)})
    assert response.status_code == 302
    after_code = client.cookies["sessionid"].value
    assert after_code != after_password
    # the key seen before the second factor no longer opens anything
    stale = Client()
    stale.cookies["sessionid"] = after_password
    assert stale.get("/")["Location"].startswith("/sign-in/")
    assert client.get("/").status_code == 200


def test_a_sign_in_the_audit_trail_cannot_record_never_happens(persona, monkeypatch):
    """Every sign-in is recorded: when the audit trail cannot be written (its key missing after a restore
    without the key backup), the sign-in is refused in words (503) and leaves no session behind."""
    from haven.audit import services as audit

    user = persona("investigator")

    def broken(_: str) -> None:
        raise audit.AuditChainBroken("the audit chain is linked under another audit key")

    monkeypatch.setattr(audit, "_key_for", broken)
    client = Client()
    refused = client.post("/sign-in/", {"username": user.username, "password": PASSWORD})
    assert refused.status_code == 503
    assert "Haven cannot write to its audit trail on this server" in refused.content.decode()
    assert client.get("/sign-in/code/")["Location"].startswith("/sign-in/")  # not signed in at all
    api = client.get("/api/v1/operations")
    assert api.status_code == 401
