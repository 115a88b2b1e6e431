"""PostgreSQL's `timestamptz` values read by psycopg's compiled loader, with Django's meaning.

Django's PostgreSQL backend reads every `timestamptz` through a subclass of psycopg's pure-Python loader
(`BaseTzLoader`: parse, then `replace(tzinfo=<the connection's zone>)`), because psycopg's compiled loader
cannot be subclassed (Django ticket #36960, psycopg issue #1273). At 500 persons the board reads about 900
times per render: ~3 µs each in Python. This loader gives the same value — the compiled parse, then the
same `replace` — and carries the `timezone` attribute Django's `create_cursor` compares, so Django keeps
it. Registered on each new PostgreSQL connection (`connection_created`, haven.core.apps); where psycopg's
compiled loaders are not installed, nothing is registered and Django's loader stays.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from functools import cache
from typing import Any

_TIMESTAMPTZ = "timestamptz"


@cache
def _loader_for(zone: tzinfo | None) -> type | None:
    """The loader class for values read in `zone` (Django's connection zone), or None when psycopg's
    compiled loader is not available."""
    import psycopg  # noqa: PLC0415 (PostgreSQL only)
    from psycopg.adapt import Loader  # noqa: PLC0415
    from psycopg.postgres import types  # noqa: PLC0415
    from psycopg.pq import Format  # noqa: PLC0415

    found = psycopg.adapters.get_loader(types[_TIMESTAMPTZ].oid, Format.TEXT)
    if found is None or found.__module__.startswith("psycopg.types"):  # the pure-Python one
        return None
    compiled: Any = found

    class CompiledTzLoader(Loader):
        timezone = zone  # what Django's create_cursor compares with its connection's zone

        def __init__(self, oid: int, context: Any = None) -> None:
            super().__init__(oid, context)
            self._load = compiled(oid, context).load

        def load(self, data: Any) -> datetime:
            return self._load(data).replace(tzinfo=self.timezone)  # type: ignore[no-any-return]

    return CompiledTzLoader


def use_compiled_loader(sender: Any, connection: Any, **kwargs: Any) -> None:
    """`connection_created`: on a PostgreSQL connection of psycopg 3, read `timestamptz` with the compiled
    loader (the module's docstring)."""
    if connection.vendor != "postgresql" or not hasattr(connection.connection, "adapters"):
        return
    loader = _loader_for(connection.timezone)
    if loader is not None:
        connection.connection.adapters.register_loader(_TIMESTAMPTZ, loader)
