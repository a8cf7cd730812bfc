"""The embedded relay: delivery inside the app when no broker is configured.

It runs the same deliveries and retry policies as the dramatiq actors, for each of its lanes: the
mirror (a ticket's outbox events to the school's desk) and any lane the assembly adds (the mail
outbox of notifications). Commits that write a lane's rows wake it at once; an APScheduler interval
job sweeps every lane for anything due (retries whose backoff is over, a desk or mail relay back
up, rows written by another process), and another polls the desks that cannot push
(GROUPDESK_DESK_POLL_SECONDS).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.config import Settings
from server.db import utcnow
from server.mirror import outbox
from server.mirror.delivery import MirrorDelivery, Outcome
from server.mirror.poll import DeskPoller
from server.mirror.runtime import delivery_runtime
from server.mirror.sweep import due_tickets

log = logging.getLogger("groupdesk.mirror")
# A key found busy is looked at again after these delays (doubling while it stays busy).
BUSY_RETRY_FIRST_S = 0.1
BUSY_RETRY_MAX_S = 5.0
Unsubscribe = Callable[[], None]


class Lane(Protocol):
    """One kind of outbox the relay delivers: its commits, what is due, how one key is delivered."""

    name: str

    def subscribe(self, listener: Callable[[frozenset[int]], None]) -> Unsubscribe: ...

    async def due(self, session: AsyncSession, now: dt.datetime) -> list[int]: ...

    async def deliver(self, key: int) -> Outcome: ...


@dataclass
class MirrorLane:
    """The mirror's outbox: keys are ticket ids."""

    delivery: MirrorDelivery
    name: str = "mirror"

    def subscribe(self, listener: Callable[[frozenset[int]], None]) -> Unsubscribe:
        return outbox.subscribe(listener)

    async def due(self, session: AsyncSession, now: dt.datetime) -> list[int]:
        return await due_tickets(session, now=now)

    async def deliver(self, key: int) -> Outcome:
        return await self.delivery.deliver(key)


class EmbeddedRelay:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], delivery: MirrorDelivery, *,
                 interval: float, concurrency: int, lanes: Sequence[Lane] = (),
                 poller: DeskPoller | None = None, poll_interval: float = 0) -> None:
        self.sessions = sessions
        self.delivery = delivery
        self.poller = poller
        self.poll_interval = poll_interval
        self.interval = interval
        self.limit = asyncio.Semaphore(concurrency)
        self.mirror = MirrorLane(delivery)
        self.lanes: list[Lane] = [self.mirror, *lanes]
        self.scheduler: AsyncIOScheduler | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.tasks: set[asyncio.Task[Outcome]] = set()
        self.unsubscribes: list[Unsubscribe] = []
        self.closing: Callable[[], Awaitable[None]] | None = None
        # Set by stop(): later kicks (a backoff's, a busy key's look again) deliver nothing.
        self.stopped = False

    @classmethod
    def for_app(cls, settings: Settings, sessions: async_sessionmaker[AsyncSession], *,
                lanes: Sequence[Lane] = ()) -> EmbeddedRelay:
        runtime = delivery_runtime(settings, sessions)
        relay = cls(sessions, runtime.delivery, interval=settings.relay_interval_seconds,
                    concurrency=settings.mirror_concurrency, lanes=lanes, poller=runtime.poller,
                    poll_interval=settings.desk_poll_seconds)
        relay.closing = runtime.aclose
        return relay

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        for lane in self.lanes:
            self.unsubscribes.append(lane.subscribe(self._committed_to(lane)))
        self.scheduler = AsyncIOScheduler(event_loop=self.loop)
        self.scheduler.add_job(self.sweep, "interval", seconds=self.interval, coalesce=True,
                               max_instances=1, next_run_time=utcnow(), id="mirror-sweep")
        if self.poller is not None and self.poll_interval > 0:
            # Desks that cannot push are read in the same runtime, one poll at a time.
            self.scheduler.add_job(self.poller.poll_all, "interval", seconds=self.poll_interval,
                                   coalesce=True, max_instances=1, id="desk-poll")
        self.scheduler.start()

    async def stop(self) -> None:
        self.stopped = True
        for unsubscribe in self.unsubscribes:
            unsubscribe()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.closing is not None:
            await self.closing()

    def _committed_to(self, lane: Lane) -> Callable[[frozenset[int]], None]:
        def committed(keys: frozenset[int]) -> None:
            if self.loop is not None and not self.loop.is_closed():
                self.loop.call_soon_threadsafe(self.kick, keys, lane)
        return committed

    def kick(self, keys: Iterable[int], lane: Lane | None = None, busy_tries: int = 0) -> None:
        """Deliver these keys of a lane (the mirror's tickets by default) now, in the background."""
        if self.stopped:
            return
        for key in keys:
            task = asyncio.ensure_future(self._deliver(lane or self.mirror, key, busy_tries))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def sweep(self) -> int:
        """Deliver everything due in every lane; returns how many keys were tried."""
        now = utcnow()
        due: list[tuple[Lane, int]] = []
        async with self.sessions() as session:
            for lane in self.lanes:
                due += [(lane, key) for key in await lane.due(session, now)]
        await asyncio.gather(*(self._deliver(lane, key) for lane, key in due))
        return len(due)

    async def _deliver(self, lane: Lane, key: int, busy_tries: int = 0) -> Outcome:
        async with self.limit:
            try:
                outcome = await lane.deliver(key)
            except Exception:  # the database went away: the next sweep tries again
                log.exception("embedded relay could not deliver %s %s", lane.name, key)
                return Outcome(error="exception")
        if outcome.retry_in_ms is not None and self.loop is not None:
            # Come back when the backoff is over rather than at the next sweep.
            self.loop.call_later(outcome.retry_in_ms / 1000 + 0.01, self.kick, [key], lane)
        elif outcome.more and self.loop is not None:
            # Events committed while this run delivered: go again now, not at the next sweep.
            self.loop.call_soon(self.kick, [key], lane)
        elif outcome.busy and self.loop is not None:
            # Another delivery holds the key: it may have looked for waiting rows just before this
            # commit announced its own. Look again once it is likely done (backing off to
            # BUSY_RETRY_MAX_S while it stays busy) rather than leave the rows to the next sweep.
            delay = min(BUSY_RETRY_FIRST_S * 2 ** busy_tries, BUSY_RETRY_MAX_S)
            self.loop.call_later(delay, self.kick, [key], lane, busy_tries + 1)
        return outcome
