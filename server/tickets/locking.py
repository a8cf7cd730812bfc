"""Optimistic concurrency: a write names the version it saw, and only one writer gets past it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import Conflict, NotFound
from server.tickets.access import visible_tickets
from server.tickets.models import Ticket
from tenants import policy
from tenants.context import Principal
from tenants.i18n.messages import Message


async def lock_ticket(session: AsyncSession, principal: Principal | None, ticket_id: int,
                      expected_version: int | None) -> Ticket:
    """The ticket, held until commit, if `principal` sees it and it is at `expected_version`.

    The version is compared in the database under the lock, never with a copy in memory: FOR UPDATE
    holds the row on PostgreSQL, and writers hold SQLite's write lock (BEGIN IMMEDIATE). Of two
    writers that saw the same version the second waits, reads the new one and gets a Conflict.
    `principal` None is the system; `expected_version` None means "whatever it is now".
    """
    stmt = select(Ticket).where(Ticket.id == ticket_id)
    if principal is not None:
        stmt = stmt.where(visible_tickets(policy.ticket_scope(principal)))
    ticket = await session.scalar(
        stmt.with_for_update().execution_options(populate_existing=True))
    if ticket is None:
        raise NotFound("ticket", ticket_id)
    if expected_version is not None and ticket.version != expected_version:
        raise Conflict(_stale_message(ticket.ref, expected_version, ticket.version),
                       current_version=ticket.version)
    return ticket


def _stale_message(ref: str, expected: int, current: int) -> Message:
    if expected > current:
        # Not a concurrent edit: the client holds a version the ticket never reached.
        return Message("ticket {ref} is at version {current}; version {expected} was sent, which it has "
                       "never reached: reload it and send version {current}", ref=ref, current=current,
                       expected=expected)
    return Message("ticket {ref} changed since version {expected} (now at version {current}): "
                   "reload it and try again", ref=ref, expected=expected, current=current)


def next_version(ticket: Ticket) -> None:
    """Count one change; called once per mutation, whatever it changed."""
    ticket.version += 1
