"""The session store: sessions in the database, each under a keyed hash of its key, never the key itself.

Rule (issue 12, "A copy of the database is not a way in"): the cookie's value appears nowhere in the
database, so a copy of it, a dump or a backup holds no session that can be replayed. The stored key is
HMAC-SHA256 of the session key under the secret key (Django's `salted_hmac`), not a plain hash, so that
someone who can write to the database but does not hold the secret key cannot copy a signed-in session's
data into a row of their own under a key they chose. Changing the secret key therefore ends every session.

Django's database store (`django.contrib.sessions.backends.db`) is kept for everything else: the session
data is signed as before, and expiry, `cycle_key`, `flush` and `clearsessions` work unchanged. Only the
four places where it reads or writes a row by key are replaced (and their async twins).
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone
from django.utils.crypto import salted_hmac

_SALT = "haven.accounts.sessions.SessionStore"


def stored_key(session_key: str) -> str:
    """What the session table holds for a session key: its HMAC-SHA256 under the secret key, in hex."""
    return salted_hmac(_SALT, session_key, algorithm="sha256").hexdigest()


class SessionStore(DatabaseSessionStore):
    """Django's database sessions, each row keyed by `stored_key(session_key)` (haven.accounts.Session)."""

    @classmethod
    def get_model_class(cls) -> type[AbstractBaseSession]:
        from haven.accounts.models import Session  # noqa: PLC0415 - the store is imported by settings

        return Session

    def _lookup_failed(self, error: Exception) -> None:
        if isinstance(error, SuspiciousOperation):
            logging.getLogger(f"django.security.{type(error).__name__}").warning(str(error))
        self._session_key = None

    def _get_session_from_db(self) -> Any:
        if self.session_key is None:
            return None
        try:
            return self.model.objects.get(
                session_key=stored_key(self.session_key), expire_date__gt=timezone.now()
            )
        except (self.model.DoesNotExist, SuspiciousOperation) as error:
            self._lookup_failed(error)
            return None

    async def _aget_session_from_db(self) -> Any:
        if self.session_key is None:
            return None
        try:
            return await self.model.objects.aget(
                session_key=stored_key(self.session_key), expire_date__gt=timezone.now()
            )
        except (self.model.DoesNotExist, SuspiciousOperation) as error:
            self._lookup_failed(error)
            return None

    def exists(self, session_key: str) -> bool:
        return bool(self.model.objects.filter(session_key=stored_key(session_key)).exists())

    async def aexists(self, session_key: str) -> bool:
        return bool(await self.model.objects.filter(session_key=stored_key(session_key)).aexists())

    def create_model_instance(self, data: dict[str, Any]) -> AbstractBaseSession:
        row = super().create_model_instance(data)
        row.session_key = stored_key(row.session_key)
        return row

    async def acreate_model_instance(self, data: dict[str, Any]) -> AbstractBaseSession:
        row = await super().acreate_model_instance(data)
        row.session_key = stored_key(row.session_key)
        return row

    def delete(self, session_key: str | None = None) -> None:
        key = session_key if session_key is not None else self.session_key
        if key is not None:
            self.model.objects.filter(session_key=stored_key(key)).delete()

    async def adelete(self, session_key: str | None = None) -> None:
        key = session_key if session_key is not None else self.session_key
        if key is not None:
            await self.model.objects.filter(session_key=stored_key(key)).adelete()
