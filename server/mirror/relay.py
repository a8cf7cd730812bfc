"""The embedded relay: delivery inside the app when no broker is configured.

It runs the same MirrorDelivery and RetryPolicy as the dramatiq actors. Commits that write outbox
events wake it at once; an APScheduler interval job sweeps the outbox for anything due (retries
whose backoff is over, a desk back up, events written by another process), and another polls the
desks that cannot push (GROUPDESK_DESK_POLL_SECONDS).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable

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


class EmbeddedRelay:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], delivery: MirrorDelivery, *,
                 interval: float, concurrency: int, poller: DeskPoller | None = None,
                 poll_interval: float = 0) -> None:
        self.sessions = sessions
        self.delivery = delivery
        self.poller = poller
        self.poll_interval = poll_interval
        self.interval = interval
        self.limit = asyncio.Semaphore(concurrency)
        self.scheduler: AsyncIOScheduler | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.tasks: set[asyncio.Task[Outcome]] = set()
        self.unsubscribe: Callable[[], None] | None = None
        self.closing: Callable[[], Awaitable[None]] | None = None

    @classmethod
    def for_app(cls, settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> EmbeddedRelay:
        runtime = delivery_runtime(settings, sessions)
        relay = cls(sessions, runtime.delivery, interval=settings.relay_interval_seconds,
                    concurrency=settings.mirror_concurrency, poller=runtime.poller,
                    poll_interval=settings.desk_poll_seconds)
        relay.closing = runtime.aclose
        return relay

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.unsubscribe = outbox.subscribe(self._committed)
        self.scheduler = AsyncIOScheduler(event_loop=self.loop)
        self.scheduler.add_job(self.sweep, "interval", seconds=self.interval, coalesce=True,
                               max_instances=1, next_run_time=utcnow(), id="mirror-sweep")
        if self.poller is not None and self.poll_interval > 0:
            # Desks that cannot push are read in the same runtime, one poll at a time.
            self.scheduler.add_job(self.poller.poll_all, "interval", seconds=self.poll_interval,
                                   coalesce=True, max_instances=1, id="desk-poll")
        self.scheduler.start()

    async def stop(self) -> None:
        if self.unsubscribe is not None:
            self.unsubscribe()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.closing is not None:
            await self.closing()

    def _committed(self, ticket_ids: frozenset[int]) -> None:
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.kick, ticket_ids)

    def kick(self, ticket_ids: Iterable[int]) -> None:
        """Deliver these tickets now, in the background."""
        for ticket_id in ticket_ids:
            task = asyncio.ensure_future(self._deliver(ticket_id))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def sweep(self) -> int:
        """Deliver every ticket that has something due; returns how many were tried."""
        async with self.sessions() as session:
            due = await due_tickets(session, now=utcnow())
        await asyncio.gather(*(self._deliver(t) for t in due))
        return len(due)

    async def _deliver(self, ticket_id: int) -> Outcome:
        async with self.limit:
            try:
                outcome = await self.delivery.deliver(ticket_id)
            except Exception:  # the database went away: the next sweep tries again
                log.exception("embedded relay could not deliver ticket %s", ticket_id)
                return Outcome(error="exception")
        if outcome.retry_in_ms is not None and self.loop is not None:
            # Come back when the backoff is over rather than at the next sweep.
            self.loop.call_later(outcome.retry_in_ms / 1000 + 0.01, self.kick, [ticket_id])
        elif outcome.more and self.loop is not None:
            self.loop.call_soon(self.kick, [ticket_id])
        return outcome
