"""A new account's first sign-in (issue 12, "Admins manage accounts, never reach case content").

An admin who creates an account knows its first password. So that the admin never holds a way into the
account, the first sign-in forces a new password before anything else, and the second-factor secret is
created and shown only after that; each start of enrolment replaces an unconfirmed authenticator, so a
secret seen by whoever knew the first password is never the one that gets confirmed.
"""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP

from haven.accounts import services
from haven.accounts.models import Authenticator, User
from haven.audit.models import AuditRecord
from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db

FIRST_PASSWORD = "first password the admin chose 1"
NEW_PASSWORD = "only the new colleague knows this 2"


def _created_by_admin(persona) -> User:
    admin = persona("admin")
    return services.user_create(
        actor=admin,
        username="nia.newcomer",
        name="Nia Newcomer",
        agency=admin.agency,  # an admin creates accounts in their own agency
        password=FIRST_PASSWORD,
    )


def _password_step(client: Client, user: User, password: str):
    return client.post("/sign-in/", {"username": user.username, "password": password})


def _change_password(client: Client, current: str, new: str):
    return client.post(
        "/account/password/",
        {"current_password": current, "new_password": new, "new_password_again": new},
    )


def _code(secret: bytes) -> str:
    return f"{TOTP(secret).token():06d}"


def _shown_secret(page: str) -> bytes:
    found = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page)
    assert found is not None, "the enrolment page shows the secret"
    return base64.b32decode(found.group(1).replace(" ", ""))


def test_an_account_an_admin_created_must_change_its_password_before_anything_else(persona):
    user = _created_by_admin(persona)
    assert user.must_change_password
    client = Client()
    # the first password is right, and leads to the password page, not to the second factor
    response = _password_step(client, user, FIRST_PASSWORD)
    assert response["Location"] == "/account/password/"
    # every other page, enrolment included, sends the person back there; no secret is made
    for path in ("/", "/sign-in/enrol/", "/sign-in/code/", "/audit/", "/manage/users/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/account/password/", path
    assert not Authenticator.objects.filter(user=user).exists()
    api = client.get("/api/v1/session")
    assert api.status_code == 401
    assert api.json()["code"] == "password_change_required"
    # the password page itself is there, and says why
    page = client.get("/account/password/")
    assert page.status_code == 200
    assert "An administrator set your first password" in page.content.decode()


def test_after_the_change_the_authenticator_is_set_up_with_a_secret_made_after_it(persona):
    user = _created_by_admin(persona)
    client = Client()
    _password_step(client, user, FIRST_PASSWORD)
    # when the person changes the password
    response = _change_password(client, FIRST_PASSWORD, NEW_PASSWORD)
    assert response["Location"] == "/sign-in/"
    user.refresh_from_db()
    assert not user.must_change_password
    assert AuditRecord.objects.filter(event_type="account.password_changed", target_id=str(user.pk)).exists()
    # the first password no longer signs in; the new one leads to enrolment
    assert _password_step(Client(), user, FIRST_PASSWORD).status_code == 200
    client = Client()
    assert _password_step(client, user, NEW_PASSWORD)["Location"] == "/sign-in/enrol/"
    secret = _shown_secret(client.get("/sign-in/enrol/").content.decode())
    confirmed = client.post("/sign-in/enrol/", {"code": _code(secret)})
    assert confirmed["Location"] == "/"
    assert client.get("/").status_code == 200


def test_the_new_password_must_differ_from_the_first(persona):
    user = _created_by_admin(persona)
    client = Client()
    _password_step(client, user, FIRST_PASSWORD)
    response = _change_password(client, FIRST_PASSWORD, FIRST_PASSWORD)
    assert response.status_code == 200
    assert "must differ from your current password" in response.content.decode()
    user.refresh_from_db()
    assert user.must_change_password


def test_a_secret_seen_at_an_earlier_enrolment_is_never_the_one_confirmed(persona):
    # given an account without an authenticator (reset by an admin), whose password someone else knows
    user = persona("advocate")
    Authenticator.objects.filter(user=user).delete()
    onlooker = Client()
    _password_step(onlooker, user, PASSWORD)
    seen = _shown_secret(onlooker.get("/sign-in/enrol/").content.decode())
    # when the person signs in and enrolment starts for them
    person = Client()
    _password_step(person, user, PASSWORD)
    shown = _shown_secret(person.get("/sign-in/enrol/").content.decode())
    # then their secret is a new one and the earlier one is gone
    assert shown != seen
    assert [d.bin_key for d in Authenticator.objects.filter(user=user)] == [shown]
    # a code from the secret the onlooker saw confirms nothing, in their session or in the person's
    onlooker.post("/sign-in/enrol/", {"code": _code(seen)})
    with time_machine.travel(timezone.now() + timedelta(seconds=5), tick=False):
        assert person.post("/sign-in/enrol/", {"code": _code(seen)}).status_code == 200
    assert not Authenticator.objects.filter(user=user, confirmed=True).exists()
    # and the person confirms theirs
    with time_machine.travel(timezone.now() + timedelta(seconds=15), tick=False):
        assert person.post("/sign-in/enrol/", {"code": _code(shown)})["Location"] == "/"
    assert Authenticator.objects.get(user=user, confirmed=True).bin_key == shown


def test_a_reload_or_a_stray_request_keeps_the_secret_being_enrolled(persona):
    """Browsers fetch a page again for its icon (a request the second-factor check redirects to the
    enrolment page): the secret the person is scanning must stay the same."""
    user = persona("advocate")
    Authenticator.objects.filter(user=user).delete()
    client = Client()
    _password_step(client, user, PASSWORD)
    shown = _shown_secret(client.get("/sign-in/enrol/").content.decode())
    client.get("/favicon.ico", follow=True)
    assert _shown_secret(client.get("/sign-in/enrol/").content.decode()) == shown
    assert client.post("/sign-in/enrol/", {"code": _code(shown)})["Location"] == "/"


def test_accounts_the_server_sets_up_need_no_change(persona):
    """The exercise loader and the demo create accounts whose passwords are published in the exercise
    file (actor None, the server's own set-up): they sign in straight away."""
    assert not persona("investigator").must_change_password


def test_a_password_an_admin_sets_on_an_existing_account_must_be_changed_too(persona):
    user = persona("investigator")
    services.user_set_password(actor=persona("admin"), user=user, password=FIRST_PASSWORD)
    user.refresh_from_db()
    assert user.must_change_password
    assert _password_step(Client(), user, FIRST_PASSWORD)["Location"] == "/account/password/"
