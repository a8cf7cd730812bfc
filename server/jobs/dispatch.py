"""The app's side of the broker path: after a commit that wrote outbox events, send "deliver ticket N"."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from server.config import Settings
from server.mirror import outbox

log = logging.getLogger("groupdesk.jobs")


class BrokerDispatch:
    """Sends one message per ticket committed with new events; the sweep covers failed sends."""

    def __init__(self, settings: Settings) -> None:
        assert settings.broker_url
        self.url = settings.broker_url
        self.loop: asyncio.AbstractEventLoop | None = None
        self.unsubscribe: Callable[[], None] | None = None
        self.tasks: set[asyncio.Future[None]] = set()

    async def start(self) -> None:
        from server.jobs import broker

        broker.install(self.url)
        from server.jobs import actors  # noqa: F401  (after install: see server/jobs/__init__.py)

        self.loop = asyncio.get_running_loop()
        self.unsubscribe = outbox.subscribe(self._committed)

    async def stop(self) -> None:
        if self.unsubscribe is not None:
            self.unsubscribe()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    def _committed(self, ticket_ids: frozenset[int]) -> None:
        if self.loop is None or self.loop.is_closed():
            return
        # Broker clients block: send from a thread, never from the request's event loop.
        self.loop.call_soon_threadsafe(self._spawn, ticket_ids)

    def _spawn(self, ticket_ids: frozenset[int]) -> None:
        assert self.loop is not None
        future = self.loop.run_in_executor(None, self._send, sorted(ticket_ids))
        self.tasks.add(future)
        future.add_done_callback(self.tasks.discard)

    @staticmethod
    def _send(ticket_ids: list[int]) -> None:
        from server.jobs.actors import deliver_ticket

        for ticket_id in ticket_ids:
            try:
                deliver_ticket.send(ticket_id)
            except Exception:  # the outbox keeps the event; the worker's sweep sends it later
                log.exception("could not send delivery of ticket %s to the broker", ticket_id)
