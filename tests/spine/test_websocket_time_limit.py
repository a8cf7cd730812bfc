"""A query or mutation sent on a WebSocket has the same time limit as over HTTP: TIMEOUT on its id,
nothing it did kept, and the socket goes on serving. A real socket on a live server, both databases."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from websockets.asyncio.client import ClientConnection, connect

from server import migrations
from groupdesk.app import create_app
from server.catalog.models import Brick
from server.config import Settings
from server.db import create_engine, session_factory, writer_session
from server.importing import import_federation
from tenants.federation import demo_federation_path, load_federation
from tests.conftest import drop_database, new_database
from tests.spine.test_hostile_queries import STOPPING, write_lock_held
from tests.support.log_events import logged
from tests.support.live_server import ENGLISH, LiveServer
from tests.tickets.helpers import ADMIN

# Generous: only an answer that never comes makes the test wait this long.
DEADLINE = 30


def create_brick(code: str) -> str:
    return f'mutation {{ createBrick(input: {{code: "{code}", name: "{code}"}}) {{ __typename }} }}'


@pytest.fixture
async def served(backend: str, tmp_path: Path) -> AsyncIterator[tuple[LiveServer, str, Any]]:
    """A live server on a database of the test's own, with a half-second time limit."""
    url = await new_database(backend, tmp_path)
    engine = create_engine(url)
    server: LiveServer | None = None
    try:
        await migrations.upgrade(engine)
        async with writer_session(session_factory(engine)) as session:
            await import_federation(session, load_federation(demo_federation_path()))
        settings = Settings(_env_file=None, database_url=url, demo_federation=False, migrate_on_start=False,
                            embedded_relay=False, tick_seconds=0, dev_issuer_key_file=tmp_path / "key.json",
                            max_execution_seconds=0.5)
        app = create_app(settings)
        server = LiveServer(app, ws="websockets-sansio", lifespan="on")  # on: it disposes its engine
        server.start()
        yield server, app.state.runtime.local_issuer.sign(ADMIN, username=ADMIN), engine
    finally:
        if server is not None:
            server.stop()
        await engine.dispose()
        await drop_database(url)


async def acknowledged(server: LiveServer, token: str) -> ClientConnection:
    socket = await connect(f"{server.ws_url}/graphql", subprotocols=["graphql-transport-ws"],
                           additional_headers=ENGLISH)
    await socket.send(json.dumps({"type": "connection_init", "payload": {"token": token}}))
    assert json.loads(await asyncio.wait_for(socket.recv(), DEADLINE)) == {"type": "connection_ack"}
    return socket


async def answer(socket: ClientConnection, op: str) -> dict[str, Any]:
    """The single result of operation `op`, once its `complete` arrived."""
    message = json.loads(await asyncio.wait_for(socket.recv(), DEADLINE))
    assert (message["type"], message["id"]) == ("next", op), message
    assert json.loads(await asyncio.wait_for(socket.recv(), DEADLINE)) == {"id": op, "type": "complete"}
    return dict(message["payload"])


async def bricks_named(engine: Any, code: str) -> int:
    async with session_factory(engine)() as session:
        return int(await session.scalar(select(func.count()).select_from(Brick).where(Brick.code == code)))


async def test_a_mutation_over_its_time_limit_on_a_websocket_is_stopped_rolled_back_and_the_socket_serves_on(
        served: tuple[LiveServer, str, Any], caplog: pytest.LogCaptureFixture) -> None:
    server, token, engine = served
    caplog.set_level(logging.WARNING, logger="groupdesk.graphql")
    socket = await acknowledged(server, token)

    with logged("groupdesk.graphql", lambda message: message == STOPPING) as stopping:
        async with write_lock_held(engine):
            await socket.send(json.dumps({"id": "slow", "type": "subscribe",
                                          "payload": {"query": create_brick("too-slow")}}))
            # The mutation waits on the lock for sure: only its time limit can end it. The lock is
            # let go once the server says it is stopping the operation (on SQLite the waiting
            # statement, and so the answer, returns only then).
            await asyncio.wait_for(stopping.wait(), timeout=DEADLINE)
    timed_out = await answer(socket, "slow")

    assert timed_out["data"] is None
    (error,) = timed_out["errors"]
    assert error["extensions"] == {"code": "TIMEOUT", "maxSeconds": 0.5}
    assert await bricks_named(engine, "too-slow") == 0
    [stopping] = [r for r in caplog.records if r.getMessage() == STOPPING]
    assert getattr(stopping, "fields", {})["websocket"] is True

    # The same socket runs the next operation, in a transaction of its own that is kept.
    kept = await answer_of(socket, "next", create_brick("in-time"))
    assert kept["data"] == {"createBrick": {"__typename": "Brick"}}, kept
    assert await bricks_named(engine, "in-time") == 1
    await socket.close()


async def answer_of(socket: ClientConnection, op: str, query: str) -> dict[str, Any]:
    await socket.send(json.dumps({"id": op, "type": "subscribe", "payload": {"query": query}}))
    return await answer(socket, op)
