"""A copy of the database is not a way in (issue 12): the session keys and the second-factor secrets it
holds cannot be used to sign in.

Someone who copies the database file, a dump or a backup gets the session table and the authenticator
table. The session table keeps only a keyed hash of each session key, so no cookie can be made from it;
each authenticator's TOTP secret is sealed under a key derived from the key-encryption key, which is not
in the database, so no code can be computed from it.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from importlib import import_module

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from tests.database_copy import database_copy_bytes
from tests.personas import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def _session_model():
    return import_module(settings.SESSION_ENGINE).SessionStore.get_model_class()


def _session_rows() -> list[tuple[str, str, object]]:
    """The session table as a copy of the database holds it: (stored key, data, expiry)."""
    model = _session_model()
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT session_key, session_data, expire_date FROM {table}")
        return list(cursor.fetchall())


def _is_signed_in(client: Client) -> bool:
    response = client.get("/")
    return response.status_code == 200


def test_a_session_key_copied_from_the_database_does_not_sign_in(persona):
    # given an attorney signed in (password and code)
    attorney = persona("attorney")
    client = Client()
    sign_in(client, attorney)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert _is_signed_in(client)
    # when someone copies the database and replays every stored session key as the cookie
    rows = _session_rows()
    assert rows, "the signed-in session is stored in the database"
    copy = database_copy_bytes()
    # then the cookie's value is nowhere in the copy, and no stored key signs in
    assert cookie.encode() not in copy
    for stored_key, _data, _expiry in rows:
        replay = Client()
        replay.cookies[settings.SESSION_COOKIE_NAME] = stored_key
        response = replay.get("/")
        assert response.status_code == 302
        assert response["Location"].startswith("/sign-in/")
    # and the real session is untouched
    assert _is_signed_in(client)


def test_a_session_row_written_under_a_chosen_key_does_not_sign_in(persona):
    """Someone who can write to the database (but holds no secret key) copies a signed-in session's data
    into a row of their own, under a key they chose, stored plain or as its SHA-256: it does not open."""
    attorney = persona("attorney")
    client = Client()
    sign_in(client, attorney)
    ((_stored, data, _expiry),) = _session_rows()
    expiry = timezone.now() + timedelta(hours=1)
    chosen = "chosenbyanintruder0123456789abcd"
    model = _session_model()
    for stored_as in (chosen, hashlib.sha256(chosen.encode()).hexdigest()):
        model.objects.create(session_key=stored_as, session_data=data, expire_date=expiry)
        replay = Client()
        replay.cookies[settings.SESSION_COOKIE_NAME] = chosen
        assert not _is_signed_in(replay), f"a row stored under {stored_as!r} signed in"
        model.objects.filter(session_key=stored_as).delete()
