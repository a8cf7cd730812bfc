"""The database going down for real (a cut TCP proxy, a vanished SQLite directory): 503, then recovery."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from server import migrations
from groupdesk.app import create_app
from server.config import Settings
from server.db import create_engine, session_factory, writer_session
from server.importing import import_federation
from tenants.federation import demo_federation_path, load_federation
from tests.conftest import drop_database, new_database
from tests.support.live_server import ENGLISH, LiveServer
from tests.support.tcp_proxy import TcpProxy
from tests.tickets.helpers import LYON_AGENT

UNAVAILABLE = {"errors": [{"message": "the database is unavailable, retry later",
                           "extensions": {"code": "SERVICE_UNAVAILABLE"}}]}
TICKETS = "{ tickets(first: 1) { totalCount } }"
# Words of drivers and sockets that must never reach a client.
DRIVER_WORDS = ("asyncpg", "sqlite", "sqlalchemy", "errno", "refused", "connect call", "unable to open",
                "traceback", "oserror")


class SwitchableDatabase:
    """A migrated database with the demo federation that a test can take down and bring back."""

    def __init__(self, url: str, app_url: str, proxy: TcpProxy | None, directory: Path | None) -> None:
        self.url, self.app_url, self.proxy, self.directory = url, app_url, proxy, directory

    def app_engine(self) -> Any:
        # SQLite without a pool: a pooled connection would keep the vanished file open and carry on.
        return create_engine(self.app_url, poolclass=NullPool) if self.proxy is None \
            else create_engine(self.app_url)

    async def down(self) -> None:
        if self.proxy is not None:
            await self.proxy.down()
        else:
            assert self.directory is not None
            self.directory.rename(self.directory.with_name(self.directory.name + "-gone"))

    async def up(self) -> None:
        if self.proxy is not None:
            await self.proxy.up()
        else:
            assert self.directory is not None
            gone = self.directory.with_name(self.directory.name + "-gone")
            if gone.exists():
                gone.rename(self.directory)


@pytest.fixture
async def database(backend: str, tmp_path: Path) -> AsyncIterator[SwitchableDatabase]:
    directory = tmp_path / "db"
    directory.mkdir()
    url = await new_database(backend, directory)
    engine = create_engine(url)
    proxy = None
    try:
        await migrations.upgrade(engine)
        async with writer_session(session_factory(engine)) as session:
            await import_federation(session, load_federation(demo_federation_path()))
        await engine.dispose()
        app_url = url
        if backend == "postgres":
            target = make_url(url)
            proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
            await proxy.up()
            app_url = target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        db = SwitchableDatabase(url, app_url, proxy, None if proxy else directory)
        yield db
        await db.up()
    finally:
        if proxy is not None:
            await proxy.down()
        await drop_database(url)


@pytest.fixture
async def served(database: SwitchableDatabase, settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    engine = database.app_engine()
    app = create_app(settings, engine=engine, sessions=session_factory(engine))
    async with httpx.AsyncClient(headers=ENGLISH, transport=httpx.ASGITransport(app=app),
                                 base_url="http://groupdesk.test") as client:
        yield client, app
    await app.state.runtime.verifier.aclose()
    await engine.dispose()


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "5"
    assert response.json() == UNAVAILABLE
    lowered = response.text.lower()
    assert not [word for word in DRIVER_WORDS if word in lowered], response.text


async def test_database_down_answers_503_with_retry_after_then_recovers_without_restart(
        database: SwitchableDatabase, served: tuple[httpx.AsyncClient, Any]) -> None:
    client, app = served
    headers = {"Authorization": f"Bearer {app.state.runtime.local_issuer.sign(LYON_AGENT, username=LYON_AGENT)}"}
    before = await client.post("/graphql", json={"query": TICKETS}, headers=headers)
    assert before.status_code == 200 and "errors" not in before.json(), before.text

    await database.down()
    # Authentication reads the user: the first thing to meet the outage, in development too.
    assert_unavailable(await client.post("/graphql", json={"query": TICKETS}, headers=headers))
    assert_unavailable(await client.post("/graphql", headers=headers, json={
        "query": "mutation { revokeApiToken(id: \"QXBpVG9rZW46MQ==\") { __typename } }"}))
    assert_unavailable(await client.get("/graphql", params={"query": TICKETS}, headers=headers))
    # The GraphQL-over-HTTP media type gets the same answer.
    assert_unavailable(await client.post("/graphql", json={"query": TICKETS}, headers={
        **headers, "Accept": "application/graphql-response+json"}))

    await database.up()
    after = await client.post("/graphql", json={"query": TICKETS}, headers=headers)
    assert after.status_code == 200 and "errors" not in after.json(), after.text


async def test_scim_and_desk_hooks_answer_503_cleanly_while_the_database_is_down(
        database: SwitchableDatabase, served: tuple[httpx.AsyncClient, Any]) -> None:
    client, _ = served
    await database.down()

    scim = await client.get("/scim/v2/Users", headers={"Authorization": "Bearer gd_scim_whatever"})
    hook = await client.post("/hooks/desks/insa-lyon", content=b"{}", headers={
        "webhook-id": "msg_1", "webhook-timestamp": "1", "webhook-signature": "v1,AAAA"})

    assert scim.status_code == 503 and scim.headers["retry-after"] == "5", scim.text
    assert scim.json()["detail"] == "the database is unavailable, retry later"
    assert_unavailable(hook)
    await database.up()
    assert (await client.get("/scim/v2/Users", headers={"Authorization": "Bearer x"})).status_code == 401


async def test_readyz_with_the_database_down_is_503_pointing_to_the_log_without_a_driver_message(
        database: SwitchableDatabase, served: tuple[httpx.AsyncClient, Any],
        caplog: pytest.LogCaptureFixture) -> None:
    client, _ = served
    await database.down()
    caplog.set_level(logging.WARNING, logger="groupdesk")
    response = await client.get("/readyz", headers={"X-Request-Id": "probe-7f3a"})

    assert response.status_code == 503, response.text
    assert response.json() == {"status": "not ready", "checks": {
        "database": "unreachable: see the server log, request id probe-7f3a"}}
    # The driver's own account of the failure is in the log, under the same request id, not in the body.
    [logged] = [r for r in caplog.records if r.name == "groupdesk" and r.levelno == logging.WARNING]
    assert getattr(logged, "request_id", None) == "probe-7f3a"
    assert logged.exc_info is not None and logged.exc_info[1] is not None
    cause = logged.exc_info[1]
    lowered = response.text.lower()
    assert str(cause).lower() not in lowered and type(cause).__name__.lower() not in lowered
    assert not [word for word in (*DRIVER_WORDS, "sqlite3", "connect call failed", "oserror")
                if word in lowered], response.text

    await database.up()
    assert (await client.get("/readyz")).status_code == 200


@pytest.fixture
async def live(database: SwitchableDatabase, tmp_path: Path) -> AsyncIterator[tuple[LiveServer, str]]:
    settings = Settings(_env_file=None, database_url=database.app_url, demo_federation=False,
                        migrate_on_start=False, embedded_relay=False, tick_seconds=0,
                        dev_issuer_key_file=tmp_path / "key.json")
    engine = database.app_engine()
    app = create_app(settings, engine=engine, sessions=session_factory(engine))
    server = LiveServer(app, ws="websockets-sansio")
    server.start()
    try:
        yield server, app.state.runtime.local_issuer.sign(LYON_AGENT, username=LYON_AGENT)
    finally:
        server.stop()


async def test_websocket_gets_service_unavailable_and_never_a_driver_message(
        database: SwitchableDatabase, live: tuple[LiveServer, str]) -> None:
    server, token = live
    socket = await connect(f"{server.ws_url}/graphql", subprotocols=["graphql-transport-ws"],
                           additional_headers=ENGLISH)
    await socket.send(json.dumps({"type": "connection_init", "payload": {"token": token}}))
    assert json.loads(await asyncio.wait_for(socket.recv(), 30)) == {"type": "connection_ack"}

    await database.down()
    # Authenticated already: the operation itself meets the outage.
    await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": TICKETS}}))
    message = json.loads(await asyncio.wait_for(socket.recv(), 30))
    assert message["type"] in ("next", "error"), message
    errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
    assert [e["extensions"]["code"] for e in errors] == ["SERVICE_UNAVAILABLE"], message
    assert not [w for w in DRIVER_WORDS if w in json.dumps(message).lower()], message
    await socket.close()

    # A new connection cannot be authenticated: closed with 1013, try again later.
    refused = await connect(f"{server.ws_url}/graphql", subprotocols=["graphql-transport-ws"],
                            additional_headers=ENGLISH)
    await refused.send(json.dumps({"type": "connection_init", "payload": {"token": token}}))
    with pytest.raises(ConnectionClosed) as closed:
        await asyncio.wait_for(refused.recv(), 30)
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1013, "the database is unavailable, retry later")


async def test_a_wrong_statement_or_an_unreachable_desk_is_not_a_database_outage(tmp_path: Path) -> None:
    from sqlalchemy import text

    from server.outages import outage_of
    from tests.support.live_server import free_port

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    try:
        async with engine.connect() as conn:
            with pytest.raises(Exception) as wrong:
                await conn.execute(text("SELEC 1"))
    finally:
        await engine.dispose()
    async with httpx.AsyncClient() as desk_client:
        with pytest.raises(httpx.ConnectError) as desk_down:
            await desk_client.get(f"http://127.0.0.1:{free_port()}/")

    assert outage_of(wrong.value) is None
    assert outage_of(desk_down.value) is None


async def test_an_outage_is_said_in_the_language_the_request_asks_for(
        database: SwitchableDatabase, served: tuple[httpx.AsyncClient, Any]) -> None:
    client, app = served
    token = app.state.runtime.local_issuer.sign(LYON_AGENT, username=LYON_AGENT)
    await database.down()
    answers = {}
    for language in ("fr", "en"):
        response = await client.post("/graphql", json={"query": TICKETS}, headers={
            "Authorization": f"Bearer {token}", "Accept-Language": language})
        assert response.status_code == 503, response.text
        answers[language] = response.json()["errors"]
    # Who asks cannot be read while the database is down: the header decides, else French.
    assert answers["en"] == UNAVAILABLE["errors"]
    assert answers["fr"] == [{"message": "la base de données est indisponible, réessayez plus tard",
                              "extensions": {"code": "SERVICE_UNAVAILABLE"}}]
