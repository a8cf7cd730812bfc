"""An expert's queue: the tickets assigned to them still being worked on, and those they may take."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.catalog.models import ExpertDesignation
from server.tickets.listing import PageArgs, TicketFilter, TicketPage, read_page, where_visible
from server.tickets.models import Ticket
from server.tickets.ordering import TicketOrder
from server.tickets.workflow import OPEN_STATES, QUEUED_STATES
from tenants import policy
from tenants.context import Principal, Role


async def takeable(session: AsyncSession, viewer: Principal) -> ColumnElement[bool]:
    """Queued tickets (NEW, APPROVED) on the bricks, services and sub-services the viewer covers."""
    if Role.EXPERT not in viewer.roles:
        return false()
    designations = await session.scalars(
        select(ExpertDesignation).where(ExpertDesignation.user_id == viewer.user_id))
    bricks: set[int] = set()
    services: set[int] = set()
    sub_services: set[int] = set()
    for d in designations:
        # The policy decides who may take a brick's tickets; a designation alone is not enough.
        if not policy.is_designated_on(viewer, d.brick_id):
            continue
        if d.sub_service_id is not None:
            sub_services.add(d.sub_service_id)
        elif d.service_id is not None:
            services.add(d.service_id)
        else:
            bricks.add(d.brick_id)
    covered = [column.in_(sorted(ids)) for column, ids in (
        (Ticket.brick_id, bricks), (Ticket.service_id, services),
        (Ticket.sub_service_id, sub_services)) if ids]
    if not covered:
        return false()
    return and_(Ticket.state.in_(sorted(QUEUED_STATES)), or_(*covered))


async def my_queue(session: AsyncSession, *, viewer: Principal,
                   filter: TicketFilter | None = None, order: TicketOrder | None = None,
                   page: PageArgs | None = None, max_page_size: int = 100) -> TicketPage:
    """The viewer's work: assigned to them in an open state, or waiting for them to take it."""
    where = await where_visible(session, viewer=viewer, filter=filter or TicketFilter())
    assigned = and_(Ticket.assignee_id == viewer.user_id, Ticket.state.in_(sorted(OPEN_STATES)))
    where.append(or_(assigned, await takeable(session, viewer)))
    return await read_page(session, where, order=order or TicketOrder(),
                           page=page or PageArgs(), max_page_size=max_page_size)
