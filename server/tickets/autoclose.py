"""Closing resolved tickets the school neither confirmed nor reopened in time."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.tickets import history
from server.tickets.locking import lock_ticket, next_version
from server.tickets.models import EventKind, Ticket
from server.tickets.workflow import SYSTEM, Action, TicketState, auto_close_due, transition


async def close_resolved_tickets(session: AsyncSession, *, now: dt.datetime,
                                 after_days: int) -> int:
    """Close every ticket resolved at least `after_days` days before `now`; how many were closed.

    Idempotent: a second run finds nothing due. Each ticket is re-read under its lock, so a
    ticket reopened meanwhile stays open.
    """
    if after_days < 0:
        raise ValueError(f"after_days must be zero or more, got {after_days}")
    cutoff = now - dt.timedelta(days=after_days)
    due = list(await session.scalars(
        select(Ticket.id).where(Ticket.state == TicketState.RESOLVED, Ticket.resolved_at <= cutoff)
        .order_by(Ticket.id)))
    closed = 0
    for ticket_id in due:
        ticket = await lock_ticket(session, None, ticket_id, None)
        if ticket.resolved_at is None or not auto_close_due(ticket.state, ticket.resolved_at,
                                                            now, after_days):
            continue
        before = ticket.state
        ticket.state = transition(before, Action.CLOSE, SYSTEM)
        ticket.closed_at = now
        next_version(ticket)
        await history.record(session, ticket, EventKind.CLOSED, actor=None, data={
            "from": before.value, "to": ticket.state.value,
            "reason": f"resolved {after_days} days ago without being reopened",
        })
        closed += 1
    return closed
