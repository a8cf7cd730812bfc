"""The ticket history: the one function that writes TicketEvent rows.

Every change to a ticket (state, assignment, priority, escalation, comment, routing decision)
calls `record` in the same transaction, so the history is complete by construction. Work that
must follow each change (the mirror's outbox, later mail and live updates) is done by the followers
the assembly registers (server.tickets.followers), told of every event in that same transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.db import utcnow
from server.tickets.followers import announce
from server.tickets.models import EventKind, Ticket, TicketEvent, Visibility
from tenants.context import Principal


async def record(session: AsyncSession, ticket: Ticket, kind: EventKind, *,
                 actor: Principal | None, data: dict[str, Any] | None = None,
                 public: bool = True) -> TicketEvent:
    """Append one event to the ticket's history; `actor` None is the system."""
    if ticket.id is None:  # Mapped[int], but None until the first flush
        await session.flush()  # type: ignore[unreachable]
    now = utcnow()
    event = TicketEvent(ticket_id=ticket.id, kind=kind,
                        actor_id=actor.user_id if actor is not None else None,
                        api_token_id=actor.api_token_id if actor is not None else None,
                        visibility=Visibility.PUBLIC if public else Visibility.INTERNAL,
                        data=dict(data or {}), created_at=now)
    ticket.updated_at = now
    session.add(event)
    await session.flush()
    # Followers write in this same transaction (the mirror's outbox row commits with the change).
    await announce(session, ticket, event)
    return event
