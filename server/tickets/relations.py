"""A ticket's comments and history as keyset pages, read for a whole batch of tickets at once.

The window and its refusals are server.pagination's (`first`/`after`, `last`/`before`, between 1
and the largest page); cursors are server.cursors', signed for one ticket's one list, so a cursor
of another ticket's comments, or of the history, is refused naming the argument. Both lists are
oldest first (by id). The viewer's visibility is applied in SQL: internal rows only for the staff
who may read them. A batch of tickets costs one statement for its pages, one more only when a
cursor asks what lies on its other side, and one grouped count only when a total is asked for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from server.cursors import decode_cursor, encode_cursor
from server.pagination import ById, Page, PageArgs
from server.tickets.access import readable
from server.tickets.models import Ticket, TicketComment, TicketEvent
from tenants import policy
from tenants.context import Principal


@dataclass(frozen=True, slots=True)
class Relation:
    """One paged list hanging off a ticket."""

    name: str
    model: Any

    def order(self, ticket_id: int) -> ById:
        """Oldest first; the list's name, hence its cursors, belong to one ticket."""
        return ById(f"ticket {ticket_id} {self.name}", self.model.id)


COMMENTS = Relation("comments", TicketComment)
HISTORY = Relation("history", TicketEvent)


@dataclass(frozen=True, slots=True)
class Window:
    """A checked window, the same for every ticket of a batch (the DataLoader's key)."""

    size: int
    backward: bool
    after: int | None = None
    before: int | None = None


def window(relation: Relation, ticket_id: int, page: PageArgs, max_page_size: int) -> Window:
    """The window `page` asks of this ticket's list; a bad size or cursor names the argument."""
    size, backward = page.size(max_page_size)
    order = relation.order(ticket_id)
    after = decode_cursor(order, page.after, "after")[1] if page.after is not None else None
    before = decode_cursor(order, page.before, "before")[1] if page.before is not None else None
    return Window(size=size, backward=backward, after=after, before=before)


@dataclass(frozen=True, slots=True)
class RelationPage(Page[Any]):
    """A page of one ticket's comments or history."""

    relation: Relation | None = None
    ticket_id: int = 0


def _visible(relation: Relation, viewer: Principal, ticket_ids: Sequence[int]) -> list[ColumnElement[bool]]:
    # Conditions on the relation's rows joined to their ticket.
    model = relation.model
    return [model.ticket_id.in_(list(ticket_ids)), readable(model, policy.ticket_scope(viewer))]


def _beyond(relation: Relation, ident: int, *, reverse: bool,
            inclusive: bool = False) -> ColumnElement[bool]:
    return relation.order(0).beyond(ident, ident, reverse=reverse, inclusive=inclusive)


async def _tickets_with(session: AsyncSession, relation: Relation,
                        where: list[ColumnElement[bool]]) -> set[int]:
    """The tickets having a visible row matching `where` (the other side of a cursor)."""
    model = relation.model
    found = await session.scalars(select(model.ticket_id).join(Ticket, Ticket.id == model.ticket_id)
                                  .where(*where).distinct())
    return set(found)


async def pages_of(session: AsyncSession, *, viewer: Principal, relation: Relation,
                   ticket_ids: Sequence[int], window: Window) -> dict[int, RelationPage]:
    """The window of each ticket's list as the viewer may read it (one statement for the rows)."""
    model = relation.model
    visible = _visible(relation, viewer, ticket_ids)
    bounds = []
    if window.after is not None:
        bounds.append(_beyond(relation, window.after, reverse=False))
    if window.before is not None:
        bounds.append(_beyond(relation, window.before, reverse=True))
    order = model.id.desc() if window.backward else model.id.asc()
    # The first size + 1 rows of each ticket: numbered per ticket in one window, then cut.
    ranked = (select(model).join(Ticket, Ticket.id == model.ticket_id).where(*visible, *bounds)
              .add_columns(func.row_number().over(partition_by=model.ticket_id, order_by=order)
                           .label("position")).subquery())
    row = aliased(model, ranked)
    grouped: dict[int, list[Any]] = defaultdict(list)
    for found in await session.scalars(select(row).where(ranked.c.position <= window.size + 1)
                                       .order_by(row.ticket_id, ranked.c.position)):
        grouped[found.ticket_id].append(found)
    # Is there anything on the other side of the cursor? One grouped statement for the batch.
    cursor = window.before if window.backward else window.after
    other_side: set[int] = set()
    if cursor is not None:
        other_side = await _tickets_with(session, relation, [*visible, _beyond(
            relation, cursor, reverse=not window.backward, inclusive=True)])
    pages = {}
    for ticket_id in ticket_ids:
        rows = grouped.get(ticket_id, [])
        more = len(rows) > window.size
        rows = rows[:window.size]
        if window.backward:
            rows.reverse()
        order_of_ticket = relation.order(ticket_id)
        pages[ticket_id] = RelationPage(
            rows=rows, cursors=[encode_cursor(order_of_ticket, r) for r in rows],
            has_next_page=ticket_id in other_side if window.backward else more,
            has_previous_page=more if window.backward else ticket_id in other_side,
            model=model, where=_one_ticket(relation, viewer, ticket_id),
            relation=relation, ticket_id=ticket_id)
    return pages


def _one_ticket(relation: Relation, viewer: Principal, ticket_id: int) -> tuple[ColumnElement[bool], ...]:
    """The whole list of one ticket, as conditions on the relation's table alone (Page.total)."""
    model = relation.model
    return (model.ticket_id == ticket_id, exists(select(Ticket.id).where(
        Ticket.id == model.ticket_id, readable(model, policy.ticket_scope(viewer)))))


async def counts_of(session: AsyncSession, *, viewer: Principal, relation: Relation,
                    ticket_ids: Sequence[int]) -> dict[int, int]:
    """How many rows of each ticket's list the viewer may read (one grouped statement)."""
    model = relation.model
    rows = await session.execute(
        select(model.ticket_id, func.count()).join(Ticket, Ticket.id == model.ticket_id)
        .where(*_visible(relation, viewer, ticket_ids)).group_by(model.ticket_id))
    return {ticket_id: count for ticket_id, count in rows}
