"""The live bus: how committed messages reach the hub of every server process.

Three backends, chosen by GROUPDESK_LIVE_BACKEND:

- `embedded` (the default): in this process only. A commit hands its messages to every hub of the
  process, whatever thread or event loop it runs on. Right for one server process.
- `postgres`: PostgreSQL LISTEN/NOTIFY on the application's own database. Every commit on
  PostgreSQL NOTIFYs inside its transaction (server/live/publish.py), so any process that changes a
  ticket (a server, a command, a worker) publishes; each hub LISTENs on one connection of its own.
- `redis`: Redis pub/sub on GROUPDESK_LIVE_REDIS_URL, channel GROUPDESK_LIVE_REDIS_CHANNEL. Each
  server process publishes what its own commits changed, after they commit.

A bus gives each delivery to the hub as a list of messages, in the hub's event loop. When a
listening connection is lost and comes back, messages may have been missed: the bus says so
(`lost`), and the hub asks every subscriber to resync.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol

from server.live import publish
from server.live.messages import CredentialsRevoked, LiveMessage

Deliver = Callable[[list[LiveMessage]], None]
Lost = Callable[[], None]


class Bus(Protocol):
    name: str

    async def start(self, deliver: Deliver, lost: Lost) -> None: ...

    async def stop(self) -> None: ...


class EmbeddedBus:
    """In-process: commits of this process, on any thread, reach this hub's loop."""

    name = "embedded"

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._deliver: Deliver | None = None

    async def start(self, deliver: Deliver, lost: Lost) -> None:
        self._loop = asyncio.get_running_loop()
        self._deliver = deliver
        publish.attach(self)

    def accept(self, messages: list[LiveMessage], loop: asyncio.AbstractEventLoop | None) -> None:
        # Revocations made here are already announced to this process's sockets.
        wanted: list[LiveMessage] = [m for m in messages if not isinstance(m, CredentialsRevoked)]
        if wanted and self._loop is not None and self._deliver is not None:
            deliver: Callable[[list[LiveMessage]], None] = self._deliver
            try:
                self._loop.call_soon_threadsafe(deliver, wanted)
            except RuntimeError:  # the hub's loop has stopped
                publish.detach(self)

    async def stop(self) -> None:
        publish.detach(self)
