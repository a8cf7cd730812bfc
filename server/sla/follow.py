"""The SLA follower of ticket history: every recorded event brings the ticket's clock up to date.

Registered by the assembly (groupdesk.wiring) like the mirror; runs in the change's transaction, on
the ticket the change already holds. An opening and a priority change take the sub-service's
targets at the ticket's priority; other changes keep the targets in force. Before an opening takes
the ref counter, `prepare` reads the targets and the calendar (one statement, remembered for the
transaction) and starts the pending ticket's clock, so the ticket is written with its SLA columns
and its OPENED and ROUTED events change nothing more.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from server.sla import clocks, remembered
from server.tickets.models import EventKind, Ticket, TicketEvent

# Events that change which targets apply.
TARGETS_CHANGE = frozenset({EventKind.OPENED, EventKind.PRIORITY_CHANGED})
# Events that change nothing the clock reads (a comment, an escalation).
CLOCK_UNCHANGED = frozenset({EventKind.COMMENTED, EventKind.ESCALATED})


async def prepare(session: AsyncSession, ticket: Ticket) -> None:
    """Start the clock of a ticket about to be opened, as of its creation."""
    targets, calendar = await remembered.read_for_opening(session, ticket.tenant_id,
                                                          ticket.sub_service_id, ticket.priority)
    clocks.refresh(ticket, calendar, targets, ticket.created_at)


async def follow(session: AsyncSession, ticket: Ticket, event: TicketEvent) -> None:
    """Refresh the ticket's SLA columns as of the event."""
    if event.kind in CLOCK_UNCHANGED:
        return
    targets = (await remembered.targets(session, ticket.sub_service_id, ticket.priority)
               if event.kind in TARGETS_CHANGE else None)
    clocks.refresh(ticket, await remembered.calendar(session, ticket.tenant_id), targets,
                   event.created_at)
