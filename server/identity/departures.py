"""When a person leaves (deactivated by a group admin, disabled or deleted by SCIM), others follow.

Identity announces the departure; the domains that hold work in the person's name (tickets: their open
tickets go back to routing) register a follower from the assembly (groupdesk.wiring), so identity
imports none of them. A follower runs in the departure's own transaction and may add rows, never commit.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from server.registry import Registry


@dataclass(frozen=True, slots=True)
class Departure:
    """Who left and why, in words a ticket's history can show."""

    user_id: int
    username: str
    why: str


class DepartureFollower(Protocol):
    def __call__(self, session: AsyncSession, departure: Departure) -> Awaitable[object]: ...


_followers: Registry[DepartureFollower] = Registry()
register = _followers.register
unregister = _followers.unregister


async def announce(session: AsyncSession, departure: Departure) -> None:
    """Tell every follower that a person left, in the order they registered."""
    for follower in _followers:
        await follower(session, departure)
