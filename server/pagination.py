"""Keyset pages, the one way every list of the API is paged (tickets, myQueue, mirrors).

Relay's window: `first` rows after a cursor (forward) or `last` before one (backward), between 1
and the largest page size, refused otherwise naming the argument. A page is read with one statement
(size + 1 rows), plus one cheap EXISTS when a cursor is given (is there anything on the other side
of it?); the total is counted only when asked for. No offsets: a page after a cursor costs the same
on page 1 and on page 5,000.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from sqlalchemy import ColumnElement, UnaryExpression, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.cursors import CursorOrder, Key, decode_cursor, encode_cursor
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
class Page(Generic[Row]):
    """One page of a list, its cursors, and what is needed to count the whole list."""

    rows: list[Row]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool
    # The list's table and every condition of the list (visibility included), for its length.
    model: Any = field(repr=False)
    where: tuple[ColumnElement[bool], ...] = field(default=(), repr=False)

    async def total(self, session: AsyncSession) -> int:
        """How many rows the whole list holds, all pages."""
        return await session.scalar(
            select(func.count()).select_from(self.model).where(*self.where)) or 0


async def _exists(session: AsyncSession, model: Any, where: Sequence[ColumnElement[bool]]) -> bool:
    return await session.scalar(select(model.id).where(*where).limit(1)) is not None


async def read_page(session: AsyncSession, model: Any, where: Sequence[ColumnElement[bool]], *,
                    order: KeysetOrder, page: PageArgs, max_page_size: int,
                    into: type[Page[Any]] = Page) -> Any:
    """One keyset page of the `model` rows matching `where`, in `order` (a `into` instance)."""
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
    rows = list(await session.scalars(
        select(model).where(*where, *bounds).order_by(*order.sort(reverse=backward))
        .limit(size + 1)))
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
    return into(rows=rows, cursors=[encode_cursor(order, r) for r in rows],
                has_next_page=has_next, has_previous_page=has_previous, model=model,
                where=tuple(where))
