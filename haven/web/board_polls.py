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

One query: the session's row, and the operation's change counts. No audit event, as for any 304.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connections, router
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.http import parse_etags

from haven.accounts.middleware import is_auto_refresh, lifetime_ended
from haven.accounts.models import Session
from haven.accounts.sessions import SessionStore, stored_key
from haven.encounters import board_log
from haven.encounters.polling import not_modified, sealed, unsealed
from haven.encounters.stages import Stage
from haven.operations.models import Operation
from haven.operations.services import readiness_policy

#: the session's entries a seal rests on: its user, the user's session hash (password, epoch, activity),
#: its second-factor device
_SESSION_ENTRIES = ("_auth_user_id", "_auth_user_hash", "otp_device_id")
#: the board's search, as long as the API takes it; a longer one is cut (a page never errs on a URL)
BOARD_SEARCH_MAX = 100


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
    code: str,
    filters: Mapping[str, Any],
    now: datetime,
    changes: tuple[int, int],
    version: str,
) -> str:
    """The keyed hash of what a board answer for this session rested on (the module's docstring)."""
    message = repr(
        (
            "board-poll/1",
            session_key,
            tuple(str(session.get(entry, "")) for entry in _SESSION_ENTRIES),
            code,
            tuple(sorted(filters.items())),
            readiness_policy().provider_contact_limit_minutes,
            now.replace(second=0, microsecond=0).isoformat(),
            tuple(changes),
            version,
        )
    )
    return salted_hmac("haven.web.board_polls", message, algorithm="sha256").hexdigest()[:32]


def board_tag(
    request: HttpRequest,
    *,
    code: str,
    filters: Mapping[str, Any],
    now: datetime,
    changes: tuple[int, int],
    version: str,
) -> str:
    """The tag a full-path answer of the board's live part carries: its version, sealed for this session."""
    session: Any = request.session
    key = session.session_key or ""
    return sealed(
        version,
        seal(
            session_key=key,
            session=session,
            code=code,
            filters=filters,
            now=now,
            changes=changes,
            version=version,
        ),
    )


def _poll_code(request: HttpRequest) -> str | None:
    """The operation's code, if the request is a poll (GET, the auto-refresh header) of the board's rows."""
    if request.method != "GET" or not is_auto_refresh(request) or "HTTP_IF_NONE_MATCH" not in request.META:
        return None
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    code = match.kwargs.get("operation_code")
    return code if match.view_name == "web:board-rows" and isinstance(code, str) else None


def _session_and_changes(key: str, code: str, now: datetime) -> tuple[str, tuple[int, int]] | None:
    """One query: the unexpired session's data and the operation's two change counts (None: either
    missing)."""
    connection = connections[router.db_for_read(Session)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.session_data, {board_log.counts_sql('o.id')} "  # noqa: S608 (models' tables)
            f"FROM {Session._meta.db_table} s, {Operation._meta.db_table} o "
            "WHERE s.session_key = %s AND s.expire_date > %s AND o.code = %s",
            [stored_key(key), connection.ops.adapt_datetimefield_value(now), code],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return str(row[0]), (int(row[1]), int(row[2]))


def answer_sealed_poll(request: HttpRequest) -> HttpResponse | None:
    """A `304` for a board poll whose tag's seal holds (the module's docstring); None: the full path decides."""
    code = _poll_code(request)
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    if code is None or not key:
        return None
    now = timezone.now()
    found = _session_and_changes(key, code, now)
    if found is None:
        return None
    data, changes = found
    session = SessionStore().decode(data)
    if not session.get("_auth_user_id") or lifetime_ended(session, now.timestamp()) is not None:
        return None
    filters = board_filters(request)
    for tag in parse_etags(request.META["HTTP_IF_NONE_MATCH"]):
        version, given = unsealed(tag)
        if not given:
            continue
        expected = seal(
            session_key=key,
            session=session,
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
