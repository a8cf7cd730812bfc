"""A person who leaves hands their open tickets back: each goes back to routing, or to the brick's queue.

Identity announces the departure (server.identity.departures); the assembly registers
`release_tickets` as its follower. Every ticket the person is assigned to and still has work on
(ASSIGNED, IN_PROGRESS, PENDING) loses its assignee, returns to its queued state (APPROVED when it was
approved, NEW otherwise) and is routed again, with a ROUTED event naming who left and why.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.identity.departures import Departure
from server.tickets import assignment
from server.tickets.locking import next_version
from server.tickets.models import Ticket
from server.tickets.workflow import OPEN_STATES, TicketState


async def release_tickets(session: AsyncSession, departure: Departure) -> list[int]:
    """Route again every open ticket assigned to the person who left; the ids of those tickets."""
    held = list(await session.scalars(
        select(Ticket).where(Ticket.assignee_id == departure.user_id,
                             Ticket.state.in_(sorted(OPEN_STATES)))
        .order_by(Ticket.id).with_for_update().execution_options(populate_existing=True)))
    for ticket in held:
        before = ticket.state
        ticket.state = TicketState.APPROVED if ticket.approval else TicketState.NEW
        ticket.assignee_id = None
        next_version(ticket)
        await assignment.route(session, ticket, because={
            "why": f"{departure.username} {departure.why}", "previous_assignee_id": departure.user_id,
            "previous_state": before.value})
    return [t.id for t in held]
