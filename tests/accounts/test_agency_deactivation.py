"""Deactivating an agency ends every session of its users at once and refuses their sign-in (issue 12);
activating it again lets them sign in again. Their records stay."""

from __future__ import annotations

import pytest
from django.test import Client

from haven.accounts import services
from haven.audit.models import AuditRecord
from tests.personas import PASSWORD, sign_in

pytestmark = pytest.mark.django_db


def _admin_of(agency):
    """The agency's own admin: an admin changes their own agency only (another agency takes two admins)."""
    return services.user_create(
        actor=None, username="hal.harboradmin", name="Hal Harboradmin", agency=agency, password=PASSWORD,
        roles=["admin"],
    )  # fmt: skip


def test_deactivating_an_agency_ends_its_users_sessions_at_once(client_for, persona):
    web = client_for("advocate")
    api = client_for("advocate")
    colleague_elsewhere = client_for("investigator")
    assert web.get("/").status_code == 200
    services.agency_update(
        actor=_admin_of(persona("advocate").agency), agency=persona("advocate").agency, is_active=False
    )
    assert web.get("/")["Location"].startswith("/sign-in/")
    assert api.get("/api/v1/operations").status_code == 401
    assert colleague_elsewhere.get("/").status_code == 200  # another agency's users are untouched


def test_a_deactivated_agencys_users_cannot_sign_in_and_hear_what_a_wrong_password_hears(persona):
    advocate = persona("advocate")
    services.agency_update(actor=_admin_of(advocate.agency), agency=advocate.agency, is_active=False)
    refused = Client().post("/sign-in/", {"username": advocate.username, "password": PASSWORD})
    wrong = Client().post(
        "/sign-in/", {"username": persona("investigator").username, "password": "not it 12345"}
    )
    assert refused.status_code == wrong.status_code == 200
    assert _message(refused) == _message(wrong)
    assert AuditRecord.objects.filter(
        event_type="sign_in.failed", actor_label=advocate.username, outcome="failure"
    ).exists()


def test_activating_the_agency_again_lets_its_users_sign_in(persona):
    advocate = persona("advocate")
    admin = _admin_of(advocate.agency)
    services.agency_update(actor=admin, agency=advocate.agency, is_active=False)
    services.agency_update(actor=admin, agency=advocate.agency, is_active=True)
    sign_in(Client(), advocate)  # asserts each step succeeds


def _message(response) -> bytes:
    """The error block of the sign-in page (everything else differs: the typed username)."""
    content = response.content
    start = content.find(b'role="alert"')
    assert start >= 0, "the sign-in page shows no error"
    return content[start : content.find(b"</", start)]
