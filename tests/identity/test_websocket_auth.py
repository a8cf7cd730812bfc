"""GraphQL over a real WebSocket: the connection authenticates once, from connection_init, with the same
tokens as HTTP; refusals close the socket with the reason; operations then run as that caller."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from groupdesk.app import create_app
from server.config import Settings
from server.identity.local_issuer import LocalIssuer
from tests.identity.test_sso_login import person
from tests.support.demo_database import demo_sqlite
from tests.support.live_server import ENGLISH, LiveServer
from tests.support.realm import Realm, RealmServer

PROTOCOL = "graphql-transport-ws"
HEARTBEAT = "subscription { heartbeat(count: 3, intervalSeconds: 0.01) { sequence username tenantSlug } }"


class Server:
    def __init__(self, live: LiveServer, issuer: LocalIssuer) -> None:
        self.live = live
        self.issuer = issuer

    def dev_token(self, username: str) -> str:
        return self.issuer.sign(username, username=username)


@pytest.fixture(scope="module")
async def server(tmp_path_factory: pytest.TempPathFactory, realm_server: RealmServer,
                 insa_realm: Realm) -> AsyncIterator[Server]:
    """The app on uvicorn over loopback, with its own SQLite database holding the demo federation."""
    directory: Path = tmp_path_factory.mktemp("websocket")
    url = await demo_sqlite(directory, "ws.db")
    settings = Settings(_env_file=None, database_url=url, dev_issuer_key_file=directory / "key.json",
                        demo_federation=False, migrate_on_start=False, oidc_server_url=realm_server.url,
                        oidc_realms=insa_realm.name, oidc_leeway=0)
    live = LiveServer(create_app(settings), ws="websockets-sansio", lifespan="on")
    live.start()
    try:
        yield Server(live, LocalIssuer.load_or_create(settings.dev_issuer_key_file))
    finally:
        live.stop()


async def open_socket(server: Server, payload: Any) -> ClientConnection:
    """Connect and send connection_init with `payload` (None: send no payload at all)."""
    socket = await connect(f"{server.live.ws_url}/graphql", subprotocols=[PROTOCOL],
                           additional_headers=ENGLISH)
    await socket.send(json.dumps({"type": "connection_init"} if payload is None
                                 else {"type": "connection_init", "payload": payload}))
    return socket


async def acknowledged(server: Server, payload: Any) -> ClientConnection:
    socket = await open_socket(server, payload)
    assert json.loads(await socket.recv()) == {"type": "connection_ack"}
    return socket


async def run(socket: ClientConnection, query: str, op: str = "1") -> list[dict[str, Any]]:
    """Subscribe and collect every `next` payload until `complete` (an `error` fails the test)."""
    await socket.send(json.dumps({"id": op, "type": "subscribe", "payload": {"query": query}}))
    results = []
    while True:
        message = json.loads(await asyncio.wait_for(socket.recv(), 30))
        assert message.get("id") == op and message["type"] in {"next", "complete"}, message
        if message["type"] == "complete":
            return results
        results.append(message["payload"])


async def rejection(server: Server, payload: Any) -> tuple[int, str]:
    socket = await open_socket(server, payload)
    with pytest.raises(ConnectionClosed) as closed:
        await asyncio.wait_for(socket.recv(), 30)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, closed.value.rcvd.reason


async def test_sso_token_in_connection_init_runs_the_subscription_as_that_user(
        server: Server, insa_realm: Realm) -> None:
    token = person(insa_realm, "ws.lyon", sub="sub-ws-lyon")
    async with await acknowledged(server, {"Authorization": f"Bearer {token}"}) as socket:
        beats = await run(socket, HEARTBEAT)

    assert [b["data"]["heartbeat"] for b in beats] == [
        {"sequence": n, "username": "ws.lyon", "tenantSlug": "insa-lyon"} for n in (1, 2, 3)]


@pytest.mark.parametrize("shape", ["authorization", "token"])
async def test_other_payload_shapes_carry_the_token_too(server: Server, shape: str) -> None:
    token = server.dev_token("fanny.lestrehan")
    payload = {"authorization": f"Bearer {token}"} if shape == "authorization" else {"token": token}
    async with await acknowledged(server, payload) as socket:
        result = await run(socket, "query { viewer { user { username } tenant { slug } } }")

    assert result == [{"data": {"viewer": {"user": {"username": "fanny.lestrehan"},
                                           "tenant": {"slug": "insa-rennes"}}}}]


async def test_connection_without_credentials_is_closed_with_4401_and_the_reason(server: Server) -> None:
    for payload in (None, {}):
        code, reason = await rejection(server, payload)
        assert code == 4401
        assert reason == 'authentication required: send {"Authorization": "Bearer <token>"} in connection_init'


@pytest.mark.parametrize(("claims", "code", "reason"), [
    ({"exp": int(time.time()) - 60}, 4401, "token expired"),
    ({"aud": "account"}, 4401, "audience mismatch: expected groupdesk, token is for account"),
    ({"organization": None}, 4403, "token carries no tenant: no organization claim"),
    ({"organization": "insa-xyz"}, 4403, "unknown tenant insa-xyz"),
])
async def test_broken_sso_token_closes_the_connection_with_the_reason(
        server: Server, insa_realm: Realm, claims: dict[str, Any], code: int, reason: str) -> None:
    token = person(insa_realm, "ws.broken", **claims)
    assert await rejection(server, {"Authorization": f"Bearer {token}"}) == (code, reason)


async def test_deactivated_user_is_refused_with_4403(server: Server) -> None:
    token = server.dev_token("zoe.plantavine")
    assert await rejection(server, {"token": token}) == (4403, "user zoe.plantavine is deactivated")


async def test_malformed_payload_is_refused(server: Server) -> None:
    assert await rejection(server, {"Authorization": 42}) == (
        4401, "connection_init payload: Authorization must be 'Bearer <token>'")


async def test_subscribing_before_the_acknowledgement_is_refused(server: Server) -> None:
    async with await connect(f"{server.live.ws_url}/graphql", subprotocols=[PROTOCOL],
                             additional_headers=ENGLISH) as socket:
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": HEARTBEAT}}))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 30)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_connection_is_closed_when_its_token_expires(server: Server, insa_realm: Realm) -> None:
    # Long enough to be accepted on a busy machine; the close comes when it runs out, not before.
    token = person(insa_realm, "ws.short", exp=int(time.time()) + 4)
    async with await acknowledged(server, {"Authorization": f"Bearer {token}"}) as socket:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 30)
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4401, "token expired: reconnect with a fresh token")


async def test_operations_on_one_connection_run_side_by_side(server: Server) -> None:
    async with await acknowledged(server, {"token": server.dev_token("amandine.roclerc")}) as socket:
        for op in ("a", "b"):
            await socket.send(json.dumps({"id": op, "type": "subscribe", "payload": {
                "query": "subscription { heartbeat(count: 3, intervalSeconds: 0.02) { sequence username } }"}}))
        seen: dict[str, list[int]] = {"a": [], "b": []}
        completed: set[str] = set()
        while completed != {"a", "b"}:
            message = json.loads(await asyncio.wait_for(socket.recv(), 30))
            if message["type"] == "complete":
                completed.add(message["id"])
            else:
                assert message["type"] == "next", message
                seen[message["id"]].append(message["payload"]["data"]["heartbeat"]["sequence"])
    assert seen == {"a": [1, 2, 3], "b": [1, 2, 3]}


async def test_mutation_over_the_socket_is_committed(server: Server) -> None:
    admin = server.dev_token("valentine.orsembaud")
    async with await acknowledged(server, {"token": admin}) as socket:
        created = await run(socket, 'mutation { createBrick(input: {code: "ws-brick", name: "Over WS"}) '
                                    '{ __typename } }')
        again = await run(socket, '{ brick(code: "ws-brick") { name } }', op="2")
    assert created == [{"data": {"createBrick": {"__typename": "Brick"}}}]
    assert again == [{"data": {"brick": {"name": "Over WS"}}}]

    async with httpx.AsyncClient(headers=ENGLISH, base_url=server.live.url) as client:
        response = await client.post("/graphql", json={"query": '{ brick(code: "ws-brick") { name } }'},
                                     headers={"Authorization": f"Bearer {admin}"})
    body = response.json()
    assert "errors" not in body and body["data"] == {"brick": {"name": "Over WS"}}


async def test_a_subscription_sent_over_http_is_told_to_use_the_websocket(gql) -> None:
    body = await gql(HEARTBEAT, as_user="amandine.roclerc", expect_errors=True)
    assert body["errors"][0]["message"] == ("subscriptions are served over WebSocket (graphql-transport-ws) "
                                            "at /graphql")
