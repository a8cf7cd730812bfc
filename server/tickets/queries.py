"""Reading tickets, always through the caller's visibility: one ticket, and keyset pages."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import NotFound, ValidationFailed
from server.tickets.access import visible_comments, visible_events, visible_tickets
from server.tickets.models import Ticket, TicketComment, TicketEvent
from server.tickets.refs import REF
from server.tickets.workflow import TicketState
from tenants import policy
from tenants.context import Principal

DEFAULT_PAGE_SIZE = 20


async def get_ticket(session: AsyncSession, *, viewer: Principal, ticket_id: int) -> Ticket:
    """One ticket the viewer may see; NotFound whether it is missing or another school's."""
    ticket = await session.scalar(select(Ticket).where(
        Ticket.id == ticket_id, visible_tickets(policy.ticket_scope(viewer))))
    if ticket is None:
        raise NotFound("ticket", ticket_id)
    return ticket


async def get_ticket_by_ref(session: AsyncSession, *, viewer: Principal, ref: str) -> Ticket:
    ref = ref.strip().upper()
    ticket = None
    if REF.match(ref):
        ticket = await session.scalar(select(Ticket).where(
            Ticket.ref == ref, visible_tickets(policy.ticket_scope(viewer))))
    if ticket is None:
        raise NotFound("ticket", ref)
    return ticket


async def tickets_by_ids(session: AsyncSession, *, viewer: Principal,
                         ticket_ids: Sequence[int]) -> dict[int, Ticket]:
    """The visible ones among `ticket_ids` (for Relay nodes), by id."""
    rows = await session.scalars(select(Ticket).where(
        Ticket.id.in_(list(ticket_ids)), visible_tickets(policy.ticket_scope(viewer))))
    return {t.id: t for t in rows}


async def comments_of(session: AsyncSession, *, viewer: Principal,
                      ticket_ids: Sequence[int]) -> dict[int, list[TicketComment]]:
    """The comments the viewer may read, per ticket, oldest first (one statement)."""
    grouped: dict[int, list[TicketComment]] = defaultdict(list)
    for c in await session.scalars(visible_comments(policy.ticket_scope(viewer), list(ticket_ids))):
        grouped[c.ticket_id].append(c)
    return grouped


async def events_of(session: AsyncSession, *, viewer: Principal,
                    ticket_ids: Sequence[int]) -> dict[int, list[TicketEvent]]:
    """The history events the viewer may read, per ticket, in order (one statement)."""
    grouped: dict[int, list[TicketEvent]] = defaultdict(list)
    for e in await session.scalars(visible_events(policy.ticket_scope(viewer), list(ticket_ids))):
        grouped[e.ticket_id].append(e)
    return grouped


@dataclass(frozen=True, slots=True)
class TicketFilter:
    """Conditions a list applies on top of visibility; None or empty means "any"."""

    states: frozenset[TicketState] = frozenset()
    tenant_ids: frozenset[int] = frozenset()
    brick_ids: frozenset[int] = frozenset()

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.states:
            found.append(Ticket.state.in_(sorted(self.states)))
        if self.tenant_ids:
            found.append(Ticket.tenant_id.in_(sorted(self.tenant_ids)))
        if self.brick_ids:
            found.append(Ticket.brick_id.in_(sorted(self.brick_ids)))
        return found


@dataclass(frozen=True, slots=True)
class TicketPage:
    tickets: list[Ticket]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool
    total_count: int = field(default=0)


def encode_cursor(ticket: Ticket) -> str:
    """An opaque position in the newest-first order: (created_at, id)."""
    raw = f"{ticket.created_at.isoformat()}|{ticket.id}".encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode_cursor(cursor: str, field_name: str = "after") -> tuple[dt.datetime, int]:
    try:
        created, _, ident = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        when = dt.datetime.fromisoformat(created)
        if when.tzinfo is None:
            raise ValueError("naive")
        return when, int(ident)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed({field_name: "not a cursor of this list"}) from None


async def list_tickets(session: AsyncSession, *, viewer: Principal,
                       filter: TicketFilter | None = None, first: int | None = None,
                       after: str | None = None, max_page_size: int = 100) -> TicketPage:
    """A page of visible tickets, newest first, continuing after a cursor (keyset, no offsets)."""
    size = DEFAULT_PAGE_SIZE if first is None else first
    if not 1 <= size <= max_page_size:
        raise ValidationFailed({"first": f"between 1 and {max_page_size}"})
    where = [visible_tickets(policy.ticket_scope(viewer)), *(filter or TicketFilter()).conditions()]
    stmt = select(Ticket).where(*where)
    if after is not None:
        created, ident = decode_cursor(after)
        # Row-value comparison spelled out, so the bound timestamp gets the column's UTC handling.
        stmt = stmt.where(Ticket.created_at <= created,
                          or_(Ticket.created_at < created, Ticket.id < ident))
    rows = list(await session.scalars(
        stmt.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(size + 1)))
    total = await session.scalar(select(func.count()).select_from(Ticket).where(*where))
    page = rows[:size]
    return TicketPage(tickets=page, cursors=[encode_cursor(t) for t in page],
                      has_next_page=len(rows) > size, has_previous_page=after is not None,
                      total_count=total or 0)
