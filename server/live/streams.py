"""The five live streams, each filtered per event for its subscriber by the access policy.

Every event is re-checked against what the subscriber may see at that moment: the ticket's facts
as the commit left them, and the subscriber's roles and designations, re-read from the database
every `recheck_seconds` (a designation withdrawn stops the events it opened). A ticket that stops
being visible stops being sent; internal events never reach a caller who does not read them.
Deactivated users are not filtered here: their socket is closed (server/identity/open_sockets.py).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.identity.models import Tenant, User
from server.identity.principals import principal_of
from server.live import visibility
from server.live.hub import ALL_TICKETS, Key, LiveHub, Subscriber, Wants
from server.live.messages import (
    LiveMessage,
    LiveTicketFacts,
    MirrorChanged,
    NotificationPosted,
    TicketChanged,
)
from server.tickets.listing import TicketFilter
from server.tickets.models import TicketEvent
from server.tickets.queries import get_ticket
from tenants import policy
from tenants.context import Principal


class ViewerSource:
    """The subscriber as the policy sees it, re-read from the database every `recheck_seconds`."""

    def __init__(self, principal: Principal, sessions: async_sessionmaker[AsyncSession], *,
                 recheck_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.principal = principal
        # The policy's answer for this principal, computed once per reading, used for every event.
        self.scope = policy.ticket_scope(principal)
        self._sessions = sessions
        self._recheck = recheck_seconds
        self._clock = clock
        self._read_at = clock()

    async def current(self) -> Principal:
        if self._clock() - self._read_at >= self._recheck:
            async with self._sessions() as session:
                user = await session.get(User, self.principal.user_id)
                tenant = await session.get(Tenant, self.principal.tenant_id)
                if user is not None and tenant is not None and user.tenant_id == tenant.id:
                    self.principal = await principal_of(session, user, tenant)
                    self.scope = policy.ticket_scope(self.principal)
            self._read_at = self._clock()
        return self.principal

    def sees(self, facts: LiveTicketFacts | None) -> bool:
        return facts is not None and visibility.sees(self.principal, facts, self.scope)

    def queues(self, facts: LiveTicketFacts | None) -> bool:
        return facts is not None and visibility.in_queue(self.principal, facts, self.scope)


@contextlib.asynccontextmanager
async def _one_ticket(hub: LiveHub, viewer: ViewerSource, key: Key, ticket_id: int,
                      wants: Wants) -> AsyncIterator[Subscriber]:
    """A subscription to what concerns one ticket, once the viewer may see it: checked once
    listening, so that nothing committed in between is missed (NotFound otherwise)."""
    with hub.subscribe([key], wants) as subscriber:
        async with hub.sessions() as session:
            await get_ticket(session, viewer=await viewer.current(), ticket_id=ticket_id)
        yield subscriber


async def ticket_events(hub: LiveHub, viewer: ViewerSource, ticket_id: int) -> AsyncIterator[TicketEvent]:
    """Each history event of one ticket the viewer may read, as stored."""
    def wants(m: LiveMessage) -> bool:
        return isinstance(m, TicketChanged) and viewer.sees(m.after)

    async with _one_ticket(hub, viewer, ("ticket", ticket_id), ticket_id, wants) as subscriber:
        async for message in subscriber:
            assert isinstance(message, TicketChanged)
            p = await viewer.current()
            if not viewer.sees(message.after):
                continue
            internal = visibility.reads_internal(p, message.after, viewer.scope)
            for ref in message.events:
                if ref.internal and not internal:
                    continue
                row = await hub.event_row(ref.id)
                if row is not None:
                    yield row


async def mirror_changes(hub: LiveHub, viewer: ViewerSource, ticket_id: int) -> AsyncIterator[MirrorChanged]:
    """Each commit that changed the ticket's mirror, while the viewer may see the ticket (whoever
    sees a ticket sees its mirror, as `Ticket.mirror` reads it); the caller reads the mirror."""
    def wants(m: LiveMessage) -> bool:
        return isinstance(m, MirrorChanged) and viewer.sees(m.ticket)

    async with _one_ticket(hub, viewer, ("mirror", ticket_id), ticket_id, wants) as subscriber:
        async for message in subscriber:
            assert isinstance(message, MirrorChanged)
            await viewer.current()
            if viewer.sees(message.ticket):
                yield message


class Change(StrEnum):
    """How a change moved a ticket with respect to a list or a queue."""

    ENTERED = "ENTERED"
    UPDATED = "UPDATED"
    LEFT = "LEFT"


@dataclass(frozen=True, slots=True)
class TicketMove:
    ticket_id: int
    version: int
    change: Change
    # The state and last history event after the change; None when the ticket is no longer visible.
    state: str | None
    event_kind: str | None
    # When the change committed (epoch seconds, as sealed): the fan-out's lag is measured from it.
    at: float = 0.0


def _move(message: TicketChanged, change: Change, *, visible: bool) -> TicketMove:
    if not visible:
        return TicketMove(message.ticket_id, message.version, change, None, None, message.at)
    kind = message.events[-1].kind if message.events else None
    return TicketMove(message.ticket_id, message.version, change, message.after.state, kind, message.at)


async def queue_moves(hub: LiveHub, viewer: ViewerSource) -> AsyncIterator[TicketMove]:
    """A ticket entered or left the viewer's queue (myQueue)."""
    def wants(m: LiveMessage) -> bool:
        return isinstance(m, TicketChanged) and viewer.queues(m.before) != viewer.queues(m.after)

    with hub.subscribe([ALL_TICKETS], wants) as subscriber:
        async for message in subscriber:
            assert isinstance(message, TicketChanged)
            await viewer.current()
            was, now = viewer.queues(message.before), viewer.queues(message.after)
            if was != now:
                yield _move(message, Change.ENTERED if now else Change.LEFT, visible=viewer.sees(message.after))


async def list_moves(hub: LiveHub, viewer: ViewerSource, wanted: TicketFilter) -> AsyncIterator[TicketMove]:
    """A ticket of the viewer's filtered list changed, entered it or left it."""
    def listed(facts: LiveTicketFacts | None) -> bool:
        return facts is not None and viewer.sees(facts) and visibility.matches(wanted, facts)

    def wants(m: LiveMessage) -> bool:
        return isinstance(m, TicketChanged) and (listed(m.after) or listed(m.before))

    with hub.subscribe([ALL_TICKETS], wants) as subscriber:
        async for message in subscriber:
            assert isinstance(message, TicketChanged)
            await viewer.current()
            visible = viewer.sees(message.after)
            now, was = listed(message.after), listed(message.before)
            if now or was:
                yield _move(message, Change.UPDATED if now and was else
                            Change.ENTERED if now else Change.LEFT, visible=visible)


async def notifications(hub: LiveHub, viewer: ViewerSource) -> AsyncIterator[NotificationPosted]:
    """The viewer's notifications, on their own channel; one about a ticket they no longer see is
    not sent."""
    principal = await viewer.current()
    with hub.subscribe([("user", principal.user_id)]) as subscriber:
        async for message in subscriber:
            assert isinstance(message, NotificationPosted)
            await viewer.current()
            if message.ticket is not None and not viewer.sees(message.ticket):
                continue
            yield message
