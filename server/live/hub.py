"""The process's fan-out: bus deliveries routed to subscribers, each with a bounded buffer.

Subscribers listen on routing keys: ("ticket", id) for one ticket, ("tickets",) for every ticket
change (filtered per subscriber later), ("mirror", id) for one ticket's mirror, ("user", id) for
one user's notifications, the per-user channel. Delivery never waits for a subscriber: each has a
buffer of `capacity` messages; a subscriber whose buffer is full when a message arrives has fallen
behind. Its buffer is dropped and its next read raises `FellBehind`, so the client is told to
refetch and subscribe again (README, "Live updates"), while every other subscriber goes on. When
the bus may have lost messages (a reconnect), every subscriber is told the same.

History events are read once per process however many subscribers are sent them (`event_row`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import OrderedDict, defaultdict, deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.identity.open_sockets import OPEN_SOCKETS
from server.live.bus import Bus
from server.live.messages import (
    CredentialsRevoked,
    LiveMessage,
    MirrorChanged,
    NotificationPosted,
    TicketChanged,
)
from server.tickets.models import TicketEvent

log = logging.getLogger(__name__)

Key = tuple[str, ...] | tuple[str, int]
ALL_TICKETS: Key = ("tickets",)
EVENT_CACHE_SIZE = 4096


class FellBehind(Exception):
    """The subscriber's buffer overflowed, or the bus may have lost messages: refetch, resubscribe."""


# Asked synchronously as a message is routed: does this subscriber want it at all? Messages it
# refuses never wake its task (with 1,000 subscribers, most changes concern a few of them).
Wants = Callable[[LiveMessage], bool]


class Subscriber:
    """One subscription's buffer; read with `async for`."""

    def __init__(self, keys: tuple[Key, ...], capacity: int, wants: Wants | None = None) -> None:
        self.keys = keys
        self.capacity = capacity
        self.wants = wants
        self._buffer: deque[LiveMessage] = deque()
        self._ready = asyncio.Event()
        self.behind = False
        # Set while the reader waits on an empty buffer: whoever offered a message can tell it was
        # read and passed over (tests/policy decide "hidden" this way, without waiting on a clock).
        self.idle = asyncio.Event()

    def offer(self, message: LiveMessage) -> None:
        if self.behind or (self.wants is not None and not self.wants(message)):
            return
        if len(self._buffer) >= self.capacity:
            self.fall_behind()
            return
        self._buffer.append(message)
        self.idle.clear()
        self._ready.set()

    def fall_behind(self) -> None:
        self.behind = True
        self._buffer.clear()
        self._ready.set()

    async def __aiter__(self) -> AsyncIterator[LiveMessage]:
        while True:
            if self.behind:
                raise FellBehind()
            if self._buffer:
                yield self._buffer.popleft()
                continue
            self._ready.clear()
            self.idle.set()
            await self._ready.wait()


class LiveHub:
    """Started with the app (or at the first subscription); one per process and event loop."""

    def __init__(self, bus: Bus, sessions: async_sessionmaker[AsyncSession], *, capacity: int) -> None:
        self.bus = bus
        self.sessions = sessions
        self.capacity = capacity
        self._subscribers: dict[Key, set[Subscriber]] = defaultdict(set)
        self._events: OrderedDict[int, asyncio.Future[TicketEvent | None]] = OrderedDict()
        self._started = False
        self._starting = asyncio.Lock()
        # Messages routed, for the benchmark; subscriptions made, for whoever waits on them.
        self.delivered = 0
        self.subscriptions_made = 0
        self._made = threading.Condition()
        self.subscribed = asyncio.Event()

    async def start(self) -> None:
        async with self._starting:
            if not self._started:
                await self.bus.start(self.dispatch, self.lost)
                self._started = True

    async def stop(self) -> None:
        if self._started:
            self._started = False
            await self.bus.stop()

    @contextlib.contextmanager
    def subscribe(self, keys: Iterable[Key], wants: Wants | None = None) -> Iterator[Subscriber]:
        subscriber = Subscriber(tuple(keys), self.capacity, wants)
        for key in subscriber.keys:
            self._subscribers[key].add(subscriber)
        with self._made:
            self.subscriptions_made += 1
            self._made.notify_all()
        self.subscribed.set()
        try:
            yield subscriber
        finally:
            for key in subscriber.keys:
                entries = self._subscribers.get(key)
                if entries is not None:
                    entries.discard(subscriber)
                    if not entries:
                        del self._subscribers[key]

    def wait_for_subscriptions(self, count: int, timeout: float) -> bool:
        """Block (a thread, not the loop) until `count` subscriptions were ever made here."""
        with self._made:
            return self._made.wait_for(lambda: self.subscriptions_made >= count, timeout)

    def subscribers(self) -> list[Subscriber]:
        return list({s for entries in self._subscribers.values() for s in entries})

    def subscriber_count(self) -> int:
        return len(self.subscribers())

    def dispatch(self, messages: list[LiveMessage]) -> None:
        """Route one delivery to the subscribers' buffers; never waits."""
        for message in messages:
            self.delivered += 1
            if isinstance(message, TicketChanged):
                targets = (self._subscribers.get(("ticket", message.ticket_id), set())
                           | self._subscribers.get(ALL_TICKETS, set()))
            elif isinstance(message, MirrorChanged):
                targets = self._subscribers.get(("mirror", message.ticket_id), set())
            elif isinstance(message, NotificationPosted):
                targets = self._subscribers.get(("user", message.user_id), set())
            elif isinstance(message, CredentialsRevoked):
                OPEN_SOCKETS.announce(message.keys)
                continue
            for subscriber in list(targets):
                subscriber.offer(message)

    def lost(self) -> None:
        """The bus may have missed messages: every subscriber must refetch."""
        for subscriber in {s for entries in self._subscribers.values() for s in entries}:
            subscriber.fall_behind()

    async def event_row(self, event_id: int) -> TicketEvent | None:
        """A history event as stored, read once for all the subscribers it is sent to."""
        found = self._events.get(event_id)
        if found is None:
            found = asyncio.get_running_loop().create_future()
            self._events[event_id] = found
            if len(self._events) > EVENT_CACHE_SIZE:
                self._events.popitem(last=False)
            try:
                async with self.sessions() as session:
                    row = await session.get(TicketEvent, event_id)
                    if row is not None:
                        session.expunge(row)
                found.set_result(row)
            except BaseException as exc:
                self._events.pop(event_id, None)
                found.set_exception(exc)
                found.exception()  # retrieved: the waiters below see it
                raise
        return await asyncio.shield(found)
