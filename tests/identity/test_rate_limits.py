"""Rate limits: failed authentications per address and requests per caller, in memory and on Redis."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from groupdesk.app import create_app
from server.config import Settings
from tests.support.demo_database import demo_sqlite
from tests.support.live_server import ENGLISH, LiveServer

VIEWER = {"query": "{ viewer { user { username } } }"}
BAD = {"Authorization": "Bearer gdk_" + "x" * 43}
STORAGES = ["memory://", "redis://127.0.0.1:6379"]


@pytest.fixture
async def client_for(settings: Settings, engine: Any,
                     sessions: Any) -> AsyncIterator[Callable[..., Callable[[str], httpx.AsyncClient]]]:
    """Apps with the given rate limit settings; each app's clients can come from any address."""
    apps: list[Any] = []

    def make(**overrides: Any) -> Callable[[str], httpx.AsyncClient]:
        if "redis" in overrides.get("rate_limit_storage", ""):
            # A prefix of its own: parallel runs sharing the Redis server never see each other's counts.
            overrides["rate_limit_key_prefix"] = f"groupdesk-test-{uuid.uuid4().hex}"
        app = create_app(settings.model_copy(update=overrides), engine=engine, sessions=sessions)
        apps.append(app)

        def from_address(address: str) -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=app, client=(address, 40000))
            return httpx.AsyncClient(headers=ENGLISH, transport=transport, base_url="http://groupdesk.test")
        return from_address
    yield make
    for app in apps:
        await app.state.runtime.rate_limits.aclose()
        await app.state.runtime.verifier.aclose()


def bearer(token_for: Any, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(username)}"}


@pytest.mark.parametrize("storage", STORAGES)
async def test_the_failed_authentication_after_the_limit_gets_429_with_retry_after(
        client_for: Callable[..., Any], token_for: Any, storage: str) -> None:
    clients = client_for(rate_limit_storage=storage, rate_limit_failed_auth="3/minute")
    async with clients("203.0.113.7") as attacker, clients("203.0.113.8") as neighbour:
        statuses = [(await attacker.post("/graphql", json=VIEWER, headers=BAD)).status_code for _ in range(3)]
        refused = await attacker.post("/graphql", json=VIEWER, headers=BAD)
        # The address is blocked whatever it sends now, even a good token.
        blocked = await attacker.post("/graphql", json=VIEWER, headers=bearer(token_for, "amandine.roclerc"))
        other_bad = await neighbour.post("/graphql", json=VIEWER, headers=BAD)
        other_good = await neighbour.post("/graphql", json=VIEWER, headers=bearer(token_for, "amandine.roclerc"))

    assert statuses == [401, 401, 401]
    assert refused.status_code == 429 and blocked.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    (error,) = refused.json()["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["message"].startswith("too many failed authentications from this address")
    assert other_bad.status_code == 401
    assert other_good.json()["data"] == {"viewer": {"user": {"username": "amandine.roclerc"}}}
    assert "errors" not in other_good.json()


@pytest.mark.parametrize("storage", STORAGES)
async def test_a_busy_caller_is_limited_and_others_are_not(
        client_for: Callable[..., Any], token_for: Any, storage: str) -> None:
    clients = client_for(rate_limit_storage=storage, rate_limit_principal="3/minute")
    async with clients("198.51.100.1") as client:
        busy = [await client.post("/graphql", json=VIEWER, headers=bearer(token_for, "bastien.fauvrelle"))
                for _ in range(4)]
        other = await client.post("/graphql", json=VIEWER, headers=bearer(token_for, "fanny.lestrehan"))

    assert [r.status_code for r in busy] == [200, 200, 200, 429]
    assert int(busy[-1].headers["retry-after"]) >= 1
    assert busy[-1].json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert other.status_code == 200


@pytest.fixture(scope="module")
async def limited_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LiveServer]:
    directory: Path = tmp_path_factory.mktemp("rate-limits")
    url = await demo_sqlite(directory, "limits.db")
    settings = Settings(_env_file=None, database_url=url, dev_issuer_key_file=directory / "key.json",
                        demo_federation=False, migrate_on_start=False, embedded_relay=False,
                        rate_limit_failed_auth="2/minute")
    live = LiveServer(create_app(settings), ws="websockets-sansio", lifespan="on")
    live.start()
    try:
        yield live
    finally:
        live.stop()


async def test_a_websocket_from_a_blocked_address_is_closed_with_4429(limited_server: LiveServer) -> None:
    codes = []
    for _ in range(3):
        async with connect(f"{limited_server.ws_url}/graphql", subprotocols=["graphql-transport-ws"],
                           additional_headers=ENGLISH) as socket:
            await socket.send(json.dumps({"type": "connection_init", "payload": {"token": "gdk_" + "y" * 43}}))
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(socket.recv(), 30)
            assert closed.value.rcvd is not None
            codes.append((closed.value.rcvd.code, closed.value.rcvd.reason.split(" (")[0]))

    assert codes == [(4401, "unknown or revoked API token")] * 2 + [
        (4429, "too many failed authentications from this address")]
