"""Who follows a ticket's history: the followers the assembly registers, told of every event.

`tickets` announces what happened and never imports who listens: the mirror (an outbox row for the
school's desk) is one follower, notifications (in-app rows and mails) another; live updates will be
others. Each follower is
called in the change's own transaction, with the session that holds it, so what a follower writes
(the mirror's outbox row) commits or rolls back with the change itself.

The assembly registers the followers before anything can change a ticket (`groupdesk.wiring`).
History refuses to record an event while no follower is registered: a process wired by mistake
without the mirror must fail loudly, never open tickets whose school is silently never told.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from server.tickets.models import Ticket, TicketEvent


class Follower(Protocol):
    """Called with each recorded event, in the change's transaction; it may add rows, never commit."""

    def __call__(self, session: AsyncSession, ticket: Ticket, event: TicketEvent) -> Awaitable[object]: ...


class FollowersNotRegistered(RuntimeError):
    """A ticket changed in a process where the assembly registered no follower (a wiring mistake)."""


_followers: list[Follower] = []


def register(follower: Follower) -> None:
    """Add a follower once: registering the same one again changes nothing (entry points may repeat)."""
    if follower not in _followers:
        _followers.append(follower)


def unregister(follower: Follower) -> None:
    """Stop telling a follower (a process winding down, a test putting the registry back)."""
    if follower in _followers:
        _followers.remove(follower)


def registered() -> tuple[Follower, ...]:
    """The followers, in the order they were registered (the order they are told)."""
    return tuple(_followers)


async def announce(session: AsyncSession, ticket: Ticket, event: TicketEvent) -> None:
    """Tell every follower of an event just recorded (in the order they registered)."""
    if not _followers:
        raise FollowersNotRegistered(
            "a ticket changed but no history follower is registered: the entry point must call "
            "groupdesk.wiring.register_followers() first, or the schools' desks would never hear of it")
    for follower in _followers:
        await follower(session, ticket, event)
