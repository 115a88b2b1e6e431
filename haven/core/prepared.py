"""A read compiled once per process and database connection, and run again with another value of one
parameter: for the few reads of a hot path whose shape never changes (the live board's ten kinds of record
of one operation, rendered for every reader of every board).

Django builds and compiles a query each time it runs (~0.3 ms for a join and a filter); the board ran ten of
them on every render. A `Prepared` read is the same queryset, built once with a stand-in value, compiled by
Django's own compiler; each run puts the value in the stand-in's places among the compiled parameters and
executes the same SQL through the connection's cursor (so query capture, logging and execute wrappers see it),
then converts each value as Django would (`SQLCompiler.get_converters`), except in the columns the caller
reads raw. A read that does not name the stand-in is refused when it is first compiled.

Several reads asked together (`together`) go to PostgreSQL in one round trip (psycopg's pipeline mode: each
query is sent without waiting for the one before it; ~2 ms of the board's ten on the 2-core machine of
`make bench`); SQLite, in the same process, answers them one after another.
"""

from __future__ import annotations

import uuid
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, QuerySet


class Prepared:
    """`build(value)` is a `values_list` queryset whose only varying part is `value` (a UUID, compared with
    `field`); `rows(value)` gives its rows as a list of tuples, the columns in `raw` left as the database
    returned them."""

    def __init__(
        self, build: Callable[[uuid.UUID], QuerySet[Any]], *, field: Field[Any, Any], raw: Sequence[int] = ()
    ) -> None:
        self._build = build
        self._field = field
        self._raw = frozenset(raw)
        # one compiled form per connection object (Django's connections are per thread), dropped with it
        self._compiled: weakref.WeakKeyDictionary[BaseDatabaseWrapper, tuple[_Compiled, tuple[int, ...]]] = (
            weakref.WeakKeyDictionary()
        )

    def rows(self, value: uuid.UUID, using: str = "default") -> list[tuple[Any, ...]]:
        [rows] = together([self.bound(value, using)], using)
        return rows

    def bound(self, value: uuid.UUID, using: str = "default") -> Bound:
        """This read with `value`, compiled for the connection `using`: to run with others (`together`)."""
        connection = connections[using]
        found = self._compiled.get(connection)
        if found is None:
            found = self._compiled[connection] = self._compile(connection)
        compiled, places = found
        params = list(compiled.params)
        prepared = self._field.get_db_prep_value(value, connection)
        for at in places:
            params[at] = prepared
        return compiled, params

    def _compile(self, connection: BaseDatabaseWrapper) -> tuple[_Compiled, tuple[int, ...]]:
        stand_in = uuid.uuid4()
        compiled = _Compiled(self._build(stand_in), connection, self._raw)
        marker = self._field.get_db_prep_value(stand_in, connection)
        places = tuple(at for at, param in enumerate(compiled.params) if param == marker)
        if not places:
            raise ValueError("a prepared read must name its value: the query does not")
        # a value used in another form (a text that contains it, `__contains=str(id)`) would keep the stand-in
        forms = (stand_in.hex, str(stand_in))
        if any(isinstance(p, str) and p != marker and any(f in p for f in forms) for p in compiled.params):
            raise ValueError("a prepared read must name its value as it is, not inside another value")
        return compiled, places


def bound_query(query: QuerySet[Any], *, raw: Sequence[int] = (), using: str = "default") -> Bound:
    """A `values_list` queryset compiled once for the connection `using`, to run with others (`together`)."""
    compiled = _Compiled(query, connections[using], frozenset(raw))
    return compiled, list(compiled.params)


def together(reads: Sequence[Bound], using: str = "default") -> list[list[tuple[Any, ...]]]:
    """The rows of each read (`Prepared.bound`, `bound_query`), in order: on PostgreSQL sent in one round
    trip (psycopg's pipeline mode), elsewhere one after another; each through a cursor of the connection."""
    connection = connections[using]
    asked = [(compiled, params) for compiled, params in reads if not compiled.empty]
    if _pipelines(connection) and len(asked) > 1:
        cursors: list[Any] = []
        try:
            # (an error of any query surfaces when the pipeline ends or a result is read: as a Django
            # `DatabaseError`, marking the connection as Django's own cursors do)
            with connection.wrap_database_errors:
                with connection.connection.pipeline():
                    for compiled, params in asked:
                        cursor = connection.cursor()
                        cursors.append(cursor)
                        cursor.execute(compiled.sql, params)
                answers = [cursor.fetchall() for cursor in cursors]
        finally:
            for cursor in cursors:
                cursor.close()
    else:
        answers = []
        for compiled, params in asked:
            with connection.cursor() as cursor:
                cursor.execute(compiled.sql, params)
                answers.append(cursor.fetchall())
    found = iter(answers)
    return [[] if compiled.empty else compiled.converted(next(found), connection) for compiled, _ in reads]


def _pipelines(connection: BaseDatabaseWrapper) -> bool:
    """Whether the connection is psycopg 3's, with a libpq that has pipeline mode (14 and later)."""
    if connection.vendor != "postgresql":
        return False
    connection.ensure_connection()
    pipeline = getattr(connection.connection, "pipeline", None)
    if pipeline is None:
        return False
    import psycopg  # noqa: PLC0415 (PostgreSQL only)

    return bool(psycopg.Pipeline.is_supported())


#: a read ready to run: its compiled form and its parameters
Bound = tuple["_Compiled", list[Any]]


class _Compiled:
    """A query's SQL and parameters as Django's compiler makes them, and the converters of its columns (as
    `SQLCompiler.apply_converters` applies them; the compiler itself is not kept, nor the connection)."""

    __slots__ = ("columns", "converters", "empty", "params", "sql")

    def __init__(self, query: QuerySet[Any], connection: BaseDatabaseWrapper, raw: frozenset[int]) -> None:
        compiler = query.query.get_compiler(connection=connection)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # (an empty list of ids: nothing to ask the database)
            sql, params, self.empty = "", (), True
        else:
            self.empty = False
        self.sql, self.params = sql, tuple(params)
        selected = [column for column, _, _ in compiler.select[: compiler.col_count]] if sql else []
        # (the columns asked for: Django's compiler may select more, to order by, and cuts them off)
        self.columns = compiler.col_count if sql and compiler.has_extra_select else None
        self.converters = [
            (at, found) for at, found in compiler.get_converters(selected).items() if at not in raw
        ]

    def converted(self, rows: list[Any], connection: BaseDatabaseWrapper) -> list[tuple[Any, ...]]:
        """The rows as tuples, each column converted as Django converts it (except the raw ones)."""
        if self.columns is not None:
            rows = [row[: self.columns] for row in rows]
        if not self.converters:
            return [tuple(row) for row in rows]
        converted = []
        for row in rows:
            values = list(row)
            for at, (converters, expression) in self.converters:
                value = values[at]
                for convert in converters:
                    value = convert(value, expression, connection)
                values[at] = value
            converted.append(tuple(values))
        return converted
