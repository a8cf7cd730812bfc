"""An expert's queue: the tickets assigned to them still being worked on, and those they may take."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession

from server.tickets.access import covered
from server.tickets.listing import PageArgs, TicketFilter, TicketPage, read_page, where_visible
from server.tickets.models import Ticket
from server.tickets.ordering import TicketOrder
from server.tickets.workflow import OPEN_STATES, QUEUED_STATES
from tenants import policy
from tenants.context import Principal


def takeable(viewer: Principal) -> ColumnElement[bool]:
    """Queued tickets (NEW, APPROVED) one of the viewer's designations covers: what TAKE admits."""
    return and_(Ticket.state.in_(sorted(QUEUED_STATES)),
                covered(policy.expert_designations(viewer)))


async def my_queue(session: AsyncSession, *, viewer: Principal,
                   filter: TicketFilter | None = None, order: TicketOrder | None = None,
                   page: PageArgs | None = None, max_page_size: int = 100,
                   statement: Select[Any] | None = None) -> TicketPage:
    """The viewer's work: assigned to them in an open state, or waiting for them to take it."""
    where = await where_visible(session, viewer=viewer, filter=filter or TicketFilter())
    assigned = and_(Ticket.assignee_id == viewer.user_id, Ticket.state.in_(sorted(OPEN_STATES)))
    where.append(or_(assigned, takeable(viewer)))
    return await read_page(session, where, order=order or TicketOrder(),
                           page=page or PageArgs(), max_page_size=max_page_size,
                           statement=statement)
