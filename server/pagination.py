"""Keyset pages, the one way every list of the API is paged (tickets, myQueue, mirrors).

Relay's window: `first` rows after a cursor (forward) or `last` before one (backward), between 1
and the largest page size, refused otherwise naming the argument. A page is read with one statement
(size + 1 rows), plus one cheap EXISTS when a cursor is given (is there anything on the other side
of it?); the total is counted only when asked for. No offsets: a page after a cursor costs the same
on page 1 and on page 5,000.

A total costs at most GROUPDESK_EXACT_COUNT_LIMIT rows read: the count stops one row past the limit.
Up to it the total is exact; beyond it, it is an estimate and says so: PostgreSQL's planner's
estimate of the list's rows (never below the limit + 1), on SQLite the limit + 1 (a lower bound).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from sqlalchemy import (ClauseElement, ColumnElement, Executable, Integer, Select, UnaryExpression, func,
                        literal_column, select)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal

from server.cursors import CursorOrder, Cursors, Key, decode_cursor
from server.direct_rows import plain_rows
from server.errors import ValidationFailed
from tenants.i18n.messages import Message

DEFAULT_PAGE_SIZE = 20

Row = TypeVar("Row")


class KeysetOrder(CursorOrder, Protocol):
    """A total order on a list's rows: a key, then the id in the same direction."""

    def sort(self, *, reverse: bool = False) -> list[UnaryExpression[Any]]: ...

    def beyond(self, key: Key, ident: int, *, reverse: bool = False,
               inclusive: bool = False) -> ColumnElement[bool]:
        """Rows after the position (key, id), or before it when `reverse`."""
        ...


@dataclass(frozen=True, slots=True)
class ById:
    """Oldest first: the id alone orders the list (mirrors)."""

    list_name: str
    column: Any
    name: ClassVar[str] = "ID"
    key_type: ClassVar[type] = int

    def key_of(self, row: Any) -> Key:
        return int(row.id)

    def sort(self, *, reverse: bool = False) -> list[UnaryExpression[Any]]:
        return [self.column.desc() if reverse else self.column.asc()]

    def beyond(self, key: Key, ident: int, *, reverse: bool = False,
               inclusive: bool = False) -> ColumnElement[bool]:
        if reverse:
            return self.column <= ident if inclusive else self.column < ident  # type: ignore[no-any-return]
        return self.column >= ident if inclusive else self.column > ident  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class PageArgs:
    """Relay's window: `first` after a cursor (forward) or `last` before one (backward)."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    def size(self, max_page_size: int) -> tuple[int, bool]:
        """The page size and whether the page is read backward."""
        if self.first is not None and self.last is not None:
            raise ValidationFailed({"last": Message("give first or last, not both")})
        name, value = ("last", self.last) if self.last is not None else ("first", self.first)
        if value is None:
            return min(DEFAULT_PAGE_SIZE, max_page_size), False
        if not 1 <= value <= max_page_size:
            raise ValidationFailed({name: Message("must be between 1 and {limit} (the largest page)",
                                                  limit=max_page_size)})
        return value, name == "last"


@dataclass(frozen=True, slots=True)
class Total:
    """A list's length: exact, or (beyond the exact-count limit) an estimate flagged as such."""

    value: int
    exact: bool


class _Explain(Executable, ClauseElement):
    """PostgreSQL's EXPLAIN (FORMAT JSON) of a statement, its parameters bound as usual.

    Cached like any statement (its cache key is the explained statement's): a list longer than
    the exact-count limit explains its count on every page, and compiling it each time cost as
    much as the page itself.
    """

    inherit_cache = False
    _traverse_internals = [("statement", InternalTraversal.dp_clauseelement)]

    def __init__(self, statement: Any) -> None:
        self.statement = statement

    @property
    def _all_selected_columns(self) -> Any:
        # What a cached compiled form's result is matched against: the explained statement's
        # columns, which its compilation recorded (the plan is read by position).
        return self.statement._all_selected_columns


@compiles(_Explain, "postgresql")
def _explain(element: _Explain, compiler: SQLCompiler, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + compiler.process(element.statement, **kw)


async def _estimated_rows(session: AsyncSession, statement: Any) -> int | None:
    """The planner's estimate of a statement's rows (PostgreSQL), None elsewhere."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    plan: Any = (await session.execute(_Explain(statement))).scalar()
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def written_limit(count: int) -> ColumnElement[int]:
    """A LIMIT written into the statement's text rather than bound.

    PostgreSQL plans a bound LIMIT for a tenth of the table, so the generic plan of a prepared
    statement never looks as cheap as a custom one and a page's joins were planned again on every
    execution (13 ms of database CPU per page under 32 clients, against 0.7 ms written). The
    values are few (a page's size plus one, a count's cap), so are the prepared statements."""
    return literal_column(str(int(count)), Integer)


async def bounded_total(session: AsyncSession, model: Any, where: Sequence[ColumnElement[bool]], *,
                        exact_up_to: int) -> Total:
    """The number of `model` rows matching `where`, reading at most `exact_up_to` + 1 of them."""
    capped = select(model.id).where(*where).limit(written_limit(exact_up_to + 1)).subquery()
    seen = await session.scalar(select(func.count()).select_from(capped)) or 0
    if seen <= exact_up_to:
        return Total(seen, exact=True)
    estimate = await _estimated_rows(session, select(model.id).where(*where))
    return Total(max(estimate or 0, exact_up_to + 1), exact=False)


@dataclass(frozen=True, slots=True)
class Page(Generic[Row]):
    """One page of a list, its cursors, and what is needed to count the whole list."""

    rows: list[Row]
    # Written when read (server.cursors.Cursors), or a list.
    cursors: Sequence[str]
    has_next_page: bool
    has_previous_page: bool
    # The list's table and every condition of the list (visibility included), for its length.
    model: Any = field(repr=False)
    where: tuple[ColumnElement[bool], ...] = field(default=(), repr=False)
    # Totals already counted for this page, by limit (totalCount and its flag share one count).
    counted: dict[int, asyncio.Future[Total]] = field(default_factory=dict, repr=False,
                                                       compare=False)

    async def total(self, session: AsyncSession, *, exact_up_to: int | None = None) -> int:
        """How many rows the whole list holds, all pages (see `bounded` for the limit)."""
        if exact_up_to is None:
            return await session.scalar(
                select(func.count()).select_from(self.model).where(*self.where)) or 0
        return (await self.bounded(session, exact_up_to=exact_up_to)).value

    async def bounded(self, session: AsyncSession, *, exact_up_to: int) -> Total:
        """The list's length, exact up to `exact_up_to` rows and estimated beyond."""
        # Both fields are resolved at once: the second waits for the first's count.
        if exact_up_to not in self.counted:
            self.counted[exact_up_to] = asyncio.ensure_future(bounded_total(
                session, self.model, self.where, exact_up_to=exact_up_to))
        return await self.counted[exact_up_to]


async def _exists(session: AsyncSession, model: Any, where: Sequence[ColumnElement[bool]]) -> bool:
    return await session.scalar(select(model.id).where(*where).limit(1)) is not None


async def read_page(session: AsyncSession, model: Any, where: Sequence[ColumnElement[bool]], *,
                    order: KeysetOrder, page: PageArgs, max_page_size: int,
                    into: type[Page[Any]] = Page, statement: Select[Any] | None = None) -> Any:
    """One keyset page of the `model` rows matching `where`, in `order` (a `into` instance).

    `statement` reads plain rows instead of `model` objects: a SELECT of the model's table (its
    columns under their own names) and of whatever it joins one-to-one, which the page's
    conditions, order and window then narrow as they would the model.
    """
    size, backward = page.size(max_page_size)
    after: tuple[Key, int] | None = None
    before: tuple[Key, int] | None = None
    bounds: list[ColumnElement[bool]] = []
    if page.after is not None:
        after = decode_cursor(order, page.after, "after")
        bounds.append(order.beyond(*after))
    if page.before is not None:
        before = decode_cursor(order, page.before, "before")
        bounds.append(order.beyond(*before, reverse=True))
    # The page's size is written into the statement (written_limit).
    sort, limit = order.sort(reverse=backward), written_limit(size + 1)
    if statement is None:
        window = select(model).where(*where, *bounds).order_by(*sort).limit(limit)
        rows: list[Any] = list(await session.scalars(window))
    else:
        # Plain rows are not the ORM's to load (server.direct_rows: by asyncpg itself when it can).
        rows = await plain_rows(session, statement, where=(*where, *bounds), order_by=sort,
                                limit=limit)
    more = len(rows) > size
    rows = rows[:size]
    if backward:
        rows.reverse()
        has_previous = more
        has_next = before is not None and await _exists(
            session, model, [*where, order.beyond(*before, inclusive=True)])
    else:
        has_next = more
        has_previous = after is not None and await _exists(
            session, model, [*where, order.beyond(*after, reverse=True, inclusive=True)])
    return into(rows=rows, cursors=Cursors(order, rows),
                has_next_page=has_next, has_previous_page=has_previous, model=model,
                where=tuple(where))
