"""The SLA follower of ticket history: every recorded event brings the ticket's clock up to date.

Registered by the assembly (groupdesk.wiring) like the mirror; runs in the change's transaction, on
the ticket the change already holds. An opening and a priority change take the sub-service's
targets at the ticket's priority; other changes keep the targets in force.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from server.sla import clocks
from server.sla.calendars import calendar_of
from server.sla.targets import targets_for
from server.tickets.models import EventKind, Ticket, TicketEvent

# Events that change which targets apply.
TARGETS_CHANGE = frozenset({EventKind.OPENED, EventKind.PRIORITY_CHANGED})
# Events that change nothing the clock reads (a comment, an escalation).
CLOCK_UNCHANGED = frozenset({EventKind.COMMENTED, EventKind.ESCALATED})


async def follow(session: AsyncSession, ticket: Ticket, event: TicketEvent) -> None:
    """Refresh the ticket's SLA columns as of the event."""
    if event.kind in CLOCK_UNCHANGED:
        return
    targets = (await targets_for(session, ticket.sub_service_id, ticket.priority)
               if event.kind in TARGETS_CHANGE else None)
    clocks.refresh(ticket, await calendar_of(session, ticket.tenant_id), targets, event.created_at)
