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

from server.registry import Registry

Listener = Callable[[AsyncSession, int], Awaitable[object]]

_listeners: Registry[Listener] = Registry()
register = _listeners.register
unregister = _listeners.unregister


async def changed(session: AsyncSession, ticket_id: int) -> None:
    """Tell every listener that this ticket's mirror changed in the session's transaction."""
    for listener in _listeners:
        await listener(session, ticket_id)
