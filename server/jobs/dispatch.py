"""The app's side of the broker path: after a commit that wrote outbox rows, send "deliver ticket N"
(the mirror) or "deliver mail N" (notifications)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from server.config import Settings
from server.mirror import outbox
from server.notify import outbox as mail_outbox

log = logging.getLogger("groupdesk.jobs")


class BrokerDispatch:
    """Sends one message per ticket committed with new events; the sweep covers failed sends."""

    def __init__(self, settings: Settings) -> None:
        assert settings.broker_url
        self.url = settings.broker_url
        self.mails = settings.smtp_host is not None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.unsubscribes: list[Callable[[], None]] = []
        self.tasks: set[asyncio.Future[None]] = set()

    async def start(self) -> None:
        from server.jobs import broker

        broker.install(self.url)
        from server.jobs import actors  # noqa: F401  (after install: see server/jobs/__init__.py)

        self.loop = asyncio.get_running_loop()
        self.unsubscribes = [outbox.subscribe(self._committed)]
        if self.mails:  # without an SMTP host, mails wait in the outbox
            self.unsubscribes.append(mail_outbox.subscribe(self._mails_committed))

    async def stop(self) -> None:
        for unsubscribe in self.unsubscribes:
            unsubscribe()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    def _committed(self, ticket_ids: frozenset[int]) -> None:
        if self.loop is None or self.loop.is_closed():
            return
        # Broker clients block: send from a thread, never from the request's event loop.
        self.loop.call_soon_threadsafe(self._spawn, ticket_ids)

    def _mails_committed(self, mail_ids: frozenset[int]) -> None:
        if self.loop is None or self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self._spawn, mail_ids, self._send_mails)

    def _spawn(self, keys: frozenset[int], send: Callable[[list[int]], None] | None = None) -> None:
        assert self.loop is not None
        future = self.loop.run_in_executor(None, send or self._send, sorted(keys))
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

    @staticmethod
    def _send_mails(mail_ids: list[int]) -> None:
        from server.jobs.actors import deliver_mail

        for mail_id in mail_ids:
            try:
                deliver_mail.send(mail_id)
            except Exception:  # the outbox keeps the mail; the worker's sweep sends it later
                log.exception("could not send delivery of mail %s to the broker", mail_id)
