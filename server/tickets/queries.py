"""Reading tickets, always through the caller's visibility: one ticket and its relations.

Lists (filters, orders, keyset pages, search) are in server.tickets.listing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, TypeVar, overload

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from server.errors import NotFound
from server.tickets.access import readable, visible_comments, visible_events, visible_tickets
from server.tickets.models import Ticket, TicketComment, TicketEvent
from server.tickets.refs import REF
from tenants import policy
from tenants.context import Principal

_Row = TypeVar("_Row", TicketComment, TicketEvent)


async def _tickets(session: AsyncSession, statement: Select[Any] | None,
                   *where: ColumnElement[bool]) -> list[Any]:
    """Tickets matching `where`: objects, or plain rows of `statement` (a SELECT of the ticket
    table's columns under their own names, and of what it joins one-to-one)."""
    if statement is None:
        return list(await session.scalars(select(Ticket).where(*where)))
    return list(await session.execute(statement.where(*where)))


@overload
async def get_ticket(session: AsyncSession, *, viewer: Principal, ticket_id: int,
                     statement: None = None) -> Ticket: ...


@overload
async def get_ticket(session: AsyncSession, *, viewer: Principal, ticket_id: int,
                     statement: Select[Any]) -> Any: ...


async def get_ticket(session: AsyncSession, *, viewer: Principal, ticket_id: int,
                     statement: Select[Any] | None = None) -> Any:
    """One ticket the viewer may see; NotFound whether it is missing or another school's."""
    found = await _tickets(session, statement, Ticket.id == ticket_id,
                           visible_tickets(policy.ticket_scope(viewer)))
    if not found:
        raise NotFound("ticket", ticket_id)
    return found[0]


@overload
async def get_ticket_by_ref(session: AsyncSession, *, viewer: Principal, ref: str,
                            statement: None = None) -> Ticket: ...


@overload
async def get_ticket_by_ref(session: AsyncSession, *, viewer: Principal, ref: str,
                            statement: Select[Any]) -> Any: ...


async def get_ticket_by_ref(session: AsyncSession, *, viewer: Principal, ref: str,
                            statement: Select[Any] | None = None) -> Any:
    ref = ref.strip().upper()
    found = []
    if REF.match(ref):
        found = await _tickets(session, statement, Ticket.ref == ref,
                               visible_tickets(policy.ticket_scope(viewer)))
    if not found:
        raise NotFound("ticket", ref)
    return found[0]


@overload
async def tickets_by_ids(session: AsyncSession, *, viewer: Principal, ticket_ids: Sequence[int],
                         statement: None = None) -> dict[int, Ticket]: ...


@overload
async def tickets_by_ids(session: AsyncSession, *, viewer: Principal, ticket_ids: Sequence[int],
                         statement: Select[Any]) -> dict[int, Any]: ...


async def tickets_by_ids(session: AsyncSession, *, viewer: Principal,
                         ticket_ids: Sequence[int],
                         statement: Select[Any] | None = None) -> dict[int, Any]:
    """The visible ones among `ticket_ids` (for Relay nodes), by id."""
    rows = await _tickets(session, statement, Ticket.id.in_(list(ticket_ids)),
                          visible_tickets(policy.ticket_scope(viewer)))
    return {t.id: t for t in rows}


async def comments_by_ids(session: AsyncSession, *, viewer: Principal,
                          ids: Sequence[int]) -> dict[int, TicketComment]:
    """The comments among `ids` the viewer may read (Relay nodes), by id."""
    rows = await session.scalars(select(TicketComment)
                                 .join(Ticket, Ticket.id == TicketComment.ticket_id)
                                 .where(TicketComment.id.in_(list(ids)),
                                        readable(TicketComment, policy.ticket_scope(viewer))))
    return {c.id: c for c in rows}


async def events_by_ids(session: AsyncSession, *, viewer: Principal,
                        ids: Sequence[int]) -> dict[int, TicketEvent]:
    """The history events among `ids` the viewer may read (Relay nodes), by id."""
    rows = await session.scalars(select(TicketEvent)
                                 .join(Ticket, Ticket.id == TicketEvent.ticket_id)
                                 .where(TicketEvent.id.in_(list(ids)),
                                        readable(TicketEvent, policy.ticket_scope(viewer))))
    return {e.id: e for e in rows}


async def comments_of(session: AsyncSession, *, viewer: Principal,
                      ticket_ids: Sequence[int]) -> dict[int, list[TicketComment]]:
    """Every comment the viewer may read, per ticket, oldest first (one statement).

    The API reads them by pages: server.tickets.relations.
    """
    return await _per_ticket(session, visible_comments(policy.ticket_scope(viewer), list(ticket_ids)))


async def events_of(session: AsyncSession, *, viewer: Principal,
                    ticket_ids: Sequence[int]) -> dict[int, list[TicketEvent]]:
    """Every history event the viewer may read, per ticket, in order (one statement)."""
    return await _per_ticket(session, visible_events(policy.ticket_scope(viewer), list(ticket_ids)))


async def _per_ticket(session: AsyncSession, statement: Select[_Row]) -> dict[int, list[_Row]]:
    grouped: dict[int, list[_Row]] = defaultdict(list)
    for row in await session.scalars(statement):
        grouped[row.ticket_id].append(row)
    return grouped


async def latest_comments_of(session: AsyncSession, *, viewer: Principal,
                             ticket_ids: Sequence[int],
                             count: int) -> dict[int, list[TicketComment]]:
    """The `count` latest comments the viewer may read, per ticket, newest first (one statement)."""
    visible = visible_comments(policy.ticket_scope(viewer), list(ticket_ids)).order_by(None)
    ranked = visible.add_columns(func.row_number().over(
        partition_by=TicketComment.ticket_id, order_by=TicketComment.id.desc()).label("position"),
    ).subquery()
    recent = aliased(TicketComment, ranked)
    grouped: dict[int, list[TicketComment]] = defaultdict(list)
    for c in await session.scalars(select(recent).where(ranked.c.position <= count)
                                   .order_by(recent.ticket_id, recent.id.desc())):
        grouped[c.ticket_id].append(c)
    return grouped
