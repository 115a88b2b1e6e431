"""Session lifetime: 30 minutes idle, 12 hours absolute, and sign-out or disabling ends every session."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from haven.accounts.models import User
from haven.audit.models import AuditRecord
from tests.personas import sign_in

pytestmark = pytest.mark.django_db

AUTO = {f"HTTP_{settings.HAVEN_AUTO_REFRESH_HEADER.upper().replace('-', '_')}": "1"}


def _signed_in_at(start, persona) -> tuple[Client, User]:
    user = persona("investigator")
    client = Client()
    with time_machine.travel(start, tick=False):
        sign_in(client, user)
    return client, user


@pytest.mark.parametrize(
    ("idle", "still_signed_in"), [(timedelta(minutes=29, seconds=59), True), (timedelta(minutes=30), False)]
)
def test_idle_session_ends_at_thirty_minutes(persona, idle, still_signed_in):
    start = timezone.now()
    client, user = _signed_in_at(start, persona)
    with time_machine.travel(start + idle, tick=False):
        response = client.get("/", REMOTE_ADDR="10.9.9.9")
    assert (response.status_code == 200) is still_signed_in
    if not still_signed_in:
        assert response["Location"].startswith("/sign-in/")
        expired = AuditRecord.objects.get(event_type="session.expired", target_id=str(user.pk))
        assert expired.client_address == "10.9.9.9"  # from where, as every event says


def test_automatic_refresh_is_not_activity(persona):
    start = timezone.now()
    client, _ = _signed_in_at(start, persona)
    with time_machine.travel(start + timedelta(minutes=20), tick=False):
        assert client.get("/", **AUTO).status_code == 200
    with time_machine.travel(start + timedelta(minutes=30), tick=False):
        assert client.get("/").status_code == 302


def test_real_activity_keeps_the_session_alive(persona):
    start = timezone.now()
    client, _ = _signed_in_at(start, persona)
    with time_machine.travel(start + timedelta(minutes=20), tick=False):
        assert client.get("/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=45), tick=False):
        assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    ("age", "still_signed_in"), [(timedelta(hours=11, minutes=59), True), (timedelta(hours=12), False)]
)
def test_session_ends_twelve_hours_after_sign_in_however_active(persona, age, still_signed_in):
    start = timezone.now()
    client, _ = _signed_in_at(start, persona)
    moment = start
    # active every 20 minutes up to one minute before the age under test
    while moment + timedelta(minutes=20) < start + age:
        moment += timedelta(minutes=20)
        with time_machine.travel(moment, tick=False):
            assert client.get("/").status_code == 200
    with time_machine.travel(start + age, tick=False):
        response = client.get("/")
    assert (response.status_code == 200) is still_signed_in


def test_a_cookie_replayed_after_sign_out_is_refused(persona):
    user = persona("investigator")
    client = Client()
    sign_in(client, user)
    stolen = client.cookies["sessionid"].value
    other_device = Client()
    sign_in(other_device, user)
    assert client.post("/sign-out/").status_code == 302
    replay = Client()
    replay.cookies["sessionid"] = stolen
    assert replay.get("/").status_code == 302
    assert replay.get("/")["Location"].startswith("/sign-in/")
    # signing out ended the other device's session too
    assert other_device.get("/").status_code == 302


def test_a_cookie_replayed_after_the_account_was_disabled_is_refused(persona, client_for):
    user = persona("investigator")
    client = Client()
    sign_in(client, user)
    stolen = client.cookies["sessionid"].value
    admin = client_for("admin")
    assert admin.post(f"/manage/users/{user.pk}/disable/").status_code == 302
    replay = Client()
    replay.cookies["sessionid"] = stolen
    assert replay.get("/").status_code == 302
    user.refresh_from_db()
    assert not user.is_active
    assert AuditRecord.objects.filter(event_type="account.disabled", target_id=str(user.pk)).exists()


def test_an_expired_htmx_request_is_told_where_to_sign_in(persona):
    start = timezone.now()
    client, _ = _signed_in_at(start, persona)
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        response = client.get("/", HTTP_HX_REQUEST="true")
    assert response.status_code == 401
    assert response["HX-Redirect"].startswith("/sign-in/")
