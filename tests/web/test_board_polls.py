"""The board's poll answered before the session's user, second factor and policy are loaded
(haven/web/board_polls.py): a `304` in one query while the tag's seal holds, and the full path — the
session, the second factor, the policy — for anything an insider or a stale tag could change.

Each case below changes one thing a poll rests on, then polls with the tag that held a moment before: the
answer must be the full path's (a sign-in, a 404, a render), never the sealed 304.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.db import close_old_connections, connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from haven.accounts.models import Agency, Authenticator, Session, User
from haven.accounts.services import LAST_ACTIVITY, SIGNED_IN_AT
from haven.accounts.sessions import stored_key
from haven.audit.models import AuditRecord
from haven.encounters import board_log
from haven.encounters.models import BoardChange
from haven.encounters.selectors import board_changes
from haven.operations.models import Operation, OperationAgency, RecordHolder
from haven.web import views_encounters
from tests.access.matrix_encounters import Scenario, scenario
from tests.personas import make_user
from tests.web.test_board_polling import poll, rows_url

pytestmark = pytest.mark.django_db

rows = rows_url  # the board's live part, polled as the tests of the full path poll it (`poll`)


@pytest.fixture
def s(persona) -> Scenario:
    return scenario()


def sealed_tag(client: Client, s: Scenario) -> str:
    """The tag of a first poll (rendered), and a check that the next poll is answered in one query."""
    tag = poll(client, rows(s))["ETag"]
    with CaptureQueriesContext(connection) as queries:
        again = poll(client, rows(s), tag)
    assert (again.status_code, again["ETag"], len(queries)) == (304, tag, 1)
    return str(tag)


def queries_of(client: Client, url: str, tag: str) -> tuple[Any, int]:
    with CaptureQueriesContext(connection) as queries:
        response = poll(client, url, tag)
    return response, len(queries)


def test_a_sealed_poll_is_one_query_no_audit_event_and_no_user_loaded(s, client_for):
    client = client_for("investigator")
    with time_machine.travel(timezone.now().replace(second=5), tick=False):
        tag = sealed_tag(client, s)
        before = AuditRecord.objects.count()
        with CaptureQueriesContext(connection) as queries:
            answer = poll(client, rows(s), tag)
    assert answer.status_code == 304
    assert answer.content == b""
    assert "no-store" in answer["Cache-Control"]
    assert AuditRecord.objects.count() == before
    (query,) = queries.captured_queries
    assert "accounts_user" not in query["sql"]
    assert "set-cookie" not in {h.lower() for h in answer.headers}
    assert answer["X-Frame-Options"] == "DENY"  # the headers every answer carries


def _session_of(client: Client) -> Session:
    return Session.objects.get(session_key=stored_key(client.cookies[settings.SESSION_COOKIE_NAME].value))


def _edit_session(client: Client, **entries: float) -> None:
    store = client.session
    for name, value in entries.items():
        store[name] = value
    store.save()


def _insider_moves(s: Scenario, client: Client) -> dict[str, tuple[Callable[[], object], set[int]]]:
    """Each move, and the statuses the full path may answer after it (never the sealed 304)."""
    investigator = make_user("investigator")
    users = User.objects.filter(pk=investigator.pk)
    agency = Agency.objects.filter(pk=investigator.agency_id)
    past = timezone.now().timestamp() - settings.HAVEN_IDLE_TIMEOUT_SECONDS - 60
    long_ago = timezone.now().timestamp() - settings.HAVEN_ABSOLUTE_TIMEOUT_SECONDS - 60
    return {
        "signed out elsewhere": (lambda: _session_of(client).delete(), {302}),
        "session past its expiry date": (
            lambda: Session.objects.filter(pk=_session_of(client).pk).update(
                expire_date=timezone.now() - timedelta(seconds=1)
            ),
            {302},
        ),
        "30 minutes without activity": (lambda: _edit_session(client, **{LAST_ACTIVITY: past}), {302}),
        "12 hours since sign-in": (lambda: _edit_session(client, **{SIGNED_IN_AT: long_ago}), {302}),
        "account deactivated by update": (lambda: users.update(is_active=False), {302}),
        "password set by update": (lambda: users.update(password="!unusable"), {302}),
        "session epoch moved": (lambda: users.update(session_epoch=99), {302}),
        "must change password": (lambda: users.update(must_change_password=True), {302}),
        "coordinator role taken": (
            lambda: users.update(is_coordinator=not investigator.is_coordinator),
            {200},
        ),
        "agency deactivated by update": (lambda: agency.update(is_active=False), {302}),
        "second factor removed": (lambda: Authenticator.objects.filter(user=investigator).delete(), {302}),
        "second factor unconfirmed": (
            lambda: Authenticator.objects.filter(user=investigator).update(confirmed=False),
            {302},
        ),
        "agency dropped from the plan": (
            lambda: OperationAgency.objects.filter(
                operation=s.operation, agency_id=investigator.agency_id
            ).delete(),
            {200, 404},
        ),
        "record holders removed": (
            lambda: RecordHolder.objects.filter(operation=s.operation).delete(),
            {200, 404},
        ),
    }


MOVE_NAMES = [
    "signed out elsewhere",
    "session past its expiry date",
    "30 minutes without activity",
    "12 hours since sign-in",
    "account deactivated by update",
    "password set by update",
    "session epoch moved",
    "must change password",
    "coordinator role taken",
    "agency deactivated by update",
    "second factor removed",
    "second factor unconfirmed",
    "agency dropped from the plan",
    "record holders removed",
]


@pytest.mark.parametrize("move", MOVE_NAMES)
def test_a_change_to_what_a_poll_rests_on_sends_it_to_the_full_path(s, client_for, move):
    client = client_for("investigator")
    with time_machine.travel(timezone.now().replace(second=5), tick=False):
        tag = sealed_tag(client, s)
        moves = _insider_moves(s, client)
        assert set(moves) == set(MOVE_NAMES)  # every move is tested
        change, statuses = moves[move]
        change()
        answer, queries = queries_of(client, rows(s), tag)
    assert answer.status_code in statuses, (move, answer.status_code)
    assert queries > 1


@pytest.mark.parametrize(
    ("forged", "status"),
    [("another reader's tag", 200), ("a seal of our own", 304), ("no seal", 304), ("another session", 304)],
)
def test_a_tag_the_server_did_not_seal_for_this_session_gets_the_full_path(s, client_for, forged, status):
    """The full path decides: it renders for another reader's version, and answers 304 to this reader's
    own version whatever seal it carries (the same user's other session included)."""
    client = client_for("investigator")
    with time_machine.travel(timezone.now().replace(second=5), tick=False):
        tag = sealed_tag(client, s)
        version = tag.removeprefix("W/").strip('"').split(".")[0]
        tags = {
            "another reader's tag": sealed_tag(client_for("advocate"), s),
            "a seal of our own": f'W/"{version}.{"0" * 32}"',
            "no seal": f'W/"{version}"',
            "another session": tag,
        }
        reader = client_for("investigator") if forged == "another session" else client
        answer, queries = queries_of(reader, rows(s), tags[forged])
    assert answer.status_code == status
    assert queries > 1


def test_the_next_minute_a_change_or_other_filters_render(s, client_for):
    client = client_for("investigator")
    now = timezone.now().replace(second=5)
    with time_machine.travel(now, tick=False):
        tag = sealed_tag(client, s)
        assert poll(client, rows(s), tag, q="P-00").status_code == 200
    with time_machine.travel(now + timedelta(minutes=1), tick=False):
        later = poll(client, rows(s), tag)
    assert later.status_code == 200
    assert later["ETag"] != tag


def test_a_sign_in_attempt_logs_nothing_on_any_board(s, client_for):
    """The columns a sign-in writes (last login, failed attempts, the device's last code) change no board:
    an update that changes none of the logged columns logs nothing."""
    client_for("investigator")
    investigator = make_user("investigator")
    before = board_changes(s.operation)
    User.objects.filter(pk=investigator.pk).update(last_login=timezone.now(), failed_sign_ins=3)
    device = Authenticator.objects.get(user=investigator)
    device.last_t += 1
    device.save()
    investigator.save()  # every column written, none changed
    assert board_changes(s.operation) == before
    User.objects.filter(pk=investigator.pk).update(failed_sign_ins=0, locked_at=timezone.now())
    assert board_changes(s.operation) != before


@pytest.mark.parametrize(
    ("model", "logged", "not_logged"),
    [
        (User, board_log.USER_COLUMNS_0008, board_log.USER_COLUMNS_NOT_LOGGED),
        (Authenticator, board_log.AUTHENTICATOR_COLUMNS_0008, board_log.AUTHENTICATOR_COLUMNS_NOT_LOGGED),
    ],
)
def test_every_column_of_an_account_and_a_device_is_logged_or_said_not_to_be(model, logged, not_logged):
    """A column added later must be placed on one side: nothing passes by omission."""
    columns = {field.column for field in model._meta.concrete_fields}
    assert set(logged).isdisjoint(not_logged)
    assert set(logged) | set(not_logged) == columns


# --- a change that lands while the full path answers; an operation that takes another's code ------------


def _revoked_while_answering(s: Scenario, investigator: User) -> dict[str, tuple[Callable[[], object], int]]:
    """Moves an admin or a coordinator commits in the moment between the full path's access decision and
    the rest of its answer; the full path's status for the next poll."""
    return {
        "account deactivated": (
            lambda: User.objects.filter(pk=investigator.pk).update(is_active=False),
            302,
        ),
        "agency dropped from the plan": (
            lambda: OperationAgency.objects.filter(
                operation=s.operation, agency_id=investigator.agency_id
            ).delete(),
            404,
        ),
    }


@pytest.mark.parametrize("move", ["account deactivated", "agency dropped from the plan"])
def test_a_change_committed_while_the_full_path_answers_sends_the_next_poll_to_the_full_path(
    s, client_for, move
):
    """The seal must rest on change counts read before the access decision: a revocation that commits
    after the session's user and the standing were read, but before the counts were, is in the counts the
    answer was sealed with — the next poll would then be answered 304 for a reader the full path refuses."""
    client = client_for("investigator")
    investigator = make_user("investigator")
    change, status = _revoked_while_answering(s, investigator)[move]
    real = views_encounters.operation_for

    def decided_then_revoked(actor: User, code: str) -> Any:
        decided = real(actor, code)
        change()  # another request's transaction commits here
        return decided

    with time_machine.travel(timezone.now().replace(second=5), tick=False):
        with mock.patch.object(views_encounters, "operation_for", decided_then_revoked):
            tag = poll(client, rows(s))["ETag"]
        answer = poll(client, rows(s), tag)
    assert answer.status_code == status


def test_an_operation_that_takes_another_ones_code_does_not_answer_its_polls(s, client_for):
    """An operation removed and made again under its code (an exercise reset), or renamed and its code
    given to another, is another operation: a tag sealed for the first is not a 304 for the second, even
    when their boards have counted as many changes (the same exercise loaded again counts the same)."""
    client = client_for("investigator")
    with time_machine.travel(timezone.now().replace(second=5), tick=False):
        tag = sealed_tag(client, s)
        here, _ = board_changes(s.operation)
        code = s.operation.code
        Operation.objects.filter(pk=s.operation.pk).update(code="OLD-" + code[:20])
        other = Operation.objects.get(pk=s.operation.pk)
        other.pk, other.code = uuid.uuid4(), code
        other.save()  # no agency listed: the investigator's agency is not on it
        missing = here - board_changes(other)[0]
        BoardChange.objects.bulk_create([BoardChange(operation_id=other.pk) for _ in range(missing)])
        assert board_changes(other)[0] == here
        answer = poll(client, rows(s), tag)
    assert answer.status_code == 404


def test_two_operations_never_share_a_version_for_one_reader_whatever_their_counts(s):
    """The full path's own version names the operation: an operation that took another's code, with as many
    changes counted, is another board (the full path's 304 included)."""
    from haven.encounters.selectors import board_version
    from haven.operations.selectors import operation_for

    investigator = make_user("investigator")
    operation, standing = operation_for(investigator, s.operation.code)
    again = Operation.objects.get(pk=operation.pk)
    again.pk = uuid.uuid4()  # the same operation's row under another id: only the id differs
    now = timezone.now()
    versions = {
        board_version(investigator, standing, board, via="web", now=now, changes=(7, 7))
        for board in (operation, again)
    }
    assert len(versions) == 2


@pytest.mark.django_db(transaction=True)
def test_a_sealed_poll_is_its_own_check_of_a_kept_connection(client_for, monkeypatch):
    """No `SELECT 1` of Django's health check before the poll's query: one round trip to the database."""
    s = scenario()
    client = client_for("investigator")
    with time_machine.travel(timezone.now().replace(second=5), tick=False):
        tag = poll(client, rows(s))["ETag"]
        checks: list[object] = []
        wrapper = type(connections["default"])
        is_usable = wrapper.is_usable

        def counted(self):  # type: ignore[no-untyped-def]
            checks.append(self)
            return is_usable(self)

        monkeypatch.setattr(wrapper, "is_usable", counted)
        close_old_connections()  # as a server does as each request starts (the test client does not)
        answer = poll(client, rows(s), tag)
    assert answer.status_code == 304
    assert checks == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a server that drops a kept connection")
@pytest.mark.django_db(transaction=True)
def test_a_poll_on_a_kept_connection_the_server_dropped_is_answered_on_a_new_one(client_for):
    s = scenario()
    client = client_for("investigator")
    with time_machine.travel(timezone.now().replace(second=5), tick=False):
        tag = poll(client, rows(s))["ETag"]
        assert poll(client, rows(s), tag).status_code == 304
        kept = connection.connection.info.backend_pid
        other = connections.create_connection("default")
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [kept])
        other.close()
        # what a server does as each request starts (Django's test client leaves it out): the kept
        # connection is to be checked again before its first use
        close_old_connections()
        answer = poll(client, rows(s), tag)
    assert answer.status_code == 304
    assert connection.connection.info.backend_pid != kept
