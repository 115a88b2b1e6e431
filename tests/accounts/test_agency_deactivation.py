"""Deactivating an agency ends every session of its users at once and refuses their sign-in (issue 12);
activating it again lets them sign in again. Their records stay."""

from __future__ import annotations

import pytest
from django.test import Client

from haven.accounts import services
from haven.audit.models import AuditRecord
from tests.personas import PASSWORD, make_user, sign_in

pytestmark = pytest.mark.django_db


def test_deactivating_an_agency_ends_its_users_sessions_at_once(client_for, persona):
    web = client_for("advocate")
    api = client_for("advocate")
    colleague_elsewhere = client_for("investigator")
    assert web.get("/").status_code == 200
    services.agency_update(actor=make_user("admin"), agency=persona("advocate").agency, is_active=False)
    assert web.get("/")["Location"].startswith("/sign-in/")
    assert api.get("/api/v1/operations").status_code == 401
    assert colleague_elsewhere.get("/").status_code == 200  # another agency's users are untouched


def test_a_deactivated_agencys_users_cannot_sign_in_and_hear_what_a_wrong_password_hears(persona):
    advocate = persona("advocate")
    services.agency_update(actor=make_user("admin"), agency=advocate.agency, is_active=False)
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
    admin = make_user("admin")
    services.agency_update(actor=admin, agency=advocate.agency, is_active=False)
    services.agency_update(actor=admin, agency=advocate.agency, is_active=True)
    sign_in(Client(), advocate)  # asserts each step succeeds


def _message(response) -> bytes:
    """The error block of the sign-in page (everything else differs: the typed username)."""
    content = response.content
    start = content.find(b'role="alert"')
    assert start >= 0, "the sign-in page shows no error"
    return content[start : content.find(b"</", start)]
