"""Who hears of new in-app notifications: listeners the assembly registers (e.g. live updates).

The follower calls `announce` in the change's own transaction with the notifications it just
wrote, like history tells its followers: a listener may add rows or remember what to publish once
the transaction commits (`session.info`), never commit. With no listener registered, nothing is
told; notifications are still in the database for the next `notifications` query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from server.registry import Registry


@dataclass(frozen=True, slots=True)
class NotificationCreated:
    """One in-app notification just written (ids only: a listener loads what it needs)."""

    id: int
    user_id: int
    ticket_id: int
    kind: str
    created_at: dt.datetime


Listener = Callable[[AsyncSession, Sequence[NotificationCreated]], Awaitable[object]]

_listeners: Registry[Listener] = Registry()
register = _listeners.register
unregister = _listeners.unregister
registered = _listeners.registered


async def announce(session: AsyncSession, created: Sequence[NotificationCreated]) -> None:
    """Tell every listener of the notifications one event made (none: nothing to tell)."""
    if not created:
        return
    for listener in _listeners:
        await listener(session, created)
