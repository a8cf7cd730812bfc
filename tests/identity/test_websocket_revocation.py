"""Open WebSockets follow their credential: revoking a token or deactivating a user closes the socket
(4403) at once, and nothing sent after the revocation runs. Real sockets on a live server."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from server import migrations
from groupdesk.app import create_app
from server.catalog.models import Brick
from server.config import Settings
from server.db import create_engine, session_factory, writer_session
from server.identity.api_tokens import create_api_token
from server.identity.local_issuer import LocalIssuer
from server.identity.models import ApiToken, Tenant, User
from server.importing import import_federation
from server.tickets.models import Ticket, TicketComment
from tenants.context import OPERATOR
from tenants.federation import demo_federation_path, load_federation
from tests.support.live_server import ENGLISH, LiveServer
from tests.tickets.helpers import ACCOUNT_CREATION, ACCOUNT_REQUEST, COMMENT, OPEN, gid

PROTOCOL = "graphql-transport-ws"
ROOT = Path(__file__).resolve().parents[2]
# Generous: only a socket that is never closed makes the test wait this long.
DEADLINE = 30


class Live:
    def __init__(self, live: LiveServer, issuer: LocalIssuer, sessions: async_sessionmaker[AsyncSession],
                 url: str) -> None:
        self.live = live
        self.issuer = issuer
        self.sessions = sessions
        self.database_url = url

    def dev_token(self, username: str) -> str:
        return self.issuer.sign(username, username=username)

    async def socket(self, bearer: str) -> ClientConnection:
        socket = await connect(f"{self.live.ws_url}/graphql", subprotocols=[PROTOCOL],
                               additional_headers=ENGLISH)
        await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {bearer}"}}))
        assert json.loads(await asyncio.wait_for(socket.recv(), DEADLINE)) == {"type": "connection_ack"}
        return socket

    async def desk_token(self, slug: str, purpose: str = "DESK") -> tuple[int, str]:
        async with writer_session(self.sessions) as session:
            tenant_id = await session.scalar(select(Tenant.id).where(Tenant.slug == slug))
            assert tenant_id is not None
            token, raw = await create_api_token(session, actor=OPERATOR, tenant_id=tenant_id,
                                                name=f"{purpose} {slug}", purpose=purpose)
            return token.id, raw


async def live_server(directory: Path, **settings: Any) -> AsyncIterator[Live]:
    url = f"sqlite+aiosqlite:///{directory / 'ws.db'}"
    engine = create_engine(url)
    await migrations.upgrade(engine)
    sessions = session_factory(engine)
    async with writer_session(sessions) as session:
        await import_federation(session, load_federation(demo_federation_path()))
    configured = Settings(_env_file=None, database_url=url, dev_issuer_key_file=directory / "key.json",
                          demo_federation=False, migrate_on_start=False, embedded_relay=False, **settings)
    live = LiveServer(create_app(configured), ws="websockets-sansio", lifespan="on")
    live.start()
    try:
        yield Live(live, LocalIssuer.load_or_create(configured.dev_issuer_key_file), sessions, url)
    finally:
        live.stop()
        await engine.dispose()


@pytest.fixture(scope="module")
async def server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Live]:
    """Sockets re-checked only when told or when an operation starts: the periodic check never fires."""
    async for live in live_server(tmp_path_factory.mktemp("revocation"), ws_recheck_seconds=3600):
        yield live


async def run(socket: ClientConnection, query: str, variables: dict[str, Any] | None = None,
              op: str = "1") -> dict[str, Any]:
    await socket.send(json.dumps({"id": op, "type": "subscribe",
                                  "payload": {"query": query, "variables": variables}}))
    first = json.loads(await asyncio.wait_for(socket.recv(), DEADLINE))
    assert first["type"] == "next", first
    assert json.loads(await asyncio.wait_for(socket.recv(), DEADLINE))["type"] == "complete"
    return dict(first["payload"])


async def closed(socket: ClientConnection) -> tuple[int, str]:
    """Wait (bounded) for the server to close the socket; messages before the close are skipped."""
    with pytest.raises(ConnectionClosed) as ended:
        async with asyncio.timeout(DEADLINE):
            while True:
                await socket.recv()
    assert ended.value.rcvd is not None, "closed without a close frame from the server"
    return ended.value.rcvd.code, ended.value.rcvd.reason


async def test_revoking_an_api_token_over_graphql_closes_its_open_socket_at_once(server: Live) -> None:
    token_id, raw = await server.desk_token("insa-lyon")
    socket = await server.socket(raw)
    assert (await run(socket, "{ viewer { user { username } } }"))["data"]["viewer"]["user"] == {
        "username": "desk.insa-lyon"}

    async with httpx.AsyncClient(headers=ENGLISH, base_url=server.live.url) as client:
        revoked = await client.post("/graphql", headers={
            "Authorization": f"Bearer {server.dev_token('valentine.orsembaud')}"}, json={
            "query": "mutation($id: ID!) { revokeApiToken(id: $id) { __typename } }",
            "variables": {"id": gid("ApiToken", token_id)}})
    assert revoked.json()["data"] == {"revokeApiToken": {"__typename": "ApiToken"}}
    assert "errors" not in revoked.json()

    code, reason = await closed(socket)
    assert code == 4403 and reason.startswith("API token gdk_") and reason.endswith("... was revoked")


async def test_an_operation_sent_right_after_a_deactivation_is_not_run(server: Live) -> None:
    socket = await server.socket(server.dev_token("wilfried.thorenc"))
    async with writer_session(server.sessions) as session:
        user = await session.scalar(select(User).where(User.username == "wilfried.thorenc"))
        assert user is not None
        user.active = False

    # The server's watch may close the socket first: then the operation cannot even be sent, which
    # is as good; either way it must not run.
    with contextlib.suppress(ConnectionClosed):
        await socket.send(json.dumps({"id": "late", "type": "subscribe", "payload": {
            "query": 'mutation { createBrick(input: {code: "after-deactivation", name: "Too late"}) '
                     '{ __typename } }'}}))

    assert await closed(socket) == (4403, "user wilfried.thorenc is deactivated")
    async with server.sessions() as session:
        assert await session.scalar(select(Brick.id).where(Brick.code == "after-deactivation")) is None


async def test_a_scim_deactivated_user_cannot_comment_over_an_open_socket(server: Live) -> None:
    socket = await server.socket(server.dev_token("amandine.roclerc"))
    brick = await run(socket, '{ brick(code: "scenari") { services { name subServices { id name } } } }')
    services = {s["name"]: s for s in brick["data"]["brick"]["services"]}
    sub_service = next(s["id"] for s in services[ACCOUNT_CREATION[1]]["subServices"]
                       if s["name"] == ACCOUNT_CREATION[2])
    opened = await run(socket, OPEN, {"input": {"subServiceId": sub_service, "title": "Before",
                                                "description": "d", "requestData": ACCOUNT_REQUEST}}, op="2")
    ticket = opened["data"]["openTicket"]
    assert ticket["__typename"] == "Ticket"
    _, scim_token = await server.desk_token("insa-lyon", purpose="SCIM")
    async with server.sessions() as session:
        user_id = await session.scalar(select(User.id).where(User.username == "amandine.roclerc"))

    async with httpx.AsyncClient(headers=ENGLISH, base_url=server.live.url) as client:
        disabled = await client.patch(f"/scim/v2/Users/{user_id}", headers={
            "Authorization": f"Bearer {scim_token}", "Content-Type": "application/scim+json"}, json={
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "Replace", "path": "active", "value": "False"}]})
    assert disabled.status_code in (200, 204), disabled.text
    # The close may already be on its way: then the comment cannot even be sent, which is as good.
    with contextlib.suppress(ConnectionClosed):
        await socket.send(json.dumps({"id": "3", "type": "subscribe", "payload": {
            "query": COMMENT, "variables": {"input": {"ticketId": ticket["id"], "body": "still here"}}}}))

    assert await closed(socket) == (4403, "user amandine.roclerc is deactivated")
    async with server.sessions() as session:
        written = await session.scalar(select(func.count()).select_from(TicketComment).join(
            Ticket, Ticket.id == TicketComment.ticket_id).where(Ticket.ref == ticket["ref"]))
    assert written == 0


async def test_deactivating_a_tenant_closes_the_sockets_of_its_users(server: Live) -> None:
    socket = await server.socket(server.dev_token("ismael.grandcourtois"))
    async with writer_session(server.sessions) as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == "insa-rouen"))
        assert tenant is not None
        tenant.active = False

    assert await closed(socket) == (4403, "tenant insa-rouen is deactivated")


async def test_a_revocation_by_another_process_closes_the_socket_within_the_recheck_interval(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    async for live in live_server(tmp_path_factory.mktemp("polling"), ws_recheck_seconds=0.2):
        token_id, raw = await live.desk_token("insa-rennes")
        socket = await live.socket(raw)

        revoked = await asyncio.to_thread(subprocess.run, [
            sys.executable, "-m", "groupdesk.cli", "api-token", "revoke", str(token_id)],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
            env={**os.environ, "GROUPDESK_DATABASE_URL": live.database_url, "GROUPDESK_ENV": "development"})
        assert revoked.returncode == 0, revoked.stderr

        code, reason = await closed(socket)
        assert code == 4403 and reason.endswith("... was revoked")
        async with live.sessions() as session:
            assert (await session.get(ApiToken, token_id)).revoked_at is not None
