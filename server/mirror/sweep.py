"""Which tickets have events due for delivery: what the periodic sweep re-sends."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from server.mirror.models import Mirror, MirrorStatus, Origin, OutboxEvent


async def due_tickets(session: AsyncSession, *, now: dt.datetime, limit: int = 500,
                      older_than: dt.datetime | None = None) -> list[int]:
    """Tickets with undelivered events whose mirror is neither paused, backing off, nor claimed.

    Asked of the outbox itself rather than of the mirror's status, so a lost broker message or a
    status written by a race never leaves an event behind. `older_than` keeps to tickets with an
    event written before it: younger ones still have their own message on the way.
    """
    stmt = (select(OutboxEvent.ticket_id)
            .join(Mirror, Mirror.ticket_id == OutboxEvent.ticket_id)
            .where(OutboxEvent.delivered_at.is_(None), OutboxEvent.origin == Origin.GROUP,
                   Mirror.status != MirrorStatus.PAUSED,
                   or_(Mirror.next_attempt_at.is_(None), Mirror.next_attempt_at <= now),
                   or_(Mirror.claimed_until.is_(None), Mirror.claimed_until <= now))
            .where(OutboxEvent.created_at <= older_than if older_than is not None else true())
            .group_by(OutboxEvent.ticket_id)
            .order_by(OutboxEvent.ticket_id)
            .limit(limit))
    return list(await session.scalars(stmt))
