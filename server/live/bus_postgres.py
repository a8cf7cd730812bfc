"""The PostgreSQL bus: one LISTEN connection per hub; commits NOTIFY inside their transaction.

The listening connection is asyncpg's own (LISTEN needs a connection held for the process's
lifetime, outside SQLAlchemy's pool). If it is lost, the hub is told (its subscribers resync) and
the bus reconnects every `retry_seconds` until the database answers again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from server.live.bus import Deliver, Lost
from server.live.messages import decode
from server.live.publish import POSTGRES_CHANNEL

log = logging.getLogger(__name__)


def asyncpg_dsn(database_url: str) -> str:
    """The SQLAlchemy URL as a DSN asyncpg reads (no `+asyncpg` driver suffix)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class PostgresBus:
    name = "postgres"

    def __init__(self, database_url: str, *, retry_seconds: float = 2.0) -> None:
        self._dsn = asyncpg_dsn(database_url)
        self._retry = retry_seconds
        self._conn: Any = None
        self._deliver: Deliver | None = None
        self._lost: Lost | None = None
        self._watch: asyncio.Task[None] | None = None
        self._gone = asyncio.Event()

    async def start(self, deliver: Deliver, lost: Lost) -> None:
        self._deliver, self._lost = deliver, lost
        await self._connect()
        self._watch = asyncio.create_task(self._keep_listening())

    def _notified(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        assert self._deliver is not None
        try:
            messages = decode(payload)
        except (ValueError, KeyError, TypeError, IndexError):
            log.warning("live bus: unreadable NOTIFY payload dropped")
            return
        self._deliver(messages)

    def _terminated(self, conn: Any) -> None:
        self._gone.set()

    async def _connect(self) -> None:
        conn = await asyncpg.connect(self._dsn)
        await conn.add_listener(POSTGRES_CHANNEL, self._notified)
        conn.add_termination_listener(self._terminated)
        self._conn = conn
        self._gone.clear()

    async def _keep_listening(self) -> None:
        while True:
            await self._gone.wait()
            log.warning("live bus: the PostgreSQL LISTEN connection was lost; reconnecting")
            assert self._lost is not None
            self._lost()
            while True:
                try:
                    await self._connect()
                    break
                except (OSError, asyncpg.PostgresError, asyncio.TimeoutError):
                    await asyncio.sleep(self._retry)
            # Whatever was committed while nobody listened is lost: subscribers resync again.
            self._lost()

    async def stop(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()
