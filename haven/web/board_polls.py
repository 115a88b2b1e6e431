"""The board's 15-second poll, answered `304` before the session's user, second factor and the policy are
loaded, when the poll's tag proves that nothing it rests on has changed since the full path answered it.

Every render of the board's live part — and every 304 the full path answers — carries a tag
`<version>.<seal>` (`polling.sealed`): the version is the reader's (`selectors.board_version`), and the seal
is a keyed hash (HMAC-SHA256 under the secret key) of what that answer rested on: the session (its key,
its user, the user's session hash, its second-factor device), the operation's code, the filters, the
readiness limit, the minute, and the board's two change counts. Those counts move with every change the
database logs (haven/encounters/board_log.py): every record the board shows, and everything a reader's
access rests on — each account's activity, agency, roles, password and session epoch, second-factor
devices, agencies, the operation, the plan's listing of agencies and the record holders.

So a poll whose seal still holds — same session, still within its lifetime (`lifetime_ended`, the
middleware's rule) and unexpired, same minute, nothing logged — would get the same 304 from the full path:
the one query here answers it. Anything else (no session, another session's tag, a change anywhere, the
next minute, a malformed tag) falls through to the full path, which decides as it always does: the session
and the second factor, the policy (a hidden operation's NotFound), the 304 or a render, audited.

One query: the session's row, and the operation's id and change counts. No audit event, as for any 304.

**The counts a seal rests on are read before the session's user and the policy.** The same query runs for
every GET of the board and of its rows, here, before authentication; the full path seals its answer with
those counts (`counted_before`), never with counts read after its access decision: a revocation that
commits between the decision and a later count would be in the counts while the answer rested on the
access it took away, and the next poll would be answered 304 for a reader the full path refuses. An answer
without counts read here (a form's page drawn again after a POST) carries its bare version: its next poll
takes the full path. The operation's id is sealed too: an operation that takes another's code (an
exercise reset, a code given again) is another board, whatever its counts.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import InterfaceError, OperationalError, connections, router
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.http import parse_etags
from django_otp import DEVICE_ID_SESSION_KEY

from haven.accounts.middleware import is_auto_refresh, lifetime_ended
from haven.accounts.models import Session
from haven.accounts.sessions import SessionStore, stored_key
from haven.encounters import board_log
from haven.encounters.polling import not_modified, sealed, unsealed
from haven.encounters.selectors import BOARD_SEARCH_MAX
from haven.encounters.stages import Stage
from haven.operations.models import Operation
from haven.operations.services import readiness_policy

#: the session's entries a seal rests on: its user and the backend that loads it, the user's session hash
#: (password, epoch, activity), its second-factor device — named by Django's and django-otp's constants
_SESSION_ENTRIES = (SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY, DEVICE_ID_SESSION_KEY)
#: the views whose answers carry a sealed tag: the board's page and its live part
_SEALED_VIEWS = ("web:board", "web:board-rows")
#: where a request keeps the operation's id and change counts read before its user and policy were
_COUNTED = "_haven_board_counted_before"


def board_filters(request: HttpRequest) -> dict[str, Any]:
    """The board's filters and search as the URL gives them (a page never errs on a URL)."""
    stage = request.GET.get("stage", "")
    return {
        "stage": stage if stage in Stage.__members__.values() else "",
        "area": request.GET.get("area", "")[:40],
        "search": " ".join(request.GET.get("q", "").split())[:BOARD_SEARCH_MAX],
        "mine": request.GET.get("mine", "") == "1",
    }


def seal(
    *,
    session_key: str,
    session: Mapping[str, Any],
    operation_id: UUID,
    code: str,
    filters: Mapping[str, Any],
    now: datetime,
    changes: tuple[int, int],
    version: str,
) -> str:
    """The keyed hash of what a board answer for this session rested on (the module's docstring)."""
    message = repr(
        (
            "board-poll/3",
            session_key,
            tuple(str(session.get(entry, "")) for entry in _SESSION_ENTRIES),
            str(operation_id),
            code,
            tuple(sorted(filters.items())),
            readiness_policy().provider_contact_limit_minutes,
            now.replace(second=0, microsecond=0).isoformat(),
            tuple(changes),
            version,
        )
    )
    return salted_hmac("haven.web.board_polls", message, algorithm="sha256").hexdigest()[:32]


def counted_before(request: HttpRequest, operation: Operation) -> tuple[int, int] | None:
    """The operation's two change counts as `SealedPollMiddleware` read them for this request, before the
    session's user and the policy (None: not read, or read for another operation)."""
    counted: tuple[UUID, tuple[int, int]] | None = getattr(request, _COUNTED, None)
    if counted is None or counted[0] != operation.pk:
        return None
    return counted[1]


def board_tag(
    request: HttpRequest,
    *,
    operation: Operation,
    filters: Mapping[str, Any],
    now: datetime,
    version: str,
) -> str:
    """The tag a full-path answer of the board's live part carries: its version, sealed for this session
    with the change counts read before its access decision (`counted_before`, which the version must
    rest on too); the bare version when none were read (its next poll takes the full path)."""
    changes = counted_before(request, operation)
    if changes is None:
        return version
    session: Any = request.session
    key = session.session_key or ""
    return sealed(
        version,
        seal(
            session_key=key,
            session=session,
            operation_id=operation.pk,
            code=operation.code,
            filters=filters,
            now=now,
            changes=changes,
            version=version,
        ),
    )


def _board_view(request: HttpRequest) -> tuple[str, str] | None:
    """(the view's name, the operation's code), if the request is a GET of the board or of its rows (whose
    answers are sealed)."""
    if request.method != "GET":
        return None
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    code = match.kwargs.get("operation_code")
    return (match.view_name, code) if match.view_name in _SEALED_VIEWS and isinstance(code, str) else None


def _is_poll(request: HttpRequest, view_name: str) -> bool:
    """A poll of the board's rows: the auto-refresh header, and a tag it names."""
    return view_name == "web:board-rows" and is_auto_refresh(request) and "HTTP_IF_NONE_MATCH" in request.META


def _operation_and_session(
    key: str, code: str, now: datetime
) -> tuple[UUID, tuple[int, int], str | None] | None:
    """One query: the operation's id and two change counts, and the unexpired session's data (None: no
    such session); None: no such operation.

    The query is its own check of a kept connection: Django's `CONN_HEALTH_CHECKS` would first send a
    `SELECT 1` of its own, a second round trip to PostgreSQL on every poll (43 % of a poll's time in the
    worker, measured). A kept connection that no longer answers fails this query instead: it is closed and
    the query asked once again on a new connection (outside a transaction; a read, so asking again changes
    nothing). A connection that answered it is known good for the rest of the request, as after Django's
    own check."""
    connection: Any = connections[router.db_for_read(Session)]
    if connection.in_atomic_block:
        return _ask(connection, key, code, now)
    checked = connection.health_check_done
    connection.health_check_done = True
    try:
        return _ask(connection, key, code, now)
    except (InterfaceError, OperationalError):
        if checked:  # a connection Django had already checked in this request: not a stale one
            raise
        connection.close()
        return _ask(connection, key, code, now)


def _ask(
    connection: Any, key: str, code: str, now: datetime
) -> tuple[UUID, tuple[int, int], str | None] | None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT o.id, {board_log.counts_sql('o.id')}, "  # noqa: S608 (models' tables)
            f"(SELECT s.session_data FROM {Session._meta.db_table} s "
            "WHERE s.session_key = %s AND s.expire_date > %s) "
            f"FROM {Operation._meta.db_table} o WHERE o.code = %s",
            [stored_key(key), connection.ops.adapt_datetimefield_value(now), code],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    operation_id = Operation._meta.pk.to_python(row[0])
    return operation_id, (int(row[1]), int(row[2])), None if row[3] is None else str(row[3])


def answer_sealed_poll(request: HttpRequest) -> HttpResponse | None:
    """A `304` for a board poll whose tag's seal holds (the module's docstring); None: the full path decides,
    with the operation's change counts read here, before its user and policy (`counted_before`)."""
    board = _board_view(request)
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    if board is None or not key:
        return None
    view_name, code = board
    now = timezone.now()
    found = _operation_and_session(key, code, now)
    if found is None:
        return None
    operation_id, changes, data = found
    setattr(request, _COUNTED, (operation_id, changes))
    if data is None or not _is_poll(request, view_name):
        return None
    session = SessionStore().decode(data)
    if not session.get(SESSION_KEY) or lifetime_ended(session, now.timestamp()) is not None:
        return None
    filters = board_filters(request)
    for tag in parse_etags(request.META["HTTP_IF_NONE_MATCH"]):
        version, given = unsealed(tag)
        if not given:
            continue
        expected = seal(
            session_key=key,
            session=session,
            operation_id=operation_id,
            code=code,
            filters=filters,
            now=now,
            changes=changes,
            version=version,
        )
        if hmac.compare_digest(given, expected):
            return not_modified(sealed(version, given))
    return None


class SealedPollMiddleware:
    """Answers a board poll whose seal holds, before the session's user is loaded (`answer_sealed_poll`).
    Placed below the middleware that set the headers of every answer (security, no-store, CSP) and above
    authentication."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return answer_sealed_poll(request) or self.get_response(request)
