"""The SLA follower of ticket history: every recorded event brings the ticket's clock up to date.

Registered by the assembly (groupdesk.wiring) like the mirror; runs in the change's transaction, on
the ticket the change already holds. An opening and a priority change take the sub-service's
targets at the ticket's priority; other changes keep the targets in force. Before an opening takes
the ref counter, `prepare` reads the targets and the calendar (one statement, remembered for the
transaction) and starts the pending ticket's clock, so the ticket is written with its SLA columns
and its OPENED and ROUTED events change nothing more.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.sla import clocks, remembered
from server.sla.calendar import BusinessCalendar
from server.sla.targets import Targets
from server.tickets.models import EventKind, Ticket, TicketEvent

# Events that change which targets apply.
TARGETS_CHANGE = frozenset({EventKind.OPENED, EventKind.PRIORITY_CHANGED})
# Events that change nothing the clock reads (a comment, an escalation).
CLOCK_UNCHANGED = frozenset({EventKind.COMMENTED, EventKind.ESCALATED})


def _inputs(ticket: Ticket, targets: Targets | None, now: dt.datetime) -> tuple[Any, ...]:
    """What a refresh reads besides the calendar (targets None: the ones in force)."""
    in_force = targets or Targets(ticket.take_target_seconds, ticket.resolve_target_seconds)
    return (ticket.state, ticket.assignee_id, ticket.priority, in_force, now)


def _refresh(session: AsyncSession, ticket: Ticket, calendar: BusinessCalendar,
             targets: Targets | None, now: dt.datetime) -> None:
    """Refresh, unless this very ticket was refreshed with the same inputs at the same instant:
    an opening's OPENED and ROUTED come at the instant its clock was started, and a refresh
    (a pure function of them) would write the same columns again."""
    inputs = _inputs(ticket, targets, now)
    last = session.info.get(remembered.REFRESHED_KEY)
    if last is not None and last[0] is ticket and last[1] is calendar and last[2] == inputs:
        return
    clocks.refresh(ticket, calendar, targets, now)
    session.info[remembered.REFRESHED_KEY] = (ticket, calendar, _inputs(ticket, targets, now))


async def prepare(session: AsyncSession, ticket: Ticket) -> None:
    """Start the clock of a ticket about to be opened, as of its creation."""
    targets, calendar = await remembered.read_for_opening(session, ticket.tenant_id,
                                                          ticket.sub_service_id, ticket.priority)
    _refresh(session, ticket, calendar, targets, ticket.created_at)


async def follow(session: AsyncSession, ticket: Ticket, event: TicketEvent) -> None:
    """Refresh the ticket's SLA columns as of the event."""
    if event.kind in CLOCK_UNCHANGED:
        return
    targets = (await remembered.targets(session, ticket.sub_service_id, ticket.priority)
               if event.kind in TARGETS_CHANGE else None)
    _refresh(session, ticket, await remembered.calendar(session, ticket.tenant_id), targets,
             event.created_at)
