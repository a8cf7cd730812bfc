"""A live server per database for the live-update tests, and a graphql-transport-ws client.

SQLite runs the embedded (in-process) bus, PostgreSQL the LISTEN/NOTIFY bus. Changes are made by
the ticket services in the test's own engine and thread, committed, and travel like any other
process's commits. Nothing sleeps: a test waits for the server to register a subscription
(`LiveHub.wait_for_subscriptions`, a condition) and for messages, each with a deadline.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from groupdesk.app import create_app
from server import migrations
from server.config import Settings
from server.db import create_engine, session_factory, writer_session
from server.identity.local_issuer import LocalIssuer
from server.importing import import_federation
from server.live.hub import LiveHub
from tenants.federation import demo_federation_path, load_federation
from tests.conftest import drop_database, new_database
from tests.support.live_server import ENGLISH, LiveServer

PROTOCOL = "graphql-transport-ws"
# Generous: only a message that never comes makes a test wait this long.
DEADLINE = 30


class Socket:
    """One graphql-transport-ws connection; messages are kept per operation id."""

    def __init__(self, connection: ClientConnection, hub: LiveHub) -> None:
        self.connection = connection
        self.hub = hub
        self._by_op: dict[str, list[dict[str, Any]]] = defaultdict(list)

    async def subscribe(self, op: str, query: str, variables: dict[str, Any] | None = None) -> None:
        """Start a subscription and return once the server listens for it."""
        made = self.hub.subscriptions_made
        await self.connection.send(json.dumps({"id": op, "type": "subscribe",
                                               "payload": {"query": query, "variables": variables or {}}}))
        registered = await asyncio.to_thread(self.hub.wait_for_subscriptions, made + 1, DEADLINE)
        assert registered, "the server never started listening for the subscription"

    async def message(self, op: str) -> dict[str, Any]:
        """The next message (next, error or complete) of one operation."""
        async with asyncio.timeout(DEADLINE):
            while not self._by_op[op]:
                received = json.loads(await self.connection.recv())
                self._by_op[received.get("id", "")].append(received)
        return self._by_op[op].pop(0)

    async def next(self, op: str) -> dict[str, Any]:
        """The data of the operation's next result (failing on anything else)."""
        received = await self.message(op)
        assert received["type"] == "next", received
        assert "errors" not in received["payload"], received["payload"]
        return dict(received["payload"]["data"])

    async def closed(self) -> tuple[int, str]:
        """Wait (bounded) for the server to close the socket."""
        with pytest.raises(ConnectionClosed) as ended:
            async with asyncio.timeout(DEADLINE):
                while True:
                    await self.connection.recv()
        assert ended.value.rcvd is not None, "closed without a close frame from the server"
        return ended.value.rcvd.code, ended.value.rcvd.reason

    async def close(self) -> None:
        await self.connection.close()


class LiveStack:
    def __init__(self, server: LiveServer, app: Any, issuer: LocalIssuer,
                 sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine, url: str) -> None:
        self.server = server
        self.app = app
        self.issuer = issuer
        self.sessions = sessions
        self.engine = engine
        self.database_url = url

    @property
    def hub(self) -> LiveHub:
        hub = self.app.state.runtime.live
        assert hub is not None
        return hub

    def token(self, username: str) -> str:
        return self.issuer.sign(username, username=username)

    async def socket(self, username: str) -> Socket:
        connection = await connect(f"{self.server.ws_url}/graphql", subprotocols=[PROTOCOL])
        # Read in English, as the suite's other clients (tests/support/live_server.py ENGLISH).
        await connection.send(json.dumps({"type": "connection_init", "payload": {
            "Authorization": f"Bearer {self.token(username)}", **ENGLISH}}))
        ack = json.loads(await asyncio.wait_for(connection.recv(), DEADLINE))
        assert ack == {"type": "connection_ack"}, ack
        return Socket(connection, self.hub)

    def writer(self) -> Any:
        return writer_session(self.sessions)


async def prepared_database(backend: str, directory: Path) -> tuple[str, AsyncEngine]:
    url = await new_database(backend, directory)
    engine = create_engine(url)
    await migrations.upgrade(engine)
    async with writer_session(session_factory(engine)) as session:
        await import_federation(session, load_federation(demo_federation_path()))
    return url, engine


def live_settings(url: str, directory: Path, **overrides: Any) -> Settings:
    backend = "postgres" if url.startswith("postgresql") else "embedded"
    values: dict[str, Any] = dict(
        database_url=url, dev_issuer_key_file=directory / "key.json", demo_federation=False,
        migrate_on_start=False, embedded_relay=False, tick_seconds=0, ws_recheck_seconds=3600,
        live_backend=backend)
    return Settings(_env_file=None, **(values | overrides))  # type: ignore[arg-type]


async def start_stack(backend: str, directory: Path, **overrides: Any) -> AsyncIterator[LiveStack]:
    url, engine = await prepared_database(backend, directory)
    settings = live_settings(url, directory, **overrides)
    app = create_app(settings)
    server = LiveServer(app, ws="websockets-sansio", lifespan="on")
    server.start()
    try:
        yield LiveStack(server, app, LocalIssuer.load_or_create(settings.dev_issuer_key_file),
                        session_factory(engine), engine, url)
    finally:
        server.stop()
        await engine.dispose()
        await drop_database(url)


@pytest.fixture(scope="module")
async def live(backend: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LiveStack]:
    async for stack in start_stack(backend, tmp_path_factory.mktemp(f"live-{backend}")):
        yield stack
