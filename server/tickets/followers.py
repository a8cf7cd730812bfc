"""Who follows a ticket's history: the followers the assembly registers, told of every event.

`tickets` announces what happened and never imports who listens: the mirror (an outbox row for the
school's desk) is one follower, notifications (in-app rows and mails) another; live updates will be
others. Each follower is
called in the change's own transaction, with the session that holds it, so what a follower writes
(the mirror's outbox row) commits or rolls back with the change itself.

A follower may also register a preparation: `open_ticket` calls every one with the ticket about to
be opened (routed, not yet written) before it takes the ref counter, so that a follower loads what
it will need (targets, a desk's kind, recipients) while no lock is held, and only writes after it.
A preparation reads, may fill the pending ticket's own columns, and never writes a row.

Events recorded together (history.together: an opening's OPENED and ROUTED) are announced inside
every follower's `together` context, if it registered one: a follower may gather what it writes
for each event and write it all at once on leaving (the mirror's outbox rows, in one statement).

The assembly registers the followers before anything can change a ticket (`groupdesk.wiring`).
History refuses to record an event while no follower is registered: a process wired by mistake
without the mirror must fail loudly, never open tickets whose school is silently never told.
"""

from __future__ import annotations

from collections.abc import Awaitable
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from server.tickets.models import Ticket, TicketEvent


class Follower(Protocol):
    """Called with each recorded event, in the change's transaction; it may add rows, never commit."""

    def __call__(self, session: AsyncSession, ticket: Ticket, event: TicketEvent) -> Awaitable[object]: ...


class Preparation(Protocol):
    """Called with a ticket about to be opened (not yet written), before any lock is taken."""

    def __call__(self, session: AsyncSession, ticket: Ticket) -> Awaitable[object]: ...


class FollowersNotRegistered(RuntimeError):
    """A ticket changed in a process where the assembly registered no follower (a wiring mistake)."""


class Together(Protocol):
    """Wraps the announcement of events recorded together (history.together): a follower may
    gather what it writes for each of them and write it all once on the way out."""

    def __call__(self, session: AsyncSession) -> AbstractAsyncContextManager[object]: ...


_followers: list[Follower] = []
_preparations: dict[Follower, Preparation] = {}
_togethers: dict[Follower, Together] = {}


def register(follower: Follower, *, prepare: Preparation | None = None,
             together: Together | None = None) -> None:
    """Add a follower once (registering it again changes nothing: entry points may repeat), with
    what it does before an opening takes the ref counter, and around events announced together,
    if anything."""
    if follower not in _followers:
        _followers.append(follower)
    if prepare is not None:
        _preparations[follower] = prepare
    if together is not None:
        _togethers[follower] = together


def unregister(follower: Follower) -> None:
    """Stop telling a follower (a process winding down, a test putting the registry back); its
    preparation stays known but runs only while the follower is registered again."""
    if follower in _followers:
        _followers.remove(follower)


def registered() -> tuple[Follower, ...]:
    """The followers, in the order they were registered (the order they are told)."""
    return tuple(_followers)


async def prepare_opening(session: AsyncSession, ticket: Ticket) -> None:
    """Let every follower read what an opening will need, in the order they are told of events."""
    for follower in _followers:
        preparation = _preparations.get(follower)
        if preparation is not None:
            await preparation(session, ticket)


async def announce_together(session: AsyncSession, events: list[tuple[Ticket, TicketEvent]]) -> None:
    """Tell every follower of events recorded together, each in turn as `announce` does, inside
    the registered followers' `together` contexts (which write what they gathered on leaving)."""
    async with AsyncExitStack() as stack:
        for follower in _followers:
            wrap = _togethers.get(follower)
            if wrap is not None:
                await stack.enter_async_context(wrap(session))
        for ticket, event in events:
            await announce(session, ticket, event)


async def announce(session: AsyncSession, ticket: Ticket, event: TicketEvent) -> None:
    """Tell every follower of an event just recorded (in the order they registered)."""
    if not _followers:
        raise FollowersNotRegistered(
            "a ticket changed but no history follower is registered: the entry point must call "
            "groupdesk.wiring.register_followers() first, or the schools' desks would never hear of it")
    for follower in _followers:
        await follower(session, ticket, event)
