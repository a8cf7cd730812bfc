"""The ticket history: the one function that writes TicketEvent rows.

Every change to a ticket (state, assignment, priority, escalation, comment, routing decision)
calls `record` in the same transaction, so the history is complete by construction. Work that
must follow each change (the mirror's outbox, later mail and live updates) is done by the followers
the assembly registers (server.tickets.followers), told of every event in that same transaction.
Events of one change may be recorded `together`: one INSERT for all, then each announced in turn.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from server.db import utcnow
from server.tickets.followers import announce, announce_together
from server.tickets.models import EventKind, Ticket, TicketEvent, Visibility
from tenants.context import Principal

# Events recorded inside `together`, written and announced on its way out.
_TOGETHER_KEY = "groupdesk.history.together"
_COLUMNS = ("ticket_id", "kind", "actor_id", "api_token_id", "visibility", "data", "created_at")


async def record(session: AsyncSession, ticket: Ticket, kind: EventKind, *,
                 actor: Principal | None, data: dict[str, Any] | None = None,
                 public: bool = True, at: dt.datetime | None = None) -> TicketEvent:
    """Append one event to the ticket's history; `actor` None is the system.

    `at` is when it happened (now by default); an opening gives its own time, so that the new
    ticket's `updated_at` stays what it was written with and no UPDATE follows its INSERT.
    """
    if ticket.id is None:  # Mapped[int], but None until the first flush
        await session.flush()  # type: ignore[unreachable]
    now = at or utcnow()
    event = TicketEvent(ticket_id=ticket.id, kind=kind,
                        actor_id=actor.user_id if actor is not None else None,
                        api_token_id=actor.api_token_id if actor is not None else None,
                        visibility=Visibility.PUBLIC if public else Visibility.INTERNAL,
                        data=dict(data or {}), created_at=now)
    if ticket.updated_at != now:  # an opening's events come at its creation: nothing to flush
        ticket.updated_at = now
    waiting: list[tuple[Ticket, TicketEvent]] | None = session.info.get(_TOGETHER_KEY)
    if waiting is not None:
        waiting.append((ticket, event))
        return event
    session.add(event)
    await session.flush()
    # Followers write in this same transaction (the mirror's outbox row commits with the change).
    await announce(session, ticket, event)
    return event


@asynccontextmanager
async def together(session: AsyncSession) -> AsyncIterator[None]:
    """Events recorded inside are written in one statement on the way out, then announced in the
    order they were recorded (an opening's OPENED and ROUTED). Inside, a recorded event has no id
    yet; a `together` inside another joins it."""
    if _TOGETHER_KEY in session.info:
        yield
        return
    waiting: list[tuple[Ticket, TicketEvent]] = []
    session.info[_TOGETHER_KEY] = waiting
    try:
        yield
    finally:
        session.info.pop(_TOGETHER_KEY, None)
    await _write(session, [event for _, event in waiting])
    await announce_together(session, waiting)


async def _write(session: AsyncSession, events: list[TicketEvent]) -> None:
    """Write events in one INSERT. The unit of work would send one per row on SQLite, whose
    RETURNING gives rows in no set order; each row here names itself by its kind instead."""
    if not events:
        return
    kinds = [event.kind for event in events]
    if len(set(kinds)) < len(kinds):  # two of a kind could not be told apart: one by one
        session.add_all(events)
        await session.flush()
        return
    await session.flush()  # what the events refer to (a new ticket) is written first
    # The table itself: the ORM's bulk INSERT would split rows whose None columns differ.
    table = cast(Table, TicketEvent.__table__)
    written = await session.execute(insert(table).returning(table.c.id, table.c.kind), [
        {column: getattr(event, column) for column in _COLUMNS} for event in events])
    ids = {kind: event_id for event_id, kind in written.all()}
    for event in events:
        event.id = ids[event.kind]
        make_transient_to_detached(event)  # a row of the session now, as if loaded
        session.add(event)
