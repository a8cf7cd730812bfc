"""Who hears that a ticket's mirror changed: listeners the assembly registers (live updates).

Every write that changes what a mirror shows (its status, the local ticket's ref, the last error,
what the desk's ticket looks like) calls `changed` in its own transaction, like history tells its
followers: a listener may remember what to publish once the transaction commits (`session.info`),
never commit. A claim's lease and a delivery's bookkeeping (attempt times) are not changes. With
no listener registered, nothing is told; the mirror is still read by the next query.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

Listener = Callable[[AsyncSession, int], Awaitable[object]]

_listeners: list[Listener] = []


def register(listener: Listener) -> None:
    """Add a listener once: registering the same one again changes nothing."""
    if listener not in _listeners:
        _listeners.append(listener)


def unregister(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


async def changed(session: AsyncSession, ticket_id: int) -> None:
    """Tell every listener that this ticket's mirror changed in the session's transaction."""
    for listener in _listeners:
        await listener(session, ticket_id)
