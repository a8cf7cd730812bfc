"""Plain rows of a read, run by asyncpg itself with SQLAlchemy's SQL and SQLAlchemy's conversions.

A page of tickets is one SELECT of plain rows (server.tickets.relatives): SQLAlchemy builds it from
the viewer's visibility, the filters and the keyset, and compiles it once per shape. Running it
through SQLAlchemy's Core then costs about as much again as asyncpg's own work: the execution
context, the DBAPI adapter's cursor, the result and its rows (bench/RESULTS.md).

`plain_rows` runs such a statement on the session's asyncpg connection when none of that machinery
is needed, and through SQLAlchemy otherwise:

- PostgreSQL, with the session reading outside a transaction block (server.db.begin_reading): there
  is no transaction for the adapter to begin first, no savepoint.
- The SQL is SQLAlchemy's, compiled once per cache key (SQLAlchemy's own key: its parameter values
  are extracted from each statement exactly as SQLAlchemy's execution extracts them), and the
  parameters go through the same bind processors; expanding parameters (IN lists) are expanded by
  the compiled statement itself.
- Every result column is of a type whose conversion is known (integers, text, enums, booleans,
  timestamps), converted by that type's own result processor wherever it has one. A statement with
  any other column, or whose result keys are not plain names, always goes through SQLAlchemy.
- Any error goes through SQLAlchemy too: the statement runs again there (a read, it changes
  nothing), which raises the error as it always has, and invalidates a lost connection.
- A statement read directly is counted among its request's statements (`/metrics`), as
  SQLAlchemy's event counts the others; an engine whose statements are traced
  (server.reports.tracing) has every statement go through SQLAlchemy, where its spans are made.

Rows are named tuples of the statement's result keys: read by attribute, index and iteration, as
SQLAlchemy's rows are.
"""

from __future__ import annotations

import keyword
import logging
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, DateTime, Integer, String
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql import ColumnElement, Select
from sqlalchemy.sql.elements import ClauseList
from sqlalchemy.sql.compiler import SQLCompiler

from server.db import STATEMENT_EVENTS, UTCDateTime
from server.instruments import count_statement

log = logging.getLogger("groupdesk.db")

# Compiled statements kept, by cache key (a few per list, viewer's visibility and filter shape).
MAX_COMPILED = 512
# Column types read directly (Enum is a String): each converted by its own result processor.
_DIRECT_TYPES = (Integer, String, Boolean, DateTime, UTCDateTime)


@dataclass(frozen=True, slots=True)
class _Plan:
    """A statement's compiled form, its rows' type and the conversions its columns need."""

    compiled: SQLCompiler
    make: Callable[[Any], Any]
    converters: tuple[tuple[int, Callable[[Any], Any]], ...]


# None: a statement SQLAlchemy runs (a column or a form the direct read does not know).
_plans: OrderedDict[Any, _Plan | None] = OrderedDict()


def _named(keys: Sequence[str]) -> bool:
    return len(set(keys)) == len(keys) and all(
        k.isidentifier() and not k.startswith("_") and not keyword.iskeyword(k) for k in keys)


def _window(statement: Select[Any], where: Sequence[ColumnElement[bool]],
            order_by: Sequence[ColumnElement[Any]], limit: ColumnElement[Any] | None) -> Select[Any]:
    window = statement.where(*where).order_by(*order_by)
    return window if limit is None else window.limit(limit)


def _plan_of(window: Select[Any], dialect: Dialect, extracted: Sequence[Any]) -> _Plan | None:
    """The plan of the first window of its key; None for a window SQLAlchemy runs."""
    key = window._generate_cache_key()
    # Its parameters must be those `_planned` extracts, in the same order: the statement's,
    # then its conditions', its order's and its limit's (so are they in SQLAlchemy's traversal).
    if key is None or [id(b) for b in key.bindparams] != [id(b) for b in extracted]:
        return None
    compiled = window.compile(dialect=dialect, cache_key=key)
    assert isinstance(compiled, SQLCompiler)
    if not compiled.positional or compiled.positiontup is None:
        return None
    columns = compiled._result_columns
    keys = [column.keyname for column in columns]
    if not columns or not _named(keys):
        return None
    converters = []
    for index, column in enumerate(columns):
        if not isinstance(column.type, _DIRECT_TYPES):
            return None
        if isinstance(column.type, UTCDateTime):
            # asyncpg reads a timestamptz as an aware datetime in UTC: what UTCDateTime returns.
            continue
        convert = column.type._cached_result_processor(dialect, None)
        if convert is not None:
            converters.append((index, convert))
    return _Plan(compiled, namedtuple("PlainRow", keys)._make,  # type: ignore[attr-defined]
                 tuple(converters))


def _planned(statement: Select[Any], where: Sequence[ColumnElement[bool]],
             order_by: Sequence[ColumnElement[Any]], limit: ColumnElement[Any] | None,
             dialect: Dialect) -> tuple[_Plan, tuple[Any, ...]] | None:
    """The window's plan and its parameters' values, or None.

    The window's cache key is that of the statement, memoized on it (a page's statement is built
    once per shape: its columns and joins are walked once), and that of the few conditions, order
    terms and limit added to it: a page's key costs a walk of what changes from one page to the
    next, not of the whole SELECT."""
    base = statement._generate_cache_key()
    parts = ClauseList(*where, *order_by, *(() if limit is None else (limit,)))._generate_cache_key()
    if base is None or parts is None:
        return None
    key = (base.key, parts.key)
    extracted = (*base.bindparams, *parts.bindparams)
    try:
        plan = _plans[key]
        _plans.move_to_end(key)
    except KeyError:
        try:
            plan = _plan_of(_window(statement, where, order_by, limit), dialect, extracted)
        except Exception:  # noqa: BLE001 - never planned again: SQLAlchemy runs it, as before
            log.warning("a statement's direct read could not be planned: SQLAlchemy runs it",
                        exc_info=True)
            plan = None
        _plans[key] = plan
        if len(_plans) > MAX_COMPILED:
            _plans.popitem(last=False)
    return None if plan is None else (plan, extracted)


async def _direct(connection: AsyncConnection, statement: Select[Any],
                  where: Sequence[ColumnElement[bool]], order_by: Sequence[ColumnElement[Any]],
                  limit: ColumnElement[Any] | None) -> list[Any] | None:
    planned = _planned(statement, where, order_by, limit, connection.dialect)
    if planned is None:
        return None
    plan, extracted = planned
    compiled = plan.compiled
    params = compiled.construct_params(extracted_parameters=extracted, escape_names=False)
    processors: Mapping[str, Any] = compiled._bind_processors
    if compiled.literal_execute_params or compiled.post_compile_params:
        expanded = compiled._process_parameters_for_postcompile(params)
        sql, positions = expanded.statement, expanded.positiontup
        processors = {**processors, **expanded.processors}  # the expanded IN lists' own
    else:
        sql, positions = compiled.string, compiled.positiontup
    assert positions is not None
    values = [processors[name](params[name]) if name in processors else params[name]
              for name in positions]
    raw = await connection.get_raw_connection()
    count_statement()  # a statement of the request, as SQLAlchemy's event counts the others
    records = await raw.driver_connection.fetch(sql, *values)  # type: ignore[union-attr]
    make, converters = plan.make, plan.converters
    if not converters:
        return [make(record) for record in records]
    rows = []
    for record in records:
        row = list(record)
        for index, convert in converters:
            row[index] = convert(row[index])
        rows.append(make(row))
    return rows


def reads_directly(connection: AsyncConnection) -> bool:
    """Whether `plain_rows` may run a statement on this connection by asyncpg itself: on
    PostgreSQL, outside a transaction block, and unless its engine's statements are traced."""
    synchronous = connection.sync_connection
    if connection.dialect.name != "postgresql" or synchronous is None:
        return False
    options = synchronous.get_execution_options()
    return options.get("isolation_level") == "AUTOCOMMIT" and not options.get(STATEMENT_EVENTS)


async def plain_rows(session: AsyncSession, statement: Select[Any], *,
                     where: Sequence[ColumnElement[bool]] = (),
                     order_by: Sequence[ColumnElement[Any]] = (),
                     limit: ColumnElement[Any] | None = None) -> list[Any]:
    """The rows of a SELECT of plain columns narrowed by `where`, in `order_by`, at most `limit`
    (a written limit: server.pagination.written_limit), on the session's connection (see the
    module). `statement` is best built once and kept: its part of the key is computed once."""
    connection = await session.connection()
    if reads_directly(connection):
        try:
            rows = await _direct(connection, statement, where, order_by, limit)
        except Exception:  # noqa: BLE001 - SQLAlchemy runs it again and raises it as it always has
            log.debug("a direct read failed: SQLAlchemy runs it again", exc_info=True)
            rows = None
        if rows is not None:
            return rows
    return list(await connection.execute(_window(statement, where, order_by, limit)))
